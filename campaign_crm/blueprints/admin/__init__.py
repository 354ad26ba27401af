"""Administration: users, partners, teams and the audit log."""
from . import audit_log, routes, tasks  # noqa: F401  (importing a view module registers its views on bp)
from .blueprint import bp

__all__ = ["bp"]
