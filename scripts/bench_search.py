"""Benchmark: the header search at a million leads, per kind of key.

    python scripts/bench_search.py [--leads 1000000] [--queries 200] [--engine both] [--runs 3] [--explain]
        [--keep] [--use DATABASE_URL]

--keep leaves the loaded database in place and prints its URL; --use runs the searches on it again (one
engine), so repeated runs skip the load (about 3 minutes per engine at 1M leads).

Builds a region in a fresh SQLite file under /tmp and in a throwaway PostgreSQL database (created on --pg-url,
dropped afterwards), with the schema of the project's migrations: 100 advisors in 10 teams, one employer per
four leads with a made-up but realistic name (trade, surname, brand word, legal form), a KvK number and an
e-mail domain, about 1.4 contacts per employer with a name, an e-mail address and a mobile number, and the
leads spread over them. Rows go in with Core bulk inserts (SQLite; the full-text triggers run for every row)
or COPY (PostgreSQL; the trigram indexes are built after the load, as after a large import). Then it runs
--queries searches spread evenly over the seven keys, written the ways people type them, through
`services.search.finder.search` as an advisor (the narrowest visibility rule) and prints the median and
p95 per key, in wall time and in this thread's CPU time (on SQLite all of the work, on PostgreSQL the client's
part; it hardly moves when other processes load the machine). Each search is timed with its audit entries
flushed, then rolled back. Goal: p95 <= 100 ms (wall time).
"""
from __future__ import annotations

import argparse
import os
import platform
import random
import signal
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_reports import Loader, postgresql_database, sqlite_database
from flask_migrate import upgrade
from sqlalchemy import select, text

from campaign_crm import create_app
from campaign_crm.config import TestingConfig
from campaign_crm.extensions import db
from campaign_crm.models import Municipality, User
from campaign_crm.services import normalise
from campaign_crm.services.search import finder

GOAL_P95_MS = 100.0
ADVISORS, TEAMS = 100, 10
TRADES = ("Bakkerij", "Bouwbedrijf", "Transportbedrijf", "Zorggroep", "Installatiebedrijf", "Schoonmaakbedrijf",
          "Hoveniersbedrijf", "Autobedrijf", "Restaurant", "Kapsalon", "Logistiek", "Techniek", "Metaalbewerking",
          "Drukkerij", "Timmerfabriek", "Kinderopvang", "Thuiszorg", "Adviesbureau", "Groothandel", "Supermarkt",
          "Hotel", "Garage", "Schildersbedrijf", "Loodgietersbedrijf", "Elektrotechniek", "Verhuizingen",
          "Tuincentrum", "Apotheek", "Fysiotherapie", "Accountants")
SURNAMES = ("Jansen", "de Vries", "van den Berg", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder",
            "de Groot", "Bos", "Vos", "Peters", "Hendriks", "van Leeuwen", "Dekker", "Brouwer", "de Wit", "Dijkstra",
            "Smits", "de Graaf", "van der Meer", "van der Linden", "Kok", "Jacobs", "de Haan", "Vermeulen",
            "van den Heuvel", "van der Veen", "van den Broek", "de Bruijn", "de Jong", "Schouten", "Willems",
            "Hoekstra", "Koster", "Verbeek", "Prins", "Yilmaz", "El Amrani", "Öztürk", "Çelik", "Nguyen",
            "Hoogendoorn", "Zwart", "Koç", "Bouzid", "Postma", "Kuipers", "Maas")
FIRST_NAMES = ("Jan", "Marieke", "Pieter", "Sanne", "Mohammed", "Fatima", "Daan", "Emma", "Kees", "Lotte", "Ahmet",
               "Noor", "Thomas", "Sophie", "Ruud", "Anouk", "Bram", "Iris", "Youssef", "Eva", "Hélène", "Zoë",
               "Sem", "Julia", "Luuk", "Fleur", "Mustafa", "Sara", "Tim", "Lisa")
