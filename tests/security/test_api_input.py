"""The API holds a body to the lengths of the web forms and the table columns, to a JSON nesting depth and
to the documented types: anything else is a 422 naming the field, never a 500, and nothing is stored."""
from __future__ import annotations

import json

import pytest

from campaign_crm.blueprints.public.forms import CampaignForm
from campaign_crm.services.capture.public_form import MESSAGE_MAX_LENGTH
from tests.helpers import bearer, counts, nothing_stored

LEAD = {"employer": {"name": "Bouwbedrijf Noord"}, "contact": {"email": "info@bouwnoord.example"}}


def post_lead(client, token, body):
    return client.post("/api/v1/leads", json=body, headers=bearer(token))


def test_the_api_message_limit_is_the_web_forms(app):
    with app.test_request_context():
        form_limit = next(v.max for v in CampaignForm().message.validators if hasattr(v, "max"))
    assert form_limit == MESSAGE_MAX_LENGTH == 4000


@pytest.mark.parametrize("field, body", [
    ("message", {**LEAD, "message": "x" * (MESSAGE_MAX_LENGTH + 1)}),
    ("employer.name", {**LEAD, "employer": {"name": "B" * 201}}),
    ("contact.email", {**LEAD, "contact": {"email": "a" * 250 + "@x.example"}}),
    ("utm.source", {**LEAD, "utm": {"source": "s" * 121}}),
    ("interests", {**LEAD, "interests": ["lks"] * 21}),
])
def test_a_text_longer_than_its_form_or_column_is_refused_naming_the_field(app, client, token, campaign, field, body):
    response = post_lead(client, token, body)

    assert response.status_code == 422
    assert "Hoogstens" in response.get_json()["error"]["fields"][field]
    with app.app_context():
        assert counts() == nothing_stored()


@pytest.mark.parametrize("field, body", [
    ("employer", {**LEAD, "employer": ["Bouwbedrijf Noord"]}),
    ("contact.email", {**LEAD, "contact": {"email": 12345}}),
    ("message", {**LEAD, "message": {"tekst": "hallo"}}),
    ("interests", {**LEAD, "interests": "lks"}),
    ("occurred_at", {**LEAD, "occurred_at": True}),
])
def test_a_value_of_the_wrong_type_is_a_422_naming_the_field(app, client, token, campaign, field, body):
    response = post_lead(client, token, body)

    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]
    with app.app_context():
        assert counts() == nothing_stored()
    assert post_lead(client, token, LEAD).status_code == 201


def test_json_nested_deeper_than_the_limit_is_refused_without_exhausting_the_parser(app, client, token, campaign):
    deep = ('{"employer": {"name": "A"}, "contact": {"email": "a@b.example"}, "utm": '
            + "[" * 100_000 + "]" * 100_000 + "}")

    response = client.post("/api/v1/leads", data=deep, content_type="application/json", headers=bearer(token))

    assert response.status_code == 422
    assert "te diep genest" in response.get_json()["error"]["message"]
    with app.app_context():
        assert counts() == nothing_stored()
    assert post_lead(client, token, LEAD).status_code == 201


def test_a_placement_number_beyond_the_database_range_is_a_422_naming_the_field(app, client, factory, make_token):
    partner = factory.partner()
    body = {"lead_id": 2**40, "candidate_ref": "K-1", "instrument": "lkv", "start_date": "2026-06-01",
            "hours_per_week": 10**12}

    response = client.post("/api/v1/placements", data=json.dumps(body), content_type="application/json",
                           headers=bearer(make_token("advisor", partner)))

    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"lead_id", "hours_per_week"}
