"""The JSON API under /api/v1: bearer tokens, one error shape, an OpenAPI document."""
from . import auth, placements, reports, routes  # noqa: F401  (importing a view module registers its views on bp)
from .blueprint import bp

__all__ = ["bp"]
