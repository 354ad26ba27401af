"""Check-ins answered by link: the no-login question form behind each person's secret link, and the page where
an advisor records the employee's consent to get the questions too."""
from . import routes  # noqa: F401  (importing a view module registers its views on bp)
from .blueprint import bp

__all__ = ["bp"]
