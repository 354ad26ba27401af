"""scripts/backup_restore.py on PostgreSQL: a dump of the test database restores into a scratch database,
migrates, and has the same row counts; a dump that does not hold what its manifest says is refused."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from campaign_crm.extensions import db
from campaign_crm.models import Employer, Lead, Touchpoint, User
from tests.helpers import count

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                       reason="pg_dump and pg_restore need PostgreSQL"),
]

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "backup_restore.py"


def backup(database_url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], env={**os.environ, "DATABASE_URL": database_url},
                          capture_output=True, text=True, timeout=600)


def table_line(output: str, table: str) -> list[str]:
    """The cells of `table`'s line in the printed comparison: name, source, restored, after upgrade, verdict."""
    for line in output.splitlines():
        cells = line.split()
        if cells and cells[0] == table:
            return [cells[0], cells[1], cells[2], cells[3], " ".join(cells[4:])]
    raise AssertionError(f"no line for {table} in:\n{output}")


def scratch_databases(database_url: str) -> list[str]:
    """The scratch databases the script made for this test database and left behind."""
    url = make_url(database_url)
    engine = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            return list(conn.scalars(text("SELECT datname FROM pg_database WHERE datname LIKE :prefix"),
                                     {"prefix": f"{url.database[:30]}_restorecheck_%"}))
    finally:
        engine.dispose()


def drop(database_url: str, name: str) -> None:
    engine = create_engine(make_url(database_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()


def seeded_counts(app) -> dict[str, int]:
    with app.app_context():
        return {model.__tablename__: count(model) for model in (Lead, Employer, Touchpoint, User)}


def test_a_backup_restores_migrates_and_has_the_same_counts(app, database_url, make_lead, factory, tmp_path):
    advisor = factory.user("advisor")
    for n in range(3):
        make_lead(f"Bakkerij {n}", owner_id=advisor.id if n == 0 else None)
    seeded = seeded_counts(app)
    assert seeded["leads"] == 3 and seeded["users"] == 1

    done = backup(database_url, "--output-dir", str(tmp_path))

    assert done.returncode == 0, done.stdout + done.stderr
    dumps = sorted(tmp_path.glob("*.dump"))
    assert len(dumps) == 1 and dumps[0].name.startswith(make_url(database_url).database + "_")
    manifest = json.loads(dumps[0].with_suffix(".json").read_text(encoding="utf-8"))
    assert {table: manifest["counts"][table] for table in seeded} == seeded
    with app.app_context():
        assert manifest["revision"] == db.session.scalar(text("SELECT version_num FROM alembic_version"))
    # Source, restored and migrated copy agree per table, and every table is compared.
    assert table_line(done.stdout, "leads") == ["leads", "3", "3", "3", "ok"]
    assert table_line(done.stdout, "users") == ["users", "1", "1", "1", "ok"]
    assert len([line for line in done.stdout.splitlines() if line.endswith("  ok")]) == len(manifest["counts"])
    assert "VERSCHIL" not in done.stdout and "Back-up klopt" in done.stdout
    assert scratch_databases(database_url) == []  # the scratch database was dropped


def test_a_dump_that_lacks_rows_is_refused(app, database_url, make_lead, tmp_path):
    """Counts taken from the live database after the dump (not from the dump's snapshot) no longer match
    what the dump holds: the check must notice, name the tables and exit 1."""
    make_lead("Bakkerij Vroeg")
    made = backup(database_url, "--output-dir", str(tmp_path))
    assert made.returncode == 0, made.stdout + made.stderr
    dump = next(tmp_path.glob("*.dump"))
    make_lead("Bakkerij Laat")  # written after the dump
    manifest_file = dump.with_suffix(".json")
    manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    manifest["counts"].update(seeded_counts(app))
    manifest_file.write_text(json.dumps(manifest), encoding="utf-8")

    checked = backup(database_url, "--restore", str(dump))

    assert checked.returncode == 1, checked.stdout + checked.stderr
    assert table_line(checked.stdout, "leads") == ["leads", "2", "1", "1", "VERSCHIL / DIFFERENCE"]
    assert table_line(checked.stdout, "employers") == ["employers", "2", "1", "1", "VERSCHIL / DIFFERENCE"]
    assert table_line(checked.stdout, "channels")[-1] == "ok"
    assert "FOUT" in checked.stdout and "leads" in checked.stdout.splitlines()[-1]
    assert scratch_databases(database_url) == []


def test_a_changed_dump_file_is_refused_before_restoring(app, database_url, make_lead, tmp_path):
    make_lead("Bakkerij Bit")
    assert backup(database_url, "--output-dir", str(tmp_path)).returncode == 0
    dump = next(tmp_path.glob("*.dump"))
    with dump.open("ab") as handle:
        handle.write(b"\0")

    checked = backup(database_url, "--restore", str(dump))

    assert checked.returncode == 1
    assert "SHA-256" in checked.stderr
    assert scratch_databases(database_url) == []


def test_keep_scratch_leaves_the_restored_copy_to_inspect(app, database_url, make_lead, tmp_path):
    make_lead("Bakkerij Bewaard")
    done = backup(database_url, "--output-dir", str(tmp_path), "--keep-scratch")
    kept = scratch_databases(database_url)
    try:
        assert done.returncode == 0, done.stdout + done.stderr
        assert len(kept) == 1 and kept[0] in done.stdout
        engine = create_engine(make_url(database_url).set(database=kept[0]))
        try:
            with engine.connect() as conn:
                assert conn.scalar(text("SELECT name FROM employers")) == "Bakkerij Bewaard"
        finally:
            engine.dispose()
    finally:
        for name in kept:
            drop(database_url, name)
