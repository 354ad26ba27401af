"""`flask worker` (runs tasks from the Redis queue) and `flask scheduler` (enqueues the periodic jobs)."""
from __future__ import annotations

import signal
import threading

import click
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import current_app
from flask.cli import with_appcontext

from ..models import utcnow
from ..services.calendar import AMSTERDAM, long_datetime
from . import schedule
from .engine import TaskEngine
from .jobs import TASKS

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
GRACEFUL_STOP_MS = 30_000  # running tasks get this long to finish; an import cut off later goes on where it stopped
MISFIRE_GRACE_SECONDS = 600  # a job the scheduler could not start on time still runs within this window


def _engine() -> TaskEngine:
    return current_app.extensions["tasks"]


def _on_stop_signal(handler) -> None:
    for number in STOP_SIGNALS:
        signal.signal(number, handler)


@click.command("worker")
@click.option("--threads", type=click.IntRange(1, 64), default=None,
              help="Aantal threads (standaard TASK_WORKER_THREADS, anders 4). Meer processen: meer eenheden starten.")
@click.option("--namespace", default=None,
              help="Voorvoegsel van de sleutels in Redis (standaard TASK_NAMESPACE, anders campaign_crm); "
                   "moet gelijk zijn aan dat van de webprocessen en de planner.")
@with_appcontext
def worker_command(threads: int | None, namespace: str | None) -> None:
    """Run background tasks from the Redis queue until SIGTERM or Ctrl+C; running tasks may finish first."""
    engine = _engine()
    if not engine.uses_redis:
        raise click.ClickException("flask worker heeft TASK_BROKER_URL nodig (redis://…); zonder draaien de taken "
                                   "in het webproces zelf.")
    if namespace:
        engine.settings.namespace = namespace
    stop = threading.Event()
    _on_stop_signal(lambda *_: stop.set())
    worker = engine.start_worker(threads)
    click.echo(f"Takenverwerker gestart ({threads or engine.settings.worker_threads} threads, "
               f"naamruimte {engine.settings.namespace}); stoppen met Ctrl+C of SIGTERM.", err=True)
    while not stop.wait(1):
        pass
    click.echo("Takenverwerker stopt: lopende taken krijgen even de tijd.", err=True)
    engine.stop_worker(worker, timeout=GRACEFUL_STOP_MS)


@click.command("scheduler")
@click.option("--list", "list_only", is_flag=True, help="Alleen het schema met de volgende tijden tonen.")
@with_appcontext
def scheduler_command(list_only: bool) -> None:
    """Enqueue the periodic jobs on their schedule (cron lines, Amsterdam time) until SIGTERM or Ctrl+C. Each
    run is enqueued once per time slot, so a second scheduler, or a restart within a slot, adds nothing."""
    engine = _engine()
    triggers = schedule.triggers(current_app.config)
    lines = schedule.schedule(current_app.config)
    now = utcnow()
    for task, when in triggers.items():
        upcoming = schedule.next_run(when, now)
        shown = long_datetime(upcoming) if upcoming else "nooit"
        click.echo(f"{task:<22} {lines[task]:<24} volgende: {shown}  ({TASKS[task].label})")
    if list_only:
        return
    scheduler = BlockingScheduler(timezone=AMSTERDAM)
    for task, when in triggers.items():
        scheduler.add_job(engine.enqueue_scheduled, trigger=when, args=[task, when], id=task, name=task,
                          coalesce=True, max_instances=1, misfire_grace_time=MISFIRE_GRACE_SECONDS)
    _on_stop_signal(lambda *_: scheduler.shutdown(wait=False))
    click.echo("Planner gestart; stoppen met Ctrl+C of SIGTERM.", err=True)
    scheduler.start()
    click.echo("Planner gestopt.", err=True)
