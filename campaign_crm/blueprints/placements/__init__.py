"""Placements: register from a lead, the placement page, check-ins, risk cases, interventions, ending."""
from . import routes  # noqa: F401  (importing a view module registers its views on bp)
from .blueprint import bp

__all__ = ["bp"]
