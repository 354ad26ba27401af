"""Fixtures of the e-mail tests: a real SMTP server (aiosmtpd) on a free loopback port that the app sends to, and
that a test can stop (a mail-server outage) and start again on the same port."""
from __future__ import annotations

import email
import socket
import threading
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller


@dataclass(frozen=True)
class Received:
    """One message as the SMTP server got it."""

    mail_from: str
    recipients: tuple[str, ...]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def part(self, content_type: str) -> str | None:
        found = next((p for p in self.message.walk() if p.get_content_type() == content_type
                      and not p.is_attachment()), None)
        return found.get_content() if found is not None else None


class Recorder:
    """The aiosmtpd handler: keeps every message; refuses recipients whose address starts with `weiger`."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self._lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("weiger"):
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        parsed = email.message_from_bytes(envelope.original_content or envelope.content, policy=default_policy)
        with self._lock:
            self.received.append(Received(envelope.mail_from, tuple(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


class SmtpServer:
    """The test's mail server: `received` lists what arrived; `stop()` and `start()` make and end an outage."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.handler = Recorder()
        self._controller: Controller | None = None

    @property
    def received(self) -> list[Received]:
        return list(self.handler.received)

    def to(self, address: str) -> list[Received]:
        return [r for r in self.handler.received if address in r.recipients]

    def start(self) -> None:
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(app, monkeypatch) -> SmtpServer:
    """A running SMTP server on a free loopback port, set as the app's MAIL_SERVER; links in mails on
    https://crm.example.nl."""
    server = SmtpServer(_free_port())
    server.start()
    for key, value in {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": server.port, "MAIL_USE_TLS": False,
                       "MAIL_USERNAME": None, "MAIL_PASSWORD": None, "MAIL_FROM": "crm@test.example",
                       "MAIL_SMTP_TIMEOUT": 5, "PUBLIC_BASE_URL": "https://crm.example.nl"}.items():
        monkeypatch.setitem(app.config, key, value)
    yield server
    server.stop()
