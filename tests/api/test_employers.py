"""GET /api/v1/employers: the shared regional employer record."""
from __future__ import annotations

from campaign_crm.extensions import db
from campaign_crm.services.capture.intake import (
    ContactInput,
    EmployerInput,
    TouchpointInput,
    record_touchpoint,
)
from tests.helpers import assert_documented, bearer


def seed_employer(app, name="Bakkerij Jansen", kvk="24123456"):
    with app.app_context():
        record_touchpoint(TouchpointInput(
            employer=EmployerInput(name=name, kvk=kvk, municipality="Vlaardingen", postcode="3131ab", sbi="10.71"),
            contact=ContactInput(name="Petra Jansen", email=f"petra@{name.split()[-1].lower()}.example"),
        ))
        db.session.commit()


def test_employers_are_listed_for_a_working_role_and_match_the_document(app, client, campaign, make_token, document):
    seed_employer(app)
    seed_employer(app, name="Zorggroep De Waterkant", kvk="41234567")
    raw = make_token("advisor")
    response = client.get("/api/v1/employers?kvk=2412 3456", headers=bearer(raw))
    assert response.status_code == 200
    body = assert_documented(document, "get", "/employers", response)
    assert body["total"] == 1
    employer = body["items"][0]
    assert (employer["name"], employer["kvk"], employer["postcode"], employer["municipality"], employer["sector"]) == (
        "Bakkerij Jansen", "24123456", "3131 AB", "Vlaardingen", "techniek")
    everything = client.get("/api/v1/employers?per_page=1&page=2", headers=bearer(raw))
    body = assert_documented(document, "get", "/employers", everything)
    assert (body["total"], len(body["items"]), body["page"]) == (2, 1, 2)


def test_management_tokens_get_no_employer_records(client, make_token, document):
    response = client.get("/api/v1/employers", headers=bearer(make_token("management")))
    assert response.status_code == 403
    assert assert_documented(document, "get", "/employers", response)["error"]["code"] == "forbidden"


def test_a_bad_page_is_400_naming_the_parameter(client, token, document):
    response = client.get("/api/v1/employers?per_page=1000", headers=bearer(token))
    assert response.status_code == 400
    assert assert_documented(document, "get", "/employers", response)["error"]["fields"].keys() == {"per_page"}
