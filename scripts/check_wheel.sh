#!/usr/bin/env bash
# The built wheel stands on its own: build it, install it in a fresh virtualenv in an empty folder, migrate a
# fresh SQLite database there (instance/ in that folder), start gunicorn from that folder on a free port, and check
# that /login answers 200 with the login form, /healthz and /readyz answer, and a static file is served.
# Run by .ci/run; by hand from anywhere: scripts/check_wheel.sh (needs .venv with the test extra, for `build`).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-$PWD/.venv/bin/python}"

work="$(mktemp -d)"
server=""
cleanup() {
  if [ -n "$server" ]; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "check_wheel: $*" >&2; exit 1; }

echo "--- wheel bouwen"
# From a copy of the files git would commit (tracked and new, not ignored): no stale build/ or egg-info of the
# checkout ends up in the wheel, and nothing is written into the checkout.
src="$work/src"
"$PYTHON" - "$src" <<'PY'
import shutil
import subprocess
import sys
from pathlib import Path

dest = Path(sys.argv[1])
try:
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            capture_output=True, check=True).stdout.decode("utf-8").split("\0")
except (OSError, subprocess.CalledProcessError):  # no git: everything but the usual leftovers
    shutil.copytree(".", dest, ignore=shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info",
                                                             "instance", "__pycache__", "test-artifacts"))
    sys.exit(0)
for name in filter(None, listed):
    if Path(name).is_file():
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(name, dest / name)
PY
"$PYTHON" -m build --wheel --outdir "$work/dist" "$src" >"$work/build.log" 2>&1 \
  || { cat "$work/build.log"; fail "bouwen mislukt"; }
wheel="$(ls "$work"/dist/campaign_crm-*.whl)"

# Every template, migration and static file of the checkout is in the wheel, inside the package.
expect_files() {  # FOLDER SUFFIX PREFIX_IN_WHEEL
  local expected found
  expected="$(find "$src/$1" -type f -name "*$2" -not -path '*/__pycache__/*' | wc -l)"
  found="$("$PYTHON" -c 'import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
print(sum(1 for n in names if n.startswith(sys.argv[2]) and n.endswith(sys.argv[3])))' "$wheel" "$3" "$2")"
  [ "$expected" -gt 0 ] && [ "$found" -eq "$expected" ] || fail "$3 in de wheel: $found bestanden, verwacht $expected"
  echo "$3: $found bestanden"
}
expect_files templates "" campaign_crm/templates/  # pages (.html) and mail texts (.txt)
expect_files migrations/versions .py campaign_crm/migrations/versions/
expect_files campaign_crm/static "" campaign_crm/static/
expect_files migrations alembic.ini campaign_crm/migrations/

echo "--- installeren in een lege map"
site="$work/site"
mkdir "$site"
"$PYTHON" -m venv "$site/venv"
"$site/venv/bin/pip" install --quiet --disable-pip-version-check "$wheel"
cd "$site"
# Only what the check sets: no database, broker or limits of the calling shell, no .env.
unset DATABASE_URL INSTANCE_PATH TASK_BROKER_URL RATELIMIT_STORAGE_URI LOG_FORMAT CRM_ENV SECRET_KEY PROXY_COUNT
export FLASK_SKIP_DOTENV=1 WEB_CONCURRENCY=1 WEB_THREADS=2

echo "--- migraties op een nieuwe SQLite-database"
"$site/venv/bin/flask" --app campaign_crm db upgrade >"$work/upgrade.log" 2>&1 || { cat "$work/upgrade.log"; fail "db upgrade"; }
[ -f "$site/instance/campaign_crm.db" ] || fail "geen database in $site/instance/"
[ ! -e "$("$site/venv/bin/python" -c 'import campaign_crm, pathlib; print(pathlib.Path(campaign_crm.__file__).parent)')/instance" ] \
  || fail "instance/ is in site-packages aangemaakt"

echo "--- gunicorn starten"
port="$("$site/venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$site/venv/bin/gunicorn" -c python:campaign_crm.gunicorn_config --bind "127.0.0.1:$port" \
  'campaign_crm:create_app()' >"$work/gunicorn.log" 2>&1 &
server=$!

"$site/venv/bin/python" - "$port" <<'PY' || { cat "$work/gunicorn.log"; fail "de geïnstalleerde app antwoordt niet zoals verwacht"; }
import json
import sys
import time
import urllib.error
import urllib.request

base = f"http://127.0.0.1:{sys.argv[1]}"


def get(path):
    try:
        with urllib.request.urlopen(base + path, timeout=10) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")


deadline = time.monotonic() + 60
while True:
    try:
        status, body = get("/healthz")
        break
    except OSError:
        if time.monotonic() > deadline:
            sys.exit("gunicorn kwam niet op binnen 60 s")
        time.sleep(0.5)
assert (status, json.loads(body)) == (200, {"status": "ok"}), (status, body)
status, body = get("/readyz")
assert status == 200 and json.loads(body)["status"] == "ready", (status, body)
status, body = get("/login")
assert status == 200, status
assert '<form method="post"' in body and 'name="password"' in body and "Inloggen" in body, body[:500]
status, body = get("/static/css/app.css")
assert status == 200 and body, status
print(f"/healthz, /readyz, /login en /static antwoorden vanuit de geïnstalleerde wheel (poort {sys.argv[1]})")
PY

kill "$server"
wait "$server" 2>/dev/null || true
server=""
echo "check_wheel: in orde"
