"""Safeguards around logging in: showing a page changes nothing, common and demo passwords are
refused, guessing one account's password from many addresses is cut off, attempts are audited."""
from __future__ import annotations

import re
from contextlib import contextmanager

import pyotp
import pytest
from sqlalchemy import event, select

from campaign_crm.extensions import db
from campaign_crm.models import AuditEvent, User
from campaign_crm.services.accounts import auth as auth_service
from campaign_crm.services.errors import ValidationError
from tests.helpers import PASSWORD, audit_count, count, enable_two_factor, login

FAILED = "Het e-mailadres of het wachtwoord klopt niet."
WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


@contextmanager
def sql_writes(app):
    """Collect every INSERT, UPDATE and DELETE sent to the database inside the block."""
    statements: list[str] = []

    def listen(_conn, _cursor, statement, *_args):
        if WRITES.match(statement):
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", listen)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", listen)


def test_showing_any_auth_page_writes_nothing_to_the_database(app, client, factory):
    newcomer = factory.user("advisor")
    with app.app_context():
        setup_path = f"/account/instellen/{auth_service.setup_token(db.session.get(User, newcomer.id))}"
    anonymous = app.test_client()
    login(client, factory.user("advisor"))
    with sql_writes(app) as writes:
        for path in ("/login", "/login/code", setup_path):
            assert anonymous.get(path).status_code in (200, 302), path
        for path in ("/account/tweestaps", "/account/wachtwoord"):
            assert client.get(path).status_code == 200, path
    assert writes == []


def test_two_factor_set_up_keeps_the_secret_out_of_the_database_until_a_code_confirms_it(app, client, factory):
    advisor = factory.user("advisor")
    login(client, advisor)
    page = client.get("/account/tweestaps").get_data(as_text=True)
    secret = re.search(r"<code>([A-Z2-7]+)</code>", page).group(1)
    with app.app_context():
        assert db.session.get(User, advisor.id).totp_secret is None
    client.post("/account/tweestaps", data={"code": pyotp.TOTP(secret).now()})
    with app.app_context():
        user = db.session.get(User, advisor.id)
        assert user.totp_secret == secret and user.has_two_factor


@pytest.mark.parametrize("password", ["1qaz2wsx3edc", "QWERTY123456", "LeaveMeAlone"])
def test_a_common_password_is_refused_whatever_its_case(ctx, password):
    with pytest.raises(ValidationError) as refused:
        auth_service.check_password_rules(password, email="iemand@test.example")
    assert "veelgebruikte" in refused.value.fields["password"]


def test_the_common_password_list_is_large(ctx):
    assert len(auth_service.common_passwords()) >= 10_000


def test_a_common_password_cannot_be_chosen_on_the_password_page(client, factory):
    login(client, factory.user("advisor"))
    response = client.post("/account/wachtwoord", data={"current_password": PASSWORD, "new_password": "qwerty123456",
                                                        "confirm": "qwerty123456"})
    assert "veelgebruikte wachtwoorden" in response.get_data(as_text=True)


def test_the_demo_password_is_allowed_outside_production(app):
    with app.app_context():
        auth_service.check_password_rules(app.config["DEMO_PASSWORD"])  # development, tests and the demo


def test_the_demo_password_cannot_be_set_in_production(production_app, factory):
    https = "https://crm.example.nl"
    client = production_app.test_client()
    advisor = factory.user("advisor")
    client.post("/login", data={"email": advisor.email, "password": PASSWORD}, base_url=https)
    demo = production_app.config["DEMO_PASSWORD"]
    response = client.post("/account/wachtwoord", data={"current_password": PASSWORD, "new_password": demo,
                                                        "confirm": demo}, base_url=https)
    assert response.status_code == 200
    assert "Dit is het demowachtwoord" in response.get_data(as_text=True)


def test_guesses_from_forty_addresses_do_not_all_reach_the_password_check(app, factory):
    advisor = factory.user("advisor")
    limit = int(app.config["LOGIN_ACCOUNT_LIMIT"].split()[0])
    for n in range(40):
        visitor = app.test_client()
        response = visitor.post("/login", data={"email": advisor.email, "password": f"geraden-wachtwoord-{n}"},
                                environ_base={"REMOTE_ADDR": f"198.51.100.{n + 1}"})
        assert FAILED in response.get_data(as_text=True)
    with app.app_context():
        assert audit_count("login_failed") == limit  # only these were checked
        assert audit_count("login_refused") >= 1
    # Even the right password now gets the wrong-password answer: the account is not revealed.
    right = app.test_client().post("/login", data={"email": advisor.email, "password": PASSWORD},
                                   environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert right.status_code == 200 and FAILED in right.get_data(as_text=True)


def test_an_unknown_address_is_throttled_like_a_known_one(app):
    limit = int(app.config["LOGIN_ACCOUNT_LIMIT"].split()[0])
    for n in range(limit + 2):
        response = app.test_client().post("/login", data={"email": "niemand@test.example", "password": f"x-{n}"},
                                          environ_base={"REMOTE_ADDR": f"198.51.100.{n + 1}"})
        assert FAILED in response.get_data(as_text=True)
    with app.app_context():
        assert audit_count("login_failed") == limit


def test_a_failed_login_is_audited_with_origin_and_outcome_and_without_the_password(app, client, factory):
    advisor = factory.user("advisor")
    client.post("/login", data={"email": advisor.email, "password": "Geheim-Fout-Wachtwoord-42"},
                environ_base={"REMOTE_ADDR": "192.0.2.7"})
    with app.app_context():
        entry = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "login_failed"))
        assert (entry.object_id, entry.origin, entry.outcome) == (advisor.id, "192.0.2.7", "failed")
        assert "Geheim-Fout-Wachtwoord-42" not in str(entry.detail)


def test_a_successful_login_is_audited_as_ok_with_its_origin(app, client, factory):
    advisor = factory.user("advisor")
    client.post("/login", data={"email": advisor.email, "password": PASSWORD},
                environ_base={"REMOTE_ADDR": "192.0.2.8"})
    with app.app_context():
        entry = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "login"))
        assert (entry.origin, entry.outcome) == ("192.0.2.8", "ok")


def test_seed_demo_refuses_to_make_demo_logins_in_production(production_app):
    result = production_app.test_cli_runner().invoke(args=["seed-demo", "--leads", "0"])
    assert result.exit_code != 0 and "niet in productie" in result.output
    with production_app.app_context():
        assert count(User) == 0


def test_wrong_codes_count_against_the_account_so_the_second_step_cannot_be_guessed(app, client, factory):
    from datetime import UTC, datetime, timedelta

    advisor = factory.user("advisor")
    totp = enable_two_factor(app, client, advisor)
    client.post("/login", data={"email": advisor.email, "password": advisor.password})
    limit = int(app.config["LOGIN_ACCOUNT_LIMIT"].split()[0])
    for n in range(limit):
        client.post("/login/code", data={"code": "000000"}, environ_base={"REMOTE_ADDR": f"198.51.100.{n + 1}"})
    right = client.post("/login/code", data={"code": totp.at(datetime.now(UTC) + timedelta(seconds=30))},
                        environ_base={"REMOTE_ADDR": "203.0.113.10"})
    assert right.status_code == 200 and "Deze code klopt niet" in right.get_data(as_text=True)
    assert client.get("/").status_code == 302
    with app.app_context():
        assert audit_count("login_failed") == limit and audit_count("login_refused") == 1
