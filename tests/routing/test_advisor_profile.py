"""Team leads keep their advisors' routing profile and absences up to date; nobody else's."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from campaign_crm.extensions import db
from campaign_crm.models import Absence, Lead, Sector, User
from campaign_crm.services.calendar import today
from tests.helpers import count, intake_lead, login


def test_team_lead_changes_capacity_skills_and_backup_of_own_advisor(app, client, factory):
    team_id = factory.team()
    boss = factory.user("teamlead", team_id=team_id)
    advisor = factory.user("advisor", team_id=team_id, capacity=20)
    backup = factory.user("advisor", team_id=team_id)
    with app.app_context():
        zorg = db.session.scalar(select(Sector.id).where(Sector.code == "zorg"))
    login(client, boss)
    response = client.post(f"/beheer/adviseurs/{advisor.id}", data={
        "capacity": "12", "backup_id": str(backup.id), "skills": [str(zorg)]}, follow_redirects=True)
    assert "De wijzigingen zijn opgeslagen." in response.get_data(as_text=True)
    with app.app_context():
        user = db.session.get(User, advisor.id)
        assert (user.capacity, user.backup_id, [s.code for s in user.skills]) == (12, backup.id, ["zorg"])
        assert user.role == "advisor" and user.team_id == team_id  # the restricted form cannot touch these


def test_team_lead_plans_an_absence_for_own_advisor(app, client, factory):
    team_id = factory.team()
    boss = factory.user("teamlead", team_id=team_id)
    advisor = factory.user("advisor", team_id=team_id)
    login(client, boss)
    start = today() + timedelta(days=10)
    client.post(f"/beheer/gebruikers/{advisor.id}/afwezigheid", data={
        "absence-starts_on": start.isoformat(), "absence-ends_on": (start + timedelta(days=4)).isoformat(),
        "absence-reason": "Vakantie"})
    with app.app_context():
        assert count(Absence, Absence.user_id == advisor.id) == 1


def test_another_teams_advisor_does_not_exist_for_a_team_lead(client, factory):
    boss = factory.user("teamlead", team_id=factory.team())
    stranger = factory.user("advisor", team_id=factory.team())
    login(client, boss)
    assert client.get(f"/beheer/adviseurs/{stranger.id}").status_code == 404
    assert client.post(f"/beheer/gebruikers/{stranger.id}/afwezigheid", data={}).status_code == 404
    assert client.get(f"/beheer/gebruikers/{stranger.id}").status_code == 403  # the full admin page stays admin-only


def test_an_absence_from_today_says_beforehand_and_afterwards_which_leads_go_to_whom(app, client, factory, campaign):
    team_id = factory.team()
    boss = factory.user("teamlead", team_id=team_id)
    backup = factory.user("advisor", team_id=team_id, name="Vera Vervanger", capacity=20)
    advisor = factory.user("advisor", team_id=team_id, name="Olga Eigenaar", capacity=20)
    with app.app_context():
        db.session.get(User, advisor.id).backup_id = backup.id
        lead_ids = [intake_lead(f"Werkgever {n}", f"info@werkgever-{n}.example", owner_id=advisor.id).id
                    for n in range(3)]
        db.session.commit()
    login(client, boss)

    page = client.get(f"/beheer/adviseurs/{advisor.id}").get_data(as_text=True)
    assert "draagt de 3 open leads" in page and "naar de vervanger Vera Vervanger" in page

    response = client.post(f"/beheer/gebruikers/{advisor.id}/afwezigheid", data={
        "absence-starts_on": today().isoformat(), "absence-ends_on": (today() + timedelta(days=3)).isoformat(),
        "absence-reason": "Ziek"}, follow_redirects=True)

    html = response.get_data(as_text=True)
    assert "3 open leads zijn overgedragen:" in html
    for lead_id, n in zip(lead_ids, range(3), strict=True):
        assert f"Lead {lead_id} (Werkgever {n}) → Vera Vervanger" in html
    with app.app_context():
        assert {db.session.get(Lead, lead_id).owner_id for lead_id in lead_ids} == {backup.id}
