"""Benchmark: routing speed, and the queue page with a million leads in the database.

    python scripts/bench_routing.py [--route 10000] [--leads 1000000] [--requests 300]

Uses a fresh SQLite database in a temporary folder, or a throwaway database on the PostgreSQL
server that DATABASE_URL points at. Prints leads/s for routing through `route_lead` (the same
service the intake, the API and imports use) and the median and p95 server time of
"Mijn leads" (GET /leads/mijn) for random advisors, measured with the Flask test client.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask_migrate import upgrade
from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.engine import make_url

from campaign_crm import create_app
from campaign_crm.config import TestingConfig
from campaign_crm.extensions import db, limiter
from campaign_crm.models import Employer, Lead, Municipality, RoutingRule, Team, User
from campaign_crm.models.leads import OPEN_STAGES
from campaign_crm.services.routing import engine as routing

ADVISORS, TEAMS = 100, 10
PASSWORD = "bench-wachtwoord-123"
NOW = datetime.now(UTC)


def database() -> tuple[str, callable]:
    server = os.environ.get("DATABASE_URL", "")
    if not server.startswith("postgres"):
        folder = tempfile.mkdtemp()
        return f"sqlite:///{folder}/bench.db", lambda: None
    url = make_url(server).set(drivername="postgresql+psycopg")
    name = f"crm_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    return url.set(database=name).render_as_string(hide_password=False), drop


def make_region() -> list[int]:
    municipalities = db.session.scalars(select(Municipality)).all()
    teams = [Team(name=f"Team {i}") for i in range(TEAMS)]
    db.session.add_all(teams)
    db.session.flush()
    from campaign_crm.services.accounts.auth import hash_password

    password_hash = hash_password(PASSWORD)
    advisors = []
    for i in range(ADVISORS):
        advisors.append(User(email=f"a{i}@bench.example", name=f"Adviseur {i}", password_hash=password_hash,
                             role="advisor", team=teams[i % TEAMS], capacity=100_000))
    db.session.add_all(advisors)
    for i, municipality in enumerate(municipalities):
        db.session.add(RoutingRule(name=municipality.name, priority=10, municipality=municipality,
                                   team=teams[i % TEAMS]))
    db.session.add(RoutingRule(name="Vangnet", priority=1000, team=teams[0]))
    db.session.commit()
    return [a.id for a in advisors]


def bulk_leads(count: int, *, advisor_ids: list[int] | None, open_share: float, chunk: int = 20_000) -> None:
    """Insert employers and leads with Core (the fast path), spread over time and stages."""
    rng = random.Random(1)
    municipality_ids = db.session.scalars(select(Municipality.id)).all()
    employers_per_lead = 10
    next_employer = (db.session.scalar(select(db.func.max(Employer.id))) or 0) + 1
    done = 0
    while done < count:
        n = min(chunk, count - done)
        n_emp = max(1, n // employers_per_lead)
        db.session.execute(insert(Employer), [
            {"id": next_employer + k, "name": f"Werkgever {next_employer + k}",
             "name_key": f"werkgever{next_employer + k}", "municipality_id": rng.choice(municipality_ids),
             "created_at": NOW, "updated_at": NOW}
            for k in range(n_emp)
        ])
        rows = []
        for _ in range(n):
            created = NOW - timedelta(days=rng.uniform(0, 540))
            is_open = rng.random() < open_share
            stage = rng.choice(OPEN_STAGES[1:]) if is_open else rng.choice(("lost", "placed", "lost"))
            rows.append({
                "employer_id": next_employer + rng.randrange(n_emp), "stage": stage if advisor_ids else "new",
                "owner_id": rng.choice(advisor_ids) if advisor_ids else None, "created_at": created,
                "updated_at": created, "sla_due_at": created + timedelta(days=2), "priority": rng.randint(0, 60),
                "priority_parts": [],
            })
        db.session.execute(insert(Lead).execution_options(render_nulls=True), rows)
        db.session.commit()
        next_employer += n_emp
        done += n


def bench_routing(count: int, *, single: int) -> tuple[float, float]:
    """Leads/s through route_many (batches, as imports and route-waiting use it) and through
    route_lead (one lead per transaction, as the form and the API use it)."""
    bulk_leads(count + single, advisor_ids=None, open_share=1.0)
    ids = db.session.scalars(select(Lead.id).where(Lead.owner_id.is_(None)).order_by(Lead.id)).all()
    batch_ids, single_ids = ids[:count], ids[count:]
    started = time.perf_counter()
    for start in range(0, len(batch_ids), 1000):
        routing.route_many(batch_ids[start:start + 1000])
        db.session.commit()
    batch_rate = len(batch_ids) / (time.perf_counter() - started)
    started = time.perf_counter()
    for lead_id in single_ids:
        routing.route_lead(db.session.get(Lead, lead_id))
        db.session.commit()
    single_rate = len(single_ids) / (time.perf_counter() - started) if single_ids else 0.0
    db.session.expunge_all()
    return batch_rate, single_rate


def bench_queue(app, advisor_ids: list[int], requests: int) -> tuple[float, float, str]:
    rng = random.Random(2)
    times = []
    for _ in range(requests):
        advisor_id = rng.choice(advisor_ids)
        client = app.test_client()
        with app.app_context():
            email = db.session.get(User, advisor_id).email
        client.post("/login", data={"email": email, "password": PASSWORD})
        started = time.perf_counter()
        response = client.get("/leads/mijn")
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    with app.app_context():
        plan_sql = ("EXPLAIN QUERY PLAN " if db.engine.dialect.name == "sqlite" else "EXPLAIN ") + (
            "SELECT id FROM leads WHERE owner_id = :o AND " + routing.OPEN_STAGES_SQL + " ORDER BY sla_due_at LIMIT 50")
        plan = " | ".join(str(r[-1]) for r in db.session.execute(text(plan_sql), {"o": advisor_ids[0]}))
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1], plan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--route", type=int, default=10_000, help="leads to route")
    parser.add_argument("--leads", type=int, default=1_000_000, help="leads in the database for the queue test")
    parser.add_argument("--single", type=int, default=1000, help="leads routed one per transaction")
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    url, drop = database()
    try:
        app = create_app(TestingConfig(url))
        limiter.enabled = False  # the benchmark logs in a hundred times a minute
        with app.app_context():
            upgrade()
            advisor_ids = make_region()
            batch_rate, single_rate = bench_routing(args.route, single=args.single)
            print(f"routing ({db.engine.dialect.name}): {args.route:,} leads in batches: {batch_rate:,.0f} leads/s; "
                  f"{args.single:,} leads one per transaction: {single_rate:,.0f} leads/s")
            started = time.perf_counter()
            bulk_leads(args.leads - args.route - args.single, advisor_ids=advisor_ids, open_share=0.005)
            print(f"filled to {args.leads:,} leads in {time.perf_counter() - started:.0f} s")
            if db.engine.dialect.name == "postgresql":
                db.session.execute(text("ANALYZE"))
                db.session.commit()
        median, p95, plan = bench_queue(app, advisor_ids, args.requests)
        print(f"queue page /leads/mijn with {args.leads:,} leads: median {median:.1f} ms, p95 {p95:.1f} ms")
        print(f"plan: {plan}")
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    finally:
        drop()


if __name__ == "__main__":
    main()
