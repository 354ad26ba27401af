"""The database keeps its own integrity on both engines (SQLite checks foreign keys only when asked)."""
from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from campaign_crm.extensions import db
from campaign_crm.models import Contact


def test_a_row_pointing_at_a_missing_employer_is_refused(ctx):
    db.session.add(Contact(employer_id=987654, name="Wees", email="wees@nergens.example"))
    with pytest.raises(IntegrityError):
        db.session.flush()


def test_sqlite_connections_check_foreign_keys_wait_for_a_busy_writer_and_cache_64_mib(ctx):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite pragmas")
    assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
    assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == 5000
    assert db.session.execute(text("PRAGMA cache_size")).scalar() == -65536
