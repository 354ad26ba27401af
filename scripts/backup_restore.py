"""Back-up that is proven to restore: dump the database, restore it into a scratch database, migrate it,
compare the row counts of every table, drop the scratch database.

    python scripts/backup_restore.py [--output-dir backups] [--keep-scratch] [--jobs N]
    python scripts/backup_restore.py --restore FILE.dump [--keep-scratch]     # test a stored dump

The source is DATABASE_URL (the application's setting, `postgresql+psycopg://user@host:5432/crm`), or
--database-url. Steps:

1. Open a REPEATABLE READ transaction on the source and export its snapshot; count the rows of every
   table in that transaction, and run `pg_dump -Fc --snapshot=…` on the same snapshot, so the counts are
   exactly what the dump holds even while the application keeps writing. The dump goes to
   `<output-dir>/<database>_<UTC time>.dump`, next to it `<same name>.json` with the counts, the
   migration revision and the dump's SHA-256.
2. Create a new scratch database on the same server (or on --scratch-server) and `pg_restore` the dump
   into it (`--exit-on-error`, without owners and grants).
3. Run `flask --app campaign_crm db upgrade` against the scratch database: the restored copy must
   migrate to the code's head.
4. Count every table of the scratch database and compare with the dump's counts: print a table
   (Dutch / English) and exit 1 on any difference, or when a step fails.
5. Drop the scratch database, unless --keep-scratch.

With --restore FILE no dump is made: FILE is checked against its .json (SHA-256 and counts) and
restored as in steps 2–5; that is the periodic restore test of a stored back-up.
Exit status: 0 the back-up restores with the same counts; 1 a difference or a failed step; 2 bad usage.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy.engine import URL, make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from campaign_crm.config import ConfigError, database_url  # noqa: E402

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class StepFailed(Exception):
    """A step could not be done; the message says which, in Dutch and English."""


@dataclass(frozen=True)
class Server:
    """A PostgreSQL database as libpq wants it: a URI without the password, the password apart."""

    url: URL  # SQLAlchemy form, postgresql+psycopg://…

    @property
    def name(self) -> str:
        return self.url.database or ""

    @property
    def conninfo(self) -> str:
        return self.url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)

    @property
    def env(self) -> dict[str, str]:
        """The environment for pg_dump / pg_restore: the password in PGPASSWORD, not on the command line."""
        env = dict(os.environ)
        if self.url.password:
            env["PGPASSWORD"] = str(self.url.password)
        return env

    def connect(self, **kwargs) -> psycopg.Connection:
        return psycopg.connect(self.conninfo, password=self.url.password, **kwargs)

    def database(self, name: str) -> Server:
        return Server(self.url.set(database=name))

    def sqlalchemy_url(self) -> str:
        return self.url.render_as_string(hide_password=False)


def source_server(raw: str | None) -> Server:
    if not raw:
        raise StepFailed("Geen database: zet DATABASE_URL of geef --database-url. / No database: set DATABASE_URL.")
    try:
        url = make_url(database_url(raw))
    except ConfigError as exc:
        raise StepFailed(str(exc)) from None
    if url.get_backend_name() != "postgresql":
        raise StepFailed("Back-ups met pg_dump kunnen alleen van PostgreSQL. / pg_dump backs up PostgreSQL only.")
    return Server(url)


# Counting ---------------------------------------------------------------------------------------


def tables(conn: psycopg.Connection) -> list[str]:
    rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename").fetchall()
    return [name for (name,) in rows]


def count_rows(conn: psycopg.Connection) -> dict[str, int]:
    """Exact row counts of every table in the public schema (count(*), not the planner's estimate)."""
    return {name: conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(name))).fetchone()[0]
            for name in tables(conn)}


def revision(conn: psycopg.Connection) -> str | None:
    if "alembic_version" not in tables(conn):
        return None
    row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    return row[0] if row else None


# Steps ------------------------------------------------------------------------------------------


