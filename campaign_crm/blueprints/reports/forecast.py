"""The forecast against the LKS target and the response time split by who waits: parse, call the service, render.

The forecast is regional, so it is for the roles that read the whole region (team leads read their own team's
figures only and do not get it); the response times follow the report filter like the other report pages.
"""
from __future__ import annotations

from datetime import date

from flask import render_template, request

from ...permissions import ADMIN, CAMPAIGN, MANAGEMENT, READ_REPORTS, TEAMLEAD, acting_user, roles_required
from ...services.calendar import today
from ...services.errors import ValidationError
from ...services.reports import exports, privacy
from ...services.reports.filters import parse_filter, scoped_to_team
from ...services.reports.forecast import forecast
from ...services.reports.response_times import GROUP_BYS, PART_LABELS, response_times, response_times_table
from ..forms import apply_errors
from .blueprint import bp
from .forecast_forms import ForecastForm
from .forms import filter_options, tertaal_shortcuts
from .routes import PAGES, Query

RESPONSE_GROUPS = (("channel", "Kanaal"), ("team", "Team"), ("advisor", "Adviseur"))


@bp.get("/prognose")
@roles_required(ADMIN, CAMPAIGN, MANAGEMENT)
def forecast_page():
    form = ForecastForm(formdata=request.args)
    result = None
    data = form.to_input()
    if data is not None:
        try:
            result = forecast(data)
        except ValidationError as exc:
            apply_errors(form, exc)
    management = acting_user().role == MANAGEMENT
    if result is not None:
        result = _for_page(result, management)
    return render_template("reports/forecast.html", form=form, result=result, pages=PAGES,
                           endpoint="reports.forecast_page", management=management), 422 if form.errors else 200


def _for_page(result: dict, management: bool) -> dict:
    """The forecast with its dates as dates (the page writes them out in Dutch); for management a small
    number of jobs running now as "< 5", as on the LKS page."""
    result["as_of"] = date.fromisoformat(result["as_of"])
    result["target"]["date"] = date.fromisoformat(result["target"]["date"])
    for horizon in result["horizons"]:
        horizon["date"] = date.fromisoformat(horizon["date"])
    if management:
        result["active_now"] = privacy.suppress_small(result["active_now"])
    return result


def _response_query() -> Query:
    """The report filter and the grouping (channel, team or advisor) from the query string, errors in Dutch."""
    user, errors, flt = acting_user(), {}, None
    try:
        flt = parse_filter(request.args)
    except ValidationError as exc:
        errors.update(exc.fields or {"filter": exc.message})
    group_by = request.args.get("group_by") or "channel"
    if group_by not in GROUP_BYS:
        errors["group_by"] = "Kies een indeling: kanaal, team of adviseur."
    if user.role == TEAMLEAD:
        if user.team_id is None:
            errors["team"] = "Uw account hoort bij geen team, dus er zijn geen cijfers voor u. Vraag de beheerder."
        elif flt is not None:
            flt = scoped_to_team(flt, user.team_id)
    return Query(flt, group_by, "first", today(), user.role, errors)


@bp.get("/reactietijd")
@roles_required(*READ_REPORTS)
def response_times_page():
    q, user = _response_query(), acting_user()
    report = None
    if not q.errors:
        report = privacy.for_viewer(response_times(q.flt, group_by=q.group_by), "response_times", q.role)
    endpoint = "reports.response_times_page"
    return render_template(
        "reports/response_times.html", q=q, pages=PAGES, endpoint=endpoint, report=report,
        part_labels=PART_LABELS, response_groups=RESPONSE_GROUPS,
        options=filter_options(user.team_id if user.role == TEAMLEAD else None),
        shortcuts=tertaal_shortcuts(endpoint, request.args, q.flt.period if q.flt else None, today()),
        management=user.role == MANAGEMENT,
    ), 422 if q.errors else 200


def _response_table(q: Query) -> exports.Table:
    group_by = q.group_by if q.group_by in GROUP_BYS else "channel"
    return response_times_table(privacy.for_viewer(response_times(q.flt, group_by=group_by), "response_times",
                                                   q.role))


exports.register("reactietijd", "reports.response_times_page", _response_table)
