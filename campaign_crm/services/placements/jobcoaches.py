"""Jobcoach organisations, their secret signal links, and the risk signals coaches send through them.

Each organisation has one secret link. Like API tokens, only the SHA-256 of the token is stored;
the raw value is returned once, when the link is made or rotated. A signal names a placement by
the reference the coach knows; only placements coached by the sending organisation count, so a
coach cannot reach (or learn about) another organisation's placements.
"""
from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import phonenumbers
from sqlalchemy import ColumnElement, Select, false, func, or_, select, true
from sqlalchemy.orm import selectinload

from ...extensions import db
from ...models import JobcoachOrganisation, Placement, RiskSignal, User, utcnow
from ...permissions import ADMIN, ADVISOR, TEAMLEAD
from .. import audit, normalise
from ..errors import ValidationError
from ..spreadsheets import dutch_csv
from . import records as placements
from . import risk

SIGNAL_LEVEL = "amber"
SIGNAL_SOURCE = "signal"
DESCRIPTION_MAX_LENGTH = 4000
UNKNOWN_REFERENCE = "Onbekende referentie. Controleer de referentie van de plaatsing en probeer het opnieuw."


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


# --- organisations ----------------------------------------------------------------------------------

@dataclass
class OrganisationInput:
    name: str
    contact_name: str = ""
    email: str | None = None
    phone: str | None = None
    active: bool = True


def _checked(data: OrganisationInput, exclude_id: int | None) -> OrganisationInput:
    """The input cleaned up, or a ValidationError listing every field that is wrong."""
    problems: dict[str, str] = {}
    name = (data.name or "").strip()
    if not name:
        problems["name"] = "Vul de naam van de organisatie in."
    elif len(name) > 160:
        problems["name"] = "Hoogstens 160 tekens."
    else:
        query = select(JobcoachOrganisation.id).where(func.lower(JobcoachOrganisation.name) == name.lower())
        if exclude_id is not None:
            query = query.where(JobcoachOrganisation.id != exclude_id)
        if db.session.scalar(query):
            problems["name"] = "Er is al een jobcoachorganisatie met deze naam."
    contact_name = (data.contact_name or "").strip()
    if len(contact_name) > 160:
        problems["contact_name"] = "Hoogstens 160 tekens."
    email = phone = None
    if data.email and data.email.strip():
        try:
            email = normalise.email(data.email)
        except ValidationError as exc:
            problems.update(exc.fields)
    if data.phone and data.phone.strip():
        try:
            phone = normalise.phone(data.phone)
        except ValidationError as exc:
            problems.update(exc.fields)
    if problems:
        raise ValidationError("Controleer de gegevens van de jobcoachorganisatie.", problems)
    return OrganisationInput(name=name, contact_name=contact_name, email=email, phone=phone, active=data.active)


def create_organisation(data: OrganisationInput, *, actor: User | None) -> tuple[JobcoachOrganisation, str]:
    """Add a jobcoach organisation with its first signal link; the raw token is returned only now."""
    clean = _checked(data, None)
    organisation = JobcoachOrganisation(name=clean.name, contact_name=clean.contact_name, email=clean.email,
                                        phone=clean.phone, active=clean.active)
    db.session.add(organisation)
    db.session.flush()
    audit.record(actor, "jobcoach_org_created", organisation, name=organisation.name)
    return organisation, rotate_link(organisation, actor=actor)


def update_organisation(organisation: JobcoachOrganisation, data: OrganisationInput, *,
                        actor: User | None) -> JobcoachOrganisation:
    """Change name, contact details or the active flag; an inactive organisation's link stops working."""
    clean = _checked(data, organisation.id)
    organisation.name, organisation.contact_name = clean.name, clean.contact_name
    organisation.email, organisation.phone, organisation.active = clean.email, clean.phone, clean.active
    db.session.flush()
    audit.record(actor, "jobcoach_org_updated", organisation, name=organisation.name, active=organisation.active)
    return organisation


def rotate_link(organisation: JobcoachOrganisation, *, actor: User | None) -> str:
    """Give the organisation a new secret link (the old one stops working); returns the raw token once."""
    raw = secrets.token_urlsafe(32)
    organisation.token_hash = _digest(raw)
    organisation.token_rotated_at = utcnow()
    db.session.flush()
    audit.record(actor, "jobcoach_link_rotated", organisation)
    return raw


