"""Events (livestreams and meetings of a campaign): the public registration page, the configurable rule
for when a registration starts a lead (asking to be called does), and the campaign team's event pages."""
from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from campaign_crm.extensions import db
from campaign_crm.models import AuditEvent, Event, EventRegistration, Lead, Touchpoint
from campaign_crm.services.calendar import AMSTERDAM
from campaign_crm.services.capture import events
from tests.helpers import count, counts, hidden_fields, login, nothing_stored, start_time

REGISTRANT = {"name": "Fatima el Amrani", "organisation": "Zorggroep Maasstad", "email": "f.elamrani@maasstad-zorg.nl",
              "phone": "", "onderwerp": ""}


def register(client, app, slug: str, kind: str = "livestream", seconds_taken: float | None = 60, **typed):
    page = client.get(f"/{kind}/{slug}")
    assert page.status_code == 200
    data = hidden_fields(page.get_data(as_text=True)) | REGISTRANT
    if seconds_taken is not None:
        data["started"] = start_time(app, seconds_taken)
    data.update(typed)
    return client.post(f"/{kind}/{slug}", data=data)


def test_the_registration_page_shows_the_event_without_login(client, make_event):
    _, slug = make_event(title="Livestream: werkgevers vertellen")

    page = client.get(f"/livestream/{slug}").get_data(as_text=True)

    assert slug == "livestream-werkgevers-vertellen"
    assert "<h1>Livestream: werkgevers vertellen</h1>" in page
    assert "18 juni 2026 15:00 – 16:30" in page
    assert "Wilt u na afloop gebeld worden?" in page


def test_registration_with_call_me_makes_a_lead(client, app, make_event):
    event_id, slug = make_event()

    response = register(client, app, slug, call_me="y", phone="06 12345678")

    assert response.status_code == 302 and response.headers["Location"] == f"/livestream/{slug}/bedankt"
    with app.app_context():
        registration = db.session.scalars(select(EventRegistration)).one()
        assert registration.event_id == event_id and registration.asked_for_contact
        assert registration.email == "f.elamrani@maasstad-zorg.nl" and registration.registered_at is not None
        lead = db.session.scalars(select(Lead)).one()
        assert registration.lead_id == lead.id
        assert (lead.channel.code, lead.phase.code, lead.employer.name) == (
            "livestream", "livestream", "Zorggroep Maasstad")
        assert lead.contact.phone == "+31612345678"
        touchpoint = db.session.scalars(select(Touchpoint)).one()
        assert touchpoint.kind == "livestream_registration" and touchpoint.lead_id == lead.id


def test_registration_without_call_me_and_no_minutes_makes_a_registration_and_touchpoint_but_no_lead(
        client, app, make_event):
    _, slug = make_event()

    assert register(client, app, slug).status_code == 302

    with app.app_context():
        assert counts() == {"employers": 1, "contacts": 1, "leads": 0, "touchpoints": 1}
        registration = db.session.scalars(select(EventRegistration)).one()
        assert not registration.asked_for_contact and registration.minutes_watched == 0 and registration.lead_id is None
        touchpoint = db.session.scalars(select(Touchpoint)).one()
        assert touchpoint.lead_id is None and touchpoint.employer_id == registration.employer_id


def test_with_the_lead_rule_set_to_zero_minutes_every_registration_is_a_lead(client, app, make_event):
    _, slug = make_event()
    with app.app_context():
        events.set_lead_rule(events.LeadRule(min_minutes=0, on_contact_request=True), actor=None)
        db.session.commit()

    register(client, app, slug)

    with app.app_context():
        assert count(Lead) == 1


def test_asking_to_be_called_without_a_phone_number_is_an_error_and_stores_nothing(client, app, make_event):
    _, slug = make_event()

    response = register(client, app, slug, call_me="y", phone="")

    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Vul een telefoonnummer in als u gebeld wilt worden." in page
    assert 'href="#phone"' in page
    with app.app_context():
        assert counts() == nothing_stored()


def test_a_bot_registration_stores_nothing_but_gets_the_usual_thanks(client, app, make_event):
    _, slug = make_event()

    honeypot = register(client, app, slug, onderwerp="http://spam.example")
    too_fast = register(client, app, slug, seconds_taken=None)

    assert honeypot.headers["Location"] == too_fast.headers["Location"] == f"/livestream/{slug}/bedankt"
    with app.app_context():
        assert counts() == nothing_stored()
        assert db.session.scalars(select(EventRegistration)).all() == []


def test_a_closed_event_takes_no_registrations(client, app, make_event):
    _, slug = make_event(registration_open=False)

    response = register(client, app, slug, call_me="y", phone="0612345678")

    assert response.status_code == 200
    assert "Aanmelden voor dit evenement is gesloten." in response.get_data(as_text=True)
    with app.app_context():
        assert counts() == nothing_stored()


