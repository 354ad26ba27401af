"""New accounts in production get a one-time, expiring set-up link (own password plus two-factor
login) instead of a password from someone else; the link works once."""
from __future__ import annotations

import re
import time

import pyotp
from itsdangerous import TimestampSigner
from sqlalchemy import select

from campaign_crm.extensions import db
from campaign_crm.models import AuditEvent, User
from campaign_crm.services.accounts import auth as auth_service
from tests.helpers import login

HTTPS = "https://crm.example.nl"
NEW_PASSWORD = "Zelf-gekozen-wachtwoord-9"


def _set_up(client, path: str, password: str = NEW_PASSWORD):
    page = client.get(path, base_url=HTTPS).get_data(as_text=True)
    secret = re.search(r"<code>([A-Z2-7]+)</code>", page).group(1)
    return client.post(path, data={"password": password, "confirm": password, "code": pyotp.TOTP(secret).now()},
                       base_url=HTTPS)


def test_in_production_the_admin_gets_a_set_up_link_instead_of_setting_a_password(production_app, factory):
    admin_client = production_app.test_client()
    admin = factory.user("admin")
    admin_client.post("/login", data={"email": admin.email, "password": admin.password}, base_url=HTTPS)
    form = admin_client.get("/beheer/gebruikers/nieuw", base_url=HTTPS).get_data(as_text=True)
    assert 'name="password"' not in form
    response = admin_client.post("/beheer/gebruikers/nieuw", data={
        "email": "nieuw@test.example", "name": "Nieuwe Collega", "role": "campaign", "partner_id": "", "team_id": "",
        "capacity": "20", "password": "Door-de-beheerder-1"}, base_url=HTTPS)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    path = re.search(r'value="https?://[^/"]+(/account/instellen/[^"]+)"', html).group(1)
    with production_app.app_context():
        user = db.session.scalar(select(User).where(User.email == "nieuw@test.example"))
        assert not auth_service.check_password(user, "Door-de-beheerder-1")  # the typed password was not used

    newcomer = production_app.test_client()
    done = _set_up(newcomer, path)
    assert done.status_code == 302 and done.headers["Location"] == "/login"
    with production_app.app_context():
        user = db.session.scalar(select(User).where(User.email == "nieuw@test.example"))
        assert user.has_two_factor and auth_service.check_password(user, NEW_PASSWORD)
        assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.action == "account_set_up"))
    # The link is spent: a second visit (or someone who copied it) gets nowhere.
    again = production_app.test_client().get(path, base_url=HTTPS)
    assert again.status_code == 404 and "Deze link werkt niet (meer)" in again.get_data(as_text=True)


def test_a_set_up_link_expires(app, factory, monkeypatch):
    newcomer = factory.user("advisor")
    hours = app.config["SETUP_LINK_HOURS"]
    with monkeypatch.context() as past:
        past.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - hours * 3600 - 60)
        with app.app_context():
            token = auth_service.setup_token(db.session.get(User, newcomer.id))
    response = app.test_client().get(f"/account/instellen/{token}")
    assert response.status_code == 404


def test_a_tampered_set_up_link_does_not_work(app, factory):
    newcomer = factory.user("advisor")
    with app.app_context():
        token = auth_service.setup_token(db.session.get(User, newcomer.id))
    assert app.test_client().get(f"/account/instellen/{token[:-2]}xx").status_code == 404


def test_the_set_up_page_refuses_a_common_password_and_keeps_the_link_usable(app, factory):
    newcomer = factory.user("advisor")
    with app.app_context():
        path = f"/account/instellen/{auth_service.setup_token(db.session.get(User, newcomer.id))}"
    client = app.test_client()
    response = _set_up(client, path, password="qwerty123456")
    assert response.status_code == 200 and "veelgebruikte wachtwoorden" in response.get_data(as_text=True)
    assert client.get(path).status_code == 200


def test_outside_production_an_admin_may_still_give_a_starting_password(client, factory):
    login(client, factory.user("admin"))
    response = client.post("/beheer/gebruikers/nieuw", data={
        "email": "start@test.example", "name": "Met Wachtwoord", "role": "campaign", "partner_id": "", "team_id": "",
        "capacity": "20", "password": "Een-startwachtwoord-7"})
    assert response.status_code == 302


def test_in_production_create_user_refuses_a_password_and_prints_a_link(production_app):
    runner = production_app.test_cli_runner()
    refused = runner.invoke(args=["create-user", "--email", "p@test.example", "--name", "P", "--role", "admin",
                                  "--password", "Lang-genoeg-wachtwoord"])
    assert refused.exit_code != 0 and "instellink" in refused.output
    made = runner.invoke(args=["create-user", "--email", "p@test.example", "--name", "P", "--role", "admin"])
    assert made.exit_code == 0, made.output
    assert re.search(r"/account/instellen/\S+", made.output)
