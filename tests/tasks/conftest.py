"""Fixtures of the task-engine tests: the real Redis (skipped without one, except on CI, where .ci/run starts it)
with a key namespace of its own per test, so nothing else stored in that Redis is touched, and an engine on it
that takes the place of the suite's in-memory one for the length of a test."""
from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import redis
from dramatiq.brokers.redis import MAINTENANCE_SCALE

from campaign_crm.tasks import EngineSettings, TaskEngine

REDIS_URL = "redis://127.0.0.1:6379/0"


def _redis_answers(url: str) -> bool:
    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        return bool(client.ping())
    except (redis.RedisError, OSError):
        return False
    finally:
        client.close()


@pytest.fixture
def task_redis_url() -> str:
    """The local Redis; on CI its absence fails the test instead of skipping it."""
    if not _redis_answers(REDIS_URL):
        if os.environ.get("CI"):
            pytest.fail(f"Redis antwoordt niet op {REDIS_URL}; .ci/run start het")
        pytest.skip(f"Redis antwoordt niet op {REDIS_URL}")
    return REDIS_URL


@pytest.fixture
def task_namespace(task_redis_url) -> Iterator[str]:
    """A Redis key prefix for this test only; its keys are deleted afterwards (and only those)."""
    namespace = f"crm-test-{uuid.uuid4().hex[:12]}"
    yield namespace
    client = redis.Redis.from_url(task_redis_url)
    try:
        keys = list(client.scan_iter(match=f"{namespace}:*", count=500))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@pytest.fixture
def redis_engine(app, monkeypatch, task_redis_url, task_namespace) -> Iterator[TaskEngine]:
    """The suite's app with a task engine on the real Redis. A worker counts as dead after 3 s without a
    heartbeat, and every Redis command this process sends looks for dead workers' messages to requeue (in
    production: after 60 s, on one command in a thousand)."""
    engine = TaskEngine(app, EngineSettings(broker_url=task_redis_url, namespace=task_namespace,
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
