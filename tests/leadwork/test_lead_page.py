"""The lead page: one timeline of everything that happened, links to the employer record, and who may work on it."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from flask import url_for

from campaign_crm.extensions import db
from campaign_crm.models import Activity, Lead, Vacancy
from campaign_crm.services.calendar import AMSTERDAM
from campaign_crm.services.routing import sla
from tests.helpers import login


def timeline_kinds(html: str) -> list[str]:
    section = html[html.index('id="tijdlijn"'):]
    return re.findall(r'<li data-kind="(\w+)">', section)


def test_the_timeline_shows_touchpoints_assignments_activities_vacancies_stages_and_escalations_newest_first(
        app, client, desk, make_lead):
    lead_id = make_lead("Tijdlijn BV", hours_ago=24 * 9)
    with app.app_context():
        sla.sweep(now=datetime.now(UTC) - timedelta(days=1))  # yesterday's sweep found first contact overdue
        db.session.commit()
    login(client, desk.owner)
    client.post(f"/leads/{lead_id}/activiteit", data={
        "activity-kind": "call", "activity-outcome": "Gebeld met de eigenaar",
        "activity-occurred_at": (datetime.now(AMSTERDAM) - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")})
    client.post(f"/leads/{lead_id}/vacature",
                data={"vacancy-title": "Magazijnmedewerker", "vacancy-hours_per_week": "32"})

    html = client.get(f"/leads/{lead_id}").get_data(as_text=True)

    kinds = timeline_kinds(html)
    # Newest first: the vacancy and the stage move it made, the call, then the escalations of the
    # overdue first contact, and at the start the touchpoint, the routing decision and new → assigned.
    assert kinds[:3] == ["stage", "vacancy", "activity"]
    assert kinds[-3:] == ["stage", "assignment", "touchpoint"]
    assert set(kinds[3:-3]) == {"escalation"}
    assert "Gebeld met de eigenaar" in html and "Magazijnmedewerker" in html and "32 uur per week" in html
    assert "Toegewezen → Vacature door Olga Eigenaar: Vacature geregistreerd: Magazijnmedewerker" in html
    assert "Contactmoment:</strong> API via Dagblad" in html


def test_the_lead_page_links_to_the_employer_and_contact_for_editing(app, client, desk, make_lead):
    lead_id = make_lead("Link BV")
    with app.app_context():
        lead = db.session.get(Lead, lead_id)
        with app.test_request_context():
            employer_url = url_for("employers.show_employer", employer_id=lead.employer_id)
            contact_url = url_for("employers.show_contact", contact_id=lead.contact_id)
    login(client, desk.owner)
    html = client.get(f"/leads/{lead_id}").get_data(as_text=True)
    assert f'href="{employer_url}"' in html and f'href="{employer_url}/bewerken"' in html
    assert f'href="{contact_url}/bewerken"' in html


def test_the_owner_sees_the_work_forms(client, desk, make_lead):
    lead_id = make_lead()
    login(client, desk.owner)
    html = client.get(f"/leads/{lead_id}").get_data(as_text=True)
    for form in ("Activiteit vastleggen", "Fase wijzigen", "Vacature registreren"):
        assert form in html


def test_a_colleague_of_the_same_team_reads_the_lead_but_cannot_work_on_it(app, client, desk, make_lead):
    lead_id = make_lead("Collega BV")
    login(client, desk.owner)
    client.post(f"/leads/{lead_id}/activiteit", data={"activity-kind": "note", "activity-outcome": "Eerste notitie"})
    client.post("/logout")
    login(client, desk.colleague)

    html = client.get(f"/leads/{lead_id}").get_data(as_text=True)

    assert "Eerste notitie" in html  # the team sees the lead's work
    assert "Activiteit vastleggen" not in html and "Fase wijzigen" not in html and "Vacature registreren" not in html
    assert "U kunt deze lead inzien" in html
    assert client.post(f"/leads/{lead_id}/activiteit", data={
        "activity-kind": "note", "activity-outcome": "Ik ook"}).status_code == 403
    assert client.post(f"/leads/{lead_id}/fase", data={"stage-to_stage": "contacted"}).status_code == 403
    assert client.post(f"/leads/{lead_id}/vacature", data={"vacancy-title": "Kok"}).status_code == 403
    with app.app_context():
        assert db.session.get(Lead, lead_id).stage == "assigned"
        assert [a.outcome for a in db.session.scalars(db.select(Activity))] == ["Eerste notitie"]
        assert db.session.scalar(db.select(db.func.count(Vacancy.id))) == 0


def test_the_team_lead_may_work_on_the_teams_leads(app, client, desk, make_lead):
    lead_id = make_lead()
    login(client, desk.boss)
    client.post(f"/leads/{lead_id}/fase", data={"stage-to_stage": "contacted"})
    with app.app_context():
        assert db.session.get(Lead, lead_id).stage == "contacted"


def test_an_advisor_of_another_team_gets_404_on_the_page_and_every_action(app, client, factory, desk, make_lead):
    lead_id = make_lead("Geheim BV")
    stranger = factory.user("advisor", team_id=factory.team("Eilanden"))
    login(client, stranger)
    assert client.get(f"/leads/{lead_id}").status_code == 404
    for path, data in (("activiteit", {"activity-kind": "note", "activity-outcome": "x"}),
                       ("fase", {"stage-to_stage": "contacted"}), ("vacature", {"vacancy-title": "Kok"})):
        assert client.post(f"/leads/{lead_id}/{path}", data=data).status_code == 404
    with app.app_context():
        assert db.session.get(Lead, lead_id).stage == "assigned"
        assert db.session.scalar(db.select(db.func.count(Activity.id))) == 0


def test_management_has_no_lead_page(client, factory, make_lead):
    lead_id = make_lead()
    login(client, factory.user("management"))
    assert client.get(f"/leads/{lead_id}").status_code == 403
    assert client.post(f"/leads/{lead_id}/fase", data={"stage-to_stage": "contacted"}).status_code == 403


def test_queue_pages_show_escalated_leads(app, client, desk, make_lead):
    make_lead("Te laat BV", hours_ago=24 * 9)
    with app.app_context():
        sla.sweep()
        db.session.commit()
        assert db.session.scalar(db.select(Lead.escalation_level)) is not None
    login(client, desk.owner)
    for page in ("/leads/mijn", "/leads/te-laat"):
        response = client.get(page)
        assert response.status_code == 200 and "Te laat BV" in response.get_data(as_text=True)
