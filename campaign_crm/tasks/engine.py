"""The task engine: Dramatiq, with a Redis broker when TASK_BROKER_URL is a redis:// URL (tasks run in `flask
worker` processes), else an in-memory broker whose worker threads run inside the app process itself (started on
the first enqueue, once per process; never by the test suite unless a test asks).

Each app has its own engine (app.extensions["tasks"]): a broker with one actor per task of jobs.TASKS, bound to the
app, so a worker runs every task inside that app's context. A task is enqueued by its idempotency key: the run
row is committed first, then the message (the run's id and the request id of whoever enqueued it) is sent; a key
that already has a row sends nothing. The worker claims the row (nothing happens when it is done or failed), binds
the request id for the task's log lines, runs the body and commits the body's work with the run's end. A failure
is recorded on the row (`retrying`, or `failed` once the retries are spent) and raised again, so Dramatiq retries
the message with exponential back-off.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import dramatiq
import redis
from apscheduler.triggers.cron import CronTrigger
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from dramatiq.errors import BrokerError
from dramatiq.middleware import CurrentMessage, default_middleware
from flask import Flask
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from ..models import TaskRun, User, utcnow
from ..models.tasks import FAILED
from ..observability import bind_request_id, current_request_id, new_request_id
from ..services import audit
from ..services.errors import NotFound, ValidationError
from . import runs, schedule
from .jobs import IMPORT_TASK, TASKS, TaskContext, TaskSpec, describe_error

logger = logging.getLogger("campaign_crm.tasks")

QUEUE = "campaign_crm"
DEFAULT_NAMESPACE = "campaign_crm"  # the prefix of every Redis key of the queue
AUDIT_ORIGIN = "taak"  # where audit entries written by a task come from
NETWORK_TIMEOUT = 3  # seconds to connect to Redis, so a refused enqueue answers quickly
SOCKET_TIMEOUT = 10
MESSAGE_OPTIONS = ("max_retries", "min_backoff", "max_backoff", "time_limit")
BROKER_ERRORS = (RedisError, OSError, BrokerError)
QUEUE_DOWN = ("De takenwachtrij is niet bereikbaar, dus de taak is niet gestart. Er is niets verloren gegaan: "
              "probeer het over een paar minuten opnieuw.")


class TaskQueueUnavailable(Exception):
    """The task queue refused a message; the run is recorded as failed and can be started again."""

    def __init__(self, run_id: int) -> None:
        super().__init__(QUEUE_DOWN)
        self.message = QUEUE_DOWN
        self.run_id = run_id


@dataclass
class EngineSettings:
    """How the engine runs; `from_config` reads them from the app's settings."""

    broker_url: str = ""  # redis://…; empty: the in-memory broker with worker threads in this process
    namespace: str = DEFAULT_NAMESPACE
    worker_threads: int = 4  # threads of `flask worker`
    embedded_threads: int = 2  # threads of the in-process worker (no broker URL)
    embedded_worker: bool = True  # start the in-process worker on the first enqueue
    heartbeat_timeout: int = 60_000  # ms without a worker's heartbeat before its unfinished messages are requeued
    maintenance_chance: int = 1_000  # per million Redis commands: look for dead workers' messages
    worker_timeout: int = 1_000  # ms a worker thread waits for work before it looks again (or stops)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> EngineSettings:
        return cls(broker_url=config.get("TASK_BROKER_URL") or "",
                   namespace=config.get("TASK_NAMESPACE") or DEFAULT_NAMESPACE,
                   worker_threads=int(config.get("TASK_WORKER_THREADS") or 4),
                   embedded_worker=bool(config.get("TASK_EMBEDDED_WORKER", not config.get("TESTING"))))


