"""A meeting's life: planned with its attendees, moved (a new time or place), cancelled, or recorded as held.

Every change raises the meeting's `sequence` (RFC 5545 SEQUENCE) and keeps its `uid`, writes an audit entry and
queues the invitation, update or cancellation to every attendee with an e-mail address, all in the caller's
transaction. Recording a meeting as held logs it as an activity of the lead when the lead is still open (a held
adviesgesprek thereby moves the lead to Adviesgesprek); a placed lead keeps its stage.
"""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import joinedload, selectinload

from ...extensions import db
from ...models import LOST, Activity, Contact, Lead, LeadStageEvent, User, utcnow
from ...models.meetings import (
    CANCELLED,
    HELD,
    MEETING_KINDS,
    PLACE_KINDS,
    PLANNED,
    Meeting,
    MeetingAttendee,
)
from ...permissions import can_log_work, visible_leads_clause
from .. import audit, normalise
from ..errors import Conflict, ValidationError
from ..leads import activities
from . import invitations

MAX_PLACE = 500
MAX_NOTE = 2000
MAX_OUTCOME = activities.MAX_OUTCOME
MAX_ATTENDEES = 20
MAX_DURATION = timedelta(hours=12)
MAX_AHEAD = timedelta(days=2 * 366)
DEFAULT_DOMAIN = "campaign-crm.localhost"
# The activity a held meeting is logged as on the lead's timeline (a video call is a call at a distance).
ACTIVITY_KIND = {"adviesgesprek": "adviesgesprek", "bedrijfsbezoek": "visit", "telefoongesprek": "call",
                 "videogesprek": "call", "harrie_training": "harrie"}
_HOST = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$")


@dataclass(frozen=True)
class MeetingInput:
    """What an advisor plans; times are aware (the form's Amsterdam time)."""

    kind: str
    starts_at: datetime | None
    ends_at: datetime | None
    place_kind: str
    place: str
    note: str = ""
    contact_ids: tuple[int, ...] = ()
    colleague_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class MoveInput:
    """A new time and place for a planned meeting."""

    starts_at: datetime | None
    ends_at: datetime | None
    place_kind: str
    place: str


# --- who may -----------------------------------------------------------------------------------------------

def may_plan(user: User, lead: Lead) -> bool:
    """Plan a meeting on a lead: whoever may work the lead, while it is not lost (a Harrie training often
    follows a placement, so a placed lead still takes meetings)."""
    return lead.stage != LOST and can_log_work(user, lead)


def may_change(user: User, meeting: Meeting) -> bool:
    """Move, cancel or record a meeting: whoever may work its lead."""
    return can_log_work(user, meeting.lead)


def visible_meeting(meeting_id: int, user: User, *, lock: bool = False) -> Meeting | None:
    """The meeting if `user` may see its lead; None for anyone else (and for a meeting that does not exist)."""
    query = (select(Meeting).join(Lead, Lead.id == Meeting.lead_id)
             .where(Meeting.id == meeting_id, visible_leads_clause(user)))
    if lock:
        query = query.with_for_update(of=Meeting).execution_options(populate_existing=True)
    return db.session.scalar(query)


# --- choices for the forms ---------------------------------------------------------------------------------

def contact_choices(lead: Lead) -> list[Contact]:
    """The employer's contact persons who can be invited (the anonymised ones are gone), the lead's own first."""
    contacts = db.session.scalars(select(Contact).where(Contact.employer_id == lead.employer_id,
                                                        Contact.anonymised_at.is_(None))
                                  .order_by(Contact.name, Contact.id)).all()
    return sorted(contacts, key=lambda contact: contact.id != lead.contact_id)


def colleague_choices(lead: Lead, organiser: User) -> list[User]:
    """Active colleagues who may join: the lead's owner and the members of the lead's and the organiser's teams."""
    teams = {team for team in (lead.team_id, organiser.team_id) if team is not None}
    query = select(User).where(User.active.is_(True), User.id != organiser.id,
                               or_(User.team_id.in_(teams), User.id == lead.owner_id) if teams
                               else User.id == lead.owner_id)
    return list(db.session.scalars(query.order_by(User.name, User.id)))


