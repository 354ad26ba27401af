"""Login sessions end on the server: after idle time, after an absolute lifetime; pages behind the
login are never cached; production cookies carry the __Host- prefix and responses HSTS."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from campaign_crm.extensions import db
from campaign_crm.models import UserSession, utcnow
from tests.helpers import PASSWORD, login


def _age_session(app, *, idle: timedelta, age: timedelta) -> None:
    """Move time: the one session was last used `idle` ago and opened `age` ago."""
    now = utcnow()
    with app.app_context():
        db.session.execute(update(UserSession).values(last_seen_at=now - idle, created_at=now - age))
        db.session.commit()


def _last_seen(app):
    with app.app_context():
        return db.session.scalar(select(UserSession.last_seen_at))


def test_a_session_idle_for_seven_hours_no_longer_works(app, client, factory):
    login(client, factory.user("advisor"))
    assert client.get("/").status_code == 200
    _age_session(app, idle=timedelta(hours=7), age=timedelta(hours=7))
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    with app.app_context():
        assert db.session.scalar(select(UserSession)) is None  # the expired row is gone


def test_a_session_idle_just_past_the_idle_timeout_ends(app, client, factory):
    login(client, factory.user("advisor"))
    minutes = app.config["SESSION_IDLE_MINUTES"]
    _age_session(app, idle=timedelta(minutes=minutes, seconds=5), age=timedelta(hours=1))
    assert client.get("/").status_code == 302


def test_a_session_in_use_ends_after_its_absolute_lifetime(app, client, factory):
    login(client, factory.user("advisor"))
    hours = app.config["SESSION_MAX_HOURS"]
    _age_session(app, idle=timedelta(seconds=10), age=timedelta(hours=hours, minutes=1))
    assert client.get("/").status_code == 302


def test_a_session_used_within_the_idle_timeout_keeps_working_and_is_touched(app, client, factory):
    login(client, factory.user("advisor"))
    minutes = app.config["SESSION_IDLE_MINUTES"]
    _age_session(app, idle=timedelta(minutes=minutes - 1), age=timedelta(hours=11))
    before = _last_seen(app)
    assert client.get("/").status_code == 200
    assert _last_seen(app) > before + timedelta(minutes=minutes - 2)


def test_last_seen_is_not_written_on_every_request(app, client, factory):
    login(client, factory.user("advisor"))
    _age_session(app, idle=timedelta(seconds=20), age=timedelta(minutes=5))
    before = _last_seen(app)
    for _ in range(3):
        assert client.get("/").status_code == 200
    assert _last_seen(app) == before


def test_pages_behind_the_login_are_not_cached(client, factory):
    login(client, factory.user("admin"))
    for url in ("/", "/beheer/gebruikers", "/account/wachtwoord"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "no-store", url


def test_outside_production_no_hsts_and_the_plain_cookie_name(app, client, factory):
    response = login(client, factory.user("advisor"))
    assert "Strict-Transport-Security" not in response.headers
    assert client.get_cookie("session") is not None


def test_in_production_the_session_cookie_is_host_only_secure_and_prefixed(production_app, factory):
    client = production_app.test_client()
    advisor = factory.user("advisor")
    response = client.post("/login", data={"email": advisor.email, "password": PASSWORD},
                           base_url="https://crm.example.nl")
    assert response.status_code == 302
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("__Host-session="))
    attributes = [part.strip().lower() for part in cookie.split(";")]
    assert "secure" in attributes and "path=/" in attributes and "httponly" in attributes
    assert not any(a.startswith("domain=") for a in attributes)


def test_in_production_every_response_asks_for_https_only(production_app):
    response = production_app.test_client().get("/login", base_url="https://crm.example.nl")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_in_production_a_logged_in_page_is_not_cached(production_app, factory):
    client = production_app.test_client()
    advisor = factory.user("advisor")
    client.post("/login", data={"email": advisor.email, "password": PASSWORD}, base_url="https://crm.example.nl")
    response = client.get("/", base_url="https://crm.example.nl")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
