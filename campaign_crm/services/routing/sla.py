"""The SLA ladder for first contact: due soon → overdue (advisor) → team lead → campaign coordinator."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from ...extensions import db
from ...models import ESCALATION_LEVELS, Lead, LeadEscalation, User, utcnow
from ...permissions import TEAMLEAD
from .. import reference
from ..calendar import AMSTERDAM, working_days_between

LEVELS = tuple(ESCALATION_LEVELS)  # in ladder order
WAITING_FOR_CONTACT = ("new", "assigned")


@dataclass
class SweepReport:
    checked: int = 0
    recorded: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LEVELS, 0))


def level_for(due: datetime, now: datetime, *, soon_hours: int, team_lead_days: int,
              coordinator_days: int) -> str | None:
    """The highest ladder step a lead waiting for first contact has reached at `now`."""
    if now < due - timedelta(hours=soon_hours):
        return None
    if now <= due:
        return "due_soon"
    late_days = working_days_between(due.astimezone(AMSTERDAM).date(), now.astimezone(AMSTERDAM).date())
    if late_days >= coordinator_days:
        return "coordinator"
    if late_days >= team_lead_days:
        return "team_lead"
    return "overdue"


def _team_lead(team_id: int | None) -> User | None:
    if team_id is None:
        return None
    return db.session.scalar(
        select(User).where(User.team_id == team_id, User.role == TEAMLEAD, User.active.is_(True)).order_by(User.id)
    )


def sweep(*, now: datetime | None = None) -> SweepReport:
    """Record every ladder step reached and not yet recorded; running it twice records nothing new."""
    now = now or utcnow()
    soon = int(reference.setting("sla_due_soon_hours"))
    team_lead_days = int(reference.setting("sla_escalate_team_lead_days"))
    coordinator_days = int(reference.setting("sla_escalate_coordinator_days"))
    report = SweepReport()
    rows = db.session.execute(
        select(Lead.id, Lead.sla_due_at, Lead.team_id, Lead.owner_id, Lead.escalation_level)
        .where(Lead.stage.in_(WAITING_FOR_CONTACT), Lead.sla_due_at.is_not(None),
               Lead.sla_due_at <= now + timedelta(hours=soon))
        .order_by(Lead.sla_due_at)
    ).all()
    recorded = {(lead_id, level) for lead_id, level in db.session.execute(
        select(LeadEscalation.lead_id, LeadEscalation.level).where(LeadEscalation.lead_id.in_([r.id for r in rows]))
    )} if rows else set()
    team_leads: dict[int | None, User | None] = {}
    for row in rows:
        report.checked += 1
        level = level_for(row.sla_due_at, now, soon_hours=soon, team_lead_days=team_lead_days,
                          coordinator_days=coordinator_days)
        if level is None:
            continue
        for step in LEVELS[: LEVELS.index(level) + 1]:
            if (row.id, step) in recorded or (step == "due_soon" and level != "due_soon"):
                continue  # a lead found already late never was "due soon" on record
            notified = row.owner_id if step in ("due_soon", "overdue") else None
            if step == "team_lead":
                if row.team_id not in team_leads:
                    team_leads[row.team_id] = _team_lead(row.team_id)
                lead_user = team_leads[row.team_id]
                notified = lead_user.id if lead_user else None
            db.session.add(LeadEscalation(lead_id=row.id, level=step, notified_user_id=notified, at=now))
            report.recorded[step] += 1
        if row.escalation_level != level:
            db.session.get(Lead, row.id).escalation_level = level
    db.session.flush()
    return report
