"""The OpenAPI 3.1 document of the API; tests validate real requests and responses against it."""
from __future__ import annotations

from typing import Any

from ...models import LOST, STAGES
from .schemas import CONTACT_FIELDS, EMPLOYER_FIELDS, MAX_PAGE, MAX_PER_PAGE, UTM_FIELDS

DESCRIPTION = """\
Leads, werkgevers en rapportages van de werkgeverscampagne "Anders kijken naar personeel".

**Authenticatie**: `Authorization: Bearer <token>`; een token maakt u met
`flask create-api-token --name NAAM --role ROL [--partner NAAM]` en handelt als die rol en partner.

**Tijden**: alle tijden in antwoorden zijn ISO 8601 in UTC met `Z`, op de seconde
(`2026-06-12T08:00:00Z`). Tijden die u meestuurt zijn ISO 8601; een tijd zonder offset is
Europe/Amsterdam. Zet een `+` in een query-string als `%2B`.

**Zichtbaarheid van leads**: tokens met rol `admin` of `campaign` zien alle leads. Tokens met rol
`advisor` of `teamlead` zien de leads van adviseurs van hun eigen partner (een token is geen persoon
en geen team; zonder partner zien ze geen leads). Tokens met rol `management` krijgen 403 op de
lead-endpoints. Een lead die u niet mag zien geeft 404, net als een lead die niet bestaat.

**Rapportages** (`/reports/...`): tokens met rol `admin`, `campaign` of `management`; andere rollen
krijgen 403 (een token is geen team, dus de regel "een teamleider ziet alleen zijn team" kan er niet
op). Management ziet aantallen, geen personen: in uitsplitsingen van plaatsingen en baanbehoud staan
aantallen van 1 tot 4 als `"< 5"`, adviseurs als nummer.

**Fouten** hebben altijd de vorm `{"error": {"code", "message", "fields"}}`; `fields` noemt per veld
(als pad met punten, zoals `employer.name`) wat er mis is. 400: een query-parameter of de body is
onleesbaar; 409: het verzoek botst met de huidige toestand (zoals een fase terug); 422: de inhoud van de
body klopt niet (ook: een tekst langer dan toegestaan, een verkeerd type, een NUL-teken of te diep geneste JSON);
413: het verzoek is groter dan toegestaan (standaard 1 MB); 429: te veel verzoeken (zie `Retry-After`).

**Idempotent**: `POST /leads` met een `external_id` dat al eens van dezelfde bron is verwerkt, voegt
niets toe en geeft 200 met dezelfde lead. De bron is de partner van het token (alle tokens van een
partner samen); admin- en campagnetokens zonder partner vormen samen één bron. Hetzelfde
`external_id` van een andere bron is een nieuw contactmoment.
"""

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

EMPLOYER = {
    "type": "object",
    "required": ["id", "name", "kvk", "vestigingsnummer", "sector", "size", "municipality", "postcode", "website",
                 "account_manager"],
    "additionalProperties": False,
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
        "account_manager": {"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/Ref"}]},
    },
}

LEAD_PROPERTIES: dict[str, Any] = {
    "id": {"type": "integer"},
    "employer_id": {"type": "integer"},
    "stage": {"enum": [*STAGES, LOST]},
    "channel": {**NULLABLE_STRING, "description": "Kanaalcode van het eerste contactmoment (first touch)."},
    "phase": {**NULLABLE_STRING, "description": "Code van de campagnefase van het eerste contactmoment."},
    "created_at": TIME,
    "stage_times": {
        "type": "object",
        "description": "De bereikte fasen, elk met het moment waarop de lead die fase voor het eerst bereikte.",
        "propertyNames": {"enum": [*STAGES, LOST]},
        "additionalProperties": TIME,
        "required": ["new"],
    },
    "assigned_to": {"description": "De adviseur die de lead heeft, of null.",
                    "oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/Ref"}]},
    "team": {"description": "Het team van de lead (ook als hij nog wacht), of null.",
             "oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/Ref"}]},
    "waiting_reason": {**NULLABLE_STRING, "description": "Waarom de lead onverdeeld in de teamwachtrij staat."},
    "sla_due_at": {**NULLABLE_TIME, "description": "Uiterste moment voor het eerste contact."},
    "priority": {"type": "integer"},
    "interests": {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
    "external_id": NULLABLE_STRING,
}

