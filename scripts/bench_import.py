"""Benchmark: import a generated Meta lead-ads file through the same runner as `flask import-leads`.

    python scripts/bench_import.py [--rows 100000] [--profile]
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test python scripts/bench_import.py

Generates a Meta-style file (tab-separated UTF-16, `l:` ids, `p:+31…` phones, Dutch questions) with
realistic duplicates: about 10% of the rows come from an employer seen earlier in the file (same
KvK or e-mail domain, another person) and 1% are the same lead twice (overlapping downloads).
Imports it into a fresh SQLite database, and into a throwaway PostgreSQL database when DATABASE_URL
points at one; each in its own process, so peak memory (ru_maxrss) is that of one import. Prints
rows/s for the first import (de-duplication, intake, routing) and for importing the file again
(every row already there), the CPU time of the importing process (on a shared machine the wall
time also holds time spent waiting for a core), the peak memory of the process, and the machine's
load average (1 minute) before and after each database's run.
"""
from __future__ import annotations

import argparse
import cProfile
import json
import os
import platform
import pstats
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

COLUMNS = ["id", "created_time", "ad_id", "ad_name", "adset_id", "adset_name", "campaign_id", "campaign_name",
           "form_id", "form_name", "is_organic", "platform", "bedrijfsnaam", "kvk_nummer", "gemeente",
           "aantal_medewerkers", "full_name", "email", "phone_number", "waar_kunnen_we_mee_helpen"]
MUNICIPALITIES = ["Rotterdam", "Schiedam", "Vlaardingen", "Maassluis", "Capelle aan den IJssel", "Barendrecht",
                  "Ridderkerk", "Nissewaard", "Albrandswaard", "Krimpen aan den IJssel", "Hoeksche Waard",
                  "Goeree-Overflakkee", "Voorne aan Zee"]
KINDS = ["Installatiebedrijf", "Bouwbedrijf", "Zorggroep", "Bakkerij", "Transport", "Schoonmaakbedrijf", "Hovenier",
         "Logistiek", "Metaalbewerking", "Thuiszorg", "Horeca", "Drukkerij"]
NAMES = ["de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder", "de Groot", "Bos", "Vos",
         "Peters", "Hendriks", "van Leeuwen", "Dekker", "Brouwer", "de Wit", "Dijkstra", "Smits", "El Amrani"]
FIRST = ["Sandra", "Mohamed", "Petra", "Joost", "Aylin", "Erik", "Anja", "Fatima", "Kees", "Linda", "Noor", "Sem"]
ANSWERS = ["loonkostensubsidie", "jobcoaching", "weet ik nog niet", "loonkostensubsidie, jobcoaching",
           "vacature melden", "Wij zoeken een jobcoach voor een nieuwe collega", ""]


