"""The employer's own adviesgesprek: the offer made after the campaign form or an event sign-up, the times offered
(from the advisors routing would choose for the lead), booking one, moving or cancelling it by its secret link, and
asking to be called back instead.

Two employers never get the same time of one advisor. Booking locks the lead's row and then the advisor's (FOR
UPDATE on PostgreSQL, in that order, as routing does; on SQLite the transaction takes the write lock first), checks
the time again, and claims the quarters of an hour it takes in `booking_slot_claims`, whose unique constraint on
(advisor, start) refuses a second claim even if every check before it was passed. The loser gets `SlotTaken` and is
offered the times that are still free.
"""
from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from ...extensions import db
from ...models import Contact, Lead, LeadDecline, OutboxMessage, User, utcnow
from ...models.booking import (
    BOOKED,
    BOOKING_PLACES,
    CALLBACK_PARTS,
    CANCELLED,
    Booking,
    BookingOffer,
    SlotClaim,
)
from ...models.meetings import PLANNED
from ...permissions import ADVISOR
from .. import audit, normalise, reference
from ..calendar import AMSTERDAM, add_working_days, long_datetime
from ..errors import Conflict, ValidationError
from ..leads import activities
from ..leads.lifecycle import assign_lead
from ..meetings import invitations
from ..meetings import records as meetings
from ..routing import engine as routing
from . import slots as slot_service

OFFER_VALID = timedelta(days=7)
REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud over the phone
REFERENCE_PREFIX = "AG-"
MAX_ADDRESS = 300
SLOT_TAKEN = "Dit tijdstip is net geboekt door iemand anders. Kies hieronder een ander tijdstip."
_NEVER = datetime(1970, 1, 1, tzinfo=AMSTERDAM)


class SlotTaken(Conflict):
    """The time chosen was booked in the meantime (or is no longer free)."""


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


# --- the offer --------------------------------------------------------------------------------------------------------

def open_offer(lead_id: int, contact_id: int | None, *, now: datetime | None = None) -> str:
    """Make the secret that lets the employer who just came in book on `lead_id`; returns it (only its hash is kept)."""
    now = now or utcnow()
    raw = secrets.token_urlsafe(32)
    db.session.add(BookingOffer(token_hash=_hash(raw), lead_id=lead_id, contact_id=contact_id, created_at=now,
                                expires_at=now + OFFER_VALID))
    db.session.flush()
    return raw


def offer_for(raw: str | None, *, now: datetime | None = None) -> BookingOffer | None:
    """The live offer behind a secret: None when unknown, expired, or its lead is closed."""
    if not raw or len(raw) > 100:
        return None
    offer = db.session.scalar(select(BookingOffer).where(BookingOffer.token_hash == _hash(raw)))
    if offer is None or offer.expires_at <= (now or utcnow()) or not offer.lead.is_open:
        return None
    return offer


def booking_of_offer(offer: BookingOffer) -> Booking | None:
    return db.session.scalar(select(Booking).where(Booking.offer_id == offer.id))


# --- who and when -----------------------------------------------------------------------------------------------------

