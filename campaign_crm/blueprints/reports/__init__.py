"""Management reports: the dashboard, the funnel, LKS jobs and retention pages, and their exports."""
from . import forecast, routes, spend  # noqa: F401  (importing a view module registers its views on bp)
from .blueprint import bp

__all__ = ["bp"]
