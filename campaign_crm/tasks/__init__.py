"""Background work: periodic jobs and large imports as tasks of the task engine (Dramatiq).

    engine.py    the broker (Redis, or in-memory with worker threads in the app process), the actors, enqueueing by
                 idempotency key, running a delivery, the workers
    jobs.py      what each task does (the same service calls as the CLI commands) and how it is retried
    runs.py      the task-run rows: claim, finish, fail, progress and checkpoints, and the admin page's queries
    schedule.py  when the periodic jobs run and the time slot a run belongs to
    commands.py  `flask worker` and `flask scheduler`

Like the blueprints and the CLI this is a boundary: it calls services and commits; services never import it.
"""
from __future__ import annotations

from flask import Flask, current_app

from .commands import scheduler_command, worker_command
from .engine import EngineSettings, TaskEngine, TaskQueueUnavailable
from .jobs import IMPORT_TASK, TASKS

__all__ = ["IMPORT_TASK", "TASKS", "EngineSettings", "TaskEngine", "TaskQueueUnavailable", "current_engine",
           "init_tasks"]


def init_tasks(app: Flask) -> None:
    """Give the app its task engine (nothing connects yet) and the `flask worker` and `flask scheduler` commands."""
    app.extensions["tasks"] = TaskEngine(app, EngineSettings.from_config(app.config))
    app.cli.add_command(worker_command)
    app.cli.add_command(scheduler_command)


def current_engine() -> TaskEngine:
    return current_app.extensions["tasks"]
