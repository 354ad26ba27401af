"""Logging in and out: one message for every failure, sessions that end on the server."""
from __future__ import annotations

from sqlalchemy import func, select

from campaign_crm.extensions import db
from campaign_crm.models import UserSession

from ..conftest import login

FAILED = "Het e-mailadres of het wachtwoord klopt niet."


def test_login_page_is_public_and_dutch(client):
    response = client.get("/login")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="nl">' in html
    assert 'for="email"' in html and 'for="password"' in html
    assert "Direct naar de inhoud" in html


def test_login_with_right_password_reaches_start_page(client, factory):
    advisor = factory.user("advisor", name="Sanne de Vries")
    response = login(client, advisor)
    assert response.status_code == 200
    assert "Goedendag, Sanne" in response.get_data(as_text=True)


def test_wrong_password_and_unknown_user_get_the_same_message(client, factory):
    advisor = factory.user("advisor")
    wrong = client.post("/login", data={"email": advisor.email, "password": "niet-het-wachtwoord"})
    unknown = client.post("/login", data={"email": "niemand@test.example", "password": "niet-het-wachtwoord"})
    wrong_html, unknown_html = wrong.get_data(as_text=True), unknown.get_data(as_text=True)
    assert FAILED in wrong_html and FAILED in unknown_html
    assert wrong.status_code == unknown.status_code == 200
    assert "Goedendag" not in wrong_html


def test_logout_ends_the_session_on_the_server(app, client, factory):
    advisor = factory.user("advisor")
    login(client, advisor)
    stolen_cookie = client.get_cookie("session").value
    response = client.post("/logout", follow_redirects=True)
    assert "U bent uitgelogd." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(UserSession)) == 0
    # Replaying the cookie from before the logout does not get back in.
    replay = app.test_client()
    replay.set_cookie("session", stolen_cookie)
    response = replay.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
