"""Read queries over leads for lists and detail views; the caller passes what the actor may see.

The lists and the lead page are the pages people open most. Building a SQLAlchemy statement and working out
its cache key costs more than running it on a small result, so their statements are built once per shape,
with bound parameters for the values (`Listing`, `lead_for_page`), not once per request."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, func, select
from sqlalchemy.orm import joinedload, selectinload

from ...extensions import db
from ...models import LOST, STAGES, Employer, Lead, Phase, User
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
