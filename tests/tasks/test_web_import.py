"""The web import's apply as a background task: the button enqueues it (once, however often it is pressed) and
leads to the batch page, which shows the rows done while the task runs, reloads itself (or not, when asked) and
shows the result once it is done. With the task queue down the apply is refused in Dutch and nothing is lost."""
from __future__ import annotations

import html
import io
import re
import threading

import pytest

from campaign_crm.extensions import db
from campaign_crm.models import ImportBatch, Lead, TaskRun
from campaign_crm.services.imports import runner as import_runner
from campaign_crm.tasks import EngineSettings, TaskEngine
from campaign_crm.tasks.engine import QUEUE
from tests.helpers import (
    EMPLOYER_LIST_MAPPING,
    IMPORT_FIXTURES,
    count,
    employer_list,
    login,
    run_queued_tasks,
    wait_until,
)

pytestmark = pytest.mark.usefixtures("campaign")


def text_of(page: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def _previewed_list(client, rows: int) -> int:
    """Upload a generic list of `rows` employers, map its columns and look at the preview; returns the batch id."""
    upload = client.post("/import/", data={"file": (io.BytesIO(employer_list(rows)), "werkgevers.csv"),
                                           "preset": "generic", "campaign": "aknp", "phase": "", "channel": ""},
                         content_type="multipart/form-data")
    batch_id = int(re.search(r"/import/(\d+)", upload.headers["Location"]).group(1))
    client.post(f"/import/{batch_id}/kolommen", data={f"map_{field}": column
                                                       for field, column in EMPLOYER_LIST_MAPPING.items()})
    assert f"Nieuwe leads {rows}" in text_of(client.get(f"/import/{batch_id}").get_data(as_text=True))
    return batch_id


def test_the_apply_is_a_task_whose_progress_the_batch_page_shows_until_the_result(app, client, factory,
                                                                                  task_worker, monkeypatch):
    login(client, factory.user("campaign"))
    batch_id = _previewed_list(client, 5)
    monkeypatch.setattr(import_runner, "CHUNK", 2)  # three chunks: 2, 2 and 1 rows
    real, calls = import_runner.record_touchpoints, []
    second_chunk, go_on = threading.Event(), threading.Event()

    def hold_the_second_chunk(batch, **kwargs):
        calls.append(len(batch))
        if len(calls) == 2:
            second_chunk.set()
            go_on.wait(15)
        return real(batch, **kwargs)

    monkeypatch.setattr(import_runner, "record_touchpoints", hold_the_second_chunk)
    applied = client.post(f"/import/{batch_id}/inlezen", data={})
    assert applied.status_code == 302 and applied.headers["Location"].endswith(f"/import/{batch_id}")
    try:
        assert second_chunk.wait(15), "the task did not reach its second chunk"
        running = client.get(f"/import/{batch_id}")
        page = running.get_data(as_text=True)
        text = text_of(page)
        assert "Bezig met inlezen: 2 van 5 rijen verwerkt (40%)." in text  # the first chunk is committed
        assert '<meta http-equiv="refresh" content="3">' in page
        assert re.search(r'role="status" aria-live="polite"[^>]*>\s*<p>Bezig met inlezen', page)
        assert '<progress id="voortgang-balk" max="5" value="2" aria-labelledby="voortgang-kop">' in page
        assert "Deze pagina ververst zich elke 3 seconden." in text and "Niet automatisch verversen" in text
        assert running.headers["Cache-Control"] == "no-store"
        assert "Nu inlezen" not in text  # no second apply while it runs

        quiet = client.get(f"/import/{batch_id}?verversen=uit").get_data(as_text=True)
        assert "http-equiv" not in quiet and "Voortgang bijwerken" in quiet
        assert "Wordt ingelezen" in text_of(client.get("/import/").get_data(as_text=True))
    finally:
        go_on.set()

    wait_until(lambda: _batch_status(app, batch_id) == "applied", timeout=15, what="the import to finish")
    page = client.get(f"/import/{batch_id}").get_data(as_text=True)
    assert "Resultaat: ingelezen" in text_of(page) and "http-equiv" not in page
    assert calls == [2, 2, 1]
    with app.app_context():
        assert count(Lead) == 5
        run = db.session.scalar(db.select(TaskRun).where(TaskRun.key == f"import-leads:{batch_id}"))
        assert (run.status, run.progress_done, run.progress_total, run.attempts) == ("done", 5, 5, 1)
        assert run.request_id == applied.headers["X-Request-ID"]  # the task carries the id of the request


def _batch_status(app, batch_id: int) -> str:
    with app.app_context():
        return db.session.get(ImportBatch, batch_id).status


def test_pressing_the_button_twice_enqueues_the_import_once(app, client, factory):
    login(client, factory.user("campaign"))
    batch_id = _previewed_list(client, 3)

    client.post(f"/import/{batch_id}/inlezen", data={})
    client.post(f"/import/{batch_id}/inlezen", data={})

    assert app.extensions["tasks"].broker.queues[QUEUE].qsize() == 1
    with app.app_context():
        assert count(TaskRun) == 1
    run_queued_tasks(app)
    with app.app_context():
        assert count(Lead) == 3


def test_with_the_task_queue_down_the_apply_is_refused_in_dutch_and_nothing_is_lost(app, client, factory,
                                                                                    monkeypatch):
    login(client, factory.user("campaign"))
    upload = client.post("/import/", data={
        "file": (io.BytesIO((IMPORT_FIXTURES / "meta_lead_ads.tsv").read_bytes()), "meta.tsv"),
        "preset": "meta-lead-ads", "campaign": "aknp", "phase": "", "channel": ""}, content_type="multipart/form-data")
    batch_id = int(re.search(r"/import/(\d+)", upload.headers["Location"]).group(1))
    client.get(f"/import/{batch_id}").get_data()
    working = app.extensions["tasks"]
    down = TaskEngine(app, EngineSettings(broker_url="redis://127.0.0.1:1/0", embedded_worker=False))
    monkeypatch.setitem(app.extensions, "tasks", down)

    refused = text_of(client.post(f"/import/{batch_id}/inlezen", data={}, follow_redirects=True)
                      .get_data(as_text=True))

    assert ("De takenwachtrij is niet bereikbaar, dus de taak is niet gestart. Er is niets verloren gegaan: probeer "
            "het over een paar minuten opnieuw.") in refused
    assert "Inlezen mislukt" in refused and "Opnieuw proberen" in refused
    with app.app_context():
        batch = db.session.get(ImportBatch, batch_id)
        assert batch.status == "previewed" and batch.content  # the upload is still there
        assert count(Lead) == 0
        run = db.session.scalar(db.select(TaskRun))
        assert (run.status, run.error) == ("failed", "Niet in de wachtrij gezet: de takenwachtrij was niet bereikbaar.")

    monkeypatch.setitem(app.extensions, "tasks", working)  # the queue is back: the same button works
    assert client.post(f"/import/{batch_id}/inlezen", data={}).status_code == 302
    run_queued_tasks(app)
    assert "Resultaat: ingelezen" in text_of(client.get(f"/import/{batch_id}").get_data(as_text=True))
    with app.app_context():
        assert count(Lead) == 3 and count(TaskRun) == 1


def test_the_statistics_refresh_after_a_large_import_runs_outside_a_transaction(app, ctx):
    done = import_runner.refresh_statistics()
    if db.engine.dialect.name == "postgresql":
        assert done.startswith("VACUUM (ANALYZE) op employers, contacts, leads, touchpoints")
    else:
        assert done == "ANALYZE"