LEAD = {
    "type": "object",
    "required": list(LEAD_PROPERTIES),
    "additionalProperties": False,
    "properties": LEAD_PROPERTIES,
}

LEAD_RESULT = {
    "type": "object",
    "description": "De lead waar de aanmelding bij hoort. `attached` is true als dit contactmoment aan een al "
                   "open lead van de werkgever is gekoppeld; bij een herhaald external_id is het false en is er "
                   "niets toegevoegd. `warnings` noemt weggelaten ongeldige optionele waarden.",
    "required": [*LEAD_PROPERTIES, "attached", "warnings"],
    "additionalProperties": False,
    "properties": {
        **LEAD_PROPERTIES,
        "attached": {"type": "boolean"},
        "warnings": {"type": "array", "items": {"type": "string"}},
    },
}


def _text_object(fields: tuple[str, ...], overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    properties = {name: {"type": ["string", "null"]} for name in fields}
    properties.update(overrides or {})
    return {"type": "object", "additionalProperties": False, "properties": properties}


LEAD_INPUT = {
    "type": "object",
    "description": "Een contactmoment van een werkgever. Nodig: `employer.name` en een werkend e-mailadres of "
                   "telefoonnummer in `contact`. Een ongeldige optionele waarde (zoals een KvK-nummer zonder 8 "
                   "cijfers) wordt weggelaten met een waarschuwing; een BSN-achtig nummer wordt altijd geweigerd.",
    "required": ["employer", "contact"],
    "additionalProperties": False,
    "properties": {
        "employer": {
            **_text_object(EMPLOYER_FIELDS, {
                "name": {"type": "string", "minLength": 1, "maxLength": 200},
                "kvk": {"type": ["string", "null"], "description": "8 cijfers; spaties en punten mogen."},
                "municipality": {"type": ["string", "null"], "description": "Naam of CBS-code (GM0599)."},
                "sector": {"type": ["string", "null"], "description": "Sectorcode, of geef `sbi`."},
                "size": {"type": ["string", "integer", "null"],
                         "description": "1-9, 10-49, 50-249, 250+ of een aantal medewerkers."},
            }),
            "required": ["name"],
        },
        "contact": _text_object(CONTACT_FIELDS),
        "campaign": {"type": ["string", "null"], "description": "Campagnecode; standaard de actieve campagne."},
        "channel": {"type": ["string", "null"], "description": "Kanaalcode, zoals dagblad of linkedin."},
        "phase": {"type": ["string", "null"], "description": "Fasecode; standaard de fase op occurred_at."},
        "ad_code": {"type": ["string", "null"],
                    "description": "Advertentiecode; bepaalt campagne, kanaal en fase vóór de andere velden."},
        "utm": _text_object(UTM_FIELDS),
        "interests": {"type": ["array", "null"], "items": {"type": "string"},
                      "description": "Codes: lks, loondispensatie, lkv, jobcoaching, adviesgesprek, harrie, vacature."},
        "message": {"type": ["string", "null"]},
        "occurred_at": {"type": ["string", "null"], "format": "date-time",
                        "description": "ISO 8601; zonder offset Europe/Amsterdam; standaard nu; niet in de toekomst."},
        "external_id": {"type": ["string", "null"], "maxLength": 120,
                        "description": "Uw eigen sleutel, uniek binnen uw bron (de partner van het "
                                       "token); hetzelfde external_id nog eens voegt niets toe."},
    },
}


STAGE_CHANGE = {
    "type": "object",
    "description": "Een fasewissel: alleen vooruit (tussenliggende fasen krijgen hetzelfde tijdstip), of naar "
                   "`lost` vanuit elke open fase, met een reden.",
    "required": ["stage"],
    "additionalProperties": False,
    "properties": {
        "stage": {"enum": [*STAGES, LOST], "description": "De nieuwe fase (`new` kan nooit: fasen gaan alleen vooruit)."},
        "at": {"type": ["string", "null"], "format": "date-time",
               "description": "ISO 8601; zonder offset Europe/Amsterdam; standaard nu; niet in de toekomst en niet "
                              "voor het ontstaan van de lead."},
        "lost_reason": {"type": ["string", "null"],
                        "description": "Verplicht bij `lost`, en alleen dan: unreachable, no_vacancy, not_interested, "
                                       "other_route, duplicate, not_eligible (of een code die een beheerder toevoegde)."},
    },
}


def _page_of(ref: str) -> dict[str, Any]:
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


def _json(ref: str, description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {"description": description,
                                "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}}
    if headers:
        response["headers"] = headers
    return response


def _error(description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    return _json("Error", description, headers)


def _common_errors(*extra: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    """401, 403 and 429 (every token-guarded operation), 413 and 422 (bounds on every request), 503, plus the
    operation's own."""
    responses = {
        "413": _error("Het verzoek is groter dan toegestaan (instelling MAX_REQUEST_KB); er is niets gelezen of "
                      "opgeslagen"),
        "422": _error("Ongeldige invoer: een NUL-teken (\\x00) in het adres, een parameter of de body, of JSON die te "
                      "diep genest is; `fields` noemt waar. Er is niets gewijzigd"),
        "401": _error("Geen, een onbekend of een ingetrokken token",
                      {"WWW-Authenticate": {"schema": {"type": "string", "const": "Bearer"}}}),
        "403": _error("De rol van het token mag dit niet"),
        "429": _error("Te veel verzoeken met dit token",
                      {"Retry-After": {"description": "Seconden tot een nieuw verzoek kan",
                                       "schema": {"type": "string", "pattern": "^[0-9]+$"}}}),
        "503": _error("De database is tijdelijk onbereikbaar; er is niets half opgeslagen",
                      {"Retry-After": {"schema": {"type": "string", "pattern": "^[0-9]+$"}}}),
    }
    responses.update(dict(extra))
    return dict(sorted(responses.items()))


def _query(name: str, schema: dict[str, Any], description: str = "") -> dict[str, Any]:
    parameter = {"name": name, "in": "query", "required": False, "schema": schema}
    if description:
        parameter["description"] = description
    return parameter


PAGING = [
    _query("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1}),
    _query("per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": 50}),
]


def document() -> dict[str, Any]:
    """The whole OpenAPI document."""
    from .placements import placement_paths, placement_schemas  # that module builds on the helpers here
    from .reports import report_paths, report_schemas

    doc = {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {"title": "campaign_crm API", "version": "1.0.0", "description": DESCRIPTION},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": ERROR,
                "Ref": REF,
                "Employer": EMPLOYER,
                "EmployerPage": _page_of("#/components/schemas/Employer"),
                "Lead": LEAD,
                "LeadPage": _page_of("#/components/schemas/Lead"),
                "LeadInput": LEAD_INPUT,
                "LeadResult": LEAD_RESULT,
                "StageChange": STAGE_CHANGE,
            },
        },
        "paths": {
            "/employers": {
                "get": {
                    "operationId": "listEmployers",
                    "summary": "Werkgevers (het gedeelde regionale bestand)",
                    "parameters": [_query("kvk", {"type": "string"}), _query("q", {"type": "string"}), *PAGING],
                    "responses": {
                        "200": _json("EmployerPage", "Een pagina werkgevers"),
                        **_common_errors(("400", _error("Ongeldige paginering; `fields` noemt de parameter"))),
                    },
                }
            },
            "/leads": {
                "get": {
                    "operationId": "listLeads",
                    "summary": "Leads die dit token mag zien, oudste eerst (op id)",
                    "parameters": [
                        _query("stage", {"enum": [*STAGES, LOST]}),
                        _query("channel", {"type": "string"}, "Kanaalcode"),
                        _query("phase", {"type": "string"}, "Fasecode (in elke campagne)"),
                        _query("updated_since", {"type": "string", "format": "date-time"},
                               "Alleen leads gewijzigd op of na dit moment; zonder offset Europe/Amsterdam"),
                        *PAGING,
                    ],
                    "responses": {
                        "200": _json("LeadPage", "Een pagina leads"),
                        **_common_errors(("400", _error("Ongeldige filter- of paginawaarde; `fields` noemt de "
                                                        "parameter"))),
                    },
                },
                "post": {
                    "operationId": "createLead",
                    "summary": "Een contactmoment van een werkgever vastleggen (de intake)",
                    "requestBody": {"required": True, "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/LeadInput"}}}},
                    "responses": {
                        "201": _json("LeadResult", "Een nieuwe lead", {
                            "Location": {"description": "Het adres van de nieuwe lead",
                                         "schema": {"type": "string", "pattern": "^/api/v1/leads/[0-9]+$"}}}),
                        "200": _json("LeadResult", "Aan een open lead van de werkgever gekoppeld (`attached`: "
                                                   "true), of een herhaald external_id: niets toegevoegd"),
                        **_common_errors(
                            ("400", _error("De body is geen geldige JSON of geen JSON-object")),
                            ("409", _error("Het external_id hoort bij een contactmoment zonder lead, of een "
                                           "gelijktijdige aanmelding botste; er is niets opgeslagen")),
                            ("415", _error("De body is niet als application/json verstuurd")),
                            ("422", _error("Ongeldige aanmelding; `fields` noemt elk veld en waarom; er is niets "
                                           "opgeslagen")),
                        ),
                    },
                },
            },
            "/leads/{lead_id}": {
                "get": {
                    "operationId": "getLead",
                    "summary": "Eén lead",
                    "parameters": [{"name": "lead_id", "in": "path", "required": True,
                                    "schema": {"type": "integer", "minimum": 1}}],
                    "responses": {
                        "200": _json("Lead", "De lead"),
                        **_common_errors(("404", _error("Bestaat niet, of dit token mag hem niet zien"))),
                    },
                }
            },
            "/leads/{lead_id}/stage": {
                "post": {
                    "operationId": "changeLeadStage",
                    "summary": "De fase van een lead wijzigen: vooruit, of naar lost met een reden",
                    "parameters": [{"name": "lead_id", "in": "path", "required": True,
                                    "schema": {"type": "integer", "minimum": 1}}],
                    "requestBody": {"required": True, "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/StageChange"}}}},
                    "responses": {
                        "200": _json("Lead", "De lead in zijn nieuwe fase"),
                        **_common_errors(
                            ("400", _error("De body is geen geldige JSON of geen JSON-object")),
                            ("404", _error("Bestaat niet, of dit token mag hem niet zien")),
                            ("409", _error("Deze fasewissel kan niet: terug of stil, of de lead is al afgesloten "
                                           "(placed of lost); er is niets gewijzigd")),
                            ("415", _error("De body is niet als application/json verstuurd")),
                            ("422", _error("Ongeldige fasewissel; `fields` noemt elk veld en waarom (onbekende fase, "
                                           "lost zonder geldige reden, een tijdstip in de toekomst); er is niets "
                                           "gewijzigd")),
                        ),
                    },
                }
            },
        },
    }
    doc["paths"].update(placement_paths())
    doc["components"]["schemas"].update(placement_schemas())
    doc["paths"].update(report_paths(_common_errors))
    doc["components"]["schemas"].update(report_schemas())
    return doc