def candidate_advisors(lead: Lead, *, at: datetime | None = None) -> list[int]:
    """The advisors whose times are offered, in the order routing would prefer them.

    The lead's owner if it has one (an active advisor). Otherwise routing's own steps: the employer's account
    manager when they would get the lead (continuity); else the present, willing advisors of the first matching
    rule's team (with the sector as a skill when the rule asks for it) who are below capacity, lowest load first.
    """
    if lead.owner_id is not None:
        owner = lead.owner
        return [owner.id] if owner.active and owner.role == ADVISOR else []
    day = (at or utcnow()).astimezone(AMSTERDAM).date()
    facts = routing.LeadFacts.of(lead)
    rules = routing.load_rules()
    rule = next((r for r in rules if r.matches(facts)), None)
    advisors = routing.load_advisors(ids=[facts.account_manager_id] if facts.account_manager_id else [],
                                     team_ids=[rule.team_id] if rule else [], day=day, lock=False)
    declined = set(db.session.scalars(select(LeadDecline.advisor_id).where(LeadDecline.lead_id == lead.id)))

    def available(advisor: routing.AdvisorFacts) -> bool:
        return (advisor.eligible_role and not advisor.absent and advisor.id not in declined
                and advisor.open_leads < advisor.capacity)

    manager = advisors.get(facts.account_manager_id) if facts.account_manager_id else None
    if manager is not None and available(manager):
        return [manager.id]
    if rule is None:
        return []
    members = [a for a in advisors.values() if a.team_id == rule.team_id and available(a)
               and (not rule.requires_skill or (facts.sector_id is not None and facts.sector_id in a.skill_ids))]
    members.sort(key=lambda a: (Fraction(a.open_leads, a.capacity), a.last_assigned_at or _NEVER, a.id))
    return [a.id for a in members]


def offered_slots(offer: BookingOffer, place_kind: str, *, now: datetime | None = None,
                  candidates: list[int] | None = None) -> list[slot_service.Slot]:
    """The times to offer: one per start, with the advisor routing would prefer among those free then
    (`candidates`: `candidate_advisors` of the offer's lead, when the caller has them already)."""
    if place_kind not in BOOKING_PLACES:
        return []
    if candidates is None:
        candidates = candidate_advisors(offer.lead, at=now)
    seen: set[datetime] = set()
    offered = []
    for slot in slot_service.free_slots(candidates, place_kind, now=now):
        if slot.starts_at not in seen:
            seen.add(slot.starts_at)
            offered.append(slot)
    return offered


def slots_for_move(booking: Booking, *, now: datetime | None = None) -> list[slot_service.Slot]:
    """Other times of the same advisor for the same kind of meeting (its own time left out)."""
    meeting = booking.meeting
    return [slot for slot in slot_service.free_slots([booking.advisor_id], meeting.place_kind, now=now,
                                                     exclude_booking_id=booking.id, exclude_meeting_id=meeting.id)
            if slot.starts_at != meeting.starts_at]


# --- booking ----------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class BookingInput:
    """What the employer chose: a start (aware), how to meet, and the phone number or address that needs."""

    starts_at: datetime | None
    place_kind: str
    phone: str = ""
    address: str = ""


@dataclass(frozen=True)
class Booked:
    booking: Booking
    manage_token: str  # the secret of the move-or-cancel link, shown once and mailed; only its hash is kept


def _place(offer: BookingOffer, data: BookingInput, errors: dict[str, str]) -> str:
    if data.place_kind not in BOOKING_PLACES:
        errors["place_kind"] = "Kies hoe u het gesprek wilt voeren: telefonisch, via video of op uw bedrijf."
        return ""
    if data.place_kind == "phone":
        raw = (data.phone or "").strip() or (offer.contact.phone if offer.contact else "") or ""
        if not raw:
            errors["phone"] = "Vul het telefoonnummer in waarop de adviseur u kan bellen, bijvoorbeeld 010 123 45 67."
            return ""
        try:
            return normalise.phone(raw, "phone")
        except ValidationError:
            errors["phone"] = "Geen geldig telefoonnummer; gebruik bijvoorbeeld 010 123 45 67 of 06 12 34 56 78."
            return ""
    if data.place_kind == "address":
        address = " ".join((data.address or "").split())
        if not address:
            errors["address"] = "Vul het adres van uw bedrijf in, bijvoorbeeld Havenweg 12, Schiedam."
        elif len(address) > MAX_ADDRESS:
            errors["address"] = f"Hoogstens {MAX_ADDRESS} tekens."
        else:
            try:
                normalise.refuse_bsn(address, "address")
            except ValidationError as exc:
                errors.update(exc.fields)
        return address
    return str(reference.setting("booking_video_link"))


