"""Report pages and exports: parse the filter, call the report services, render.

Every number comes from `services.reports`; `privacy.for_viewer` decides what a role may see
(management: counts of 1–4 people as "< 5", no staff names), the same as in the API. A team
lead always sees his own team only. A bad filter comes back as a Dutch message on the page.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cached_property

from flask import Response, abort, render_template, request
from sqlalchemy import select

from ...extensions import db
from ...models import Instrument
from ...permissions import (
    MANAGEMENT,
    READ_REPORTS,
    TEAMLEAD,
    acting_user,
    roles_required,
)
from ...services.calendar import long_date, today
from ...services.errors import ValidationError
from ...services.reports import exports, privacy
from ...services.reports.filters import (
    GROUP_BY_LABELS,
    ReportFilter,
    describe,
    empty_cohort_reason,
    parse_filter,
    parse_group_by,
    scoped_to_team,
)
from ...services.reports.funnel import first_contact, funnel
from ...services.reports.lks_jobs import lks_jobs, net_growth
from ...services.reports.period import Period, tertalen
from ...services.reports.retention import (
    end_reasons,
    retention,
    retention_by_instrument,
)
from ...services.reports.spend import format_euros
from . import presenters
from .blueprint import bp
from .forms import filter_options, tertaal_shortcuts

PAGES = (("reports.dashboard", "Overzicht"), ("reports.funnel_page", "Funnel en eerste contact"),
         ("reports.lks_page", "LKS-banen"), ("reports.retention_page", "Baanbehoud en einden"))


@dataclass
class Query:
    """One request's report question: the filter, how to group, which touch, the reference date."""

    flt: ReportFilter | None
    group_by: str | None
    touch: str
    as_of: date
    role: str
    errors: dict[str, str] = field(default_factory=dict)

    @cached_property
    def narrowed_by(self) -> list[str]:
        """The filters that narrow the placements, in words ("Team: Noord"): the regional target does not apply."""
        return list(describe(self.flt).values())

    @property
    def lks_range(self) -> tuple[date, date]:
        """LKS jobs from 1 January of the period's year (so the line to the target shows) up to the period's
        end, but not past today: a month end still to come has no count yet."""
        end = min(self.flt.period.end, today())
        return min(date(self.flt.period.start.year, 1, 1), end), end


def _parse(default_group_by: str | None = None) -> Query:
    """The query arguments as a report question; every bad value ends up in `errors`, in Dutch."""
    args, user, errors = request.args, acting_user(), {}
    flt = group_by = None
    try:
        flt = parse_filter(args)
    except ValidationError as exc:
        errors.update(exc.fields or {"filter": exc.message})
    raw = args.get("group_by")
    try:
        group_by = parse_group_by(default_group_by if raw is None else raw)
    except ValidationError as exc:
        errors.update(exc.fields)
    touch = args.get("touch") or "first"
    if touch not in ("first", "last"):
        errors["touch"] = "Kies de toerekening: first (eerste contactmoment) of last (laatste vóór het gesprek)."
    as_of = today()
    if args.get("as_of"):
        try:
            as_of = date.fromisoformat(args["as_of"].strip())
        except ValueError:
            errors["as_of"] = f"Geen geldige datum: {args['as_of']!r}. Gebruik jjjj-mm-dd."
    if user.role == TEAMLEAD:
        if user.team_id is None:
            errors["team"] = "Uw account hoort bij geen team, dus er zijn geen cijfers voor u. Vraag de beheerder."
        elif flt is not None:
            flt = scoped_to_team(flt, user.team_id)
    return Query(flt, group_by, touch, as_of, user.role, errors)


# --- the reports, as this viewer may see them -------------------------------------------------------

def _funnel(q: Query, group_by: str | None = None) -> dict:
    return privacy.for_viewer(funnel(q.flt, group_by=group_by, touch=q.touch), "funnel", q.role)


def _funnel_cross(q: Query) -> dict:
    """The funnel per channel × phase in one query (touch as chosen)."""
    return privacy.for_viewer(funnel(q.flt, group_by="channel", touch=q.touch, split_by="phase"), "funnel", q.role)


