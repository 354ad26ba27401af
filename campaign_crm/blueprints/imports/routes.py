"""Import pages: upload, column mapping (generic lists), preview, apply with progress, error file.

The preview streams its page while it works (one request, one transaction that is rolled back): the
progress lines arrive as chunks are done, the result follows on the same page. The apply is a background
task: the button enqueues it and leads to the batch page, which shows the rows done (the task updates them
after every committed chunk) and reloads itself until the task is done, then shows the result.
"""
from __future__ import annotations

import time
from types import SimpleNamespace

from flask import (
    Response,
    abort,
    current_app,
    flash,
    get_flashed_messages,
    redirect,
    render_template,
    request,
    stream_template,
    url_for,
)
from flask_wtf.csrf import generate_csrf
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from ...extensions import db
from ...models import Campaign, Channel, ImportBatch, ImportMapping, Phase, TaskRun
from ...permissions import RUN_CAMPAIGNS, acting_user, roles_required
from ...request_limits import database_id
from ...services import audit, imports
from ...services.errors import ValidationError
from ...tasks import IMPORT_TASK, TaskQueueUnavailable, current_engine, runs
from .blueprint import bp
from .forms import ActionForm, UploadForm, choices, mapping_form_class

PROGRESS_EVERY_SECONDS = 1.0
ERRORS_ON_PAGE = 200
REFRESH_SECONDS = 3  # the batch page reloads itself this often while its import runs (unless switched off)


def _fill_upload_choices(form: UploadForm) -> None:
    campaigns = list(db.session.scalars(select(Campaign).order_by(Campaign.active.desc(), Campaign.starts_on.desc())))
    form.campaign.choices = choices((c.code, c.name + ("" if c.active else " (niet actief)")) for c in campaigns)
    phases = db.session.execute(
        select(Phase.code, Phase.name, Campaign.name).join(Campaign)
        .order_by(Campaign.starts_on.desc(), Phase.starts_on)
    ).all()
    form.phase.choices = choices([("", "Automatisch: de fase waarin de datum van de rij valt"),
                                  *((code, f"{name} ({campaign})") for code, name, campaign in phases)])
    channels = db.session.execute(select(Channel.code, Channel.name).where(Channel.active.is_(True))
                                  .order_by(Channel.sort_order, Channel.name)).all()
    form.channel.choices = choices([("", "Automatisch: wat het bestand of de soort bestand zegt"), *channels])


@bp.route("/", methods=["GET", "POST"])
@roles_required(*RUN_CAMPAIGNS)
def new_import():
    form = UploadForm()
    _fill_upload_choices(form)
    if form.validate_on_submit():
        upload = form.file.data
        data, filename = upload.read(), upload.filename or "bestand"
        options = imports.ImportOptions(preset=form.preset.data, campaign=form.campaign.data or None,
                                        phase=form.phase.data or None, channel=form.channel.data or None)
        try:
            imports.check_options(options)
            if options.preset == "generic":
                imports.file_columns(data, filename)
            else:
                imports.parse(data, filename, options)  # the file as a whole must be readable as this preset
        except ValidationError as exc:
            db.session.rollback()
            _upload_errors(form, exc)
        else:
            batch = imports.create_batch(data, filename, options, actor=acting_user())
            db.session.commit()
            if options.preset == "generic":
                return redirect(url_for("imports.map_columns", batch_id=batch.id))
            return redirect(url_for("imports.show_batch", batch_id=batch.id))
    batches = imports.recent_batches()
    running = {run.key for run in runs.by_keys([_run_key(b.id) for b in batches]).values() if run.active}
    return render_template("imports/new_import.html", form=form, presets=imports.PRESETS, batches=batches,
                           running={b.id for b in batches if _run_key(b.id) in running},
                           max_upload_mb=current_app.config["MAX_UPLOAD_MB"])


def _run_key(batch_id: int) -> str:
    return f"{IMPORT_TASK}:{batch_id}"


def _upload_errors(form: UploadForm, exc: ValidationError) -> None:
    """Option errors on their select; anything about the file as a whole on the file field."""
    about_file = False
    for name, message in exc.fields.items():
        if name in ("campaign", "phase", "channel", "preset"):
            target = getattr(form, name)
            target.errors = list(target.errors) + [message]
        else:
            about_file = True
    if about_file:
        form.file.errors = list(form.file.errors) + [exc.message]


@bp.route("/<int:batch_id>/kolommen", methods=["GET", "POST"])
@roles_required(*RUN_CAMPAIGNS)
def map_columns(batch_id: int):
    batch = _open_batch(batch_id)
    if batch.preset != "generic":
        return redirect(url_for("imports.show_batch", batch_id=batch.id))
    try:
        columns, examples = imports.file_columns(batch.content or b"", batch.filename)
    except ValidationError as exc:
        flash(exc.message, "error")
        return redirect(url_for("imports.new_import"))
    saved = imports.saved_mappings()
    chosen = db.session.get(ImportMapping, database_id(request.args.get("koppeling")) or 0)
    start = (batch.options.get("mapping") or (chosen.mapping if chosen else None) or imports.suggest_mapping(columns))
    form = mapping_form_class(columns)(data={f"map_{f}": c for f, c in start.items() if c in columns}
                                       if request.method == "GET" else None)
    if form.validate_on_submit():
        mapping = {name: getattr(form, f"map_{name}").data for name in imports.FIELDS}
        mapping = {name: column for name, column in mapping.items() if column}
        try:
            imports.fields.check_mapping(mapping, columns)
            if form.save_as.data:
                imports.save_mapping(form.save_as.data, mapping, actor=acting_user())
        except ValidationError as exc:
            db.session.rollback()
            for name, message in exc.fields.items():
                target = getattr(form, f"map_{name}", None) or getattr(form, name, None)
                if target is not None:
                    target.errors = list(target.errors) + [message]
        else:
            imports.set_mapping(batch, mapping)
            db.session.commit()
            if form.save_as.data:
                flash(f"De koppeling is bewaard als '{form.save_as.data.strip()}'.", "success")
            return redirect(url_for("imports.show_batch", batch_id=batch.id))
    return render_template("imports/map_columns.html", batch=batch, form=form, columns=columns, examples=examples,
                           saved=saved, chosen=chosen, fields=imports.FIELDS)


