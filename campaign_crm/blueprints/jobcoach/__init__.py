"""Jobcoach organisations and their risk signals: management pages, the signal list for advisors and
team leads, and the no-login signal form behind each organisation's secret link."""
from . import routes  # noqa: F401  (importing a view module registers its views on bp)
from .blueprint import bp

__all__ = ["bp"]