def _touch_comparison(q: Query) -> exports.Table | None:
    """Channel or phase by first touch next to last touch before the meeting; None for other groupings."""
    if q.group_by not in ("channel", "phase"):
        return None
    return exports.touch_comparison_table(
        privacy.for_viewer(funnel(q.flt, group_by=q.group_by, touch="first"), "funnel", q.role),
        privacy.for_viewer(funnel(q.flt, group_by=q.group_by, touch="last"), "funnel", q.role))


def _first_contact(q: Query) -> dict:
    return privacy.for_viewer(first_contact(q.flt, group_by=q.group_by), "first_contact", q.role)


def _lks(q: Query) -> dict:
    start, end = q.lks_range
    return privacy.for_viewer(lks_jobs(start, end, q.flt), "lks_jobs", q.role)


def _growth(q: Query) -> list[dict]:
    start, end = q.lks_range
    # The running tertaal counts up to today: its last day has no count yet.
    periods = [p if p.end <= today() else Period(p.start, today()) for p in tertalen(start, end) if p.start <= today()]
    return privacy.for_viewer({"periods": net_growth(periods, q.flt)}, "lks_jobs", q.role)["periods"]


def _retention(q: Query) -> dict:
    return privacy.for_viewer(retention(cohort="quarter", as_of=q.as_of, flt=q.flt), "retention", q.role)


def _retention_by_instrument(q: Query) -> dict:
    return privacy.for_viewer(retention_by_instrument(as_of=q.as_of, flt=q.flt), "retention", q.role)


def _end_reasons(q: Query) -> dict:
    return privacy.for_viewer(end_reasons(q.flt), "end_reasons", q.role)


def _instrument_labels() -> dict[str, str]:
    return dict(db.session.execute(select(Instrument.code, Instrument.name)).all())


def _empty_reason(q: Query, report: dict) -> str | None:
    """For an empty cohort, which filter empties it (a team lead's own team is not his to drop)."""
    if report["total"]["created"]:
        return None
    return empty_cohort_reason(q.flt, fixed=frozenset({"team"}) if q.role == TEAMLEAD else frozenset())


# The downloadable tables of these pages, by their name in the URL (see `exports.register` for how a
# report of another module offers its own).
OWN_EXPORTS: dict[str, tuple[str, Callable[[Query], exports.Table]]] = {
    "funnel": ("reports.dashboard", lambda q: exports.funnel_steps_table(_funnel(q))),
    "funnel-groepen": ("reports.funnel_page", lambda q: exports.funnel_groups_table(_funnel(q, q.group_by))),
    "kanaal-fase": ("reports.funnel_page", lambda q: exports.funnel_cross_table(_funnel_cross(q))),
    "toerekening": ("reports.funnel_page", lambda q: _touch_comparison(
        q if q.group_by in ("channel", "phase") else replace(q, group_by="channel"))),
    "eerste-contact": ("reports.funnel_page",
                       lambda q: exports.first_contact_table(_first_contact(q), q.group_by)),
    "lks-banen": ("reports.lks_page", lambda q: exports.lks_months_table(_lks(q), q.narrowed_by)),
    "netto-groei": ("reports.lks_page", lambda q: exports.net_growth_table(_growth(q))),
    "behoud-kwartaal": ("reports.retention_page", lambda q: exports.retention_table(_retention(q), by="quarter")),
    "behoud-instrument": ("reports.retention_page", lambda q: exports.retention_table(
        _retention_by_instrument(q), by="instrument", labels=_instrument_labels())),
    "einden": ("reports.retention_page", lambda q: exports.end_summary_table(_end_reasons(q), q.flt.period.label)),
    "einde-hoe": ("reports.retention_page", lambda q: exports.end_how_table(_end_reasons(q))),
    "einde-waarom": ("reports.retention_page", lambda q: exports.end_why_table(_end_reasons(q))),
}
for _name, (_page, _build) in OWN_EXPORTS.items():
    exports.register(_name, _page, _build)


# --- pages ------------------------------------------------------------------------------------------

