"""The audit log for admins: entries in words with names and links, filters, tabs for changes and reads,
the download (itself logged as a read), and the unusual-access view."""
from __future__ import annotations

from datetime import date, timedelta

from flask import Response, abort, render_template, request, url_for

from ...extensions import db
from ...permissions import REVIEW_AUDIT_LOG, acting_user, roles_required
from ...services.calendar import long_date, today
from ...services.errors import ValidationError
from ...services.privacy import audit_log as log_service
from ...services.reports import exports
from ...services.reports.period import Period
from .blueprint import bp

PER_PAGE = 50
# Where a record in the log opens, per kind of record, as (endpoint, name of the id argument).
RECORD_PAGES = {
    "users": ("admin.edit_user", "user_id"),
    "leads": ("leads.detail", "lead_id"),
    "employers": ("employers.show_employer", "employer_id"),
    "contacts": ("employers.show_contact", "contact_id"),
    "placements": ("placements.show_placement", "placement_id"),
}
FILTER_ARGS = ("kind", "actor", "object_type", "object_id", "from", "to", "action", "outcome")
UNUSUAL_DAYS = 7  # the unusual-access view looks at the last week unless told otherwise


def ref_url(ref: log_service.Ref) -> str | None:
    """The page a record in the log opens on, or None when the viewer may not open it."""
    if not ref.openable or ref.kind not in RECORD_PAGES:
        return None
    endpoint, argument = RECORD_PAGES[ref.kind]
    return url_for(endpoint, **{argument: ref.id})


def _filter_args() -> dict[str, str]:
    return {key: value for key, value in request.args.items() if key in FILTER_ARGS and value}


@bp.route("/logboek")
@roles_required(*REVIEW_AUDIT_LOG)
def audit_log():
    viewer = acting_user()
    errors: dict[str, str] = {}
    try:
        flt = log_service.parse_log_filter(request.args)
    except ValidationError as exc:
        errors, flt = exc.fields or {"filter": exc.message}, None
    page = lines = None
    if flt is not None:
        page = db.paginate(log_service.log_query(flt), per_page=PER_PAGE, error_out=False)
        lines = log_service.readable(list(page.items), viewer)
    tabs = [(label, url_for("admin.audit_log", **{**_filter_args(), "kind": kind} if kind else
                            {k: v for k, v in _filter_args().items() if k != "kind"}),
             (request.args.get("kind") or None) == kind)
            for kind, label in ((None, "Alles"), *log_service.KINDS.items())]
    html = render_template(
        "admin/audit_log.html", page=page, lines=lines, errors=errors, tabs=tabs, ref_url=ref_url,
        people=log_service.people(), actions=sorted(log_service.ACTIONS.items(), key=lambda item: item[1]),
        objects=sorted(log_service.OBJECTS.items(), key=lambda item: item[1]),
        outcomes=log_service.OUTCOME_LABELS, filter_args=_filter_args(),
        filter_text=log_service.describe_filter(flt) if flt else "",
    )
    return html, 422 if errors else 200


@bp.route("/logboek/export.<fmt>")
@roles_required(*REVIEW_AUDIT_LOG)
def export_audit_log(fmt: str):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    viewer = acting_user()
    try:
        flt = log_service.parse_log_filter(request.args)
    except ValidationError:
        return audit_log()  # the page with the messages, not a file
    table, _cut = log_service.export_table(flt, viewer)
    log_service.record_export(viewer, flt, fmt, len(table.rows))
    if fmt == "csv":
        content, mimetype = exports.table_csv(table), exports.CSV_MIME
    else:
        content = exports.table_xlsx(table, [("Logboek", "Wie wat wijzigde of inzag"),
                                             ("Filter", log_service.describe_filter(flt)),
                                             ("Gemaakt op", long_date(today())),
                                             ("Let op", "Dit bestand bevat wie welke persoonsgegevens inzag; "
                                                        "het downloaden staat zelf in het logboek.")])
        mimetype = exports.XLSX_MIME
    db.session.commit()  # the export's own entry
    return Response(content, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="logboek-{today().isoformat()}.{fmt}"',
        "Cache-Control": "no-store"})


@bp.route("/logboek/ongebruikelijk")
@roles_required(*REVIEW_AUDIT_LOG)
def unusual_access():
    viewer = acting_user()
    errors: dict[str, str] = {}
    end = _day("to", errors) or today()
    start = _day("from", errors) or end - timedelta(days=UNUSUAL_DAYS - 1)
    if start > end and "from" not in errors and "to" not in errors:
        errors["to"] = "De einddatum ligt voor de begindatum."
    threshold = log_service.reads_per_day_threshold()
    raw = (request.args.get("threshold") or "").strip()
    if raw:
        if raw.isascii() and raw.isdigit() and 0 < int(raw) <= 100_000:
            threshold = int(raw)
        else:
            errors["threshold"] = "Geef een geheel getal van 1 tot en met 100.000."
    heavy = cross = []
    if not errors:
        period = Period(start, end)
        heavy = log_service.heavy_readers(period, threshold, viewer)
        cross = log_service.cross_reads(period, viewer)
    html = render_template("admin/unusual_access.html", errors=errors, start=start, end=end, threshold=threshold,
                           heavy=heavy, cross=cross, ref_url=ref_url)
    return html, 422 if errors else 200


def _day(name: str, errors: dict[str, str]) -> date | None:
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors[name] = f"Geen geldige datum: {raw!r}. Gebruik jjjj-mm-dd, bijvoorbeeld 2026-05-01."
        return None
