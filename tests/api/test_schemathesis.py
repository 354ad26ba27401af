"""Property-based: every operation of the OpenAPI document, fed generated valid and invalid requests
with an admin and an advisor token, answers without a server error and as documented."""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks
from schemathesis.generation import GenerationMode

from campaign_crm.blueprints.api.openapi import document
from tests.helpers import bearer

EXAMPLES_PER_OPERATION = 20  # 10 operations × 2 tokens × 20: about a minute on SQLite, two on PostgreSQL
CHECKS = [checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
          checks.response_schema_conformance, checks.response_headers_conformance]

schema = schemathesis.openapi.from_dict(document())
schema.config.update(base_url="http://localhost/api/v1")
schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
hypothesis_settings = settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
                               suppress_health_check=list(HealthCheck))


@pytest.fixture
def partner_tokens(app, monkeypatch, factory, make_token, make_lead) -> dict[str, str]:
    """An admin and an advisor token of a partner, with a lead of that partner's advisor to act on."""
    # Hundreds of requests a minute from one token: the rate limit is not what is under test here.
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "100000 per minute")
    partner = factory.partner("Werkcentrum Test")
    advisor = factory.user("advisor", partner_id=partner)
    make_lead("Bouwbedrijf Schemathesis", owner_id=advisor.id)
    return {"admin": make_token("admin", partner), "advisor": make_token("advisor", partner)}


def call_and_check(case, app, token: str) -> None:
    response = case.call(app=app, headers=bearer(token))  # in-process, to the test app
    case.validate_response(response, checks=CHECKS)


@schema.parametrize()
@hypothesis_settings
def test_every_operation_answers_an_admin_token_as_documented_without_a_server_error(case, app, partner_tokens):
    call_and_check(case, app, partner_tokens["admin"])


@schema.parametrize()
@hypothesis_settings
def test_every_operation_answers_an_advisor_token_as_documented_without_a_server_error(case, app, partner_tokens):
    call_and_check(case, app, partner_tokens["advisor"])
