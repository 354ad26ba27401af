"""The default without Redis: an in-memory queue whose worker threads run in the app process, started on the first
enqueue and only once; never by creating the app (so `flask db upgrade` and the test suite start none). Also the
schedule and its time slots, and the `flask worker` and `flask scheduler` commands."""
from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from dramatiq.brokers.stub import StubBroker
from sqlalchemy import select

from campaign_crm import create_app
from campaign_crm.config import TestingConfig
from campaign_crm.extensions import db
from campaign_crm.models import TaskRun, utcnow
from campaign_crm.observability import bind_request_id, current_request_id, use_format
from campaign_crm.services.routing import sla
from campaign_crm.tasks import EngineSettings, TaskEngine, runs, schedule
from campaign_crm.tasks.engine import QUEUE
from tests.helpers import add_task_run, run_queued_tasks, wait_until


class LogLines(logging.Handler):
    """The lines the task engine logs, in the text format (with the request id), kept in a list."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def _status(app, run_id: int) -> str:
    with app.app_context():
        return db.session.get(TaskRun, run_id).status


def test_the_embedded_queue_runs_a_task_without_redis_under_the_request_id_of_whoever_enqueued_it(
        app, task_worker, monkeypatch):
    assert not task_worker.uses_redis and isinstance(task_worker.broker, StubBroker)
    seen = []
    real = sla.sweep
    monkeypatch.setattr(sla, "sweep", lambda: seen.append(current_request_id()) or real())
    logged = use_format(LogLines(), "text")
    logging.getLogger("campaign_crm.tasks").addHandler(logged)
    try:
        with app.app_context(), bind_request_id("verzoek-123"):
            run_id = task_worker.enqueue("sla-sweep", "sla-sweep:handmatig", {}).id
        wait_until(lambda: _status(app, run_id) == "done", timeout=10, what="the task to run in the app process")
    finally:
        logging.getLogger("campaign_crm.tasks").removeHandler(logged)

    assert seen == ["verzoek-123"]  # the task runs under the id of the request that started it
    with app.app_context():
        run = db.session.get(TaskRun, run_id)
        assert (run.request_id, run.attempts, run.error) == ("verzoek-123", 1, None)
    log = "\n".join(logged.lines)
    assert "[verzoek-123] campaign_crm.tasks: taak sla-sweep gestart" in log
    assert "[verzoek-123] campaign_crm.tasks: taak sla-sweep klaar" in log


def test_the_worker_thread_starts_on_the_first_enqueue_and_only_once(app, monkeypatch):
    engine = TaskEngine(app, EngineSettings(embedded_worker=True, worker_timeout=100))
    monkeypatch.setitem(app.extensions, "tasks", engine)
    try:
        assert engine._broker is None and engine._embedded is None  # nothing made before it is needed
        with app.app_context():
            first = engine.enqueue("sla-sweep", "sla-sweep:eerste", {}).id
            worker = engine._embedded
            second = engine.enqueue("checkin-reminders", "checkin-reminders:eerste", {}).id
        assert worker is not None and engine._embedded is worker
        for run_id in (first, second):
            wait_until(lambda run_id=run_id: _status(app, run_id) == "done", timeout=10, what="both tasks")
    finally:
        engine.stop_embedded_worker()


def test_creating_the_app_starts_nothing_and_the_test_suite_runs_queued_tasks_itself(app, database_url):
    fresh = create_app(TestingConfig(database_url))
    engine = fresh.extensions["tasks"]
    assert engine._broker is None and not engine.settings.embedded_worker  # under test: no worker of its own
    with fresh.app_context():
        db.engine.dispose()

    suite = app.extensions["tasks"]
    with app.app_context():
        run_id = suite.enqueue("route-waiting", "route-waiting:test", {}).id
    assert suite._embedded is None
    assert suite.broker.queues[QUEUE].qsize() == 1 and _status(app, run_id) == "queued"
    run_queued_tasks(app)
    assert _status(app, run_id) == "done"


def test_outside_tests_the_default_engine_runs_tasks_in_the_app_process():
    settings = EngineSettings.from_config({"TASK_BROKER_URL": "", "TESTING": False})
    assert settings.embedded_worker and not settings.broker_url
    redis = EngineSettings.from_config({"TASK_BROKER_URL": "redis://127.0.0.1:6379/0", "TASK_NAMESPACE": "crm"})
    assert (redis.broker_url, redis.namespace) == ("redis://127.0.0.1:6379/0", "crm")


def test_a_run_without_a_sign_of_life_for_longer_than_its_time_limit_may_be_started_again(app, ctx):
    engine = app.extensions["tasks"]
    lost = add_task_run("sla-sweep", status="running")
    fresh = add_task_run("sla-sweep", status="running")
    lost.updated_at = lost.updated_at - timedelta(hours=1)
    db.session.flush()
    assert engine.retryable(lost) and not engine.retryable(fresh)
    assert engine.retryable(add_task_run("purge-personal-data", status="failed"))
    assert not engine.retryable(add_task_run("route-waiting", status="done"))


# --- the schedule ----------------------------------------------------------------------------------------------

def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_a_run_belongs_to_the_latest_scheduled_time_at_or_before_it():
    sweep = schedule.trigger(schedule.DEFAULT_SCHEDULE["sla-sweep"])
    # Friday 4 December 2026, 10:07 in Amsterdam (09:07 UTC): the 10:00 slot; the next run at 10:15.
    assert schedule.slot_at(sweep, _utc(2026, 12, 4, 9, 7)) == _utc(2026, 12, 4, 9, 0)
    assert schedule.next_run(sweep, _utc(2026, 12, 4, 9, 7)) == _utc(2026, 12, 4, 9, 15)
    # Monday 06:59 in Amsterdam: still the last slot of Friday (18:45); the first of Monday is at 07:00.
    assert schedule.slot_at(sweep, _utc(2026, 12, 7, 5, 59)) == _utc(2026, 12, 4, 17, 45)
    assert schedule.next_run(sweep, _utc(2026, 12, 7, 5, 59)) == _utc(2026, 12, 7, 6, 0)
    purge = schedule.trigger(schedule.DEFAULT_SCHEDULE["purge-personal-data"])
    assert schedule.slot_key("purge-personal-data", schedule.slot_at(purge, _utc(2026, 7, 1, 12, 0))) == \
        "purge-personal-data:2026-07-01T00:00Z"  # 02:00 summer time


def test_the_schedule_can_be_changed_and_a_job_switched_off():
    lines = schedule.schedule({"TASK_SCHEDULE": {"sla-sweep": "*/5 8-17 * * mon-fri", "purge-personal-data": ""}})
    assert lines["sla-sweep"] == "*/5 8-17 * * mon-fri" and "purge-personal-data" not in lines
    assert lines["route-waiting"] == "0 7 * * *"


def test_the_scheduler_lists_its_jobs_and_the_worker_needs_redis(app, runner):
    listed = runner.invoke(args=["scheduler", "--list"])
    assert listed.exit_code == 0, listed.output
    for task in schedule.DEFAULT_SCHEDULE:
        assert task in listed.output
    assert "*/15 7-18 * * mon-fri" in listed.output and "volgende:" in listed.output

    refused = runner.invoke(args=["worker"])
    assert refused.exit_code == 1
    assert "flask worker heeft TASK_BROKER_URL nodig" in refused.output


def test_the_nightly_purge_deletes_old_finished_runs_but_keeps_the_latest_of_each_task_and_active_ones(app, ctx):
    old = utcnow() - timedelta(days=45)
    old_done, old_failed, latest_mail, old_running = (
        add_task_run("send-mail", status="done"), add_task_run("send-mail", status="failed"),
        add_task_run("send-mail", status="done"), add_task_run("sla-sweep", status="running"))
    for run in (old_done, old_failed, latest_mail, old_running):
        run.enqueued_at = run.started_at = run.updated_at = old
        run.finished_at = old if run.status != "running" else None
    recent = add_task_run("send-mail", status="done")
    only_sweep = add_task_run("sla-sweep", status="done")
    only_sweep.finished_at = old
    db.session.flush()
    ids = {run.id for run in (old_done, old_failed, latest_mail, old_running, recent, only_sweep)}

    pruned = runs.prune(utcnow() - timedelta(days=30))

    left = set(db.session.scalars(select(TaskRun.id).where(TaskRun.id.in_(ids))))
    assert pruned == 3  # the old done and failed send-mail runs and the older finished one (`recent` is the latest)
    assert left == {old_running.id, recent.id, only_sweep.id}
