"""API endpoints; each parses, calls a service and returns JSON. A request commits once, or not at all."""
from __future__ import annotations

from flask import g, request, url_for
from sqlalchemy.exc import IntegrityError

from ...errors import api_error
from ...extensions import db
from ...models import Lead
from ...permissions import WORK_LEADS
from ...services import normalise
from ...services.capture.intake import (
    IntakeResult,
    TouchpointInput,
    record_touchpoint,
    token_source,
)
from ...services.employers import records as employer_service
from ...services.errors import Conflict, ValidationError
from ...services.leads import lifecycle as lead_service
from ...services.leads import queries as lead_queries
from .access import CREATE_LEADS, READ_LEADS, token_leads_clause
from .auth import api_roles
from .blueprint import bp
from .openapi import document
from .schemas import (
    ApiInputError,
    employer_json,
    intake_json,
    json_body,
    lead_filters,
    lead_json,
    page_args,
    stage_change_from_json,
    touchpoint_from_json,
)


@bp.errorhandler(ApiInputError)
def refuse_input(exc: ApiInputError):
    return api_error(exc.status, exc.message, fields=exc.fields)


@bp.get("/openapi.json")
def openapi():
    return document()


@bp.get("/employers")
@api_roles(*WORK_LEADS)
def list_employers():
    page, per_page = page_args()
    query = employer_service.search(q=request.args.get("q", ""), kvk=request.args.get("kvk", ""))
    result = db.paginate(query, page=page, per_page=per_page, error_out=False, count=True)
    return {
        "items": [employer_json(e) for e in result.items],
        "page": page, "per_page": per_page, "total": result.total,
    }


@bp.post("/leads")
@api_roles(*CREATE_LEADS)
def create_lead():
    data = touchpoint_from_json(json_body(), source=token_source(g.api_actor))
    try:
        result, body = _record_and_commit(data)
    except ValidationError as exc:
        db.session.rollback()
        return api_error(422, exc.message, fields=_field_reasons(exc.fields, data))
    except Conflict as exc:
        db.session.rollback()
        return api_error(409, exc.message, fields=exc.fields)
    if result.created:
        return body, 201, {"Location": url_for("api.get_lead", lead_id=body["id"])}
    return body, 200


@bp.get("/leads")
@api_roles(*READ_LEADS)
def list_leads():
    page, per_page = page_args()
    try:
        query = lead_queries.lead_list(token_leads_clause(g.api_actor), lead_filters())
    except ValidationError as exc:
        raise ApiInputError(400, exc.message, exc.fields) from None
    result = db.paginate(query, page=page, per_page=per_page, error_out=False, count=True)
    return {
        "items": [lead_json(lead) for lead in result.items],
        "page": page, "per_page": per_page, "total": result.total,
    }


@bp.get("/leads/<int:lead_id>")
@api_roles(*READ_LEADS)
def get_lead(lead_id: int):
    lead = lead_queries.visible_lead(lead_id, token_leads_clause(g.api_actor))
    if lead is None:
        return api_error(404, f"Lead {lead_id} bestaat niet, of dit token mag hem niet zien.")
    return lead_json(lead)


@bp.post("/leads/<int:lead_id>/stage")
@api_roles(*WORK_LEADS)
def change_lead_stage(lead_id: int):
    """Move a lead forward, or to lost with a reason; the token acts on the leads it may read."""
    lead = lead_queries.visible_lead(lead_id, token_leads_clause(g.api_actor))
    if lead is None:
        return api_error(404, f"Lead {lead_id} bestaat niet, of dit token mag hem niet zien.")
    data = stage_change_from_json(json_body())
    # A parallel move of the same lead waits for this one, then sees it (PostgreSQL; SQLite serialises writers).
    lead = db.session.get(Lead, lead.id, with_for_update=True, populate_existing=True)
    try:
        lead_service.change_stage(lead, data.stage, actor=None, at=data.at, lost_reason=data.lost_reason,
                                  note=f"Via API-token {g.api_actor.name}")
    except ValidationError as exc:
        db.session.rollback()
        return api_error(422, exc.message, fields=exc.fields)
    except Conflict as exc:
        db.session.rollback()
        return api_error(409, exc.message, fields=exc.fields)
    db.session.flush()
    body = lead_json(lead)
    db.session.commit()
    return body


def _record_and_commit(data: TouchpointInput) -> tuple[IntakeResult, dict]:
    """Run the intake and commit once; the answer is built before the commit, so it never half-exists.

    A parallel request with the same external_id from the same source (or the same new employer) can
    win the race to a unique key; the intake then runs once more, and finds what the other request stored.
    """
    try:
        return _record_once(data)
    except IntegrityError:
        db.session.rollback()
    try:
        return _record_once(data)
    except IntegrityError:
        raise Conflict("Een gelijktijdige aanmelding botste met deze; probeer het opnieuw.") from None


def _record_once(data: TouchpointInput) -> tuple[IntakeResult, dict]:
    result = record_touchpoint(data)
    if result.lead is None:
        raise Conflict("Dit external_id is al gebruikt voor een contactmoment zonder lead.",
                       {"external_id": "Al gebruikt; kies een nieuw external_id."})
    body = intake_json(result)
    db.session.commit()
    return result, body


def _field_reasons(fields: dict[str, str], data: TouchpointInput) -> dict[str, str]:
    """The intake's field errors; when no way to reach the contact works, also why each given one failed."""
    reasons = dict(fields)
    if "contact" in reasons:
        for key, value, check in (("contact.email", data.contact.email, normalise.email),
                                  ("contact.phone", data.contact.phone, normalise.phone)):
            if value and value.strip():
                try:
                    check(value, key)
                except ValidationError as exc:
                    reasons.update(exc.fields)
    return reasons
