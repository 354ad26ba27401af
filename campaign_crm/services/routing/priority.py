"""The transparent priority score of a lead: a few named parts, each with its points."""
from __future__ import annotations

from sqlalchemy import func, select

from ...extensions import db
from ...models import EventRegistration, Interest, Lead, Phase, Sector
from .. import reference
from ..calendar import today

ASKED_FOR_CONTACT = 30
ATTENDED = 10
MINUTES_PER_POINT = 5
MAX_MINUTE_POINTS = 20
PHASE_SECTOR = 15
PER_INTEREST = 5
MAX_INTEREST_POINTS = 15
MESSAGE = 5


def score_parts(lead: Lead) -> list[dict]:
    """Why this lead goes first: [{"reason": "...", "points": n}], largest part first."""
    registrations = None
    if lead.id is not None:
        registrations = db.session.execute(
            select(func.max(EventRegistration.asked_for_contact.cast(db.Integer)),
                   func.max(EventRegistration.attended.cast(db.Integer)),
                   func.coalesce(func.sum(EventRegistration.minutes_watched), 0))
            .where(EventRegistration.lead_id == lead.id)
        ).one()
    sector = lead.employer.sector if lead.employer else None
    current = None
    if sector is not None and lead.campaign is not None:
        current = reference.phase_on(lead.campaign, today())
    return compose(registrations, sector=sector, current_phase=current, interests=lead.interests, message=lead.message)


def compose(registrations: tuple | None, *, sector: Sector | None, current_phase: Phase | None,
            interests: list[Interest], message: str | None) -> list[dict]:
    """The score's parts from the facts a lead has (registrations: asked, attended, minutes watched),
    so a bulk caller that read those facts in a few queries scores leads by the same rules."""
    parts: list[dict] = []
    if registrations is not None:
        asked, attended, minutes = registrations
        if asked:
            parts.append({"reason": "Vroeg om contact", "points": ASKED_FOR_CONTACT})
        if attended:
            parts.append({"reason": "Was bij de livestream", "points": ATTENDED})
        if minutes:
            parts.append({"reason": f"{minutes} minuten livestream gekeken",
                          "points": min(minutes // MINUTES_PER_POINT, MAX_MINUTE_POINTS)})
    if sector is not None and current_phase is not None and current_phase.sector_id == sector.id:
        parts.append({"reason": f"Sector van de huidige fase ({sector.name})", "points": PHASE_SECTOR})
    if interests:
        names = ", ".join(i.name for i in interests)
        parts.append({"reason": f"Interesse: {names}",
                      "points": min(PER_INTEREST * len(interests), MAX_INTEREST_POINTS)})
    if message:
        parts.append({"reason": "Stuurde een bericht mee", "points": MESSAGE})
    return sorted([p for p in parts if p["points"]], key=lambda p: -p["points"])


def refresh(lead: Lead) -> int:
    """Recompute and store the score and its parts; returns the score."""
    lead.priority_parts = score_parts(lead)
    lead.priority = sum(p["points"] for p in lead.priority_parts)
    return lead.priority
