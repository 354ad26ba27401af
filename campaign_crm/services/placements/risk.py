"""Risk of dropout: risk cases opened by an amber or red check-in or a jobcoach's signal,
the interventions done about them, and closing a case with its outcome.

A placement has at most one open risk case; a higher level (red after amber) raises it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from ...extensions import db
from ...models import Intervention, Placement, RiskCase, RiskSignal, utcnow
from ...models.placements import INTERVENTION_KINDS, RISK_LEVELS
from ...permissions import Actor
from .. import normalise
from ..calendar import long_date
from ..errors import Conflict, ValidationError
from . import access

RISK_ORDER = {level: rank for rank, level in enumerate(RISK_LEVELS)}  # green < amber < red
CASE_LEVELS = ("amber", "red")
CASE_SOURCES = {"checkin": "Check-in", "signal": "Signaal van de jobcoach"}


def open_case_of(placement: Placement) -> RiskCase | None:
    """The placement's open risk case, if any."""
    return db.session.scalar(select(RiskCase).where(RiskCase.placement_id == placement.id,
                                                    RiskCase.closed_at.is_(None)).order_by(RiskCase.id.desc()))


def open_case(placement: Placement, level: str, source: str, actor: Actor | None) -> RiskCase:
    """Open a risk case on a running placement, or raise the open one when `level` is higher.

    `source` is 'checkin' or 'signal'; `actor` is None for a jobcoach's signal (no login).
    Returns the open case (new, raised or unchanged).
    """
    if level not in CASE_LEVELS:
        raise ValidationError(f"Risiconiveau {level!r} opent geen risicodossier.", {"level": "Kies oranje of rood."})
    if source not in CASE_SOURCES:
        raise ValidationError(f"Onbekende bron {source!r}.", {"source": "checkin of signal"})
    if placement.end_date is not None:
        raise Conflict(f"Plaatsing {placement.reference} is beëindigd; er wordt geen risicodossier meer geopend.")
    case = open_case_of(placement)
    if case is None:
        case = RiskCase(placement_id=placement.id, level=level, source=source, opened_at=utcnow())
        db.session.add(case)
        db.session.flush()
        access.record_change(actor, "risk_case_opened", case, placement_id=placement.id, level=level,
                                 source=source)
    elif RISK_ORDER[level] > RISK_ORDER[case.level]:
        previous, case.level = case.level, level
        access.record_change(actor, "risk_case_raised", case, placement_id=placement.id, level=level,
                                 previous=previous, source=source)
    db.session.flush()
    return case


def close_case(case: RiskCase, *, outcome: str, actor: Actor | None) -> RiskCase:
    """Close a risk case with what came of it."""
    if case.closed_at is not None:
        raise Conflict("Dit risicodossier is al gesloten.")
    outcome = (outcome or "").strip()
    if not outcome:
        raise ValidationError("Beschrijf de uitkomst.", {"outcome": "Vul de uitkomst in."})
    normalise.refuse_bsn(outcome, "outcome")
    case.closed_at, case.outcome = utcnow(), outcome
    access.record_change(actor, "risk_case_closed", case, placement_id=case.placement_id)
    db.session.flush()
    return case


def close_open_case(placement: Placement, *, outcome: str, actor: Actor | None) -> RiskCase | None:
    """Close the placement's open risk case, if there is one (when the placement ends)."""
    case = open_case_of(placement)
    return close_case(case, outcome=outcome, actor=actor) if case is not None else None


# --- interventions ----------------------------------------------------------------------------------

@dataclass
class InterventionInput:
    kind: str | None
    started_on: date | None
    ended_on: date | None = None
    outcome: str = ""
    note: str = ""


