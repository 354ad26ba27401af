"""Fixtures of the operations tests: a reachable Redis (skipped without one, except on CI, where .ci/run starts
it), a fake SMTP server on the loopback, and the rate limiter put back after a test built apps with other
storage."""
from __future__ import annotations

import os
import socketserver
import threading
from collections.abc import Iterator

import pytest
import redis

from campaign_crm.extensions import limiter

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
def redis_url() -> str:
    """The local Redis; on CI its absence fails the test instead of skipping it."""
    if not _redis_answers(REDIS_URL):
        if os.environ.get("CI"):
            pytest.fail(f"Redis antwoordt niet op {REDIS_URL}; .ci/run start het")
        pytest.skip(f"Redis antwoordt niet op {REDIS_URL}")
    return REDIS_URL


@pytest.fixture
def restore_limiter(app, monkeypatch) -> None:
    """Flask-Limiter's limiter is one object for every app in the process, and each create_app gives it the
    storage of that app's settings; after the test it gets back the suite's storage (so no later test counts in
    Redis, and the suite's limiter.reset() clears nothing there)."""
    for name in ("_storage", "_limiter"):
        monkeypatch.setattr(limiter, name, getattr(limiter, name))
    monkeypatch.setattr(limiter, "_storage_options", dict(limiter._storage_options))


class _FakeSmtp(socketserver.StreamRequestHandler):
    """Just enough SMTP for a client to connect, greet and leave."""

    def handle(self) -> None:
        self.wfile.write(b"220 fake.example ESMTP\r\n")
        for raw in self.rfile:
            command = raw.decode("ascii", "replace").strip().upper()
            if command.startswith(("EHLO", "HELO")):
                self.wfile.write(b"250 fake.example\r\n")
            elif command == "NOOP":
                self.wfile.write(b"250 OK\r\n")
            elif command == "QUIT":
                self.wfile.write(b"221 Tot ziens\r\n")
                return
            else:
                self.wfile.write(b"502 Niet ondersteund\r\n")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    block_on_close = True


@pytest.fixture
def smtp_server() -> Iterator[tuple[str, int]]:
    """(host, port) of a fake SMTP server on the loopback, for the length of the test."""
    server = _Server(("127.0.0.1", 0), _FakeSmtp)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[:2]
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
