"""Building blocks of the OpenAPI document that every API module describing its operations uses: the error
shape, times and dates as the API sends them, paging, and the responses every token-guarded operation can give."""
from __future__ import annotations

from typing import Any

from .schemas import MAX_PAGE, MAX_PER_PAGE

DATE = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
ERROR = {
    "type": "object",
    "required": ["error"],
    "additionalProperties": False,
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "fields"],
            "additionalProperties": False,
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": {"type": "string"},
                           "description": "Per veld (pad met punten) de reden."},
            },
        }
    },
}

NULLABLE_STRING = {"type": ["string", "null"]}
# What the API sends: UTC, to the second, with a Z.
TIME = {"type": "string", "format": "date-time", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"}
NULLABLE_TIME = {**TIME, "type": ["string", "null"]}
REF = {
    "type": "object",
    "required": ["id", "name"],
    "additionalProperties": False,
    "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
}


def page_of(ref: str) -> dict[str, Any]:
    """One page of a list: the items and where the page lies."""
    return {
        "type": "object",
        "required": ["items", "page", "per_page", "total"],
        "additionalProperties": False,
        "properties": {
            "items": {"type": "array", "items": {"$ref": ref}},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
            "total": {"type": "integer", "minimum": 0},
        },
    }


def json_response(ref: str, description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    """A response whose body is the named component schema."""
    response: dict[str, Any] = {"description": description,
                                "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}}
    if headers:
        response["headers"] = headers
    return response


def error_response(description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    """A response with the one error body."""
    return json_response("Error", description, headers)


def common_errors(*extra: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    """401, 403 and 429 (every token-guarded operation), 413 and 422 (bounds on every request), 503, plus the
    operation's own."""
    responses = {
        "413": error_response("Het verzoek is groter dan toegestaan (instelling MAX_REQUEST_KB); er is niets "
                              "gelezen of opgeslagen"),
        "422": error_response("Ongeldige invoer: een NUL-teken (\\x00) in het adres, een parameter of de body, of "
                              "JSON die te diep genest is; `fields` noemt waar. Er is niets gewijzigd"),
        "401": error_response("Geen, een onbekend of een ingetrokken token",
                      {"WWW-Authenticate": {"schema": {"type": "string", "const": "Bearer"}}}),
        "403": error_response("De rol van het token mag dit niet"),
        "429": error_response("Te veel verzoeken met dit token",
                      {"Retry-After": {"description": "Seconden tot een nieuw verzoek kan",
                                       "schema": {"type": "string", "pattern": "^[0-9]+$"}}}),
        "503": error_response("De database is tijdelijk onbereikbaar; er is niets half opgeslagen",
                      {"Retry-After": {"schema": {"type": "string", "pattern": "^[0-9]+$"}}}),
    }
    responses.update(dict(extra))
    return dict(sorted(responses.items()))


def query_param(name: str, schema: dict[str, Any], description: str = "") -> dict[str, Any]:
    """An optional query parameter."""
    parameter = {"name": name, "in": "query", "required": False, "schema": schema}
    if description:
        parameter["description"] = description
    return parameter


PAGING = [
    query_param("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1}),
    query_param("per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": 50}),
]
