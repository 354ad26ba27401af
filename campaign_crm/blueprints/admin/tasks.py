"""Admin page for background work (/beheer/taken): per task its last and next run, failed runs with their reason
and a button to start them again, the imports that are running, and the e-mail outbox with the messages that were
given up (each with a button to send it again)."""
from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from flask import abort, current_app, flash, redirect, render_template, url_for
from sqlalchemy import select

from ...extensions import db
from ...models import ImportBatch, OutboxMessage, TaskRun, utcnow
from ...models.mail import MAIL_STATUSES
from ...permissions import ADMIN, acting_user, roles_required
from ...services.errors import Conflict, ValidationError
from ...services.mail import outbox
from ...tasks import IMPORT_TASK, TASKS, TaskQueueUnavailable, current_engine, runs, schedule
from ..forms import ActionForm
from .blueprint import bp

FAILURES_ON_PAGE = 50
DEAD_MAIL_ON_PAGE = 50
RECENT_ON_PAGE = 30
FAILURE_WINDOW = timedelta(days=30)
MISSED_AFTER = timedelta(minutes=10)  # a scheduled slot without a run this long after it: is the scheduler running?


@bp.route("/taken")
@roles_required(ADMIN)
def task_runs():
    engine = current_engine()
    now = utcnow()
    triggers = schedule.triggers(current_app.config)
    lines = schedule.schedule(current_app.config)
    slots = {task: schedule.slot_at(when, now - MISSED_AFTER) for task, when in triggers.items()}
    planned = runs.by_keys([schedule.slot_key(task, slot) for task, slot in slots.items() if slot is not None])
    failed_recently = runs.failure_counts(now - FAILURE_WINDOW)
    tasks = []
    for spec in TASKS.values():
        last = runs.latest(spec.name)
        slot = slots.get(spec.name)
        tasks.append(SimpleNamespace(
            spec=spec, last=last, duration=runs.duration(last) if last else None, schedule=lines.get(spec.name),
            next_run=schedule.next_run(triggers[spec.name], now) if spec.name in triggers else None,
            missed=slot if slot is not None and schedule.slot_key(spec.name, slot) not in planned else None,
            failures=failed_recently.get(spec.name, 0)))
    running_imports = runs.active(IMPORT_TASK)
    batch_ids = [run.args.get("batch_id") for run in running_imports]
    batches = {batch.id: batch
               for batch in db.session.scalars(select(ImportBatch).where(ImportBatch.id.in_(batch_ids)))}
    recent = runs.recent(RECENT_ON_PAGE)
    stuck = [run for run in runs.active() if engine.retryable(run)]
    return render_template(
        "admin/tasks.html", tasks=tasks, failures=runs.failures(FAILURES_ON_PAGE), stuck=stuck,
        running_imports=running_imports, batches=batches, recent=recent, form=ActionForm(), labels=TASK_LABELS,
        broker="Redis" if engine.uses_redis else "in het webproces (geen TASK_BROKER_URL)",
        failure_days=FAILURE_WINDOW.days, mail_counts=outbox.status_counts(), mail_statuses=MAIL_STATUSES,
        dead_mail=outbox.dead_messages(DEAD_MAIL_ON_PAGE),
    ), 200, {"Cache-Control": "no-store"}


@bp.route("/taken/<int:run_id>/opnieuw", methods=["POST"])
@roles_required(ADMIN)
def retry_task_run(run_id: int):
    """Start a failed (or lost) run again; audited. An import goes on where it stopped."""
    run = db.get_or_404(TaskRun, run_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    label = TASK_LABELS.get(run.task, run.task)
    try:
        current_engine().retry(run.id, actor=acting_user())
    except ValidationError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    except TaskQueueUnavailable as exc:
        flash(exc.message, "error")
    else:
        flash(f"{label} (uitvoering {run_id}) staat weer in de wachtrij.", "success")
    return redirect(url_for("admin.task_runs"))


TASK_LABELS = {name: spec.label for name, spec in TASKS.items()}


@bp.route("/taken/mail/<int:message_id>/opnieuw", methods=["POST"])
@roles_required(ADMIN)
def retry_mail(message_id: int):
    """Send a given-up e-mail again (back in the queue, attempts reset); audited."""
    message = db.get_or_404(OutboxMessage, message_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        outbox.retry(message, actor=acting_user())
    except Conflict as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(f"De e-mail \u201c{message.subject}\u201d staat weer in de wachtrij.", "success")
    return redirect(url_for("admin.task_runs", _anchor="mail-kop"))
