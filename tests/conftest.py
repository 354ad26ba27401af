"""Shared fixtures: an app on a throwaway database (SQLite, or PostgreSQL when DATABASE_URL
points there), a clean database per test, and factories that build through the services."""
from __future__ import annotations

import os
import re
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

from campaign_crm import create_app
from campaign_crm.config import TestingConfig
from campaign_crm.extensions import db, limiter

pytest_plugins = ["tests.browser_support"]

PASSWORD = "Een-goed-wachtwoord-1"
# Tables whose rows the migrations seed; they are restored after every test.
REFERENCE_TABLES = ("municipalities", "sectors", "sbi_mappings", "size_classes", "interests", "lost_reasons",
                    "instruments", "end_hows", "end_whys",
                    "channels", "channel_utm", "settings")


def _server_url() -> str | None:
    raw = os.environ.get("DATABASE_URL")
    return raw if raw and raw.startswith("postgres") else None


@pytest.fixture(scope="session")
def database_url():
    """A new, empty database for this test run; dropped afterwards."""
    server = _server_url()
    if server is None:
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{Path(tmp) / 'test.db'}"
        return
    url = make_url(server).set(drivername="postgresql+psycopg")
    name = f"crm_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def app(database_url):
    app = create_app(TestingConfig(database_url))
    with app.app_context():
        upgrade()
        snapshot = {name: [dict(row._mapping) for row in db.session.execute(db.metadata.tables[name].select())]
                    for name in REFERENCE_TABLES}
    app.config["REFERENCE_SNAPSHOT"] = snapshot
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def reset_database(app) -> None:
    """Empty every table and put the migration-seeded reference rows back."""
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
                conn.execute(text(f"TRUNCATE {names} CASCADE"))
            else:
                for table in reversed(db.metadata.sorted_tables):
                    conn.execute(table.delete())
            for table in db.metadata.sorted_tables:
                rows = app.config["REFERENCE_SNAPSHOT"].get(table.name)
                if rows:
                    conn.execute(insert(table), rows)


@pytest.fixture(autouse=True)
def _clean_state(request):
    yield
    if "app" in request.fixturenames:
        app = request.getfixturevalue("app")
        reset_database(app)
        with app.app_context():
            limiter.reset()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def ctx(app):
    """An application context for service-level tests (do not mix with `client`)."""
    with app.app_context():
        yield
        db.session.rollback()


AKNP_PHASES = [("launch", "Lancering", (2026, 5, 11), (2026, 5, 31), None),
               ("livestream", "Livestream", (2026, 6, 1), (2026, 8, 31), None),
               ("techniek", "Sectorfase techniek", (2026, 9, 1), (2026, 10, 31), "techniek"),
               ("zorg", "Sectorfase zorg", (2026, 11, 1), (2027, 1, 31), "zorg")]


@pytest.fixture
def campaign(app) -> int:
    """The active campaign `aknp` with phases launch, livestream, techniek and zorg; returns its id."""
    from datetime import date

    from sqlalchemy import select

    from campaign_crm.models import Sector
    from campaign_crm.services.campaigns.campaigns import PhaseInput, create_campaign

    with app.app_context():
        sectors = {s.code: s for s in db.session.scalars(select(Sector))}
        made = create_campaign(code="aknp", name="Anders kijken naar personeel", starts_on=date(2026, 5, 11), phases=[
            PhaseInput(code, name, date(*start), date(*end), sectors.get(sector))
            for code, name, start, end, sector in AKNP_PHASES
        ])
        db.session.commit()
        return made.id


@dataclass
class Login:
    id: int
    email: str
    password: str
    role: str


class Factory:
    """Builds records through the services, each in its own committed transaction."""

    def __init__(self, app):
        self.app = app
        self.counter = 0

    def _next(self) -> int:
        self.counter += 1
        return self.counter

    def partner(self, name: str | None = None, kind: str = "gemeente") -> int:
        from campaign_crm.services.accounts import organisation

        with self.app.app_context():
            partner = organisation.save_partner(None, name=name or f"Partner {self._next()}", kind=kind,
                                                municipality=None, actor=None)
            db.session.commit()
            return partner.id

    def team(self, name: str | None = None, is_pool: bool = False) -> int:
        from campaign_crm.services.accounts import organisation

        with self.app.app_context():
            team = organisation.save_team(None, name=name or f"Team {self._next()}", is_pool=is_pool, actor=None)
            db.session.commit()
            return team.id

    def user(self, role: str = "advisor", *, email: str | None = None, name: str | None = None,
             partner_id: int | None = None, team_id: int | None = None, capacity: int = 20,
             password: str = PASSWORD) -> Login:
        from campaign_crm.models import Partner, Team
        from campaign_crm.services.accounts import users

        if role in ("advisor", "teamlead") and team_id is None:
            team_id = self.team()
        n = self._next()
        with self.app.app_context():
            user = users.create_user(
                email=email or f"{role}{n}@test.example", name=name or f"{role.capitalize()} {n}", role=role,
                password=password, capacity=capacity,
                partner=db.session.get(Partner, partner_id) if partner_id else None,
                team=db.session.get(Team, team_id) if team_id else None,
            )
            db.session.commit()
            return Login(user.id, user.email, password, role)


@pytest.fixture
def factory(app):
    return Factory(app)


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def login(client, who: Login, next_url: str | None = None):
    """Log in through the real form; returns the response after redirects."""
    url = "/login" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"email": who.email, "password": who.password}, follow_redirects=True)


@pytest.fixture
def production_app(app, monkeypatch, database_url):
    """The application as configured with CRM_ENV=production, on the test database (use https URLs)."""
    from campaign_crm.config import Config

    monkeypatch.setenv("CRM_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "production-like-secret-for-tests-" + "x" * 20)
    monkeypatch.setenv("DATABASE_URL", database_url)
    config = Config()
    config.TESTING = True
    config.WTF_CSRF_ENABLED = False
    config.PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    config.REQUIRE_TWO_FACTOR = False
    production = create_app(config)
    yield production
    with production.app_context():
        db.session.remove()
        db.engine.dispose()