def add_intervention(placement: Placement, data: InterventionInput, *, actor: Actor) -> Intervention:
    """Record an intervention on a running placement, linked to its open risk case when there is one."""
    if placement.end_date is not None:
        raise Conflict(f"Plaatsing {placement.reference} is beëindigd.")
    errors: dict[str, str] = {}
    if data.kind not in INTERVENTION_KINDS:
        errors["kind"] = "Kies wat er gedaan wordt."
    if data.started_on is None:
        errors["started_on"] = "Vul de startdatum in."
    elif data.started_on < placement.start_date:
        errors["started_on"] = f"Ligt vóór de start van de plaatsing ({long_date(placement.start_date)})."
    if data.ended_on and data.started_on and data.ended_on < data.started_on:
        errors["ended_on"] = "Ligt vóór de startdatum."
    texts = {name: (getattr(data, name) or "").strip() for name in ("outcome", "note")}
    for name, text in texts.items():
        try:
            normalise.refuse_bsn(text, name)
        except ValidationError as exc:
            errors.update(exc.fields)
    if errors:
        raise ValidationError("De interventie is niet opgeslagen; controleer: " + ", ".join(sorted(errors)) + ".",
                              errors)
    case = open_case_of(placement)
    user = access.user_of(actor)
    intervention = Intervention(
        placement_id=placement.id, risk_case_id=case.id if case else None, kind=data.kind,
        started_on=data.started_on, ended_on=data.ended_on, outcome=texts["outcome"], note=texts["note"],
        created_by_id=user.id if user else None,
    )
    db.session.add(intervention)
    db.session.flush()
    access.record_change(actor, "intervention_added", intervention, placement_id=placement.id, kind=data.kind,
                             risk_case_id=intervention.risk_case_id)
    return intervention


def finish_intervention(intervention: Intervention, *, ended_on: date | None, outcome: str,
                        actor: Actor) -> Intervention:
    """Record when an intervention ended and what came of it."""
    errors: dict[str, str] = {}
    if ended_on is None:
        errors["ended_on"] = "Vul de einddatum in."
    elif ended_on < intervention.started_on:
        errors["ended_on"] = "Ligt vóór de startdatum."
    outcome = (outcome or "").strip()
    if not outcome:
        errors["outcome"] = "Beschrijf de uitkomst."
    else:
        try:
            normalise.refuse_bsn(outcome, "outcome")
        except ValidationError as exc:
            errors.update(exc.fields)
    if errors:
        raise ValidationError("De interventie is niet bijgewerkt; controleer: " + ", ".join(sorted(errors)) + ".",
                              errors)
    intervention.ended_on, intervention.outcome = ended_on, outcome
    access.record_change(actor, "intervention_finished", intervention, placement_id=intervention.placement_id)
    db.session.flush()
    return intervention


# --- reading ----------------------------------------------------------------------------------------

def cases_of(placement: Placement) -> list[RiskCase]:
    return list(db.session.scalars(select(RiskCase).where(RiskCase.placement_id == placement.id)
                                   .order_by(RiskCase.opened_at.desc(), RiskCase.id.desc())))


def interventions_of(placement: Placement) -> list[Intervention]:
    return list(db.session.scalars(select(Intervention).where(Intervention.placement_id == placement.id)
                                   .order_by(Intervention.started_on.desc(), Intervention.id.desc())))


def signals_of(placement: Placement) -> list[RiskSignal]:
    return list(db.session.scalars(select(RiskSignal).where(RiskSignal.placement_id == placement.id)
                                   .options(selectinload(RiskSignal.jobcoach_org))
                                   .order_by(RiskSignal.received_at.desc(), RiskSignal.id.desc())))


def visible_case(placement: Placement, case_id: int) -> RiskCase | None:
    """A risk case of this (already visible) placement; None when it belongs to another."""
    case = db.session.get(RiskCase, case_id)
    return case if case is not None and case.placement_id == placement.id else None


def open_cases_query(actor: Actor, *, mine_only: bool) -> Select:
    """Open risk cases of running placements the actor may see, red first, oldest first."""
    query = (select(RiskCase).join(RiskCase.placement)
             .where(RiskCase.closed_at.is_(None), Placement.end_date.is_(None),
                    access.visible_placements_clause(actor))
             .options(selectinload(RiskCase.placement).selectinload(Placement.employer))
             .order_by((RiskCase.level == "red").desc(), RiskCase.opened_at, RiskCase.id))
    if mine_only:
        query = query.where(Placement.advisor_id == getattr(actor, "id", None))
    return query
