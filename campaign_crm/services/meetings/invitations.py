"""Meetings as iCalendar (RFC 5545 with the iTIP methods of RFC 5546): the invitation or update (METHOD:REQUEST)
and the cancellation (METHOD:CANCEL) queued by e-mail to each attendee, and the calendar of a user's feed.

Times are written in Europe/Amsterdam (DTSTART;TZID=Europe/Amsterdam) with the VTIMEZONE that defines it, so a
calendar shows 10:00 for a meeting planned at 10:00 in winter and in summer alike. An invitation carries what the
attendees need (who, when, where, the note); the feed, which an outside calendar service fetches, carries no
contact person's name, e-mail address or phone number: its link leads to the meeting in the CRM.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

import phonenumbers
from flask import current_app
from icalendar import Calendar, Event, Timezone, vCalAddress, vDuration

from ...models import utcnow
from ...models.meetings import CANCELLED, HELD, Meeting
from ..calendar import AMSTERDAM, long_datetime
from ..mail import outbox

REQUEST, CANCEL = "REQUEST", "CANCEL"
PRODID = "-//Werkcentrum Rijnmond//Anders kijken naar personeel CRM//NL"
CAMPAIGN = 'de werkgeverscampagne "Anders kijken naar personeel" van Werkcentrum Rijnmond'
FEED_REFRESH = timedelta(hours=1)


# --- what the calendar and the mail say ----------------------------------------------------------------------

def summary(meeting: Meeting) -> str:
    """`Adviesgesprek Bakkerij Jansen`: the kind and the employer, the same in every calendar."""
    return f"{meeting.kind_label} {meeting.lead.employer.name}"


def place_text(meeting: Meeting) -> str:
    """Where, in words: the address, `Telefonisch: 010 123 4567`, or `Videogesprek: <link>`."""
    if meeting.place_kind == "phone":
        return f"Telefonisch: {_national(meeting.place)}"
    if meeting.place_kind == "video":
        return f"Videogesprek: {meeting.place}"
    return meeting.place


def _national(e164: str) -> str:
    try:
        return phonenumbers.format_number(phonenumbers.parse(e164, "NL"), phonenumbers.PhoneNumberFormat.NATIONAL)
    except phonenumbers.NumberParseException:
        return e164


def when_text(meeting: Meeting) -> str:
    """`10 december 2026 om 10:00 tot 11:00` in Amsterdam time (the end with its date when on another day)."""
    start, end = meeting.starts_at.astimezone(AMSTERDAM), meeting.ends_at.astimezone(AMSTERDAM)
    until = f"{end:%H:%M}" if end.date() == start.date() else long_datetime(meeting.ends_at)
    return f"{long_datetime(meeting.starts_at)} tot {until}"


def _description(meeting: Meeting) -> str:
    organiser = meeting.organiser
    lines = [f"{meeting.kind_label} van {meeting.lead.employer.name} met {organiser.name}, namens {CAMPAIGN}.",
             f"Waar: {place_text(meeting)}"]
    if meeting.note:
        lines += ["", meeting.note]
    lines += ["", f"Verhinderd of een vraag? Antwoord op deze uitnodiging of mail {organiser.email}."]
    return "\n".join(lines)


# --- iCalendar -----------------------------------------------------------------------------------------------------

@lru_cache(maxsize=8)
def _amsterdam(first_year: int, last_year: int) -> Timezone:
    """The VTIMEZONE of Europe/Amsterdam for these years, made from zoneinfo (cached: it takes a while)."""
    return Timezone.from_tzinfo(AMSTERDAM, tzid="Europe/Amsterdam", first_date=date(first_year, 1, 1),
                                last_date=date(last_year + 1, 1, 1))


def _calendar(events: Sequence[Event], meetings: Sequence[Meeting], *, method: str | None = None,
              name: str | None = None) -> Calendar:
    calendar = Calendar.new(prodid=PRODID, method=method, name=name,
                            refresh_interval=FEED_REFRESH if method is None else None)
    if method is None:
        calendar.add("X-PUBLISHED-TTL", vDuration(FEED_REFRESH))  # Outlook's name for REFRESH-INTERVAL
    years = [m.starts_at.astimezone(AMSTERDAM).year for m in meetings] or [utcnow().year]
    calendar.add_component(_amsterdam(min(years) - 1, max(years) + 1))
    for event in events:
        calendar.add_component(event)
    return calendar


def _address(email: str, name: str, **params) -> vCalAddress:
    return vCalAddress.new(email, cn=name or None, **params)


def _event(meeting: Meeting, *, stamp: datetime, status: str, attendees: bool, location: str,
           description: str, url: str | None) -> Event:
    event = Event.new(
        uid=meeting.uid, sequence=meeting.sequence, stamp=stamp, created=meeting.created_at,
        last_modified=meeting.updated_at,
        start=meeting.starts_at.astimezone(AMSTERDAM), end=meeting.ends_at.astimezone(AMSTERDAM),
        summary=summary(meeting), description=description, location=location, url=url, status=status,
        organizer=_address(meeting.organiser.email, meeting.organiser.name),
        attendees=[_address(person.email, person.name, role="REQ-PARTICIPANT", partstat="NEEDS-ACTION", rsvp=True,
                            cutype="INDIVIDUAL")
                   for person in meeting.attendees if person.email] if attendees else None,
    )
    return event


def invitation(meeting: Meeting, method: str) -> bytes:
    """The .ics of an invitation or update (REQUEST) or a cancellation (CANCEL), with every attendee in it."""
    event = _event(meeting, stamp=utcnow(), status="CANCELLED" if method == CANCEL else "CONFIRMED", attendees=True,
                   location=place_text(meeting), description=_description(meeting),
                   url=meeting.place if meeting.place_kind == "video" else None)
    return _calendar([event], [meeting], method=method).to_ical()


def feed(meetings: Iterable[Meeting], *, name: str, link) -> bytes:
    """A subscribable calendar (no METHOD) of these meetings, under the same UIDs as their invitations.

    `link(meeting)` gives the address of the meeting's page in the CRM, which the event points to instead of naming
    the people in it."""
    meetings = list(meetings)
    stamp = utcnow()
    events = []
    for meeting in meetings:
        page = link(meeting)
        location = ("Telefonisch (het nummer staat in het CRM)" if meeting.place_kind == "phone"
                    else place_text(meeting))
        held = " (gehouden)" if meeting.status == HELD else ""
        description = f"{meeting.kind_label}{held} met {meeting.lead.employer.name}.\nDetails in het CRM: {page}"
        events.append(_event(meeting, stamp=stamp, status="CONFIRMED", attendees=False, location=location,
                             description=description, url=page))
    return _calendar(events, meetings, name=name).to_ical()


# --- the mail ------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Recipient:
    ref: str  # in the idempotency key: "organiser", "contact-12", "user-5"
    name: str
    email: str


def recipients(meeting: Meeting) -> list[Recipient]:
    """Everyone who gets the mail: the organiser, then each attendee who has an e-mail address."""
    found = [Recipient("organiser", meeting.organiser.name, meeting.organiser.email)]
    for person in meeting.attendees:
        if person.email:
            ref = f"contact-{person.contact_id}" if person.contact_id else f"user-{person.user_id}"
            found.append(Recipient(ref, person.name, person.email))
    return found


def _mail_kind(meeting: Meeting, method: str) -> str:
    if method == CANCEL or meeting.status == CANCELLED:
        return "meeting_cancellation"
    return "meeting_invitation" if meeting.sequence == 0 else "meeting_update"


SUBJECTS = {"meeting_invitation": "Uitnodiging", "meeting_update": "Gewijzigd", "meeting_cancellation": "Geannuleerd"}
FILENAMES = {"meeting_invitation": "uitnodiging.ics", "meeting_update": "uitnodiging.ics",
             "meeting_cancellation": "annulering.ics"}


def queue_for(meeting: Meeting, method: str) -> int:
    """Queue the invitation, update or cancellation to each recipient, with the .ics attached; returns how many
    were queued. The key holds the meeting and its sequence, so each version goes to each person once."""
    kind = _mail_kind(meeting, method)
    ics = invitation(meeting, method)
    attachment = outbox.Attachment(FILENAMES[kind], f"text/calendar; method={method}", ics)
    subject = f"{SUBJECTS[kind]}: {summary(meeting)}, {long_datetime(meeting.starts_at)}"
    env = current_app.jinja_env
    queued = 0
    for person in recipients(meeting):
        context = {"meeting": meeting, "name": person.name, "when": when_text(meeting), "where": place_text(meeting),
                   "summary": summary(meeting), "campaign": CAMPAIGN, "is_organiser": person.ref == "organiser"}
        text = env.get_template(f"mail/{kind}.txt").render(context)
        html = env.get_template(f"mail/{kind}.html").render(context)
        message = outbox.queue([person.email], subject, text, html, kind=kind,
                               key=f"meeting:{meeting.id}:{meeting.sequence}:{person.ref}",
                               attachments=[attachment], reference=f"meeting:{meeting.id}")
        queued += message is not None
    return queued
