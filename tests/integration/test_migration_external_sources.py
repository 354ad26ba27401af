"""Migration 0010 gives every stored external_id its source, so the old ids keep working per source."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from campaign_crm import create_app
from campaign_crm.config import TestingConfig
from campaign_crm.extensions import db
from tests.helpers import throwaway_database

NOW = datetime(2026, 6, 12, 8, 0, tzinfo=UTC)


@pytest.fixture
def empty_database_url(tmp_path):
    """A database of its own (the shared test database is already migrated to the head)."""
    with throwaway_database("crm_migration", tmp_path) as url:
        yield url


def insert(table: str, **values) -> int:
    columns = ", ".join(values)
    marks = ", ".join(f":{column}" for column in values)
    return db.session.execute(text(f"INSERT INTO {table} ({columns}) VALUES ({marks}) RETURNING id"), values).scalar()


def sources(table: str) -> dict[str, str]:
    return dict(db.session.execute(text(f"SELECT external_id, external_source FROM {table} "
                                        "WHERE external_id IS NOT NULL")).all())


@pytest.mark.parametrize("tokens, api_source", [
    ([("advisor", "partner")], "partner:{partner}"),
    ([("advisor", "partner"), ("campaign", None)], "api"),
])
def test_existing_ids_get_their_platform_and_api_ids_the_one_source_every_token_shares(
        empty_database_url, tokens, api_source):
    app = create_app(TestingConfig(empty_database_url))
    with app.app_context():
        upgrade(revision="0009")
        partner = insert("partners", name="Werkplein A", kind="gemeente", active=True)
        for n, (role, partner_of) in enumerate(tokens):
            insert("api_tokens", name=f"token-{n}", role=role, partner_id=partner if partner_of else None,
                   token_hash=f"{n:064d}", prefix=f"p{n}", created_at=NOW)
        employer = insert("employers", name="Bakkerij Jansen", name_key="bakkerijjansen", created_at=NOW,
                          updated_at=NOW)
        lead = insert("leads", employer_id=employer, stage="new", external_id="meta:1", priority=0,
                      priority_parts="[]", created_at=NOW, updated_at=NOW)
        api_lead = insert("leads", employer_id=employer, stage="lost", external_id="42", priority=0,
                          priority_parts="[]", created_at=NOW, updated_at=NOW)
        for kind, external_id, lead_id in (("import", "meta:1", lead), ("livestream_attendance",
                                           "zoom:81234567890:jan@bakkerij.example:attendance", lead),
                                           ("api", "42", api_lead), ("form", "zonder-voorvoegsel", lead)):
            insert("touchpoints", kind=kind, occurred_at=NOW, employer_id=employer, lead_id=lead_id,
                   external_id=external_id, created_at=NOW)
        db.session.commit()

        upgrade(revision="0010")

        expected_api = api_source.format(partner=partner)
        assert sources("touchpoints") == {"meta:1": "meta", "zoom:81234567890:jan@bakkerij.example:attendance": "zoom",
                                          "42": expected_api, "zonder-voorvoegsel": "legacy"}
        assert sources("leads") == {"meta:1": "meta", "42": expected_api}
        db.session.remove()
        db.engine.dispose()
