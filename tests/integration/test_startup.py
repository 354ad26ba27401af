"""Starting up: settings that are wrong are explained in one line; migrations match the models."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from campaign_crm import create_app
from campaign_crm.config import ConfigError, TestingConfig, database_url

ROOT = Path(__file__).resolve().parents[2]


def _flask(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flask", "--app", "campaign_crm", *args], cwd=ROOT,
                          env={**os.environ, **env}, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("raw", ["not a url", "postgresql://", "mysql://root@localhost/crm", "://x"])
def test_a_malformed_database_url_is_explained(raw):
    with pytest.raises(ConfigError) as info:
        database_url(raw)
    assert "DATABASE_URL" in str(info.value)


def test_postgres_urls_get_the_psycopg3_driver():
    assert database_url("postgres://u@h:5432/db").startswith("postgresql+psycopg://")
    assert database_url("postgresql://u@h/db").startswith("postgresql+psycopg://")


def test_create_app_with_a_bad_database_url_stops_with_one_line(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "not a url")
    with pytest.raises(SystemExit) as info:
        create_app(TestingConfig)
    message = str(info.value)
    assert message.startswith("Configuratiefout: DATABASE_URL") and "\n" not in message


def test_the_cli_explains_a_malformed_database_url_without_a_traceback():
    result = _flask("db", "upgrade", env={"DATABASE_URL": "postgresql//oops"})
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "DATABASE_URL" in lines[0], result.stderr


def test_production_needs_a_secret_key(monkeypatch):
    monkeypatch.setenv("CRM_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(SystemExit) as info:
        create_app()
    assert "SECRET_KEY" in str(info.value)


def test_migrations_apply_to_an_empty_database_and_match_the_models(database_url, tmp_path):
    """`flask db upgrade` on a brand-new database, then `flask db check` finds no drift."""
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'fresh.db'}"
    else:
        url = database_url  # the session database was itself made by these migrations; check it
    if url.startswith("sqlite"):
        upgrade = _flask("db", "upgrade", env={"DATABASE_URL": url})
        assert upgrade.returncode == 0, upgrade.stderr
    check = _flask("db", "check", env={"DATABASE_URL": url})
    assert check.returncode == 0, check.stdout + check.stderr
    assert "No new upgrade operations detected" in check.stdout + check.stderr
    engine = create_engine(url)
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert {"users", "leads", "lead_stage_events", "employers", "touchpoints", "settings"} <= tables
