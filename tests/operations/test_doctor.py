"""`flask doctor`: one Dutch line per production check (OK, or FOUT with what to set), exit status 1 when any
fails; the checks are plain functions in campaign_crm/doctor.py."""
from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from campaign_crm import create_app, doctor
from campaign_crm.config import TestingConfig
from campaign_crm.extensions import db
from tests.helpers import throwaway_database

CHECKS = ["CRM_ENV", "SECRET_KEY", "REQUIRE_TWO_FACTOR", "SESSION_COOKIE_SECURE", "PUBLIC_BASE_URL", "DATABASE_URL",
          "TASK_BROKER_URL", "MAIL", "RATELIMIT_STORAGE_URI"]
DEPLOYMENT_SETTINGS = ["PUBLIC_BASE_URL", "TASK_BROKER_URL", "MAIL_SERVER", "MAIL_PORT", "MAIL_FROM", "MAIL_USE_TLS",
                       "MAIL_USERNAME", "MAIL_PASSWORD", "RATELIMIT_STORAGE_URI", "REQUIRE_TWO_FACTOR"]


def doctor_lines(app) -> tuple[int, dict[str, str], list[str]]:
    """(exit status, check name → its line, every line) of `flask doctor` on `app`."""
    result = app.test_cli_runner().invoke(args=["doctor"])
    lines = result.output.splitlines()
    by_name = {line.split(":", 1)[0].split()[-1]: line for line in lines if line.startswith(("OK", "FOUT"))}
    return result.exit_code, by_name, lines


@pytest.fixture
def clean_environment(monkeypatch):
    """No deployment setting of the calling shell reaches the production-like app."""
    for name in DEPLOYMENT_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.fixture
def well_configured_app(request, clean_environment, restore_limiter, redis_url, smtp_server):
    """The production-like app with every deployment setting right: https address, Redis for tasks and limits,
    a mail server that answers, two-factor login on."""
    host, port = smtp_server
    for name, value in {"PUBLIC_BASE_URL": "https://werkgevers.example.nl", "TASK_BROKER_URL": redis_url,
                        "RATELIMIT_STORAGE_URI": redis_url, "MAIL_SERVER": host, "MAIL_PORT": str(port),
                        "MAIL_FROM": "crm@werkgevers.example.nl"}.items():
        clean_environment.setenv(name, value)
    app = request.getfixturevalue("production_app")  # built now, with the settings above
    app.config["REQUIRE_TWO_FACTOR"] = True  # the fixture turns it off for its logins
    return app


@pytest.fixture
def bare_production_app(request, clean_environment, restore_limiter):
    """The production-like app with none of the deployment settings: no https address, no Redis, no mail."""
    return request.getfixturevalue("production_app")


def test_a_well_configured_production_passes_every_check(well_configured_app):
    status, by_name, lines = doctor_lines(well_configured_app)

    assert list(by_name) == CHECKS
    assert all(line.startswith("OK ") for line in by_name.values()), "\n".join(lines)
    assert lines[-1] == "Alle 9 controles in orde."
    assert status == 0
    assert "bereikbaar, migraties bij" in by_name["DATABASE_URL"]


def test_a_bare_production_configuration_fails_and_says_what_to_set(bare_production_app):
    status, by_name, lines = doctor_lines(bare_production_app)

    assert status == 1
    failed = [name for name, line in by_name.items() if line.startswith("FOUT")]
    assert failed == ["REQUIRE_TWO_FACTOR", "PUBLIC_BASE_URL", "TASK_BROKER_URL", "MAIL", "RATELIMIT_STORAGE_URI"]
    assert "zet REQUIRE_TWO_FACTOR=true" in by_name["REQUIRE_TWO_FACTOR"]
    assert "zet het openbare https-adres" in by_name["PUBLIC_BASE_URL"]
    assert "TASK_BROKER_URL=redis://" in by_name["TASK_BROKER_URL"]
    assert "MAIL_SERVER en MAIL_FROM niet gezet" in by_name["MAIL"]
    assert "RATELIMIT_STORAGE_URI=redis://" in by_name["RATELIMIT_STORAGE_URI"]
    assert lines[-1] == "5 van de 9 controles mislukt."


def test_unreachable_services_fail_without_repeating_their_secrets(bare_production_app):
    config = dict(bare_production_app.config, TASK_BROKER_URL="redis://:geheim-wachtwoord@127.0.0.1:1/0",
                  MAIL_SERVER="127.0.0.1", MAIL_PORT=1, MAIL_FROM="crm@example.nl", MAIL_PASSWORD="geheim-wachtwoord")

    queue, mail = doctor.check_task_queue(config), doctor.check_mail(config)

    assert not queue.ok and "takenwachtrij onbereikbaar: verbinding geweigerd" in queue.detail
    assert not mail.ok and "mailserver onbereikbaar: verbinding geweigerd" in mail.detail
    assert "geheim-wachtwoord" not in queue.detail + mail.detail
    assert doctor.check_mail(config, connect=False).ok  # only the settings, not the server


@pytest.mark.parametrize(("key", "expected"), [
    (None, "niet gezet"), ("dev-only-not-secret", "niet gezet"), ("kort-maar-geheim", "te kort (16 tekens"),
])
def test_a_missing_default_or_short_secret_key_fails(key, expected):
    check = doctor.check_secret_key({"SECRET_KEY": key})

    assert not check.ok and expected in check.detail and "secrets.token_urlsafe" in check.detail


@pytest.mark.parametrize("url", ["http://werkgevers.example.nl", "werkgevers.example.nl", "https://"])
def test_a_public_address_that_is_not_https_fails(url):
    assert not doctor.check_public_base_url({"PUBLIC_BASE_URL": url}).ok


def test_development_settings_fail_the_environment_checks(app):
    status, by_name, _ = doctor_lines(app)

    assert status == 1
    assert by_name["CRM_ENV"].startswith("FOUT") and "zet CRM_ENV=production" in by_name["CRM_ENV"]
    assert by_name["SECRET_KEY"].startswith("FOUT")


def test_a_database_without_migrations_is_reported_with_the_upgrade_command():
    with tempfile.TemporaryDirectory() as tmp, throwaway_database("crm_doctor", Path(tmp)) as url:
        empty = create_app(TestingConfig(url))
        with empty.app_context():
            check = doctor.check_database(empty)
            db.engine.dispose()

    assert not check.ok
    assert "leeg (geen migraties)" in check.detail and "db upgrade" in check.detail


def test_an_unreachable_database_is_reported():
    down = create_app(TestingConfig("sqlite:////nonexistent-directory/for/sure/crm.db"))
    with down.app_context():
        check = doctor.check_database(down)
        db.engine.dispose()

    assert not check.ok
    assert check.detail.startswith("database onbereikbaar: databasebestand niet te openen")
