"""The task-run rows: one per run, found by its idempotency key; claimed by the worker that runs it, finished or
failed, with the progress and checkpoints of a run that commits in chunks. These functions flush; the engine
(the boundary) commits."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import TaskCheckpoint, TaskRun, utcnow
from ..models.tasks import ACTIVE_STATUSES, DONE, FAILED, QUEUED, RETRYING, RUNNING

ERROR_LENGTH = 500
SUMMARY_LENGTH = 300
STALE_GRACE = timedelta(minutes=5)  # beyond its time limit, a run without a sign of life is taken for lost


def find_or_create(task: str, key: str, args: dict[str, Any], *, started_by_id: int | None,
                   request_id: str | None) -> tuple[TaskRun, bool]:
    """The run with this key, made when there is none: (run, True when made now). Two callers racing for one key
    (two schedulers, a double click) end with one row: the loser finds the winner's."""
    existing = by_key(key)
    if existing is not None:
        return existing, False
    run = TaskRun(task=task, key=key, args=args, status=QUEUED, attempts=0, started_by_id=started_by_id,
                  request_id=request_id, enqueued_at=utcnow(), updated_at=utcnow())
    try:
        with db.session.begin_nested():
            db.session.add(run)
    except IntegrityError:
        found = by_key(key)
        if found is None:
            raise
        return found, False
    return run, True


def by_key(key: str) -> TaskRun | None:
    return db.session.scalar(select(TaskRun).where(TaskRun.key == key))


def requeue(run: TaskRun, *, request_id: str | None) -> None:
    """Put a failed (or lost) run back in the queue; its attempts and checkpoints stay."""
    now = utcnow()
    run.status, run.enqueued_at, run.updated_at, run.finished_at = QUEUED, now, now, None
    run.request_id = request_id or run.request_id
    db.session.flush()


def claim(run_id: int, task: str) -> TaskRun | None:
    """Mark the run as running for this delivery (a compare-and-set): None when it is done, failed or gone, so a
    second delivery of a finished run does nothing. A run still marked running was lost with its worker and is
    taken over."""
    now = utcnow()
    claimed = db.session.execute(
        update(TaskRun).where(TaskRun.id == run_id, TaskRun.task == task, TaskRun.status.in_(ACTIVE_STATUSES))
        .values(status=RUNNING, attempts=TaskRun.attempts + 1, started_at=now, updated_at=now, finished_at=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        return None
    return db.session.get(TaskRun, run_id, populate_existing=True)


def finish(run_id: int, summary: str | None) -> None:
    now = utcnow()
    db.session.execute(update(TaskRun).where(TaskRun.id == run_id).values(
        status=DONE, finished_at=now, updated_at=now, error=None,
        summary=(summary or "")[:SUMMARY_LENGTH] or None).execution_options(synchronize_session=False))


def fail(run_id: int, message: str, *, final: bool) -> None:
    """Record a failed attempt: `retrying` when the engine will try again, else `failed`."""
    now = utcnow()
    db.session.execute(update(TaskRun).where(TaskRun.id == run_id).values(
        status=FAILED if final else RETRYING, error=message[:ERROR_LENGTH], updated_at=now,
        finished_at=now if final else None).execution_options(synchronize_session=False))


def save_progress(run_id: int, done: int, total: int) -> None:
    db.session.execute(update(TaskRun).where(TaskRun.id == run_id).values(
        progress_done=done, progress_total=total, updated_at=utcnow()).execution_options(synchronize_session=False))


def add_checkpoint(run_id: int, data: dict[str, Any], *, done: int, total: int) -> None:
    """Store what a chunk did, in the chunk's transaction: committing the same chunk twice fails on the key."""
    db.session.add(TaskCheckpoint(run_id=run_id, seq=data["seq"], rows_done=done, data=data))
    save_progress(run_id, done, total)
    db.session.flush()


def checkpoint_data(run_id: int) -> list[dict[str, Any]]:
    return [row.data for row in db.session.scalars(select(TaskCheckpoint).where(TaskCheckpoint.run_id == run_id)
                                                   .order_by(TaskCheckpoint.seq))]


def clear_checkpoints(run_id: int) -> None:
    db.session.execute(delete(TaskCheckpoint).where(TaskCheckpoint.run_id == run_id))


# --- reading ------------------------------------------------------------------------------------------------

def latest(task: str) -> TaskRun | None:
    return db.session.scalar(select(TaskRun).where(TaskRun.task == task)
                             .order_by(TaskRun.enqueued_at.desc(), TaskRun.id.desc()).limit(1))


def failures(limit: int = 50) -> list[TaskRun]:
    return list(db.session.scalars(select(TaskRun).where(TaskRun.status == FAILED)
                                   .order_by(TaskRun.updated_at.desc(), TaskRun.id.desc()).limit(limit)))


def active(task: str | None = None) -> list[TaskRun]:
    query = select(TaskRun).where(TaskRun.status.in_(ACTIVE_STATUSES))
    if task is not None:
        query = query.where(TaskRun.task == task)
    return list(db.session.scalars(query.order_by(TaskRun.enqueued_at, TaskRun.id)))


def recent(limit: int = 30) -> list[TaskRun]:
    return list(db.session.scalars(select(TaskRun).order_by(TaskRun.enqueued_at.desc(), TaskRun.id.desc())
                                   .limit(limit)))


def failure_counts(since: datetime) -> dict[str, int]:
    """Failed runs per task since `since`."""
    rows = db.session.execute(select(TaskRun.task, func.count()).where(TaskRun.status == FAILED,
                                                                       TaskRun.updated_at >= since)
                              .group_by(TaskRun.task))
    return {task: count for task, count in rows}


def by_keys(keys: list[str]) -> dict[str, TaskRun]:
    if not keys:
        return {}
    return {run.key: run for run in db.session.scalars(select(TaskRun).where(TaskRun.key.in_(keys)))}


def prune(before: datetime) -> int:
    """Delete the finished runs (done or failed) that ended before `before`, keeping the latest run of each task for
    the admin page; a minutely job (send-mail) would otherwise add 1,440 rows a day. Returns the number deleted."""
    latest_ids = select(func.max(TaskRun.id)).group_by(TaskRun.task)
    result = db.session.execute(delete(TaskRun).where(
        TaskRun.status.in_((DONE, FAILED)), TaskRun.finished_at < before, TaskRun.id.not_in(latest_ids),
    ).execution_options(synchronize_session=False))
    return result.rowcount or 0


def is_stale(run: TaskRun, time_limit: timedelta, now: datetime | None = None) -> bool:
    """An active run without a sign of life for longer than its time limit: its worker or message was lost."""
    return run.status in ACTIVE_STATUSES and (now or utcnow()) - run.updated_at > time_limit + STALE_GRACE


def duration(run: TaskRun) -> timedelta | None:
    if run.started_at is None or run.finished_at is None:
        return None
    return run.finished_at - run.started_at