def organisation_for_token(raw: str | None) -> JobcoachOrganisation | None:
    """The active organisation behind a link token; None for an unknown, rotated or deactivated one."""
    if not raw or len(raw) > 200:
        return None
    organisation = db.session.scalar(
        select(JobcoachOrganisation).where(JobcoachOrganisation.token_hash == _digest(raw)))
    if organisation is None or not organisation.active:
        return None
    return organisation


@dataclass
class OrganisationRow:
    organisation: JobcoachOrganisation
    active_placements: int
    open_signals: int
    signals: int
    last_signal_at: datetime | None


def organisation_overview() -> list[OrganisationRow]:
    """Every organisation with its running placements and signal counts (grouped in the database)."""
    running = dict(db.session.execute(
        select(Placement.jobcoach_org_id, func.count())
        .where(Placement.jobcoach_org_id.is_not(None), Placement.end_date.is_(None))
        .group_by(Placement.jobcoach_org_id)).all())
    unhandled = func.count(RiskSignal.id).filter(RiskSignal.handled_at.is_(None))
    signal_counts = {
        org_id: (total, open_count, last) for org_id, total, open_count, last in db.session.execute(
            select(RiskSignal.jobcoach_org_id, func.count(), unhandled, func.max(RiskSignal.received_at))
            .group_by(RiskSignal.jobcoach_org_id))
    }
    rows = []
    for organisation in db.session.scalars(select(JobcoachOrganisation).order_by(JobcoachOrganisation.name)):
        total, open_count, last = signal_counts.get(organisation.id, (0, 0, None))
        rows.append(OrganisationRow(organisation, running.get(organisation.id, 0), open_count, total, last))
    return rows


# --- the contact export -----------------------------------------------------------------------------

CONTACT_COLUMNS = ["Organisatie", "Contactpersoon", "E-mailadres", "Telefoonnummer", "Lopende plaatsingen"]
def _display_phone(e164: str | None) -> str:
    """A Dutch number as people write it (010 123 4567); a foreign one in international format."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, "NL")
    except phonenumbers.NumberParseException:
        return e164
    style = phonenumbers.PhoneNumberFormat.NATIONAL if number.country_code == 31 else \
        phonenumbers.PhoneNumberFormat.INTERNATIONAL
    return phonenumbers.format_number(number, style)


def contact_export(*, actor: User) -> bytes:
    """The active organisations' contact details as a Dutch Excel CSV for a mail merge; never the link.

    `;` separated, UTF-8 with BOM; each organisation's row is logged as a read of its contact data.
    """
    rows = [row for row in organisation_overview() if row.organisation.active]
    for row in rows:
        audit.record_read(actor, row.organisation)
    return dutch_csv(CONTACT_COLUMNS, (
        [row.organisation.name, row.organisation.contact_name, row.organisation.email,
         _display_phone(row.organisation.phone), row.active_placements]
        for row in rows
    ))


# --- signals from coaches ---------------------------------------------------------------------------

def _placement_for_signal(organisation: JobcoachOrganisation, reference: str) -> Placement | None:
    """The running placement with this reference that this organisation coaches, else None.

    Another organisation's placement, or one with an end recorded, is treated exactly like an
    unknown reference, so the answer reveals nothing about placements the coach has no business with.
    """
    placement = placements.by_reference(reference)
    if placement is None or placement.jobcoach_org_id != organisation.id or placement.end_date is not None:
        return None
    return placement


def _checked_signal(organisation: JobcoachOrganisation, reference: str,
                    description: str) -> tuple[Placement | None, str, dict[str, str]]:
    """(placement, cleaned description, problems per field) for a coach's signal."""
    reference = (reference or "").strip()
    description = (description or "").strip()
    problems: dict[str, str] = {}
    if not description:
        problems["description"] = "Beschrijf wat er aan de hand is."
    elif len(description) > DESCRIPTION_MAX_LENGTH:
        problems["description"] = f"Hoogstens {DESCRIPTION_MAX_LENGTH} tekens."
    else:
        try:
            normalise.refuse_bsn(description, "description")
        except ValidationError as exc:
            problems.update(exc.fields)
    placement = _placement_for_signal(organisation, reference) if reference else None
    if not reference:
        problems["reference"] = "Vul de referentie van de plaatsing in."
    elif placement is None:
        problems["reference"] = UNKNOWN_REFERENCE
    return placement, description, problems