@bp.route("/<int:batch_id>")
@roles_required(*RUN_CAMPAIGNS)
def show_batch(batch_id: int):
    batch = db.get_or_404(ImportBatch, batch_id)
    run = runs.by_key(_run_key(batch.id))
    if batch.status == "previewed" and not batch.summary and run is None:  # not computed yet, or the mapping changed
        if batch.preset == "generic" and not batch.options.get("mapping"):
            return redirect(url_for("imports.map_columns", batch_id=batch.id))
        return _stream(batch)
    running = run is not None and run.active and batch.status != "applied"
    # A run that failed for good while the batch could not be marked (the database was gone) still says why.
    failure = run.error if run is not None and run.status == "failed" and batch.status == "previewed" else None
    refresh = running and request.args.get("verversen") != "uit"
    state = SimpleNamespace(batch=batch, failure=failure, run=run if running else None)
    return render_template("imports/show_batch.html", state=state, form=ActionForm(), errors_on_page=ERRORS_ON_PAGE,
                           refresh_seconds=REFRESH_SECONDS if refresh else None), 200, {"Cache-Control": "no-store"}


@bp.route("/<int:batch_id>/inlezen", methods=["POST"])
@roles_required(*RUN_CAMPAIGNS)
def apply_batch(batch_id: int):
    """Enqueue the apply (once: a second click finds the run already queued) and show the batch's progress."""
    batch = db.get_or_404(ImportBatch, batch_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if batch.status == "applied":
        flash("Dit bestand is al ingelezen.", "info")
        return redirect(url_for("imports.show_batch", batch_id=batch.id))
    try:
        imports.check_options(imports.batch_options(batch))
    except ValidationError as exc:
        db.session.rollback()
        imports.mark_failed(batch.id, exc.message)
        db.session.commit()
        flash(exc.message, "error")
        return redirect(url_for("imports.new_import"))
    try:
        run: TaskRun = current_engine().enqueue_import(batch.id, actor=acting_user())
    except TaskQueueUnavailable as exc:
        flash(exc.message, "error")
    else:
        if run.active:
            flash("Het bestand wordt op de achtergrond ingelezen; deze pagina laat de voortgang zien.", "info")
    return redirect(url_for("imports.show_batch", batch_id=batch.id))


@bp.route("/<int:batch_id>/afgewezen.csv")
@roles_required(*RUN_CAMPAIGNS)
def download_errors(batch_id: int):
    batch = db.get_or_404(ImportBatch, batch_id)
    if not batch.errors:
        abort(404)
    audit.record(acting_user(), "import_errors_downloaded", batch, rows=len({e["row"] for e in batch.errors}))
    db.session.commit()
    return Response(imports.error_file(batch), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="import-{batch.id}-afgewezen-rijen.csv"',
    })


def _open_batch(batch_id: int) -> ImportBatch:
    batch = db.get_or_404(ImportBatch, batch_id)
    if batch.status != "previewed":
        abort(404)
    return batch


def _stream(batch: ImportBatch) -> Response:
    """Compute the preview while streaming progress lines, then the result, as one page (nothing is stored but
    the preview's summary on the batch)."""
    actor = acting_user()
    form = ActionForm()
    generate_csrf()  # made now: the session cookie is sent before the body streams
    get_flashed_messages(with_categories=True)  # popped now for the same reason; base.html reads the cached list
    batch_id = batch.id
    try:
        run = imports.start(batch, actor=actor, apply=False)
    except ValidationError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("imports.new_import"))
    state = SimpleNamespace(batch=batch, failure=None, run=None)

    def progress():
        last = 0.0
        try:
            for done, total in run.steps():
                now = time.monotonic()
                if now - last >= PROGRESS_EVERY_SECONDS or done >= total:
                    last = now
                    yield done, total
            imports.finish(batch_id, run, actor=actor)
            db.session.commit()
        except Exception as exc:  # the boundary: nothing half-written, a message instead of a stack trace
            current_app.logger.exception("import %s preview failed", batch_id)
            state.failure = imports.failure_message(exc, preview=True)
            try:
                db.session.rollback()
            except SQLAlchemyError:  # the database itself is gone: the page still says what happened
                return
        state.batch = db.session.get(ImportBatch, batch_id)

    page = stream_template("imports/run.html", state=state, progress=progress(), form=form,
                           errors_on_page=ERRORS_ON_PAGE)
    return Response(page, headers={"X-Accel-Buffering": "no", "Cache-Control": "no-store"})
