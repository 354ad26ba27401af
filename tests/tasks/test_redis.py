"""The task engine on the real Redis: a periodic job enqueued twice for one slot runs once; a failing task is
retried with back-off, ends failed on the admin page and runs again from its retry button; a `flask worker`
killed in the middle of a large import is replaced, and the import finishes with every row once."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from campaign_crm.extensions import db
from campaign_crm.models import Contact, Employer, ImportBatch, Lead, TaskCheckpoint, TaskRun, Touchpoint
from campaign_crm.services import imports
from campaign_crm.services.routing import sla
from campaign_crm.tasks import schedule
from campaign_crm.tasks.engine import QUEUE
from tests.helpers import (
    EMPLOYER_LIST_MAPPING,
    audit_count,
    count,
    employer_list,
    login,
    run_queued_tasks,
    wait_until,
)

ROOT = Path(__file__).resolve().parents[2]
SWEEP = schedule.trigger(schedule.DEFAULT_SCHEDULE["sla-sweep"])
FRIDAY_10_07 = datetime(2026, 12, 4, 9, 7, tzinfo=UTC)  # 10:07 in Amsterdam: the 10:00 slot of the sweep


def _run(app, run_id: int) -> TaskRun:
    with app.app_context():
        run = db.session.get(TaskRun, run_id)
        db.session.expunge(run)
        return run


def test_a_periodic_job_enqueued_twice_for_one_slot_runs_once(app, redis_engine, monkeypatch):
    real, calls = sla.sweep, []
    monkeypatch.setattr(sla, "sweep", lambda: calls.append(1) or real())

    first = redis_engine.enqueue_scheduled("sla-sweep", SWEEP, FRIDAY_10_07)
    second = redis_engine.enqueue_scheduled("sla-sweep", SWEEP, FRIDAY_10_07 + timedelta(minutes=6))  # fired late
    assert first.id == second.id
    assert redis_engine.broker.do_qsize(QUEUE) == 1  # one message in Redis
    redis_engine.actor("sla-sweep").send(first.id, request_id="tweede-bezorging")  # and the message delivered twice

    run_queued_tasks(app)

    assert calls == [1]
    run = _run(app, first.id)
    assert (run.key, run.status, run.attempts) == ("sla-sweep:2026-12-04T09:00Z", "done", 1)
    assert run.summary.startswith("0 leads bekeken")
    with app.app_context():
        assert count(TaskRun) == 1
    # The next slot is a run of its own.
    third = redis_engine.enqueue_scheduled("sla-sweep", SWEEP, FRIDAY_10_07 + timedelta(minutes=9))
    assert third.id != first.id


def test_a_failing_task_is_retried_with_back_off_then_failed_and_runs_again_from_the_admin_page(
        app, client, factory, redis_engine, redis_worker, monkeypatch):
    monkeypatch.setitem(app.config, "TASK_OPTIONS", {"*": {"max_retries": 2, "min_backoff": 200, "max_backoff": 5000}})
    real, attempts = sla.sweep, []

    def broken():
        attempts.append(time.monotonic())
        raise RuntimeError("adres@voorbeeld.example is kapot")  # the text never reaches the page

    monkeypatch.setattr(sla, "sweep", broken)
    run_id = redis_engine.enqueue_scheduled("sla-sweep", SWEEP, FRIDAY_10_07).id
    statuses = set()

    def failed():
        run = _run(app, run_id)
        statuses.add(run.status)
        return run.status == "failed"

    wait_until(failed, timeout=15, what="the run to fail for good")
    # One attempt and two retries, each after a longer back-off (200-400 ms, then 400-800 ms).
    assert len(attempts) == 3
    first_gap, second_gap = attempts[1] - attempts[0], attempts[2] - attempts[1]
    assert first_gap >= 0.2 and second_gap >= 0.4
    assert "retrying" in statuses
    run = _run(app, run_id)
    assert run.attempts == 3
    assert run.error.startswith("Onverwachte fout (RuntimeError); de details staan in het log onder kenmerk ")
    assert "kapot" not in run.error and "adres@" not in run.error

    login(client, factory.user("admin"))
    page = client.get("/beheer/taken").get_data(as_text=True)
    assert "Mislukte taken" in page and run.error in page
    assert f'action="/beheer/taken/{run_id}/opnieuw"' in page
    assert "Opnieuw proberen: SLA-controle, uitvoering" in page

    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert client.post(f"/beheer/taken/{run_id}/opnieuw", data={}).status_code == 400  # no CSRF token: refused
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    monkeypatch.setattr(sla, "sweep", real)
    retried = client.post(f"/beheer/taken/{run_id}/opnieuw", data={}, follow_redirects=True)
    assert "SLA-controle (uitvoering" in retried.get_data(as_text=True)
    wait_until(lambda: _run(app, run_id).status == "done", timeout=10, what="the retried run")
    assert _run(app, run_id).attempts == 4
    with app.app_context():
        assert audit_count("task_retried") == 1
    assert client.post(f"/beheer/taken/{run_id}/opnieuw", data={}, follow_redirects=True).status_code == 200
    with app.app_context():
        assert audit_count("task_retried") == 1  # a run that is done is not started again


def _worker(database_url: str, redis_url: str, namespace: str, log) -> subprocess.Popen:
    """`flask worker` in a process of its own, on the test database and the test's Redis namespace; its output
    goes to the open file `log`."""
    env = {**os.environ, "DATABASE_URL": database_url, "TASK_BROKER_URL": redis_url, "LOG_FORMAT": "text"}
    env.pop("CRM_ENV", None)
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "campaign_crm", "worker", "--threads", "1",
                             "--namespace", namespace], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_a_worker_killed_in_the_middle_of_a_large_import_is_replaced_and_every_row_is_imported_once(
        app, campaign, redis_engine, redis_url, task_namespace, database_url, tmp_path):
    rows, chunk = 3000, 50
    with app.app_context():
        batch = imports.create_batch(employer_list(rows), "groot-bestand.csv", imports.ImportOptions(
            preset="generic", campaign="aknp", mapping=EMPLOYER_LIST_MAPPING), actor=None)
        db.session.commit()
        batch_id = batch.id
        run_id = redis_engine.enqueue_import(batch_id, actor=None, chunk_size=chunk).id
    log_path = tmp_path / "workers.log"
    log = log_path.open("ab")
    first = _worker(database_url, redis_url, task_namespace, log)
    second = None
    try:
        progress = wait_until(lambda: (_run(app, run_id).progress_done or 0) >= 3 * chunk and _run(app, run_id),
                              timeout=60, interval=0.02, what="three committed chunks")
        first.send_signal(signal.SIGKILL)  # no goodbye: its message stays unacknowledged in Redis
        first.wait(timeout=10)
        at_kill = _run(app, run_id).progress_done
        assert progress.status == "running" and at_kill < rows, "the first worker finished before it was killed"

        second = _worker(database_url, redis_url, task_namespace, log)
        # This process's Redis commands requeue the dead worker's message once its heartbeat is 3 s old.
        redis_engine.broker.join(QUEUE, timeout=120_000)
        done = wait_until(lambda: (run := _run(app, run_id)).status == "done" and run, timeout=60,
                          what="the import to finish")
        follow_up = wait_until(lambda: redis_engine_run(app, f"refresh-statistics:import-leads:{batch_id}"),
                               timeout=60, what="the statistics refresh after the import")
    except BaseException:
        log.flush()
        print(log_path.read_text(errors="replace"))
        raise
    finally:
        _stop(first)
        if second is not None:
            _stop(second)
        log.close()

    assert done.attempts >= 2 and done.progress_done == rows
    assert follow_up.status == "done"
    with app.app_context():
        batch = db.session.get(ImportBatch, batch_id)
        assert batch.status == "applied" and batch.content is None
        # The report counts every row once, the chunks of the dead worker's run included.
        assert (batch.summary["rows"], batch.summary["created_leads"], batch.summary["unchanged"]) == (rows, rows, 0)
        assert count(Touchpoint, Touchpoint.import_batch_id == batch_id) == rows
        assert count(Employer) == count(Lead) == count(Contact) == rows
        twice = db.session.scalar(select(func.count()).select_from(
            select(Contact.email).group_by(Contact.email).having(func.count() > 1).subquery()))
        assert twice == 0
        assert count(TaskCheckpoint) == 0  # the checkpoints go once the import is done


def redis_engine_run(app, key: str) -> TaskRun | None:
    with app.app_context():
        run = db.session.scalar(select(TaskRun).where(TaskRun.key == key))
        if run is None or run.status != "done":
            return None
        db.session.expunge(run)
        return run
