"""Registering a vacancy from a lead (title, sector, hours, suitable for the banenafspraak); it moves
the lead to `vacancy` when the lead is before that stage."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from campaign_crm.extensions import db
from campaign_crm.models import AuditEvent, Lead, LeadStageEvent, Sector, Vacancy
from campaign_crm.services.errors import Conflict
from campaign_crm.services.leads import vacancies
from tests.helpers import count, login


def register(client, lead_id: int, **fields):
    return client.post(f"/leads/{lead_id}/vacature", data={f"vacancy-{k}": v for k, v in fields.items()})


def test_a_registered_vacancy_belongs_to_the_employer_and_moves_the_lead_to_vacancy(app, client, desk, make_lead):
    lead_id = make_lead("Zorgcentrum De Hoven", stage="contacted")
    with app.app_context():
        zorg_id = db.session.scalar(select(Sector.id).where(Sector.code == "zorg"))
    login(client, desk.owner)

    response = register(client, lead_id, title="Medewerker facilitair", sector_id=str(zorg_id), hours_per_week="24",
                        banenafspraak="y")

    assert response.status_code == 302
    with app.app_context():
        vacancy = db.session.scalar(select(Vacancy))
        lead = db.session.get(Lead, lead_id)
        assert (vacancy.employer_id, vacancy.lead_id, vacancy.created_by_id) == (
            lead.employer_id, lead_id, desk.owner.id)
        assert (vacancy.title, vacancy.sector_id, vacancy.hours_per_week, vacancy.banenafspraak, vacancy.status) == (
            "Medewerker facilitair", zorg_id, 24, True, "open")
        assert lead.stage == "vacancy"
        assert lead.meeting_at == lead.vacancy_at == vacancy.created_at  # the skipped meeting gets the same time
        assert lead.events[-1].note == "Vacature geregistreerd: Medewerker facilitair"
        assert count(AuditEvent, AuditEvent.action == "vacancy_registered", AuditEvent.object_id == vacancy.id) == 1
    html = client.get(f"/leads/{lead_id}").get_data(as_text=True)
    assert "De lead staat nu op Vacature." in html
    assert "Vacatures uit deze lead" in html and "24 uur per week · geschikt voor de banenafspraak · Open" in html


def test_a_second_vacancy_on_a_lead_at_vacancy_moves_nothing(app, client, desk, make_lead):
    lead_id = make_lead(stage="vacancy")
    login(client, desk.owner)
    register(client, lead_id, title="Heftruckchauffeur")
    with app.app_context():
        assert count(Vacancy) == 1
        assert db.session.get(Lead, lead_id).stage == "vacancy"
        assert count(LeadStageEvent, LeadStageEvent.lead_id == lead_id) == 2  # from the fixture only


def test_the_sector_defaults_to_the_employers(app, client, desk, make_lead):
    lead_id = make_lead(sector="techniek")
    with app.app_context():
        techniek_id = db.session.scalar(select(Sector.id).where(Sector.code == "techniek"))
    login(client, desk.owner)
    html = client.get(f"/leads/{lead_id}").get_data(as_text=True)
    options = html[html.index('id="vacancy-sector_id"'):]
    assert f'<option selected value="{techniek_id}">' in options[:options.index("</select>")]


@pytest.mark.parametrize(("fields", "message"), [
    ({"title": ""}, "Geef de functie een titel."),
    ({"title": "Kok", "hours_per_week": "0"}, "Tussen 1 en 60 uur per week."),
    ({"title": "Kok", "hours_per_week": "veel"}, "Ongeldig getal"),
    ({"title": "Kok voor kandidaat 111222333"}, "Bevat een BSN-achtig nummer"),
])
def test_a_refused_vacancy_says_why_and_stores_nothing(app, client, desk, make_lead, fields, message):
    lead_id = make_lead()
    login(client, desk.owner)
    response = register(client, lead_id, **fields)
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    with app.app_context():
        assert count(Vacancy) == 0
        assert db.session.get(Lead, lead_id).stage == "assigned"


def test_a_closed_lead_takes_no_vacancy(ctx, app, desk, make_lead):
    lead = db.session.get(Lead, make_lead(stage="lost"))
    with pytest.raises(Conflict):
        vacancies.register_vacancy(lead, vacancies.VacancyInput(title="Kok"), actor=None)
    assert count(Vacancy) == 0
