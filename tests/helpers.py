"""The one place for plain helpers and constants shared by tests (fixtures live in the conftest.py files).

Test modules import helpers from here only: never from another test module or from a conftest module
(tests/architecture/test_test_layout.py holds that). Each helper has one signature.

Two rules say how a helper is called:

- A helper that reads or writes the database (`count`, `counts`, `audit_count`, `intake_lead`, the
  routing rows, `add_placement`, ...) runs inside the caller's application context: in a
  service-level test that is the `ctx` fixture, in a page or API test a short
  `with app.app_context():` around the check. It never opens a context itself, and it only flushes;
  the caller commits (the few that commit say so).
- A helper that drives the test client (`login`, `fill_in`, `enable_two_factor`, `page_table`) is
  called outside an application context, so that each request gets its own; if it also needs the
  app (to sign a value, build a URL or look at the database between requests) it takes `app`.
"""
from __future__ import annotations

import csv
import email
import html
import io
import os
import re
import socket
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from email.policy import default as default_policy
from html.parser import HTMLParser
from pathlib import Path

import jsonschema
import pyotp
from aiosmtpd.controller import Controller
from flask import current_app, url_for
from referencing import Registry, Resource
from sqlalchemy import create_engine, event, func, insert, select, text
from sqlalchemy.engine import make_url

from campaign_crm.blueprints.public.forms import start_token
from campaign_crm.extensions import db
from campaign_crm.models import (
    AuditEvent,
    Channel,
    CheckIn,
    Contact,
    Employer,
    Event,
    EventRegistration,
    ImportBatch,
    Intervention,
    Lead,
    LeadAssignment,
    Municipality,
    Partner,
    Phase,
    Placement,
    RiskCase,
    RiskSignal,
    RoutingRule,
    Sector,
    TaskRun,
    Team,
    Touchpoint,
    User,
    utcnow,
)
from campaign_crm.services import imports
from campaign_crm.services.calendar import AMSTERDAM, sla_due, today
from campaign_crm.services.capture.intake import (
    ContactInput,
    EmployerInput,
    TouchpointInput,
    record_touchpoint,
)
from campaign_crm.services.leads import attribution
from campaign_crm.services.leads import lifecycle as lead_service
from campaign_crm.services.mail import outbox
from campaign_crm.services.placements import jobcoaches
from campaign_crm.services.placements import records as placement_service
from campaign_crm.services.routing import engine as routing

# --- people and the login form ---------------------------------------------------------------------------

PASSWORD = "Een-goed-wachtwoord-1"  # every user the `factory` fixture makes has it


@dataclass
class Login:
    """A user the `factory` fixture made, with what the login form needs."""

    id: int
    email: str
    password: str
    role: str


def login(client, who: Login, next_url: str | None = None):
    """Log in through the real form; returns the response after redirects."""
    url = "/login" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"email": who.email, "password": who.password}, follow_redirects=True)


def csrf_token_from(page: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page)
    assert match, "no CSRF token on the page"
    return match.group(1)


def enable_two_factor(app, client, who: Login) -> pyotp.TOTP:
    """Switch on two-step login for `who` through the account page, then log out; returns the authenticator."""
    login(client, who)
    page = client.get("/account/tweestaps").get_data(as_text=True)
    secret = re.search(r"<code>([A-Z2-7]+)</code>", page).group(1)
    with app.app_context():
        assert db.session.get(User, who.id).totp_secret is None
    assert 'src="data:image/svg+xml' in page
    totp = pyotp.TOTP(secret)
    response = client.post("/account/tweestaps", data={"code": totp.now()}, follow_redirects=True)
    assert "Inloggen in twee stappen staat aan." in response.get_data(as_text=True)
    client.post("/logout")
    return totp


# --- test databases ----------------------------------------------------------------------------------------

def server_database_url() -> str | None:
    """DATABASE_URL when it points at a PostgreSQL server; None means the tests run on SQLite files."""
    raw = os.environ.get("DATABASE_URL")
    return raw if raw and raw.startswith("postgres") else None


@contextmanager
def throwaway_database(prefix: str, directory: Path) -> Iterator[str]:
    """The URL of a new, empty database, gone afterwards: `<prefix>.db` in `directory` on SQLite, or a
    database `<prefix>_<random>` on the PostgreSQL server of DATABASE_URL, dropped at the end."""
    server = server_database_url()
    if server is None:
        yield f"sqlite:///{directory / f'{prefix}.db'}"
        return
    url = make_url(server).set(drivername="postgresql+psycopg")
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def reset_database() -> None:
    """Empty every table a test wrote to and put back the reference rows the migrations seeded (the app's
    REFERENCE_SNAPSHOT, taken by the `app` fixture). Commits, on its own connection.

    One query finds the tables that hold rows, and only those are emptied, children first, with DELETE
    (on PostgreSQL a TRUNCATE of every table cost 84 ms per test; this costs about 4). The reference tables
    are rewritten only when their rows differ from the snapshot."""
    db.session.remove()
    snapshot = current_app.config["REFERENCE_SNAPSHOT"]
    tables = db.metadata.sorted_tables
    probe = " UNION ALL ".join(f"SELECT '{table.name}' WHERE EXISTS (SELECT 1 FROM \"{table.name}\")"
                               for table in tables)
    with db.engine.begin() as conn:
        holding_rows = {name for (name,) in conn.execute(text(probe))}
        # Reference tables refer to each other (channel_utm to channels): when one changed, all are rewritten.
        reference_changed = any([dict(row._mapping) for row in conn.execute(db.metadata.tables[name].select())] != rows
                                for name, rows in snapshot.items())
        emptied = (holding_rows | set(snapshot)) if reference_changed else holding_rows - set(snapshot)
        for table in reversed(tables):
            if table.name in emptied:
                conn.execute(table.delete())
        if reference_changed:
            for table in tables:
                if snapshot.get(table.name):
                    conn.execute(insert(table), snapshot[table.name])