def generate(path: Path, rows: int, seed: int = 2026) -> dict[str, int]:
    """Write the file; returns how many rows repeat an employer and how many repeat a lead."""
    rng = random.Random(seed)
    start = datetime(2026, 5, 11, 8, tzinfo=UTC)
    span = (min(datetime.now(UTC), datetime(2026, 11, 1, tzinfo=UTC)) - start).total_seconds() - 3600
    employers: list[dict] = []
    written: list[list[str]] = []
    repeat_employer = repeat_lead = 0
    for i in range(rows):
        if written and rng.random() < 0.01:
            written.append(list(rng.choice(written[-500:])))  # the same lead in two overlapping downloads
            repeat_lead += 1
            continue
        if employers and rng.random() < 0.10:
            employer = rng.choice(employers)
            repeat_employer += 1
        else:
            n = len(employers)
            employer = {
                "name": f"{rng.choice(KINDS)} {rng.choice(NAMES)} {n}",
                "kvk": f"{30_000_000 + n}" if rng.random() < 0.7 else "",
                "domain": f"werkgever{n}.example" if rng.random() < 0.85 else "",
                "municipality": rng.choice(MUNICIPALITIES), "size": str(rng.choice([4, 12, 35, 80, 160, 400])),
            }
            employers.append(employer)
        first, last = rng.choice(FIRST), rng.choice(NAMES)
        local = f"{first.lower()}.{last.lower().replace(' ', '')}{i}"
        email = f"{local}@{employer['domain']}" if employer["domain"] else f"{local}@gmail.com"
        created = start + timedelta(seconds=span * i / rows)
        platform_ = rng.choice(["fb", "fb", "ig"])
        written.append([
            f"l:{1_300_000_000_000_000 + i}", created.astimezone().isoformat(timespec="seconds"),
            f"ag:{2_300_000_000_000_000 + i % 7}", f"AKNP advertentie {i % 7}", "as:2300000000000021",
            "Rijnmond werkgevers 25-65", "c:2300000000000031", "Anders kijken naar personeel", "f:900000000000041",
            "Aanmelden adviesgesprek", "0", platform_, employer["name"], employer["kvk"], employer["municipality"],
            employer["size"], f"{first} {last}", email, f"p:+316{rng.randrange(10_000_000, 99_999_999)}",
            rng.choice(ANSWERS),
        ])
    text = "\r\n".join("\t".join(r) for r in [COLUMNS, *written]) + "\r\n"
    path.write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    return {"rows": rows, "repeat_employer_rows": repeat_employer, "repeat_lead_rows": repeat_lead,
            "employers": len(employers), "bytes": path.stat().st_size}


# --- one import per process -------------------------------------------------------------------------