# --- plan, move, cancel, held ------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Checked:
    place: str
    note: str
    contacts: list[Contact]
    colleagues: list[User]
    errors: dict[str, str]


def _check_plan(lead: Lead, data: MeetingInput, organiser: User) -> _Checked:
    errors: dict[str, str] = {}
    if data.kind not in MEETING_KINDS:
        errors["kind"] = "Kies een soort afspraak uit de lijst."
    _check_times(data.starts_at, data.ends_at, errors)
    place = _checked_place(data.place_kind, data.place, errors)
    note = (data.note or "").strip()
    if len(note) > MAX_NOTE:
        errors["note"] = f"Hoogstens {MAX_NOTE} tekens."
    else:
        _refuse_bsn(note, "note", errors)
    contacts = _checked_contacts(lead, data.contact_ids, errors)
    colleagues = _checked_colleagues(lead, organiser, data.colleague_ids, errors)
    if len(contacts) + len(colleagues) > MAX_ATTENDEES:
        errors["colleague_ids"] = f"Nodig hoogstens {MAX_ATTENDEES} mensen uit."
    return _Checked(place, note, contacts, colleagues, errors)


def plan_problems(lead: Lead, data: MeetingInput, *, organiser: User) -> dict[str, str]:
    """What `plan_meeting` would refuse in `data`, per field (empty when nothing), without storing anything; a
    form reports these beside its own, so everything to correct shows in one round."""
    return _check_plan(lead, data, organiser).errors


def plan_meeting(lead: Lead, data: MeetingInput, *, organiser: User) -> Meeting:
    """Plan a meeting on `lead` organised by `organiser`; the invitation goes to every attendee and the organiser.

    Every problem is reported at once, per field; nothing is stored when there is one."""
    if lead.stage == LOST:
        raise Conflict("Deze lead is vervallen; er kan geen afspraak meer bij.")
    checked = _check_plan(lead, data, organiser)
    _raise_if(checked.errors, "De afspraak is niet gepland; controleer de gemarkeerde velden.")
    place, note, contacts, colleagues = checked.place, checked.note, checked.contacts, checked.colleagues

    now = utcnow()
    meeting = Meeting(uid=f"{uuid.uuid4()}@{_uid_domain()}", lead=lead, organiser=organiser, kind=data.kind,
                      starts_at=data.starts_at, ends_at=data.ends_at, place_kind=data.place_kind, place=place,
                      note=note, status=PLANNED, outcome="", sequence=0, created_at=now, updated_at=now)
    meeting.attendees = ([MeetingAttendee(contact=contact) for contact in contacts]
                         + [MeetingAttendee(user=user) for user in colleagues])
    db.session.add(meeting)
    db.session.flush()
    audit.record(organiser, "meeting_planned", meeting, lead_id=lead.id, kind=meeting.kind,
                 attendees=len(meeting.attendees))
    invitations.queue_for(meeting, invitations.REQUEST)
    return meeting


def move_meeting(meeting: Meeting, data: MoveInput, *, actor: User) -> Meeting:
    """Give a planned meeting a new time or place: the same UID with a higher SEQUENCE, and an update to everyone."""
    _must_be_planned(meeting, "verplaatst")
    errors: dict[str, str] = {}
    place = _check_move(data, errors)
    _raise_if(errors, "De afspraak is niet verplaatst; controleer de gemarkeerde velden.")
    before = _when_and_where(meeting)
    after = {"starts_at": data.starts_at, "ends_at": data.ends_at, "place_kind": data.place_kind, "place": place}
    changed = [field for field, value in after.items() if before[field] != value]
    if not changed:
        raise ValidationError("Tijd en plaats zijn niet veranderd; er is niets verstuurd.",
                              {"starts_at": "Kies een andere tijd of plaats."})
    meeting.starts_at, meeting.ends_at = data.starts_at, data.ends_at
    meeting.place_kind, meeting.place = data.place_kind, place
    _changed(meeting)
    # The trail names what moved; the times, not the place itself (it may be a phone number).
    audit.record(actor, "meeting_moved", meeting, lead_id=meeting.lead_id, sequence=meeting.sequence,
                 fields=changed, changes=audit.diff({k: before[k] for k in ("starts_at", "ends_at", "place_kind")},
                                                    {k: after[k] for k in ("starts_at", "ends_at", "place_kind")}))
    invitations.queue_for(meeting, invitations.REQUEST)
    return meeting


