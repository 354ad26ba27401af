"""Who may set an employer's account manager (who gets its next leads first): a team lead within their
own team, the campaign team and admins; advisors see it read-only. Every change is audited old → new."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import select

from campaign_crm.extensions import db
from campaign_crm.models import AuditEvent, Employer, User
from campaign_crm.permissions import can_set_account_manager
from campaign_crm.services.employers.records import EmployerChanges, update_employer
from campaign_crm.services.errors import ValidationError
from tests.helpers import employer_form, login, touchpoint


@pytest.fixture
def teams(factory) -> dict:
    """Team Noord (a lead and two advisors) and team Zuid (one advisor)."""
    noord, zuid = factory.team("Noord"), factory.team("Zuid")
    return {
        "noord_team": noord, "zuid_team": zuid,
        "lead": factory.user("teamlead", name="Tineke Teamleider", team_id=noord),
        "noord_1": factory.user("advisor", name="Nadia Noord", team_id=noord),
        "noord_2": factory.user("advisor", name="Niels Noord", team_id=noord),
        "zuid": factory.user("advisor", name="Zeynep Zuid", team_id=zuid),
    }


@pytest.fixture
def bakery(record, in_app, teams) -> int:
    """An employer whose account manager is Nadia Noord; returns its id."""
    employer_id = record(touchpoint(kvk="24123456", postcode="3011 AB")).employer_id

    def set_manager():
        employer = db.session.get(Employer, employer_id)
        update_employer(employer, EmployerChanges(name=employer.name, kvk="24123456", postcode="3011 AB",
                                                  account_manager_id=teams["noord_1"].id), actor=None)
        db.session.commit()

    in_app(set_manager)
    return employer_id


def manager_of(in_app, employer_id: int) -> int | None:
    return in_app(lambda: db.session.get(Employer, employer_id).account_manager_id)


def manager_changes(in_app) -> list:
    return in_app(lambda: [detail["account_manager"] for detail in db.session.scalars(
        select(AuditEvent.detail).where(AuditEvent.action == "employer_updated").order_by(AuditEvent.id))
        if "account_manager" in detail])


def edit(client, employer_id: int, **fields):
    return client.post(f"/werkgevers/{employer_id}/bewerken", data=employer_form(**fields))


def test_an_advisor_sees_the_account_manager_read_only(client, teams, bakery):
    login(client, teams["noord_2"])

    html = client.get(f"/werkgevers/{bakery}/bewerken").get_data(as_text=True)

    assert 'name="account_manager_id"' not in html
    assert "Nadia Noord" in html


@pytest.mark.parametrize("advisor", ["noord_2", "zuid"])
def test_an_advisor_posting_an_account_manager_changes_nothing_not_even_to_themselves(
        client, in_app, teams, bakery, advisor):
    login(client, teams[advisor])

    response = edit(client, bakery, account_manager_id=str(teams[advisor].id), website="https://jansen.example")

    assert response.status_code == 302  # the rest of the edit is saved
    assert manager_of(in_app, bakery) == teams["noord_1"].id
    assert in_app(lambda: db.session.get(Employer, bakery).website) == "https://jansen.example"
    assert manager_changes(in_app) == [[None, "Nadia Noord"]]  # only the fixture's own change


def test_an_advisor_cannot_take_an_employer_without_an_account_manager(client, in_app, record, teams):
    employer_id = record(touchpoint("Hotel De Maas", email="info@hoteldemaas.example")).employer_id
    login(client, teams["zuid"])

    edit(client, employer_id, name="Hotel De Maas", kvk="", postcode="", account_manager_id=str(teams["zuid"].id))

    assert manager_of(in_app, employer_id) is None


def test_a_team_lead_moves_the_account_manager_within_the_own_team_and_it_is_audited_old_to_new(
        client, in_app, teams, bakery):
    login(client, teams["lead"])
    html = client.get(f"/werkgevers/{bakery}/bewerken").get_data(as_text=True)
    assert "Niels Noord" in html and "Zeynep Zuid" not in html  # only the own team to choose from

    response = edit(client, bakery, account_manager_id=str(teams["noord_2"].id))

    assert response.status_code == 302
    assert manager_of(in_app, bakery) == teams["noord_2"].id
    assert manager_changes(in_app)[-1] == ["Nadia Noord", "Niels Noord"]


def test_a_team_lead_cannot_give_an_employer_to_another_teams_advisor(client, in_app, teams, bakery):
    login(client, teams["lead"])

    response = edit(client, bakery, account_manager_id=str(teams["zuid"].id))

    assert response.status_code == 200
    assert manager_of(in_app, bakery) == teams["noord_1"].id
    assert len(manager_changes(in_app)) == 1


def test_a_team_lead_cannot_take_an_employer_from_another_team(client, in_app, factory, teams, bakery):
    login(client, factory.user("teamlead", name="Zoë Zuidleider", team_id=teams["zuid_team"]))

    html = client.get(f"/werkgevers/{bakery}/bewerken").get_data(as_text=True)
    edit(client, bakery, account_manager_id="")

    assert 'name="account_manager_id"' not in html
    assert manager_of(in_app, bakery) == teams["noord_1"].id


@pytest.mark.parametrize("role", ["campaign", "admin"])
def test_the_campaign_team_and_admins_set_any_advisor_and_it_is_audited(client, in_app, factory, teams, bakery, role):
    login(client, factory.user(role))

    response = edit(client, bakery, account_manager_id=str(teams["zuid"].id))

    assert response.status_code == 302
    assert manager_of(in_app, bakery) == teams["zuid"].id
    assert manager_changes(in_app)[-1] == ["Nadia Noord", "Zeynep Zuid"]


def test_the_service_refuses_an_account_manager_the_actor_may_not_set(in_app, teams, bakery):
    def as_advisor():
        employer = db.session.get(Employer, bakery)
        advisor = db.session.get(User, teams["zuid"].id)
        with pytest.raises(ValidationError) as refused:
            update_employer(employer, EmployerChanges(name=employer.name, kvk="24123456", postcode="3011 AB",
                                                      account_manager_id=advisor.id), actor=advisor)
        db.session.rollback()
        return refused.value.fields

    assert "account_manager_id" in in_app(as_advisor)
    assert manager_of(in_app, bakery) == teams["noord_1"].id


def member(role: str, team_id: int | None) -> SimpleNamespace:
    return SimpleNamespace(role=role, team_id=team_id)


@pytest.mark.parametrize("user, current, new, allowed", [
    (member("admin", None), member("advisor", 2), member("advisor", 3), True),
    (member("campaign", None), None, member("advisor", 3), True),
    (member("teamlead", 1), None, member("advisor", 1), True),
    (member("teamlead", 1), member("advisor", 1), None, True),
    (member("teamlead", 1), member("advisor", 1), member("teamlead", 1), True),
    (member("teamlead", 1), member("advisor", 1), member("advisor", 2), False),
    (member("teamlead", 1), member("advisor", 2), member("advisor", 1), False),
    (member("teamlead", 1), member("advisor", 2), None, False),
    (member("teamlead", None), None, member("advisor", None), False),
    (member("advisor", 1), None, member("advisor", 1), False),
    (member("management", None), None, member("advisor", 1), False),
])
def test_the_account_manager_rule(user, current, new, allowed):
    assert can_set_account_manager(user, SimpleNamespace(account_manager=current), new) is allowed
