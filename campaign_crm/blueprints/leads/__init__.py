"""Lead work: queues (mine, team, overdue), the lead page, quick actions, workload and equity."""
from . import routes  # noqa: F401  (importing a view module registers its views on bp)
from .blueprint import bp

__all__ = ["bp"]