def _new_reference() -> str:
    while True:
        candidate = REFERENCE_PREFIX + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))
        if db.session.scalar(select(Booking.id).where(Booking.reference == candidate)) is None:
            return candidate


def _claim(booking: Booking, advisor_id: int, starts_at: datetime, ends_at: datetime, buffer: timedelta) -> None:
    db.session.add_all(SlotClaim(advisor_id=advisor_id, starts_at=cell, booking_id=booking.id)
                       for cell in slot_service.claim_cells(starts_at, ends_at + buffer))
    db.session.flush()


def _is_free(advisor_id: int, starts_at: datetime, place_kind: str, now: datetime, *,
             booking: Booking | None = None) -> bool:
    return any(slot.starts_at == starts_at for slot in slot_service.free_slots(
        [advisor_id], place_kind, now=now, exclude_booking_id=booking.id if booking else None,
        exclude_meeting_id=booking.meeting_id if booking else None))


def book(offer: BookingOffer, data: BookingInput, *, manage_link: Callable[[str], str],
         now: datetime | None = None) -> Booked:
    """Book the adviesgesprek: assign the lead to the advisor (if it had no owner), plan the meeting with the lead's
    contact as attendee, claim its time, and mail the confirmation with the .ics to the employer (the advisor gets
    the meeting's invitation). ValidationError per field, SlotTaken when the time is gone, Conflict when this offer
    was used already; nothing is stored then."""
    now = now or utcnow()
    errors: dict[str, str] = {}
    if data.starts_at is None:
        errors["starts_at"] = "Kies een tijdstip."
    place = _place(offer, data, errors)
    if errors:
        raise ValidationError("Het gesprek is niet geboekt; controleer de gemarkeerde velden.", errors)
    lead = offer.lead
    routing.lock_lead(lead.id)
    db.session.refresh(lead)
    if booking_of_offer(offer) is not None:
        raise Conflict("U heeft via deze aanmelding al een adviesgesprek geboekt; de bevestiging staat in uw e-mail.")
    if not lead.is_open:
        raise Conflict("Uw aanvraag is intussen afgesloten; neem contact op met het Werkcentrum.")
    kind = slot_service.meeting_type(data.place_kind)
    candidates = candidate_advisors(lead, at=now)
    routing.lock_users(candidates)  # after the lead's row, like routing: parallel bookings of one advisor queue here
    for advisor_id in candidates:
        if not _is_free(advisor_id, data.starts_at, data.place_kind, now):
            continue
        advisor = db.session.get(User, advisor_id)
        if lead.owner_id is None and routing.open_lead_counts([advisor_id]).get(advisor_id, 0) >= advisor.capacity:
            continue
        try:
            return _write_booking(offer, advisor, data, place, kind, manage_link, now)
        except IntegrityError as exc:  # a claim refused by the database: the savepoint is undone, try the next
            if not routing.on_postgresql():
                raise SlotTaken(SLOT_TAKEN, {"starts_at": SLOT_TAKEN}) from exc
    raise SlotTaken(SLOT_TAKEN, {"starts_at": SLOT_TAKEN})


def _write_booking(offer: BookingOffer, advisor: User, data: BookingInput, place: str,
                   kind: slot_service.MeetingType, manage_link: Callable[[str], str], now: datetime) -> Booked:
    """All the rows of one booking, in a savepoint on PostgreSQL so a refused claim leaves nothing behind."""
    lead = offer.lead
    if routing.on_postgresql():
        with db.session.begin_nested():
            return _write(offer, lead, advisor, data, place, kind, manage_link, now)
    return _write(offer, lead, advisor, data, place, kind, manage_link, now)