@contextmanager
def counting_statements(engine):
    """Count the SQL statements sent inside the block: `with counting_statements(db.engine) as n: …; n[0]`."""
    seen = [0]

    def before(*args, **kwargs):
        seen[0] += 1

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)


# --- counting rows -----------------------------------------------------------------------------------------

INTAKE_TABLES = (Employer, Contact, Lead, Touchpoint)  # what the one intake writes
IMPORT_TABLES = (*INTAKE_TABLES, EventRegistration, Event, ImportBatch)  # what an import can write
PLACEMENT_TABLES = (Placement, CheckIn, RiskCase, Intervention, RiskSignal)  # a placement and what hangs under it
SIGNAL_TABLES = (RiskSignal, RiskCase)  # what a jobcoach's signal adds


def count(model, *where) -> int:
    """How many rows of `model` match every condition in `where`."""
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def counts(models: Iterable[type] = INTAKE_TABLES) -> dict[str, int]:
    """Rows per table, by table name: what a refused request or a dry run must leave as it was."""
    return {model.__tablename__: count(model) for model in models}


def nothing_stored(models: Iterable[type] = INTAKE_TABLES) -> dict[str, int]:
    """What `counts(models)` answers on an empty database."""
    return {model.__tablename__: 0 for model in models}


def audit_count(action: str) -> int:
    """How many audit entries with this action there are."""
    return count(AuditEvent, AuditEvent.action == action)


# --- touchpoints and leads through the one intake ----------------------------------------------------------

# Friday 12 June 2026, 10:00 in Rotterdam: in the launch or livestream phase of the test campaigns.
FRIDAY = datetime(2026, 6, 12, 10, 0, tzinfo=AMSTERDAM)


def _intake_input(name: str, contact: ContactInput, fields: dict) -> TouchpointInput:
    """A TouchpointInput; each of `fields` goes to the employer when EmployerInput has it, else to the touchpoint."""
    employer_fields = {k: fields.pop(k) for k in list(fields) if k in EmployerInput.__dataclass_fields__}
    fields.setdefault("arrived_at", fields.get("occurred_at"))  # a test's lead reached the CRM when it happened
    return TouchpointInput(employer=EmployerInput(name=name, **employer_fields), contact=contact, **fields)


def touchpoint(name: str = "Bakkerij Jansen", *, email: str | None = "jan@bakkerij-jansen.nl",
               phone: str | None = None, contact_name: str = "Jan Jansen", occurred_at: datetime | None = FRIDAY,
               **fields) -> TouchpointInput:
    """A campaign-form touchpoint (kind `form` unless told); keyword arguments go to the employer or to the
    touchpoint, and an external_id comes from the `meta` source unless told otherwise. Builds, stores nothing."""
    fields.setdefault("kind", "form")
    if fields.get("external_id"):
        fields.setdefault("external_source", "meta")
    return _intake_input(name, ContactInput(name=contact_name, email=email, phone=phone),
                         {"occurred_at": occurred_at, **fields})


@dataclass
class Recorded:
    """The ids of what one recorded touchpoint made or found."""

    employer_id: int
    contact_id: int
    lead_id: int | None
    touchpoint_id: int


def hand_to(one: Lead, advisor_id: int) -> None:
    """Assign a lead to an advisor (in the advisor's team), as routing would."""
    owner = db.session.get(User, advisor_id)
    lead_service.assign_lead(one, owner, team=owner.team, reason="test", actor=None)


def intake_lead(name: str, email: str, *, contact_name: str = "Contact", owner_id: int | None = None,
                stage: str | None = None, **fields) -> Lead:
    """A lead through the one intake (an API touchpoint unless `kind` says otherwise): employer `name`, a
    contact with `email`; keyword arguments go to the employer or to the touchpoint. Then, as the app
    would, handed to `owner_id` (in the owner's team) and moved on to `stage` (`lost` as unreachable),
    both at the lead's own creation time."""
    made = record_touchpoint(_intake_input(name, ContactInput(name=contact_name, email=email), fields)).lead
    if owner_id is not None:
        owner = db.session.get(User, owner_id)
        lead_service.assign_lead(made, owner, team=None, reason="test", actor=None, at=made.created_at)
    if stage and stage != made.stage:
        lead_service.change_stage(made, stage, actor=None, at=made.created_at,
                                  lost_reason="unreachable" if stage == "lost" else None)
    return made


def route_everything_to(team_id: int, name: str) -> None:
    """A catch-all routing rule to the team, unless there is a rule already: the intake then routes every lead there."""
    if not db.session.scalar(select(RoutingRule.id)):
        db.session.add(RoutingRule(name=name, team_id=team_id))
        db.session.flush()


# --- routing rows, made directly (no intake), at a fixed moment ----------------------------------------------

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)  # a Thursday: the moment `lead` and `route` work at


def team(name: str = "Waterweg", *, pool: bool = False) -> Team:
    """A team (a pool when told)."""
    made = Team(name=name, is_pool=pool)
    db.session.add(made)
    db.session.flush()
    return made


def advisor(in_team: Team, name: str, *, capacity: int = 20, skills: tuple[str, ...] = (),
            active: bool = True) -> User:
    """An advisor of `in_team` with sector skills by code; the e-mail address comes from the name."""
    user = User(email=f"{name.lower().replace(' ', '.')}@test.example", name=name, password_hash="x", role="advisor",
                team=in_team, capacity=capacity, active=active)
    db.session.add(user)
    user.skills = list(db.session.scalars(select(Sector).where(Sector.code.in_(skills))))
    db.session.flush()
    return user


