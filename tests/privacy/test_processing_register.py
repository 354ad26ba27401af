"""The register of personal data comes from the models: every text column outside the reference
tables says whether it holds personal data, and every personal-data column says how long it is kept."""
from __future__ import annotations

from sqlalchemy import JSON, Column, Integer, MetaData, String, Table, Text

from campaign_crm.extensions import db
from campaign_crm.models.types import NOT_PERSONAL, personal
from campaign_crm.services.privacy import rights as privacy


def test_every_text_column_outside_the_reference_tables_says_whether_it_holds_personal_data(app):
    assert privacy.untagged_columns() == []


def test_an_untagged_text_column_is_caught():
    metadata = MetaData()
    Table("notes", metadata, Column("id", Integer, primary_key=True), Column("body", Text),
          Column("author", String(80), info=personal("naam", "retention_contact_months")),
          Column("kind", String(20), info=NOT_PERSONAL), Column("extra", JSON))
    assert privacy.untagged_columns(metadata) == ["notes.body", "notes.extra"]


def test_the_reference_tables_exist_and_every_personal_column_has_a_retention(app):
    assert privacy.REFERENCE_TABLES <= set(db.metadata.tables)
    rows = privacy.processing_register()
    assert {(row.table, row.column) for row in rows} >= {
        ("contacts", "name"), ("contacts", "email"), ("contacts", "phone"), ("touchpoints", "message"),
        ("users", "email"), ("user_sessions", "ip_address"), ("audit_events", "origin"),
        ("placements", "candidate_ref")}
    assert all(row.retention for row in rows)
    assert not {row.table for row in rows} & privacy.REFERENCE_TABLES


def test_the_cli_prints_the_register_with_the_current_retention_settings(app, runner):
    result = runner.invoke(args=["processing-register"])
    assert result.exit_code == 0, result.output
    assert ("| contacts | email | contactgegevens | 24 maanden (instelling `retention_contact_months`) |"
            in result.output)
    bare = runner.invoke(args=["processing-register", "--without-settings"])
    assert "| contacts | email | contactgegevens | instelling `retention_contact_months` |" in bare.output
