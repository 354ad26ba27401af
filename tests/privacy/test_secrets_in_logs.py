"""Secrets stay out of logs: secret link tokens are masked in access logs, SQL values in error logs."""
from __future__ import annotations

import logging
from datetime import timedelta
from types import SimpleNamespace

import pytest
from gunicorn.config import Config as GunicornConfig
from gunicorn.glogging import SafeAtoms
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug._internal import _log as werkzeug_log

from campaign_crm.extensions import db
from campaign_crm.security import GunicornLogger

TOKEN = "Zk3-geheim_jobcoach_TOKEN"


def test_the_development_server_access_log_masks_a_signal_link_token(app, caplog):
    caplog.set_level(logging.INFO, logger="werkzeug")
    # Exactly what werkzeug's request handler logs for one request.
    werkzeug_log("info", '127.0.0.1 - - [04/Dec/2026 10:00:00] "%s" %s %s',
                 f"POST /signaal/{TOKEN} HTTP/1.1", "302", "-")
    werkzeug_log("info", '127.0.0.1 - - [04/Dec/2026 10:00:01] "%s" %s %s',
                 f"GET /signaal/{TOKEN}/bedankt HTTP/1.1", "200", "-")
    assert TOKEN not in caplog.text
    assert "/signaal/***" in caplog.text and "/signaal/***/bedankt" in caplog.text


@pytest.mark.parametrize("path", [f"/signaal/{TOKEN}", f"/account/instellen/{TOKEN}"])
def test_the_gunicorn_access_log_masks_secret_link_tokens(path):
    logger = GunicornLogger(GunicornConfig())
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": path, "PATH_INFO": path, "QUERY_STRING": "",
               "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "192.0.2.1", "HTTP_REFERER": f"https://crm.example.nl{path}"}
    response = SimpleNamespace(status="200 OK", sent=512, headers=[])
    request = SimpleNamespace(headers=[("REFERER", f"https://crm.example.nl{path}")])
    atoms = logger.atoms(response, request, environ, timedelta(milliseconds=12))
    line = logger.cfg.access_log_format % SafeAtoms(atoms) + " " + str(atoms)
    assert TOKEN not in line
    assert "***" in line


def test_sql_values_never_appear_in_database_errors(app, caplog):
    with app.app_context():
        with pytest.raises(SQLAlchemyError) as failed:
            db.session.execute(text("SELECT * FROM no_such_table WHERE token = :token"), {"token": TOKEN})
        db.session.rollback()
        app.logger.error("database error: %s", failed.value)
    assert TOKEN not in str(failed.value)
    assert "no_such_table" in caplog.text and TOKEN not in caplog.text