def _municipality_id(name: str) -> int | None:
    return db.session.scalar(select(Municipality.id).where(Municipality.name == name))


def _sector_id(code: str) -> int | None:
    return db.session.scalar(select(Sector.id).where(Sector.code == code))


def rule(to: Team, *, name: str = "regel", priority: int = 100, municipality: str | None = None,
         sector: str | None = None, requires_skill: bool = False) -> RoutingRule:
    """A routing rule to `to`, for a municipality (by name) and a sector (by code) when given."""
    made = RoutingRule(
        name=name, priority=priority, team=to, requires_skill=requires_skill,
        municipality_id=_municipality_id(municipality) if municipality else None,
        sector_id=_sector_id(sector) if sector else None,
    )
    db.session.add(made)
    db.session.flush()
    return made


def lead(*, municipality: str = "Schiedam", sector: str = "techniek", manager: User | None = None) -> Lead:
    """A new lead of a new employer in `municipality` and `sector`, made an hour before NOW."""
    employer = Employer(
        name=f"Werkgever {count(Employer) + 1}", name_key="x", municipality_id=_municipality_id(municipality),
        sector_id=_sector_id(sector), account_manager=manager,
    )
    made = Lead(employer=employer, stage="new", created_at=NOW - timedelta(hours=1))
    db.session.add(made)
    db.session.flush()
    return made


def route(one: Lead, **kwargs) -> LeadAssignment:
    """Route the lead at NOW."""
    return routing.route_lead(one, at=NOW, **kwargs)


# --- the API -----------------------------------------------------------------------------------------------

def bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


def _validator(document: dict, schema: dict) -> jsonschema.Draft202012Validator:
    registry = Registry().with_resource("urn:openapi", Resource.from_contents(
        {"$schema": "https://json-schema.org/draft/2020-12/schema", **document}))
    return jsonschema.Draft202012Validator(schema, registry=registry)


def validate(document: dict, schema_name: str, instance) -> None:
    """Validate `instance` against a component schema of the OpenAPI document."""
    _validator(document, {"$ref": f"urn:openapi#/components/schemas/{schema_name}"}).validate(instance)


def is_valid(document: dict, schema_name: str, instance) -> bool:
    return _validator(document, {"$ref": f"urn:openapi#/components/schemas/{schema_name}"}).is_valid(instance)


def assert_documented(document: dict, method: str, path: str, response) -> dict:
    """The response's status is documented for this operation, and its body and headers match; returns the body."""
    operation = document["paths"][path][method.lower()]
    documented = operation["responses"].get(str(response.status_code))
    assert documented is not None, f"{method} {path} answered {response.status_code}, which is not documented"
    assert response.is_json, response.get_data(as_text=True)[:200]
    body = response.get_json()
    ref = documented["content"]["application/json"]["schema"]["$ref"].replace("#", "urn:openapi#", 1)
    _validator(document, {"$ref": ref}).validate(body)
    for name, header in documented.get("headers", {}).items():
        assert name in response.headers, f"header {name} documented but not sent"
        jsonschema.validate(response.headers[name], header["schema"])
    return body


def post_at_once(app, url: str, token: str, bodies: list[dict]) -> list:
    """POST every body to `url` at the same moment, each from its own thread and client."""
    barrier = threading.Barrier(len(bodies))
    responses: list = [None] * len(bodies)

    def send(i: int) -> None:
        client = app.test_client()
        barrier.wait()
        responses[i] = client.post(url, json=bodies[i], headers=bearer(token))

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return responses


def multipart(fields: dict[str, str], filename: str, content: bytes) -> bytes:
    """A multipart body built in memory (the test client would spool a large one to a file it never closes)."""
    parts = [f'--grens\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
             for name, value in fields.items()]
    parts.append(f'--grens\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
                 "Content-Type: application/octet-stream\r\n\r\n".encode() + content + b"\r\n")
    return b"".join(parts) + b"--grens--\r\n"


# --- the public campaign form --------------------------------------------------------------------------------

# What a person types into the campaign form (municipality by CBS code: Rotterdam).
PERSON = {
    "employer_name": "Bakkerij Jansen", "municipality": "GM0599", "sector": "", "size": "", "kvk": "",
    "contact_name": "Jan Jansen", "function": "Eigenaar", "email": "jan@bakkerij-jansen.nl", "phone": "",
    "message": "", "how_heard": "", "how_heard_other": "", "consent": "y", "onderwerp": "",
}


