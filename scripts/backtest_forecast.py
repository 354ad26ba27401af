"""Back-test of the LKS forecast: forecasts made on past days beside what the data say happened after.

    python scripts/backtest_forecast.py [--database PATH] [--seed 2026] [--leads 2000] [--forecast-seed 2026]

Without --database it builds the demo region (`flask seed-demo` with --seed and --leads) in a fresh SQLite
file under /tmp, through the migrations and the same services; with --database it reads that SQLite file as
it is. For each (reference date, horizon) pair it runs `forecast.backtest`: the forecast uses only what was
known on the reference date (stage times, placements started and ended up to then, the survival censored
then), and the truth is the number of LKS jobs active on the horizon in the data now. Prints a Markdown table
(reference date, horizon, jobs then, expected, 10th–90th percentile, actual, error) and the time per forecast.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# The demo's history runs to 27 November 2026: horizons up to 26 November have a known outcome.
PAIRS = [(date(2026, 7, 15), date(2026, 9, 15)), (date(2026, 8, 1), date(2026, 10, 1)),
         (date(2026, 9, 1), date(2026, 11, 1)), (date(2026, 10, 1), date(2026, 11, 26)),
         (date(2026, 8, 1), date(2026, 11, 26))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="an existing SQLite file with the demo region")
    parser.add_argument("--seed", type=int, default=2026, help="seed of the demo region")
    parser.add_argument("--leads", type=int, default=2000, help="leads in the demo region")
    parser.add_argument("--forecast-seed", type=int, default=2026, help="seed of the Monte Carlo band")
    args = parser.parse_args()
    path = args.database or os.path.join(tempfile.mkdtemp(prefix="backtest-"), "demo.db")
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"

    from flask_migrate import upgrade

    from campaign_crm import create_app
    from campaign_crm.extensions import db
    from campaign_crm.services import demo
    from campaign_crm.services.reports.forecast import backtest

    app = create_app()
    with app.app_context():
        if not args.database:
            upgrade()
            demo.seed_demo(seed=args.seed, lead_count=args.leads)
            db.session.commit()
            print(f"Demoregio gemaakt in {path} (seed {args.seed}, {args.leads} leads).", file=sys.stderr)
        print("| peildatum | horizon | actief toen | verwacht | band p10–p90 | werkelijk | fout | in band | tijd |")
        print("| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |")
        for as_of, horizon in PAIRS:
            started = time.perf_counter()
            row = backtest(as_of, horizon, seed=args.forecast_seed)
            ms = (time.perf_counter() - started) * 1000
            print(f"| {as_of} | {horizon} | {row['active_then']} | {row['expected']:.1f} | "
                  f"{row['p10']:.0f}–{row['p90']:.0f} | {row['actual']} | {row['error']:+.1f} | "
                  f"{'ja' if row['inside_band'] else 'nee'} | {ms:.0f} ms |")


if __name__ == "__main__":
    main()
