"""What each task does: the periodic jobs (the same service calls as their `flask` commands), a web import's
apply in committed chunks, and the statistics refresh after a large import. A body flushes its work; the engine
commits it together with the run's end (the import commits each chunk itself, with its checkpoint)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from flask import current_app
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from ..extensions import db
from ..models import ImportBatch, TaskRun, User, utcnow
from ..services import imports
from ..services.calendar import AMSTERDAM
from ..services.errors import DomainError, NotFound
from ..services.feedback import links as checkin_links
from ..services.imports import runner as import_runner
from ..services.mail import digest, notices, outbox
from ..services.placements import checkins
from ..services.privacy import retention
from ..services.routing import engine as routing
from ..services.routing import sla
from . import runs

SECOND = 1000  # the engine's durations are milliseconds
MINUTE = 60 * SECOND
LARGE_IMPORT_ROWS = 1000  # an import that wrote this many rows is followed by a statistics refresh


@dataclass
class TaskContext:
    """What a body gets: its run's id, arguments and starter; it leaves a one-line summary (counts only) and
    the tasks to start once its work is committed."""

    run_id: int
    args: dict[str, Any]
    started_by_id: int | None
    summary: str | None = None
    follow_ups: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)

    def follow_up(self, task: str, key: str, args: dict[str, Any]) -> None:
        self.follow_ups.append((task, key, args))


@dataclass(frozen=True)
class TaskSpec:
    """A task: its body and how the engine runs it (retries with exponential back-off, time limit)."""

    name: str
    label: str
    about: str
    body: Callable[[TaskContext], None]
    max_retries: int = 3
    min_backoff: int = 15 * SECOND  # the first retry after 15–30 s, then doubling
    max_backoff: int = 10 * MINUTE
    time_limit: int = 10 * MINUTE
    priority: int = 0  # lower runs first when a worker has a choice
    throws: tuple[type[BaseException], ...] = (DomainError,)  # refused by the rules: retrying cannot help
    describe: Callable[[TaskContext, BaseException], str] | None = None
    on_failure: Callable[[TaskContext, str], None] | None = None

    @property
    def options(self) -> dict[str, Any]:
        return {"max_retries": self.max_retries, "min_backoff": self.min_backoff, "max_backoff": self.max_backoff,
                "time_limit": self.time_limit, "throws": self.throws}


# --- the periodic jobs ---------------------------------------------------------------------------------------

def sla_sweep(context: TaskContext) -> None:
    report = sla.sweep()
    context.summary = f"{report.checked} leads bekeken; {sum(report.recorded.values())} nieuwe SLA-stappen."


def route_waiting(context: TaskContext) -> None:
    with notices.grouped():  # one mail per advisor for the whole run
        handed_over = routing.hand_over_for_absences()
        assigned, waiting = routing.route_waiting()
    context.summary = (f"{handed_over} leads van afwezige adviseurs overgedragen; {assigned} wachtende leads "
                       f"toegewezen, {waiting} wachten nog.")


def hand_back_leads(context: TaskContext) -> None:
    """The leads of absences that ended go back to their advisor; `day` (ISO date) runs it as on that morning."""
    day = context.args.get("day")
    at = datetime.combine(date.fromisoformat(day), time(6, 45), AMSTERDAM) if day else None
    with notices.grouped():  # one mail per advisor for the whole run
        report = routing.hand_back_ended_absences(at=at)
    context.summary = (f"{len(report.absences)} afgelopen afwezigheden: {report.returned} leads teruggegeven, "
                       f"{report.kept} niet (afgesloten of intussen elders).")


def checkin_reminders(context: TaskContext) -> None:
    report = checkins.send_checkin_reminders(utcnow())
    context.summary = (f"{report.reminded} check-ins nieuw herinnerd, {report.already_reminded} eerder herinnerd, "
                       f"{report.overdue} te laat; {report.lkv_deadlines} LKV-termijnen naderen.")


def send_checkin_links(context: TaskContext) -> None:
    context.summary = checkin_links.send_due_links(utcnow()).summary()


def purge_personal_data(context: TaskContext) -> None:
    """The retention purge, and the task runs older than TASK_RUN_KEEP_DAYS (they hold no personal data, but a
    minutely job adds up)."""
    lines = retention.purge_personal_data(dry_run=False)
    pruned = runs.prune(utcnow() - timedelta(days=current_app.config["TASK_RUN_KEEP_DAYS"]))
    context.summary = (f"{sum(line.rows for line in lines)} regels gewist of geanonimiseerd; "
                       f"{pruned} oude taakuitvoeringen opgeruimd.")


def send_mail(context: TaskContext) -> None:
    """Commits the claim and each message's result itself: a message that went out stays sent."""
    context.summary = outbox.send_due(current_app.config).summary()


def daily_digest(context: TaskContext) -> None:
    context.summary = digest.queue_digests(utcnow()).summary()


# --- a web import ----------------------------------------------------------------------------------------------

