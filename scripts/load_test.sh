#!/usr/bin/env bash
# Load test: 100 advisors at once against gunicorn on PostgreSQL (docs/benchmarks.md, "Load test").
#
#   scripts/load_test.sh [RUN_TIME]        # e.g. 60s (the default)
#
# Makes a scratch database on the PostgreSQL server of PG_URL (default postgresql+psycopg://postgres@127.0.0.1:5432),
# migrates it, seeds the demo region (DEMO_LEADS leads) and 100 advisors with known passwords in 10 teams, each
# with QUEUE_LEADS open leads with a short history and 3 leads waiting per team (through the services). Starts
# gunicorn (2 workers x 4 threads) on a free loopback port, runs scripts/locustfile.py headless (100 advisors and
# one health monitor; the statistics restart once every advisor has logged in, so the logins are not in them),
# prints the summary and the CPU the server, the load generator and the machine used, then stops gunicorn and drops the
# database. Results (locust CSV files, gunicorn's log) go to OUT_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."

RUN_TIME="${1:-60s}"
PG_URL="${PG_URL:-postgresql+psycopg://postgres@127.0.0.1:5432}"
DEMO_LEADS="${DEMO_LEADS:-2000}"
QUEUE_LEADS="${QUEUE_LEADS:-25}"
ADVISORS=100
OUT_DIR="${OUT_DIR:-$(mktemp -d /tmp/crm_load.XXXXXX)}"
mkdir -p "$OUT_DIR"
PY=.venv/bin/python
DB_NAME="crm_load_$(date +%s)_$$"
export DATABASE_URL="${PG_URL%/}/${DB_NAME}"
export LOAD_ADVISORS=$ADVISORS LOAD_PASSWORD="Last-test-wachtwoord-2026" LOAD_EMAIL="load-{n:03d}@load.example"
# Every advisor logs in from 127.0.0.1 within seconds: the per-address login limit would refuse most of them.
export LOGIN_RATE_LIMIT="10000 per minute" CRM_ENV=development
GUNICORN_PID=""

admin_sql() {  # a statement on the server's maintenance database
  "$PY" - "$1" <<'EOF'
import os, sys
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
url = make_url(os.environ["DATABASE_URL"]).set(database="postgres")
with create_engine(url, isolation_level="AUTOCOMMIT").connect() as conn:
    conn.execute(text(sys.argv[1]))
EOF
}

cleanup() {
  if [ -n "$GUNICORN_PID" ] && kill -0 "$GUNICORN_PID" 2>/dev/null; then
    kill -TERM "$GUNICORN_PID"
    wait "$GUNICORN_PID" 2>/dev/null || true
  fi
  admin_sql "DROP DATABASE IF EXISTS \"$DB_NAME\" WITH (FORCE)" && echo "Database $DB_NAME verwijderd."
}
trap cleanup EXIT

echo "Database $DB_NAME aanmaken, migreren en vullen (demo-regio met $DEMO_LEADS leads)…"
admin_sql "CREATE DATABASE \"$DB_NAME\""
"$PY" -m flask --app campaign_crm db upgrade >/dev/null 2>&1
SEEDED=$("$PY" -m flask --app campaign_crm seed-demo --leads "$DEMO_LEADS" 2>/dev/null)
echo "${SEEDED%%$'\n'*}"

echo "$ADVISORS adviseurs met elk $QUEUE_LEADS open leads aanmaken…"
"$PY" - "$QUEUE_LEADS" <<'EOF'
"""The test's advisors and their queues, through the services (as the application makes them)."""
import os, sys
from datetime import UTC, datetime, timedelta
from sqlalchemy import select, text
from campaign_crm import create_app
from campaign_crm.extensions import db
from campaign_crm.models import Partner
from campaign_crm.services.accounts import organisation, users
from campaign_crm.services.accounts.auth import hash_password
from campaign_crm.services.capture.intake import ContactInput, EmployerInput, TouchpointInput, record_touchpoints
from campaign_crm.services.leads import activities
from campaign_crm.services.leads import lifecycle

