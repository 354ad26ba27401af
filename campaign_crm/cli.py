"""Command-line entry points (`flask --app campaign_crm …`); thin wrappers around services."""
from __future__ import annotations

import json
import signal
import sys
import threading
from pathlib import Path

import click
from flask import Flask, current_app, url_for
from flask.cli import with_appcontext
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from . import doctor
from .extensions import db
from .models import ESCALATION_LEVELS, ROLES, Setting, User, utcnow
from .services import demo, imports
from .services.accounts import auth as auth_service
from .services.accounts import organisation, users
from .services.calendar import long_date
from .services.errors import Conflict, ValidationError
from .services.feedback import links as checkin_links
from .services.mail import digest, notices, outbox
from .services.placements import checkins
from .services.privacy import retention as purge
from .services.privacy import rights as privacy
from .services.routing import engine as routing
from .services.routing import sla


def _fail(exc: ValidationError) -> None:
    db.session.rollback()
    extra = [f"{field}: {why}" for field, why in exc.fields.items() if why not in exc.message]
    raise click.ClickException(" ".join([exc.message, *extra]))


@click.command("seed-demo")
@click.option("--seed", default=2026, show_default=True,
              help="Startwaarde van de toevalsgenerator (zelfde seed, zelfde data).")
@click.option("--leads", "lead_count", default=2000, show_default=True, type=click.IntRange(0, 200_000),
              help="Aantal leads.")
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
    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException("seed-demo maakt logins met het demowachtwoord en kan niet in productie "
                                   "(CRM_ENV=production).")
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
    click.echo(f"\nDemo-logins (wachtwoord voor allemaal: {password}):")
    for role, email in demo.DEMO_LOGINS.items():
        click.echo(f"  {ROLES[role]:<14} {email}")


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice(list(ROLES)))
@click.option("--partner", default=None, help="Naam van de partnerorganisatie.")
@click.option("--team", default=None, help="Naam van het team.")
@click.option("--capacity", default=20, show_default=True, type=click.IntRange(0, 500))
@click.option("--password", default=None,
              help="Startwachtwoord (niet in productie). Zonder: een eenmalige link om het account in te stellen.")
@with_appcontext
def create_user(email: str, name: str, role: str, partner: str | None, team: str | None, capacity: int,
                password: str | None) -> None:
    """Create a login; in production (or without --password) print its one-time set-up link."""
    if password is not None and current_app.config["ENV_NAME"] == "production":
        raise click.ClickException("In productie krijgt een nieuw account een instellink, geen wachtwoord: "
                                   "laat --password weg.")
    try:
        user = users.create_user(
            email=email, name=name, role=role, password=password, capacity=capacity,
            partner=organisation.partner_by_name(partner) if partner else None,
            team=organisation.team_by_name(team) if team else None,
        )
        token = auth_service.issue_setup_link(user, actor=None) if password is None else None
    except ValidationError as exc:
        _fail(exc)
    db.session.commit()
    click.echo(f"Gebruiker {user.email} ({ROLES[user.role]}) aangemaakt.")
    if token is not None:
        hours = current_app.config["SETUP_LINK_HOURS"]
        click.echo(f"Eenmalige link om het account in te stellen (geldig {hours} uur):\n  {_setup_link(token)}")


def _setup_link(token: str) -> str:
    """The absolute set-up link, on PUBLIC_BASE_URL (the CLI has no request to take the host from)."""
    base = current_app.config["PUBLIC_BASE_URL"] or "http://localhost:5000"
    with current_app.test_request_context(base_url=base):
        return url_for("auth.account_setup", token=token, _external=True)


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


@click.command("import-leads")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path))
@click.option("--preset", required=True, type=click.Choice(list(imports.PRESETS)), help="Soort bestand.")
@click.option("--campaign", default=None, help="Campagnecode (standaard: de actieve campagne).")
@click.option("--phase", default=None,
              help="Fasecode voor alle rijen (standaard: de fase waarin de datum van de rij valt).")
@click.option("--channel", default=None,
              help="Kanaalcode voor alle rijen (standaard: wat het bestand of de voorinstelling zegt).")