def _write(offer: BookingOffer, lead: Lead, advisor: User, data: BookingInput, place: str,
           kind: slot_service.MeetingType, manage_link: Callable[[str], str], now: datetime) -> Booked:
    starts_at, ends_at = data.starts_at, data.starts_at + kind.length
    if lead.owner_id is None:
        assign_lead(lead, advisor, team=advisor.team, actor=None, at=now, kind="route", expected_owner_id=None,
                    reason=f"Adviesgesprek geboekt door de werkgever: {advisor.name} op {long_datetime(starts_at)}.")
        if lead.employer.account_manager_id is None:
            lead.employer.account_manager = advisor  # one face to the employer, as routing does
    reference_number = _new_reference()
    contact = offer.contact if offer.contact is not None and offer.contact.anonymised_at is None else None
    meeting = meetings.plan_meeting(lead, meetings.MeetingInput(
        kind="adviesgesprek", starts_at=starts_at, ends_at=ends_at, place_kind=data.place_kind, place=place,
        note=f"Geboekt door de werkgever via de website (referentie {reference_number}).",
        contact_ids=(contact.id,) if contact else ()), organiser=advisor)
    raw = secrets.token_urlsafe(32)
    booking = Booking(reference=reference_number, offer_id=offer.id, meeting_id=meeting.id, advisor_id=advisor.id,
                      manage_token_hash=_hash(raw), status=BOOKED, created_at=now, updated_at=now)
    db.session.add(booking)
    db.session.flush()
    _claim(booking, advisor.id, starts_at, ends_at, kind.buffer)
    audit.record(None, "booking_made", booking, lead_id=lead.id, advisor_id=advisor.id, meeting_id=meeting.id,
                 place_kind=data.place_kind)
    if contact is not None and contact.email:
        _confirmation(booking, contact, manage_link(raw))
    return Booked(booking, raw)


# --- the confirmation -------------------------------------------------------------------------------------------------

def contact_details() -> str:
    """How to reach the Werkcentrum, as the confirmations say it (a setting)."""
    return str(reference.setting("werkcentrum_contact"))


def confirmation_context(booking: Booking, manage_url: str | None) -> dict:
    """What the confirmation page and e-mail show."""
    meeting = booking.meeting
    return {"booking": booking, "meeting": meeting, "advisor_name": booking.advisor.name,
            "when": invitations.when_text(meeting), "how": BOOKING_PLACES[meeting.place_kind],
            "manage_url": manage_url, "contact_details": contact_details(), "campaign": invitations.CAMPAIGN}


def _confirmation(booking: Booking, contact: Contact, manage_url: str) -> None:
    """The employer's invitation becomes the booking confirmation: the same .ics attached, one mail, with the
    reference, what happens next and the link to move or cancel."""
    meeting = booking.meeting
    message = db.session.scalar(select(OutboxMessage).where(
        OutboxMessage.key == f"meeting:{meeting.id}:{meeting.sequence}:contact-{contact.id}"))
    if message is None:
        return
    context = confirmation_context(booking, manage_url) | {"name": contact.name}
    env = current_app.jinja_env
    message.kind = "booking_confirmation"
    message.subject = f"Bevestiging adviesgesprek {long_datetime(meeting.starts_at)} (referentie {booking.reference})"
    message.text = env.get_template("mail/booking_confirmation.txt").render(context)
    message.html = env.get_template("mail/booking_confirmation.html").render(context)
    db.session.flush()


# --- the move-or-cancel link ---------------------------------------------------------------------------------

def booking_for(raw: str | None, *, now: datetime | None = None, lock: bool = False) -> Booking | None:
    """The booking behind a move-or-cancel link; None when the link is unknown or its meeting has ended."""
    if not raw or len(raw) > 100:
        return None
    query = select(Booking).where(Booking.manage_token_hash == _hash(raw))
    if lock and routing.on_postgresql():
        query = query.with_for_update().execution_options(populate_existing=True)
    booking = db.session.scalar(query)
    if booking is None or booking.meeting.ends_at <= (now or utcnow()):
        return None
    return booking


def _must_be_booked(booking: Booking) -> None:
    if booking.status != BOOKED or booking.meeting.status != PLANNED:
        raise Conflict("Deze afspraak is geannuleerd of al gehouden; hij kan niet meer veranderen.")