def hidden_fields(page: str) -> dict[str, str]:
    """name → value of every hidden input on the page, as a browser would send them back."""
    fields = {}
    for tag in re.findall(r"<input[^>]*>", page):
        if 'type="hidden"' not in tag:
            continue
        name = re.search(r'name="([^"]*)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name:
            fields[html.unescape(name.group(1))] = html.unescape(value.group(1)) if value else ""
    return fields


def start_time(app, seconds_ago: float = 60) -> str:
    """A signed start time as if the page had been opened `seconds_ago` seconds ago."""
    with app.test_request_context():
        return start_token(utcnow() - timedelta(seconds=seconds_ago))


def fill_in(client, app, landing: str = "/aanmelden", seconds_taken: float | None = 60, **typed) -> dict[str, str]:
    """Open `landing` (following redirects) and return what sending the form would post."""
    page = client.get(landing, follow_redirects=True)
    assert page.status_code == 200, page.status_code
    data = hidden_fields(page.get_data(as_text=True))
    data.update(PERSON)
    if seconds_taken is not None:
        data["started"] = start_time(app, seconds_taken)
    data.update(typed)
    return data


# --- employers -----------------------------------------------------------------------------------------------

def employer_form(**overrides) -> dict:
    """What the employer edit form posts for Bakkerij Jansen; keyword arguments replace fields."""
    form = {"name": "Bakkerij Jansen", "kvk": "24123456", "vestigingsnummer": "", "sector_id": "", "size_class": "",
            "municipality_id": "", "postcode": "3011 AB", "website": "", "account_manager_id": ""}
    return form | overrides


# --- imports -------------------------------------------------------------------------------------------------

IMPORT_FIXTURES = Path(__file__).parent / "imports" / "fixtures"

# The four platform export files in IMPORT_FIXTURES (as the platforms write them, byte for byte) and the
# preset each is read with.
SAMPLES = {
    "meta_lead_ads.tsv": "meta-lead-ads",
    "linkedin_lead_gen.csv": "linkedin-lead-gen",
    "employers_excel_nl.csv": "generic",
    "zoom_webinar_attendees.csv": "zoom-attendees",
}


def fixture_bytes(name: str) -> bytes:
    return (IMPORT_FIXTURES / name).read_bytes()


def import_file(name: str, preset: str | None = None, *, data: bytes | None = None, dry_run: bool = False,
                **options) -> imports.ImportReport:
    """Import a file of IMPORT_FIXTURES (or `data` under its name) through the runner, as the CLI does,
    and commit (the boundary)."""
    chosen = imports.ImportOptions(preset=preset or SAMPLES[name], **options)
    parsed = imports.parse(data if data is not None else fixture_bytes(name), name, chosen)
    report = imports.ImportRun(parsed, chosen, actor=None, batch_id=None, dry_run=dry_run).run()
    db.session.commit()
    return report


def meta_with_a_repeated_row() -> bytes:
    """The Meta sample with its first lead downloaded twice (overlapping downloads): four rows, three leads."""
    lines = fixture_bytes("meta_lead_ads.tsv").decode("utf-16").rstrip("\r\n").split("\r\n")
    return "\r\n".join([*lines, lines[1]]).encode("utf-16")


# --- jobcoaches and placements ---------------------------------------------------------------------------------

def signal_url(token: str) -> str:
    """The no-login signal form behind a jobcoach organisation's secret link."""
    return f"/signaal/{token}"


def add_employer(name: str = "Metaalbedrijf De Haven") -> int:
    """An employer row made directly; returns its id."""
    employer = Employer(name=name, name_key=name.lower().replace(" ", ""))
    db.session.add(employer)
    db.session.flush()
    return employer.id


def add_jobcoach_organisation(name: str, **fields) -> tuple[int, str]:
    """A jobcoach organisation made through the service; returns its id and the raw token of its link."""
    organisation, raw = jobcoaches.create_organisation(jobcoaches.OrganisationInput(name=name, **fields), actor=None)
    db.session.flush()
    return organisation.id, raw


def add_placement(*, reference: str, partner_id: int, advisor_id: int | None, jobcoach_org_id: int | None,
                  employer_id: int, start_date: date = date(2026, 3, 2), end_date: date | None = None) -> int:
    """A placement row made directly, without a lead or check-ins; returns its id."""
    placement = Placement(reference=reference, partner_id=partner_id, advisor_id=advisor_id,
                          employer_id=employer_id, candidate_ref=f"cand-{reference}", instrument="lks",
                          start_date=start_date, end_date=end_date, jobcoach_org_id=jobcoach_org_id,
                          jobcoach_kind="external" if jobcoach_org_id else None)
    db.session.add(placement)
    db.session.flush()
    return placement.id


def placement_input(**overrides) -> placement_service.PlacementInput:
    """A valid LKS placement started 60 days ago; keyword arguments override fields."""
    values = dict(candidate_ref="KL-2026-0815", instrument="lks", lks_type="regular", loonwaarde_pct=60,
                  start_date=today() - timedelta(days=60), hours_per_week=24, contract_type="permanent")
    values.update(overrides)
    return placement_service.PlacementInput(**values)


def a_day(days_after_start: int, start: date | None = None) -> date:
    """The day `days_after_start` days after `start` (by default the start of `placement_input`)."""
    return (start or today() - timedelta(days=60)) + timedelta(days=days_after_start)


# --- the hand-built report region (described at `build_report_dataset`) ---------------------------------------

def _local(*args: int) -> datetime:
    """A Europe/Amsterdam wall-clock time as an aware UTC datetime."""
    return datetime(*args, tzinfo=AMSTERDAM).astimezone(UTC)


# key: (created, channel, phase, reached, lost, owner, sector, municipality, contacted)
REPORT_LEADS = {
    1: (_local(2026, 5, 13, 10), "linkedin", "launch", "placed", False, "anna", "techniek", "GM0599",
        _local(2026, 5, 15, 9)),
    2: (_local(2026, 5, 22, 16), "linkedin", "launch", "meeting", False, "anna", "techniek", "GM0599",
        _local(2026, 5, 26, 10)),
    3: (_local(2026, 6, 1, 10), "linkedin", "livestream", "contacted", True, "bram", "zorg", "GM0606",
        _local(2026, 6, 1, 15)),
    4: (_local(2026, 6, 2, 10), "linkedin", "livestream", "assigned", False, "bram", "zorg", "GM0599", None),
    5: (_local(2026, 6, 3, 10), "linkedin", "launch", "new", False, None, "techniek", "GM0599", None),
    6: (_local(2026, 6, 8, 10), "dagblad", "launch", "vacancy", False, "anna", "zorg", "GM0606",
        _local(2026, 6, 15, 10)),
    7: (_local(2026, 6, 9, 10), "dagblad", "livestream", "assigned", True, "bram", "techniek", "GM0606", None),
    8: (_local(2026, 6, 10, 10), "dagblad", "livestream", "new", False, None, "zorg", "GM0599", None),
    9: (_local(2026, 7, 2, 23, 30), None, None, "contacted", False, "anna", None, None, _local(2026, 7, 3, 0, 30)),
    12: (_local(2026, 5, 1, 0, 30), "dagblad", "launch", "assigned", False, "anna", "techniek", "GM0599", None),
    10: (_local(2026, 4, 30, 23, 30), "linkedin", "launch", "assigned", False, "anna", "techniek", "GM0599", None),
    11: (_local(2026, 9, 1, 0, 30), "linkedin", "launch", "assigned", False, "anna", "techniek", "GM0599", None),
}
REPORT_LATER_TOUCHES = [(1, _local(2026, 7, 1, 12), "facebook"), (2, _local(2026, 5, 25, 12), "dagblad"),
                        (4, _local(2026, 6, 5, 12), None), (8, _local(2026, 6, 20, 12), "linkedin")]
_STAGE_ORDER = ("new", "assigned", "contacted", "meeting", "vacancy", "placed")


@dataclass
class ReportDataset:
    """Ids of what `build_report_dataset` built, by the names its docstring uses."""

    leads: dict[int, int]
    partners: dict[str, int]
    teams: dict[str, int]
    advisors: dict[str, int]
    channels: dict[str, int]
    phases: dict[str, int]
    sectors: dict[str, int]
    municipalities: dict[str, int]
    employers: dict[int, int] = field(default_factory=dict)


def _stage_times(created: datetime, reached: str, lost: bool, contacted: datetime | None) -> dict[str, datetime]:
    times: dict[str, datetime] = {}
    level = _STAGE_ORDER.index(reached)
    if level >= 1:
        times["assigned_at"] = created + timedelta(minutes=30)
    if level >= 2:
        times["contacted_at"] = contacted
    if level >= 3:
        times["meeting_at"] = contacted + timedelta(days=7)
    if level >= 4:
        times["vacancy_at"] = times["meeting_at"] + timedelta(days=7)
    if level >= 5:
        times["placed_at"] = times["vacancy_at"] + timedelta(days=14)
    if lost:
        times["lost_at"] = max([created, *times.values()]) + timedelta(days=3)
    return times


def _ids(model, key: str) -> dict:
    return {getattr(row, key): row.id for row in db.session.scalars(select(model))}


def build_report_dataset(campaign_id: int) -> ReportDataset:
    """A small region built by hand with exact timestamps, whose report answers the report tests work out
    on paper. Plain model inserts, because reports read stored timestamps and the services would stamp "now".

    The leads (local Europe/Amsterdam times; cohort = tertaal T2 2026, 1 May – 31 Aug):

    | lead | created (local)  | first touch | phase      | reached   | lost | owner | sector   | municipality |
    | ---- | ---------------- | ----------- | ---------- | --------- | ---- | ----- | -------- | ------------ |
    | 1    | Wed 13 May 10:00 | linkedin    | launch     | placed    |      | anna  | techniek | Rotterdam    |
    | 2    | Fri 22 May 16:00 | linkedin    | launch     | meeting   |      | anna  | techniek | Rotterdam    |
    | 3    | Mon  1 Jun 10:00 | linkedin    | livestream | contacted | yes  | bram  | zorg     | Schiedam     |
    | 4    | Tue  2 Jun 10:00 | linkedin    | livestream | assigned  |      | bram  | zorg     | Rotterdam    |
    | 5    | Wed  3 Jun 10:00 | linkedin    | launch     | new       |      | -     | techniek | Rotterdam    |
    | 6    | Mon  8 Jun 10:00 | dagblad     | launch     | vacancy   |      | anna  | zorg     | Schiedam     |
    | 7    | Tue  9 Jun 10:00 | dagblad     | livestream | assigned  | yes  | bram  | techniek | Schiedam     |
    | 8    | Wed 10 Jun 10:00 | dagblad     | livestream | new       |      | -     | zorg     | Rotterdam    |
    | 9    | Thu  2 Jul 23:30 | (none)      | (none)     | contacted |      | anna  | (none)   | (none)       |
    | 12   | Fri  1 May 00:30 | dagblad     | launch     | assigned  |      | anna  | techniek | Rotterdam    |
    | 10   | Thu 30 Apr 23:30 | linkedin    | launch     | assigned  |      | anna  | techniek | Rotterdam    |
    | 11   | Tue  1 Sep 00:30 | linkedin    | launch     | assigned  |      | anna  | techniek | Rotterdam    |

    Leads 10 (in T1) and 11 (in T3) lie outside the cohort. Lead 12 is 30 April 22:30 UTC and lead 11 is
    31 August 22:30 UTC: only local dates decide.
    Anna Smit works for partner "Gemeente Rotterdam" in team "Waterweg", Bram Kok for "UWV Rijnmond"
    in team "Noord"; a lead's team is its owner's team.

    First contact (contacted_at, local): lead 1 Fri 15 May 09:00, lead 2 Tue 26 May 10:00, lead 3
    Mon 1 Jun 15:00, lead 6 Mon 15 Jun 10:00, lead 9 Fri 3 Jul 00:30. The other stages follow:
    assigned 30 min after created, meeting 7 days after contact, vacancy 7 days after the meeting,
    placed 14 days after the vacancy, lost 3 days after the last stage reached. sla_due_at is
    `calendar.sla_due(created, 2)`.

    Later touchpoints (for last-touch attribution):
    - lead 1: facebook on 1 Jul, after its meeting (22 May) — does not count;
    - lead 2: dagblad on 25 May, before its meeting (2 Jun) — its last touch is dagblad;
    - lead 4: a touchpoint without a channel on 5 Jun — skipped, its last touch stays linkedin;
    - lead 8: linkedin on 20 Jun, no meeting — its last touch is linkedin.

    Made in campaign `campaign_id`; commits and returns the ids.
    """
    channels, sectors = _ids(Channel, "code"), _ids(Sector, "code")
    municipalities = _ids(Municipality, "cbs_code")
    phases = {row.code: row.id for row in db.session.scalars(select(Phase).where(Phase.campaign_id == campaign_id))}
    partners = {"rotterdam": Partner(name="Gemeente Rotterdam", kind="gemeente"),
                "uwv": Partner(name="UWV Rijnmond", kind="uwv")}
    teams = {"waterweg": Team(name="Waterweg"), "noord": Team(name="Noord")}
    advisors = {
        "anna": User(email="anna@test.example", name="Anna Smit", password_hash="x", role="advisor",
                     partner=partners["rotterdam"], team=teams["waterweg"]),
        "bram": User(email="bram@test.example", name="Bram Kok", password_hash="x", role="advisor",
                     partner=partners["uwv"], team=teams["noord"]),
    }
    db.session.add_all([*partners.values(), *teams.values(), *advisors.values()])
    db.session.flush()
    leads: dict[int, Lead] = {}
    employers: dict[int, Employer] = {}
    for key, (created, channel, phase, reached, lost, owner, sector, municipality, contacted) in REPORT_LEADS.items():
        employer = Employer(name=f"Werkgever {key}", name_key=f"werkgever {key}",
                            sector_id=sectors.get(sector), municipality_id=municipalities.get(municipality))
        person = advisors.get(owner)
        new = Lead(employer=employer, campaign_id=campaign_id, channel_id=channels.get(channel),
                   phase_id=phases.get(phase), stage="lost" if lost else reached, owner=person,
                   team=person.team if person else None, created_at=created, sla_due_at=sla_due(created, 2),
                   **_stage_times(created, reached, lost, contacted))
        first = Touchpoint(kind="form", occurred_at=created, employer=employer, lead=new, campaign_id=campaign_id,
                           channel_id=channels.get(channel), phase_id=phases.get(phase))
        db.session.add_all([employer, new, first])
        leads[key], employers[key] = new, employer
    for key, when, channel in REPORT_LATER_TOUCHES:
        db.session.add(Touchpoint(kind="form", occurred_at=when, employer=employers[key], lead=leads[key],
                                  campaign_id=campaign_id, channel_id=channels.get(channel)))
    db.session.flush()
    attribution.refresh_last_touch(lead.id for lead in leads.values())  # as the intake would
    db.session.commit()
    return ReportDataset(
        leads={k: v.id for k, v in leads.items()}, partners={k: v.id for k, v in partners.items()},
        teams={k: v.id for k, v in teams.items()}, advisors={k: v.id for k, v in advisors.items()},
        channels=channels, phases=phases, sectors=sectors, municipalities=municipalities,
        employers={k: v.id for k, v in employers.items()},
    )


# The placements `add_report_placements` adds: (advisor, lead key, instrument, start, end, end how, end why).
# Through T2 2026 (May–Aug) four of them end: 15 May, 30 Jun, 31 Jul and 14 Aug, so every end-reason
# count is 1–4 people: what management sees as "< 5".
REPORT_PLACEMENTS = [
    ("anna", 1, "lks", date(2025, 8, 4), date(2026, 3, 31), "dismissal", "behaviour"),
    ("anna", 1, "lks", date(2025, 9, 1), None, None, None),
    ("anna", 1, "lks", date(2026, 1, 5), date(2026, 5, 15), "dismissal", "health"),
    ("anna", 6, "lks", date(2026, 1, 12), date(2026, 6, 30), "resignation", "regular_job"),
    ("anna", 6, "lks", date(2026, 2, 2), date(2026, 7, 31), "fixed_term_not_renewed", "employer_economic"),
    ("anna", 6, "lks", date(2026, 2, 16), None, None, None),
    ("bram", 3, "lks", date(2026, 3, 2), None, None, None),
    ("bram", 3, "lks", date(2026, 3, 16), None, None, None),
    ("bram", 3, "lks", date(2026, 4, 1), date(2026, 8, 14), "trial_period", "match"),
    ("bram", 4, "lks", date(2026, 5, 4), None, None, None),
    ("anna", 1, "lks", date(2026, 6, 1), None, None, None),
    ("bram", 4, "lkv", date(2026, 5, 18), None, None, None),
    ("bram", 4, "lkv", date(2026, 6, 15), None, None, None),
]
# People whose details must never reach a management viewer: a contact person per employer, in turn.
REPORT_CONTACTS = [("Joke Vermeulen-de Graaf", "joke.vermeulen@bakkerij-graaf.example", "+31612345678"),
                   ("Pieter Zwanenburg", "p.zwanenburg@techniek-zwanenburg.example", "+31101234567"),
                   ("Fatima el Idrissi", "fatima@zorgpunt-rijnmond.example", "+31687654321")]


def add_report_placements(dataset: ReportDataset) -> None:
    """A contact person (REPORT_CONTACTS) per employer of `dataset`, and the placements REPORT_PLACEMENTS; commits."""
    employers = list(db.session.scalars(select(Employer).where(Employer.id.in_(dataset.employers.values()))
                                        .order_by(Employer.id)))
    for index, employer in enumerate(employers):
        name, email, phone = REPORT_CONTACTS[index % len(REPORT_CONTACTS)]
        db.session.add(Contact(employer_id=employer.id, name=name, email=email, phone=phone, function="Directeur"))
    partner_of = {"anna": dataset.partners["rotterdam"], "bram": dataset.partners["uwv"]}
    for n, (owner, key, instrument, start, end, how, why) in enumerate(REPORT_PLACEMENTS, start=1):
        db.session.add(Placement(
            reference=f"REF{n:04d}", partner_id=partner_of[owner], advisor_id=dataset.advisors[owner],
            lead_id=dataset.leads[key], employer_id=dataset.employers[key], candidate_ref=f"KLANT-{n:05d}",
            instrument=instrument, lks_type="regular" if instrument == "lks" else None,
            loonwaarde_pct=60 if instrument == "lks" else None, start_date=start, end_date=end, end_how=how,
            end_why=why))
    db.session.commit()


# --- reading report pages and exports --------------------------------------------------------------------------

def report_login(client, factory, role: str, team_id: int | None = None) -> Login:
    """A user of this role, logged in through the form; returns the Login."""
    who = factory.user(role, team_id=team_id) if role in ("advisor", "teamlead") else factory.user(role)
    login(client, who)
    return who


class _Tables(HTMLParser):
    """Every <table id> of a page: header texts, then per row the text of each cell."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, dict] = {}
        self._table = self._row = self._cell = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("id"):
            self._table = self.tables.setdefault(attrs["id"], {"header": [], "rows": [], "scopes": []})
        elif self._table is not None and tag == "tr":
            self._row = []
        elif self._table is not None and tag in ("th", "td") and self._row is not None:
            self._cell = []
            self._table["scopes"].append((tag, attrs.get("scope")))

    def handle_endtag(self, tag):
        if self._table is None:
            return
        if tag in ("th", "td") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if self._table["header"]:
                self._table["rows"].append(self._row)
            else:
                self._table["header"] = self._row
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def page_tables(page: str) -> dict[str, dict]:
    """Every table with an id on the page: {"header": [...], "rows": [[...], ...], "scopes": [(tag, scope), ...]}."""
    parser = _Tables()
    parser.feed(page)
    return parser.tables


_MONTHS = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
           "november", "december"]


def page_value(text: str):
    """A cell as shown → its value: "1.200" → 1200, "62,3%" → 0.623, "1,5" → 1.5, "31 januari 2026" → date,
    "–" → None."""
    if text in ("–", ""):
        return None
    if re.fullmatch(r"-?[\d.]+", text):
        return int(text.replace(".", ""))
    if re.fullmatch(r"-?[\d.]+,\d+%", text):
        return float(text[:-1].replace(".", "").replace(",", ".")) / 100
    if re.fullmatch(r"-?[\d.]+,\d+", text):
        return float(text.replace(".", "").replace(",", "."))
    match = re.fullmatch(r"(\d{1,2}) (\w{3,9}) (\d{4})", text)
    if match and match.group(2) in _MONTHS:
        return date(int(match.group(3)), _MONTHS.index(match.group(2)) + 1, int(match.group(1)))
    return text


def same_value(shown, exact) -> bool:
    """The page's rounded value equals the exact one (rates to 0.1 percent point, decimals to 0.1)."""
    if isinstance(shown, float) or (isinstance(exact, float) and isinstance(shown, int)):
        return exact is not None and not isinstance(exact, str) and abs(shown - exact) <= 0.0005 + 0.05 * (
            shown > 1 or exact > 1)
    if isinstance(exact, datetime):  # openpyxl and pandas read a date cell back as a datetime
        exact = exact.date()
    if isinstance(exact, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", exact):
        exact = date.fromisoformat(exact)
    return shown == exact


@dataclass
class PageTable:
    header: list[str]
    cells: list[list[str]]  # the text of each cell, as shown

    @property
    def values(self) -> list[list]:
        return [[page_value(text) for text in row] for row in self.cells]

    def column(self, label: str) -> list:
        index = self.header.index(label)
        return [row[index] for row in self.values]

    def row(self, first: str) -> dict:
        for row in self.values:
            if row[0] == first:
                return dict(zip(self.header, row, strict=True))
        raise KeyError(first)

    def assert_matches(self, rows: list[list]) -> None:
        """Every exported (exact) row equals the page's (rounded) row, in order."""
        assert len(rows) == len(self.values), (rows, self.cells)
        for shown_row, exact_row in zip(self.values, rows, strict=True):
            for shown, exact in zip(shown_row, exact_row, strict=True):
                assert same_value(shown, exact), (shown, exact, shown_row, exact_row)


def page_table(client, app, endpoint: str, query: dict, key: str) -> PageTable:
    """The table `key` (id "tabel-<key>") of a report page, fetched with `query`."""
    with app.test_request_context():
        url = url_for(endpoint, **query)
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    table = page_tables(response.get_data(as_text=True))[f"tabel-{key}"]
    return PageTable(table["header"], table["rows"])


def export_url(app, name: str, fmt: str, query: dict) -> str:
    with app.test_request_context():
        return url_for("reports.export_table", name=name, fmt=fmt, **query)


def read_csv(content: bytes) -> list[list[str]]:
    """The rows of a report CSV export (semicolons, a UTF-8 BOM first so that Excel reads the accents)."""
    assert content.startswith(b"\xef\xbb\xbf"), "UTF-8 BOM first, so Excel reads the accents"
    return list(csv.reader(io.StringIO(content[3:].decode("utf-8"), newline=""), delimiter=";"))


# Checks of a downloaded report workbook (openpyxl), shared by the export tests and the browser test.
GENERIC_SHEET_NAMES = re.compile(r"(?i)^(sheet|blad|tabel)\s*\d*$|\(\d+\)$")
PERCENT_FORMAT = re.compile(r"%")
DATE_FORMAT = re.compile(r"(?i)d+.*m+.*y+")


def check_sheet_names(names: list[str]) -> None:
    """Sheet names unique, at most 31 characters, no character Excel refuses, none that says nothing."""
    assert len({name.lower() for name in names}) == len(names), f"sheet names not unique: {names}"
    for name in names:
        assert 3 <= len(name) <= 31, name
        assert not set("[]:*?/\\") & set(name), name
        assert not GENERIC_SHEET_NAMES.search(name), f"a sheet name that says nothing: {name!r}"


def columns_of(sheet) -> list[tuple[str, list]]:
    """(header, data cells) per column of a table sheet (header in row 1)."""
    return [(column[0].value, list(column[1:])) for column in sheet.iter_cols()]


def check_table_sheet(sheet) -> dict[str, str]:
    """Numbers stay numbers, percentages are formatted, dates are dates; returns {header: kind seen}."""
    kinds = {}
    for header, cells in columns_of(sheet):
        values = [cell for cell in cells if cell.value is not None]
        numeric = [cell for cell in values if isinstance(cell.value, int | float) and not isinstance(cell.value, bool)]
        if numeric or any(cell.number_format != "General" for cell in cells):
            texts = [cell.value for cell in values if isinstance(cell.value, str)]
            assert texts == [], f"{sheet.title}: text in number column {header!r}: {texts}"
        if any(PERCENT_FORMAT.search(cell.number_format) for cell in numeric):
            kinds[header] = "rate"
            assert all(PERCENT_FORMAT.search(cell.number_format) for cell in numeric), header
            assert "%" in header, f"{sheet.title}: a percentage column says so: {header!r}"
        if any(isinstance(cell.value, datetime) for cell in values):
            kinds[header] = "date"
            assert all(DATE_FORMAT.search(cell.number_format) for cell in values), header
        for cell in values:
            if isinstance(cell.value, str):
                assert not re.fullmatch(r"[<>]\s*\d+|\d+([.,]\d+)?\s*%?", cell.value), \
                    f"{sheet.title}!{cell.coordinate}: a number written as text: {cell.value!r}"
    return kinds


# --- background tasks ------------------------------------------------------------------------------------------

def run_queued_tasks(app, timeout: float = 30.0) -> None:
    """Run every task the app has queued (and the retries they schedule) with a worker in this process, then stop
    it. Called outside an application context: each task opens its own."""
    app.extensions["tasks"].drain(timeout=timeout)


def add_task_run(task: str = "sla-sweep", *, status: str = "failed", key: str | None = None,
                 error: str | None = "Onverwachte fout (RuntimeError)") -> TaskRun:
    """A task-run row as the engine leaves it (by default a failed periodic run); flushes."""
    now = utcnow()
    run = TaskRun(task=task, key=key or f"{task}:test-{uuid.uuid4().hex[:8]}", status=status, args={}, attempts=1,
                  enqueued_at=now, started_at=now, finished_at=now if status in ("done", "failed") else None,
                  updated_at=now, error=error if status == "failed" else None)
    db.session.add(run)
    db.session.flush()
    return run


def wait_until(condition, *, timeout: float = 20.0, interval: float = 0.05, what: str = "the condition"):
    """Call `condition` until it answers something true (returned) or `timeout` seconds pass (AssertionError)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout} s for {what}")
        time.sleep(interval)


# A generic list's columns, mapped to the import's fields.
EMPLOYER_LIST_MAPPING = {"employer_name": "Bedrijfsnaam", "contact_name": "Contactpersoon", "email": "E-mail"}


def employer_list(rows: int) -> bytes:
    """A generic list (Dutch Excel CSV) of `rows` different employers, without ids: an import that applied a row
    twice would make a second touchpoint for it."""
    lines = ["Bedrijfsnaam;Contactpersoon;E-mail"]
    lines += [f"Werkgever {n:05d};Contact {n:05d};info@werkgever-{n:05d}.example" for n in range(1, rows + 1)]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def deliver(app, smtp_server):
    """Send every outbox message that is due to the test's SMTP server; returns what it received, by recipient."""
    with app.app_context():
        outbox.send_due(app.config)
    by_recipient: dict[str, list] = {}
    for received in smtp_server.received:
        for address in received.recipients:
            by_recipient.setdefault(address, []).append(received)
    return by_recipient


# --- a real SMTP server (aiosmtpd) for the mail tests and the production checks ---------------------------------

@dataclass(frozen=True)
class Received:
    """One message as the SMTP server got it."""

    mail_from: str
    recipients: tuple[str, ...]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def part(self, content_type: str) -> str | None:
        found = next((p for p in self.message.walk() if p.get_content_type() == content_type
                      and not p.is_attachment()), None)
        return found.get_content() if found is not None else None


class Recorder:
    """The aiosmtpd handler: keeps every message; refuses recipients whose address starts with `weiger`."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self._lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("weiger"):
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        parsed = email.message_from_bytes(envelope.original_content or envelope.content, policy=default_policy)
        with self._lock:
            self.received.append(Received(envelope.mail_from, tuple(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


class SmtpServer:
    """The test's mail server: `received` lists what arrived; `stop()` and `start()` make and end an outage."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.handler = Recorder()
        self._controller: Controller | None = None

    @property
    def received(self) -> list[Received]:
        return list(self.handler.received)

    def to(self, address: str) -> list[Received]:
        return [r for r in self.handler.received if address in r.recipients]

    def start(self) -> None:
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


def free_port() -> int:
    """A TCP port on the loopback that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