per_queue, advisors = int(sys.argv[1]), int(os.environ["LOAD_ADVISORS"])
app = create_app()
with app.app_context():
    partner = db.session.scalar(select(Partner).where(Partner.name == "Werkcentrum Rijnmond"))
    password_hash = hash_password(os.environ["LOAD_PASSWORD"])
    now, n = datetime.now(UTC), 0
    teams = [organisation.save_team(None, name=f"Lasttest {t + 1}", actor=None) for t in range(advisors // 10)]

    def touchpoint(at):
        global n
        n += 1
        return TouchpointInput(
            kind="form", campaign="aknp", channel=["dagblad", "linkedin", "website", "facebook"][n % 4], phase="zorg",
            employer=EmployerInput(name=f"Lastbedrijf {n}", kvk=str(60_000_000 + n), municipality="Schiedam",
                                   sector=["zorg", "techniek", "logistiek"][n % 3], size=str(5 + n % 50)),
            contact=ContactInput(name=f"Contact {n}", email=f"info@last{n}.example", phone="0612345678"),
            interests=["lks"], message="Graag contact.", occurred_at=at)

    for i in range(advisors):
        team = teams[i % len(teams)]
        advisor = users.create_user(email=os.environ["LOAD_EMAIL"].format(n=i + 1), name=f"Lastadviseur {i + 1}",
                                    role="advisor", partner=partner, team=team, capacity=per_queue + 10,
                                    password="", password_hash=password_hash)
        moments = [now - timedelta(days=10, hours=5 * k) for k in range(per_queue + (3 if i < len(teams) else 0))]
        results = record_touchpoints([touchpoint(at) for at in moments], route=False)
        for k, result in enumerate(results):
            if not hasattr(result, "lead"):
                raise result
            lead = result.lead
            if k >= per_queue:  # waiting in the team
                lifecycle.assign_lead(lead, None, team=team, reason="Wacht: iedereen in het team zit vol.",
                                      actor=None, at=moments[k])
                continue
            lifecycle.assign_lead(lead, advisor, team=team, reason="Regel 'Lasttest' → laagste belasting",
                                  actor=None, at=moments[k])
            if k % 3:
                activities.log_activity(lead, activities.ActivityInput(
                    kind="call", outcome="Eerste gesprek.", occurred_at=moments[k] + timedelta(hours=2)), actor=advisor)
        db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()
EOF

PORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
HOST="http://127.0.0.1:$PORT"
.venv/bin/gunicorn --workers 2 --threads 4 --bind "127.0.0.1:$PORT" \
  --logger-class campaign_crm.security.GunicornLogger wsgi:app >"$OUT_DIR/gunicorn.log" 2>&1 &
GUNICORN_PID=$!
for _ in $(seq 1 60); do
  curl -fsS "$HOST/health" >/dev/null 2>&1 && break
  sleep 0.5
done
curl -fsS "$HOST/health" >/dev/null

cpu_of() {  # CPU seconds (user + system) of a process and its children that have ended, and of its live children
  local total=0 pid
  for pid in "$@"; do
    [ -r "/proc/$pid/stat" ] || continue
    total=$(awk -v t="$total" '{print t + $14 + $15 + $16 + $17}' "/proc/$pid/stat")
  done
  echo "$total"
}
workers() { echo "$GUNICORN_PID" $(pgrep -P "$GUNICORN_PID" || true); }
machine() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8, $5 + $6}' /proc/stat; }  # busy and idle jiffies

TICKS=$(getconf CLK_TCK)
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
echo "gunicorn (2 workers x 4 threads) op $HOST; locust: $ADVISORS adviseurs + 1 monitor, $RUN_TIME…"
set +e
.venv/bin/locust -f scripts/locustfile.py --host "$HOST" --headless --users $((ADVISORS + 1)) --spawn-rate 20 \
  --run-time "$RUN_TIME" --csv "$OUT_DIR/load" --only-summary >"$OUT_DIR/locust.log" 2>&1 &
LOCUST_PID=$!
LOCUST_CPU=0
while kill -0 "$LOCUST_PID" 2>/dev/null; do  # a sample a second: time, gunicorn's CPU, the machine's busy and idle
  LOCUST_CPU=$(cpu_of "$LOCUST_PID")
  echo "$(date +%s.%N) $(cpu_of $(workers)) $(machine)" >>"$OUT_DIR/cpu.txt"
  sleep 1
done
wait "$LOCUST_PID"
LOCUST_EXIT=$?
set -e

tail -n 40 "$OUT_DIR/locust.log"
echo
"$PY" - "$OUT_DIR" <<EOF
import csv, re, sys
from datetime import datetime
out = sys.argv[1]
rows = [r for r in csv.DictReader(open(f"{out}/load_stats.csv")) if r["Request Count"] != "0"]
health = next((r for r in rows if r["Name"].startswith("health /")), None)
print(f"{'request':<44} {'count':>7} {'fail':>5} {'req/s':>7} {'median':>7} {'p95 ms':>7} {'p95 x health':>13}")
for r in rows:
    ratio = float(r["95%"]) / float(health["95%"]) if health and float(health["95%"]) else 0
    print(f"{r['Name'] or r['Type']:<44} {r['Request Count']:>7} {r['Failure Count']:>5} "
          f"{float(r['Requests/s']):>7.1f} {r['50%']:>7} {r['95%']:>7} {ratio:>12.1f}x")
# The measured window starts when the statistics were reset (every advisor logged in) and ends with the run.
reset = re.search(r"\[(\S+ \S+)\].*statistics reset", open(f"{out}/locust.log").read())
start = datetime.strptime(reset.group(1), "%Y-%m-%d %H:%M:%S,%f").timestamp() if reset else 0
samples = [list(map(float, line.split())) for line in open(f"{out}/cpu.txt")]
inside = [s for s in samples if s[0] >= start] or samples
first, last = inside[0], inside[-1]
work = sum(int(r["Request Count"]) for r in rows if r["Name"] != "Aggregated" and r["Name"])
busy, idle = last[2] - first[2], last[3] - first[3]
print(f"\nMeasured {last[0] - first[0]:.0f} s after the last login: machine {100 * busy / (busy + idle):.0f}% busy "
      f"over $(nproc) cores; gunicorn {(last[1] - first[1]) / $TICKS:.1f} CPU s, "
      f"{1000 * (last[1] - first[1]) / $TICKS / max(work, 1):.1f} ms of CPU per request; "
      f"locust {$LOCUST_CPU / $TICKS:.1f} CPU s in the whole run; load average before the run {'$LOAD0'}")
EOF
echo "Resultaten: $OUT_DIR"
exit "$LOCUST_EXIT"
