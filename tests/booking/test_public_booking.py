"""The booking step through the public pages: after the campaign form (or an event sign-up that asks to be called)
the thank-you page offers the advisor's free times; booking one shows the confirmation with the reference and the
link; an unknown or expired link is a 404 that stores nothing; a bot's post stores nothing; "Bel mij terug" is
accepted; every post is rate limited."""
from __future__ import annotations

import re
from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import select

from campaign_crm.extensions import db
from campaign_crm.models import Activity, Campaign, Lead, OutboxMessage
from campaign_crm.models.booking import Booking, SlotClaim
from campaign_crm.models.meetings import Meeting
from campaign_crm.services.booking import bookings
from campaign_crm.services.calendar import AMSTERDAM
from campaign_crm.services.capture import events
from tests.helpers import counts, fill_in, hidden_fields, route_everything_to, start_time

ROWS = (Booking, SlotClaim, Meeting, OutboxMessage, Activity)


@pytest.fixture
def anna(app, factory, weekly_hours, campaign):
    team = factory.team("Waterweg")
    person = factory.user("advisor", name="Anna Smit", team_id=team, email="anna@crm.example")
    weekly_hours(person.id, {weekday: [(time(9), time(12))] for weekday in range(5)})
    with app.app_context():
        route_everything_to(team, "Alles naar Waterweg")
        db.session.commit()
    return person


def _thank_you(client, app, **typed) -> str:
    response = client.post("/aanmelden", data=fill_in(client, app, **typed), follow_redirects=True)
    assert response.request.path == "/aanmelden/bedankt"
    return response.get_data(as_text=True)


def _slots(page: str) -> list[str]:
    return re.findall(r'name="slot" id="slot-\w+" value="(\w+)"', page)


def _book(client, app, page: str, slot: str, **typed):
    data = hidden_fields(page) | {"slot": slot, "onderwerp": "", "started": start_time(app)} | typed
    return client.post("/aanmelden/afspraak", data=data)


def test_the_thank_you_page_offers_times_and_booking_one_shows_the_confirmation(client, app, anna):
    page = _thank_you(client, app, phone="010-1234567")
    assert "Plan meteen uw adviesgesprek" in page
    assert "Kanaal" not in page and "Campagnefase" not in page  # no internal labels
    [first, *_] = _slots(page)

    response = _book(client, app, page, first)

    assert response.status_code == 302 and response.headers["Location"] == "/aanmelden/afspraak/bevestigd"
    confirmed = client.get("/aanmelden/afspraak/bevestigd")
    text = confirmed.get_data(as_text=True)
    with app.app_context():
        booking = db.session.scalars(select(Booking)).one()
        assert booking.advisor_id == anna.id and db.session.get(Lead, booking.meeting.lead_id).owner_id == anna.id
        assert f">{booking.reference}<" in text and "Anna Smit" in text and "Telefonisch" in text
        assert "010 123 45 67" in text  # the Werkcentrum's contact details (the setting)
    assert confirmed.headers["Cache-Control"] == "no-store"
    manage = re.search(r'href="(http://localhost/afspraak/[\w-]+)"', text).group(1)
    ics = client.get(re.search(r'href="(/afspraak/[\w-]+/agenda\.ics)"', text).group(1))
    assert ics.status_code == 200 and b"BEGIN:VEVENT" in ics.data
    manage_page = client.get(manage.removeprefix("http://localhost")).get_data(as_text=True)
    assert "Uw adviesgesprek" in manage_page and "Anna Smit" in manage_page
    assert "jan@bakkerij-jansen.nl" not in manage_page and "Bakkerij Jansen" not in manage_page  # that booking only


def test_a_time_taken_meanwhile_answers_in_dutch_and_offers_other_times(client, app, anna):
    page = _thank_you(client, app, phone="010-1234567")
    [first, *_] = _slots(page)
    other = app.test_client()
    other_page = _thank_you(other, app, employer_name="Bouwbedrijf Maas", email="info@maas.example",
                            phone="06 12345678")
    assert _book(other, app, other_page, first).status_code == 302

    response = _book(client, app, page, first)

    assert response.status_code == 409
    text = response.get_data(as_text=True)
    assert "Dit tijdstip is net geboekt" in text and first not in _slots(text) and _slots(text)


