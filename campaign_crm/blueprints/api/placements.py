"""Placement endpoints: register a placement from a lead and end one; with their part of the OpenAPI document.

A placement belongs to the partner of the token that registers it. Tokens see (and may end) only
their own partner's placements (admin tokens all); any other placement answers 404, the same as
one that does not exist. Management tokens get 403: management reads aggregates, never a person.
"""
from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask import g
from sqlalchemy import select

from ...errors import api_error
from ...extensions import db
from ...models import Lead, Placement
from ...models.placements import CONTRACT_TYPES, JOBCOACH_KINDS, LKS_TYPES
from ...models.types import MAX_DB_ID
from ...permissions import visible_leads_clause
from ...services.errors import Conflict, NotFound, ValidationError
from ...services.placements import access as placement_access
from ...services.placements import checkins
from ...services.placements import records as placement_service
from .auth import api_roles
from .blueprint import bp
from .schemas import ApiInputError, iso_time, json_body
from .spec import DATE, common_errors, error_response, json_response

WORK_PLACEMENTS = tuple(sorted(placement_access.WORK_PLACEMENTS))

# Body fields and their JSON types: the contract's fields first, then optional extras.
CREATE_FIELDS: dict[str, str] = {
    "lead_id": "integer", "candidate_ref": "string", "instrument": "string", "lks_type": "string",
    "start_date": "date", "hours_per_week": "integer", "loonwaarde_pct": "integer", "contract_type": "string",
    "jobcoach_org": "integer_or_string",
    "loonwaarde_assessed_on": "date", "loonwaarde_reassess_on": "date", "fixed_term_ends_on": "date",
    "vacancy_id": "integer", "jobcoach_kind": "string", "jobcoach_hours": "integer", "jobcoach_funder": "string",
    "doelgroepregister": "boolean", "lkv_requested_on": "date", "no_riskpolis": "boolean",
}
CREATE_REQUIRED = ("lead_id", "candidate_ref", "instrument", "start_date")
# The longest text each body field may hold (the table's column, or a sensible bound for free text).
MAX_LENGTHS = {"candidate_ref": 60, "instrument": 30, "lks_type": 20, "contract_type": 20, "jobcoach_org": 160,
               "jobcoach_kind": 20, "jobcoach_funder": 120, "end_how": 40, "end_why": 40, "note": 2000}
END_FIELDS: dict[str, str] = {"end_date": "date", "end_how": "string", "end_why": "string", "note": "string"}
TYPE_REASONS = {
    "integer": "Verwacht een geheel getal.",
    "string": "Verwacht tekst (tussen aanhalingstekens).",
    "date": "Verwacht een datum als JJJJ-MM-DD, zoals 2026-06-15.",
    "boolean": "Verwacht true of false.",
    "integer_or_string": "Verwacht het nummer (geheel getal) of de naam (tekst) van de organisatie.",
}
REQUIRED_REASONS = {
    "lead_id": "Geef het nummer van de lead.",
    "candidate_ref": "Geef de referentie uit uw eigen cliëntsysteem.",
    "instrument": "Geef het instrument: lks, loondispensatie, lkv of other.",
    "start_date": "Geef de startdatum.",
}


# --- parsing ----------------------------------------------------------------------------------------

def _value(body: dict, name: str, kind: str, errors: dict[str, str]) -> Any:
    """The value of one body field if it has the right JSON type; None (with an error) otherwise."""
    value = body.get(name)
    if value is None:
        return None
    is_int = isinstance(value, int) and not isinstance(value, bool)
    if is_int and not -MAX_DB_ID <= value <= MAX_DB_ID:
        errors[name] = f"Getal buiten het bereik (hoogstens {MAX_DB_ID})."
        return None
    if isinstance(value, str) and len(value) > MAX_LENGTHS.get(name, 200):
        errors[name] = f"Hoogstens {MAX_LENGTHS.get(name, 200)} tekens."
        return None
    if kind == "integer" and is_int:
        return value
    if kind == "boolean" and isinstance(value, bool):
        return value
    if kind in ("string", "integer_or_string") and isinstance(value, str):
        return value
    if kind == "integer_or_string" and is_int:
        return value
    if kind == "date" and isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            errors[name] = "Deze datum bestaat niet."
            return None
    errors[name] = TYPE_REASONS[kind]
    return None


def _parse(body: Any, allowed: dict[str, str], what: str) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ApiInputError(400, f"Verwacht een JSON-object met {what}.")
    errors = {key: "Onbekend veld. Toegestaan: " + ", ".join(allowed) + "." for key in body if key not in allowed}
    values = {name: _value(body, name, kind, errors) for name, kind in allowed.items()}
    if errors:
        raise ApiInputError(422, f"{what[0].upper()}{what[1:]} is niet opgeslagen; controleer "
                                 + ", ".join(sorted(errors)) + ".", errors)
    return values