def _render(template: str, endpoint: str, q: Query, **context):
    user = acting_user()
    return render_template(
        template, q=q, pages=PAGES, endpoint=endpoint,
        options=filter_options(user.team_id if user.role == TEAMLEAD else None),
        shortcuts=tertaal_shortcuts(endpoint, request.args, q.flt.period if q.flt else None, today()),
        management=user.role == MANAGEMENT, **context,
    ), 422 if q.errors else 200


@bp.get("/")
@roles_required(*READ_REPORTS)
def dashboard():
    q = _parse()
    if q.errors:
        return _render("reports/dashboard.html", "reports.dashboard", q)
    funnel_report, lks, kept = _funnel(q), _lks(q), _retention(q)
    return _render(
        "reports/dashboard.html", "reports.dashboard", q,
        funnel=funnel_report, funnel_table=exports.funnel_steps_table(funnel_report),
        funnel_chart=presenters.funnel_chart(funnel_report),
        funnel_summary=presenters.funnel_summary(funnel_report, _empty_reason(q, funnel_report)),
        lks=lks, lks_table=exports.lks_months_table(lks, q.narrowed_by),
        lks_chart=presenters.lks_chart(lks, narrowed=bool(q.narrowed_by)),
        lks_summary=presenters.lks_summary(lks, q.narrowed_by),
        retention=kept, retention_table=exports.retention_table(kept, by="quarter"),
        retention_chart=presenters.survival_chart(kept, chart_id="behoud-grafiek", include_all=True,
                                                  title="Baanbehoud (Kaplan–Meier) per startkwartaal"),
        retention_summary=presenters.retention_summary(kept),
    )


@bp.get("/funnel")
@roles_required(*READ_REPORTS)
def funnel_page():
    q = _parse(default_group_by="channel")
    if q.errors:
        return _render("reports/funnel.html", "reports.funnel_page", q)
    grouped, contact = _funnel(q, q.group_by), _first_contact(q)
    return _render(
        "reports/funnel.html", "reports.funnel_page", q,
        funnel=grouped, steps_table=exports.funnel_steps_table(grouped),
        groups_table=exports.funnel_groups_table(grouped) if q.group_by else None,
        funnel_chart=presenters.funnel_chart(grouped),
        funnel_summary=presenters.funnel_summary(grouped, _empty_reason(q, grouped)),
        touch_table=_touch_comparison(q), cross_table=exports.funnel_cross_table(_funnel_cross(q)),
        contact_table=exports.first_contact_table(contact, q.group_by),
        contact_summary=presenters.first_contact_summary(contact),
    )


@bp.get("/lks-banen")
@roles_required(*READ_REPORTS)
def lks_page():
    q = _parse()
    if q.errors:
        return _render("reports/lks_jobs.html", "reports.lks_page", q)
    lks, growth = _lks(q), _growth(q)
    return _render(
        "reports/lks_jobs.html", "reports.lks_page", q,
        lks=lks, lks_table=exports.lks_months_table(lks, q.narrowed_by),
        lks_chart=presenters.lks_chart(lks, narrowed=bool(q.narrowed_by)),
        lks_summary=presenters.lks_summary(lks, q.narrowed_by),
        growth_table=exports.net_growth_table(growth), growth_summary=presenters.net_growth_summary(growth),
    )


@bp.get("/baanbehoud")
@roles_required(*READ_REPORTS)
def retention_page():
    q = _parse()
    if q.errors:
        return _render("reports/retention.html", "reports.retention_page", q)
    quarters, instruments, ends = _retention(q), _retention_by_instrument(q), _end_reasons(q)
    labels = _instrument_labels()
    return _render(
        "reports/retention.html", "reports.retention_page", q,
        quarters=quarters, quarter_table=exports.retention_table(quarters, by="quarter"),
        quarter_chart=presenters.survival_chart(quarters, chart_id="behoud-kwartaal-grafiek",
                                                title="Baanbehoud (Kaplan–Meier) per startkwartaal"),
        quarter_summary=presenters.cohort_spread_summary(quarters, "startkwartaal"),
        instrument_table=exports.retention_table(instruments, by="instrument", labels=labels),
        instrument_chart=presenters.survival_chart(instruments, chart_id="behoud-instrument-grafiek", labels=labels,
                                                   include_all=False,
                                                   title="Baanbehoud (Kaplan–Meier) per instrument"),
        instrument_summary=presenters.cohort_spread_summary(
            {**instruments, "cohorts": [{**c, "label": labels.get(c["cohort"], c["cohort"])}
                                        for c in instruments["cohorts"]]}, "instrument"),
        ends=ends, ends_table=exports.end_summary_table(ends, q.flt.period.label),
        how_table=exports.end_how_table(ends), why_table=exports.end_why_table(ends),
        why_chart=presenters.end_why_chart(ends), ends_summary=presenters.end_reasons_summary(ends),
    )


