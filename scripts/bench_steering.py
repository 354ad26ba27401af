"""Benchmark: the steering reports that have no raw-SQL twin, on the region of bench_reports.py.

    python scripts/bench_steering.py [--leads 1000000] [--placements 50000] [--engine postgresql] [--runs 5]

Builds the synthetic region of scripts/bench_reports.py (the same generator, the same seed) in a throwaway
database, vacuums it as a large import does, checks the first-contact report against its raw SQL once
more (the SLA on the advisor's part reads arrived_at), and then times, in an application context, the
first-contact report per channel and per advisor, the response time split (total, per channel, team,
advisor) for one tertaal, and the forecast with its default settings (400 simulated runs). Prints the
median, minimum and maximum of --runs runs after one warm-up, with the machine's load beside each line;
figures in docs/benchmarks.md.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import bench_reports as region_bench
from flask_migrate import upgrade
from sqlalchemy import text

from campaign_crm import create_app
from campaign_crm.config import TestingConfig
from campaign_crm.extensions import db


def load() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def timed(name: str, fn: Callable[[], object], runs: int) -> None:
    fn()  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
        db.session.rollback()
    print(f"  {name}: median {statistics.median(times):,.1f} ms (min {min(times):,.1f}, max {max(times):,.1f};"
          f" {runs} runs) load {load()}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--placements", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--engine", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()

    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC start, load {load()}, {args.leads:,} leads, {args.engine}",
          flush=True)
    url, drop = (region_bench.sqlite_database() if args.engine == "sqlite"
                 else region_bench.postgresql_database(args.pg_url))
    try:
        app = create_app(TestingConfig(url))
        with app.app_context():
            upgrade()
            started = time.perf_counter()
            now = datetime.now(UTC).replace(microsecond=0)
            region = region_bench.build_region(args.leads, args.placements, now=now)
            region_bench.maintain("vacuum")
            print(f"  loaded in {time.perf_counter() - started:.0f} s; load {load()}", flush=True)
            imported, routed_at_once, waited = db.session.execute(text(
                "SELECT sum(CASE WHEN arrived_at > created_at THEN 1 ELSE 0 END),"
                " sum(CASE WHEN assigned_at = arrived_at THEN 1 ELSE 0 END),"
                " sum(CASE WHEN assigned_at > arrived_at THEN 1 ELSE 0 END) FROM leads")).one()
            print(f"  arrived by import {imported:,}; routed on arrival {routed_at_once:,}; waited for routing"
                  f" {waited:,}", flush=True)
            for case in region_bench.cases(region):
                if "first contact" in case.name:
                    result = region_bench.measure(case, args.runs)
                    print(f"  {case.name}: raw {result.raw_ms:,.1f} ms, report {result.report_ms:,.1f} ms"
                          f" ({result.report_ms / result.raw_ms:.2f}×), same numbers {result.agrees}; load {load()}",
                          flush=True)
                    if not result.agrees:
                        raise SystemExit("first contact differs from its raw SQL")
            from campaign_crm.services.reports import forecast, funnel, response_times
            from campaign_crm.services.reports.filters import ReportFilter
            from campaign_crm.services.reports.period import tertaal

            t2 = ReportFilter(period=tertaal(2026, 2))
            low, high = region_bench.window(t2.period.start, t2.period.end)
            count = db.session.execute(region_bench.utc_params(
                "SELECT count(*) FROM leads WHERE created_at >= :low AND created_at < :high", low=low, high=high)
            ).scalar()
            print(f"  T2 2026 ({t2.period.start} – {t2.period.end}): {count:,} leads", flush=True)
            for group in ("channel", "advisor"):
                timed(f"first contact, T2 2026, per {group}",
                      lambda group=group: funnel.first_contact(t2, group_by=group), args.runs)
            for group in (None, "channel", "team", "advisor"):
                timed(f"response times, T2 2026, {'total' if group is None else 'per ' + group}",
                      lambda group=group: response_times.response_times(t2, group_by=group), args.runs)
            timed("forecast (defaults, 400 runs)", forecast.forecast, args.runs)
            db.session.remove()
            db.engine.dispose()
        print(f"{datetime.now(UTC):%H:%M:%S} UTC end, load {load()}", flush=True)
    finally:
        drop()


if __name__ == "__main__":
    main()
