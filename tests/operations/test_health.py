"""/healthz (the process answers; nothing else is touched) and /readyz (the database answers SELECT 1 and the
task queue PING), public and without the session machinery; with the database stopped /readyz says why in
Dutch while the pages answer the static Dutch 503 page."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from campaign_crm import create_app
from campaign_crm.config import TestingConfig
from campaign_crm.extensions import db, login_manager
from tests.helpers import counting_statements, login

UNREACHABLE = {
    "postgresql": "postgresql+psycopg://crm:geheim-wachtwoord@127.0.0.1:1/crm",
    "sqlite": "sqlite:////nonexistent-directory/for/sure/crm.db",
}


@pytest.fixture(params=sorted(UNREACHABLE))
def down_app(request, monkeypatch):
    """A fresh app whose database cannot be reached; its user loader asks the database, like the real one."""
    app = create_app(TestingConfig(UNREACHABLE[request.param]))
    monkeypatch.setattr(login_manager, "_user_callback", lambda user_id: db.session.execute(text("SELECT 1")))
    monkeypatch.setattr(login_manager, "session_protection", None)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def broker_app(app):
    """The suite's app with TASK_BROKER_URL changed by the test; put back afterwards."""
    before = app.config["TASK_BROKER_URL"]
    yield app
    app.config["TASK_BROKER_URL"] = before


def test_healthz_answers_ok_without_a_login(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_sends_no_sql_even_for_a_logged_in_browser(app, client, factory):
    login(client, factory.user("advisor"))
    assert client.get("/").status_code == 200  # a page does look the user up

    with app.app_context():
        engine = db.engine
    with counting_statements(engine) as statements:
        response = client.get("/healthz")

    assert response.status_code == 200
    assert statements[0] == 0


def test_readyz_is_ready_with_the_database_and_the_embedded_task_queue(broker_app, client):
    broker_app.config["TASK_BROKER_URL"] = ""

    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.get_json() == {"status": "ready", "checks": {"database": "ok", "task_queue": "ok"}}


def test_readyz_pings_a_reachable_redis(broker_app, client, redis_url):
    broker_app.config["TASK_BROKER_URL"] = redis_url

    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.get_json()["checks"]["task_queue"] == "ok"


def test_readyz_says_in_dutch_that_the_task_queue_is_unreachable(broker_app, client):
    broker_app.config["TASK_BROKER_URL"] = "redis://:geheim-wachtwoord@127.0.0.1:1/0"

    response = client.get("/readyz")
    body = response.get_data(as_text=True)

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    checks = response.get_json()["checks"]
    assert response.get_json()["status"] == "not_ready"
    assert checks["database"] == "ok"
    assert checks["task_queue"].startswith("takenwachtrij onbereikbaar: verbinding geweigerd")
    assert "geheim-wachtwoord" not in body and "127.0.0.1" not in body and "Traceback" not in body


def test_readyz_refuses_a_broker_that_is_not_redis(broker_app, client):
    broker_app.config["TASK_BROKER_URL"] = "amqp://guest@127.0.0.1:5672/"

    response = client.get("/readyz")

    assert response.status_code == 503
    assert "geen redis://-adres" in response.get_json()["checks"]["task_queue"]


def test_with_the_database_down_readyz_says_why_healthz_still_answers_and_pages_get_the_503_page(down_app):
    client = down_app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = "1"  # a logged-in browser: the probes must not look the user up

    ready = client.get("/readyz")
    live = client.get("/healthz")
    page = client.get("/login")

    assert ready.status_code == 503
    database = ready.get_json()["checks"]["database"]
    assert database.startswith("database onbereikbaar: ") and "OperationalError" in database
    body = ready.get_data(as_text=True)
    assert "geheim-wachtwoord" not in body and "nonexistent-directory" not in body and "Traceback" not in body
    assert (live.status_code, live.get_json()) == (200, {"status": "ok"})
    assert page.status_code == 503
    assert "Tijdelijk niet beschikbaar" in page.get_data(as_text=True)


def test_the_old_health_check_still_answers(client):
    assert client.get("/health").get_json() == {"status": "ok"}