# --- exports ----------------------------------------------------------------------------------------

def _about(q: Query, title: str) -> list[tuple[str, str]]:
    """The explanation sheet of an XLSX download: what, which period, which filters, when."""
    chosen = list(describe(q.flt).values())
    if request.args.get("group_by") and q.group_by:
        chosen.append(f"Indeling: per {GROUP_BY_LABELS[q.group_by].lower()}")
    if q.touch == "last":
        chosen.append("Kanaal en fase: laatste contactmoment vóór het gesprek")
    if request.args.get("as_of"):
        chosen.append(f"Peildatum: {long_date(q.as_of)}")
    lines = [("Rapport", title), ("Periode", q.flt.period.label),
             ("Filters", "; ".join(chosen) or "geen"), ("Gemaakt op", long_date(today()))]
    if q.role == TEAMLEAD:
        lines.append(("Team", "Alleen de cijfers van uw eigen team."))
    if q.role == MANAGEMENT:
        lines.append(("Privacy", f"Aantallen van 1 tot {privacy.SMALL - 1} personen zijn niet ingevuld: "
                                 "zulke kleine aantallen kunnen naar een persoon wijzen."))
    return lines


def _download(content: bytes, mimetype: str, filename: str) -> Response:
    return Response(content, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})


def _period_slug(q: Query) -> str:
    return f"{q.flt.period.start.isoformat()}-{q.flt.period.end.isoformat()}"


@bp.get("/export/<name>.<fmt>")
@roles_required(*READ_REPORTS)
def export_table(name: str, fmt: str):
    if name not in exports.REGISTRY or fmt not in ("csv", "xlsx"):
        abort(404)
    q = _parse(default_group_by="channel")
    if q.errors:
        return _render("reports/dashboard.html", "reports.dashboard", q)
    table = exports.REGISTRY[name].build(q)
    filename = f"{table.name}-{_period_slug(q)}.{fmt}"
    if fmt == "csv":
        return _download(exports.table_csv(table), exports.CSV_MIME, filename)
    return _download(exports.table_xlsx(table, _about(q, table.title)), exports.XLSX_MIME, filename)


@bp.get("/tertaalmonitor.xlsx")
@roles_required(*READ_REPORTS)
def tertaal_monitor():
    q = _parse()
    if q.errors:
        return _render("reports/dashboard.html", "reports.dashboard", q)
    tables = exports.tertaal_monitor_tables(
        funnel_by_channel=_funnel(q, "channel"), funnel_by_phase=_funnel(q, "phase"), lks=_lks(q),
        growth=_growth(q), retention_quarters=_retention(q), retention_instruments=_retention_by_instrument(q),
        end_reasons=_end_reasons(q), period_label=q.flt.period.label, instrument_labels=_instrument_labels(),
        funnel_by_channel_and_phase=_funnel_cross(q), narrowed_by=q.narrowed_by)
    content = exports.workbook_xlsx(tables, _about(q, "Tertaalmonitor werkgeversdienstverlening"))
    return _download(content, exports.XLSX_MIME, f"tertaalmonitor-{_period_slug(q)}.xlsx")


@bp.app_template_filter("report_cell")
def report_cell(value, kind: str) -> str:
    """A table cell as the page shows it: Dutch numbers, rates as percentages, "–" for nothing."""
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, str):
        return value
    if kind == "rate":
        return presenters.nl_percent(value, 1)
    if kind in ("days", "number"):
        return presenters.nl_number(value, 1)
    if kind == "euro":
        return format_euros(round(value * 100))
    if kind == "date":
        return long_date(value)
    if kind == "datetime":
        return f"{long_date(value.date())} {value:%H:%M}"
    return presenters.nl_number(value)
