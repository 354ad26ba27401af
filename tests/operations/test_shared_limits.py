"""Rate limits counted in Redis hold across processes: what one app instance (a gunicorn worker) counted, another
built with the same RATELIMIT_STORAGE_URI sees. With memory:// each counts alone, which is why production uses
Redis (`flask doctor` fails on memory://)."""
from __future__ import annotations

import uuid

import pytest
import redis

from campaign_crm import create_app
from campaign_crm.config import TestingConfig
from campaign_crm.extensions import db

WRONG_LOGIN = {"email": "niemand@test.example", "password": "verkeerd-wachtwoord-123"}


@pytest.fixture
def key_prefix(redis_url):
    """A key prefix of this test's own in Redis; its keys (and only those) are deleted afterwards."""
    prefix = f"crm-test-limits-{uuid.uuid4().hex}"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    try:
        for key in client.scan_iter(match=f"{prefix}*"):
            client.delete(key)
    finally:
        client.close()


@pytest.fixture
def instances(database_url, restore_limiter):
    """instance(storage_uri, prefix) -> a new app (like another gunicorn worker) allowing 3 logins a minute."""
    made = []

    def instance(storage_uri: str, prefix: str):
        config = TestingConfig(database_url)
        config.RATELIMIT_STORAGE_URI = storage_uri
        config.RATELIMIT_STORAGE_OPTIONS = {"key_prefix": prefix}
        config.LOGIN_RATE_LIMIT = "3 per minute"
        made.append(create_app(config))
        return made[-1]

    yield instance
    for app in made:
        with app.app_context():
            db.engine.dispose()


def use_up_the_login_limit(app) -> None:
    client = app.test_client()
    for _ in range(3):
        assert client.post("/login", data=WRONG_LOGIN).status_code == 200
    assert client.post("/login", data=WRONG_LOGIN).status_code == 429


def test_a_login_limit_counted_by_one_instance_is_seen_by_another(instances, redis_url, key_prefix):
    first = instances(redis_url, key_prefix)
    use_up_the_login_limit(first)

    second = instances(redis_url, key_prefix)  # its own connection to the same Redis
    response = second.test_client().post("/login", data=WRONG_LOGIN)

    assert response.status_code == 429
    assert "Te veel pogingen" in response.get_data(as_text=True)
    client = redis.Redis.from_url(redis_url)
    try:
        assert any(b"auth.login" in key for key in client.scan_iter(match=f"{key_prefix}*"))
    finally:
        client.close()


def test_with_memory_storage_each_instance_counts_alone(instances):
    first = instances("memory://", "crm-test")
    use_up_the_login_limit(first)

    second = instances("memory://", "crm-test")

    assert second.test_client().post("/login", data=WRONG_LOGIN).status_code == 200


def test_with_the_shared_store_down_logins_are_still_limited_in_memory_and_no_request_fails(instances):
    closed_port = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    app = instances(closed_port, "crm-test-down")

    use_up_the_login_limit(app)  # 200, 200, 200, then 429: counted in the process's memory

    page = app.test_client().get("/login")
    assert page.status_code == 200
