"""Queue and workload queries: my leads, the team queue, overdue leads, load and equity per advisor.

The queue functions give a `Listing` to page through. Its rows (`_base`) are the lead's id, stage, SLA due time,
escalation, priority, owner and waiting reason, and the names of its employer, municipality, sector, channel,
phase and owner. A queue's statements are built once per kind, set of filters and sort order (`_statements`); the
sort orders a user may pick are the whitelist `SORT_KEYS`."""
from __future__ import annotations

import functools
import statistics
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, bindparam, case, func, select, text
from sqlalchemy.orm import aliased

from ...extensions import db
from ...models import (
    STAGES,
    Absence,
    Channel,
    Employer,
    Lead,
    LeadAssignment,
    LeadDecline,
    Municipality,
    Phase,
    Sector,
    Team,
    User,
    utcnow,
)
from ...models.leads import OPEN_STAGES_SQL
from ...permissions import ADMIN, ADVISOR, CAMPAIGN, TEAMLEAD, visible_leads_clause
from ..calendar import AMSTERDAM, today, working_days_between
from ..leads.queries import Listing, listing, listing_statements

WAITING_FOR_CONTACT_SQL = "stage IN ('new', 'assigned')"
ASCENDING, DESCENDING = "op", "af"  # the `richting` of a sorted queue

# Who owns a queue row's lead (one alias, so that the sort orders can name its columns).
_OWNER = aliased(User, name="owner")


@dataclass(frozen=True)
class SortKey:
    """A column a queue can be sorted by (the `sorteer` parameter): its label, the expression it sorts on, and
    the direction a first click sorts in."""

    label: str
    expression: Any
    descending_first: bool = False


# The whitelist of sort orders: anything else gives the queue's own order (most urgent first). Each sorts the
# rows the queue's WHERE already narrowed down (an advisor's or a team's open leads, through their indexes), with
# empty values last and the lead's id as the tie-break, so that paging is stable.
SORT_KEYS: dict[str, SortKey] = {
    "werkgever": SortKey("Werkgever", func.lower(Employer.name)),
    "gemeente": SortKey("Gemeente", Municipality.name),
    "kanaal": SortKey("Kanaal", Channel.name),
    "stand": SortKey("Stand", case({stage: rank for rank, stage in enumerate(STAGES)}, value=Lead.stage)),
    # Only a first contact still to make has a deadline; a lead past that sorts with the empty ones.
    "termijn": SortKey("Eerste contact vóór", case((Lead.stage.in_(("new", "assigned")), Lead.sla_due_at))),
    "prioriteit": SortKey("Prioriteit", Lead.priority, descending_first=True),
    "adviseur": SortKey("Adviseur", _OWNER.name),
}


@dataclass(frozen=True)
class Sorting:
    key: str
    descending: bool


@dataclass
class QueueFilters:
    stage: str = ""
    channel_id: int | None = None
    phase_id: int | None = None
    overdue_only: bool = False
    q: str = ""
    sort: str = ""  # a key of SORT_KEYS; anything else: the queue's own order
    direction: str = ""  # ASCENDING or DESCENDING; anything else: the key's first direction

    @property
    def sorting(self) -> Sorting | None:
        """The sort order asked for, if it is one of the whitelist."""
        key = SORT_KEYS.get(self.sort)
        if key is None:
            return None
        if self.direction in (ASCENDING, DESCENDING):
            return Sorting(self.sort, self.direction == DESCENDING)
        return Sorting(self.sort, key.descending_first)

    def values(self) -> dict[str, Any]:
        """The filters that are set, as the statement's parameters (their names make the statement's shape)."""
        values = {"stage": self.stage, "channel_id": self.channel_id, "phase_id": self.phase_id,
                  "now": utcnow() if self.overdue_only else None, "q": self.q.strip().lower()}
        return {name: value for name, value in values.items() if value}


def _ordered(query: Select, sorting: Sorting | None = None) -> Select:
    # SLA due time first (the most urgent on top), then the transparent priority score.
    if sorting is not None:
        return _sorted(query, sorting)
    return query.order_by(Lead.sla_due_at.is_(None), Lead.sla_due_at, Lead.priority.desc(), Lead.id)


def _sorted(query: Select, sorting: Sorting) -> Select:
    """The order a user picked: the column (empty values last, either way), then the lead's id."""
    expression = SORT_KEYS[sorting.key].expression
    return query.order_by(expression.is_(None), expression.desc() if sorting.descending else expression.asc(),
                          Lead.id)


def _filtered(query: Select, shape: frozenset[str]) -> Select:
    """The filters named in `shape`, their values bound at execution (QueueFilters.values)."""
    if "stage" in shape:
        query = query.where(Lead.stage == bindparam("stage"))
    if "channel_id" in shape:
        query = query.where(Lead.channel_id == bindparam("channel_id"))
    if "phase_id" in shape:
        query = query.where(Lead.phase_id == bindparam("phase_id"))
    if "now" in shape:
        query = query.where(text(WAITING_FOR_CONTACT_SQL), Lead.sla_due_at < bindparam("now"))
    if "q" in shape:
        query = query.where(func.lower(Employer.name).contains(bindparam("q")))
    return query


