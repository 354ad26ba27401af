"""Every request has an id: a valid incoming X-Request-ID, else a new one; it goes back in the response header and
is on every log line written meanwhile, as one JSON object per line (LOG_FORMAT=json) or in a text line."""
from __future__ import annotations

import json
import re

import pytest
from flask import current_app

from campaign_crm import create_app
from campaign_crm.config import TestingConfig
from campaign_crm.extensions import db
from campaign_crm.observability import bind_request_id, configure_logging, current_request_id
from campaign_crm.permissions import public

NEW_ID = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def logging_app(app, database_url):
    """make(log_format) -> a fresh app that logs in that format and has two public test views: /log-iets writes a
    warning, /kapot raises. The suite's log format is put back afterwards."""
    made = []

    def make(log_format: str):
        config = TestingConfig(database_url)
        config.LOG_FORMAT = log_format
        fresh = create_app(config)

        def write_a_line():
            current_app.logger.warning("iets gelogd voor %s", "de test")
            return "ok"

        def break_down():
            raise RuntimeError("kapot voor de test")

        fresh.add_url_rule("/log-iets", "log_iets", public(write_a_line))
        fresh.add_url_rule("/kapot", "kapot", public(break_down))
        made.append(fresh)
        return fresh

    yield make
    configure_logging(app.config["LOG_FORMAT"])
    for fresh in made:
        with fresh.app_context():
            db.engine.dispose()


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_a_valid_incoming_request_id_comes_back_in_the_response(client):
    response = client.get("/login", headers={"X-Request-ID": "proxy-4f2a.17_b"})

    assert response.headers["X-Request-ID"] == "proxy-4f2a.17_b"


def test_without_an_incoming_id_each_request_gets_a_new_one(client):
    first = client.get("/healthz").headers["X-Request-ID"]
    second = client.get("/healthz").headers["X-Request-ID"]

    assert NEW_ID.fullmatch(first) and NEW_ID.fullmatch(second)
    assert first != second


@pytest.mark.parametrize("incoming", ["met spatie", "x" * 65, 'a"b', "<script>", "id;rm", "é-accent", ""])
def test_an_invalid_incoming_id_is_replaced_by_a_new_one(client, incoming):
    response = client.get("/healthz", headers={"X-Request-ID": incoming})

    assert NEW_ID.fullmatch(response.headers["X-Request-ID"])


def test_error_pages_carry_the_id_too(client):
    response = client.get("/bestaat-niet", headers={"X-Request-ID": "fout-404"})

    assert response.status_code == 404
    assert response.headers["X-Request-ID"] == "fout-404"


def test_a_json_log_line_carries_the_request_id(logging_app, capsys):
    fresh = logging_app("json")

    response = fresh.test_client().get("/log-iets", headers={"X-Request-ID": "json-regel-1"})

    assert response.status_code == 200
    line = next(found for found in json_lines(capsys.readouterr().err) if found["message"].startswith("iets gelogd"))
    assert line["message"] == "iets gelogd voor de test"
    assert line["request_id"] == "json-regel-1"
    assert line["level"] == "WARNING"
    assert line["logger"] == "campaign_crm"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", line["time"])


def test_a_json_log_line_of_an_unexpected_error_holds_the_exception_and_the_id(logging_app, capsys):
    fresh = logging_app("json")

    response = fresh.test_client().get("/kapot", headers={"X-Request-ID": "json-fout-1"})

    assert response.status_code == 500
    assert "kapot voor de test" not in response.get_data(as_text=True)
    line = next(found for found in json_lines(capsys.readouterr().err) if found["message"].startswith("unhandled"))
    assert line["request_id"] == "json-fout-1"
    assert line["level"] == "ERROR"
    assert "RuntimeError: kapot voor de test" in line["exception"]


def test_a_text_log_line_shows_the_request_id(logging_app, capsys):
    fresh = logging_app("text")

    fresh.test_client().get("/log-iets", headers={"X-Request-ID": "tekst-regel-1"})

    lines = [line for line in capsys.readouterr().err.splitlines() if "iets gelogd" in line]
    assert len(lines) == 1
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} WARNING \[tekst-regel-1\] campaign_crm: "
                        r"iets gelogd voor de test", lines[0])


def test_the_id_is_bound_only_while_the_request_runs(client):
    client.get("/healthz", headers={"X-Request-ID": "alleen-tijdens"})

    assert current_request_id() is None


def test_bind_request_id_carries_an_id_into_work_outside_a_request():
    with bind_request_id("taak-1") as bound:
        assert (bound, current_request_id()) == ("taak-1", "taak-1")
    with bind_request_id(None) as fresh:
        assert NEW_ID.fullmatch(fresh)
    assert current_request_id() is None


def test_the_500_page_shows_the_id_to_quote_when_reporting_the_error(logging_app, capsys):
    fresh = logging_app("text")

    response = fresh.test_client().get("/kapot", headers={"X-Request-ID": "meld-dit-1"})

    assert response.status_code == 500
    assert "kenmerk meld-dit-1" in response.get_data(as_text=True)
    assert "[meld-dit-1]" in capsys.readouterr().err  # the same id as on the log line