# --- the resource -----------------------------------------------------------------------------------

def _iso_date(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def placement_json(placement: Placement) -> dict[str, Any]:
    """A placement as the API shows it (to its own partner only)."""
    why = placement.end_why_code
    return {
        "id": placement.id,
        "reference": placement.reference,
        "partner": {"id": placement.partner.id, "name": placement.partner.name},
        "advisor": {"id": placement.advisor.id, "name": placement.advisor.name} if placement.advisor else None,
        "lead_id": placement.lead_id,
        "employer_id": placement.employer_id,
        "vacancy_id": placement.vacancy_id,
        "candidate_ref": placement.candidate_ref,
        "instrument": placement.instrument,
        "lks_type": placement.lks_type,
        "loonwaarde_pct": placement.loonwaarde_pct,
        "loonwaarde_assessed_on": _iso_date(placement.loonwaarde_assessed_on),
        "loonwaarde_reassess_on": _iso_date(placement.loonwaarde_reassess_on),
        "hours_per_week": placement.hours_per_week,
        "contract_type": placement.contract_type,
        "fixed_term_ends_on": _iso_date(placement.fixed_term_ends_on),
        "start_date": placement.start_date.isoformat(),
        "jobcoach_org": ({"id": placement.jobcoach_org.id, "name": placement.jobcoach_org.name}
                         if placement.jobcoach_org else None),
        "jobcoach_kind": placement.jobcoach_kind,
        "jobcoach_hours": placement.jobcoach_hours,
        "jobcoach_funder": placement.jobcoach_funder,
        "doelgroepregister": placement.doelgroepregister,
        "lkv_deadline": checkins.lkv_deadline(placement.start_date).isoformat(),
        "lkv_requested_on": _iso_date(placement.lkv_requested_on),
        "no_riskpolis": placement.no_riskpolis,
        "end_date": _iso_date(placement.end_date),
        "end_how": placement.end_how,
        "end_why": placement.end_why,
        "end_influenceable": why.influenceable if why is not None else None,
        "previous_placement_id": placement.previous_placement_id,
        "checkins": [{"week": c.week, "due_on": c.due_on.isoformat(), "done_on": _iso_date(c.done_on), "risk": c.risk}
                     for c in placement.checkins],
        "created_at": iso_time(placement.created_at),
    }


# --- endpoints --------------------------------------------------------------------------------------

@bp.post("/placements")
@api_roles(*WORK_PLACEMENTS)
def create_placement():
    token = g.api_actor
    if token.partner_id is None:
        return api_error(403, "Dit token hoort bij geen partner. Een plaatsing is van de partner die plaatst; maak een "
                              "token met --partner.")
    values = _parse(json_body(), CREATE_FIELDS, "de plaatsing")
    missing = {name: REQUIRED_REASONS[name] for name in CREATE_REQUIRED
               if values[name] is None or (isinstance(values[name], str) and not values[name].strip())}
    if missing:
        raise ApiInputError(422, "De plaatsing is niet opgeslagen; controleer " + ", ".join(sorted(missing)) + ".",
                            missing)
    lead = db.session.scalar(select(Lead).where(Lead.id == values["lead_id"], visible_leads_clause(token))
                             .with_for_update().execution_options(populate_existing=True))
    if lead is None:
        return api_error(404, f"Lead {values['lead_id']} bestaat niet, of dit token mag hem niet zien.",
                         fields={"lead_id": "Onbekende lead."})
    data = placement_service.PlacementInput(**{name: values[name] for name in CREATE_FIELDS if name != "lead_id"})
    data.doelgroepregister, data.no_riskpolis = bool(values["doelgroepregister"]), bool(values["no_riskpolis"])
    try:
        placement = placement_service.create_placement(lead, data, actor=token)
        body = placement_json(placement)
        db.session.commit()
    except ValidationError as exc:
        db.session.rollback()
        return api_error(422, exc.message, fields=exc.fields)
    except Conflict as exc:
        db.session.rollback()
        return api_error(409, exc.message, fields=exc.fields)
    return body, 201


@bp.post("/placements/<int:placement_id>/end")
@api_roles(*WORK_PLACEMENTS)
def end_placement(placement_id: int):
    placement = placement_access.visible_placement(placement_id, g.api_actor, lock=True)
    if placement is None:
        return api_error(404, f"Plaatsing {placement_id} bestaat niet, of dit token mag haar niet zien.")
    values = _parse(json_body(), END_FIELDS, "het einde")
    try:
        placement_service.end_placement(placement, end_date=values["end_date"], end_how=values["end_how"],
                                        end_why=values["end_why"], note=values["note"] or "", actor=g.api_actor)
        body = placement_json(placement)
        db.session.commit()
    except ValidationError as exc:
        db.session.rollback()
        fields = {("note" if name == "end_note" else name): reason for name, reason in exc.fields.items()}
        return api_error(422, exc.message, fields=fields)
    except (Conflict, NotFound) as exc:
        db.session.rollback()
        return api_error(409, exc.message)
    return body


# --- OpenAPI ----------------------------------------------------------------------------------------

def _nullable(schema: dict[str, Any], description: str = "") -> dict[str, Any]:
    types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
    result = {**schema, "type": [*types, "null"]}
    if description:
        result["description"] = description
    return result


REF_LINK = {"$ref": "#/components/schemas/Ref"}


def placement_schemas() -> dict[str, Any]:
    """The placement schemas, for `components.schemas` of the OpenAPI document."""
    properties: dict[str, Any] = {
        "id": {"type": "integer"},
        "reference": {"type": "string", "pattern": "^[A-Z0-9]{4,16}$",
                      "description": "Korte referentie die de jobcoach gebruikt om een risico te melden."},
        "partner": {**REF_LINK, "description": "De partner die plaatste en de plaatsing bezit."},
        "advisor": {"oneOf": [{"type": "null"}, REF_LINK]},
        "lead_id": {"type": ["integer", "null"]},
        "employer_id": {"type": "integer"},
        "vacancy_id": {"type": ["integer", "null"]},
        "candidate_ref": {"type": "string", "description": "Pseudoniem uit het cliëntsysteem van de partner."},
        "instrument": {"type": "string"},
        "lks_type": {"enum": [*LKS_TYPES, None]},
        "loonwaarde_pct": {"type": ["integer", "null"], "minimum": 0, "maximum": 100},
        "loonwaarde_assessed_on": _nullable(DATE),
        "loonwaarde_reassess_on": _nullable(DATE),
        "hours_per_week": {"type": ["integer", "null"]},
        "contract_type": {"enum": [*CONTRACT_TYPES, None]},
        "fixed_term_ends_on": _nullable(DATE),
        "start_date": DATE,
        "jobcoach_org": {"oneOf": [{"type": "null"}, REF_LINK]},
        "jobcoach_kind": {"enum": [*JOBCOACH_KINDS, None]},
        "jobcoach_hours": {"type": ["integer", "null"], "description": "Uren per maand."},
        "jobcoach_funder": {"type": ["string", "null"]},
        "doelgroepregister": {"type": "boolean"},
        "lkv_deadline": {**DATE, "description": "Uiterste datum om de doelgroepverklaring (LKV) aan te vragen: "
                                                "start + de instelling lkv_request_months (standaard 3) maanden."},
        "lkv_requested_on": _nullable(DATE),
        "no_riskpolis": {"type": "boolean"},
        "end_date": _nullable(DATE),
        "end_how": {"type": ["string", "null"]},
        "end_why": {"type": ["string", "null"]},
        "end_influenceable": {"type": ["boolean", "null"],
                              "description": "Of de reden (end_why) als beïnvloedbaar telt; null zolang de "
                                             "plaatsing loopt."},
        "previous_placement_id": {"type": ["integer", "null"]},
        "checkins": {"type": "array", "items": {
            "type": "object", "required": ["week", "due_on", "done_on", "risk"], "additionalProperties": False,
            "properties": {"week": {"type": "integer"}, "due_on": DATE, "done_on": _nullable(DATE),
                           "risk": {"enum": ["green", "amber", "red", None]}}}},
        "created_at": {"type": "string", "format": "date-time"},
    }
    text = {"type": ["string", "null"]}
    return {
        "Placement": {"type": "object", "required": list(properties), "additionalProperties": False,
                      "properties": properties},
        "PlacementInput": {
            "type": "object",
            "description": "Een plaatsing vanuit een lead, voor de partner van het token. De lead gaat naar `placed` "
                           "en de check-ins worden gepland (instelling checkin_weeks). Een BSN in `candidate_ref` "
                           "wordt altijd geweigerd.",
            "required": list(CREATE_REQUIRED),
            "additionalProperties": False,
            "properties": {
                "lead_id": {"type": "integer", "minimum": 1},
                "candidate_ref": {"type": "string", "minLength": 1, "maxLength": 60,
                                  "description": "Code uit het eigen cliëntsysteem: letters, cijfers en - . / _, "
                                                 "minstens één cijfer. Nooit een naam of BSN."},
                "instrument": {"type": "string", "description": "lks, loondispensatie, lkv of other."},
                "lks_type": {"enum": [*LKS_TYPES, None], "description": "Verplicht bij lks, en alleen dan."},
                "start_date": DATE,
                "hours_per_week": {"type": ["integer", "null"], "minimum": 1, "maximum": 60},
                "loonwaarde_pct": {"type": ["integer", "null"], "minimum": 0, "maximum": 100,
                                   "description": "Verplicht bij lks."},
                "contract_type": {"enum": [*CONTRACT_TYPES, None]},
                "jobcoach_org": {"type": ["integer", "string", "null"],
                                 "description": "Een jobcoachorganisatie: het nummer, of de naam (hoofdletters tellen "
                                                "niet)."},
                "loonwaarde_assessed_on": _nullable(DATE),
                "loonwaarde_reassess_on": _nullable(DATE),
                "fixed_term_ends_on": _nullable(DATE, "Verplicht bij contract_type fixed_term, en alleen dan."),
                "vacancy_id": {"type": ["integer", "null"], "description": "Een vacature van dezelfde werkgever."},
                "jobcoach_kind": {"enum": [*JOBCOACH_KINDS, None],
                                  "description": "Standaard external als jobcoach_org is gegeven."},
                "jobcoach_hours": {"type": ["integer", "null"], "minimum": 0, "maximum": 40},
                "jobcoach_funder": text,
                "doelgroepregister": {"type": ["boolean", "null"]},
                "lkv_requested_on": _nullable(DATE),
                "no_riskpolis": {"type": ["boolean", "null"]},
            },
        },
        "PlacementEnd": {
            "type": "object",
            "description": "Het einde van een plaatsing: datum (niet voor de start, niet in de toekomst), hoe en "
                           "waarom zijn verplicht.",
            "required": ["end_date", "end_how", "end_why"],
            "additionalProperties": False,
            "properties": {
                "end_date": DATE,
                "end_how": {"type": "string", "description": "fixed_term_not_renewed, trial_period, dismissal, "
                                                             "resignation, mutual_agreement, retirement, death, "
                                                             "other."},
                "end_why": {"type": "string", "description": "health, match, behaviour, employer_economic, "
                                                             "employer_stopped, regular_job, move_personal, guidance, "
                                                             "subsidy_issue, unknown."},
                "note": text,
            },
        },
    }


def placement_paths() -> dict[str, Any]:
    """The placement paths, for `paths` of the OpenAPI document."""
    visibility = ("Een plaatsing is van de partner van het token dat haar registreert. Tokens met rol advisor, "
                  "teamlead of campaign zien en beëindigen alleen de plaatsingen van hun eigen partner, admin-tokens "
                  "alle; een andere plaatsing geeft 404, net als een die niet bestaat. Management-tokens krijgen 403.")
    body_errors = (
        ("400", error_response("De body is geen geldige JSON of geen JSON-object")),
        ("415", error_response("De body is niet als application/json verstuurd")),
    )
    return {
        "/placements": {
            "post": {
                "operationId": "createPlacement",
                "summary": "Een plaatsing registreren vanuit een lead, voor de partner van het token",
                "description": visibility + " De lead moet zichtbaar zijn voor het token (zie de lead-endpoints). "
                               "`jobcoach_org` mag het nummer of de naam van de organisatie zijn.",
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/PlacementInput"}}}},
                "responses": {
                    "201": json_response("Placement", "De nieuwe plaatsing, met de geplande check-ins"),
                    **common_errors(
                        *body_errors,
                        ("403", error_response("De rol van het token mag dit niet (management), of het token hoort bij "
                                       "geen partner")),
                        ("404", error_response("De lead bestaat niet, of dit token mag hem niet zien")),
                        ("409", error_response("De lead is vervallen (lost); er is niets opgeslagen")),
                        ("422", error_response("Ongeldige plaatsing; `fields` noemt elk veld en waarom; er is niets "
                                       "opgeslagen")),
                    ),
                },
            }
        },
        "/placements/{placement_id}/end": {
            "post": {
                "operationId": "endPlacement",
                "summary": "Een plaatsing beëindigen, met hoe en waarom",
                "description": visibility + " Een open risicodossier wordt gesloten.",
                "parameters": [{"name": "placement_id", "in": "path", "required": True,
                                "schema": {"type": "integer", "minimum": 1}}],
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/PlacementEnd"}}}},
                "responses": {
                    "200": json_response("Placement", "De beëindigde plaatsing"),
                    **common_errors(
                        *body_errors,
                        ("404", error_response("Bestaat niet, of is van een andere partner")),
                        ("409", error_response("De plaatsing is al beëindigd; er is niets gewijzigd")),
                        ("422", error_response("Ongeldig einde; `fields` noemt elk veld en waarom; "
                                               "er is niets gewijzigd")),
                    ),
                },
            }
        },
    }
