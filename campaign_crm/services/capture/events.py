"""Livestreams and meetings: registrations, attendance, and when they become leads."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from ...extensions import db
from ...models import Campaign, Event, EventRegistration, Phase, Setting, User, utcnow
from ...models.campaigns import EVENT_KINDS
from .. import audit, normalise, reference
from ..errors import ValidationError
from ..routing import engine as routing
from .intake import (
    ContactInput,
    EmployerInput,
    IntakeResult,
    TouchpointInput,
    record_touchpoint,
)


def meets_lead_rule(*, asked_for_contact: bool, minutes_watched: int) -> bool:
    """The configurable rule: asked for contact, or watched at least N minutes."""
    if asked_for_contact and reference.setting("livestream_lead_on_contact_request"):
        return True
    return minutes_watched >= int(reference.setting("livestream_lead_min_minutes"))


def record_registration(
    event: Event, *, employer: EmployerInput, contact: ContactInput, registered_at: datetime | None,
    asked_for_contact: bool = False, attended: bool | None = None, minutes_watched: int | None = None,
    kind: str = "livestream_registration", external_id: str | None = None, external_source: str | None = None,
    actor: User | None = None, import_batch_id: int | None = None, interests: list[str] | None = None,
    message: str | None = None, route: bool | routing.Router = True,
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
        external_source=external_source,
        make_lead=meets_lead_rule(asked_for_contact=asked, minutes_watched=minutes),
        import_batch_id=import_batch_id, interests=interests or [], message=message,
    ), actor=actor, route=route)
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
    if result.touchpoint_id is not None:
        registration.employer_id = result.employer_id
        registration.contact_id = result.contact_id
    if result.lead_id is not None:
        registration.lead_id = result.lead_id
    db.session.flush()
    return registration, result



# --- setting up events ------------------------------------------------------------------------------

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass
class EventInput:
    kind: str
    title: str
    starts_at: datetime
    ends_at: datetime | None = None
    phase: Phase | None = None
    external_ref: str | None = None
    description: str = ""
    registration_open: bool = True
    slug: str | None = None  # the last part of the public URL; made from the title when empty (new events)


def slugify(text: str) -> str:
    """A URL part from a title: ASCII lower case words joined by hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:60].strip("-")


def _free_slug(base: str, event: Event | None) -> str:
    taken = set(db.session.scalars(
        select(Event.slug).where(Event.slug.like(f"{base}%"), Event.id != (event.id if event else -1))
    ))
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


def _check_event(campaign: Campaign, data: EventInput, event: Event | None) -> tuple[str, dict[str, str]]:
    errors: dict[str, str] = {}
    if data.kind not in EVENT_KINDS:
        errors["kind"] = "Kies livestream of bijeenkomst."
    title = data.title.strip()
    if not title:
        errors["title"] = "Geef het evenement een titel."
    elif len(title) > 200:
        errors["title"] = "Een titel heeft hoogstens 200 tekens."
    if data.starts_at.tzinfo is None or (data.ends_at is not None and data.ends_at.tzinfo is None):
        raise ValueError("event times must be timezone-aware")
    if data.ends_at is not None and data.ends_at <= data.starts_at:
        errors["ends_at"] = "Het einde ligt voor of op het begin."
    if data.phase is not None and data.phase.campaign_id != campaign.id:
        errors["phase_id"] = "Deze fase hoort niet bij de campagne van het evenement."
    if data.external_ref and len(data.external_ref.strip()) > 80:
        errors["external_ref"] = "Hoogstens 80 tekens."
    return _event_slug(data.slug, title, event, errors), errors


def _event_slug(raw: str | None, title: str, event: Event | None, errors: dict[str, str]) -> str:
    """The slug asked for (well-formed and not taken), else the event's own, else a free one from the title."""
    if raw and raw.strip():
        slug = raw.strip().lower()
        if not _SLUG.match(slug) or len(slug) > 80:
            errors["slug"] = "Alleen kleine letters, cijfers en streepjes, zoals 'livestream-juni'."
        elif db.session.scalar(select(Event.id).where(Event.slug == slug, Event.id != (event.id if event else -1))):
            errors["slug"] = f"Het webadres {slug!r} is al in gebruik door een ander evenement."
        return slug
    if event is not None:
        return event.slug  # the published link keeps working
    if title:
        return _free_slug(slugify(title) or "evenement", event)
    return ""


def create_event(campaign: Campaign, data: EventInput, *, actor: User | None) -> Event:
    """A livestream or meeting of `campaign`, with a public registration page at its slug."""
    slug, errors = _check_event(campaign, data, None)
    if errors:
        raise ValidationError("Het evenement is niet aangemaakt: " + " ".join(errors.values()), errors)
    event = Event(campaign=campaign, slug=slug)
    _apply(event, data)
    db.session.add(event)
    db.session.flush()
    audit.record(actor, "event_created", event, title=event.title, slug=slug)
    return event


