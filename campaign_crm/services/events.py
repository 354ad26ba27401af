"""Livestreams and meetings: registrations, attendance, and when they become leads."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy import select

from ..extensions import db
from ..models import Event, EventRegistration, User
from . import normalise, reference
from .intake import ContactInput, EmployerInput, IntakeResult, TouchpointInput, record_touchpoint


def meets_lead_rule(*, asked_for_contact: bool, minutes_watched: int) -> bool:
    """The configurable rule: asked for contact, or watched at least N minutes."""
    if asked_for_contact and reference.setting("livestream_lead_on_contact_request"):
        return True
    return minutes_watched >= int(reference.setting("livestream_lead_min_minutes"))


def record_registration(
    event: Event, *, employer: EmployerInput, contact: ContactInput, registered_at: datetime | None,
    asked_for_contact: bool = False, attended: bool | None = None, minutes_watched: int | None = None,
    kind: str = "livestream_registration", external_id: str | None = None, actor: User | None = None,
    import_batch_id: int | None = None, interests: list[str] | None = None, message: str | None = None,
) -> tuple[EventRegistration, IntakeResult]:
    """Record a registration (or an attendance report) and its touchpoint, through the one intake.

    Minutes are a total per person (the caller sums the joins), so recording the same report
    twice changes nothing. The touchpoint starts a lead only when the lead rule is met.
    """
    email = normalise.email(contact.email or "", "contact.email")
    registration = db.session.scalar(
        select(EventRegistration).where(EventRegistration.event_id == event.id, EventRegistration.email == email)
    )
    asked = asked_for_contact or bool(registration and registration.asked_for_contact)
    minutes = minutes_watched if minutes_watched is not None else (registration.minutes_watched if registration else 0)
    result = record_touchpoint(TouchpointInput(
        employer=employer, contact=replace(contact, email=email), kind=kind, campaign=event.campaign.code,
        channel="livestream" if event.kind == "livestream" else "event",
        phase=event.phase.code if event.phase else None, occurred_at=registered_at, external_id=external_id,
        make_lead=meets_lead_rule(asked_for_contact=asked, minutes_watched=minutes),
        import_batch_id=import_batch_id, interests=interests or [], message=message,
    ), actor=actor)
    if registration is None:
        registration = EventRegistration(event=event, email=email)
        db.session.add(registration)
    registration.asked_for_contact = asked
    if kind == "livestream_registration" and registered_at is not None:
        registration.registered_at = min(filter(None, (registration.registered_at, registered_at)))
    if attended is not None:
        registration.attended = registration.attended or attended
    if minutes_watched is not None:
        registration.minutes_watched = max(registration.minutes_watched, minutes_watched)
    if result.touchpoint is not None:
        registration.employer_id = result.touchpoint.employer_id
        registration.contact_id = result.touchpoint.contact_id
    if result.lead is not None:
        registration.lead = result.lead
    db.session.flush()
    return registration, result

