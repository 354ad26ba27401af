"""Benchmark: server time of the advisor's pages (queue, team queue, lead page) against /health.

    python scripts/bench_pages.py [--runs 200] [--warmup 20] [--demo-leads 500] [--profile PAGE]

Builds a fresh database (SQLite in a temporary folder, or a throwaway database on the PostgreSQL
server that DATABASE_URL points at, dropped afterwards), runs the migrations, fills it with the demo
region (`flask seed-demo`, through the services) and adds a team "Meetteam" made through the services
as well: a team lead, an advisor with a queue of 10 open leads and one with 50, five leads waiting in
the team, and every lead with a history (touchpoints, the routing decision, stage events, activities
with next actions, vacancies). One lead of the full queue has 5 entries on its timeline, one has 50.

Then it requests each page through the Flask test client as a logged-in user (the application's own
configuration: CSRF on, a real password hash), round-robin after a warm-up, and prints per page the
median and p95 server time, the ratio of the median to /health's median, the median CPU time of the
request's thread and its ratio (on a machine shared with other work the CPU time is the steadier figure; on
SQLite it is all of the server's work, on PostgreSQL the database server's part is not in it), and the SQL
statements each request sent (counted with a SQLAlchemy event listener; the lowest and highest of all runs). The
pages that differ only in the number of rows (a queue of 10 and of 50 leads, a timeline of 5 and of 50
entries) must send the same number of statements.

`--profile PAGE` (one of the page names printed) runs cProfile over `--runs` requests of that page
instead and prints the 40 most expensive functions (BENCH_SORT=tottime sorts by own time).
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask_migrate import upgrade
from sqlalchemy import create_engine, event, select, text
from sqlalchemy.engine import make_url

from campaign_crm import create_app
from campaign_crm.config import Config, database_url
from campaign_crm.extensions import db, limiter
from campaign_crm.models import Lead, Partner, User
from campaign_crm.permissions import ADVISOR, TEAMLEAD
from campaign_crm.services import demo
from campaign_crm.services.accounts import organisation, users
from campaign_crm.services.calendar import today
from campaign_crm.services.capture.intake import ContactInput, EmployerInput, TouchpointInput, record_touchpoint
from campaign_crm.services.leads import activities, vacancies
from campaign_crm.services.leads import lifecycle as lead_service
from campaign_crm.services.leads import queries as lead_queries
from campaign_crm.services.leads.activities import ActivityInput
from campaign_crm.services.routing import sla

PASSWORD = "Meet-wachtwoord-2026"
NOW = datetime.now(UTC)
SECTORS = ["techniek", "zorg", "logistiek", "horeca", "schoonmaak", "handel"]
MUNICIPALITIES = ["Schiedam", "Vlaardingen", "Maassluis", "Rotterdam"]
CHANNELS = ["dagblad", "linkedin", "facebook", "website"]
KINDS = ["call", "email", "visit", "note"]


class BenchConfig(Config):
    """The application's own settings (CSRF on, the real password hash) on the benchmark's database."""

    def __init__(self, uri: str) -> None:
        super().__init__()
        self.SQLALCHEMY_DATABASE_URI = database_url(uri)


def database() -> tuple[str, callable]:
    server = os.environ.get("DATABASE_URL", "")
    if not server.startswith("postgres"):
        folder = tempfile.mkdtemp()
        return f"sqlite:///{folder}/bench_pages.db", lambda: None
    url = make_url(server).set(drivername="postgresql+psycopg")
    name = f"crm_bench_pages_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.set(database=name).render_as_string(hide_password=False), drop


# --- the data set -------------------------------------------------------------------------------------

@dataclass
class Dataset:
    teamlead: str
    advisor_10: str
    advisor_50: str
    lead_5: int
    lead_50: int


class Builder:
    """Leads for the bench team through the intake, the lifecycle, activities and vacancies."""

    def __init__(self) -> None:
        self.n = 0

    def touchpoint(self, n: int, at: datetime, *, again: int = 0) -> TouchpointInput:
        surname = ["Jansen", "de Vries", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder"][n % 8]
        return TouchpointInput(
            kind="form",
            employer=EmployerInput(name=f"Meetbedrijf {surname} {n}", kvk=f"{70_000_000 + n}",
                                   municipality=MUNICIPALITIES[n % len(MUNICIPALITIES)],
                                   sector=SECTORS[n % len(SECTORS)], size=str(5 + n % 80), postcode="3111 AB"),
            contact=ContactInput(name=f"Contact {surname}", function="Eigenaar", email=f"info@meet{n}.example",
                                 phone="0612345678"),
            campaign="aknp", channel=CHANNELS[(n + again) % len(CHANNELS)], phase="zorg",
            utm={"source": "nieuwsbrief", "medium": "email", "campaign": "aknp-zorg"} if again else {},
            interests=["lks", "jobcoaching"][: 1 + n % 2], message="Graag contact over de mogelijkheden.",
            occurred_at=at,
        )

    def lead(self, owner: User | None, team, *, created: datetime, history: int) -> Lead:
        """A lead of `team` (owned by `owner`, or waiting) whose timeline has `history` entries (at least 3
        with an owner: the touchpoint, the routing decision and new → assigned; 2 while waiting)."""
        self.n += 1
        n = self.n
        lead = record_touchpoint(self.touchpoint(n, created), route=False).lead
        if owner is None:
            lead_service.assign_lead(lead, None, team=team, reason="Wacht: iedereen in het team zit vol.",
                                     actor=None, at=created)
            return lead
        lead_service.assign_lead(lead, owner, team=team, reason=f"Regel 'Meetteam' → {owner.name}: laagste belasting",
                                 actor=None, at=created)
        entries, at = 3, created
        step = timedelta(minutes=50)
        if entries < history:
            at += step
            lead_service.change_stage(lead, "contacted", actor=owner, at=at, note="Eerste contact gelegd")
            entries += 1
        if history - entries >= 3:
            at += step
            activities.log_activity(lead, ActivityInput(kind="adviesgesprek", outcome="Adviesgesprek gevoerd.\n"
                                                        "Interesse in LKS.", occurred_at=at), actor=owner)
            entries += 2  # the activity and the stage event it made
        if history - entries >= 4:
            at += step
            vacancies.register_vacancy(lead, vacancies.VacancyInput(title="Productiemedewerker", sector_id=None,
                                                                    hours_per_week=32, banenafspraak=True),
                                       actor=owner, at=at)
            entries += 2
        k = 0
        while entries < history:
            at += step
            k += 1
            if k % 4 == 0:
                record_touchpoint(self.touchpoint(n, at, again=k), route=False)  # attaches to the open lead
            else:
                last = entries + 1 == history
                activities.log_activity(lead, ActivityInput(
                    kind=KINDS[k % len(KINDS)], outcome=f"Gesprek {k}: afspraken gemaakt over de vervolgstap.",
                    occurred_at=at, next_action="Offerte jobcoaching sturen" if last else "",
                    next_action_due=today() + timedelta(days=k % 9) if last else None), actor=owner)
            entries += 1
        return lead


def build_dataset(demo_leads: int) -> Dataset:
    demo.seed_demo(lead_count=demo_leads)
    db.session.commit()
    partner = db.session.scalar(select(Partner).where(Partner.name == "Werkcentrum Rijnmond"))
    team = organisation.save_team(None, name="Meetteam", actor=None)
    lead_user = users.create_user(email="meet-teamleider@bench.example", name="Tineke Meetleider", role=TEAMLEAD,
                                  partner=partner, team=team, capacity=10, password=PASSWORD, actor=None)
    a10 = users.create_user(email="meet-10@bench.example", name="Anouk Tien", role=ADVISOR, partner=partner,
                            team=team, capacity=60, password=PASSWORD, actor=None)
    a50 = users.create_user(email="meet-50@bench.example", name="Bram Vijftig", role=ADVISOR, partner=partner,
                            team=team, capacity=60, password=PASSWORD, actor=None)
    db.session.flush()
    builder = Builder()
    start = NOW - timedelta(days=40)
    lead_5 = lead_50 = None
    for i in range(50):
        created = start + timedelta(hours=18 * i)
        history = {0: 50, 1: 5}.get(i, 3 + i % 6)
        lead = builder.lead(a50, team, created=created, history=history)
        lead_50 = lead.id if i == 0 else lead_50
        lead_5 = lead.id if i == 1 else lead_5
        if i % 10 == 0:
            db.session.commit()
    for i in range(10):
        builder.lead(a10, team, created=start + timedelta(hours=30 * i), history=3 + i % 6)
    for i in range(5):
        builder.lead(None, team, created=NOW - timedelta(hours=3 + i), history=2)
    sla.sweep()
    db.session.commit()
    for lead_id, expected in ((lead_5, 5), (lead_50, 50)):
        found = len(lead_queries.lead_timeline(lead_id))
        assert found == expected, f"lead {lead_id}: {found} timeline entries, expected {expected}"
    return Dataset(lead_user.email, a10.email, a50.email, lead_5, lead_50)


# --- measuring ----------------------------------------------------------------------------------------

@dataclass
class Page:
    name: str
    url: str
    login: str | None
    client: object = None
    times: list | None = None
    cpu: list | None = None
    statements: list | None = None


def pages_for(data: Dataset) -> list[Page]:
    return [
        Page("/health", "/health", None),
        Page("queue, 10 leads", "/leads/mijn", data.advisor_10),
        Page("queue, 50 leads", "/leads/mijn", data.advisor_50),
        Page("team queue (team lead)", "/leads/team", data.teamlead),
        Page("lead page, 5 entries", f"/leads/{data.lead_5}", data.advisor_50),
        Page("lead page, 50 entries", f"/leads/{data.lead_50}", data.advisor_50),
    ]


def log_in(app, page: Page) -> None:
    page.client = app.test_client()
    if page.login is None:
        return
    form = page.client.get("/login").get_data(as_text=True)
    token = form.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = page.client.post("/login", data={"email": page.login, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, f"login of {page.login} failed"


def measure(app, pages: list[Page], *, runs: int, warmup: int) -> None:
    seen = [0]

    def count(*_args, **_kwargs):
        seen[0] += 1

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        for page in pages:
            page.times, page.cpu, page.statements = [], [], []
        for _ in range(warmup):
            for page in pages:
                assert page.client.get(page.url).status_code == 200, page.url
        for _ in range(runs):
            for page in pages:
                seen[0] = 0
                started, cpu_started = time.perf_counter(), time.thread_time()
                response = page.client.get(page.url)
                page.times.append((time.perf_counter() - started) * 1000)
                page.cpu.append((time.thread_time() - cpu_started) * 1000)
                page.statements.append(seen[0])
                assert response.status_code == 200, (page.url, response.status_code)
    finally:
        event.remove(engine, "before_cursor_execute", count)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(round(len(ordered) * 0.95)) - 1)]


def report(pages: list[Page], dialect: str, runs: int) -> None:
    health, health_cpu = statistics.median(pages[0].times), statistics.median(pages[0].cpu)
    print(f"\n{dialect}, {runs} requests per page (round-robin), load average {os.getloadavg()[0]:.2f}")
    print(f"{'page':<26} {'median ms':>10} {'p95 ms':>8} {'× /health':>10} {'CPU ms':>7} {'× /health':>10} "
          f"{'statements':>11}")
    for page in pages:
        low, high = min(page.statements), max(page.statements)
        spread = f"{low}" if low == high else f"{low}–{high}"
        median, cpu = statistics.median(page.times), statistics.median(page.cpu)
        print(f"{page.name:<26} {median:>10.2f} {p95(page.times):>8.2f} {median / health:>9.1f}× "
              f"{cpu:>7.2f} {cpu / health_cpu:>9.1f}× {spread:>11}")


def profile(page: Page, runs: int) -> None:
    for _ in range(10):
        page.client.get(page.url)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(runs):
        page.client.get(page.url)
    profiler.disable()
    stats = pstats.Stats(profiler, stream=sys.stdout)
    stats.strip_dirs().sort_stats(os.environ.get("BENCH_SORT", "cumulative")).print_stats(40)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests per page first")
    parser.add_argument("--demo-leads", type=int, default=500, help="leads of the demo region around the team")
    parser.add_argument("--profile", metavar="PAGE", help="cProfile this page (a name as printed) instead")
    args = parser.parse_args()
    url, drop = database()
    try:
        app = create_app(BenchConfig(url))
        limiter.enabled = False
        with app.app_context():
            upgrade()
            started = time.perf_counter()
            data = build_dataset(args.demo_leads)
            dialect = db.engine.dialect.name
            if dialect == "postgresql":
                db.session.execute(text("ANALYZE"))
                db.session.commit()
            print(f"data set ({dialect}) built in {time.perf_counter() - started:.0f} s: demo region with "
                  f"{args.demo_leads} leads, Meetteam with queues of 10 and 50 leads")
        pages = pages_for(data)
        for page in pages:
            log_in(app, page)
        if args.profile:
            chosen = [p for p in pages if p.name == args.profile]
            if not chosen:
                parser.error("--profile: one of " + ", ".join(repr(p.name) for p in pages))
            profile(chosen[0], args.runs)
        else:
            measure(app, pages, runs=args.runs, warmup=args.warmup)
            report(pages, dialect, args.runs)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    finally:
        drop()


if __name__ == "__main__":
    main()
