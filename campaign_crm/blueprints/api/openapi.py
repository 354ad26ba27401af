"""The OpenAPI 3.1 document of the API; tests validate real requests and responses against it."""
from __future__ import annotations

from typing import Any

from ...models import LOST, STAGES
from .placements import placement_paths, placement_schemas
from .reports import report_paths, report_schemas
from .schemas import CONTACT_FIELDS, EMPLOYER_FIELDS, UTM_FIELDS
from .spec import (
    ERROR,
    NULLABLE_STRING,
    NULLABLE_TIME,
    PAGING,
    REF,
    TIME,
    common_errors,
    error_response,
    json_response,
    page_of,
    query_param,
)

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
        "stage": {"enum": [*STAGES, LOST],
                  "description": "De nieuwe fase (`new` kan nooit: fasen gaan alleen vooruit)."},
        "at": {"type": ["string", "null"], "format": "date-time",
               "description": "ISO 8601; zonder offset Europe/Amsterdam; standaard nu; niet in de toekomst en niet "
                              "voor het ontstaan van de lead."},
        "lost_reason": {"type": ["string", "null"],
                        "description": "Verplicht bij `lost`, en alleen dan: unreachable, no_vacancy, not_interested, "
                                       "other_route, duplicate, not_eligible (of een code die een beheerder "
                                       "toevoegde)."},
    },
}


def document() -> dict[str, Any]:
    """The whole OpenAPI document."""
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
                "EmployerPage": page_of("#/components/schemas/Employer"),
                "Lead": LEAD,
                "LeadPage": page_of("#/components/schemas/Lead"),
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
                    "parameters": [query_param("kvk", {"type": "string"}), query_param("q", {"type": "string"}),
                                   *PAGING],
                    "responses": {
                        "200": json_response("EmployerPage", "Een pagina werkgevers"),
                        **common_errors(("400", error_response("Ongeldige paginering; `fields` noemt de parameter"))),
                    },
                }
            },
            "/leads": {
                "get": {
                    "operationId": "listLeads",
                    "summary": "Leads die dit token mag zien, oudste eerst (op id)",
                    "parameters": [
                        query_param("stage", {"enum": [*STAGES, LOST]}),
                        query_param("channel", {"type": "string"}, "Kanaalcode"),
                        query_param("phase", {"type": "string"}, "Fasecode (in elke campagne)"),
                        query_param("updated_since", {"type": "string", "format": "date-time"},
                               "Alleen leads gewijzigd op of na dit moment; zonder offset Europe/Amsterdam"),
                        *PAGING,
                    ],
                    "responses": {
                        "200": json_response("LeadPage", "Een pagina leads"),
                        **common_errors(("400", error_response("Ongeldige filter- of paginawaarde; `fields` noemt de "
                                                        "parameter"))),
                    },
                },
                "post": {
                    "operationId": "createLead",
                    "summary": "Een contactmoment van een werkgever vastleggen (de intake)",
                    "requestBody": {"required": True, "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/LeadInput"}}}},
                    "responses": {
                        "201": json_response("LeadResult", "Een nieuwe lead", {
                            "Location": {"description": "Het adres van de nieuwe lead",
                                         "schema": {"type": "string", "pattern": "^/api/v1/leads/[0-9]+$"}}}),
                        "200": json_response("LeadResult", "Aan een open lead van de werkgever gekoppeld (`attached`: "
                                                   "true), of een herhaald external_id: niets toegevoegd"),
                        **common_errors(
                            ("400", error_response("De body is geen geldige JSON of geen JSON-object")),
                            ("409", error_response("Het external_id hoort bij een contactmoment zonder lead, of een "
                                           "gelijktijdige aanmelding botste; er is niets opgeslagen")),
                            ("415", error_response("De body is niet als application/json verstuurd")),
                            ("422", error_response("Ongeldige aanmelding; `fields` noemt elk veld en waarom; "
                                                   "er is niets opgeslagen")),
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
                        "200": json_response("Lead", "De lead"),
                        **common_errors(("404", error_response("Bestaat niet, of dit token mag hem niet zien"))),
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
                        "200": json_response("Lead", "De lead in zijn nieuwe fase"),
                        **common_errors(
                            ("400", error_response("De body is geen geldige JSON of geen JSON-object")),
                            ("404", error_response("Bestaat niet, of dit token mag hem niet zien")),
                            ("409", error_response("Deze fasewissel kan niet: terug of stil, of de lead is al "
                                                   "afgesloten (placed of lost); er is niets gewijzigd")),
                            ("415", error_response("De body is niet als application/json verstuurd")),
                            ("422", error_response("Ongeldige fasewissel; `fields` noemt elk veld en waarom "
                                                   "(onbekende fase, lost zonder geldige reden, een tijdstip in de "
                                                   "toekomst); er is niets gewijzigd")),
                        ),
                    },
                }
            },
        },
    }
    doc["paths"].update(placement_paths())
    doc["components"]["schemas"].update(placement_schemas())
    doc["paths"].update(report_paths())
    doc["components"]["schemas"].update(report_schemas())
    return doc
