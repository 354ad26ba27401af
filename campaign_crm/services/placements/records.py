"""Placements: register from a lead, edit, end with a reason, link a move to other work; who sees them.

A placement concerns a jobseeker and belongs to the partner that placed them: only that partner's
advisors, team leads and campaign staff (and admins) see it and everything under it (check-ins,
risk cases, interventions, risk signals). For everyone else it does not exist.
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, fields, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ...extensions import db
from ...models import (
    Employer,
    EndHow,
    EndWhy,
    Instrument,
    Intervention,
    JobcoachOrganisation,
    Lead,
    Placement,
    RiskCase,
    Vacancy,
)
from ...models.placements import CONTRACT_TYPES, JOBCOACH_KINDS, LKS_TYPES
from ...permissions import ADVISOR, TEAMLEAD, Actor
from .. import audit, normalise
from ..calendar import long_date, today
from ..errors import Conflict, DomainError, ValidationError
from ..leads import lifecycle as lead_service
from . import checkins, risk
from .access import (
    record_change,
    user_of,
    visible_placement,
    visible_placements_clause,
)

# Placement references are read over the phone and typed by jobcoaches: no 0/O, 1/I/L.
REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
REFERENCE_LENGTH = 8
# A client-system pseudonym: letters, digits and - . / _ with at least one digit, no spaces.
CANDIDATE_REF = re.compile(r"(?=.*[0-9])[A-Za-z0-9][A-Za-z0-9._/-]{0,59}")
MAX_HOURS_PER_WEEK = 60
MAX_DAYS_AHEAD = 366  # a start date may be planned up to a year ahead


class NoPartner(DomainError):
    """The actor belongs to no partner, so a placement it registers would belong to no one."""


def by_reference(reference_text: str) -> Placement | None:
    """The placement with this reference (as a jobcoach types it: any case, spaces and dashes ignored)."""
    cleaned = re.sub(r"[\s-]", "", reference_text or "").upper()
    if not cleaned or len(cleaned) > 16:
        return None
    return db.session.scalar(select(Placement).where(Placement.reference == cleaned))


def list_query(actor: Actor, *, status: str = "", instrument: str = "", q: str = "", advisor_id: int | None = None):
    """The placements `actor` may see, newest start first; `status` is 'active', 'ended' or ''."""
    query = (select(Placement).where(visible_placements_clause(actor))
             .options(selectinload(Placement.employer), selectinload(Placement.advisor))
             .order_by(Placement.start_date.desc(), Placement.id.desc()))
    if status == "active":
        query = query.where(Placement.end_date.is_(None))
    elif status == "ended":
        query = query.where(Placement.end_date.is_not(None))
    if instrument:
        query = query.where(Placement.instrument == instrument)
    if advisor_id:
        query = query.where(Placement.advisor_id == advisor_id)
    text = q.strip()
    if text:
        query = query.where(
            (Placement.reference == re.sub(r"[\s-]", "", text).upper())
            | (func.lower(Placement.candidate_ref) == text.lower())
            | Placement.employer_id.in_(select(Employer.id).where(Employer.name_key.contains(normalise.name_key(text))))
        )
    return query


def open_risk_placement_ids(placement_ids: list[int]) -> set[int]:
    """Which of these placements have an open risk case (one query for a whole page)."""
    if not placement_ids:
        return set()
    return set(db.session.scalars(select(RiskCase.placement_id).where(
        RiskCase.placement_id.in_(placement_ids), RiskCase.closed_at.is_(None))))


# --- the input --------------------------------------------------------------------------------------

@dataclass
class PlacementInput:
    """What a placement is registered (or edited) with; field names are those of the API body."""

    candidate_ref: str
    instrument: str
    start_date: date | None
    lks_type: str | None = None
    loonwaarde_pct: int | None = None
    loonwaarde_assessed_on: date | None = None
    loonwaarde_reassess_on: date | None = None
    hours_per_week: int | None = None
    contract_type: str | None = None
    fixed_term_ends_on: date | None = None
    vacancy_id: int | None = None
    jobcoach_org: JobcoachOrganisation | int | str | None = None  # an organisation, or its id or name
    jobcoach_kind: str | None = None
    jobcoach_hours: int | None = None
    jobcoach_funder: str | None = None
    doelgroepregister: bool = False
    lkv_requested_on: date | None = None
    no_riskpolis: bool = False


# Fields copied from the input onto the placement (jobcoach_org is resolved to an organisation first).
_COPIED = tuple(f.name for f in fields(PlacementInput) if f.name not in ("jobcoach_org",))


def jobcoach_org(value: Any, field: str = "jobcoach_org") -> JobcoachOrganisation | None:
    """An active jobcoach organisation by id (a number) or by name (any case); empty is None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        found = db.session.get(JobcoachOrganisation, value)
    elif isinstance(value, str):
        found = db.session.scalar(select(JobcoachOrganisation).where(
            func.lower(JobcoachOrganisation.name) == value.strip().lower()))
    else:
        raise ValidationError("Ongeldige jobcoachorganisatie.",
                              {field: "Geef het nummer of de naam van de organisatie."})
    if found is None or not found.active:
        raise ValidationError(f"Onbekende jobcoachorganisatie {value!r}.",
                              {field: "Geen (actieve) jobcoachorganisatie met dit nummer of deze naam."})
    return found


