"""On a phone-sized screen: an employer opens an ad's short link, fills in the campaign form, picks a time for an
adviesgesprek and sees the confirmation with its reference. The confirmation reaches a real SMTP server with an .ics
at the right Amsterdam time; the lead is the advisor's and the meeting is in their agenda and calendar feed; moving
it by the link sends an update under the same UID to the employer and the advisor. Every public page passes axe."""
from __future__ import annotations

import re
from datetime import UTC, datetime, time

import pytest
from axe_playwright_python.sync_playwright import Axe
from icalendar import Calendar
from playwright.sync_api import expect
from sqlalchemy import select

from campaign_crm.extensions import db
from campaign_crm.models import Lead, Setting, User
from campaign_crm.models.booking import Booking
from campaign_crm.services.calendar import AMSTERDAM
from campaign_crm.services.meetings import feeds
from tests.helpers import deliver, route_everything_to

pytestmark = pytest.mark.browser

WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
PHONE = {"width": 375, "height": 740}
EMPLOYER = "jan@bakkerij-jansen.nl"
ADVISOR = "anna@crm.example"


def _passes_axe_and_fits(page) -> None:
    results = Axe().run(page, options=WCAG)
    assert results.violations_count == 0, f"{page.url}:\n{results.generate_report()}"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), page.url


def _event(received) -> tuple[str, object]:
    [attachment] = [part for part in received.message.walk() if part.get_content_type() == "text/calendar"]
    calendar = Calendar.from_ical(attachment.get_payload(decode=True))
    [event] = calendar.walk("VEVENT")
    return str(calendar["METHOD"]), event


def _chosen(page) -> datetime:
    value = page.locator("input[name=slot]:checked").get_attribute("value")
    return datetime.strptime(value, "%Y%m%dT%H%MZ").replace(tzinfo=UTC)


def test_an_employer_books_and_moves_an_adviesgesprek_from_an_ad(app, browser, live_server, factory, weekly_hours,
                                                                  ad_code, smtp_server, snap):
    team = factory.team("Waterweg")
    anna = factory.user("advisor", name="Anna Smit", team_id=team, email=ADVISOR)
    weekly_hours(anna.id, {weekday: [(time(9), time(12)), (time(13), time(16))] for weekday in range(5)})
    with app.app_context():
        route_everything_to(team, "Alles naar Waterweg")
        db.session.get(Setting, "form_min_fill_seconds").value = 1  # a person takes longer; the robot does not
        db.session.commit()
    context = browser.new_context(base_url=live_server, viewport=PHONE, locale="nl-NL")
    context.set_default_timeout(10_000)
    page = context.new_page()

    page.goto(f"/a/{ad_code}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Meld uw organisatie aan")
    _passes_axe_and_fits(page)
    page.get_by_label("Naam van uw organisatie").fill("Bakkerij Jansen")
    page.get_by_label("Gemeente van vestiging").select_option(label="Rotterdam")
    page.get_by_label("Uw naam").fill("Jan Jansen")
    page.get_by_label("E-mailadres").fill(EMPLOYER)
    page.get_by_label("Telefoonnummer").fill("010 123 45 67")
    page.get_by_role("checkbox", name=re.compile("toestemming")).check()
    page.wait_for_timeout(1100)
    page.get_by_role("button", name="Verstuur aanmelding").click()

    expect(page.get_by_role("heading", name="Plan meteen uw adviesgesprek")).to_be_visible()
    _passes_axe_and_fits(page)
    snap(page, "times")
    first = page.locator("input[name=slot]").first
    first.focus()
    page.keyboard.press("Space")  # a time is picked by keyboard
    expect(first).to_be_checked()
    booked_at = _chosen(page)
    page.wait_for_timeout(1100)
    page.get_by_role("button", name="Afspraak boeken").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Uw adviesgesprek is geboekt")
    reference = page.locator(".booking-reference").inner_text()
    assert re.fullmatch(r"AG-[2-9A-HJ-NP-Z]{6}", reference)
    expect(page.locator("dl.facts")).to_contain_text("Anna Smit")
    _passes_axe_and_fits(page)
    snap(page, "confirmed")

    received = deliver(app, smtp_server)
    [confirmation] = received[EMPLOYER]
    assert reference in confirmation.subject and reference in confirmation.part("text/plain")
    method, event = _event(confirmation)
    assert method == "REQUEST"
    start = event.decoded("DTSTART")
    assert start.tzinfo is not None and start == booked_at
    assert start.astimezone(AMSTERDAM).strftime("%H:%M") == booked_at.astimezone(AMSTERDAM).strftime("%H:%M")
    uid = str(event["UID"])
    with app.app_context():
        booking = db.session.scalars(select(Booking)).one()
        assert booking.reference == reference
        lead = db.session.get(Lead, booking.meeting.lead_id)
        assert lead.owner_id == anna.id and lead.employer.name == "Bakkerij Jansen"
        feed_secret = feeds.renew(db.session.get(User, anna.id), actor=db.session.get(User, anna.id))
        db.session.commit()
    feed = Calendar.from_ical(page.request.get(f"/agenda/{feed_secret}.ics").body())
    assert [str(e["UID"]) for e in feed.walk("VEVENT")] == [uid]

    advisor_page = browser.new_context(base_url=live_server, viewport=PHONE, locale="nl-NL").new_page()
    advisor_page.goto("/login")
    advisor_page.get_by_label("E-mailadres").fill(anna.email)
    advisor_page.get_by_label("Wachtwoord").fill(anna.password)
    advisor_page.get_by_role("button", name="Inloggen").click()
    advisor_page.goto("/mijn-agenda")
    expect(advisor_page.get_by_role("link", name=re.compile("Adviesgesprek met Bakkerij Jansen"))).to_be_visible()
    advisor_page.context.close()

    # Moving by the link in the mail.
    manage_url = re.search(r"(http://127\.0\.0\.1:\d+/afspraak/[\w-]+)", confirmation.part("text/plain")).group(1)
    smtp_server.handler.received.clear()
    page.goto(manage_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Uw adviesgesprek")
    _passes_axe_and_fits(page)
    later = page.locator("input[name=slot]").nth(3)
    later.check()
    moved_to = _chosen(page)
    page.wait_for_timeout(1100)
    page.get_by_role("button", name="Afspraak verplaatsen").click()
    expect(page.get_by_role("status")).to_contain_text("Uw afspraak is verplaatst")
    _passes_axe_and_fits(page)
    snap(page, "moved")

    received = deliver(app, smtp_server)
    for address in (EMPLOYER, ADVISOR):
        [update] = received[address]
        method, event = _event(update)
        assert method == "REQUEST" and str(event["UID"]) == uid and int(event["SEQUENCE"]) == 1
        assert event.decoded("DTSTART") == moved_to
    context.close()
