"""API test helpers: tokens, leads made through the services, and checks against the OpenAPI document."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import jsonschema
import pytest
from referencing import Registry, Resource
from sqlalchemy import func, select

from campaign_crm.extensions import db
from campaign_crm.models import Contact, Employer, Lead, Partner, Touchpoint, User
from campaign_crm.services.accounts import auth as auth_service
from campaign_crm.services.capture.intake import (
    ContactInput,
    EmployerInput,
    TouchpointInput,
    record_touchpoint,
)
from campaign_crm.services.leads import lifecycle as lead_service


def bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


def _validator(document: dict, schema: dict) -> jsonschema.Draft202012Validator:
    registry = Registry().with_resource("urn:openapi", Resource.from_contents(
        {"$schema": "https://json-schema.org/draft/2020-12/schema", **document}))
    return jsonschema.Draft202012Validator(schema, registry=registry)


def validate(document: dict, schema_name: str, instance) -> None:
    """Validate `instance` against a component schema of the OpenAPI document."""
    _validator(document, {"$ref": f"urn:openapi#/components/schemas/{schema_name}"}).validate(instance)


def is_valid(document: dict, schema_name: str, instance) -> bool:
    return _validator(document, {"$ref": f"urn:openapi#/components/schemas/{schema_name}"}).is_valid(instance)


def assert_documented(document: dict, method: str, path: str, response) -> dict:
    """The response's status is documented for this operation, and its body and headers match; returns the body."""
    operation = document["paths"][path][method.lower()]
    documented = operation["responses"].get(str(response.status_code))
    assert documented is not None, f"{method} {path} answered {response.status_code}, which is not documented"
    assert response.is_json, response.get_data(as_text=True)[:200]
    body = response.get_json()
    ref = documented["content"]["application/json"]["schema"]["$ref"].replace("#", "urn:openapi#", 1)
    _validator(document, {"$ref": ref}).validate(body)
    for name, header in documented.get("headers", {}).items():
        assert name in response.headers, f"header {name} documented but not sent"
        jsonschema.validate(response.headers[name], header["schema"])
    return body


@pytest.fixture
def document(client) -> dict:
    return client.get("/api/v1/openapi.json").get_json()


@pytest.fixture
def make_token(app) -> Callable[..., str]:
    """make_token(role="campaign", partner_id=None) -> the raw bearer value of a new token."""
    made = []

    def make(role: str = "campaign", partner_id: int | None = None) -> str:
        with app.app_context():
            partner = db.session.get(Partner, partner_id) if partner_id else None
            _, raw = auth_service.create_api_token(f"token-{role}-{len(made)}", role, partner)
            db.session.commit()
        made.append(raw)
        return raw

    return make


@pytest.fixture
def token(make_token) -> str:
    """A campaign-team token: it may create and read every lead."""
    return make_token("campaign")


@pytest.fixture
def make_lead(app, campaign) -> Callable[..., int]:
    """make_lead(name, owner_id=None, stage=None, channel=None, phase=None, occurred_at=None, ...) -> lead id.

    Made through the intake, then assigned and moved on through the lead service, as the app does.
    """
    made = []

    def make(name: str | None = None, *, owner_id: int | None = None, stage: str | None = None,
             channel: str | None = None, phase: str | None = None, occurred_at: datetime | None = None,
             interests: tuple[str, ...] = (), external_id: str | None = None) -> int:
        made.append(name)
        name = name or f"Werkgever {len(made)}"
        with app.app_context():
            result = record_touchpoint(TouchpointInput(
                employer=EmployerInput(name=name),
                contact=ContactInput(name="Contact", email=f"info@werkgever-{len(made)}.example"),
                channel=channel, phase=phase, occurred_at=occurred_at, interests=list(interests),
                external_id=external_id, external_source="region" if external_id else None,
            ))
            lead = result.lead
            if owner_id is not None:
                owner = db.session.get(User, owner_id)
                lead_service.assign_lead(lead, owner, team=None, reason="test", actor=None, at=lead.created_at)
            if stage and stage != lead.stage:
                lead_service.change_stage(lead, stage, actor=None, at=lead.created_at,
                                          lost_reason="unreachable" if stage == "lost" else None)
            db.session.commit()
            return lead.id

    return make


def counts(app) -> dict[str, int]:
    """How many employers, contacts, leads and touchpoints the database holds."""
    with app.app_context():
        return {model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
                for model in (Employer, Contact, Lead, Touchpoint)}