def _prepared(data: PlacementInput, errors: dict[str, str]) -> PlacementInput:
    """The input in the form it is checked and stored in, as a copy (the caller's `data` stays as given).

    The candidate reference and the jobcoach funder are trimmed (an empty funder is None), the jobcoach
    organisation is resolved from its id or name (an unknown one is an error and becomes None), and a
    jobcoach with an organisation but no kind is an external one.
    """
    organisation = _resolved_jobcoach_org(data.jobcoach_org, errors)
    kind = "external" if organisation is not None and data.jobcoach_kind is None else data.jobcoach_kind
    return replace(data, candidate_ref=(data.candidate_ref or "").strip(), jobcoach_org=organisation,
                   jobcoach_kind=kind, jobcoach_funder=(data.jobcoach_funder or "").strip() or None)


def _resolved_jobcoach_org(value: Any, errors: dict[str, str]) -> JobcoachOrganisation | None:
    if isinstance(value, JobcoachOrganisation):
        return value
    try:
        return jobcoach_org(value)
    except ValidationError as exc:
        errors.update(exc.fields)
        return None


def _check(data: PlacementInput, errors: dict[str, str], *, employer_id: int | None) -> None:
    """Collect every field error of the prepared `data` (so a form shows them all at once); changes nothing."""
    _check_candidate_ref(data.candidate_ref, errors)
    _check_instrument(data, errors)
    _check_loonwaarde(data, errors)
    _check_hours_and_start(data, errors)
    _check_contract(data, errors)
    _check_jobcoach(data, errors)
    if data.lkv_requested_on and data.lkv_requested_on > today():
        errors["lkv_requested_on"] = "Mag niet in de toekomst liggen."
    if data.vacancy_id is not None:
        vacancy = db.session.get(Vacancy, data.vacancy_id)
        if vacancy is None or vacancy.employer_id != employer_id:
            errors["vacancy_id"] = "Geen vacature van deze werkgever."


def _check_candidate_ref(value: str, errors: dict[str, str]) -> None:
    """A pseudonym from the partner's own client system is required; never a name or a BSN."""
    if not value:
        errors["candidate_ref"] = "Vul de referentie uit uw eigen cliëntsysteem in."
        return
    try:
        normalise.refuse_bsn(value, "candidate_ref")
    except ValidationError as exc:
        errors.update(exc.fields)
        return
    digits = re.sub(r"\D", "", value)
    if len(digits) == 9 and normalise.is_bsn(digits):
        errors["candidate_ref"] = ("Dit lijkt op een BSN (9 cijfers die de elfproef halen). "
                                   "Een BSN mag hier niet worden opgeslagen.")
    elif "@" in value or not CANDIDATE_REF.fullmatch(value):
        errors["candidate_ref"] = ("Gebruik de code uit uw cliëntsysteem, zoals KL-2026-0815: letters, cijfers en "
                                   "- . / _, met minstens één cijfer, zonder spaties. Nooit een naam of een BSN.")


def _check_instrument(data: PlacementInput, errors: dict[str, str]) -> None:
    """A known instrument; loonkostensubsidie (lks) needs its kind and the loonwaarde, and only lks has a kind."""
    if not data.instrument or db.session.get(Instrument, data.instrument) is None:
        errors["instrument"] = "Kies een instrument (lks, loondispensatie, lkv of other)."
    if data.instrument == "lks":
        if not data.lks_type:
            errors["lks_type"] = "Kies het soort loonkostensubsidie."
        elif data.lks_type not in LKS_TYPES:
            errors["lks_type"] = "Onbekend soort; kies " + ", ".join(LKS_TYPES) + "."
        if data.loonwaarde_pct is None:
            errors["loonwaarde_pct"] = "Bij loonkostensubsidie is de loonwaarde nodig."
    elif data.lks_type and "instrument" not in errors:
        errors["lks_type"] = "Alleen bij loonkostensubsidie."


