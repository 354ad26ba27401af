"""Read queries over leads for lists and detail views; the caller passes what the actor may see.

The lists and the lead page are the pages people open most. Building a SQLAlchemy statement and working out
its cache key costs more than running it on a small result, so their statements are built once per shape,
with bound parameters for the values (`Listing`, `lead_for_page`), not once per request."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Date,
    Integer,
    Row,
    Select,
    String,
    bindparam,
    case,
    cast,
    func,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import aliased, joinedload, selectinload

from ...extensions import db
from ...models import (
    ESCALATION_LEVELS,
    LOST,
    STAGES,
    Activity,
    AdCode,
    Channel,
    Employer,
    Lead,
    LeadAssignment,
    LeadEscalation,
    LeadStageEvent,
    Phase,
    Sector,
    Touchpoint,
    User,
    Vacancy,
)
from ...models.employers import TOUCHPOINT_KINDS
from ...models.placements import ACTIVITY_KINDS
from ...permissions import visible_leads_clause
from .. import reference
from ..errors import ValidationError

# Everything a lead's JSON (or a list row) shows, loaded with the lead instead of one query per row.
LEAD_LOADS = (
    joinedload(Lead.channel),
    joinedload(Lead.phase),
    joinedload(Lead.owner),
    joinedload(Lead.team),
    selectinload(Lead.interests),
)


# Everything the lead page shows about the lead itself. All of it is one row per lead (the interests a few),
# so it comes in the statement that reads the lead, not in a query per relationship.
PAGE_LOADS = (
    joinedload(Lead.employer).joinedload(Employer.municipality),
    joinedload(Lead.employer).joinedload(Employer.sector),
    joinedload(Lead.contact),
    joinedload(Lead.channel),
    joinedload(Lead.phase),
    joinedload(Lead.owner),
    joinedload(Lead.team),
    joinedload(Lead.lost_reason),
    joinedload(Lead.interests),
)


@dataclass(frozen=True)
class LeadFilters:
    stage: str | None = None
    channel: str | None = None
    phase: str | None = None
    updated_since: datetime | None = None


def lead_list(visible: ColumnElement[bool], filters: LeadFilters) -> Select[tuple[Lead]]:
    """Leads the actor may see (`visible`) that match `filters`, oldest first (stable for paging).

    Unknown codes raise ValidationError naming the filter. A phase code matches that phase in
    every campaign.
    """
    query = select(Lead).where(visible).options(*LEAD_LOADS).order_by(Lead.id)
    if filters.stage:
        if filters.stage not in (*STAGES, LOST):
            raise ValidationError(f"Onbekende fase van de lead {filters.stage!r}.",
                                  {"stage": "Kies uit: " + ", ".join((*STAGES, LOST)) + "."})
        query = query.where(Lead.stage == filters.stage)
    if filters.channel:
        query = query.where(Lead.channel_id == reference.channel(filters.channel).id)
    if filters.phase:
        phase_ids = select(Phase.id).where(Phase.code == filters.phase.strip().lower())
        if db.session.scalar(phase_ids.limit(1)) is None:
            raise ValidationError(f"Onbekende campagnefase {filters.phase!r}.", {"phase": "Geen fase met deze code."})
        query = query.where(Lead.phase_id.in_(phase_ids))
    if filters.updated_since:
        query = query.where(Lead.updated_at >= filters.updated_since)
    return query


def visible_lead(lead_id: int, visible: ColumnElement[bool]) -> Lead | None:
    """The lead with this id if the actor may see it; otherwise None (to the caller: not found)."""
    return db.session.scalar(select(Lead).where(Lead.id == lead_id, visible).options(*LEAD_LOADS))


# --- statements that depend on who asks ------------------------------------------------------------

# What a user may see (permissions.visible_leads_clause) is part of the statement: such statements are kept per
# user, keyed on every attribute of the user the clause reads, so a change of team or role makes a new one.
_PER_USER: dict[tuple, Select] = {}
PER_USER_STATEMENTS = 512  # at most this many kept (then all are dropped and built again as they are used)


def for_user(name: str, user: User, build: Callable[[ColumnElement[bool]], Select]) -> Select:
    """The statement `name` for `user`: `build(what the user may see)`, built once per user."""
    key = (name, user.id, user.role, user.team_id, user.partner_id)
    statement = _PER_USER.get(key)
    if statement is None:
        if len(_PER_USER) >= PER_USER_STATEMENTS:
            _PER_USER.clear()
        statement = _PER_USER[key] = build(visible_leads_clause(user))
    return statement


_PAGE_LEAD = select(Lead).where(Lead.id == bindparam("lead_id")).options(*PAGE_LOADS)


def lead_for_page(lead_id: int, user: User) -> Lead | None:
    """The lead with this id and all the lead page shows of it, if `user` may see it; otherwise None."""
    statement = for_user("lead_page", user, _PAGE_LEAD.where)
    return db.session.scalars(statement, {"lead_id": lead_id}).unique().one_or_none()


# --- lists a page at a time ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Listing:
    """A list to show a page at a time: the statement of its rows (ordered; LIMIT :limit OFFSET :offset), the
    statement of their count, and the values of their parameters. `entities`: each row is one ORM object.

    Made by `listing`, or from statements a caller built once for their shape (`listing_statements`)."""

    rows: Select
    total: Select
    params: dict[str, Any] = field(default_factory=dict)
    entities: bool = False

    def page(self, *, offset: int, limit: int) -> list:
        result = db.session.execute(self.rows, {**self.params, "limit": limit, "offset": offset})
        return list(result.scalars() if self.entities else result)

    def count(self) -> int:
        return db.session.scalar(self.total, self.params)


def listing_statements(query: Select) -> tuple[Select, Select]:
    """The rows of an ordered statement a page at a time, and the statement that counts them."""
    return (query.limit(bindparam("limit")).offset(bindparam("offset")),
            select(func.count()).select_from(query.order_by(None).subquery()))


def listing(query: Select, params: dict[str, Any] | None = None, *, entities: bool = False) -> Listing:
    """A Listing of a statement built for this request (its values in it, or in `params`)."""
    return Listing(*listing_statements(query), params or {}, entities)


# --- the lead's timeline ------------------------------------------------------------------------------

# What an entry can show besides its kind, time, id and label; each kind fills its own columns, the rest are NULL.
_ENTRY_COLUMNS = {
    "code": String, "from_stage": String, "who": String, "text": String, "channel": String, "phase": String,
    "ad_code": String, "utm_source": String, "utm_medium": String, "utm_campaign": String, "next_action": String,
    "next_action_due": Date, "sector": String, "hours_per_week": Integer, "banenafspraak": Boolean, "status": String,
}
# At the same moment, a cause comes before its effect: the touchpoint before the assignment it led to, an
# activity or vacancy before the stage change it made.
_ORDER = {"touchpoint": 0, "assignment": 1, "activity": 2, "vacancy": 3, "stage": 4, "escalation": 5}


def _entries(kind: str, model, at, *joins, labels: dict[str, str] | None = None, **columns) -> Select:
    """One kind of timeline entry of the lead `:lead_id`, as the columns every kind has; `labels` name its code."""
    who = columns.pop("who_of", None)
    person = aliased(User)
    if who is not None:
        columns["who"] = person.name
    code = columns.get("code")
    label = case(labels, value=code, else_=code) if labels else cast(null(), String)
    # A typed NULL (CAST): PostgreSQL matches a UNION's column types branch by branch.
    filled = [columns.get(name, cast(null(), type_)).label(name) for name, type_ in _ENTRY_COLUMNS.items()]
    query = select(literal(kind).label("kind"), at.label("at"), model.id.label("id"), label.label("label"), *filled)
    query = query.select_from(model)
    for target, on in joins:
        query = query.outerjoin(target, on)
    if who is not None:
        query = query.outerjoin(person, person.id == who)
    return query.where(model.lead_id == bindparam("lead_id"))


# Everything that happened on a lead in one statement, whatever its length: plain rows, no ORM objects.
_TIMELINE = union_all(
    _entries("touchpoint", Touchpoint, Touchpoint.occurred_at,
             (Channel, Channel.id == Touchpoint.channel_id), (Phase, Phase.id == Touchpoint.phase_id),
             (AdCode, AdCode.id == Touchpoint.ad_code_id), labels=TOUCHPOINT_KINDS,
             code=Touchpoint.kind, text=Touchpoint.message, channel=Channel.name, phase=Phase.name,
             ad_code=AdCode.code,
             utm_source=Touchpoint.utm_source, utm_medium=Touchpoint.utm_medium, utm_campaign=Touchpoint.utm_campaign),
    _entries("assignment", LeadAssignment, LeadAssignment.at, text=LeadAssignment.reason,
             who_of=LeadAssignment.actor_id),
    _entries("activity", Activity, Activity.occurred_at, labels=ACTIVITY_KINDS, code=Activity.kind,
             text=Activity.outcome, next_action=Activity.next_action, next_action_due=Activity.next_action_due,
             who_of=Activity.actor_id),
    _entries("vacancy", Vacancy, Vacancy.created_at, (Sector, Sector.id == Vacancy.sector_id),
             text=Vacancy.title, sector=Sector.name, hours_per_week=Vacancy.hours_per_week,
             banenafspraak=Vacancy.banenafspraak, status=Vacancy.status),
    _entries("stage", LeadStageEvent, LeadStageEvent.at, code=LeadStageEvent.to_stage,
             from_stage=LeadStageEvent.from_stage, text=LeadStageEvent.note, who_of=LeadStageEvent.actor_id),
    _entries("escalation", LeadEscalation, LeadEscalation.at, labels=ESCALATION_LEVELS, code=LeadEscalation.level,
             who_of=LeadEscalation.notified_user_id),
)


def lead_timeline(lead_id: int) -> list[Row]:
    """Everything that happened on a lead, newest first: touchpoints, assignments, activities, vacancies, stage
    changes and SLA escalations. Each entry has `kind`, `at`, `id`, `label` (the name of a touchpoint's,
    activity's or escalation's `code`) and the columns of `_ENTRY_COLUMNS` its kind fills: `who` is the actor
    (for an escalation: whom it was reported to), `text` the message, reason, outcome, vacancy title or note."""
    entries = list(db.session.execute(_TIMELINE, {"lead_id": lead_id}))
    entries.sort(key=lambda entry: (entry.at, _ORDER[entry.kind], entry.id), reverse=True)
    return entries