def _check_move(data: MoveInput, errors: dict[str, str]) -> str:
    _check_times(data.starts_at, data.ends_at, errors)
    return _checked_place(data.place_kind, data.place, errors)


def move_problems(data: MoveInput) -> dict[str, str]:
    """What `move_meeting` would refuse in `data`, per field, without changing anything."""
    errors: dict[str, str] = {}
    _check_move(data, errors)
    return errors


def cancel_meeting(meeting: Meeting, *, actor: User) -> Meeting:
    """Cancel a planned meeting: METHOD:CANCEL to everyone, and it leaves the calendar feeds."""
    _must_be_planned(meeting, "geannuleerd")
    meeting.status = CANCELLED
    _changed(meeting)
    audit.record(actor, "meeting_cancelled", meeting, lead_id=meeting.lead_id, sequence=meeting.sequence)
    invitations.queue_for(meeting, invitations.CANCEL)
    return meeting


@dataclass(frozen=True)
class HeldMeeting:
    meeting: Meeting
    activity: Activity | None  # logged on the lead's timeline (None on a closed lead)
    stage_event: LeadStageEvent | None  # set when the meeting moved the lead on


def record_held(meeting: Meeting, outcome: str, *, actor: User) -> HeldMeeting:
    """Record that a planned meeting took place, with its outcome; on an open lead it is logged as an activity at
    the meeting's start (or when the lead reached its current stage, if that was later), so a held adviesgesprek
    moves the lead to Adviesgesprek when it is not there yet."""
    _must_be_planned(meeting, "als gehouden vastgelegd")
    if meeting.starts_at > utcnow():
        raise Conflict("Deze afspraak is nog niet begonnen; leg hem vast nadat hij is gehouden.")
    outcome = (outcome or "").strip()
    errors: dict[str, str] = {}
    if not outcome:
        errors["outcome"] = "Beschrijf wat er is besproken of afgesproken."
    elif len(outcome) > MAX_OUTCOME:
        errors["outcome"] = f"Hoogstens {MAX_OUTCOME} tekens."
    else:
        _refuse_bsn(outcome, "outcome", errors)
    _raise_if(errors, "De afspraak is niet vastgelegd; controleer de gemarkeerde velden.")

    lead = meeting.lead
    logged = None
    if lead.is_open:
        reached = lead.stage_time(lead.stage)
        at = max(meeting.starts_at, reached) if reached is not None else meeting.starts_at
        logged = activities.log_activity(lead, activities.ActivityInput(
            kind=ACTIVITY_KIND[meeting.kind], outcome=outcome, occurred_at=at), actor=actor)
    meeting.status, meeting.outcome = HELD, outcome
    _changed(meeting)
    audit.record(actor, "meeting_held", meeting, lead_id=lead.id, sequence=meeting.sequence,
                 moved_lead=bool(logged and logged.stage_event))
    return HeldMeeting(meeting, logged.activity if logged else None, logged.stage_event if logged else None)


# --- lists -------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LeadMeetings:
    upcoming: list[Meeting]
    past: list[Meeting]  # held, cancelled, or planned with a start that has passed (still to be recorded)


