"""Free times for an adviesgesprek: weekly hours in Amsterdam time, an exception that blocks a date or adds hours, an
absence, a planned meeting with the buffer around it, the minimum notice, and a week in which summer time starts."""
from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from campaign_crm.extensions import db
from campaign_crm.models import Absence
from campaign_crm.models.booking import AvailabilityException, AvailabilityHours
from campaign_crm.models.meetings import Meeting
from campaign_crm.services.booking import slots
from campaign_crm.services.calendar import AMSTERDAM
from tests.helpers import advisor, lead, team

pytestmark = pytest.mark.usefixtures("ctx")

# Thursday 7 January 2027, 15:00 in Rotterdam: the first bookable day is Friday 8 January (the next working day).
NOW = datetime(2027, 1, 7, 15, 0, tzinfo=AMSTERDAM)
MONDAY = date(2027, 1, 11)


def _advisor_with_hours(*blocks: tuple[int, time, time]):
    person = advisor(team("Waterweg"), "Anna Smit")
    for weekday, start, end in blocks:
        db.session.add(AvailabilityHours(user_id=person.id, weekday=weekday, starts_at=start, ends_at=end))
    db.session.flush()
    return person


def _starts_on(found: list[slots.Slot], day: date) -> list[str]:
    return [f"{s.local_start:%H:%M}" for s in found if s.local_start.date() == day]


def test_weekly_hours_give_starts_on_the_hour_and_half_hour_that_fit_the_meeting():
    person = _advisor_with_hours((0, time(9), time(11, 45)))

    found = slots.free_slots([person.id], "phone", now=NOW)

    # 45 minutes by phone: 11:00 still ends by 11:45, 11:30 would not.
    assert _starts_on(found, MONDAY) == ["09:00", "09:30", "10:00", "10:30", "11:00"]
    assert {s.local_start.weekday() for s in found} == {0}  # only Mondays
    assert all(s.ends_at - s.starts_at == slots.meeting_type("phone").length for s in found)
    # A visit at the company takes 60 minutes: 11:00 no longer fits.
    assert _starts_on(slots.free_slots([person.id], "address", now=NOW), MONDAY) == [
        "09:00", "09:30", "10:00", "10:30"]


def test_a_blocked_date_has_no_slots_and_extra_hours_add_slots_on_their_date():
    person = _advisor_with_hours((0, time(9), time(12)))
    saturday = date(2027, 1, 16)
    db.session.add_all([AvailabilityException(user_id=person.id, day=MONDAY, kind="blocked"),
                        AvailabilityException(user_id=person.id, day=saturday, kind="extra", starts_at=time(10),
                                              ends_at=time(11))])
    db.session.flush()

    found = slots.free_slots([person.id], "phone", now=NOW)

    assert _starts_on(found, MONDAY) == []
    assert _starts_on(found, date(2027, 1, 18)) == ["09:00", "09:30", "10:00", "10:30", "11:00"]  # next Monday
    assert _starts_on(found, saturday) == ["10:00"]


def test_an_absence_blocks_every_day_it_covers():
    person = _advisor_with_hours((0, time(9), time(12)))
    db.session.add(Absence(user_id=person.id, starts_on=MONDAY, ends_on=date(2027, 1, 18), reason="vakantie"))
    db.session.flush()

    found = slots.free_slots([person.id], "phone", now=NOW)

    assert _starts_on(found, MONDAY) == [] and _starts_on(found, date(2027, 1, 18)) == []
    assert _starts_on(found, date(2027, 1, 25)) != []


def test_a_planned_meeting_and_the_buffer_around_it_are_not_offered():
    person = _advisor_with_hours((0, time(9), time(12)))
    at = lambda hour, minute=0: datetime.combine(MONDAY, time(hour, minute), AMSTERDAM).astimezone(UTC)  # noqa: E731
    db.session.add(Meeting(uid="vast@test", lead=lead(), organiser=person, kind="bedrijfsbezoek", starts_at=at(10),
                           ends_at=at(10, 30), place_kind="address", place="Havenweg 12", note="", status="planned",
                           outcome="", sequence=0))
    db.session.flush()

    found = slots.free_slots([person.id], "phone", now=NOW)

    # Busy 9:45–10:45 (15 minutes buffer each side): 9:00–9:45 fits before it, 11:00 after it.
    assert _starts_on(found, MONDAY) == ["09:00", "11:00"]


def test_nothing_is_offered_before_the_minimum_notice():
    person = _advisor_with_hours(*[(weekday, time(9), time(17)) for weekday in range(5)])

    found = slots.free_slots([person.id], "phone", now=NOW)

    assert _starts_on(found, date(2027, 1, 7)) == []  # today: hours left, but not bookable
    assert found[0].local_start == datetime(2027, 1, 8, 9, 0, tzinfo=AMSTERDAM)  # from the next working day
    assert found[-1].local_start.date() == date(2027, 1, 28)  # three weeks ahead


def test_hours_are_amsterdam_wall_clock_time_across_the_start_of_summer_time():
    person = _advisor_with_hours((1, time(9), time(10)))  # Tuesdays (Monday 29 March is Easter Monday)

    found = slots.free_slots([person.id], "phone", now=datetime(2027, 3, 19, 12, 0, tzinfo=AMSTERDAM))

    nine = {s.local_start.date(): s for s in found if s.local_start.hour == 9 and s.local_start.minute == 0}
    winter, summer = nine[date(2027, 3, 23)], nine[date(2027, 3, 30)]  # summer time starts Sunday 28 March
    assert winter.starts_at == datetime(2027, 3, 23, 8, 0, tzinfo=UTC)
    assert summer.starts_at == datetime(2027, 3, 30, 7, 0, tzinfo=UTC)
