"""Numbers for the start page, counted in the database."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select, text, true

from ...extensions import db
from ...models import OPEN_STAGES, STAGES, Lead, User, utcnow
from ...permissions import MANAGEMENT, visible_leads_clause


@dataclass
class StartSummary:
    open_leads: int = 0
    waiting: int = 0
    overdue: int = 0
    by_stage: dict[str, int] = field(default_factory=dict)


def start_page_summary(user: User) -> StartSummary:
    """Open, waiting and overdue leads the user may see, and totals per stage."""
    # Management sees region-wide counts: numbers, never the leads themselves.
    visible = true() if user.role == MANAGEMENT else visible_leads_clause(user)
    now = utcnow()
    row = db.session.execute(
        select(
            func.count().filter(Lead.stage.in_(OPEN_STAGES)),
            func.count().filter(Lead.stage == "new", Lead.owner_id.is_(None)),
            func.count().filter(Lead.stage.in_(("new", "assigned")), Lead.sla_due_at < now),
        ).where(visible)
    ).one()
    by_stage = dict(db.session.execute(select(Lead.stage, func.count()).where(visible).group_by(Lead.stage)).all())
    return StartSummary(
        open_leads=row[0], waiting=row[1], overdue=row[2],
        by_stage={stage: by_stage.get(stage, 0) for stage in (*STAGES, "lost")},
    )


def check_database() -> None:
    """Raise when the database cannot be reached (used by the health check)."""
    db.session.execute(text("SELECT 1"))
