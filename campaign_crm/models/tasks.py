"""Background work: one row per task run (periodic jobs, imports, maintenance) and the checkpoints of a run
that commits in chunks (a large import), so a restarted run goes on after its last committed chunk."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import NOT_PERSONAL, UTCDateTime, personal, utcnow

if TYPE_CHECKING:
    from .users import User

QUEUED, RUNNING, RETRYING, DONE, FAILED = "queued", "running", "retrying", "done", "failed"
TASK_STATUSES = {
    QUEUED: "In de wachtrij",
    RUNNING: "Bezig",
    RETRYING: "Wordt opnieuw geprobeerd",
    DONE: "Klaar",
    FAILED: "Mislukt",
}
ACTIVE_STATUSES = (QUEUED, RUNNING, RETRYING)


class TaskRun(db.Model):
    """One run of a task, found by its idempotency key: `<task>:<slot>` for a periodic job (the scheduled time),
    `import-leads:<batch id>` for an import. A second enqueue or a second delivery of a done run does nothing."""

    __tablename__ = "task_runs"
    __table_args__ = (Index("ix_task_runs_task_enqueued_at", "task", "enqueued_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task: Mapped[str] = mapped_column(String(60), info=NOT_PERSONAL)
    key: Mapped[str] = mapped_column(String(200), unique=True, info=NOT_PERSONAL)
    status: Mapped[str] = mapped_column(String(20), default=QUEUED, index=True, info=NOT_PERSONAL)
    args: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, info=NOT_PERSONAL)  # ids and slots only
    attempts: Mapped[int] = mapped_column(default=0)
    enqueued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)  # the run's last sign of life
    # What went wrong, in Dutch, for the admin page: never a stack trace or a value from the data.
    error: Mapped[str | None] = mapped_column(String(500), info=NOT_PERSONAL)
    summary: Mapped[str | None] = mapped_column(String(300), info=NOT_PERSONAL)  # counts only
    request_id: Mapped[str | None] = mapped_column(String(64), info=NOT_PERSONAL)
    progress_done: Mapped[int | None] = mapped_column()
    progress_total: Mapped[int | None] = mapped_column()
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    started_by: Mapped[User | None] = relationship()
    checkpoints: Mapped[list[TaskCheckpoint]] = relationship(back_populates="run", cascade="all, delete-orphan",
                                                             passive_deletes=True, order_by="TaskCheckpoint.seq")

    @property
    def status_label(self) -> str:
        return TASK_STATUSES.get(self.status, self.status)

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class TaskCheckpoint(db.Model):
    """What one committed chunk of a run did, written in the chunk's own transaction: a run that starts again
    skips the chunks that have a checkpoint and rebuilds its report from them. Deleted when the run is done."""

    __tablename__ = "task_checkpoints"

    run_id: Mapped[int] = mapped_column(ForeignKey("task_runs.id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(primary_key=True)  # chunk number from 0: a chunk is committed once
    rows_done: Mapped[int] = mapped_column()
    # Deleted when the import is done; of an import that never finishes, with the uploaded file it belongs to.
    data: Mapped[dict[str, Any]] = mapped_column(JSON, info=personal(
        "voortgang van een import: sleutels en afgewezen rijen (kunnen contactgegevens bevatten)",
        "retention_import_file_months"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    run: Mapped[TaskRun] = relationship(back_populates="checkpoints")