def _base() -> Select:
    """Everything a queue row shows, as plain columns of one statement: a queue is read, not changed, so its
    rows need no ORM objects (building those was most of a queue page's time). Each joined table is one row
    per lead, so a page of any length is this one statement."""
    owner = _OWNER
    return (
        select(Lead.id, Lead.stage, Lead.sla_due_at, Lead.escalation_level, Lead.priority, Lead.owner_id,
               Lead.waiting_reason, Employer.name.label("employer_name"), Municipality.name.label("municipality_name"),
               Sector.name.label("sector_name"), Channel.name.label("channel_name"), Phase.name.label("phase_name"),
               owner.name.label("owner_name"))
        .join(Employer, Employer.id == Lead.employer_id)
        .outerjoin(Municipality, Municipality.id == Employer.municipality_id)
        .outerjoin(Sector, Sector.id == Employer.sector_id)
        .outerjoin(Channel, Channel.id == Lead.channel_id)
        .outerjoin(Phase, Phase.id == Lead.phase_id)
        .outerjoin(owner, owner.id == Lead.owner_id)
    )


@functools.cache
def _statements(kind: str, shape: frozenset[str], sorting: Sorting | None) -> tuple[Select, Select]:
    """The statements of a queue (`kind`) with these filters and this order, built once: the values are
    parameters."""
    if kind == "mine":  # served by the partial index on owner + SLA due time
        query = _ordered(_filtered(_base().where(Lead.owner_id == bindparam("owner_id"), text(OPEN_STAGES_SQL)), shape),
                         sorting)
    elif kind == "unrouted":
        query = _ordered(_filtered(_base().where(Lead.team_id.is_(None), Lead.owner_id.is_(None),
                                                 text(OPEN_STAGES_SQL)), shape), sorting)
    else:  # a team's open leads, waiting (unassigned) ones first; or only those
        query = _base().where(Lead.team_id == bindparam("team_id"), text(OPEN_STAGES_SQL))
        if kind == "waiting":
            query = query.where(Lead.owner_id.is_(None))
        query = _filtered(query, shape)
        query = _sorted(query, sorting) if sorting is not None else query.order_by(
            Lead.owner_id.is_not(None), Lead.sla_due_at.is_(None), Lead.sla_due_at, Lead.priority.desc(), Lead.id)
    return listing_statements(query)


def _listing(kind: str, filters: QueueFilters, **ids: int) -> Listing:
    values = filters.values()
    return Listing(*_statements(kind, frozenset(values), filters.sorting), {**values, **ids})


def my_queue(user: User, filters: QueueFilters) -> Listing:
    """The advisor's own open leads, the most urgent first."""
    return _listing("mine", filters, owner_id=user.id)


def team_queue(team_id: int, filters: QueueFilters, *, waiting_only: bool = False) -> Listing:
    """A team's open leads; waiting (unassigned) ones first."""
    return _listing("waiting" if waiting_only else "team", filters, team_id=team_id)


def unrouted(filters: QueueFilters) -> Listing:
    """Open leads that no rule sent to a team (for the campaign team and admins)."""
    return _listing("unrouted", filters)


def overdue(user: User, filters: QueueFilters) -> Listing:
    """Leads the user may see whose first contact is past its SLA (built per request: what the user may see
    is part of the statement)."""
    values = filters.values()
    query = _base().where(visible_leads_clause(user), text(WAITING_FOR_CONTACT_SQL), Lead.sla_due_at < utcnow())
    return listing(_ordered(_filtered(query, frozenset(values)), filters.sorting), values)


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


@functools.cache
def _load_statement(one_team: bool) -> Select:
    """Active advisors (of the team `:team_id`) with their open leads and whether they are away on `:day`."""
    open_leads = (select(func.count()).select_from(Lead)
                  .where(Lead.owner_id == User.id, text(OPEN_STAGES_SQL)).scalar_subquery())
    away = (select(Absence.id).where(Absence.user_id == User.id, Absence.starts_on <= bindparam("day"),
                                     Absence.ends_on >= bindparam("day")).exists())
    query = (select(User, open_leads.label("open_leads"), away.label("away"))
             .where(User.role == ADVISOR, User.active.is_(True)).order_by(User.name, User.id))
    return query.where(User.team_id == bindparam("team_id")) if one_team else query


def team_load(team_id: int | None = None) -> list[AdvisorLoad]:
    """Open leads against capacity per active advisor (of one team, or all), with who is away today; one
    statement."""
    rows = db.session.execute(_load_statement(team_id is not None), {"team_id": team_id, "day": today()})
    return [AdvisorLoad(advisor, open_leads, bool(away)) for advisor, open_leads, away in rows]


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
