"""Command-line entry points (`flask --app campaign_crm …`); thin wrappers around services."""
from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from .extensions import db
from .models import ROLES, User
from .services import auth as auth_service
from .services import demo, organisation, users
from .services.errors import ValidationError


def _fail(exc: ValidationError) -> None:
    db.session.rollback()
    extra = [f"{field}: {why}" for field, why in exc.fields.items() if why not in exc.message]
    raise click.ClickException(" ".join([exc.message, *extra]))


@click.command("seed-demo")
@click.option("--seed", default=2026, show_default=True, help="Startwaarde van de toevalsgenerator (zelfde seed, zelfde data).")
@click.option("--leads", "lead_count", default=2000, show_default=True, type=click.IntRange(0, 200_000), help="Aantal leads.")
@click.option("--if-empty", is_flag=True, help="Alleen vullen als er nog geen gebruikers zijn.")
@with_appcontext
def seed_demo(seed: int, lead_count: int, if_empty: bool) -> None:
    """Fill the database with a realistic demo region and print a login per role."""
    if db.session.scalar(select(func.count()).select_from(User)):
        if if_empty:
            click.echo("De database bevat al gegevens; demo-data overgeslagen.")
            _print_logins()
            return
        raise click.ClickException("De database bevat al gebruikers; seed-demo vult alleen een lege database.")
    with click.progressbar(length=lead_count, label="Demo-regio vullen", file=sys.stderr) as bar:
        report = demo.seed_demo(seed=seed, lead_count=lead_count, progress=bar.update)
    db.session.commit()
    click.echo(
        f"Demo-regio klaar: {report.partners} partners, {report.teams} teams, {report.advisors} adviseurs, "
        f"{report.leads} leads."
    )
    _print_logins()


def _print_logins() -> None:
    password = current_app.config["DEMO_PASSWORD"]
    click.echo("\nDemo-logins (wachtwoord voor allemaal: %s):" % password)
    for role, email in demo.DEMO_LOGINS.items():
        click.echo(f"  {ROLES[role]:<14} {email}")


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice(list(ROLES)))
@click.option("--partner", default=None, help="Naam van de partnerorganisatie.")
@click.option("--team", default=None, help="Naam van het team.")
@click.option("--capacity", default=20, show_default=True, type=click.IntRange(0, 500))
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True, help="Wordt gevraagd als u het weglaat.")
@with_appcontext
def create_user(email: str, name: str, role: str, partner: str | None, team: str | None, capacity: int, password: str) -> None:
    """Create a login."""
    try:
        user = users.create_user(
            email=email, name=name, role=role, password=password, capacity=capacity,
            partner=organisation.partner_by_name(partner) if partner else None,
            team=organisation.team_by_name(team) if team else None,
        )
    except ValidationError as exc:
        _fail(exc)
    db.session.commit()
    click.echo(f"Gebruiker {user.email} ({ROLES[user.role]}) aangemaakt.")


@click.command("create-api-token")
@click.option("--name", required=True, help="Waar het token voor is, bv. 'website-formulier'.")
@click.option("--role", required=True, type=click.Choice(list(ROLES)))
@click.option("--partner", default=None, help="Naam van de partner namens wie het token werkt.")
@with_appcontext
def create_api_token(name: str, role: str, partner: str | None) -> None:
    """Create an API token; it is printed once and stored only as a hash."""
    try:
        _, raw = auth_service.create_api_token(name, role, organisation.partner_by_name(partner) if partner else None)
    except ValidationError as exc:
        _fail(exc)
    db.session.commit()
    click.echo(raw)
    click.echo("Bewaar dit token nu: het wordt niet nog eens getoond.", err=True)


def register_commands(app: Flask) -> None:
    for command in (seed_demo, create_user, create_api_token):
        app.cli.add_command(command)
