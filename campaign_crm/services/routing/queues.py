"""Queue and workload queries: my leads, the team queue, overdue leads, load and equity per advisor."""
from __future__ import annotations

import statistics
from dataclasses import dataclass

from sqlalchemy import Select, and_, func, select, text
from sqlalchemy.orm import contains_eager, selectinload

from ...extensions import db
from ...models import (
    Absence,
    Employer,
    Lead,
    LeadAssignment,
    LeadDecline,
    Team,
    User,
    utcnow,
)
from ...models.leads import OPEN_STAGES_SQL
from ...permissions import ADMIN, ADVISOR, CAMPAIGN, TEAMLEAD, visible_leads_clause
from ..calendar import AMSTERDAM, today, working_days_between

WAITING_FOR_CONTACT_SQL = "stage IN ('new', 'assigned')"


@dataclass
class QueueFilters:
    stage: str = ""
    channel_id: int | None = None
    phase_id: int | None = None
    overdue_only: bool = False
    q: str = ""


def _ordered(query: Select) -> Select:
    # SLA due time first (the most urgent on top), then the transparent priority score.
    return query.order_by(Lead.sla_due_at.is_(None), Lead.sla_due_at, Lead.priority.desc(), Lead.id)


def _filtered(query: Select, filters: QueueFilters) -> Select:
    if filters.stage:
        query = query.where(Lead.stage == filters.stage)
    if filters.channel_id:
        query = query.where(Lead.channel_id == filters.channel_id)
    if filters.phase_id:
        query = query.where(Lead.phase_id == filters.phase_id)
    if filters.overdue_only:
        query = query.where(text(WAITING_FOR_CONTACT_SQL), Lead.sla_due_at < utcnow())
    if filters.q.strip():
        query = query.where(func.lower(Employer.name).contains(filters.q.strip().lower()))
    return query


def _base() -> Select:
    # Everything a queue row shows, loaded with the page (no query per row).
    return select(Lead).join(Lead.employer).options(
        contains_eager(Lead.employer).selectinload(Employer.municipality),
        contains_eager(Lead.employer).selectinload(Employer.sector),
        selectinload(Lead.channel), selectinload(Lead.phase), selectinload(Lead.owner),
    )


def my_queue(user: User, filters: QueueFilters) -> Select:
    """The advisor's own open leads (served by the partial index on owner + SLA due time)."""
    return _ordered(_filtered(_base().where(Lead.owner_id == user.id, text(OPEN_STAGES_SQL)), filters))


def team_queue(team_id: int, filters: QueueFilters, *, waiting_only: bool = False) -> Select:
    """A team's open leads; waiting (unassigned) ones first."""
    query = _base().where(Lead.team_id == team_id, text(OPEN_STAGES_SQL))
    if waiting_only:
        query = query.where(Lead.owner_id.is_(None))
    return _filtered(query, filters).order_by(
        Lead.owner_id.is_not(None), Lead.sla_due_at.is_(None), Lead.sla_due_at, Lead.priority.desc(), Lead.id
    )


def unrouted(filters: QueueFilters) -> Select:
    """Open leads that no rule sent to a team (for the campaign team and admins)."""
    return _ordered(_filtered(_base().where(Lead.team_id.is_(None), Lead.owner_id.is_(None), text(OPEN_STAGES_SQL)),
                              filters))


def overdue(user: User, filters: QueueFilters) -> Select:
    """Leads the user may see whose first contact is past its SLA."""
    query = _base().where(visible_leads_clause(user), text(WAITING_FOR_CONTACT_SQL), Lead.sla_due_at < utcnow())
    return _ordered(_filtered(query, filters))


def is_visible(user: User, lead_id: int) -> bool:
    return bool(db.session.scalar(select(Lead.id).where(Lead.id == lead_id, visible_leads_clause(user))))


@dataclass
class AdvisorLoad:
    advisor: User
    open_leads: int
    absent_today: bool
    assigned_total: int = 0
    declines: int = 0
    median_days_to_contact: float | None = None

    @property
    def load_ratio(self) -> float | None:
        return self.open_leads / self.advisor.capacity if self.advisor.capacity else None


def team_load(team_id: int | None = None) -> list[AdvisorLoad]:
    """Open leads against capacity per active advisor (of one team, or all), with who is away today."""
    advisors = select(User).where(User.role == ADVISOR, User.active.is_(True)).order_by(User.name, User.id)
    if team_id is not None:
        advisors = advisors.where(User.team_id == team_id)
    people = db.session.scalars(advisors).all()
    ids = [p.id for p in people]
    if not ids:
        return []
    open_counts = dict(db.session.execute(
        select(Lead.owner_id, func.count()).where(Lead.owner_id.in_(ids), text(OPEN_STAGES_SQL)).group_by(Lead.owner_id)
    ).all())
    day = today()
    away = set(db.session.scalars(
        select(Absence.user_id).where(Absence.user_id.in_(ids), Absence.starts_on <= day, Absence.ends_on >= day)
    ))
    return [AdvisorLoad(p, open_counts.get(p.id, 0), p.id in away) for p in people]


def equity(team_id: int | None = None) -> list[AdvisorLoad]:
    """Per advisor: assigned, open, capacity, load ratio, median working days to first contact, declines."""
    rows = team_load(team_id)
    ids = [r.advisor.id for r in rows]
    if not ids:
        return rows
    assigned = dict(db.session.execute(
        select(LeadAssignment.advisor_id, func.count(func.distinct(LeadAssignment.lead_id)))
        .where(LeadAssignment.advisor_id.in_(ids)).group_by(LeadAssignment.advisor_id)
    ).all())
    declines = dict(db.session.execute(
        select(LeadDecline.advisor_id, func.count()).where(LeadDecline.advisor_id.in_(ids))
        .group_by(LeadDecline.advisor_id)
    ).all())
    # Narrow columns only: owner, created, contacted.
    durations: dict[int, list[int]] = {}
    for owner_id, created_at, contacted_at in db.session.execute(
        select(Lead.owner_id, Lead.created_at, Lead.contacted_at)
        .where(Lead.owner_id.in_(ids), Lead.contacted_at.is_not(None))
    ):
        durations.setdefault(owner_id, []).append(working_days_between(
            created_at.astimezone(AMSTERDAM).date(), contacted_at.astimezone(AMSTERDAM).date()))
    for row in rows:
        row.assigned_total = assigned.get(row.advisor.id, 0)
        row.declines = declines.get(row.advisor.id, 0)
        days = durations.get(row.advisor.id)
        row.median_days_to_contact = statistics.median(days) if days else None
    return rows


def teams_led_by(user: User) -> list[Team]:
    """The teams whose queue this user manages (a team lead: their team; campaign/admin: all)."""
    if user.role in (ADMIN, CAMPAIGN):
        return list(db.session.scalars(select(Team).where(Team.active.is_(True)).order_by(Team.name)))
    if user.role == TEAMLEAD and user.team is not None:
        return [user.team]
    return []


def waiting_count(team_id: int) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Lead).where(and_(Lead.team_id == team_id, Lead.owner_id.is_(None)),
                                                     text(OPEN_STAGES_SQL))
    )
