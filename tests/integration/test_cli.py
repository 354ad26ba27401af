"""The CLI: `flask create-user` (with a password, or printing a one-time set-up link; bad input refused with
a message and nothing stored) and `flask create-api-token` (printed once, stored only as a hash)."""
from __future__ import annotations

import re

from sqlalchemy import select

from campaign_crm.extensions import db
from campaign_crm.models import ApiToken, User
from campaign_crm.services.accounts import auth as auth_service
from tests.helpers import count


def test_create_user_with_partner_and_team(app, runner, factory):
    factory.partner("Gemeente Schiedam")
    factory.team("Waterweg")
    result = runner.invoke(args=["create-user", "--email", "Joost@Test.Example", "--name", "Joost de Vries",
                                 "--role", "advisor", "--partner", "gemeente schiedam", "--team", "Waterweg",
                                 "--password", "Lang-genoeg-wachtwoord"])
    assert result.exit_code == 0, result.output
    assert "joost@test.example (Adviseur) aangemaakt" in result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "joost@test.example"))
        assert (user.partner.name, user.team.name) == ("Gemeente Schiedam", "Waterweg")


def test_create_user_without_a_password_prints_a_one_time_set_up_link(app, runner):
    result = runner.invoke(args=["create-user", "--email", "a@test.example", "--name", "A", "--role", "admin"])
    assert result.exit_code == 0, result.output
    link = re.search(r"https?://\S+/account/instellen/\S+", result.output)
    assert link, result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "a@test.example"))
        assert auth_service.user_for_setup_token(link.group(0).rsplit("/", 1)[1]) == user


def test_create_user_refuses_bad_input_with_a_message_and_stores_nothing(app, runner, factory):
    existing = factory.user("admin")
    cases = [
        (["--email", existing.email, "--name", "X", "--role", "admin", "--password", "Lang-genoeg-wachtwoord"],
         "Er is al een gebruiker met dit e-mailadres."),
        (["--email", "geen-adres", "--name", "X", "--role", "admin", "--password", "Lang-genoeg-wachtwoord"],
         "'geen-adres' is geen geldig e-mailadres."),
        (["--email", "b@test.example", "--name", "X", "--role", "admin", "--password", "kort"],
         "minstens 12 tekens"),
        (["--email", "c@test.example", "--name", "X", "--role", "advisor", "--partner", "Bestaat Niet",
          "--password", "Lang-genoeg-wachtwoord"], "Onbekende partner"),
    ]
    for args, message in cases:
        result = runner.invoke(args=["create-user", *args])
        assert result.exit_code == 1, result.output
        assert message in result.output
        assert "Traceback" not in result.output
    result = runner.invoke(args=["create-user", "--email", "d@test.example", "--name", "X", "--role", "king",
                                 "--password", "Lang-genoeg-wachtwoord"])
    assert result.exit_code == 2
    with app.app_context():
        assert count(User) == 1


def test_create_api_token_prints_it_once_and_stores_only_a_hash(app, runner, factory):
    factory.partner("UWV Rijnmond", kind="uwv")
    result = runner.invoke(args=["create-api-token", "--name", "website", "--role", "campaign",
                                 "--partner", "UWV Rijnmond"])
    assert result.exit_code == 0, result.output
    raw = result.stdout.strip().splitlines()[0]
    assert raw.startswith("crm_") and len(raw) > 30
    with app.app_context():
        token = db.session.scalar(select(ApiToken))
        assert raw not in (token.token_hash, token.prefix)
        assert (token.role, token.partner.name) == ("campaign", "UWV Rijnmond")
        assert auth_service.token_for_bearer(raw).id == token.id
    again = runner.invoke(args=["create-api-token", "--name", "website", "--role", "campaign"])
    assert again.exit_code == 1 and "Er is al een token met de naam" in again.output