def update_event(event: Event, data: EventInput, *, actor: User | None) -> Event:
    """Change an event; an empty slug keeps the current public link."""
    slug, errors = _check_event(event.campaign, data, event)
    if errors:
        raise ValidationError("Het evenement is niet opgeslagen: " + " ".join(errors.values()), errors)
    event.slug = slug
    _apply(event, data)
    db.session.flush()
    audit.record(actor, "event_updated", event, title=event.title, registration_open=event.registration_open)
    return event


def _apply(event: Event, data: EventInput) -> None:
    event.kind, event.title = data.kind, data.title.strip()
    event.starts_at, event.ends_at, event.phase = data.starts_at, data.ends_at, data.phase
    event.external_ref = (data.external_ref or "").strip() or None
    event.description = (data.description or "").strip()
    event.registration_open = data.registration_open


def by_slug(slug: str) -> Event | None:
    return db.session.scalar(select(Event).where(Event.slug == slug.strip().lower()))


def events_of(campaign: Campaign) -> list[Event]:
    """The campaign's events, latest start first."""
    return list(db.session.scalars(
        select(Event).where(Event.campaign_id == campaign.id).order_by(Event.starts_at.desc(), Event.id.desc())
    ))


@dataclass
class EventCounts:
    registered: int = 0
    attended: int = 0
    asked_for_contact: int = 0
    leads: int = 0


def counts(event_ids: list[int]) -> dict[int, EventCounts]:
    """Registrations, attendees, contact requests and registrations with a lead, per event (one GROUP BY)."""
    if not event_ids:
        return {}
    rows = db.session.execute(
        select(
            EventRegistration.event_id, func.count(EventRegistration.id),
            func.count(case((EventRegistration.attended.is_(True), 1))),
            func.count(case((EventRegistration.asked_for_contact.is_(True), 1))),
            func.count(EventRegistration.lead_id),
        ).where(EventRegistration.event_id.in_(event_ids)).group_by(EventRegistration.event_id)
    ).all()
    return {event_id: EventCounts(*numbers) for event_id, *numbers in rows}


def registrations_of(event: Event) -> list[EventRegistration]:
    """The event's registrations with contact, employer and lead loaded in the same round trips."""
    return list(db.session.scalars(
        select(EventRegistration).where(EventRegistration.event_id == event.id)
        .options(selectinload(EventRegistration.contact), selectinload(EventRegistration.employer),
                 selectinload(EventRegistration.lead))
        .order_by(EventRegistration.registered_at.desc(), EventRegistration.id.desc())
    ))


# --- the public registration form -------------------------------------------------------------------

def register_for_event(
    event: Event, *, name: str, organisation: str, email: str, phone: str | None, call_me: bool,
    registered_at: datetime | None = None,
) -> tuple[EventRegistration, IntakeResult]:
    """A registration from the public form: stricter than an import, because the person can correct it."""
    errors: dict[str, str] = {}
    if not event.registration_open:
        raise ValidationError("Aanmelden voor dit evenement is gesloten.", {"event": "Aanmelden is gesloten."})
    if not (name or "").strip():
        errors["contact.name"] = "Vul uw naam in."
    if not (organisation or "").strip():
        errors["employer.name"] = "Vul de naam van uw organisatie in."
    checks = [(normalise.email, email, "contact.email")]
    if phone and phone.strip():
        checks.append((normalise.phone, phone, "contact.phone"))
    elif call_me:
        errors["contact.phone"] = "Vul een telefoonnummer in als u gebeld wilt worden."
    if not (email or "").strip():
        errors["contact.email"] = "Vul uw e-mailadres in; daarop ontvangt u de link."
        checks = checks[1:]
    for check, raw, field_name in checks:
        try:
            check(raw, field_name)
        except ValidationError as exc:
            errors.update(exc.fields)
    if errors:
        raise ValidationError("De aanmelding is niet opgeslagen: " + " ".join(errors.values()), errors)
    return record_registration(
        event, employer=EmployerInput(name=organisation), registered_at=registered_at or utcnow(),
        contact=ContactInput(name=name, email=email, phone=phone or None), asked_for_contact=call_me,
        kind="livestream_registration",
    )


# --- the lead rule ---------------------------------------------------------------------------------

@dataclass
class LeadRule:
    min_minutes: int
    on_contact_request: bool


def lead_rule() -> LeadRule:
    """The current rule for when a registration becomes a lead (settings an admin or the campaign team sets)."""
    return LeadRule(int(reference.setting("livestream_lead_min_minutes")),
                    bool(reference.setting("livestream_lead_on_contact_request")))


def set_lead_rule(rule: LeadRule, *, actor: User | None) -> LeadRule:
    """Change the rule; it applies to registrations and attendance recorded from now on."""
    if not 0 <= rule.min_minutes <= 1440:
        raise ValidationError("De leadregel is niet opgeslagen.", {"min_minutes": "Tussen 0 en 1440 minuten."})
    for key, value in (("livestream_lead_min_minutes", rule.min_minutes),
                       ("livestream_lead_on_contact_request", rule.on_contact_request)):
        row = db.session.get(Setting, key)
        if row is None:
            raise KeyError(f"setting {key!r} is not seeded")
        if row.value != value:
            audit.record(actor, "setting_changed", row, key=key, changes={key: [row.value, value]})
            row.value = value
    db.session.flush()
    return rule