def import_leads(context: TaskContext) -> None:
    """Apply an uploaded batch in chunks, each committed with its checkpoint; a run that starts again (a retry, or
    the message redelivered after its worker died) goes on after the last committed chunk."""
    batch_id = context.args["batch_id"]
    batch = db.session.get(ImportBatch, batch_id)
    if batch is None:
        raise NotFound("Het importbestand bestaat niet meer.")
    if batch.status == "applied":  # applied by an earlier delivery that died before it could say so
        context.summary = "Al ingelezen."
        return
    actor = db.session.get(User, context.started_by_id) if context.started_by_id else None
    run = imports.start(batch, actor=actor, apply=True, checkpoints=runs.checkpoint_data(context.run_id),
                        chunk_size=context.args.get("chunk_size") or import_runner.CHUNK)
    runs.save_progress(context.run_id, run.rows_done, run.report.rows)
    db.session.commit()
    for done, total in run.steps():
        runs.add_checkpoint(context.run_id, run.checkpoint, done=done, total=total)
        db.session.commit()
    batch = imports.finish(batch_id, run, actor=actor)
    runs.clear_checkpoints(context.run_id)
    report = run.report
    context.summary = (f"{report.rows} rijen: {report.created_leads} nieuwe leads, {report.attached} bij een open "
                       f"lead, {report.rejected_rows} afgewezen.")
    if report.created_leads + report.attached + report.recorded >= LARGE_IMPORT_ROWS:
        context.follow_up("refresh-statistics", f"refresh-statistics:import-leads:{batch_id}", {"batch_id": batch_id})


def _import_stopped(context: TaskContext, exc: BaseException) -> str:
    run = db.session.get(TaskRun, context.run_id)
    return import_runner.stopped_message(exc, rows_done=(run.progress_done or 0) if run else 0,
                                         rows=(run.progress_total or 0) if run else 0)


def _import_failed(context: TaskContext, message: str) -> None:
    imports.mark_failed(context.args["batch_id"], message)


def refresh_statistics(context: TaskContext) -> None:
    context.summary = import_runner.refresh_statistics()


# --- the list ---------------------------------------------------------------------------------------------------

IMPORT_TASK = "import-leads"
TASKS: dict[str, TaskSpec] = {spec.name: spec for spec in (
    TaskSpec("sla-sweep", "SLA-controle",
             "Legt de SLA-ladder vast (bijna te laat, te laat, teamleider, coördinator) voor leads zonder eerste "
             "contact.", sla_sweep),
    TaskSpec("route-waiting", "Wachtende leads verdelen",
             "Draagt leads van afwezige adviseurs over en verdeelt alle wachtende leads opnieuw.", route_waiting),
    TaskSpec("checkin-reminders", "Herinneringen check-ins",
             "Markeert check-ins die binnenkort moeten als herinnerd.", checkin_reminders),
    TaskSpec("checkin-links", "Check-invragen per e-mail",
             "Mailt werkgever, jobcoach en (met toestemming) werknemer de vragen van check-ins die vallen, en één "
             "herinnering aan wie niet antwoordt.", send_checkin_links),
    TaskSpec("purge-personal-data", "Persoonsgegevens wissen",
             "Anonimiseert persoonsgegevens waarvan de bewaartermijn voorbij is.", purge_personal_data,
             time_limit=30 * MINUTE),
    TaskSpec("send-mail", "E-mail versturen",
             "Verstuurt de e-mails in de wachtrij die aan de beurt zijn; mislukte worden later opnieuw geprobeerd.",
             send_mail, max_retries=1, time_limit=5 * MINUTE),
    TaskSpec("daily-digest", "Dagelijks overzicht",
             "Zet voor iedereen met open werk het dagelijkse overzicht klaar om te versturen.", daily_digest),
    TaskSpec("hand-back-leads", "Leads teruggeven na afwezigheid",
             "Geeft na een afgelopen afwezigheid de overgedragen leads terug aan de adviseur, waar dat nog kan.",
             hand_back_leads),
    TaskSpec(IMPORT_TASK, "Import inlezen",
             "Leest een geüpload bestand in, in delen die elk apart worden opgeslagen.", import_leads,
             max_retries=5, min_backoff=30 * SECOND, time_limit=120 * MINUTE, priority=10,
             describe=_import_stopped, on_failure=_import_failed),
    TaskSpec("refresh-statistics", "Statistieken bijwerken",
             "Na een grote import: VACUUM (ANALYZE) van de gevulde tabellen (SQLite: ANALYZE).", refresh_statistics,
             max_retries=2, time_limit=60 * MINUTE, priority=20),
)}


def describe_error(exc: BaseException, request_id: str | None) -> str:
    """A failure in Dutch for the admin page: a domain refusal's own message, else what kind of failure it was and
    where the details are. Never the exception's text (it may hold values) or a stack trace."""
    if isinstance(exc, DomainError):
        return exc.message
    if type(exc).__name__ == "TimeLimitExceeded":
        return "De taak duurde langer dan de tijdslimiet en is afgebroken."
    if isinstance(exc, OperationalError):
        kind = "De verbinding met de database is verbroken"
    elif isinstance(exc, SQLAlchemyError):
        kind = "De database weigerde een opdracht"
    else:
        kind = "Onverwachte fout"
    return f"{kind} ({type(exc).__name__}); de details staan in het log onder kenmerk {request_id or '-'}."