def run(command: list[str], *, env: dict[str, str], what: str, cwd: Path | None = None) -> None:
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise StepFailed(f"{what} mislukt / failed (exit {done.returncode}): " + " | ".join(detail[-5:]))


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def dump(source: Server, output_dir: Path) -> tuple[Path, dict]:
    """pg_dump -Fc of `source` and the row counts of the same snapshot; returns the file and its manifest."""
    output_dir.mkdir(parents=True, exist_ok=True)
    moment = datetime.now(UTC)
    path = output_dir / f"{source.name}_{moment:%Y%m%dT%H%M%SZ}.dump"
    with source.connect(autocommit=False) as conn:
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
        counts = count_rows(conn)
        current = revision(conn)
        # The transaction stays open while pg_dump reads the exported snapshot.
        run(["pg_dump", "--format=custom", f"--snapshot={snapshot}", f"--file={path}", f"--dbname={source.conninfo}"],
            env=source.env, what="pg_dump")
        conn.rollback()
    manifest = {"database": source.name, "dumped_at": moment.isoformat(timespec="seconds"), "revision": current,
                "sha256": sha256(path), "bytes": path.stat().st_size, "counts": counts}
    manifest_path(path).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path, manifest


def manifest_path(dump_path: Path) -> Path:
    return dump_path.with_suffix(".json")