def signal_problems(organisation: JobcoachOrganisation, *, reference: str, description: str) -> dict[str, str]:
    """What is wrong with a signal, per field, without storing anything (to report it all in one round)."""
    return _checked_signal(organisation, reference, description)[2]


def record_signal(organisation: JobcoachOrganisation, *, reference: str, description: str) -> RiskSignal:
    """Store a coach's signal of a risk of dropout and open (or raise) an amber risk case on the placement.

    Every problem is reported at once: an empty or too long description, a BSN-like number in it,
    an unknown reference. Nothing is stored unless all is well.
    """
    placement, description, problems = _checked_signal(organisation, reference, description)
    if problems or placement is None:
        raise ValidationError("Het signaal is niet verstuurd. Controleer het formulier.", problems)

    signal = RiskSignal(placement=placement, jobcoach_org=organisation, description=description)
    db.session.add(signal)
    db.session.flush()
    risk.open_case(placement, SIGNAL_LEVEL, SIGNAL_SOURCE, None)
    # The description concerns a jobseeker's health or conduct: it stays out of the audit trail.
    audit.record(None, "risk_signal_received", signal, jobcoach_org_id=organisation.id, placement_id=placement.id)
    return signal


# --- signals for the owning advisor and team lead ---------------------------------------------------

def visible_signals_clause(user: User) -> ColumnElement[bool]:
    """A WHERE clause (on RiskSignal joined with Placement) for the signals this user handles.

    Admins see all. Otherwise only placements of the user's own partner: an advisor those they
    advise; a team lead also those of the advisors in their team, and the partner's placements
    without an advisor (so a signal never lands with nobody).
    """
    if user.role == ADMIN:
        return true()
    if user.partner_id is None or user.role not in (ADVISOR, TEAMLEAD):
        return false()
    mine = Placement.advisor_id == user.id
    if user.role == TEAMLEAD:
        team_advisors = select(User.id).where(User.team_id == user.team_id) if user.team_id else None
        mine = or_(mine, Placement.advisor_id.is_(None),
                   *([Placement.advisor_id.in_(team_advisors)] if team_advisors is not None else []))
    return (Placement.partner_id == user.partner_id) & mine


def signals_query(user: User, *, handled: bool = False) -> Select:
    """The signals `user` handles, open (or handled) ones, newest first; the caller paginates."""
    return (select(RiskSignal).join(RiskSignal.placement)
            .where(visible_signals_clause(user),
                   RiskSignal.handled_at.is_not(None) if handled else RiskSignal.handled_at.is_(None))
            .options(selectinload(RiskSignal.placement).selectinload(Placement.employer),
                     selectinload(RiskSignal.placement).selectinload(Placement.advisor),
                     selectinload(RiskSignal.jobcoach_org))
            .order_by(RiskSignal.received_at.desc(), RiskSignal.id.desc()))


def handler_names(signals: Iterable[RiskSignal]) -> dict[int, str]:
    """user id → name of whoever handled these signals, in one query."""
    ids = {signal.handled_by_id for signal in signals if signal.handled_by_id is not None}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())


def visible_signal(user: User, signal_id: int) -> RiskSignal | None:
    """The signal if `user` handles it, else None (the caller answers 404: it does not exist for them)."""
    return db.session.scalar(select(RiskSignal).join(RiskSignal.placement)
                             .where(RiskSignal.id == signal_id, visible_signals_clause(user)))


def log_reads(user: User, signals: Iterable[RiskSignal]) -> None:
    """A page showed these signals (about a jobseeker): log each read."""
    for signal in signals:
        audit.record_read(user, signal)


def mark_handled(signal: RiskSignal, *, actor: User) -> bool:
    """Mark a signal as handled; False when it already was (nothing changes)."""
    if signal.handled_at is not None:
        return False
    signal.handled_at = utcnow()
    signal.handled_by_id = actor.id
    db.session.flush()
    audit.record(actor, "risk_signal_handled", signal, placement_id=signal.placement_id)
    return True