SYLLABLES = ("ko", "ra", "vel", "dam", "ter", "mo", "lin", "sa", "bro", "ek", "vis", "ta", "ren", "hol", "der",
             "ma", "zo", "pi", "lux", "nor", "wa", "gro", "fle", "tan")
LEGAL = ("B.V.", "B.V.", "B.V.", "", "V.O.F.", "Holding B.V.")
KEYS = ("name", "kvk", "email", "email_domain", "phone", "contact_name", "lead_id")


def slug(text_: str) -> str:
    return normalise.name_key(text_) or "x"


def brand(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()


def build_region(n_leads: int, *, seed: int = 2026, chunk: int = 50_000) -> None:
    """Fill the database."""
    rng = random.Random(seed)
    load = Loader()
    now = datetime.now(UTC).replace(microsecond=0)
    start = now - timedelta(days=540)
    municipality_ids = list(db.session.scalars(select(Municipality.id)))
    load("teams", [{"id": i + 1, "name": f"Team {i + 1}", "description": "", "is_pool": False, "active": True}
                   for i in range(TEAMS)])
    load("users", [{"id": i + 1, "email": f"adviseur{i + 1}@bench.example", "name": f"Adviseur {i + 1}",
                    "password_hash": "x", "role": "advisor", "partner_id": None, "team_id": i % TEAMS + 1,
                    "capacity": 100_000, "active": True, "created_at": start} for i in range(ADVISORS)])
    n_employers = max(1, n_leads // 4)
    contacts_of: list[list[int]] = []
    contact_id = 0
    for offset in range(0, n_employers, chunk):
        employers, contacts = [], []
        for k in range(offset, min(n_employers, offset + chunk)):
            employer_id = k + 1
            word = brand(rng)
            name = " ".join(part for part in (rng.choice(TRADES), rng.choice((word, rng.choice(SURNAMES))),
                                              rng.choice(LEGAL)) if part)
            domain = f"{slug(word)}-{employer_id}.nl"
            kvk = f"{10_000_000 + employer_id * 37 % 89_000_000:08d}"
            employers.append({"id": employer_id, "name": name, "name_key": normalise.name_key(name), "kvk": kvk,
                              "email_domain": domain, "municipality_id": rng.choice(municipality_ids),
                              "created_at": start, "updated_at": start})
            ids = []
            for _ in range(1 if rng.random() < 0.6 else rng.randint(2, 3)):
                contact_id += 1
                first, last = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
                contacts.append({"id": contact_id, "employer_id": employer_id, "name": f"{first} {last}",
                                 "function": rng.choice(("Directeur", "HR-adviseur", "Eigenaar", "")),
                                 "email": f"{slug(first)}.{slug(last)}@{domain}",
                                 "phone": f"+316{20_000_000 + contact_id:08d}", "created_at": start})
                ids.append(contact_id)
            contacts_of.append(ids)
        load("employers", employers)
        load("contacts", contacts)
        db.session.commit()
    stages = ("new", "assigned", "contacted", "meeting", "vacancy", "placed", "lost")
    for offset in range(0, n_leads, chunk):
        leads = []
        for i in range(offset, min(n_leads, offset + chunk)):
            employer = rng.randrange(n_employers)
            stage = rng.choices(stages, weights=(3, 10, 15, 10, 5, 5, 52))[0]
            owner = None if stage == "new" else rng.randrange(ADVISORS) + 1
            created = start + timedelta(seconds=i * 540 * 86400 // n_leads)
            leads.append({"id": i + 1, "employer_id": employer + 1, "contact_id": rng.choice(contacts_of[employer]),
                          "stage": stage, "owner_id": owner, "team_id": (owner - 1) % TEAMS + 1 if owner else None,
                          "priority": 0, "priority_parts": [], "created_at": created, "updated_at": created})
        load("leads", leads)
        db.session.commit()


def stored_samples(viewer: User, n: int = 300) -> dict[str, list]:
    """Values that are in the database, to search for: employers and contacts at random, the brand word of an
    employer's name (few hits), and leads the searching advisor may see."""
    rows = db.session.execute(text(
        "SELECT e.name, e.kvk, e.email_domain, c.email, c.phone, c.name FROM employers e"
        " JOIN contacts c ON c.employer_id = e.id WHERE e.id % 997 = 1 ORDER BY e.id LIMIT :n"), {"n": n}).all()
    brands = [word for row in rows for word in row[0].split()[1:2] if word[0].isupper() and " " not in word]
    lead_ids = db.session.scalars(text("SELECT id FROM leads WHERE team_id = :team AND id % 101 = 3 LIMIT :n"),
                                  {"team": viewer.team_id, "n": n}).all()
    return {"name": [b for b in brands if b.lower() not in {s.lower() for s in SURNAMES}] or brands,
            "kvk": [r[1] for r in rows], "email_domain": [r[2] for r in rows], "email": [r[3] for r in rows],
            "phone": [r[4] for r in rows], "contact_name": [r[5] for r in rows], "lead_id": list(lead_ids)}


def queries(samples: dict, total: int, rng: random.Random) -> list[tuple[str, str]]:
    """`total` queries spread evenly over the keys, written as people type them."""
    per_key = total // len(KEYS)
    common_words = ("bakkerij", "jansen", "bouw", "de vries", "techniek", "zorg")
    common_names = ("Jan", "de Vries", "Marieke", "van den Berg", "Öztürk")
    made = []
    for i in range(per_key):
        made.append(("name", rng.choice(samples["name"]).lower() if i % 3 else rng.choice(common_words)))
        made.append(("kvk", rng.choice((lambda k: k, lambda k: f"{k[:4]} {k[4:]}"))(rng.choice(samples["kvk"]))))
        made.append(("email", rng.choice(samples["email"]).capitalize()))
        made.append(("email_domain", rng.choice(("{}", "@{}", "www.{}"))
                     .format(rng.choice(samples["email_domain"]))))
        e164 = rng.choice(samples["phone"])
        national = "0" + e164[3:]
        made.append(("phone", rng.choice((national, f"{national[:2]}-{national[2:]}",
                                          f"+31 6 {e164[4:8]} {e164[8:]}"))))
        made.append(("contact_name", rng.choice(samples["contact_name"]) if i % 3 else rng.choice(common_names)))
        made.append(("lead_id", rng.choice(("{}", "#{}", "Lead {}")).format(rng.choice(samples["lead_id"]))))
    return made


def maintain() -> None:
    db.session.commit()
    if db.engine.dialect.name != "postgresql":
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        return
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM (ANALYZE)")


def without_trigram_indexes():
    """Drop the pg_trgm indexes for the load; returns how to build them again (as migration 0016 does)."""
    made = {name: db.session.scalar(text("SELECT indexdef FROM pg_indexes WHERE indexname = :n"), {"n": name})
            for name in ("ix_employers_name_key_trgm", "ix_contacts_name_trgm")}
    for name in made:
        db.session.execute(text(f"DROP INDEX {name}"))
    db.session.commit()

    def rebuild():
        for definition in made.values():
            db.session.execute(text(definition))
        db.session.commit()

    return rebuild


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def run_engine(engine: str, args: argparse.Namespace) -> dict[str, list[float]]:
    if args.use:
        url, drop = args.use, (lambda: None)
    else:
        url, drop = sqlite_database() if engine == "sqlite" else postgresql_database(args.pg_url)
    try:
        app = create_app(TestingConfig(url))
        with app.app_context():
            if not args.use:
                upgrade()
                started = time.perf_counter()
                rebuild = without_trigram_indexes() if engine == "postgresql" else None
                build_region(args.leads)
                if rebuild:
                    rebuild()
                maintain()
                print(f"{engine}: loaded and indexed in {time.perf_counter() - started:.0f} s"
                      f" · load average {os.getloadavg()[0]:.2f}", flush=True)
            counts = db.session.execute(text("SELECT (SELECT count(*) FROM leads), (SELECT count(*) FROM employers),"
                                             " (SELECT count(*) FROM contacts)")).one()
            print(f"{engine}: {counts[0]:,} leads, {counts[1]:,} employers, {counts[2]:,} contacts"
                  + (f" · kept at {url}" if args.keep or args.use else ""), flush=True)
            viewer = db.session.get(User, 1)  # an advisor: own leads or the team's
            samples = stored_samples(viewer)
            db.session.expunge(viewer)  # loaded once, as in a request; the rollbacks below do not expire it
            timings: dict[str, list[float]] = {key: [] for key in KEYS}
            cpu: dict[str, list[float]] = {key: [] for key in KEYS}
            shown: dict[str, list[int]] = {key: [] for key in KEYS}
            planned = queries(samples, args.queries, random.Random(7))
            explained: set[str] = set()
            for run in range(args.runs + 1):  # the first run warms the caches and is not counted
                for key, query in planned:
                    began, began_cpu = time.perf_counter(), time.thread_time()
                    results = finder.search(query, viewer)
                    db.session.flush()
                    elapsed = (time.perf_counter() - began) * 1000
                    elapsed_cpu = (time.thread_time() - began_cpu) * 1000
                    db.session.rollback()
                    if run:
                        timings[key].append(elapsed)
                        cpu[key].append(elapsed_cpu)
                        shown[key].append(len(results.employers.hits) + len(results.contacts.hits)
                                          + len(results.leads.hits))
                    elif args.explain and key not in explained:
                        explained.add(key)
                        print(f"  first {key} query {query!r}: {len(results.employers.hits)} employers,"
                              f" {len(results.contacts.hits)} contacts, {len(results.leads.hits)} leads", flush=True)
            # CPU time of this thread: all of a search on SQLite (in-process), the client's part on PostgreSQL;
            # unlike the wall time it hardly grows when other processes load the machine.
            print(f"  {'key':<14}{'queries':>8}{'median ms':>11}{'p95 ms':>9}{'max ms':>9}{'CPU median':>12}"
                  f"{'CPU p95':>9}{'hits shown':>12}")
            for key in KEYS:
                values = timings[key]
                print(f"  {key:<14}{len(values):>8}{statistics.median(values):>11.1f}{p95(values):>9.1f}"
                      f"{max(values):>9.1f}{statistics.median(cpu[key]):>12.1f}{p95(cpu[key]):>9.1f}"
                      f"{statistics.mean(shown[key]):>12.1f}")
            everything = [v for values in timings.values() for v in values]
            verdict = "met" if max(p95(v) for v in timings.values()) <= GOAL_P95_MS else "not met"
            print(f"  all: median {statistics.median(everything):.1f} ms, p95 {p95(everything):.1f} ms;"
                  f" goal p95 <= {GOAL_P95_MS:.0f} ms per key: {verdict} · load average {os.getloadavg()[0]:.2f}",
                  flush=True)
            db.session.remove()
            db.engine.dispose()
        return timings
    finally:
        if not args.keep:
            drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=200, help="searches per run, spread over the seven keys")
    parser.add_argument("--runs", type=int, default=3, help="timed runs over all queries, after one warm-up run")
    parser.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--keep", action="store_true", help="keep the database and print its URL (for --use)")
    parser.add_argument("--use", default="", help="search a database an earlier --keep run loaded (one engine)")
    parser.add_argument("--explain", action="store_true", help="print the hits of the first query of each key")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL",
                                                           "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"),
                        help="PostgreSQL server to make the throwaway database on")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # still drop the throwaway database
    print(f"{platform.node()} · {os.cpu_count()} cores · Python {platform.python_version()} · "
          f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · --leads {args.leads} --queries {args.queries} --runs {args.runs}"
          f" · load average {os.getloadavg()[0]:.2f}", flush=True)
    for engine in ("sqlite", "postgresql") if args.engine == "both" else (args.engine,):
        run_engine(engine, args)


if __name__ == "__main__":
    main()