def lead_meetings(lead_id: int) -> LeadMeetings:
    """The lead's meetings: the planned ones still to come (soonest first), then the rest (newest first)."""
    now = utcnow()
    meetings = db.session.scalars(select(Meeting).where(Meeting.lead_id == lead_id)
                                  .options(joinedload(Meeting.organiser)).order_by(Meeting.starts_at, Meeting.id))
    upcoming, past = [], []
    for meeting in meetings:
        (upcoming if meeting.status == PLANNED and meeting.ends_at > now else past).append(meeting)
    return LeadMeetings(upcoming, sorted(past, key=lambda m: m.starts_at, reverse=True))


def _involving(user_id: int) -> Select:
    """Meetings `user_id` organises or attends as a colleague."""
    attends = select(MeetingAttendee.meeting_id).where(MeetingAttendee.user_id == user_id)
    return select(Meeting).where(or_(Meeting.organiser_id == user_id, Meeting.id.in_(attends)))


def upcoming_for(user: User, *, limit: int = 200) -> list[Meeting]:
    """The planned meetings `user` organises or attends that have not ended, soonest first, with their leads."""
    query = (_involving(user.id).where(Meeting.status == PLANNED, Meeting.ends_at > utcnow())
             .options(joinedload(Meeting.lead).joinedload(Lead.employer), joinedload(Meeting.organiser))
             .order_by(Meeting.starts_at, Meeting.id).limit(limit))
    return list(db.session.scalars(query))


def for_feed(user: User, *, days_back: int = 90, limit: int = 500) -> list[Meeting]:
    """What a user's calendar feed shows: planned and held meetings they organise or attend, from `days_back` days
    ago on (a cancelled one leaves the feed, so subscribed calendars drop it)."""
    since = utcnow() - timedelta(days=days_back)
    query = (_involving(user.id).where(and_(Meeting.status.in_((PLANNED, HELD)), Meeting.ends_at >= since))
             .options(joinedload(Meeting.lead).joinedload(Lead.employer), joinedload(Meeting.organiser))
             .order_by(Meeting.starts_at, Meeting.id).limit(limit))
    return list(db.session.scalars(query))


def with_people(meeting_id: int) -> Meeting | None:
    """A meeting with its lead, employer, organiser and attendees loaded (for its page and its invitation)."""
    return db.session.scalar(select(Meeting).where(Meeting.id == meeting_id).options(
        joinedload(Meeting.lead).joinedload(Lead.employer), joinedload(Meeting.organiser),
        selectinload(Meeting.attendees).joinedload(MeetingAttendee.contact),
        selectinload(Meeting.attendees).joinedload(MeetingAttendee.user)))


# --- checks ------------------------------------------------------------------------------------------------

def _raise_if(errors: dict[str, str], message: str) -> None:
    if errors:
        raise ValidationError(message, errors)


def _refuse_bsn(text: str, field: str, errors: dict[str, str]) -> None:
    try:
        normalise.refuse_bsn(text, field)
    except ValidationError as exc:
        errors.update(exc.fields)


def _check_times(starts_at: datetime | None, ends_at: datetime | None, errors: dict[str, str]) -> None:
    """A meeting starts after now and within two years, and ends after its start on the same or the next day."""
    now = utcnow()
    if starts_at is None:
        errors["starts_at"] = "Vul de datum en begintijd in."
    elif starts_at <= now:
        errors["starts_at"] = "Ligt in het verleden; een afspraak plant u vanaf nu."
    elif starts_at > now + MAX_AHEAD:
        errors["starts_at"] = "Ligt meer dan twee jaar vooruit."
    if ends_at is None:
        errors["ends_at"] = "Vul de eindtijd in."
    elif starts_at is not None and ends_at <= starts_at:
        errors["ends_at"] = "Moet na de begintijd liggen."
    elif starts_at is not None and ends_at - starts_at > MAX_DURATION:
        errors["ends_at"] = "Een afspraak duurt hoogstens 12 uur."