def _check_loonwaarde(data: PlacementInput, errors: dict[str, str]) -> None:
    """A percentage from 0 to 100, measured in the past, to be measured again after that."""
    if data.loonwaarde_pct is not None and not 0 <= data.loonwaarde_pct <= 100:
        errors["loonwaarde_pct"] = "Een heel percentage van 0 tot en met 100."
    if data.loonwaarde_assessed_on and data.loonwaarde_assessed_on > today():
        errors["loonwaarde_assessed_on"] = "Mag niet in de toekomst liggen."
    if (data.loonwaarde_reassess_on and data.loonwaarde_assessed_on
            and data.loonwaarde_reassess_on <= data.loonwaarde_assessed_on):
        errors["loonwaarde_reassess_on"] = "Moet na de datum van de meting liggen."


def _check_hours_and_start(data: PlacementInput, errors: dict[str, str]) -> None:
    """Hours a week within bounds; a start date, at most a year ahead."""
    if data.hours_per_week is not None and not 1 <= data.hours_per_week <= MAX_HOURS_PER_WEEK:
        errors["hours_per_week"] = f"Een heel aantal uren van 1 tot en met {MAX_HOURS_PER_WEEK}."
    if data.start_date is None:
        errors["start_date"] = "Vul de startdatum in."
    elif data.start_date > today() + timedelta(days=MAX_DAYS_AHEAD):
        errors["start_date"] = "Ligt meer dan een jaar in de toekomst."


def _check_contract(data: PlacementInput, errors: dict[str, str]) -> None:
    """A known contract type; a fixed-term contract, and only that, ends on a day after the start."""
    if data.contract_type and data.contract_type not in CONTRACT_TYPES:
        errors["contract_type"] = "Onbekend contract; kies " + ", ".join(CONTRACT_TYPES) + "."
    if data.contract_type == "fixed_term":
        if data.fixed_term_ends_on is None:
            errors["fixed_term_ends_on"] = "Vul de einddatum van het tijdelijke contract in."
        elif data.start_date and data.fixed_term_ends_on <= data.start_date:
            errors["fixed_term_ends_on"] = "Moet na de startdatum liggen."
    elif data.fixed_term_ends_on:
        errors["fixed_term_ends_on"] = "Alleen bij een tijdelijk contract."


def _check_jobcoach(data: PlacementInput, errors: dict[str, str]) -> None:
    """A known kind (an organisation is never an internal jobcoach), hours a month within bounds, and a
    funder's name that fits and holds no BSN."""
    if data.jobcoach_kind and data.jobcoach_kind not in JOBCOACH_KINDS:
        errors["jobcoach_kind"] = "Kies extern of intern."
    if data.jobcoach_org is not None and data.jobcoach_kind == "internal":
        errors["jobcoach_org"] = "Een interne jobcoach is een medewerker van de werkgever; laat de organisatie leeg."
    if data.jobcoach_hours is not None and not 0 <= data.jobcoach_hours <= 40:
        errors["jobcoach_hours"] = "Een heel aantal uren per maand van 0 tot en met 40."
    if data.jobcoach_funder and len(data.jobcoach_funder) > 120:
        errors["jobcoach_funder"] = "Hoogstens 120 tekens."
    elif data.jobcoach_funder:
        try:
            normalise.refuse_bsn(data.jobcoach_funder, "jobcoach_funder")
        except ValidationError as exc:
            errors.update(exc.fields)


def _refuse(errors: dict[str, str], what: str) -> None:
    if errors:
        raise ValidationError(f"{what} is niet opgeslagen; controleer: " + ", ".join(sorted(errors)) + ".", errors)


# --- register, edit ---------------------------------------------------------------------------------

def new_reference() -> str:
    """A short placement reference, unused so far, for jobcoaches to quote."""
    while True:
        candidate = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))
        if db.session.scalar(select(Placement.id).where(Placement.reference == candidate)) is None:
            return candidate


