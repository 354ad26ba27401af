"""Where the app finds its files: templates and migrations inside the installed package when the wheel put them
there, else the checkout's folders at the root; the instance folder (the SQLite default) from INSTANCE_PATH, in
a checkout its instance/, when installed the working directory's instance/ (never inside site-packages).
scripts/check_wheel.sh builds and installs the real wheel."""
from __future__ import annotations

from pathlib import Path

import pytest

from campaign_crm import config as settings
from campaign_crm import create_app
from campaign_crm.config import Config, TestingConfig
from campaign_crm.extensions import db

ROOT = Path(__file__).resolve().parents[2]


def test_a_checkout_uses_its_own_templates_and_migrations(app):
    assert settings.IN_CHECKOUT
    assert settings.TEMPLATES_DIR == ROOT / "templates"
    assert settings.MIGRATIONS_DIR == ROOT / "migrations"
    assert Path(app.template_folder) == ROOT / "templates"
    assert Path(app.extensions["migrate"].directory) == ROOT / "migrations"


def test_the_package_copy_wins_when_the_wheel_installed_one(tmp_path, monkeypatch):
    installed = tmp_path / "site-packages" / "campaign_crm"
    (installed / "templates").mkdir(parents=True)
    monkeypatch.setattr(settings, "PACKAGE_DIR", installed)
    monkeypatch.setattr(settings, "BASE_DIR", installed.parent)

    assert settings.bundled("templates") == installed / "templates"
    assert settings.bundled("migrations") == installed.parent / "migrations"  # no copy: the root's


def test_installed_the_instance_folder_is_in_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.delenv("INSTANCE_PATH", raising=False)
    monkeypatch.setattr(settings, "IN_CHECKOUT", False)
    monkeypatch.chdir(tmp_path)

    assert settings.instance_dir() == tmp_path / "instance"


def test_in_a_checkout_the_instance_folder_is_the_checkouts(monkeypatch):
    monkeypatch.delenv("INSTANCE_PATH", raising=False)

    assert settings.instance_dir() == ROOT / "instance"


def test_instance_path_decides_where_the_default_sqlite_database_lives(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "crm-data"))

    config = Config()
    app = create_app(TestingConfig)

    assert config.SQLALCHEMY_DATABASE_URI == f"sqlite:///{tmp_path / 'crm-data' / 'campaign_crm.db'}"
    assert app.instance_path == str(tmp_path / "crm-data")
    assert (tmp_path / "crm-data").is_dir()
    with app.app_context():
        db.engine.dispose()


def test_no_instance_folder_is_made_for_a_database_elsewhere(tmp_path, monkeypatch, database_url):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "niet-nodig"))

    app = create_app(TestingConfig(database_url))

    assert not (tmp_path / "niet-nodig").exists()
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("value", ["xml", "JSONL"])
def test_an_unknown_log_format_stops_start_up(monkeypatch, value):
    monkeypatch.setenv("LOG_FORMAT", value)

    with pytest.raises(SystemExit) as stopped:
        create_app(TestingConfig)

    assert "LOG_FORMAT moet json of text zijn" in str(stopped.value)