def move_booking(booking: Booking, starts_at: datetime | None, *, now: datetime | None = None) -> Booking:
    """Move the booked meeting to another free time of the same advisor: same UID, SEQUENCE + 1, the update to the
    employer and the advisor."""
    now = now or utcnow()
    _must_be_booked(booking)
    if starts_at is None:
        raise ValidationError("De afspraak is niet verplaatst: kies een nieuw tijdstip.",
                              {"starts_at": "Kies een tijdstip."})
    meeting = booking.meeting
    kind = slot_service.meeting_type(meeting.place_kind)
    routing.lock_lead(meeting.lead_id)
    routing.lock_users([booking.advisor_id])
    if starts_at == meeting.starts_at or not _is_free(booking.advisor_id, starts_at, meeting.place_kind, now,
                                                      booking=booking):
        raise SlotTaken(SLOT_TAKEN, {"starts_at": SLOT_TAKEN})
    before = meeting.starts_at

    def write() -> None:
        db.session.execute(delete(SlotClaim).where(SlotClaim.booking_id == booking.id))
        _claim(booking, booking.advisor_id, starts_at, starts_at + kind.length, kind.buffer)
        meetings.move_meeting(meeting, meetings.MoveInput(starts_at, starts_at + kind.length, meeting.place_kind,
                                                          meeting.place), actor=None)

    try:
        if routing.on_postgresql():
            with db.session.begin_nested():
                write()
        else:
            write()
    except IntegrityError as exc:
        raise SlotTaken(SLOT_TAKEN, {"starts_at": SLOT_TAKEN}) from exc
    booking.updated_at = now
    audit.record(None, "booking_moved", booking, lead_id=meeting.lead_id, changes=audit.diff(
        {"starts_at": before}, {"starts_at": starts_at}))
    db.session.flush()
    return booking


def cancel_booking(booking: Booking, *, now: datetime | None = None) -> Booking:
    """Cancel the booked meeting (METHOD:CANCEL to the employer and the advisor) and free its time."""
    _must_be_booked(booking)
    routing.lock_lead(booking.meeting.lead_id)
    db.session.execute(delete(SlotClaim).where(SlotClaim.booking_id == booking.id))
    meetings.cancel_meeting(booking.meeting, actor=None)
    booking.status, booking.updated_at = CANCELLED, now or utcnow()
    audit.record(None, "booking_cancelled", booking, lead_id=booking.meeting.lead_id)
    db.session.flush()
    return booking


def booking_ics(booking: Booking) -> bytes:
    """The booked meeting as its latest invitation (or cancellation)."""
    meeting = meetings.with_people(booking.meeting_id)
    return invitations.invitation(meeting, invitations.CANCEL if booking.status == CANCELLED else invitations.REQUEST)


# --- call me back -----------------------------------------------------------------------------------------------------

def request_callback(offer: BookingOffer, part: str, *, now: datetime | None = None) -> None:
    """"Bel mij terug" in the morning or afternoon: a next action for the lead's owner on the next working day, or,
    while the lead waits for an advisor, a note with that next action on the lead for whoever takes it."""
    if part not in CALLBACK_PARTS:
        raise ValidationError("Kies of wij u het liefst 's ochtends of 's middags bellen.",
                              {"part": "Kies ochtend of middag."})
    now = now or utcnow()
    lead = offer.lead
    routing.lock_lead(lead.id)
    db.session.refresh(lead)
    due = add_working_days(now.astimezone(AMSTERDAM).date(), 1)
    activities.log_activity(lead, activities.ActivityInput(
        kind="note", occurred_at=now,
        outcome=f"De werkgever vroeg via de website om teruggebeld te worden, het liefst {CALLBACK_PARTS[part]}.",
        next_action=f"Werkgever terugbellen ({part})", next_action_due=due), actor=lead.owner)
    offer.callback_part, offer.callback_at = part, now
    audit.record(None, "callback_requested", offer, lead_id=lead.id, part=part)
    db.session.flush()
