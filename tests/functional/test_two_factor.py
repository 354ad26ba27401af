"""Two-factor login (TOTP): switching it on, the second step, no replays, and the requirement."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pyotp

from campaign_crm.extensions import db
from campaign_crm.models import User
from tests.helpers import enable_two_factor, login


def test_after_switching_on_a_login_needs_the_code(app, client, factory):
    advisor = factory.user("advisor")
    totp = enable_two_factor(app, client, advisor)
    first = client.post("/login", data={"email": advisor.email, "password": advisor.password})
    assert first.headers["Location"].startswith("/login/code")
    assert client.get("/").status_code == 302  # the password alone does not log in
    wrong = client.post("/login/code", data={"code": "000000"})
    assert "Deze code klopt niet" in wrong.get_data(as_text=True)
    # The code that confirmed the set-up was for this time step; use the next one.
    next_code = totp.at(datetime.now(UTC) + timedelta(seconds=30))
    ok = client.post("/login/code", data={"code": next_code})
    assert ok.status_code == 302 and ok.headers["Location"] == "/"
    assert client.get("/").status_code == 200


def test_a_code_cannot_be_used_twice(app, client, factory):
    advisor = factory.user("advisor")
    totp = enable_two_factor(app, client, advisor)
    code = totp.at(datetime.now(UTC) + timedelta(seconds=30))
    client.post("/login", data={"email": advisor.email, "password": advisor.password})
    assert client.post("/login/code", data={"code": code}).status_code == 302
    client.post("/logout")
    client.post("/login", data={"email": advisor.email, "password": advisor.password})
    replay = client.post("/login/code", data={"code": code})
    assert "Deze code klopt niet of is al gebruikt" in replay.get_data(as_text=True)


def test_the_code_step_without_a_password_step_goes_back_to_login(client):
    response = client.post("/login/code", data={"code": "123456"})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_when_required_users_without_a_second_factor_must_set_it_up_first(app, client, factory):
    advisor = factory.user("advisor")
    app.config["REQUIRE_TWO_FACTOR"] = True
    try:
        login(client, advisor)
        response = client.get("/")
        assert response.status_code == 302 and response.headers["Location"] == "/account/tweestaps"
        page = client.get("/account/tweestaps").get_data(as_text=True)
        assert "verplicht" in page
        secret = re.search(r"<code>([A-Z2-7]+)</code>", page).group(1)
        client.post("/account/tweestaps", data={"code": pyotp.TOTP(secret).now()})
        assert client.get("/").status_code == 200
    finally:
        app.config["REQUIRE_TWO_FACTOR"] = False


def test_switching_off_needs_the_password(app, client, factory):
    advisor = factory.user("advisor")
    enable_two_factor(app, client, advisor)
    with app.app_context():
        user = db.session.get(User, advisor.id)
        user.totp_enabled_at = None  # log in without the code step for this check
        db.session.commit()
    login(client, advisor)
    with app.app_context():
        user = db.session.get(User, advisor.id)
        user.totp_enabled_at = datetime.now(UTC)
        db.session.commit()
    client.post("/account/tweestaps/uit", data={"password": "fout"})
    with app.app_context():
        assert db.session.get(User, advisor.id).has_two_factor
    client.post("/account/tweestaps/uit", data={"password": advisor.password})
    with app.app_context():
        assert not db.session.get(User, advisor.id).has_two_factor


def test_an_admin_can_clear_a_lost_second_factor(app, client, factory):
    advisor = factory.user("advisor")
    enable_two_factor(app, client, advisor)
    login(client, factory.user("admin"))
    response = client.post(f"/beheer/gebruikers/{advisor.id}/tweestaps", follow_redirects=True)
    assert "is gewist" in response.get_data(as_text=True)
    with app.app_context():
        user = db.session.get(User, advisor.id)
        assert user.totp_secret is None and not user.has_two_factor
    client.post("/logout")
    assert client.post("/login", data={"email": advisor.email, "password": advisor.password}).headers["Location"] == "/"
