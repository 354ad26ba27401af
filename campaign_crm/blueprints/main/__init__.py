"""The start page after login and the public pages (health, accessibility statement)."""
from . import routes  # noqa: F401  (importing a view module registers its views on bp)
from .blueprint import bp

__all__ = ["bp"]