@click.option("--dry-run", is_flag=True, help="Alleen laten zien wat er zou gebeuren; niets opslaan.")
@click.option("--json", "as_json", is_flag=True, help="Het resultaat als JSON op stdout.")
@with_appcontext
def import_leads(path: Path, preset: str, campaign: str | None, phase: str | None, channel: str | None,
                 dry_run: bool, as_json: bool) -> None:
    """Import a lead file in one transaction; rows with errors are listed, importing again adds nothing.

    The generic preset recognises its columns by their headers (Dutch or English); in the web
    import a mapping can be chosen and saved. Exit status: 0 applied (row errors included),
    1 nothing could be applied, 2 bad usage.
    """
    options = imports.ImportOptions(preset=preset, campaign=campaign, phase=phase, channel=channel)
    try:
        imports.check_options(options)
    except ValidationError as exc:
        db.session.rollback()
        raise click.UsageError(exc.message) from None
    data = path.read_bytes()
    try:
        parsed = imports.parse(data, path.name, options)
        batch = None if dry_run else imports.create_batch(data, path.name, options, actor=None, keep_content=False)
        run = imports.ImportRun(parsed, options, actor=None, batch_id=batch.id if batch else None, dry_run=dry_run)
        steps = run.steps()
        if as_json or not sys.stderr.isatty():
            for _ in steps:
                pass
        else:
            with click.progressbar(length=parsed.rows, label="Rijen verwerken", file=sys.stderr) as bar:
                for done, _total in steps:
                    bar.update(done - bar.pos)
        if batch is not None:
            imports.finish(batch.id, run, actor=None)
    except (ValidationError, Conflict) as exc:  # the file as a whole (imports.FileError), its options, or
        db.session.rollback()                    # another import still running
        _import_failed(path, exc.message, as_json)
    except SQLAlchemyError as exc:
        db.session.rollback()
        _import_failed(path, f"{imports.failure_message(exc)} ({exc.__class__.__name__})", as_json)
    report = run.report
    if dry_run or not report.applied_anything:
        db.session.rollback()
    else:
        db.session.commit()
    _print_import_report(path, report, as_json=as_json, dry_run=dry_run, batch_id=batch.id if batch else None)
    if not report.applied_anything:
        sys.exit(1)


def _import_failed(path: Path, message: str, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps({"rows": 0, "created_leads": 0, "attached": 0, "unchanged": 0,
                               "errors": [{"row": None, "column": None, "message": message}]}, ensure_ascii=False))
    else:
        click.echo(f"{path.name}: {message}", err=True)
    sys.exit(1)


def _print_import_report(path: Path, report: imports.ImportReport, *, as_json: bool, dry_run: bool,
                         batch_id: int | None) -> None:
    warnings = [f"rij {w['row']}, kolom {w['column']!r}: {w['message']}" for w in report.warnings]
    if as_json:
        click.echo(json.dumps(report.as_json(), ensure_ascii=False))
        for line in warnings:
            click.echo(f"waarschuwing: {line}", err=True)
        return
    click.echo(f"{path.name} ({report.format_label}), voorinstelling {report.preset}:")
    if report.event:
        click.echo(f"  bijeenkomst: {report.event['title']}{' (nieuw aangemaakt)' if report.event['new'] else ''}")
    for count, label in (
        (report.rows, "rijen gelezen"),
        (report.created_leads, f"nieuwe leads ({report.new_employers} nieuwe werkgevers)"),
        (report.attached, "toegevoegd aan een open lead"), (report.recorded, "vastgelegd zonder nieuwe lead"),
        (report.unchanged - report.repeated_in_file, "al eerder ingelezen (niets veranderd)"),
        (report.repeated_in_file, "dubbel in het bestand (één keer ingelezen)"),
        (report.rejected_rows, "rijen afgewezen"),
    ):
        click.echo(f"  {count:>6}  {label}")
    for note in report.notes:
        click.echo(f"  {note}")
    _print_rejections_and_warnings(report, warnings)
    click.echo(_import_outcome(report, dry_run=dry_run, batch_id=batch_id))


def _print_rejections_and_warnings(report: imports.ImportReport, warnings: list[str]) -> None:
    """The rejected rows, then the first 200 warnings (and how many more there are)."""
    if report.errors:
        click.echo("Afgewezen rijen:")
        for error in report.errors:
            click.echo(f"  rij {error['row']}, kolom {error['column']!r}: {error['message']}")
    if warnings:
        click.echo("Waarschuwingen (waarde weggelaten, rij wel ingelezen):")
        for line in warnings[:200]:
            click.echo(f"  {line}")
        if report.warnings_total > 200:
            click.echo(f"  … en nog {report.warnings_total - 200} waarschuwingen.")


def _import_outcome(report: imports.ImportReport, *, dry_run: bool, batch_id: int | None) -> str:
    if dry_run:
        return "Proefdraai (--dry-run): er is niets opgeslagen."
    if not report.applied_anything:
        return "Geen enkele rij kon worden ingelezen; er is niets opgeslagen."
    return f"Ingelezen als import {batch_id}."


@click.command("route-waiting")
@with_appcontext
def route_waiting() -> None:
    """Hand over the open leads of advisors absent today, then route every waiting lead again."""
    with notices.grouped():  # one mail per advisor for the whole run
        handed_over = routing.hand_over_for_absences()
        assigned, waiting = routing.route_waiting()
    db.session.commit()
    click.echo(f"{handed_over} leads van afwezige adviseurs overgedragen; {assigned} wachtende leads toegewezen, "
               f"{waiting} wachten nog (met reden).")


@click.command("sla-sweep")
@with_appcontext
def sla_sweep() -> None:
    """Record the SLA ladder (due soon, overdue, team lead, coordinator) for leads waiting for first contact."""
    report = sla.sweep()
    db.session.commit()
    steps = ", ".join(f"{label.lower()}: {report.recorded[level]}" for level, label in ESCALATION_LEVELS.items())
    click.echo(f"{report.checked} leads bekeken; nieuw vastgelegd — {steps}.")


