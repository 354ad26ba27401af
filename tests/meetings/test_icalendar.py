"""The iCalendar of a meeting: it parses, defines Europe/Amsterdam, gives the local time the advisor typed, keeps its
UID across a move with a higher SEQUENCE, and a cancellation is METHOD:CANCEL."""
from __future__ import annotations

from datetime import UTC, datetime

from icalendar import Calendar

from campaign_crm.extensions import db
from campaign_crm.models import User
from campaign_crm.models.meetings import Meeting
from campaign_crm.services.meetings import invitations
from campaign_crm.services.meetings import records as meetings
from tests.helpers import login


def _ics(app, meeting_id: int, method: str = invitations.REQUEST) -> Calendar:
    with app.app_context():
        return Calendar.from_ical(invitations.invitation(db.session.get(Meeting, meeting_id), method))


def _event(calendar: Calendar):
    [event] = calendar.walk("VEVENT")
    return event


def test_an_invitation_parses_and_defines_the_amsterdam_time_zone(app, desk, make_lead, plan):
    calendar = _ics(app, plan(make_lead()))

    assert calendar["METHOD"] == "REQUEST" and calendar["VERSION"] == "2.0"
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Amsterdam"]
    names = {str(part["TZNAME"]) for part in calendar.walk("VTIMEZONE")[0].subcomponents}
    assert names == {"CET", "CEST"}
    assert calendar.get_missing_tzids() == set()


def test_ten_oclock_in_december_is_nine_utc_and_in_june_eight_utc(app, desk, make_lead, plan, moments):
    lead_id = make_lead()
    winter = plan(lead_id)  # 10:00–11:00 on the coming 15 December
    june = moments.day(6)
    summer = plan(lead_id, starts_at=moments.at(june, 10), ends_at=moments.at(june, 11, 30))

    for meeting_id, utc_hour in ((winter, 9), (summer, 8)):
        content = _ics(app, meeting_id).to_ical().decode()
        event = _event(_ics(app, meeting_id))
        start = event["DTSTART"]
        assert start.params["TZID"] == "Europe/Amsterdam" and event["DTEND"].params["TZID"] == "Europe/Amsterdam"
        assert (start.dt.hour, start.dt.minute) == (10, 0)  # the local time as typed
        assert start.dt.astimezone(UTC).hour == utc_hour
        assert "DTSTART;TZID=Europe/Amsterdam:" in content
    assert _event(_ics(app, summer))["DTEND"].dt.strftime("%H:%M") == "11:30"


def test_the_event_names_organiser_and_attendees_with_what_an_invitation_needs(app, desk, make_lead, plan):
    meeting_id = plan(make_lead(), colleague_ids=(desk.mate.id,), note="Graag de vacatureteksten meenemen")
    calendar = _ics(app, meeting_id)
    event = _event(calendar)

    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        assert (str(event["UID"]), event["SEQUENCE"]) == (meeting.uid, 0)
    assert str(event["SUMMARY"]) == "Adviesgesprek Bakkerij Jansen"
    assert str(event["LOCATION"]) == "Coolsingel 40, Rotterdam"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert event["DTSTAMP"].dt.tzinfo is not None
    assert str(event["ORGANIZER"]) == "mailto:olga@schiedam.example"
    assert event["ORGANIZER"].params["CN"] == "Olga Eigenaar"
    attendees = {str(a): a.params for a in event["ATTENDEE"]}
    assert set(attendees) == {"mailto:jan@bakkerij-jansen.example", "mailto:carl@schiedam.example"}
    contact = attendees["mailto:jan@bakkerij-jansen.example"]
    assert (contact["CN"], contact["ROLE"], contact["RSVP"]) == ("Jan Jansen", "REQ-PARTICIPANT", "TRUE")
    description = str(event["DESCRIPTION"])
    assert "Adviesgesprek van Bakkerij Jansen met Olga Eigenaar" in description
    assert "Graag de vacatureteksten meenemen" in description and "olga@schiedam.example" in description


def test_a_video_meeting_carries_its_link_as_location_and_url(app, desk, make_lead, plan):
    meeting_id = plan(make_lead(), kind="videogesprek", place_kind="video", place="https://meet.example.nl/r/abc")
    event = _event(_ics(app, meeting_id))
    assert str(event["URL"]) == "https://meet.example.nl/r/abc"
    assert str(event["LOCATION"]) == "Videogesprek: https://meet.example.nl/r/abc"


def test_a_move_keeps_the_uid_with_a_higher_sequence_and_a_cancellation_is_method_cancel(
        app, desk, make_lead, plan, moments):
    meeting_id = plan(make_lead())
    before = _event(_ics(app, meeting_id))
    day = moments.day(6)
    with app.app_context():
        owner = db.session.get(User, desk.owner.id)
        meetings.move_meeting(db.session.get(Meeting, meeting_id), meetings.MoveInput(
            moments.at(day, 13), moments.at(day, 14), "phone", "010-1234567"), actor=owner)
        db.session.commit()
    moved = _event(_ics(app, meeting_id))
    assert str(moved["UID"]) == str(before["UID"])
    assert moved["SEQUENCE"] > before["SEQUENCE"]
    assert moved["DTSTART"].dt == moments.at(day, 13)
    assert str(moved["LOCATION"]) == "Telefonisch: 010 123 4567"

    with app.app_context():
        meetings.cancel_meeting(db.session.get(Meeting, meeting_id), actor=db.session.get(User, desk.owner.id))
        db.session.commit()
    cancelled = _ics(app, meeting_id, invitations.CANCEL)
    event = _event(cancelled)
    assert cancelled["METHOD"] == "CANCEL" and str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == str(before["UID"]) and event["SEQUENCE"] > moved["SEQUENCE"]


def test_the_meeting_page_offers_its_ics_for_download(app, client, desk, make_lead, plan):
    meeting_id = plan(make_lead())
    login(client, desk.owner)
    page = client.get(f"/afspraken/{meeting_id}").get_data(as_text=True)
    assert f'href="/afspraken/{meeting_id}.ics"' in page

    response = client.get(f"/afspraken/{meeting_id}.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/calendar")
    assert "method=REQUEST" in response.headers["Content-Type"]
    assert f'filename="afspraak-{meeting_id}.ics"' in response.headers["Content-Disposition"]
    event = _event(Calendar.from_ical(response.data))
    assert event["DTSTART"].dt.hour == 10
    assert event["DTSTART"].dt > datetime.now(UTC)
