"""Free times for an adviesgesprek: an advisor's weekly hours and exceptions, minus absences, planned meetings (with
the meeting type's buffer on both sides) and the time cells other bookings claimed, from the minimum notice up to a
number of weeks ahead. Hours are wall-clock times in Europe/Amsterdam, so 9:00 stays 9:00 across a change to or
from summer time; the slots themselves are aware UTC moments."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import or_, select

from ...extensions import db
from ...models import Absence, utcnow
from ...models.booking import BLOCKED, EXTRA, AvailabilityException, AvailabilityHours, SlotClaim
from ...models.meetings import PLANNED, Meeting, MeetingAttendee
from .. import reference
from ..calendar import AMSTERDAM, add_working_days, is_working_day

CELL = timedelta(minutes=15)  # what a booking claims in the database, one row per quarter of an hour
STEP = timedelta(minutes=30)  # offered start times lie on the hour and the half hour
PLACE_SETTINGS = {"phone": "booking_phone", "video": "booking_video", "address": "booking_visit"}


@dataclass(frozen=True)
class MeetingType:
    """How long an adviesgesprek of one kind takes, and the pause it needs after (and before) it."""

    place_kind: str
    length: timedelta
    buffer: timedelta


def meeting_type(place_kind: str) -> MeetingType:
    """The length and buffer of an adviesgesprek by phone, video or at the company (settings)."""
    prefix = PLACE_SETTINGS[place_kind]
    return MeetingType(place_kind, timedelta(minutes=int(reference.setting(f"{prefix}_minutes"))),
                       timedelta(minutes=int(reference.setting(f"{prefix}_buffer_minutes"))))


@dataclass(frozen=True)
class Slot:
    advisor_id: int
    starts_at: datetime  # UTC
    ends_at: datetime

    @property
    def local_start(self) -> datetime:
        return self.starts_at.astimezone(AMSTERDAM)


@dataclass(frozen=True)
class Period:
    """The days slots are offered on: from the minimum notice to the last day ahead, both included."""

    first_day: date
    last_day: date


def bookable_period(now: datetime | None = None) -> Period:
    """From the `booking_notice_working_days`-th working day after today up to `booking_weeks_ahead` weeks on."""
    today = (now or utcnow()).astimezone(AMSTERDAM).date()
    notice = int(reference.setting("booking_notice_working_days"))
    first = add_working_days(today, notice) if notice > 0 else today
    return Period(first, today + timedelta(weeks=int(reference.setting("booking_weeks_ahead"))))


def _local(day: date, at) -> datetime:
    return datetime.combine(day, at, tzinfo=AMSTERDAM).astimezone(UTC)


_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def _ceil(moment: datetime, unit: timedelta) -> datetime:
    """The first multiple of `unit` (counted in UTC, so on the hour in Amsterdam too) at or after `moment`."""
    return _EPOCH - ((_EPOCH - moment) // unit) * unit


def claim_cells(starts_at: datetime, ends_at: datetime) -> list[datetime]:
    """The quarters of an hour that [starts_at, ends_at) touches."""
    cell = _EPOCH + ((starts_at - _EPOCH) // CELL) * CELL
    cells = []
    while cell < ends_at:
        cells.append(cell)
        cell += CELL
    return cells


def bookable_hours(advisor_ids: Sequence[int], period: Period) -> dict[int, list[tuple[datetime, datetime]]]:
    """Per advisor the windows they can be booked in: weekly hours on working days, unless the day is blocked or
    they are absent, plus the extra hours of an exception."""
    ids = list(advisor_ids)
    weekly: dict[int, list[AvailabilityHours]] = {i: [] for i in ids}
    for hours in db.session.scalars(select(AvailabilityHours).where(AvailabilityHours.user_id.in_(ids))
                                    .order_by(AvailabilityHours.starts_at)):
        weekly[hours.user_id].append(hours)
    blocked: set[tuple[int, date]] = set()
    extra: dict[tuple[int, date], list[AvailabilityException]] = {}
    for exception in db.session.scalars(select(AvailabilityException).where(
            AvailabilityException.user_id.in_(ids), AvailabilityException.day >= period.first_day,
            AvailabilityException.day <= period.last_day)):
        if exception.kind == BLOCKED:
            blocked.add((exception.user_id, exception.day))
        elif exception.kind == EXTRA:
            extra.setdefault((exception.user_id, exception.day), []).append(exception)
    absences = db.session.execute(select(Absence.user_id, Absence.starts_on, Absence.ends_on).where(
        Absence.user_id.in_(ids), Absence.starts_on <= period.last_day, Absence.ends_on >= period.first_day)).all()

    windows: dict[int, list[tuple[datetime, datetime]]] = {i: [] for i in ids}
    day = period.first_day
    while day <= period.last_day:
        for advisor_id in ids:
            if (advisor_id, day) in blocked or any(a.user_id == advisor_id and a.starts_on <= day <= a.ends_on
                                                   for a in absences):
                continue
            found = []
            if is_working_day(day):
                found += [(_local(day, h.starts_at), _local(day, h.ends_at)) for h in weekly[advisor_id]
                          if h.weekday == day.weekday()]
            found += [(_local(day, e.starts_at), _local(day, e.ends_at)) for e in extra.get((advisor_id, day), [])]
            windows[advisor_id] += sorted(found)
        day += timedelta(days=1)
    return windows


def _busy(advisor_ids: Sequence[int], start: datetime, end: datetime, buffer: timedelta,
          exclude_meeting_id: int | None) -> dict[int, list[tuple[datetime, datetime]]]:
    """Planned meetings each advisor organises or attends as a colleague, widened by the buffer on both sides."""
    ids = list(advisor_ids)
    attends = select(MeetingAttendee.meeting_id, MeetingAttendee.user_id).where(MeetingAttendee.user_id.in_(ids))
    attendance: dict[int, set[int]] = {}
    for meeting_id, user_id in db.session.execute(attends):
        attendance.setdefault(meeting_id, set()).add(user_id)
    query = select(Meeting.id, Meeting.organiser_id, Meeting.starts_at, Meeting.ends_at).where(
        Meeting.status == PLANNED, Meeting.starts_at < end + buffer, Meeting.ends_at > start - buffer,
        or_(Meeting.organiser_id.in_(ids), Meeting.id.in_(list(attendance))))
    if exclude_meeting_id is not None:
        query = query.where(Meeting.id != exclude_meeting_id)
    busy: dict[int, list[tuple[datetime, datetime]]] = {i: [] for i in ids}
    for meeting_id, organiser_id, starts_at, ends_at in db.session.execute(query):
        for person in {organiser_id, *attendance.get(meeting_id, ())} & set(ids):
            busy[person].append((starts_at - buffer, ends_at + buffer))
    return busy


def _claimed(advisor_ids: Sequence[int], start: datetime, end: datetime,
             exclude_booking_id: int | None) -> dict[int, set[datetime]]:
    query = select(SlotClaim.advisor_id, SlotClaim.starts_at).where(
        SlotClaim.advisor_id.in_(list(advisor_ids)), SlotClaim.starts_at >= start - CELL, SlotClaim.starts_at < end)
    if exclude_booking_id is not None:
        query = query.where(SlotClaim.booking_id != exclude_booking_id)
    claimed: dict[int, set[datetime]] = {i: set() for i in advisor_ids}
    for advisor_id, starts_at in db.session.execute(query):
        claimed[advisor_id].add(starts_at)
    return claimed


def free_slots(advisor_ids: Iterable[int], place_kind: str, *, now: datetime | None = None,
               period: Period | None = None, exclude_booking_id: int | None = None,
               exclude_meeting_id: int | None = None) -> list[Slot]:
    """Every free start of an adviesgesprek of this kind for these advisors, soonest first (then in the order of
    `advisor_ids`). A start is free when the meeting fits in a window, keeps the buffer to every planned meeting,
    and none of the cells it would claim (meeting and buffer after it) is taken. `exclude_*` leave a booking's own
    claims and meeting out, for moving it."""
    ids = list(dict.fromkeys(advisor_ids))
    if not ids:
        return []
    now = now or utcnow()
    period = period or bookable_period(now)
    kind = meeting_type(place_kind)
    range_start = _local(period.first_day, datetime.min.time())
    range_end = _local(period.last_day + timedelta(days=1), datetime.min.time())
    windows = bookable_hours(ids, period)
    busy = _busy(ids, range_start, range_end, kind.buffer, exclude_meeting_id)
    claimed = _claimed(ids, range_start, range_end + kind.buffer, exclude_booking_id)
    order = {advisor_id: position for position, advisor_id in enumerate(ids)}
    found: list[Slot] = []
    for advisor_id in ids:
        for window_start, window_end in windows[advisor_id]:
            start = _ceil(window_start, STEP)
            while start + kind.length <= window_end:
                end = start + kind.length
                if (start > now
                        and not any(s < end and e > start for s, e in busy[advisor_id])
                        and not any(cell in claimed[advisor_id] for cell in claim_cells(start, end + kind.buffer))):
                    found.append(Slot(advisor_id, start, end))
                start += STEP
    return sorted(found, key=lambda slot: (slot.starts_at, order[slot.advisor_id]))
