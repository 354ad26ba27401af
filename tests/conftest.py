"""Shared fixtures: an app on a throwaway database (SQLite, or PostgreSQL when DATABASE_URL points
there), a clean database per test, factories that build through the services, and the fixtures more
than one test folder uses (API tokens and leads, recorded touchpoints, the hand-built report region).
Plain helpers are in tests/helpers.py."""
from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import pytest
import redis
from flask_migrate import upgrade
from sqlalchemy import select

from campaign_crm import create_app
from campaign_crm.config import Config, TestingConfig
from campaign_crm.extensions import db, limiter
from campaign_crm.models import Partner, Sector, Team
from campaign_crm.services.accounts import auth as auth_service
from campaign_crm.services.accounts import organisation, users
from campaign_crm.services.campaigns.campaigns import PhaseInput, create_campaign
from campaign_crm.services.capture.intake import TouchpointInput, record_touchpoint
from campaign_crm.tasks import EngineSettings
from tests.helpers import (
    PASSWORD,
    Login,
    Recorded,
    ReportDataset,
    add_report_placements,
    build_report_dataset,
    hand_to,
    intake_lead,
    reset_database,
    throwaway_database,
)

pytest_plugins = ["tests.browser_support"]

# Tables whose rows the migrations seed; they are restored after every test.
REFERENCE_TABLES = ("municipalities", "sectors", "sbi_mappings", "size_classes", "interests", "lost_reasons",
                    "instruments", "end_hows", "end_whys",
                    "channels", "channel_utm", "settings")


@pytest.fixture(scope="session")
def database_url():
    """A new, empty database for this test run; dropped afterwards."""
    with tempfile.TemporaryDirectory() as tmp, throwaway_database("crm_test", Path(tmp)) as url:
        yield url


@pytest.fixture(scope="session")
def app(database_url):
    app = create_app(TestingConfig(database_url))
    with app.app_context():
        upgrade()
        snapshot = {name: [dict(row._mapping) for row in db.session.execute(db.metadata.tables[name].select())]
                    for name in REFERENCE_TABLES}
    app.config["REFERENCE_SNAPSHOT"] = snapshot
    # Tasks retry as they do in production, but after milliseconds instead of seconds.
    app.config["TASK_OPTIONS"] = {"*": {"min_backoff": 10, "max_backoff": 50}}
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_state(request):
    yield
    if "app" in request.fixturenames:
        app = request.getfixturevalue("app")
        with app.app_context():
            reset_database()
            limiter.reset()
        app.extensions["tasks"].discard_queued()  # a task a test queued and did not run is not run by the next


@pytest.fixture
def task_worker(app):
    """The app's in-process task worker, running for the length of the test (the suite otherwise starts none and
    runs queued tasks with tests.helpers.run_queued_tasks)."""
    engine = app.extensions["tasks"]
    engine.settings.embedded_worker, engine.settings.worker_timeout = True, 100  # quick to stop
    engine.ensure_embedded_worker()
    yield engine
    engine.stop_embedded_worker()
    engine.settings.embedded_worker, engine.settings.worker_timeout = False, EngineSettings.worker_timeout


REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def redis_url() -> str:
    """The local Redis (the task queue and the shared rate limits); without one the test is skipped, except on CI,
    where .ci/run starts it and its absence fails the test."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
    try:
        answers = bool(client.ping())
    except (redis.RedisError, OSError):
        answers = False
    finally:
        client.close()
    if not answers:
        if os.environ.get("CI"):
            pytest.fail(f"Redis antwoordt niet op {REDIS_URL}; .ci/run start het")
        pytest.skip(f"Redis antwoordt niet op {REDIS_URL}")
    return REDIS_URL


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
    with app.app_context():
        sectors = {s.code: s for s in db.session.scalars(select(Sector))}
        made = create_campaign(code="aknp", name="Anders kijken naar personeel", starts_on=date(2026, 5, 11), phases=[
            PhaseInput(code, name, date(*start), date(*end), sectors.get(sector))
            for code, name, start, end, sector in AKNP_PHASES
        ])
        db.session.commit()
        return made.id


class Factory:
    """Builds records through the services, each in its own committed transaction."""

    def __init__(self, app):
        self.app = app
        self.counter = 0

    def _next(self) -> int:
        self.counter += 1
        return self.counter

    def partner(self, name: str | None = None, kind: str = "gemeente") -> int:
        with self.app.app_context():
            partner = organisation.save_partner(None, name=name or f"Partner {self._next()}", kind=kind,
                                                municipality=None, actor=None)
            db.session.commit()
            return partner.id

    def team(self, name: str | None = None, is_pool: bool = False) -> int:
        with self.app.app_context():
            team = organisation.save_team(None, name=name or f"Team {self._next()}", is_pool=is_pool, actor=None)
            db.session.commit()
            return team.id

    def user(self, role: str = "advisor", *, email: str | None = None, name: str | None = None,
             partner_id: int | None = None, team_id: int | None = None, capacity: int = 20,
             password: str = PASSWORD) -> Login:
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


@pytest.fixture
def production_app(app, monkeypatch, database_url):
    """The application as configured with CRM_ENV=production, on the test database (use https URLs)."""
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


# --- the API --------------------------------------------------------------------------------------------

@pytest.fixture
def document(client) -> dict:
    """The OpenAPI document, as the API serves it."""
    return client.get("/api/v1/openapi.json").get_json()


@pytest.fixture
def make_token(app) -> Callable[..., str]:
    """make_token(role="campaign", partner_id=None) -> the raw bearer value of a new token named token-<role>-<n>."""
    made = []

    def make(role: str = "campaign", partner_id: int | None = None) -> str:
        with app.app_context():
            partner = db.session.get(Partner, partner_id) if partner_id else None
            _, raw = auth_service.create_api_token(f"token-{role}-{len(made)}", role, partner)
            db.session.commit()
        made.append(raw)
        return raw

    return make


@pytest.fixture
def token(make_token) -> str:
    """A campaign-team token: it may create and read every lead."""
    return make_token("campaign")


@pytest.fixture
def make_lead(app, campaign) -> Callable[..., int]:
    """make_lead(name, owner_id=None, stage=None, channel=None, phase=None, occurred_at=None, ...) -> lead id.

    Made through the intake, then assigned and moved on through the lead service, as the app does
    (`tests.helpers.intake_lead`). Some folders have a make_lead of their own, built on the same helper.
    """
    made = []

    def make(name: str | None = None, *, owner_id: int | None = None, stage: str | None = None,
             channel: str | None = None, phase: str | None = None, occurred_at: datetime | None = None,
             interests: tuple[str, ...] = (), external_id: str | None = None) -> int:
        made.append(name)
        with app.app_context():
            lead = intake_lead(name or f"Werkgever {len(made)}", f"info@werkgever-{len(made)}.example",
                               owner_id=owner_id, stage=stage, channel=channel, phase=phase, occurred_at=occurred_at,
                               interests=list(interests), external_id=external_id,
                               external_source="region" if external_id else None)
            db.session.commit()
            return lead.id

    return make


# --- recorded touchpoints ------------------------------------------------------------------------------------

@pytest.fixture
def record(app, campaign) -> Callable[..., Recorded]:
    """record(touchpoint, owner_id=None) -> Recorded: the touchpoint through the intake in its own committed
    transaction (for page tests), its lead handed to `owner_id` when given."""

    def _record(data: TouchpointInput, *, owner_id: int | None = None) -> Recorded:
        with app.app_context():
            result = record_touchpoint(data)
            if owner_id is not None:
                hand_to(result.lead, owner_id)
            db.session.commit()
            return Recorded(result.touchpoint.employer_id, result.touchpoint.contact_id,
                            result.lead.id if result.lead else None, result.touchpoint.id)

    return _record


# --- the hand-built report region ----------------------------------------------------------------------------

@pytest.fixture
def report_dataset(app, campaign) -> ReportDataset:
    """The hand-built region described at `tests.helpers.build_report_dataset`; returns the ids."""
    with app.app_context():
        return build_report_dataset(campaign)


@pytest.fixture
def report_with_placements(app, report_dataset) -> ReportDataset:
    """`report_dataset` plus a contact person per employer and the placements of `tests.helpers.REPORT_PLACEMENTS`.

    Through T2 2026 (May–Aug) four placements end: 15 May, 30 Jun, 31 Jul and 14 Aug, so every
    end-reason count is 1–4 people: what management sees as "< 5".
    """
    with app.app_context():
        add_report_placements(report_dataset)
    return report_dataset
