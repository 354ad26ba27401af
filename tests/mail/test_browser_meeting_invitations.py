"""In a real browser, with the mail going to a real SMTP server: an advisor plans an adviesgesprek with the contact
and a colleague, both receive an invitation whose .ics parses with a calendar library at the right local time; moving
it sends an update under the same UID with a higher SEQUENCE; cancelling sends a CANCEL."""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from playwright.sync_api import expect

from campaign_crm.extensions import db
from campaign_crm.services.calendar import today
from tests.helpers import deliver, intake_lead

pytestmark = pytest.mark.browser

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def _event(received) -> tuple[str, object]:
    """The METHOD and the VEVENT of the .ics attached to a received mail."""
    [attachment] = [part for part in received.message.walk() if part.get_content_type() == "text/calendar"]
    calendar = Calendar.from_ical(attachment.get_payload(decode=True))
    [event] = calendar.walk("VEVENT")
    return str(calendar["METHOD"]), event


def _events_for_both(app, smtp_server) -> list[tuple[str, object]]:
    """Send what is due; the (METHOD, VEVENT) of the one mail each of the contact and the colleague got."""
    smtp_server.handler.received.clear()
    received = deliver(app, smtp_server)
    found = []
    for address in ("mieke@maas.example", "carl@crm.example"):
        [mail] = received[address]
        found.append(_event(mail))
    return found


def _fill_when_and_where(page, day, start: str, end: str, place: str) -> None:
    page.get_by_label("Datum", exact=True).fill(day.isoformat())
    page.get_by_label("Begintijd").fill(start)
    page.get_by_label("Eindtijd").fill(end)
    page.get_by_label("Soort plaats").select_option("address")
    page.get_by_label("Adres, telefoonnummer of videolink").fill(place)


def test_invitation_update_and_cancellation_reach_the_contact_and_the_colleague(app, page, log_in, smtp_server,
                                                                               factory, campaign):
    team = factory.team("Waterweg")
    advisor = factory.user("advisor", name="Anna Smit", team_id=team, email="anna@crm.example")
    factory.user("advisor", name="Carl Collega", team_id=team, email="carl@crm.example")  # the colleague invited
    with app.app_context():
        lead = intake_lead("Bouwbedrijf Maas", "mieke@maas.example", contact_name="Mieke Maas", owner_id=advisor.id,
                           stage="contacted")
        db.session.commit()
        lead_id = lead.id
    day = today() + timedelta(days=8)
    log_in(advisor)

    page.goto(f"/leads/{lead_id}/afspraken/nieuw")
    page.get_by_label("Soort afspraak").select_option("adviesgesprek")
    _fill_when_and_where(page, day, "10:00", "11:30", "Havenweg 12, Schiedam")
    page.get_by_label(re.compile("Carl Collega")).check()
    page.get_by_role("button", name="Afspraak plannen").click()
    expect(page.get_by_role("status")).to_contain_text("Adviesgesprek gepland")

    for method, event in _events_for_both(app, smtp_server):
        assert method == "REQUEST"
        start = event.decoded("DTSTART")
        assert start.tzinfo is not None and start.astimezone(AMSTERDAM).replace(tzinfo=None) == datetime(
            day.year, day.month, day.day, 10, 0)
        assert str(event["LOCATION"]) == "Havenweg 12, Schiedam"
    uid, first_sequence = str(event["UID"]), int(event["SEQUENCE"])

    _fill_when_and_where(page, day + timedelta(days=1), "14:00", "15:00", "Havenweg 12, Schiedam")
    page.get_by_role("button", name="Afspraak verplaatsen").click()
    expect(page.get_by_role("status")).to_be_visible()
    for method, event in _events_for_both(app, smtp_server):
        assert method == "REQUEST" and str(event["UID"]) == uid and int(event["SEQUENCE"]) > first_sequence
        assert event.decoded("DTSTART").astimezone(AMSTERDAM).hour == 14

    page.get_by_role("button", name="Afspraak annuleren").click()
    expect(page.get_by_role("status")).to_be_visible()
    for method, event in _events_for_both(app, smtp_server):
        assert method == "CANCEL" and str(event["UID"]) == uid and str(event["STATUS"]) == "CANCELLED"