@pytest.mark.parametrize("token", ["onbekend", "x" * 43])
def test_an_unknown_link_is_a_404_and_stores_nothing(client, app, anna, token):
    with app.app_context():
        before = counts(ROWS)
    assert client.get(f"/afspraak/{token}").status_code == 404
    assert client.post(f"/afspraak/{token}/annuleren", data={"started": start_time(app)}).status_code == 404
    assert client.post(f"/afspraak/{token}/verplaatsen", data={"started": start_time(app)}).status_code == 404
    with app.app_context():
        assert counts(ROWS) == before


def test_a_link_after_its_meeting_has_ended_is_a_404_and_stores_nothing(client, app, anna, monkeypatch):
    page = _thank_you(client, app, phone="010-1234567")
    _book(client, app, page, _slots(page)[0])
    text = client.get("/aanmelden/afspraak/bevestigd").get_data(as_text=True)
    path = re.search(r'href="http://localhost(/afspraak/[\w-]+)"', text).group(1)
    with app.app_context():
        ended = db.session.scalars(select(Booking)).one().meeting.ends_at + timedelta(minutes=1)
        before = counts(ROWS)
    monkeypatch.setattr(bookings, "utcnow", lambda: ended)

    assert client.get(path).status_code == 404
    assert client.post(path + "/annuleren", data={"started": start_time(app, 3600)}).status_code == 404
    with app.app_context():
        assert counts(ROWS) == before
        assert db.session.scalars(select(Meeting)).one().status == "planned"


def test_a_bot_posting_a_booking_stores_nothing(client, app, anna):
    page = _thank_you(client, app)
    with app.app_context():
        before = counts(ROWS)

    response = _book(client, app, page, _slots(page)[0], onderwerp="Cheap pills")

    assert response.status_code == 302 and response.headers["Location"] == "/aanmelden/bedankt"
    with app.app_context():
        assert counts(ROWS) == before


def test_call_me_back_from_the_thank_you_page(client, app, anna):
    page = _thank_you(client, app)
    data = hidden_fields(page.split('id="terugbellen-kop"')[1]) | {
        "terugbellen-part": "ochtend", "terugbellen-onderwerp": "", "terugbellen-started": start_time(app)}

    response = client.post("/aanmelden/terugbellen", data=data, follow_redirects=True)

    assert "Wij bellen u terug" in response.get_data(as_text=True) and "in de ochtend" in response.get_data(
        as_text=True)
    with app.app_context():
        action = db.session.scalars(select(Activity)).one()
        assert action.actor_id == anna.id and action.next_action == "Werkgever terugbellen (ochtend)"


def test_booking_posts_are_rate_limited_per_address(client, app, anna):
    for _ in range(20):
        client.post("/aanmelden/afspraak", data={"onderwerp": "bot"})
    assert client.post("/aanmelden/afspraak", data={"onderwerp": "bot"}).status_code == 429


def test_an_event_sign_up_that_asks_to_be_called_offers_the_booking_step_too(client, app, anna, campaign):
    with app.app_context():
        event = events.create_event(db.session.get(Campaign, campaign), events.EventInput(
            kind="livestream", title="Livestream werkgevers vertellen",
            starts_at=datetime(2026, 6, 18, 15, 0, tzinfo=AMSTERDAM), ends_at=datetime(2026, 6, 18, 16, 30,
                                                                                       tzinfo=AMSTERDAM),
            phase=None, external_ref="812 3456 7890", registration_open=True), actor=None)
        db.session.commit()
        slug = event.slug
    form = hidden_fields(client.get(f"/livestream/{slug}").get_data(as_text=True)) | {
        "name": "Fatima el Amrani", "organisation": "Zorggroep Maasstad", "email": "f.elamrani@maasstad-zorg.nl",
        "phone": "06 12345678", "call_me": "y", "onderwerp": "", "started": start_time(app)}

    page = client.post(f"/livestream/{slug}", data=form, follow_redirects=True).get_data(as_text=True)

    assert "U bent aangemeld" in page and "Plan meteen uw adviesgesprek" in page
    assert _book(client, app, page, _slots(page)[0]).headers["Location"] == "/aanmelden/afspraak/bevestigd"
    with app.app_context():
        assert db.session.scalars(select(Booking)).one().meeting.lead.employer.name == "Zorggroep Maasstad"
