"""Logging in and out, and changing one's password."""
from . import routes  # noqa: F401  (importing a view module registers its views on bp)
from .blueprint import bp

__all__ = ["bp"]
