"""The pipeline board: a user's own open leads (or their team's) in one column per stage.

A card move is a stage change through `lifecycle.change_stage`, so the board obeys the same rules as the
lead page: stages only go forward, Geplaatst comes from recording a placement, Afgevallen needs a reason
(both on the lead page). The board reads in one statement per view, whatever the number of cards.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import contains_eager

from ...extensions import db
from ...models import OPEN_STAGES, STAGE_LABELS, STAGES, Employer, Lead, LeadStageEvent, User, utcnow
from ...permissions import TEAMLEAD, visible_leads_clause
from ..errors import Conflict
from . import lifecycle

MINE, TEAM = "mine", "team"
CARDS_PER_COLUMN = 50
# The stages a card can be moved to from the board: forward moves that need nothing more than the move itself.
MOVABLE = ("contacted", "meeting", "vacancy")


@dataclass(frozen=True)
class Card:
    lead: Lead
    since: datetime  # when the lead reached its current stage

    @property
    def overdue(self) -> bool:
        """Waiting for first contact past its SLA."""
        return self.lead.stage in ("new", "assigned") and self.lead.sla_due_at is not None and \
            self.lead.sla_due_at < utcnow()

    @property
    def moves(self) -> list[tuple[str, str]]:
        """(stage, label) the card may move to from the board: the forward stages of MOVABLE."""
        current = STAGES.index(self.lead.stage)
        return [(stage, STAGE_LABELS[stage]) for stage in MOVABLE if STAGES.index(stage) > current]


@dataclass(frozen=True)
class Column:
    stage: str
    label: str
    cards: list[Card]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.cards)


def scopes(user: User) -> list[tuple[str, str]]:
    """The boards this user may open: their own leads, and a team lead also the team's."""
    options = [(MINE, "Mijn leads")]
    if user.role == TEAMLEAD and user.team_id:
        options.append((TEAM, "Mijn team"))
    return options


def _scoped(user: User, scope: str) -> Select:
    query = select(Lead).where(Lead.stage.in_(OPEN_STAGES), visible_leads_clause(user))
    if scope == TEAM and user.role == TEAMLEAD and user.team_id:
        return query.where(Lead.team_id == user.team_id)
    return query.where(Lead.owner_id == user.id)


def board(user: User, scope: str = MINE) -> list[Column]:
    """One column per open stage (Nieuw has none: a lead on a board has an owner), the longest waiting first,
    at most CARDS_PER_COLUMN cards each, with the column's full count."""
    if scope not in dict(scopes(user)):
        scope = MINE
    base = _scoped(user, scope).subquery()
    since = case({stage: base.c[f"{stage}_at"] for stage in OPEN_STAGES if stage != "new"}, value=base.c.stage,
                 else_=base.c.created_at)
    ranked = (
        select(base.c.id, func.row_number().over(partition_by=base.c.stage, order_by=(since, base.c.id)).label("n"),
               func.count().over(partition_by=base.c.stage).label("total"))
        .subquery()
    )
    rows = db.session.execute(
        select(Lead, ranked.c.total)
        .join(ranked, ranked.c.id == Lead.id).join(Employer, Employer.id == Lead.employer_id)
        .options(contains_eager(Lead.employer))
        .where(ranked.c.n <= CARDS_PER_COLUMN)
        .order_by(Lead.id)
    ).all()
    columns: dict[str, list[Card]] = {stage: [] for stage in OPEN_STAGES if stage != "new"}
    totals: dict[str, int] = {}
    for lead, total in rows:
        if lead.stage in columns:
            columns[lead.stage].append(Card(lead, lead.stage_time(lead.stage) or lead.created_at))
            totals[lead.stage] = total
    for cards in columns.values():
        cards.sort(key=lambda card: (card.since, card.lead.id))
    return [Column(stage, STAGE_LABELS[stage], cards, totals.get(stage, 0)) for stage, cards in columns.items()]


def move(lead: Lead, to_stage: str, *, actor: User) -> LeadStageEvent:
    """Move a card: the lead's stage change, by the same rules as on the lead page; flushes."""
    if to_stage not in MOVABLE:
        raise Conflict("Geplaatst en Afgevallen zet u op de pagina van de lead: daar horen een plaatsing of een "
                       "reden bij.")
    return lifecycle.change_stage(lead, to_stage, actor=actor, note="Verplaatst op het bord")
