"""Read queries over leads for lists and detail views; the caller passes what the actor may see."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import joinedload, selectinload

from ...extensions import db
from ...models import LOST, STAGES, Lead, Phase
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

