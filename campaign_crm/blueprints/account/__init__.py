"""Mijn profiel: every logged-in user's own details and the e-mail notices they want."""
from . import routes  # noqa: F401  (importing a view module registers its views on bp)
from .blueprint import bp

__all__ = ["bp"]