@click.command("checkin-reminders")
@with_appcontext
def checkin_reminders() -> None:
    """Flag the retention check-ins that are due soon as reminded (they show on "Mijn check-ins")."""
    report = checkins.send_checkin_reminders(utcnow())
    db.session.commit()
    click.echo(f"Check-ins: {report.reminded} nieuw herinnerd, {report.already_reminded} eerder herinnerd, "
               f"{report.overdue} te laat; {report.lkv_deadlines} LKV-aanvragen naderen hun termijn.")


@click.command("checkin-links")
@with_appcontext
def send_checkin_links() -> None:
    """Mail the questions of the check-ins that fall due to employer, jobcoach and (with consent) employee, and one
    reminder to whoever has not answered."""
    report = checkin_links.send_due_links(utcnow())
    db.session.commit()
    click.echo(f"Check-invragen: {report.summary()}")


@click.command("purge-personal-data")
@click.option("--dry-run", is_flag=True, help="Alleen tellen wat gewist zou worden; niets wijzigen.")
@with_appcontext
def purge_personal_data(dry_run: bool) -> None:
    """Anonymise personal data whose retention period (a setting per kind of record) has passed."""
    try:
        lines = purge.purge_personal_data(dry_run=dry_run)
    except ValidationError as exc:
        _fail(exc)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    width = max(len(line.label) for line in lines)
    for line in lines:
        click.echo(f"{line.label:<{width}}  {line.rows:>7}  (bewaartermijn {line.months} maanden: "
                   f"van vóór {long_date(line.cutoff)})")
    total = sum(line.rows for line in lines)
    if dry_run:
        click.echo(f"Proefdraai: {total} regels zouden worden gewist; er is niets gewijzigd.")
    else:
        click.echo(f"Klaar: {total} regels gewist of geanonimiseerd.")


@click.command("send-mail")
@click.option("--loop", is_flag=True,
              help="Blijven versturen: na elke ronde --interval seconden wachten (de mailwerker); stopt op SIGTERM.")
@click.option("--interval", default=30, show_default=True, type=click.IntRange(1, 3600),
              help="Seconden tussen twee rondes met --loop.")
@click.option("--rounds", default=0, type=click.IntRange(0), help="Met --loop: stoppen na zoveel rondes (0: nooit).")
@with_appcontext
def send_mail(loop: bool, interval: int, rounds: int) -> None:
    """Send the e-mails in the outbox that are due (retries included) and print the counts; --loop keeps going."""
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set()) if loop else None
    done = 0
    try:
        while True:
            try:
                report = outbox.send_due(current_app.config)
            except SQLAlchemyError as exc:
                db.session.rollback()
                if not loop:
                    raise click.ClickException(f"De database is niet bereikbaar ({type(exc).__name__}); "
                                               "er is niets verstuurd.") from None
                click.echo(f"De database is niet bereikbaar ({type(exc).__name__}); over {interval} s opnieuw.",
                           err=True)
            else:
                click.echo(report.summary())
            done += 1
            if not loop or (rounds and done >= rounds) or stop.wait(interval):
                break
    except KeyboardInterrupt:
        click.echo("Gestopt.")
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


@click.command("daily-digest")
@with_appcontext
def daily_digest() -> None:
    """Queue today's digest (next actions, check-ins, leads near their deadline) for every user who has one."""
    report = digest.queue_digests(utcnow())
    db.session.commit()
    click.echo(report.summary() + " Verstuur ze met send-mail.")


@click.command("processing-register")
@click.option("--with-settings/--without-settings", default=True, show_default=True,
              help="Bewaartermijnen met de waarden uit de database (zonder: alleen de namen van de instellingen).")
@with_appcontext
def processing_register(with_settings: bool) -> None:
    """Print the register of personal data (column, category, retention) as Markdown, from the models."""
    values = {}
    if with_settings:
        rows = db.session.scalars(select(Setting).where(Setting.key.like("retention_%")))
        values = {row.key: row.value for row in rows}
    click.echo(privacy.register_markdown(values), nl=False)


@click.command("doctor")
@click.option("--no-mail-connect", is_flag=True,
              help="Niet met de mailserver verbinden; alleen controleren of de mailinstellingen gezet zijn.")
@with_appcontext
def doctor_command(no_mail_connect: bool) -> None:
    """Check a production configuration: one line per check (OK or FOUT with what to set); exit status 1 when
    any check fails."""
    results = doctor.run_checks(current_app._get_current_object(), connect_mail=not no_mail_connect)
    for check in results:
        click.echo(f"{'OK  ' if check.ok else 'FOUT'}  {check.name}: {check.detail}")
    failed = sum(1 for check in results if not check.ok)
    if failed:
        click.echo(f"{failed} van de {len(results)} controles mislukt.")
        raise SystemExit(1)
    click.echo(f"Alle {len(results)} controles in orde.")


def register_commands(app: Flask) -> None:
    for command in (seed_demo, create_user, create_api_token, import_leads, route_waiting, sla_sweep,
                    checkin_reminders, purge_personal_data, processing_register, doctor_command, send_mail,
                    daily_digest, send_checkin_links):
        app.cli.add_command(command)
