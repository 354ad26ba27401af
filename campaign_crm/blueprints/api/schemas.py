"""JSON shapes of API resources, and parsing of request bodies and query arguments.

Times go out in UTC with a `Z` (`2026-06-12T08:00:00Z`, whole seconds); times coming in are
ISO 8601, and one without an offset is read as Europe/Amsterdam.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import request
from werkzeug.exceptions import BadRequest

from ...models import LOST, STAGES, Employer, Lead
from ...services.calendar import AMSTERDAM
from ...services.capture.intake import (
    ContactInput,
    EmployerInput,
    IntakeResult,
    TouchpointInput,
)
from ...services.capture.public_form import MESSAGE_MAX_LENGTH
from ...services.leads.queries import LeadFilters

MAX_PER_PAGE = 200
MAX_PAGE = 1_000_000  # keeps the OFFSET within what the database accepts
DEFAULT_PER_PAGE = 50

TOUCHPOINT_FIELDS = ("employer", "contact", "campaign", "channel", "phase", "ad_code", "utm", "interests", "message",
                     "occurred_at", "external_id")
EMPLOYER_FIELDS = ("name", "kvk", "vestigingsnummer", "municipality", "sector", "sbi", "size", "postcode", "website")
CONTACT_FIELDS = ("name", "function", "email", "phone")
UTM_FIELDS = ("source", "medium", "campaign", "content", "term")
TEXT_FIELDS = ("campaign", "channel", "phase", "ad_code", "message", "external_id")
# The longest text each body field may hold: what the web forms and the table columns allow.
MAX_LENGTHS = {
    "employer.name": 200, "employer.kvk": 20, "employer.vestigingsnummer": 20, "employer.municipality": 80,
    "employer.sector": 40, "employer.sbi": 20, "employer.size": 20, "employer.postcode": 10, "employer.website": 200,
    "contact.name": 160, "contact.function": 120, "contact.email": 254, "contact.phone": 40,
    "utm.source": 120, "utm.medium": 120, "utm.campaign": 200, "utm.content": 200, "utm.term": 200,
    "campaign": 40, "channel": 40, "phase": 40, "ad_code": 40, "message": MESSAGE_MAX_LENGTH, "external_id": 120,
    "occurred_at": 40, "stage": 20, "lost_reason": 40, "at": 40,
}
MAX_INTERESTS = 20


class ApiInputError(Exception):
    """A request the API refuses as sent: the status, a Dutch message and the reason per field."""

    def __init__(self, status: int, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.fields = fields or {}


# --- times ------------------------------------------------------------------------------------------

def iso_time(value: datetime | None) -> str | None:
    """A stored (UTC) time as ISO 8601 in UTC with a `Z`, to the second."""
    if value is None:
        return None
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def parse_time(raw: str, field: str) -> datetime:
    """An ISO 8601 time as an aware UTC datetime; without an offset it is Amsterdam time."""
    text = raw.strip()
    # An unencoded `+02:00` in a query string arrives as ` 02:00`.
    text = re.sub(r"(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}:?\d{2})$", r"\1+\2", text)
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ApiInputError(422, f"{field}: {raw!r} is geen ISO 8601-tijd.",
                            {field: "Verwacht een ISO 8601-tijd, zoals 2026-06-12T10:00:00+02:00."}) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=AMSTERDAM)
    return value.astimezone(UTC)


# --- query arguments --------------------------------------------------------------------------------

def page_args() -> tuple[int, int]:
    """`page` and `per_page` from the query string; a bad value is a 400 naming the argument."""
    values = {}
    for name, default, upper in (("page", 1, MAX_PAGE), ("per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE)):
        raw = request.args.get(name, "").strip()
        value = default if raw == "" else int(raw) if re.fullmatch(r"[0-9]{1,9}", raw) else 0
        if not 1 <= value <= upper:
            raise ApiInputError(400, f"Ongeldige waarde voor {name}: {raw!r}.",
                                {name: f"Verwacht een geheel getal van 1 tot en met {upper}."})
        values[name] = value
    return values["page"], values["per_page"]


def lead_filters() -> LeadFilters:
    """The lead list filters from the query string; an unreadable time is a 400 naming the argument."""
    since_raw = request.args.get("updated_since", "").strip()
    since = None
    if since_raw:
        try:
            since = parse_time(since_raw, "updated_since")
        except ApiInputError as exc:
            raise ApiInputError(400, exc.message, exc.fields) from None
    return LeadFilters(
        stage=request.args.get("stage", "").strip().lower() or None,
        channel=request.args.get("channel", "").strip() or None,
        phase=request.args.get("phase", "").strip() or None,
        updated_since=since,
    )


# --- request bodies ---------------------------------------------------------------------------------

def json_body() -> Any:
    """The parsed JSON body: 415 when it is not sent as JSON, 400 when it does not parse."""
    if not request.is_json:
        raise ApiInputError(415, "Stuur de gegevens als JSON, met de header Content-Type: application/json.")
    try:
        return request.get_json()
    except BadRequest:
        raise ApiInputError(400, "De body is geen geldige JSON.") from None


def touchpoint_from_json(body: Any, *, source: str) -> TouchpointInput:
    """The intake input from a `POST /leads` body; wrong or unknown fields are a 422 naming each one.
    `source` is who issues its external_id (`intake.token_source`).

    Only the shape is checked here (objects, texts, a list of texts, a readable time); what the
    values mean is for the intake service to judge.
    """
    if not isinstance(body, dict):
        raise ApiInputError(400, "Verwacht een JSON-object met de aanmelding.")
    errors: dict[str, str] = {}
    _refuse_unknown(body, TOUCHPOINT_FIELDS, "", errors)
    employer = _object(body, "employer", "employer", errors)
    contact = _object(body, "contact", "contact", errors)
    utm = _object(body, "utm", "utm", errors)
    _refuse_unknown(employer, EMPLOYER_FIELDS, "employer.", errors)
    _refuse_unknown(contact, CONTACT_FIELDS, "contact.", errors)
    _refuse_unknown(utm, UTM_FIELDS, "utm.", errors)

    employer_values = {key: _text(employer, key, f"employer.{key}", errors) for key in EMPLOYER_FIELDS if key != "size"}
    employer_values["size"] = _size(employer, errors)
    if "employer" not in errors and "employer.name" not in errors and not (employer_values["name"] or "").strip():
        errors["employer.name"] = "Vul de naam van de werkgever in."
    contact_values = {key: _text(contact, key, f"contact.{key}", errors) for key in CONTACT_FIELDS}
    utm_values = {key: value for key in UTM_FIELDS if (value := _text(utm, key, f"utm.{key}", errors))}
    values = {key: _text(body, key, key, errors) for key in TEXT_FIELDS}
    interests = _interests(body, errors)

    occurred_at = None
    occurred_raw = _text(body, "occurred_at", "occurred_at", errors)
    if occurred_raw and occurred_raw.strip():
        try:
            occurred_at = parse_time(occurred_raw, "occurred_at")
        except ApiInputError as exc:
            errors.update(exc.fields)
    if errors:
        raise ApiInputError(422, "De aanmelding is niet opgeslagen; controleer " + ", ".join(sorted(errors)) + ".",
                            errors)

    return TouchpointInput(
        employer=EmployerInput(**{**employer_values, "name": employer_values["name"] or ""}),
        contact=ContactInput(name=contact_values["name"] or "", function=contact_values["function"] or "",
                             email=contact_values["email"], phone=contact_values["phone"]),
        kind="api",
        campaign=values["campaign"] or None,
        channel=values["channel"] or None,
        phase=values["phase"] or None,
        ad_code=values["ad_code"] or None,
        utm=utm_values,
        interests=interests,
        message=values["message"],
        occurred_at=occurred_at,
        external_id=(values["external_id"] or "").strip() or None,
        external_source=source,
    )


def _refuse_unknown(obj: dict, allowed: tuple[str, ...], prefix: str, errors: dict[str, str]) -> None:
    for key in obj:
        if key not in allowed:
            errors[f"{prefix}{key}"] = "Onbekend veld. Toegestaan: " + ", ".join(allowed) + "."


def _object(parent: dict, key: str, path: str, errors: dict[str, str]) -> dict:
    value = parent.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        errors[path] = "Verwacht een object."
        return {}
    return value


def _text(obj: dict, key: str, path: str, errors: dict[str, str]) -> str | None:
    value = obj.get(key)
    if isinstance(value, str) and len(value) > MAX_LENGTHS.get(path, MESSAGE_MAX_LENGTH):
        errors[path] = f"Hoogstens {MAX_LENGTHS.get(path, MESSAGE_MAX_LENGTH)} tekens."
        return None
    if value is None or isinstance(value, str):
        return value
    # Numbers are refused rather than converted: a KvK number or postcode sent as a number has lost its leading zero.
    errors[path] = "Verwacht tekst (tussen aanhalingstekens)."
    return None


def _size(employer: dict, errors: dict[str, str]) -> str | None:
    value = employer.get("size")
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and len(value) > MAX_LENGTHS["employer.size"]:
        errors["employer.size"] = f"Hoogstens {MAX_LENGTHS['employer.size']} tekens."
        return None
    if value is None or isinstance(value, str):
        return value
    errors["employer.size"] = "Verwacht een grootteklasse (1-9, 10-49, 50-249, 250+) of een aantal medewerkers."
    return None


def _interests(body: dict, errors: dict[str, str]) -> list[str]:
    value = body.get("interests")
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        errors["interests"] = "Verwacht een lijst van codes (tekst), zoals [\"lks\", \"jobcoaching\"]."
        return []
    if len(value) > MAX_INTERESTS or any(len(item) > 40 for item in value):
        errors["interests"] = f"Hoogstens {MAX_INTERESTS} codes van elk hoogstens 40 tekens."
        return []
    return value


STAGE_CHANGE_FIELDS = ("stage", "at", "lost_reason")


@dataclass(frozen=True)
class StageChangeInput:
    stage: str
    at: datetime | None
    lost_reason: str | None


def stage_change_from_json(body: Any) -> StageChangeInput:
    """The input of `POST /leads/<id>/stage`; wrong or unknown fields are a 422 naming each one.

    Whether the move is allowed (forward only, lost with a known reason, not in the future) is the
    lead service's to judge.
    """
    if not isinstance(body, dict):
        raise ApiInputError(400, "Verwacht een JSON-object met de nieuwe fase.")
    errors: dict[str, str] = {}
    _refuse_unknown(body, STAGE_CHANGE_FIELDS, "", errors)
    stage = (_text(body, "stage", "stage", errors) or "").strip().lower()
    if "stage" not in errors and not stage:
        errors["stage"] = "Geef de nieuwe fase: " + ", ".join((*STAGES[1:], LOST)) + "."
    lost_reason = (_text(body, "lost_reason", "lost_reason", errors) or "").strip() or None
    if lost_reason and stage and stage != LOST:
        errors["lost_reason"] = "Alleen bij de fase lost."
    at = None
    at_raw = _text(body, "at", "at", errors)
    if at_raw and at_raw.strip():
        try:
            at = parse_time(at_raw, "at")
        except ApiInputError as exc:
            errors.update(exc.fields)
    if errors:
        raise ApiInputError(422, "De fase is niet gewijzigd; controleer " + ", ".join(sorted(errors)) + ".", errors)
    return StageChangeInput(stage=stage, at=at, lost_reason=lost_reason)


# --- resources --------------------------------------------------------------------------------------

def lead_json(lead: Lead) -> dict:
    """A lead as `GET /leads/<id>` shows it."""
    return {
        "id": lead.id,
        "employer_id": lead.employer_id,
        "stage": lead.stage,
        "channel": lead.channel.code if lead.channel else None,
        "phase": lead.phase.code if lead.phase else None,
        "created_at": iso_time(lead.created_at),
        "stage_times": {
            stage: iso_time(at) for stage in (*STAGES, LOST) if (at := lead.stage_time(stage)) is not None
        },
        "assigned_to": {"id": lead.owner.id, "name": lead.owner.name} if lead.owner else None,
        "team": {"id": lead.team.id, "name": lead.team.name} if lead.team else None,
        "waiting_reason": lead.waiting_reason,
        "sla_due_at": iso_time(lead.sla_due_at),
        "priority": lead.priority,
        "interests": [interest.code for interest in lead.interests],
        "external_id": lead.external_id,
    }


def intake_json(result: IntakeResult) -> dict:
    """The answer to `POST /leads`: the lead, whether this touchpoint attached to it, and what was dropped."""
    return {**lead_json(result.lead), "attached": result.attached, "warnings": list(result.warnings)}


def employer_json(employer: Employer) -> dict:
    return {
        "id": employer.id,
        "name": employer.name,
        "kvk": employer.kvk,
        "vestigingsnummer": employer.vestigingsnummer,
        "sector": employer.sector.code if employer.sector else None,
        "size": employer.size_class,
        "municipality": employer.municipality.name if employer.municipality else None,
        "postcode": employer.postcode,
        "website": employer.website,
        "account_manager": (
            {"id": employer.account_manager.id, "name": employer.account_manager.name}
            if employer.account_manager else None
        ),
    }
