"""Spend pages (record, list, change, delete, import from Meta Ads and LinkedIn Ads) and the cost-per-outcome page.

The campaign team and admins record spend; management reads the cost page (small placement counts
hidden, as on every report). Team leads see their own team's figures elsewhere; spend is not made per
team, so the cost page is not theirs.
"""
from __future__ import annotations

import base64
import binascii

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from ...extensions import db
from ...models import AdCode, Campaign, Channel, Phase
from ...models.spend import SpendEntry
from ...permissions import ADMIN, CAMPAIGN, MANAGEMENT, TEAMLEAD, acting_user, roles_required
from ...services.errors import ValidationError
from ...services.reports import costs, exports
from ...services.reports import spend as spend_service
from ..forms import ActionForm, apply_errors
from .blueprint import bp
from .routes import Query, _parse, _render
from .spend_forms import SpendApplyForm, SpendForm, SpendImportForm

RECORD_SPEND = {ADMIN, CAMPAIGN}
READ_COSTS = {ADMIN, CAMPAIGN, MANAGEMENT}
PER_PAGE = 50


def _options() -> tuple[list, list, list]:
    """(id, label) pairs for the spend form's channel, phase and ad code selects."""
    channels = [(c.id, c.name) for c in db.session.scalars(
        select(Channel).order_by(Channel.active.desc(), Channel.sort_order, Channel.name))]
    phases = [(p.id, f"{p.name} ({c})") for p, c in db.session.execute(
        select(Phase, Campaign.name).join(Campaign).order_by(Campaign.active.desc(), Campaign.starts_on.desc(),
                                                             Phase.starts_on))]
    ad_codes = [(a.id, f"{a.code} – {a.title}") for a in db.session.scalars(
        select(AdCode).order_by(AdCode.active.desc(), AdCode.code))]
    return channels, phases, ad_codes


def _input(form: SpendForm) -> spend_service.SpendInput:
    return spend_service.SpendInput(
        channel_id=form.channel_id.data, phase_id=form.phase_id.data, ad_code_id=form.ad_code_id.data,
        starts_on=form.starts_on.data, ends_on=form.ends_on.data, amount=form.amount.data or "",
        note=form.note.data or "")


def _save(form: SpendForm, entry: SpendEntry | None) -> SpendEntry | None:
    """Validate through the service and commit; None when the form has errors (every one per field, at once)."""
    form.validate()  # reads the dates and the selects: one that cannot be read gets WTForms' Dutch message
    unread = {name for name, item in form._fields.items() if item.errors}
    try:
        if unread:
            problems = {k: v for k, v in spend_service.spend_problems(_input(form)).items() if k not in unread}
            raise ValidationError("De uitgave is niet opgeslagen; controleer de gemarkeerde velden.", problems)
        if entry is None:
            entry = spend_service.record_spend(_input(form), actor=acting_user())
        else:
            spend_service.update_spend(entry, _input(form), actor=acting_user())
    except ValidationError as exc:
        db.session.rollback()
        apply_errors(form, exc)
        return None
    db.session.commit()
    return entry


@bp.get("/uitgaven")
@roles_required(*RECORD_SPEND)
def spend_list():
    page = db.paginate(spend_service.spend_list_query(), per_page=PER_PAGE, error_out=False)
    return render_template("reports/spend_list.html", page=page, total=spend_service.spend_total_cents(),
                           euros=spend_service.format_euros, action_form=ActionForm())


@bp.route("/uitgaven/nieuw", methods=["GET", "POST"])
@roles_required(*RECORD_SPEND)
def spend_new():
    form = SpendForm()
    form.fill_choices(*_options())
    if request.method == "POST":
        entry = _save(form, None)
        if entry is not None:
            flash(f"De uitgave van {spend_service.format_euros(entry.amount_cents)} is opgeslagen.", "success")
            return redirect(url_for("reports.spend_list"))
    return render_template("reports/spend_form.html", form=form, entry=None), 422 if form.errors else 200


@bp.route("/uitgaven/<int:entry_id>/wijzigen", methods=["GET", "POST"])
@roles_required(*RECORD_SPEND)
def spend_edit(entry_id: int):
    entry = db.get_or_404(SpendEntry, entry_id)
    form = SpendForm(obj=entry) if request.method == "GET" else SpendForm()
    form.fill_choices(*_options())
    if request.method == "GET":
        form.amount.data = spend_service.euros_input(entry.amount_cents)
    else:
        saved = _save(form, entry)
        if saved is not None:
            flash("De uitgave is gewijzigd.", "success")
            return redirect(url_for("reports.spend_list"))
    return render_template("reports/spend_form.html", form=form, entry=entry), 422 if form.errors else 200