def create_placement(lead: Lead, data: PlacementInput, *, actor: Actor, at: datetime | None = None) -> Placement:
    """Register a placement from a lead for the actor's partner: moves the lead to `placed` and
    schedules the check-ins. `at` is when the lead reached `placed` (default now)."""
    if actor.partner_id is None:
        raise NoPartner("U hoort bij geen partner. Een plaatsing is van de partner die plaatst; vraag een beheerder "
                        "u aan uw partnerorganisatie te koppelen.")
    if lead.stage == "lost":
        raise Conflict("Deze lead is vervallen; registreer geen plaatsing op een vervallen lead.")
    errors: dict[str, str] = {}
    data = _prepared(data, errors)
    _check(data, errors, employer_id=lead.employer_id)
    _refuse(errors, "De plaatsing")
    user = user_of(actor)
    placement = Placement(
        reference=new_reference(), partner_id=actor.partner_id,
        advisor_id=user.id if user is not None and user.role in (ADVISOR, TEAMLEAD) else lead.owner_id,
        lead=lead, employer_id=lead.employer_id, created_by_id=user.id if user else None,
        jobcoach_org=data.jobcoach_org,
        **{name: getattr(data, name) for name in _COPIED},
    )
    db.session.add(placement)
    if lead.stage != "placed":  # a second placement from the same lead leaves the stage as it is
        # The lead's history is read beyond the partner: the note names no placement.
        lead_service.change_stage(lead, "placed", actor=user, at=at, note="Plaatsing geregistreerd")
    db.session.flush()
    checkins.schedule_checkins(placement)
    record_change(actor, "placement_created", placement, reference=placement.reference, lead_id=lead.id,
                  instrument=placement.instrument)
    db.session.flush()
    return placement


def update_placement(placement: Placement, data: PlacementInput, *, actor: Actor) -> list[str]:
    """Change a placement's registration; a new start date moves the open check-ins with it.

    Returns the names of the changed fields (empty when nothing changed)."""
    errors: dict[str, str] = {}
    data = _prepared(data, errors)
    _check(data, errors, employer_id=placement.employer_id)
    done = [c.done_on for c in placement.checkins if c.done_on is not None]
    if data.start_date and done and data.start_date > min(done):
        errors["start_date"] = "Er is al een check-in vóór deze datum vastgelegd."
    if data.start_date and placement.end_date and data.start_date > placement.end_date:
        errors["start_date"] = "Ligt na de einddatum van de plaatsing."
    _refuse(errors, "De wijziging")
    changed = [name for name in _COPIED if getattr(placement, name) != getattr(data, name)]
    if placement.jobcoach_org_id != (data.jobcoach_org.id if data.jobcoach_org else None):
        changed.append("jobcoach_org")
    if not changed:
        return []
    before = _placement_values(placement)
    old_start = placement.start_date
    for name in _COPIED:
        setattr(placement, name, getattr(data, name))
    placement.jobcoach_org = data.jobcoach_org
    if placement.start_date != old_start:
        checkins.reschedule_open(placement)
    record_change(actor, "placement_updated", placement, fields=sorted(changed),
                  changes=audit.diff(before, _placement_values(placement)))
    db.session.flush()
    return sorted(changed)


def _placement_values(placement: Placement) -> dict[str, Any]:
    values = {name: getattr(placement, name) for name in _COPIED}
    values["jobcoach_org"] = placement.jobcoach_org.name if placement.jobcoach_org else None
    return values


def needs_lkv_request(placement: Placement) -> bool:
    """An LKV placement, or one in the doelgroepregister, whose doelgroepverklaring is not yet requested."""
    return (placement.instrument == "lkv" or placement.doelgroepregister) and placement.lkv_requested_on is None


def record_lkv_requested(placement: Placement, requested_on: date, *, actor: Actor) -> None:
    """Note the day the LKV doelgroepverklaring was requested."""
    if requested_on > today():
        raise ValidationError("De aanvraagdatum ligt in de toekomst.",
                              {"lkv_requested_on": "Mag niet in de toekomst liggen."})
    placement.lkv_requested_on = requested_on
    record_change(actor, "placement_updated", placement, fields=["lkv_requested_on"])
    db.session.flush()


# --- ending -----------------------------------------------------------------------------------------