class TaskEngine:
    """The broker, the actors and the workers of one app."""

    def __init__(self, app: Flask, settings: EngineSettings) -> None:
        self.app = app
        self.settings = settings
        self._lock = threading.RLock()
        self._broker: dramatiq.Broker | None = None
        self._actors: dict[str, dramatiq.Actor] = {}
        self._pid: int | None = None
        self._booted = False
        self._embedded: dramatiq.Worker | None = None

    @property
    def uses_redis(self) -> bool:
        return bool(self.settings.broker_url)

    # --- broker and actors -----------------------------------------------------------------------------------

    @property
    def broker(self) -> dramatiq.Broker:
        """The broker, made on first use (so `flask db upgrade` and other commands never touch the queue), and made
        again in a forked child, which cannot use its parent's threads."""
        with self._lock:
            if self._broker is None or self._pid != os.getpid():
                self._broker, self._pid, self._booted, self._embedded = self._make_broker(), os.getpid(), False, None
                self._actors = {spec.name: self._declare(spec) for spec in TASKS.values()}
            return self._broker

    def _make_broker(self) -> dramatiq.Broker:
        middleware = [make() for make in default_middleware] + [CurrentMessage()]
        if not self.uses_redis:
            return StubBroker(middleware=middleware, fail_fast_default=False)
        client = redis.Redis.from_url(self.settings.broker_url, socket_connect_timeout=NETWORK_TIMEOUT,
                                      socket_timeout=SOCKET_TIMEOUT, health_check_interval=30)
        return RedisBroker(client=client, namespace=self.settings.namespace, middleware=middleware,
                           heartbeat_timeout=self.settings.heartbeat_timeout,
                           maintenance_chance=self.settings.maintenance_chance)

    def _declare(self, spec: TaskSpec) -> dramatiq.Actor:
        engine = self

        def perform(run_id: int, request_id: str | None = None) -> None:
            engine.perform(spec.name, run_id, request_id)

        return dramatiq.actor(perform, broker=self._broker, actor_name=spec.name, queue_name=QUEUE,
                              priority=spec.priority, **spec.options)

    def actor(self, task: str) -> dramatiq.Actor:
        self.broker  # noqa: B018  (declares the actors)
        return self._actors[task]

    def message_options(self, task: str) -> dict[str, Any]:
        """Per-message overrides of a task's retries, back-off and time limit: TASK_OPTIONS {task or "*": {…}}."""
        chosen = self.app.config.get("TASK_OPTIONS") or {}
        merged = {**chosen.get("*", {}), **chosen.get(task, {})}
        return {name: value for name, value in merged.items() if name in MESSAGE_OPTIONS}

    # --- enqueueing --------------------------------------------------------------------------------------------

    def enqueue(self, task: str, key: str, args: dict[str, Any] | None = None, *, actor: User | None = None,
                again: bool = False) -> TaskRun:
        """Start `task` once for `key`: make its run row, commit (the caller's work too), send the message. A key
        that has a row already sends nothing; with `again`, a failed or lost run of that key is sent again.
        Raises TaskQueueUnavailable when the queue refuses the message (the run is then marked failed)."""
        if task not in TASKS:
            raise ValueError(f"unknown task {task!r}")
        request_id = current_request_id() or new_request_id()
        run, made = runs.find_or_create(task, key, dict(args or {}), started_by_id=actor.id if actor else None,
                                        request_id=request_id)
        if not made:
            if not (again and self.retryable(run)):
                db.session.commit()
                return run
            runs.requeue(run, request_id=request_id)
        db.session.commit()
        self._send(run)
        return run

    def enqueue_import(self, batch_id: int, *, actor: User | None, chunk_size: int | None = None) -> TaskRun:
        """Apply an uploaded batch in the background; a failed apply of the same batch goes on where it stopped."""
        args: dict[str, Any] = {"batch_id": batch_id}
        if chunk_size:
            args["chunk_size"] = chunk_size
        return self.enqueue(IMPORT_TASK, f"{IMPORT_TASK}:{batch_id}", args, actor=actor, again=True)

    def enqueue_scheduled(self, task: str, when: CronTrigger, moment: datetime | None = None) -> TaskRun | None:
        """The scheduler's job: enqueue `task` for the slot `moment` (default now) belongs to, under a request id of
        its own (its log lines and the task's share it)."""
        with self.app.app_context(), bind_request_id(None):
            slot = schedule.slot_at(when, moment or utcnow())
            if slot is None:
                return None
            try:
                run = self.enqueue(task, schedule.slot_key(task, slot), {"slot": slot.isoformat()})
            except TaskQueueUnavailable:
                logger.error("periodieke taak %s voor %s niet in de wachtrij gezet: wachtrij onbereikbaar", task, slot)
                return None
            logger.info("periodieke taak %s voor %s: run %s (%s)", task, slot, run.id, run.status)
            return run

    def retry(self, run_id: int, *, actor: User) -> TaskRun:
        """An admin starts a failed (or lost) run again: audited, then sent. An import goes on where it stopped."""
        run = db.session.get(TaskRun, run_id)
        if run is None:
            raise NotFound("Deze taak bestaat niet.")
        if not self.retryable(run):
            raise ValidationError("Alleen een mislukte of vastgelopen taak kan opnieuw worden gestart.",
                                  {"run": "Niet mislukt."})
        runs.requeue(run, request_id=current_request_id() or new_request_id())
        audit.record(actor, "task_retried", run, task=run.task, attempts=run.attempts)
        db.session.commit()
        self._send(run)
        return run

    def retryable(self, run: TaskRun) -> bool:
        spec = TASKS.get(run.task)
        if spec is None:
            return False
        return run.status == FAILED or runs.is_stale(run, timedelta(milliseconds=spec.time_limit))

    def _send(self, run: TaskRun) -> None:
        run_id, task, request_id = run.id, run.task, run.request_id
        try:
            self.actor(task).send_with_options(args=(run_id,), kwargs={"request_id": request_id},
                                               **self.message_options(task))
        except BROKER_ERRORS as exc:
            logger.error("taak %s (run %s) niet in de wachtrij gezet: %s", task, run_id, type(exc).__name__)
            db.session.rollback()
            runs.fail(run_id, "Niet in de wachtrij gezet: de takenwachtrij was niet bereikbaar.", final=True)
            db.session.commit()
            raise TaskQueueUnavailable(run_id) from None
        self.ensure_embedded_worker()

    # --- running -------------------------------------------------------------------------------------------------

    def perform(self, task: str, run_id: int, request_id: str | None) -> None:
        """Run one delivery of a task's message (in a worker thread)."""
        spec = TASKS[task]
        with self.app.app_context(), bind_request_id(request_id):
            audit.set_origin(AUDIT_ORIGIN)
            run = runs.claim(run_id, task)
            db.session.commit()
            if run is None:
                logger.info("taak %s (run %s) overgeslagen: al klaar, mislukt of onbekend", task, run_id)
                return
            context = TaskContext(run_id=run.id, args=dict(run.args or {}), started_by_id=run.started_by_id)
            logger.info("taak %s gestart (run %s, poging %s)", task, run.id, run.attempts)
            started = time.perf_counter()
            try:
                spec.body(context)
                runs.finish(run_id, context.summary)
                db.session.commit()
            except BaseException as exc:
                self._failed(spec, context, exc)
                raise
            logger.info("taak %s klaar in %.1f s (run %s): %s", task, time.perf_counter() - started, run_id,
                        context.summary or "")
            for follow_up, key, args in context.follow_ups:
                try:
                    self.enqueue(follow_up, key, args)
                except TaskQueueUnavailable:
                    pass  # recorded as a failed run, which the admin page offers to start again

    def _failed(self, spec: TaskSpec, context: TaskContext, exc: BaseException) -> None:
        """Record a failed attempt on the run (and, when final, what the task does then); never raises."""
        try:
            db.session.rollback()
            final = not self._will_retry(spec, exc)
            message = (spec.describe or _generic)(context, exc)
            logger.error("taak %s mislukt (run %s)%s: %s", spec.name, context.run_id,
                         "" if final else ", wordt opnieuw geprobeerd", message, exc_info=exc)
            runs.fail(context.run_id, message, final=final)
            db.session.commit()
            if final and spec.on_failure is not None:
                spec.on_failure(context, message)
                db.session.commit()
        except SQLAlchemyError:
            db.session.rollback()
            logger.exception("taak %s (run %s): de mislukking kon niet worden vastgelegd", spec.name, context.run_id)

    def _will_retry(self, spec: TaskSpec, exc: BaseException) -> bool:
        """Whether Dramatiq's Retries middleware will send this message again (the same rule it applies)."""
        if isinstance(exc, spec.throws):
            return False
        message = CurrentMessage.get_current_message()
        if message is None:
            return False
        retries = message.options.get("retries", 0)
        return retries < message.options.get("max_retries", spec.max_retries)

    # --- workers --------------------------------------------------------------------------------------------------

    def start_worker(self, threads: int | None = None, *, worker_timeout: int | None = None) -> dramatiq.Worker:
        """Worker threads in this process that take messages from the broker until stopped."""
        broker = self.broker
        with self._lock:
            if not self._booted:
                broker.emit_after("process_boot")  # starts the time-limit watcher
                self._booted = True
        worker = dramatiq.Worker(broker, worker_threads=threads or self.settings.worker_threads,
                                 worker_timeout=worker_timeout or self.settings.worker_timeout)
        worker.start()
        return worker

    def ensure_embedded_worker(self) -> None:
        """Without a broker URL: start this process's worker threads, once (not when the app is under test, unless
        TASK_EMBEDDED_WORKER says so)."""
        if self.uses_redis or not self.settings.embedded_worker:
            return
        with self._lock:
            self.broker  # noqa: B018  (a forked child gets its own)
            if self._embedded is None:
                self._embedded = self.start_worker(self.settings.embedded_threads)
                logger.info("takenverwerker gestart in dit proces (%s threads)", self.settings.embedded_threads)

    def stop_worker(self, worker: dramatiq.Worker, *, timeout: int = 10_000) -> None:
        """Stop a worker started by start_worker: its threads end after their current task (within `timeout` ms)
        and it no longer listens to the broker."""
        worker.stop(timeout=timeout)
        broker = worker.broker
        broker.middleware = [m for m in broker.middleware if getattr(m, "worker", None) is not worker]

    def stop_embedded_worker(self) -> None:
        with self._lock:
            worker, self._embedded = self._embedded, None
        if worker is not None:
            self.stop_worker(worker)

    def drain(self, *, timeout: float = 30.0) -> None:
        """Run what is queued (and the retries it schedules) with a worker in this process, then stop it."""
        broker = self.broker
        worker = self.start_worker(1, worker_timeout=50)
        try:
            for queue in sorted(broker.get_declared_queues()):
                if isinstance(broker, StubBroker):
                    broker.join(queue, timeout=int(timeout * 1000), fail_fast=False)
                else:
                    broker.join(queue, timeout=int(timeout * 1000))
            worker.join()
        finally:
            self.stop_worker(worker)

    def discard_queued(self) -> None:
        """Drop every queued message of the in-memory broker (between tests); a Redis queue is left alone."""
        if self._broker is not None and isinstance(self._broker, StubBroker):
            self._broker.flush_all()


def _generic(context: TaskContext, exc: BaseException) -> str:
    run = db.session.get(TaskRun, context.run_id)
    return describe_error(exc, run.request_id if run else None)