@bp.post("/uitgaven/<int:entry_id>/verwijderen")
@roles_required(*RECORD_SPEND)
def spend_delete(entry_id: int):
    entry = db.get_or_404(SpendEntry, entry_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    amount = spend_service.format_euros(entry.amount_cents)
    spend_service.delete_spend(entry, actor=acting_user())
    db.session.commit()
    flash(f"De uitgave van {amount} is verwijderd.", "success")
    return redirect(url_for("reports.spend_list"))


# --- import -----------------------------------------------------------------------------------------

def _ad_code_choices() -> list[tuple[int, str]]:
    return [(a.id, f"{a.code} – {a.title} ({c})") for a, c in db.session.execute(
        select(AdCode, Channel.name).join(Channel, Channel.id == AdCode.channel_id)
        .order_by(AdCode.active.desc(), AdCode.code))]


def _render_preview(data: bytes, source: str, filename: str, choices: dict[str, int], problem: str | None = None):
    preview = spend_service.preview_import(data, source, choices)
    form = SpendApplyForm(formdata=None, source=source, filename=filename,
                          content=base64.b64encode(data).decode("ascii"))
    db.session.rollback()  # a preview writes nothing
    return render_template("reports/spend_preview.html", preview=preview, form=form, filename=filename,
                           source_label=spend_service.IMPORT_SOURCES[source], ad_codes=_ad_code_choices(),
                           chosen=choices, euros=spend_service.format_euros, problem=problem), 422 if problem else 200


@bp.route("/uitgaven/importeren", methods=["GET", "POST"])
@roles_required(*RECORD_SPEND)
def spend_import():
    form = SpendImportForm()
    if request.method == "POST" and form.validate():
        upload = form.file.data
        data = upload.read() if upload and hasattr(upload, "read") else b""
        if not data:
            form.file.errors = ["Kies een CSV-bestand met uitgaven."]
        else:
            try:
                return _render_preview(data, form.source.data, upload.filename or "uitgaven.csv", {})
            except ValidationError as exc:
                db.session.rollback()
                form.file.errors = [exc.message, *(v for k, v in exc.fields.items() if k == "file")]
    mappings = db.session.scalars(spend_service.mappings_query()).all()
    return (render_template("reports/spend_import.html", form=form, mappings=mappings,
                            sources=spend_service.IMPORT_SOURCES),
            422 if form.errors else 200)


@bp.post("/uitgaven/importeren/inlezen")
@roles_required(*RECORD_SPEND)
def spend_import_apply():
    form = SpendApplyForm()
    if not form.validate() or form.source.data not in spend_service.IMPORT_SOURCES:
        abort(400)
    try:
        data = base64.b64decode(form.content.data or "", validate=True)
    except (binascii.Error, ValueError):
        abort(400)
    choices = spend_service.mapping_choices(request.form)
    filename = (form.filename.data or "uitgaven.csv")[:200]
    if not form.submit.data:
        return _render_preview(data, form.source.data, filename, choices)
    try:
        result = spend_service.apply_import(data, form.source.data, choices, actor=acting_user(), filename=filename)
    except ValidationError as exc:
        db.session.rollback()
        return _render_preview(data, form.source.data, filename, choices, problem=exc.message)
    db.session.commit()
    flash(f"{result.added} nieuwe uitgaven ingelezen ({spend_service.format_euros(result.amount_cents)}), "
          f"{result.updated} bijgewerkt, {result.unchanged} al bekend, {result.errors} met fouten overgeslagen.",
          "success")
    return redirect(url_for("reports.spend_list"))


# --- cost per outcome -------------------------------------------------------------------------------

def _cost_report(q: Query, group_by: str) -> dict:
    if q.role == TEAMLEAD:
        abort(403)
    return costs.for_viewer(costs.cost_per_outcome(q.flt, group_by, as_of=q.as_of), q.role)


def _cost_group(raw: str | None) -> tuple[str, str | None]:
    value = (raw or "channel").strip().lower()
    if value in costs.COST_GROUPS:
        return value, None
    return "channel", "Kies een indeling: " + ", ".join(label.lower() for label in costs.COST_GROUPS.values()) + "."


@bp.get("/kosten-per-uitkomst")
@roles_required(*READ_COSTS)
def costs_page():
    q = _parse()
    group_by, problem = _cost_group(request.args.get("cost_by"))
    if problem:
        q.errors["cost_by"] = problem
    if q.errors:
        return _render("reports/costs.html", "reports.costs_page", q, cost_by=group_by,
                       cost_groups=costs.COST_GROUPS)
    report = _cost_report(q, group_by)
    return _render("reports/costs.html", "reports.costs_page", q, report=report, cost_by=group_by,
                   cost_groups=costs.COST_GROUPS, cost_table=costs.cost_table(report),
                   lks_table=costs.lks_cost_table(report),
                   export_slug=costs.SLUGS[group_by])


for _group, _slug in costs.SLUGS.items():
    exports.register(f"kosten-per-{_slug}", "reports.costs_page",
                     lambda q, g=_group: costs.cost_table(_cost_report(q, g)))
    exports.register(f"kosten-lks-{_slug}", "reports.costs_page",
                     lambda q, g=_group: costs.lks_cost_table(_cost_report(q, g)))