def _checked_place(place_kind: str, raw: str, errors: dict[str, str]) -> str:
    """The place as stored: an address as typed, a phone number in E.164, a video link that starts with https://."""
    value = " ".join((raw or "").split())
    if place_kind not in PLACE_KINDS:
        errors["place_kind"] = "Kies of de afspraak op een adres, telefonisch of via een videolink is."
        return value
    if place_kind == "address":
        if not value:
            errors["place"] = "Vul het adres in, bijvoorbeeld Coolsingel 40, Rotterdam."
        elif len(value) > MAX_PLACE:
            errors["place"] = f"Hoogstens {MAX_PLACE} tekens."
        else:
            _refuse_bsn(value, "place", errors)
        return value
    if place_kind == "phone":
        if not value:
            errors["place"] = "Vul het telefoonnummer in waarop gebeld wordt, bijvoorbeeld 010-1234567."
            return value
        try:
            return normalise.phone(value, "place")
        except ValidationError:
            errors["place"] = "Geen geldig telefoonnummer; gebruik bijvoorbeeld 010-1234567 of 06 12345678."
            return value
    if not value:
        errors["place"] = "Vul de link van het videogesprek in, bijvoorbeeld https://teams.microsoft.com/…"
    elif not _is_video_url(value):
        errors["place"] = "Geen geldige videolink; een link begint met https:// en heeft geen spaties."
    return value


def _is_video_url(value: str) -> bool:
    if len(value) > MAX_PLACE or " " in value or any(ord(c) < 32 for c in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    host = (parts.hostname or "").lower()
    return parts.scheme == "https" and bool(_HOST.match(host)) and not parts.username and not parts.password


def _checked_contacts(lead: Lead, ids: tuple[int, ...], errors: dict[str, str]) -> list[Contact]:
    """Contact persons of the lead's employer, each once; one with an invalid e-mail address is refused."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return []
    found = {c.id: c for c in db.session.scalars(select(Contact).where(
        Contact.id.in_(wanted), Contact.employer_id == lead.employer_id, Contact.anonymised_at.is_(None)))}
    if len(found) != len(wanted):
        errors["contact_ids"] = "Kies alleen contactpersonen van deze werkgever."
        return []
    for contact in found.values():
        if contact.email:
            try:
                normalise.email(contact.email, "contact_ids")
            except ValidationError:
                errors["contact_ids"] = (f"Het e-mailadres van {contact.name or 'een contactpersoon'} is ongeldig; "
                                         "verbeter het eerst bij de contactpersoon.")
    return [found[i] for i in wanted]


def _checked_colleagues(lead: Lead, organiser: User, ids: tuple[int, ...], errors: dict[str, str]) -> list[User]:
    """Colleagues from the offered list, each once; the organiser is on every invitation already."""
    wanted = [i for i in dict.fromkeys(ids) if i != organiser.id]
    if not wanted:
        return []
    allowed = {user.id: user for user in colleague_choices(lead, organiser)}
    if any(i not in allowed for i in wanted):
        errors["colleague_ids"] = "Kies alleen collega's uit de lijst."
        return []
    for user in (allowed[i] for i in wanted):
        try:
            normalise.email(user.email, "colleague_ids")
        except ValidationError:
            errors["colleague_ids"] = f"Het e-mailadres van {user.name} is ongeldig."
    return [allowed[i] for i in wanted]


def _must_be_planned(meeting: Meeting, verb: str) -> None:
    if meeting.status != PLANNED:
        raise Conflict(f"Deze afspraak is {meeting.status_label.lower()}; hij kan niet meer worden {verb}.")


def _changed(meeting: Meeting) -> None:
    meeting.sequence += 1
    meeting.updated_at = utcnow()
    db.session.flush()


def _when_and_where(meeting: Meeting) -> dict[str, object]:
    return {"starts_at": meeting.starts_at, "ends_at": meeting.ends_at, "place_kind": meeting.place_kind,
            "place": meeting.place}


def _uid_domain() -> str:
    """The host of PUBLIC_BASE_URL, so UIDs are unique across installations; a fixed name without one."""
    host = urlsplit(current_app.config.get("PUBLIC_BASE_URL") or "").hostname
    return host or DEFAULT_DOMAIN
