"""Campaigns and their phases."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from ..extensions import db
from ..models import Campaign, Phase, Sector, User
from . import audit
from .errors import ValidationError


@dataclass
class PhaseInput:
    code: str
    name: str
    starts_on: date
    ends_on: date | None = None
    sector: Sector | None = None


def create_campaign(*, code: str, name: str, starts_on: date, ends_on: date | None = None,
                    phases: list[PhaseInput] = (), actor: User | None = None) -> Campaign:
    """A campaign with its phases; codes are lower case and unique."""
    code = code.strip().lower()
    errors: dict[str, str] = {}
    if not code:
        errors["code"] = "Geef de campagne een code."
    elif db.session.scalar(select(Campaign.id).where(Campaign.code == code)):
        errors["code"] = f"De code {code!r} is al in gebruik."
    if not name.strip():
        errors["name"] = "Geef de campagne een naam."
    if ends_on is not None and ends_on < starts_on:
        errors["ends_on"] = "De einddatum ligt voor de begindatum."
    if errors:
        raise ValidationError("De campagne is niet aangemaakt: " + " ".join(errors.values()), errors)
    campaign = Campaign(code=code, name=name.strip(), starts_on=starts_on, ends_on=ends_on)
    db.session.add(campaign)
    for phase in phases:
        add_phase(campaign, phase, actor=None)
    db.session.flush()
    audit.record(actor, "campaign_created", campaign, code=code)
    return campaign


def add_phase(campaign: Campaign, data: PhaseInput, *, actor: User | None) -> Phase:
    """Add a phase; its code is unique within the campaign and its dates must make sense."""
    code = data.code.strip().lower()
    errors: dict[str, str] = {}
    if not code:
        errors["code"] = "Geef de fase een code."
    elif any(p.code == code for p in campaign.phases):
        errors["code"] = f"De fase {code!r} bestaat al in deze campagne."
    if not data.name.strip():
        errors["name"] = "Geef de fase een naam."
    if data.ends_on is not None and data.ends_on < data.starts_on:
        errors["ends_on"] = "De einddatum ligt voor de begindatum."
    if errors:
        raise ValidationError("De fase is niet toegevoegd: " + " ".join(errors.values()), errors)
    phase = Phase(code=code, name=data.name.strip(), starts_on=data.starts_on, ends_on=data.ends_on, sector=data.sector)
    campaign.phases.append(phase)
    db.session.flush()
    if actor is not None:
        audit.record(actor, "phase_added", campaign, phase=code)
    return phase
