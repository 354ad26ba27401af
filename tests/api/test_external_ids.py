"""POST /api/v1/leads: an external_id is unique only within its source (a token's partner; the region's
own admin and campaign tokens without a partner). Another source's equal id is a touchpoint of its own
and never answers with the lead the first source made."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from campaign_crm.extensions import db
from campaign_crm.models import Lead, Touchpoint, User
from campaign_crm.services.leads import lifecycle as lead_service
from tests.helpers import assert_documented, bearer, counts

pytestmark = pytest.mark.usefixtures("campaign")


def body(name: str, email: str, external_id: str = "42", **fields) -> dict:
    return {"employer": {"name": name}, "contact": {"email": email}, "phase": "launch",
            "occurred_at": "2026-05-12T09:30:00+02:00", "external_id": external_id, **fields}


HAVEN = body("Havenbedrijf Botlek", "info@haven-botlek.example", message="Vertrouwelijk: twee lassers gezocht.")
BAKERY = body("Bakkerij Jansen", "petra@bakkerij-jansen.example")


def post(client, token: str, payload: dict):
    return client.post("/api/v1/leads", json=payload, headers=bearer(token))


@pytest.fixture
def partners(factory) -> tuple[int, int]:
    return factory.partner("Werkplein A"), factory.partner("Werkplein B")


@pytest.fixture
def partner_tokens(make_token, partners) -> tuple[str, str]:
    """Advisor tokens of partners A and B."""
    return make_token("advisor", partners[0]), make_token("advisor", partners[1])


@pytest.fixture
def first_lead(app, client, factory, partner_tokens) -> dict:
    """Partner A's lead for Havenbedrijf Botlek under external_id 42, handed to an advisor."""
    response = post(client, partner_tokens[0], HAVEN)
    assert response.status_code == 201
    advisor = factory.user("advisor", name="Anna Achterberg")
    with app.app_context():
        lead = db.session.get(Lead, response.get_json()["id"])
        owner = db.session.get(User, advisor.id)
        lead_service.assign_lead(lead, owner, team=owner.team, reason="test", actor=None, at=lead.created_at)
        db.session.commit()
    return response.get_json()


def test_another_partners_equal_external_id_makes_its_own_lead_201_without_the_first_partners_data(
        app, client, partners, partner_tokens, first_lead, document):
    response = post(client, partner_tokens[1], BAKERY)

    assert response.status_code == 201
    answer = assert_documented(document, "post", "/leads", response)
    assert answer["id"] != first_lead["id"] and answer["employer_id"] != first_lead["employer_id"]
    assert (answer["stage"], answer["assigned_to"], answer["external_id"]) == ("new", None, "42")
    text = response.get_data(as_text=True)
    assert "Anna Achterberg" not in text and "Havenbedrijf" not in text and "lassers" not in text
    with app.app_context():
        assert counts() == {"employers": 2, "contacts": 2, "leads": 2, "touchpoints": 2}
        assert sorted(db.session.execute(select(Touchpoint.external_source, Touchpoint.external_id)).tuples()) == [
            (f"partner:{partners[0]}", "42"), (f"partner:{partners[1]}", "42")]


def test_another_partners_equal_external_id_for_the_same_employer_attaches_by_the_employer_rule(
        app, client, partner_tokens, first_lead, document):
    response = post(client, partner_tokens[1], body("Havenbedrijf Botlek", "info@haven-botlek.example"))

    assert response.status_code == 200
    answer = assert_documented(document, "post", "/leads", response)
    assert answer["attached"] is True, "recorded as a touchpoint of its own, not answered as a replay"
    assert answer["id"] == first_lead["id"]
    with app.app_context():
        assert counts() == {"employers": 1, "contacts": 1, "leads": 1, "touchpoints": 2}


def test_a_partner_replaying_its_own_external_id_from_any_of_its_tokens_gets_its_lead_200_and_nothing_is_added(
        app, client, make_token, partners, partner_tokens, first_lead, document):
    mine = post(client, partner_tokens[1], BAKERY).get_json()
    with app.app_context():
        before = counts()
    new_token_of_b = make_token("teamlead", partners[1])

    for token in (partner_tokens[1], new_token_of_b):
        response = post(client, token, body("Iets Heel Anders", "ander@elders.example"))
        assert response.status_code == 200
        answer = assert_documented(document, "post", "/leads", response)
        assert (answer["id"], answer["attached"]) == (mine["id"], False)
    with app.app_context():
        assert counts() == before


def test_admin_and_campaign_tokens_without_a_partner_are_one_source_and_other_tokens_are_not_part_of_it(
        app, client, make_token):
    campaign_lead = post(client, make_token("campaign"), HAVEN).get_json()
    with app.app_context():
        before = counts()

    replay = post(client, make_token("admin"), BAKERY)
    assert (replay.status_code, replay.get_json()["id"]) == (200, campaign_lead["id"])
    with app.app_context():
        assert counts() == before

    own_source = post(client, make_token("advisor"), BAKERY)
    assert own_source.status_code == 201 and own_source.get_json()["id"] != campaign_lead["id"]