def test_meetings_live_under_bijeenkomst_and_unknown_or_mismatched_paths_are_404(client, make_event):
    _, slug = make_event(title="Werkgeversontbijt Schiedam", kind="meeting", phase=None)

    assert client.get(f"/bijeenkomst/{slug}").status_code == 200
    assert client.get(f"/livestream/{slug}").status_code == 404
    assert client.get("/livestream/bestaat-niet").status_code == 404


def test_event_slugs_are_unique(app, make_event):
    _, first = make_event(title="Livestream juni")
    _, second = make_event(title="Livestream juni")

    assert (first, second) == ("livestream-juni", "livestream-juni-2")


# --- the campaign team's event pages ---------------------------------------------------------------

@pytest.fixture
def campaign_team(client, factory):
    who = factory.user("campaign")
    login(client, who)
    return who


def test_the_event_page_lists_registrations_with_attendance_contact_request_and_lead(client, app, factory, make_event):
    event_id, slug = make_event()
    register(client, app, slug, call_me="y", phone="0612345678")
    register(client, app, slug, name="Kees Bakker", organisation="Bakker Techniek", email="kees@bakkertechniek.nl")
    with app.app_context():  # an attendance report (the import) adds minutes to the second registration
        event = db.session.get(Event, event_id)
        from campaign_crm.services.capture.intake import ContactInput, EmployerInput
        events.record_registration(event, employer=EmployerInput(name="Bakker Techniek"), registered_at=None,
                                   contact=ContactInput(email="kees@bakkertechniek.nl"), attended=True,
                                   minutes_watched=12, kind="livestream_attendance")
        db.session.commit()
    who = factory.user("campaign")
    login(client, who)

    page = client.get(f"/campagne/evenementen/{event_id}").get_data(as_text=True)

    assert "Fatima el Amrani" in page and "Zorggroep Maasstad" in page and "Lead #" in page
    assert "Kees Bakker" in page and ">12</td>" in page
    assert f"http://localhost/livestream/{slug}" in page
    with app.app_context():
        read = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "read")).one()
        assert (read.actor_id, read.object_type, read.object_id) == (who.id, "events", event_id)


def test_the_campaign_team_creates_and_edits_an_event_keeping_its_link(client, app, campaign, campaign_team):
    response = client.post(f"/campagne/{campaign}/evenementen/nieuw", data={
        "kind": "livestream", "title": "Livestream Anders kijken", "starts_at": "2026-06-18T15:00",
        "ends_at": "2026-06-18T16:30", "phase_id": "", "external_ref": "812 3456 7890", "slug": "",
        "description": "Werkgevers vertellen over hun ervaring.", "registration_open": "y"})

    assert response.status_code == 302
    with app.app_context():
        event = db.session.scalars(select(Event)).one()
        assert event.slug == "livestream-anders-kijken" and event.external_ref == "812 3456 7890"
        assert event.starts_at == datetime(2026, 6, 18, 15, 0, tzinfo=AMSTERDAM)  # typed as Rotterdam time
        event_id = event.id
    edit_page = client.get(f"/campagne/evenementen/{event_id}/bewerken").get_data(as_text=True)
    assert 'value="2026-06-18T15:00"' in edit_page

    client.post(f"/campagne/evenementen/{event_id}/bewerken", data={
        "kind": "livestream", "title": "Livestream Anders kijken (nieuwe tijd)", "starts_at": "2026-06-18T16:00",
        "ends_at": "", "phase_id": "", "external_ref": "", "slug": "", "description": ""})

    with app.app_context():
        event = db.session.get(Event, event_id)
        assert event.title.endswith("(nieuwe tijd)") and event.slug == "livestream-anders-kijken"
        assert not event.registration_open and event.ends_at is None


def test_an_event_that_ends_before_it_starts_is_refused(client, app, campaign, campaign_team):
    response = client.post(f"/campagne/{campaign}/evenementen/nieuw", data={
        "kind": "livestream", "title": "Livestream", "starts_at": "2026-06-18T15:00", "ends_at": "2026-06-18T14:00"})

    assert "Het einde ligt voor of op het begin." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(Event)).all() == []


def test_the_campaign_team_changes_the_lead_rule(client, app, campaign_team):
    response = client.post("/campagne/leadregel", data={"rule-min_minutes": "45"}, follow_redirects=True)

    assert "De leadregel is opgeslagen." in response.get_data(as_text=True)
    with app.app_context():
        assert events.lead_rule() == events.LeadRule(min_minutes=45, on_contact_request=False)
        assert events.meets_lead_rule(asked_for_contact=True, minutes_watched=44) is False
        assert events.meets_lead_rule(asked_for_contact=False, minutes_watched=45) is True