def worker(engine: str, file: Path, profile: bool) -> dict:
    from flask_migrate import upgrade
    from sqlalchemy import create_engine, func, select, text
    from sqlalchemy.engine import make_url

    from campaign_crm import create_app
    from campaign_crm.config import TestingConfig
    from campaign_crm.extensions import db
    from campaign_crm.models import Employer, Lead, RoutingRule, Team, Touchpoint, User
    from campaign_crm.services import imports
    from campaign_crm.services.campaigns.campaigns import PhaseInput, create_campaign

    drop = None
    if engine == "sqlite":
        url = f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    else:
        server = make_url(os.environ["DATABASE_URL"]).set(drivername="postgresql+psycopg")
        name = f"crm_bench_import_{uuid.uuid4().hex[:8]}"
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = server.set(database=name).render_as_string(hide_password=False)

        def drop():
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    try:
        app = create_app(TestingConfig(url))
        with app.app_context():
            upgrade()
            create_campaign(code="aknp", name="Anders kijken naar personeel", starts_on=date(2026, 5, 11), phases=[
                PhaseInput("launch", "Lancering", date(2026, 5, 11), date(2026, 5, 31)),
                PhaseInput("livestream", "Livestream", date(2026, 6, 1), date(2026, 8, 31)),
                PhaseInput("techniek", "Sectorfase techniek", date(2026, 9, 1), date(2026, 10, 31)),
                PhaseInput("zorg", "Sectorfase zorg", date(2026, 11, 1), date(2027, 1, 31)),
            ])
            # A regional pool of 100 advisors and a catch-all rule, so every new lead is really routed.
            team = Team(name="Regionale pool", is_pool=True)
            db.session.add(team)
            db.session.add_all(User(email=f"a{i}@bench.example", name=f"Adviseur {i}", password_hash="x",
                                    role="advisor", team=team, capacity=100_000) for i in range(100))
            db.session.add(RoutingRule(name="Vangnet", priority=1000, team=team))
            db.session.commit()
            results = {"engine": db.engine.dialect.name}
            for label in ("first", "again"):
                profiler = cProfile.Profile() if profile and label == "first" else None
                cpu_started = time.process_time()
                started = time.perf_counter()
                if profiler:
                    profiler.enable()
                report = _import(db, imports, file)
                if profiler:
                    profiler.disable()
                seconds = time.perf_counter() - started
                cpu_seconds = time.process_time() - cpu_started
                results[label] = {
                    "seconds": round(seconds, 1), "rows_per_s": round(report.rows / seconds),
                    "cpu_seconds": round(cpu_seconds, 1), "rows_per_cpu_s": round(report.rows / cpu_seconds),
                    "created_leads": report.created_leads, "attached": report.attached,
                    "unchanged": report.unchanged, "rejected_rows": report.rejected_rows,
                    "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                }
                if profiler:
                    stats = pstats.Stats(profiler, stream=sys.stderr)
                    stats.sort_stats(os.environ.get("BENCH_SORT", "cumulative")).print_stats(40)
            results["stored"] = {m.__tablename__: db.session.scalar(select(func.count()).select_from(m))
                                 for m in (Employer, Lead, Touchpoint)}
            results["stored"]["leads with an owner"] = db.session.scalar(
                select(func.count()).select_from(Lead).where(Lead.owner_id.is_not(None)))
            db.session.remove()
            db.engine.dispose()
        return results
    finally:
        if drop:
            drop()


def _import(db, imports, file: Path):
    """What `flask import-leads FILE --preset meta-lead-ads` does: parse, run, store the batch, commit."""
    data = file.read_bytes()
    options = imports.ImportOptions(preset="meta-lead-ads")
    imports.check_options(options)
    parsed = imports.parse(data, file.name, options)
    batch = imports.create_batch(data, file.name, options, actor=None, keep_content=False)
    run = imports.ImportRun(parsed, options, actor=None, batch_id=batch.id, dry_run=False)
    last = time.perf_counter()
    for done, total in run.steps():
        if time.perf_counter() - last > 30:
            last = time.perf_counter()
            print(f"  … {done:,} of {total:,} rows", file=sys.stderr, flush=True)
    imports.finish(batch.id, run, actor=None)
    db.session.commit()
    return run.report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--profile", action="store_true",
                        help="cProfile the first import (slower) to stderr; BENCH_SORT=tottime sorts by own time")
    parser.add_argument("--engine", choices=["sqlite", "postgresql"], action="append",
                        help="only this database (repeatable); default SQLite, plus PostgreSQL when DATABASE_URL "
                             "is set")
    parser.add_argument("--worker", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.file, args.profile)))
        return

    folder = Path(tempfile.mkdtemp())
    file = folder / "meta_bench.tsv"
    started = time.perf_counter()
    made = generate(file, args.rows)
    print(f"generated {made['rows']:,} rows ({made['bytes'] / 1e6:.1f} MB, {made['employers']:,} employers, "
          f"{made['repeat_employer_rows']:,} rows of a repeat employer, {made['repeat_lead_rows']:,} repeated leads) "
          f"in {time.perf_counter() - started:.1f} s")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    engines = args.engine or (
        ["sqlite"] + (["postgresql"] if os.environ.get("DATABASE_URL", "").startswith("postgres") else []))
    for engine in engines:
        command = [sys.executable, __file__, "--worker", engine, "--file", str(file),
                   *(["--profile"] if args.profile else [])]
        load_before = os.getloadavg()[0]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        load = f"load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after"
        if done.returncode != 0:
            print("\n".join(line[:300] for line in done.stderr.splitlines()[-30:]), file=sys.stderr)
            print(f"{engine}: the import failed (see above)")
            continue
        if args.profile:
            print(done.stderr[-12000:], file=sys.stderr)
        result = json.loads(done.stdout.strip().splitlines()[-1])
        for label, title in (("first", "first import"), ("again", "same file again")):
            r = result[label]
            print(f"{result['engine']:<10} {title:<16} {r['rows_per_s']:>7,} rows/s  {r['seconds']:>7.1f} s  "
                  f"(this process: {r['cpu_seconds']:.1f} CPU s, {r['rows_per_cpu_s']:,} rows per CPU s)  "
                  f"peak RSS {r['peak_rss_mb']:>4} MB  created {r['created_leads']:,}, attached {r['attached']:,}, "
                  f"unchanged {r['unchanged']:,}, rejected {r['rejected_rows']:,}")
        print(f"{result['engine']:<10} stored: {result['stored']}; {load}")
    file.unlink()


if __name__ == "__main__":
    main()
