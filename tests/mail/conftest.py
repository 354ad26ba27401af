"""Fixtures of the e-mail tests: a real SMTP server (aiosmtpd) on a free loopback port that the app sends to, and
that a test can stop (a mail-server outage) and start again on the same port."""
from __future__ import annotations

import pytest

from tests.helpers import SmtpServer, free_port


@pytest.fixture
def smtp_server(app, monkeypatch) -> SmtpServer:
    """A running SMTP server on a free loopback port, set as the app's MAIL_SERVER; links in mails on
    https://crm.example.nl."""
    server = SmtpServer(free_port())
    server.start()
    for key, value in {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": server.port, "MAIL_USE_TLS": False,
                       "MAIL_USERNAME": None, "MAIL_PASSWORD": None, "MAIL_FROM": "crm@test.example",
                       "MAIL_SMTP_TIMEOUT": 5, "PUBLIC_BASE_URL": "https://crm.example.nl"}.items():
        monkeypatch.setitem(app.config, key, value)
    yield server
    server.stop()
