"""Fixtures of the operations tests: a real SMTP server on the loopback, and the rate limiter put back after a test
built apps with other storage (the reachable Redis, `redis_url`, comes from the suite's conftest)."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from campaign_crm.extensions import limiter
from tests.helpers import SmtpServer, free_port


@pytest.fixture
def restore_limiter(app, monkeypatch) -> None:
    """Flask-Limiter's limiter is one object for every app in the process, and each create_app gives it the
    storage of that app's settings; after the test it gets back the suite's storage (so no later test counts in
    Redis, and the suite's limiter.reset() clears nothing there)."""
    for name in ("_storage", "_limiter"):
        monkeypatch.setattr(limiter, name, getattr(limiter, name))
    monkeypatch.setattr(limiter, "_storage_options", dict(limiter._storage_options))


@pytest.fixture
def smtp_server() -> Iterator[tuple[str, int]]:
    """(host, port) of a real SMTP server (aiosmtpd) on the loopback, for the length of the test."""
    server = SmtpServer(free_port())
    server.start()
    try:
        yield "127.0.0.1", server.port
    finally:
        server.stop()
