"""Admins manage users (capacity, skills, municipalities, absences, backup), partners and teams."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from campaign_crm.extensions import db
from campaign_crm.models import (
    Absence,
    AuditEvent,
    Municipality,
    Partner,
    Sector,
    Team,
    User,
)
from tests.helpers import count, login


def _admin(client, factory):
    admin = factory.user("admin")
    login(client, admin)
    return admin


def test_admin_creates_an_advisor_who_can_then_log_in(app, client, factory):
    _admin(client, factory)
    team_id = factory.team("Waterweg")
    response = client.post("/beheer/gebruikers/nieuw", data={
        "email": "Nieuwe.Adviseur@Test.Example", "name": "Nieuwe Adviseur", "role": "advisor",
        "partner_id": "", "team_id": str(team_id), "capacity": "25", "password": "Start-wachtwoord-99",
    }, follow_redirects=True)
    assert "Gebruiker Nieuwe Adviseur is aangemaakt." in response.get_data(as_text=True)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "nieuwe.adviseur@test.example"))
        assert (user.role, user.capacity, user.team_id) == ("advisor", 25, team_id)
        assert user.password_hash != "Start-wachtwoord-99"
        assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.object_id == user.id)) == "user_created"
    other = app.test_client()
    logged_in = other.post("/login", data={"email": "nieuwe.adviseur@test.example", "password": "Start-wachtwoord-99"})
    assert logged_in.status_code == 302


def test_creating_a_user_with_a_taken_email_or_without_a_team_says_what_is_wrong(app, client, factory):
    admin = _admin(client, factory)
    response = client.post("/beheer/gebruikers/nieuw", data={
        "email": admin.email, "name": "Dubbel", "role": "advisor", "team_id": "", "capacity": "20",
        "password": "Start-wachtwoord-99",
    })
    html = response.get_data(as_text=True)
    assert "Er is al een gebruiker met dit e-mailadres." in html
    assert "Een adviseur of teamleider hoort bij een team." in html
    assert 'aria-invalid="true"' in html
    with app.app_context():
        assert count(User) == 1


def test_admin_sets_capacity_skills_municipalities_and_backup(app, client, factory):
    _admin(client, factory)
    team_id = factory.team()
    advisor = factory.user("advisor", team_id=team_id)
    backup = factory.user("advisor", team_id=team_id)
    with app.app_context():
        zorg = db.session.scalar(select(Sector.id).where(Sector.code == "zorg"))
        techniek = db.session.scalar(select(Sector.id).where(Sector.code == "techniek"))
        schiedam = db.session.scalar(select(Municipality.id).where(Municipality.name == "Schiedam"))
    response = client.post(f"/beheer/gebruikers/{advisor.id}", data={
        "name": "Adviseur Zorg", "role": "advisor", "partner_id": "", "team_id": str(team_id), "capacity": "35",
        "backup_id": str(backup.id), "skills": [str(zorg), str(techniek)], "municipalities": [str(schiedam)],
    }, follow_redirects=True)
    assert "De wijzigingen zijn opgeslagen." in response.get_data(as_text=True)
    with app.app_context():
        user = db.session.get(User, advisor.id)
        assert user.capacity == 35 and user.backup_id == backup.id
        assert sorted(s.code for s in user.skills) == ["techniek", "zorg"]
        assert [m.name for m in user.municipalities] == ["Schiedam"]


def test_capacity_out_of_range_is_refused(app, client, factory):
    _admin(client, factory)
    advisor = factory.user("advisor", capacity=20)
    with app.app_context():
        team_id = db.session.get(User, advisor.id).team_id
    response = client.post(f"/beheer/gebruikers/{advisor.id}", data={
        "name": "X", "role": "advisor", "team_id": str(team_id), "capacity": "-3", "backup_id": "",
    })
    assert "Tussen 0 en 500." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, advisor.id).capacity == 20


def test_absences_are_added_and_removed_and_a_reversed_range_is_refused(app, client, factory):
    _admin(client, factory)
    advisor = factory.user("advisor")
    bad = client.post(f"/beheer/gebruikers/{advisor.id}/afwezigheid", data={
        "absence-starts_on": "2026-12-10", "absence-ends_on": "2026-12-01", "absence-reason": "Vakantie",
    }, follow_redirects=True)
    assert "De einddatum ligt voor de begindatum" in bad.get_data(as_text=True) or \
        "Moet op of na de begindatum liggen." in bad.get_data(as_text=True)
    good = client.post(f"/beheer/gebruikers/{advisor.id}/afwezigheid", data={
        "absence-starts_on": "2026-12-21", "absence-ends_on": "2027-01-03", "absence-reason": "Kerstvakantie",
    }, follow_redirects=True)
    assert "De afwezigheid is toegevoegd." in good.get_data(as_text=True)
    with app.app_context():
        absence = db.session.scalar(select(Absence))
        assert (absence.starts_on, absence.ends_on) == (date(2026, 12, 21), date(2027, 1, 3))
        assert db.session.get(User, advisor.id).is_absent_on(date(2026, 12, 25))
        absence_id = absence.id
    client.post(f"/beheer/afwezigheid/{absence_id}/verwijderen")
    with app.app_context():
        assert count(Absence) == 0


def test_an_admin_cannot_deactivate_themselves(app, client, factory):
    admin = _admin(client, factory)
    response = client.post(f"/beheer/gebruikers/{admin.id}/actief", follow_redirects=True)
    assert "U kunt uw eigen account niet deactiveren." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, admin.id).active


def test_admin_resets_a_password_and_the_user_is_logged_out(app, client, factory):
    _admin(client, factory)
    advisor = factory.user("advisor")
    advisor_client = app.test_client()
    login(advisor_client, advisor)
    response = client.post(f"/beheer/gebruikers/{advisor.id}/wachtwoord",
                           data={"reset-password": "Een-nieuw-wachtwoord"}, follow_redirects=True)
    assert "Het nieuwe wachtwoord is ingesteld" in response.get_data(as_text=True)
    assert advisor_client.get("/").status_code == 302


def test_user_list_filters_by_role_and_search(client, factory):
    _admin(client, factory)
    factory.user("advisor", name="Fatima Bakkali")
    factory.user("management", name="Kees Bos")
    html = client.get("/beheer/gebruikers?role=advisor").get_data(as_text=True)
    assert "Fatima Bakkali" in html and "Kees Bos" not in html
    html = client.get("/beheer/gebruikers?q=bos").get_data(as_text=True)
    assert "Kees Bos" in html and "Fatima Bakkali" not in html


def test_partners_and_teams_are_created_and_names_stay_unique(app, client, factory):
    _admin(client, factory)
    response = client.post("/beheer/partners/nieuw", data={"name": "Gemeente Schiedam", "kind": "gemeente",
                                                           "municipality_id": "", "active": "y"}, follow_redirects=True)
    assert "Partner Gemeente Schiedam is opgeslagen." in response.get_data(as_text=True)
    again = client.post("/beheer/partners/nieuw", data={"name": "gemeente schiedam", "kind": "gemeente", "active": "y"})
    assert "Deze naam bestaat al." in again.get_data(as_text=True)
    response = client.post("/beheer/teams/nieuw", data={"name": "Regionale pool", "description": "Vangnet",
                                                        "is_pool": "y", "active": "y"}, follow_redirects=True)
    assert "Team Regionale pool is opgeslagen." in response.get_data(as_text=True)
    with app.app_context():
        assert count(Partner) == 1
        team = db.session.scalar(select(Team))
        assert team.is_pool and team.description == "Vangnet"


def test_audit_log_lists_changes_for_admins(client, factory):
    _admin(client, factory)
    factory.user("advisor", name="Gelogde Adviseur")
    html = client.get("/beheer/logboek?action=user_created").get_data(as_text=True)
    assert "Gebruiker aangemaakt" in html and "Gebruiker Gelogde Adviseur" in html
    assert "Ingelogd" not in html.split("<tbody>")[1]  # the filter keeps other actions out
