"""Logging in and out: one message for every failure, sessions that end on the server."""
from __future__ import annotations

from campaign_crm.models import UserSession
from tests.helpers import count, login

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
        assert count(UserSession) == 0
    # Replaying the cookie from before the logout does not get back in.
    replay = app.test_client()
    replay.set_cookie("session", stolen_cookie)
    response = replay.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_login_sends_back_to_the_page_asked_for(client, factory):
    admin = factory.user("admin")
    response = client.post("/login?next=/beheer/teams", data={"email": admin.email, "password": admin.password})
    assert response.status_code == 302
    assert response.headers["Location"] == "/beheer/teams"


def test_login_never_redirects_to_another_site(client, factory):
    advisor = factory.user("advisor")
    for evil in ("https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"):
        response = client.post(f"/login?next={evil}", data={"email": advisor.email, "password": advisor.password})
        assert response.status_code == 302
        assert response.headers["Location"] == "/", evil
        client.post("/logout")


def test_email_is_matched_without_regard_to_case(client, factory):
    advisor = factory.user("advisor", email="sanne@test.example")
    response = client.post("/login", data={"email": "  Sanne@Test.Example ", "password": advisor.password})
    assert response.status_code == 302


def test_password_change_keeps_this_session_and_ends_the_others(app, client, factory):
    advisor = factory.user("advisor")
    other_device = app.test_client()
    login(other_device, advisor)
    login(client, advisor)
    response = client.post("/account/wachtwoord", data={
        "current_password": advisor.password, "new_password": "Nieuw-en-lang-genoeg", "confirm": "Nieuw-en-lang-genoeg",
    }, follow_redirects=True)
    assert "Uw wachtwoord is gewijzigd" in response.get_data(as_text=True)
    assert client.get("/").status_code == 200
    assert other_device.get("/").status_code == 302
    client.post("/logout")
    assert client.post("/login", data={"email": advisor.email, "password": advisor.password}).status_code == 200
    assert client.post("/login", data={"email": advisor.email, "password": "Nieuw-en-lang-genoeg"}).status_code == 302


def test_password_change_refuses_a_wrong_current_password_or_a_short_new_one(client, factory):
    advisor = factory.user("advisor")
    login(client, advisor)
    wrong = client.post("/account/wachtwoord", data={
        "current_password": "fout-wachtwoord", "new_password": "Nieuw-en-lang-genoeg",
        "confirm": "Nieuw-en-lang-genoeg"})
    assert "Dit wachtwoord klopt niet." in wrong.get_data(as_text=True)
    short = client.post("/account/wachtwoord", data={
        "current_password": advisor.password, "new_password": "kort", "confirm": "kort"})
    assert "minstens 12 tekens" in short.get_data(as_text=True)
    client.post("/logout")
    assert login(client, advisor).request.path == "/"


def test_deactivation_ends_sessions_and_blocks_login(app, client, factory):
    admin = factory.user("admin")
    advisor = factory.user("advisor")
    advisor_client = app.test_client()
    login(advisor_client, advisor)
    assert advisor_client.get("/").status_code == 200
    login(client, admin)
    response = client.post(f"/beheer/gebruikers/{advisor.id}/actief", follow_redirects=True)
    assert "gedeactiveerd en overal uitgelogd" in response.get_data(as_text=True)
    assert advisor_client.get("/").status_code == 302
    again = app.test_client().post("/login", data={"email": advisor.email, "password": advisor.password})
    assert FAILED in again.get_data(as_text=True)


def test_login_attempts_are_rate_limited(app, client, factory):
    advisor = factory.user("advisor")
    limit = int(app.config["LOGIN_RATE_LIMIT"].split()[0])
    for _ in range(limit):
        client.post("/login", data={"email": advisor.email, "password": "fout-wachtwoord"})
    blocked = client.post("/login", data={"email": advisor.email, "password": advisor.password})
    assert blocked.status_code == 429
    assert "Te veel pogingen" in blocked.get_data(as_text=True)
    assert "Retry-After" in blocked.headers


def test_posts_without_a_csrf_token_are_refused(app, factory):
    advisor = factory.user("advisor")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = app.test_client().post("/login", data={"email": advisor.email, "password": advisor.password})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400
    assert "Ongeldig verzoek" in response.get_data(as_text=True)