def end_placement(placement: Placement, *, end_date: date | None, end_how: str | None, end_why: str | None,
                  note: str = "", actor: Actor, follow_up: Placement | None = None) -> Placement:
    """End a placement: date, how and why are required; closes an open risk case.

    `follow_up` is the new placement of a move to other work; it is linked as the next one.
    """
    if placement.end_date is not None:
        raise Conflict(f"Plaatsing {placement.reference} is al beëindigd op {long_date(placement.end_date)}.")
    errors: dict[str, str] = {}
    if end_date is None:
        errors["end_date"] = "Vul de einddatum in."
    elif end_date < placement.start_date:
        errors["end_date"] = f"Ligt vóór de startdatum ({long_date(placement.start_date)})."
    elif end_date > today():
        errors["end_date"] = "Mag niet in de toekomst liggen; leg het einde vast als het zover is."
    how = db.session.get(EndHow, end_how) if end_how else None
    if how is None:
        errors["end_how"] = "Kies hoe de baan eindigde."
    why = db.session.get(EndWhy, end_why) if end_why else None
    if why is None:
        errors["end_why"] = "Kies waarom de baan eindigde."
    note = (note or "").strip()
    try:
        normalise.refuse_bsn(note, "end_note")
    except ValidationError as exc:
        errors.update(exc.fields)
    if follow_up is not None:
        errors.update(_follow_up_errors(placement, follow_up))
    _refuse(errors, "Het einde")
    placement.end_date, placement.end_how, placement.end_why, placement.end_note = end_date, how.code, why.code, note
    risk.close_open_case(placement, outcome=f"Plaatsing beëindigd: {how.name}; {why.name}.", actor=actor)
    if follow_up is not None:
        _link(placement, follow_up)
    record_change(actor, "placement_ended", placement, end_date=end_date.isoformat(), end_how=how.code,
                  end_why=why.code, influenceable=why.influenceable)
    db.session.flush()
    return placement


def _follow_up_errors(placement: Placement, follow_up: Placement) -> dict[str, str]:
    if follow_up.id == placement.id or follow_up.partner_id != placement.partner_id:
        return {"follow_up": "Geen andere plaatsing van uw partner met deze referentie."}
    if follow_up.previous_placement_id not in (None, placement.id):
        return {"follow_up": f"Plaatsing {follow_up.reference} volgt al op een andere plaatsing."}
    if follow_up.start_date < placement.start_date:
        return {"follow_up": f"Plaatsing {follow_up.reference} begon vóór deze plaatsing."}
    return {}


def _link(previous: Placement, follow_up: Placement) -> None:
    follow_up.previous_placement_id = previous.id
    # The move to other work that led here, if one was recorded, points at the new job too.
    intervention = db.session.scalar(
        select(Intervention).where(Intervention.placement_id == previous.id, Intervention.kind == "other_work",
                                   Intervention.new_placement_id.is_(None)).order_by(Intervention.id.desc()))
    if intervention is not None:
        intervention.new_placement_id = follow_up.id


def follow_up_by_reference(placement: Placement, reference_text: str, actor: Actor) -> Placement | None:
    """The placement a move to other work led to, by its reference; None when left empty.

    Only a placement of the same partner that the actor may see can be linked."""
    if not (reference_text or "").strip():
        return None
    found = by_reference(reference_text)
    if found is None or visible_placement(found.id, actor) is None or found.partner_id != placement.partner_id:
        raise ValidationError("Onbekende plaatsing.",
                              {"follow_up": "Geen plaatsing van uw partner met deze referentie."})
    return found


def link_previous(placement: Placement, previous: Placement, *, actor: Actor) -> None:
    """Record that `placement` follows `previous` (a move to other work)."""
    errors = _follow_up_errors(previous, placement)
    if errors:
        raise ValidationError("De koppeling is niet opgeslagen.", {"previous_reference": errors["follow_up"]})
    _link(previous, placement)
    record_change(actor, "placement_updated", placement, fields=["previous_placement_id"])
    db.session.flush()


def end_reason_options() -> tuple[list[EndHow], list[EndWhy]]:
    """The end-how and end-why codes in their order (admins can add more)."""
    return (list(db.session.scalars(select(EndHow).order_by(EndHow.sort_order, EndHow.code))),
            list(db.session.scalars(select(EndWhy).order_by(EndWhy.sort_order, EndWhy.code))))


def instruments() -> list[Instrument]:
    return list(db.session.scalars(select(Instrument).order_by(Instrument.sort_order, Instrument.code)))


def jobcoach_organisations() -> list[JobcoachOrganisation]:
    return list(db.session.scalars(select(JobcoachOrganisation).where(JobcoachOrganisation.active.is_(True))
                                   .order_by(JobcoachOrganisation.name)))


def lead_placements(lead_id: int, actor: Actor) -> list[Placement]:
    """The placements from this lead that `actor` may see."""
    return list(db.session.scalars(select(Placement).where(Placement.lead_id == lead_id,
                                                           visible_placements_clause(actor))
                                   .order_by(Placement.start_date, Placement.id)))
