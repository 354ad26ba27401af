"""Fixtures of the task-engine tests: the real Redis (skipped without one, except on CI, where .ci/run starts it)
with a key namespace of its own per test, so nothing else stored in that Redis is touched, and an engine on it
that takes the place of the suite's in-memory one for the length of a test."""
from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import redis
from dramatiq.brokers.redis import MAINTENANCE_SCALE

from campaign_crm.tasks import EngineSettings, TaskEngine


@pytest.fixture
def task_namespace(redis_url) -> Iterator[str]:
    """A Redis key prefix for this test only; its keys are deleted afterwards (and only those)."""
    namespace = f"crm-test-{uuid.uuid4().hex[:12]}"
    yield namespace
    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(match=f"{namespace}:*", count=500))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@pytest.fixture
def redis_engine(app, monkeypatch, redis_url, task_namespace) -> Iterator[TaskEngine]:
    """The suite's app with a task engine on the real Redis. A worker counts as dead after 3 s without a
    heartbeat, and every Redis command this process sends looks for dead workers' messages to requeue (in
    production: after 60 s, on one command in a thousand)."""
    engine = TaskEngine(app, EngineSettings(broker_url=redis_url, namespace=task_namespace,
                                            embedded_worker=False, heartbeat_timeout=3_000,
                                            maintenance_chance=MAINTENANCE_SCALE, worker_timeout=100))
    monkeypatch.setitem(app.extensions, "tasks", engine)
    yield engine


@pytest.fixture
def redis_worker(redis_engine):
    """Worker threads in this process on the test's Redis queue, stopped after the test."""
    worker = redis_engine.start_worker(2, worker_timeout=100)
    yield worker
    redis_engine.stop_worker(worker)
