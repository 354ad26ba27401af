"""The import runner's resumable apply (what the import task runs): chunks committed one by one, each with its
checkpoint; a run cut off mid-chunk and started again from the stored checkpoints applies every row once and ends
with the report the preview predicted, as if it had never stopped."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from campaign_crm.extensions import db
from campaign_crm.models import Employer, Event, EventRegistration, ImportBatch, Lead, TaskCheckpoint, Touchpoint
from campaign_crm.services import imports
from campaign_crm.services.errors import ValidationError
from campaign_crm.services.imports import runner as import_runner
from campaign_crm.tasks import runs
from tests.helpers import EMPLOYER_LIST_MAPPING, add_task_run, count, employer_list, fixture_bytes

pytestmark = pytest.mark.usefixtures("campaign")


def _employers_with_a_repeat_and_a_broken_row() -> bytes:
    """23 employers, then row 3 again (in a later chunk: the same row twice in the file) and a row without a name
    (rejected)."""
    lines = employer_list(23).decode().rstrip("\r\n").split("\r\n")
    lines += [lines[3], ";Zonder Naam;zonder@naam.example"]
    return ("\r\n".join(lines) + "\r\n").encode()


FILES = {
    "generic": (_employers_with_a_repeat_and_a_broken_row, "werkgevers.csv", {"mapping": EMPLOYER_LIST_MAPPING}, 5),
    "zoom-attendees": (lambda: fixture_bytes("zoom_webinar_attendees.csv"), "zoom.csv", {}, 1),
}


def _batch(preset: str) -> tuple[int, int]:
    make, name, extra, chunk = FILES[preset]
    batch = imports.create_batch(make(), name, imports.ImportOptions(preset=preset, campaign="aknp", **extra),
                                 actor=None)
    db.session.commit()
    return batch.id, chunk


def _comparable(summary: dict) -> dict:
    return {key: value for key, value in summary.items() if key != "seconds"}


@pytest.mark.parametrize("preset", sorted(FILES))
def test_a_resumable_apply_cut_off_mid_chunk_goes_on_and_applies_every_row_once(ctx, preset):
    batch_id, chunk = _batch(preset)
    predicted = imports.start(db.session.get(ImportBatch, batch_id), actor=None, apply=False).run().summary()
    db.session.rollback()
    assert count(Touchpoint) == 0
    written = predicted["created_leads"] + predicted["attached"] + predicted["recorded"]

    # The first run commits two chunks with their checkpoints; the third is cut off before its commit.
    first = imports.start(db.session.get(ImportBatch, batch_id), actor=None, apply=True, checkpoints=[],
                          chunk_size=chunk)
    stored = []
    for step, _ in enumerate(first.steps()):
        if step == 2:
            db.session.rollback()  # the worker died: this chunk's rows are gone with its transaction
            break
        stored.append(first.checkpoint)
        db.session.commit()
    kept = count(Touchpoint)
    assert 0 < kept < written

    # A new run from the stored checkpoints skips the two committed chunks and does the rest.
    second = imports.start(db.session.get(ImportBatch, batch_id), actor=None, apply=True, checkpoints=stored,
                           chunk_size=chunk)
    assert second.chunks_done == 2 and second.rows_done == stored[-1]["rows_done"]
    for _ in second.steps():
        db.session.commit()
    imports.finish(batch_id, second, actor=None)
    db.session.commit()

    applied = db.session.get(ImportBatch, batch_id)
    assert applied.status == "applied"
    assert _comparable(applied.summary) == _comparable(predicted)
    assert count(Touchpoint, Touchpoint.import_batch_id == batch_id) == written  # no row twice, none lost
    if preset == "generic":
        assert count(Employer) == count(Lead) == 23
        # The repeat is told apart from a row imported before: the second run knows the keys of the first.
        assert predicted["repeated_in_file"] == predicted["unchanged"] == 1 and predicted["rejected_rows"] == 1
    else:
        assert count(Event) == 1  # made in the first chunk, found again by the second run
        people = db.session.execute(select(EventRegistration.email, func.count()).group_by(EventRegistration.email))
        assert all(n == 1 for _, n in people)


def test_the_checkpoints_must_describe_consecutive_chunks_of_the_same_size(ctx):
    batch_id, chunk = _batch("generic")
    first = imports.start(db.session.get(ImportBatch, batch_id), actor=None, apply=True, checkpoints=[],
                          chunk_size=chunk)
    stored = [next(first.steps()) and first.checkpoint]
    db.session.rollback()
    with pytest.raises(ValueError):
        imports.start(db.session.get(ImportBatch, batch_id), actor=None, apply=True, checkpoints=stored,
                      chunk_size=chunk + 1)


def test_a_chunk_is_committed_once_even_when_two_runs_race_for_it(ctx):
    run = add_task_run("import-leads", status="running")
    db.session.commit()
    data = {"seq": 0, "rows_done": 5}
    runs.add_checkpoint(run.id, data, done=5, total=10)
    db.session.commit()
    with pytest.raises(IntegrityError):  # the second writer of chunk 0 loses, and with it the chunk's rows
        runs.add_checkpoint(run.id, data, done=5, total=10)
    db.session.rollback()
    assert count(TaskCheckpoint) == 1


def test_a_run_stopped_after_some_rows_says_what_was_kept_and_how_to_go_on():
    message = import_runner.stopped_message(RuntimeError("x"), rows_done=1500, rows=3000)
    assert "gestopt na 1500 van 3000 rijen; die rijen zijn opgeslagen" in message
    assert "verder waar het stopte" in message
    assert import_runner.stopped_message(RuntimeError("x"), rows_done=0, rows=3000) == \
        "Het inlezen is mislukt; er is niets opgeslagen."
    assert import_runner.stopped_message(ValidationError("Dit bestand is al ingelezen."), rows_done=0, rows=3) \
        .startswith("Dit bestand is al ingelezen.")
