"""Report endpoints: the cohort funnel, retention (Kaplan–Meier) and active LKS jobs; with their OpenAPI part.

Who may read them: tokens acting as `admin`, `campaign` or `management`. Management tokens get
what the management pages show: counts of 1–4 people in placement and retention breakdowns as
"< 5", and advisors by number, not by name (`privacy.for_viewer`). Team-lead and advisor tokens
get 403: a token acts as a role and a partner, never as a team, so the team lead's rule (his own
team only) cannot be applied to it; a team lead reads his team's figures on the report pages.
The numbers come from `services.reports`, the same functions the pages and exports call.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from flask import g, request

from ...errors import api_error
from ...permissions import ADMIN, CAMPAIGN, MANAGEMENT
from ...services.calendar import today
from ...services.errors import ValidationError
from ...services.reports import privacy
from ...services.reports.filters import GROUP_BYS, parse_filter, parse_group_by
from ...services.reports.funnel import funnel
from ...services.reports.lks_jobs import lks_jobs
from ...services.reports.period import Period
from ...services.reports.retention import retention, retention_by_instrument
from .auth import api_roles
from .blueprint import bp
from .spec import DATE, common_errors, json_response, query_param

READ_REPORTS = (ADMIN, CAMPAIGN, MANAGEMENT)
FILTER_PARAMS = ("campaign", "phase", "channel", "sector", "municipality", "partner", "team")
COHORTS = ("quarter", "tertaal", "year", "instrument")


def _invalid(exc: ValidationError):
    return api_error(422, exc.message, fields=exc.fields or {"query": exc.message})


def _iso_date(name: str, errors: dict[str, str]) -> date | None:
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors[name] = f"Geen geldige datum: {raw!r}. Gebruik jjjj-mm-dd, bijvoorbeeld 2026-05-01."
        return None


def _refused(errors: dict[str, str]):
    """422 naming every wrong query argument at once."""
    return api_error(422, "De rapportvraag klopt niet; controleer: " + ", ".join(sorted(errors)) + ".", fields=errors)


@bp.get("/reports/funnel")
@api_roles(*READ_REPORTS)
def report_funnel():
    """The cohort funnel of leads created in the period, in total or per group."""
    errors: dict[str, str] = {}
    flt = group_by = None
    try:
        flt = parse_filter(request.args)
    except ValidationError as exc:
        errors.update(exc.fields)
    try:
        group_by = parse_group_by(request.args.get("group_by"))
    except ValidationError as exc:
        errors.update(exc.fields)
    touch = (request.args.get("touch") or "first").strip().lower()
    if touch not in ("first", "last"):
        errors["touch"] = "Kies first (eerste contactmoment) of last (laatste contactmoment vóór het gesprek)."
    if errors:
        return _refused(errors)
    try:
        report = funnel(flt, group_by=group_by, touch=touch)
    except ValidationError as exc:
        return _invalid(exc)
    return privacy.for_viewer(report, "funnel", g.api_actor.role)


@bp.get("/reports/retention")
@api_roles(*READ_REPORTS)
def report_retention():
    """Kaplan–Meier survival of placements per start quarter (or per instrument), censored at `as_of`."""
    errors: dict[str, str] = {}
    as_of = _iso_date("as_of", errors) or today()
    cohort = (request.args.get("cohort") or "quarter").strip().lower()
    if cohort not in COHORTS:
        errors["cohort"] = "Kies quarter (startkwartaal), tertaal, year (startjaar) of instrument."
    instrument = (request.args.get("instrument") or "").strip().lower() or None
    flt = None
    try:
        flt = parse_filter({key: request.args.get(key, "") for key in FILTER_PARAMS},
                           default=Period(as_of, as_of))
    except ValidationError as exc:
        errors.update(exc.fields)
    if errors:
        return _refused(errors)
    try:
        if cohort == "instrument":
            report = retention_by_instrument(as_of=as_of, flt=flt)
        else:
            report = retention(instrument=instrument, cohort=cohort, as_of=as_of, flt=flt)
    except ValidationError as exc:
        return _invalid(exc)
    return privacy.for_viewer(report, "retention", g.api_actor.role)


@bp.get("/reports/lks-jobs")
@api_roles(*READ_REPORTS)
def report_lks_jobs():
    """Active LKS jobs per month end in [from, to] against the target line."""
    errors: dict[str, str] = {}
    start = _iso_date("from", errors) or date(today().year, 1, 1)
    end = _iso_date("to", errors) or today()
    if "from" not in errors and "to" not in errors and start > end:
        errors["to"] = f"De einddatum {end.isoformat()} ligt voor de begindatum {start.isoformat()}."
    flt = None
    try:
        flt = parse_filter({key: request.args.get(key, "") for key in FILTER_PARAMS}, default=Period(start, end))
    except ValidationError as exc:
        errors.update(exc.fields)
    if errors:
        return _refused(errors)
    try:
        report = lks_jobs(start, end, flt)
    except ValidationError as exc:
        return _invalid(exc)
    return privacy.for_viewer(report, "lks_jobs", g.api_actor.role)


# --- OpenAPI ----------------------------------------------------------------------------------------

RATE = {"type": "number", "minimum": 0, "maximum": 1, "description": "Een aandeel van 0 tot 1, op 4 decimalen."}
SUPPRESSED = {"const": "< 5", "description": "Voor management: 1 tot 4 personen (of een cijfer daarvan afgeleid)."}
COUNT = {"type": "integer", "minimum": 0}
PEOPLE = {"oneOf": [COUNT, SUPPRESSED]}
SURVIVAL = {"oneOf": [{**RATE, "type": ["number", "null"]}, SUPPRESSED],
            "description": "Geschat aandeel nog aan het werk; null als niemand zo lang gevolgd is."}


FILTER_PARAMETERS = [
    query_param("campaign", {"type": "string"}, "Campagnecode, zoals aknp"),
    query_param("phase", {"type": "string"}, "Fasecode (in de gekozen of de actieve campagne)"),
    query_param("channel", {"type": "string"}, "Kanaalcode (first touch van de lead)"),
    query_param("sector", {"type": "string"}, "Sectorcode van de werkgever"),
    query_param("municipality", {"type": "string"}, "Gemeente: naam of CBS-code (GM0599)"),
    query_param("partner", {"type": "integer", "minimum": 1}, "Partner (nummer)"),
    query_param("team", {"type": "integer", "minimum": 1}, "Team (nummer)"),
]


def _object(properties: dict[str, Any], required: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    return {"type": "object", "required": required if required is not None else list(properties),
            "properties": properties, **extra}


def report_schemas() -> dict[str, Any]:
    """The report schemas, for `components.schemas` of the OpenAPI document."""
    stage = _object({"count": COUNT, "rate": RATE,
                     "step_rate": {**RATE, "description": "Aantal gedeeld door dat van de vorige fase."}},
                    additionalProperties=False)
    funnel_row = _object({
        "group": {"type": ["string", "null"],
                  "description": "Vaste sleutel: code (kanaal, fase, sector), CBS-code (gemeente) of nummer als tekst "
                                 "(partner, team, adviseur); null voor het totaal en voor leads zonder waarde."},
        "label": {"type": "string", "description": "Nederlandse naam; voor management heten adviseurs "
                                                   "\"Adviseur <nummer>\"."},
        "created": COUNT,
        "stages": _object({name: stage for name in ("assigned", "contacted", "meeting", "vacancy", "placed")},
                          additionalProperties=False),
        "lost": COUNT,
    }, additionalProperties=False)
    point = _object({"day": COUNT, "survival": RATE, "at_risk": PEOPLE}, additionalProperties=False)
    cohort = _object({
        "cohort": {"type": ["string", "null"],
                   "description": "Startkwartaal (2026Q2), -tertaal (2026-T2), -jaar of instrumentcode; null bij all."},
        "label": {"type": "string"},
        "n": PEOPLE, "ended": PEOPLE,
        "s91": SURVIVAL, "s182": SURVIVAL, "s365": SURVIVAL,
        "first_year_dropout": {**SURVIVAL, "description": "1 − S(365)."},
        "curve": {"type": "array", "items": point,
                  "description": "Eén punt per dag met een beëindiging; leeg voor management bij minder dan 5."},
    }, additionalProperties=False)
    month = _object({"month_end": DATE, "active": PEOPLE, "started": PEOPLE, "ended": PEOPLE,
                     "target_line": {"type": ["number", "null"],
                                     "description": "De rechte lijn van nulmeting naar doel, op die dag."}},
                    additionalProperties=False)
    target = _object({"value": COUNT, "date": DATE}, additionalProperties=False)
    return {
        "FunnelReport": _object({
            "from": DATE, "to": DATE,
            "group_by": {"enum": [*GROUP_BYS, None]},
            "touch": {"enum": ["first", "last"]},
            "rows": {"type": "array", "items": funnel_row, "description": "Leeg zonder group_by."},
            "total": funnel_row,
        }, additionalProperties=False),
        "RetentionReport": _object({
            "as_of": DATE,
            "instrument": {"type": ["string", "null"]},
            "cohorts": {"type": "array", "items": cohort},
            "all": cohort,
        }, additionalProperties=False),
        "LksJobsReport": _object({
            "from": DATE, "to": DATE,
            "target": target, "baseline": target,
            "months": {"type": "array", "items": month},
        }, additionalProperties=False),
    }


def report_paths() -> dict[str, Any]:
    """The report operations, for `paths` of the OpenAPI document."""
    invalid = ("422", {**json_response("Error", "Ongeldige parameter; `fields` noemt elke parameter en waarom")})
    period = [query_param("from", DATE, "Eerste dag (lokale datum), standaard het begin van het huidige tertaal"),
              query_param("to", DATE, "Laatste dag (inclusief), standaard vandaag"),
              query_param("tertaal", {"type": "string", "pattern": "^[0-9]{4}-?[Tt][123]$"},
                          "In plaats van from/to: een tertaal, zoals 2026-T1 (jan–apr), 2026-T2 (mei–aug), "
                          "2026-T3 (sep–dec)")]
    return {
        "/reports/funnel": {"get": {
            "operationId": "reportFunnel",
            "summary": "Cohortfunnel: leads gemaakt in de periode en hoeveel elke fase bereikten",
            "description": "Rollen admin, campaign en management. `rate` = aantal / created; `step_rate` = aantal / "
                           "de vorige fase. Met `touch=last` tellen kanaal en fase van het laatste contactmoment "
                           "vóór het adviesgesprek.",
            "parameters": [*period,
                           query_param("group_by", {"enum": list(GROUP_BYS)},
                                       "Indeling; weglaten voor alleen het totaal"),
                           query_param("touch", {"enum": ["first", "last"], "default": "first"},
                                  "Toerekening van kanaal en fase"),
                           *FILTER_PARAMETERS],
            "responses": {"200": json_response("FunnelReport", "De funnel"), **common_errors(invalid)},
        }},
        "/reports/retention": {"get": {
            "operationId": "reportRetention",
            "summary": "Baanbehoud (Kaplan–Meier) per startkwartaal of per instrument",
            "description": "Rollen admin, campaign en management. Beëindigd = gebeurtenis; lopend = gecensureerd "
                           "op `as_of` (standaard vandaag). Voor management staan aantallen van 1 tot 4 als \"< 5\".",
            "parameters": [query_param("instrument", {"type": "string"},
                                       "Alleen dit instrument, zoals lks (niet bij cohort=instrument)"),
                           query_param("cohort", {"enum": list(COHORTS), "default": "quarter"},
                                  "Cohorten per startkwartaal, starttertaal, startjaar of per instrument"),
                           query_param("as_of", DATE, "Peildatum, standaard vandaag"),
                           *FILTER_PARAMETERS],
            "responses": {"200": json_response("RetentionReport", "Overlevingscurven en S(91), S(182), S(365)"),
                          **common_errors(invalid)},
        }},
        "/reports/lks-jobs": {"get": {
            "operationId": "reportLksJobs",
            "summary": "Actieve LKS-banen per maandeinde tegen de doellijn",
            "description": "Rollen admin, campaign en management. Actief op dag d: instrument lks, start ≤ d en geen "
                           "einde of einde > d.",
            "parameters": [query_param("from", DATE, "Eerste dag, standaard 1 januari van dit jaar"),
                           query_param("to", DATE, "Laatste dag, standaard vandaag"), *FILTER_PARAMETERS],
            "responses": {"200": json_response("LksJobsReport", "Per maandeinde: actief, gestart, beëindigd"),
                          **common_errors(invalid)},
        }},
    }
