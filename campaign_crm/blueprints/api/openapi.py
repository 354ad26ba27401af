"""The OpenAPI 3.1 document of the API; tests validate real responses against it."""
from __future__ import annotations

from typing import Any

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "fields"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        }
    },
}

NULLABLE_STRING = {"type": ["string", "null"]}

EMPLOYER = {
    "type": "object",
    "required": ["id", "name", "kvk", "vestigingsnummer", "sector", "size", "municipality", "postcode", "website",
                 "account_manager"],
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "kvk": {"type": ["string", "null"], "pattern": "^[0-9]{8}$"},
        "vestigingsnummer": {"type": ["string", "null"], "pattern": "^[0-9]{12}$"},
        "sector": NULLABLE_STRING,
        "size": {"enum": ["1-9", "10-49", "50-249", "250+", None]},
        "municipality": NULLABLE_STRING,
        "postcode": {"type": ["string", "null"], "pattern": "^[1-9][0-9]{3} [A-Z]{2}$"},
        "website": NULLABLE_STRING,
        "account_manager": {
            "oneOf": [
                {"type": "null"},
                {"type": "object", "required": ["id", "name"],
                 "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}},
            ]
        },
    },
}


def _page_of(ref: str) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["items", "page", "per_page", "total"],
        "properties": {
            "items": {"type": "array", "items": {"$ref": ref}},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1},
            "total": {"type": "integer", "minimum": 0},
        },
    }


def _error_response(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def document() -> dict[str, Any]:
    """The whole OpenAPI document."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "campaign_crm API", "version": "1.0.0",
                 "description": "Leads, werkgevers en rapportages van de werkgeverscampagne. Tijden in ISO 8601; "
                                "een tijd zonder offset is Europe/Amsterdam."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": ERROR, "Employer": EMPLOYER, "EmployerPage": _page_of("#/components/schemas/Employer")},
        },
        "paths": {
            "/employers": {
                "get": {
                    "summary": "Werkgevers (het gedeelde regionale bestand)",
                    "parameters": [
                        {"name": "kvk", "in": "query", "schema": {"type": "string"}},
                        {"name": "q", "in": "query", "schema": {"type": "string"}},
                        {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                        {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}},
                    ],
                    "responses": {
                        "200": {"description": "Een pagina werkgevers",
                                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/EmployerPage"}}}},
                        "400": _error_response("Ongeldige paginering"),
                        "401": _error_response("Geen of onbekend token"),
                        "403": _error_response("Rol heeft geen toegang"),
                        "429": _error_response("Te veel verzoeken"),
                    },
                }
            },
        },
    }