def read_manifest(dump_path: Path) -> dict:
    if not dump_path.is_file():
        raise StepFailed(f"Dump {dump_path} bestaat niet. / Dump {dump_path} does not exist.")
    try:
        manifest = json.loads(manifest_path(dump_path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StepFailed(f"Geen leesbaar {manifest_path(dump_path).name} naast de dump. / "
                         f"No readable manifest next to the dump: {exc}") from None
    if manifest.get("sha256") != sha256(dump_path):
        raise StepFailed(f"{dump_path.name}: SHA-256 wijkt af van het manifest, het bestand is veranderd of beschadigd."
                         " / SHA-256 differs from the manifest: the file changed or is damaged.")
    return manifest


@contextmanager
def scratch_database(server: Server, base_name: str, keep: bool) -> Iterator[Server]:
    """A new, empty database on `server`, dropped afterwards unless `keep`."""
    name = f"{base_name[:30]}_restorecheck_{datetime.now(UTC):%Y%m%d%H%M%S}_{uuid.uuid4().hex[:6]}"
    with server.connect(autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    scratch = server.database(name)
    try:
        yield scratch
    finally:
        if keep:
            print(f"Proefdatabase bewaard / scratch database kept: {scratch.url.render_as_string(hide_password=True)}")
        else:
            with server.connect(autocommit=True) as conn:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def restore(dump_path: Path, scratch: Server, jobs: int) -> dict[str, int]:
    """pg_restore into `scratch`; returns its counts before any migration."""
    run(["pg_restore", "--exit-on-error", "--no-owner", "--no-privileges", f"--jobs={jobs}",
         f"--dbname={scratch.conninfo}", str(dump_path)], env=scratch.env, what="pg_restore")
    with scratch.connect() as conn:
        return count_rows(conn)


def upgrade(scratch: Server) -> dict[str, int]:
    """`flask db upgrade` against `scratch`, as a deploy would; returns the counts afterwards."""
    env = {**scratch.env, "DATABASE_URL": scratch.sqlalchemy_url()}
    run([sys.executable, "-m", "flask", "--app", "campaign_crm", "db", "upgrade"], env=env, cwd=ROOT,
        what="flask db upgrade")
    with scratch.connect() as conn:
        return count_rows(conn)


# The comparison ---------------------------------------------------------------------------------


def compare(source: dict[str, int], restored: dict[str, int], upgraded: dict[str, int]) -> list[tuple]:
    """Rows (table, source, restored, after upgrade, same): every table of the dump, and tables the
    upgrade added (new migrations) when they hold rows or are empty (empty new tables are fine)."""
    rows = []
    for name in sorted(source.keys() | upgraded.keys()):
        want = source.get(name)
        got = upgraded.get(name)
        same = got == want if want is not None else got == 0
        rows.append((name, want, restored.get(name), got, same))
    return rows


def number(value: int | None) -> str:
    """1.234.567 (Dutch thousands), or - for nothing."""
    return "-" if value is None else f"{value:,}".replace(",", ".")


def print_table(rows: list[tuple]) -> None:
    show = number

    header = ("tabel / table", "bron / source", "teruggezet / restored", "na upgrade / after upgrade", "")
    widths = [max(len(header[0]), *(len(r[0]) for r in rows)), len(header[1]), len(header[2]), len(header[3])]
    print(f"{header[0]:<{widths[0]}}  {header[1]:>{widths[1]}}  {header[2]:>{widths[2]}}  {header[3]:>{widths[3]}}")
    for name, want, restored, got, same in rows:
        mark = "ok" if same else "VERSCHIL / DIFFERENCE"
        print(f"{name:<{widths[0]}}  {show(want):>{widths[1]}}  {show(restored):>{widths[2]}}"
              f"  {show(got):>{widths[3]}}  {mark}")


def check(dump_path: Path, manifest: dict, server: Server, *, keep: bool, jobs: int) -> int:
    with scratch_database(server, manifest.get("database") or "crm", keep) as scratch:
        started = time.perf_counter()
        restored = restore(dump_path, scratch, jobs)
        print(f"Teruggezet / restored: {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        upgraded = upgrade(scratch)
        print(f"Gemigreerd en geteld / migrated and counted: {time.perf_counter() - started:.1f} s")
    rows = compare(manifest["counts"], restored, upgraded)
    print_table(rows)
    different = [row[0] for row in rows if not row[4]]
    total = sum(manifest["counts"].values())
    if different:
        print(f"FOUT: {len(different)} tabel(len) wijken af: {', '.join(different)}. / "
              f"ERROR: {len(different)} table(s) differ.")
        return EXIT_FAILED
    print(f"Back-up klopt: {len(rows)} tabellen, {number(total)} rijen teruggezet en gemigreerd. / "
          f"Backup verified: {len(rows)} tables, {number(total)} rows restored and migrated.")
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"),
                        help="the database to back up (default: DATABASE_URL)")
    parser.add_argument("--output-dir", type=Path, default=Path(os.environ.get("BACKUP_DIR", "backups")),
                        help="folder for the dump and its .json (default: BACKUP_DIR or ./backups)")
    parser.add_argument("--restore", type=Path, metavar="FILE", help="test this stored dump instead of making one")
    parser.add_argument("--scratch-server", help="server URL for the scratch database (default: the source's server)")
    parser.add_argument("--keep-scratch", action="store_true", help="keep the scratch database for inspection")
    parser.add_argument("--jobs", type=int, default=1, help="parallel pg_restore jobs (default 1)")
    args = parser.parse_args(argv)
    try:
        source = source_server(args.database_url)
        server = source_server(args.scratch_server) if args.scratch_server else source
        if args.restore:
            dump_path, manifest = args.restore, read_manifest(args.restore)
            print(f"Dump / dump: {dump_path} (gemaakt / made {manifest['dumped_at']}, revisie / revision "
                  f"{manifest['revision']})")
        else:
            started = time.perf_counter()
            dump_path, manifest = dump(source, args.output_dir)
            print(f"Dump gemaakt / dump made: {dump_path} ({number(manifest['bytes'])} bytes, revisie / revision "
                  f"{manifest['revision']}, {time.perf_counter() - started:.1f} s)")
        return check(dump_path, manifest, server, keep=args.keep_scratch, jobs=max(1, args.jobs))
    except (StepFailed, psycopg.Error) as exc:
        print(f"FOUT / ERROR: {exc}", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
