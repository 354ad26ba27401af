"""The API: bearer tokens, JSON errors only, and an OpenAPI document that real answers match."""
from __future__ import annotations

import jsonschema
import pytest
from referencing import Registry, Resource

from campaign_crm.extensions import db
from campaign_crm.services import auth as auth_service
from campaign_crm.services.intake import ContactInput, EmployerInput, TouchpointInput, record_touchpoint


def make_token(app, role: str = "advisor") -> str:
    with app.app_context():
        _, raw = auth_service.create_api_token(f"token-{role}", role, None)
        db.session.commit()
        return raw


def bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


def validate(document: dict, schema_name: str, instance) -> None:
    """Validate `instance` against a component schema of the OpenAPI document."""
    registry = Registry().with_resource("urn:openapi", Resource.from_contents(
        {"$schema": "https://json-schema.org/draft/2020-12/schema", **document}))
    schema = {"$ref": f"urn:openapi#/components/schemas/{schema_name}"}
    jsonschema.Draft202012Validator(schema, registry=registry).validate(instance)


def seed_employer(app, demo_campaign, name="Bakkerij Jansen", kvk="24123456"):
    with app.app_context():
        record_touchpoint(TouchpointInput(
            employer=EmployerInput(name=name, kvk=kvk, municipality="Vlaardingen", postcode="3131ab", sbi="10.71"),
            contact=ContactInput(name="Petra Jansen", email=f"petra@{name.split()[-1].lower()}.example"),
        ))
        db.session.commit()


@pytest.fixture
def demo_campaign(app):
    from datetime import date

    from campaign_crm.models import Campaign

    with app.app_context():
        db.session.add(Campaign(code="aknp", name="Anders kijken naar personeel", starts_on=date(2026, 5, 11), ends_on=None))
        db.session.commit()


def test_no_token_is_401_in_json(client):
    response = client.get("/api/v1/employers")
    assert response.status_code == 401
    assert response.is_json
    assert response.get_json()["error"]["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_an_unknown_token_is_401(client):
    response = client.get("/api/v1/employers", headers=bearer("crm_made-up"))
    assert response.status_code == 401
    assert "onbekend" in response.get_json()["error"]["message"]


def test_employers_are_listed_for_a_working_role_and_match_the_document(app, client, demo_campaign):
    seed_employer(app, demo_campaign)
    seed_employer(app, demo_campaign, name="Zorggroep De Waterkant", kvk="41234567")
    raw = make_token(app, "advisor")
    response = client.get("/api/v1/employers?kvk=2412 3456", headers=bearer(raw))
    assert response.status_code == 200
    body = response.get_json()
    assert body["total"] == 1
    employer = body["items"][0]
    assert (employer["name"], employer["kvk"], employer["postcode"], employer["municipality"], employer["sector"]) == (
        "Bakkerij Jansen", "24123456", "3131 AB", "Vlaardingen", "techniek")
    document = client.get("/api/v1/openapi.json").get_json()
    validate(document, "EmployerPage", body)
    everything = client.get("/api/v1/employers?per_page=1&page=2", headers=bearer(raw)).get_json()
    assert (everything["total"], len(everything["items"]), everything["page"]) == (2, 1, 2)
    validate(document, "EmployerPage", everything)


def test_management_tokens_get_no_employer_records(app, client):
    response = client.get("/api/v1/employers", headers=bearer(make_token(app, "management")))
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"


def test_error_answers_match_the_documented_error_shape(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    raw = make_token(app)
    for response in (
        client.get("/api/v1/employers"),
        client.get("/api/v1/employers?page=0", headers=bearer(raw)),
        client.get("/api/v1/does-not-exist", headers=bearer(raw)),
        client.delete("/api/v1/employers", headers=bearer(raw)),
    ):
        assert response.is_json, response.status_code
        assert "Traceback" not in response.get_data(as_text=True)
        validate(document, "Error", response.get_json())


def test_openapi_document_describes_the_routes_that_exist(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    api_routes = {rule.rule.removeprefix("/api/v1") for rule in app.url_map.iter_rules()
                  if rule.endpoint.startswith("api.") and rule.endpoint != "api.openapi"}
    assert api_routes == set(document["paths"])


def test_the_api_is_rate_limited_per_token(app, client):
    app.config["API_RATE_LIMIT"] = "3 per minute"
    try:
        raw = make_token(app)
        responses = [client.get("/api/v1/employers", headers=bearer(raw)) for _ in range(4)]
    finally:
        app.config["API_RATE_LIMIT"] = "300 per minute"
    assert [r.status_code for r in responses] == [200, 200, 200, 429]
    assert responses[-1].get_json()["error"]["code"] == "rate_limited"
    assert int(responses[-1].headers["Retry-After"]) > 0
