"""Vacancies registered at an employer from a lead; registering one moves the lead to `vacancy`."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ...extensions import db
from ...models import STAGES, Lead, LeadStageEvent, Sector, User, Vacancy, utcnow
from .. import audit
from ..errors import Conflict, ValidationError
from ..normalise import refuse_bsn
from . import lifecycle as lead_service

MAX_TITLE = 200  # the column's length
MAX_HOURS = 60  # the most the Arbeidstijdenwet allows in one week


@dataclass(frozen=True)
class VacancyInput:
    title: str
    sector_id: int | None = None
    hours_per_week: int | None = None
    banenafspraak: bool = False


@dataclass(frozen=True)
class RegisteredVacancy:
    vacancy: Vacancy
    stage_event: LeadStageEvent | None  # set when the lead moved on to `vacancy`


def register_vacancy(lead: Lead, data: VacancyInput, *, actor: User | None,
                     at: datetime | None = None) -> RegisteredVacancy:
    """Register a vacancy at the lead's employer; a lead before `vacancy` moves there (skipped stages get the
    same time)."""
    if not lead.is_open:
        raise Conflict(f"Deze lead is afgesloten ({lead.stage_label}); registreer de vacature bij een open lead.")
    at = at or utcnow()
    title = (data.title or "").strip()
    errors: dict[str, str] = {}
    if not title:
        errors["title"] = "Geef de functie een titel, bijvoorbeeld 'Productiemedewerker'."
    elif len(title) > MAX_TITLE:
        errors["title"] = f"Hoogstens {MAX_TITLE} tekens."
    else:
        try:
            refuse_bsn(title, "title")
        except ValidationError as exc:
            errors.update(exc.fields)
    sector = None
    if data.sector_id is not None:
        sector = db.session.get(Sector, data.sector_id)
        if sector is None:
            errors["sector_id"] = "Kies een sector uit de lijst."
    if data.hours_per_week is not None and not 1 <= data.hours_per_week <= MAX_HOURS:
        errors["hours_per_week"] = f"Tussen 1 en {MAX_HOURS} uur per week."
    if errors:
        raise ValidationError("De vacature is niet opgeslagen; controleer de gemarkeerde velden.", errors)

    vacancy = Vacancy(employer_id=lead.employer_id, lead=lead, title=title, sector=sector,
                      hours_per_week=data.hours_per_week, banenafspraak=bool(data.banenafspraak), status="open",
                      created_by_id=actor.id if actor else None, created_at=at)
    db.session.add(vacancy)
    event = None
    if STAGES.index(lead.stage) < STAGES.index("vacancy"):
        event = lead_service.change_stage(lead, "vacancy", actor=actor, at=at, note=f"Vacature geregistreerd: {title}")
    db.session.flush()
    audit.record(actor, "vacancy_registered", vacancy, lead_id=lead.id, employer_id=lead.employer_id)
    return RegisteredVacancy(vacancy, event)
