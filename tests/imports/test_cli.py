"""`flask import-leads PATH --preset NAME [--campaign] [--phase] [--channel] [--dry-run] [--json]`:
the JSON summary (rows, created_leads, attached, unchanged, errors) and the exit codes: 0 applied, 1
nothing could be applied, 2 bad usage."""
from __future__ import annotations

import json
import os
from datetime import timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError

from campaign_crm.extensions import db
from campaign_crm.models import ImportBatch, Lead, Touchpoint, utcnow
from campaign_crm.services.imports import runner as import_runner
from campaign_crm.services.routing import sla
from tests.helpers import IMPORT_FIXTURES, IMPORT_TABLES, count, counts, meta_with_a_repeated_row, nothing_stored

pytestmark = pytest.mark.usefixtures("campaign")


def import_leads(runner, name: str, preset: str, *args: str):
    return runner.invoke(args=["import-leads", str(IMPORT_FIXTURES / name), "--preset", preset, *args])


def test_json_output_and_exit_0_when_applied(app, runner):
    result = import_leads(runner, "meta_lead_ads.tsv", "meta-lead-ads", "--json")

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"rows": 3, "created_leads": 3, "attached": 0, "unchanged": 0, "errors": []}
    with app.app_context():
        assert counts(IMPORT_TABLES) == {**nothing_stored(IMPORT_TABLES),
                                         "employers": 3, "contacts": 3, "leads": 3, "touchpoints": 3,
                                         "import_batches": 1}
        batch = db.session.scalar(select(ImportBatch))
        assert (batch.status, batch.preset, batch.content) == ("applied", "meta-lead-ads", None)
        assert batch.summary["created_leads"] == 3
        assert set(db.session.scalars(select(Touchpoint.import_batch_id))) == {batch.id}


def test_again_everything_is_unchanged(app, runner):
    import_leads(runner, "linkedin_lead_gen.csv", "linkedin-lead-gen")
    result = import_leads(runner, "linkedin_lead_gen.csv", "linkedin-lead-gen", "--json")

    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"rows": 2, "created_leads": 0, "attached": 0, "unchanged": 2, "errors": []}
    with app.app_context():
        assert count(Lead) == 2


def test_row_errors_are_listed_and_the_rest_is_applied_with_exit_0(app, runner):
    result = import_leads(runner, "linkedin_broken_rows.csv", "linkedin-lead-gen", "--json")

    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert (data["rows"], data["created_leads"]) == (10, 4)
    assert [(e["row"], e["column"]) for e in data["errors"]] == [
        (3, "Company name"), (4, "Email address / Phone number"), (5, "Toelichting"), (6, "lead_id"),
        (9, "test_lead"), (11, "created_date")]
    assert all(set(e) == {"row", "column", "message"} for e in data["errors"])
    assert "waarschuwing: rij 7, kolom 'KvK-nummer'" in result.stderr
    assert "waarschuwing: rij 10, kolom 'Phone number'" in result.stderr
    with app.app_context():
        assert count(Lead) == 4


def test_human_output_in_dutch(runner):
    result = import_leads(runner, "zoom_webinar_attendees.csv", "zoom-attendees")

    assert result.exit_code == 0, result.output
    assert "bijeenkomst: Livestream Anders kijken naar personeel (nieuw aangemaakt)" in result.stdout
    assert "     4  rijen gelezen" in result.stdout
    assert "     1  nieuwe leads (3 nieuwe werkgevers)" in result.stdout
    assert "     3  vastgelegd zonder nieuwe lead" in result.stdout
    assert "Ingelezen als import" in result.stdout


def test_dry_run_prints_the_same_counts_and_stores_nothing(app, runner):
    result = import_leads(runner, "employers_excel_nl.csv", "generic", "--dry-run", "--json")

    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"rows": 3, "created_leads": 3, "attached": 0, "unchanged": 0, "errors": []}
    with app.app_context():
        assert counts(IMPORT_TABLES) == nothing_stored(IMPORT_TABLES)


def test_options_set_phase_and_channel_for_every_row(app, runner):
    result = import_leads(runner, "employers_excel_nl.csv", "generic", "--phase", "techniek", "--channel", "partner",
                          "--campaign", "aknp")

    assert result.exit_code == 0, result.output
    with app.app_context():
        assert {(lead.phase.code, lead.channel.code) for lead in db.session.scalars(select(Lead))} == {
            ("techniek", "partner")}


def test_exit_1_when_every_row_is_rejected(app, runner):
    # A Teams report on an empty database: no participant is a known contact, and the report names no organisation.
    result = import_leads(runner, "teams_attendance.csv", "teams-attendance", "--json")

    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert (data["rows"], len(data["errors"])) == (3, 3)
    with app.app_context():
        assert counts(IMPORT_TABLES) == nothing_stored(IMPORT_TABLES)


def test_exit_1_when_the_file_is_not_of_the_preset(app, runner):
    result = import_leads(runner, "zoom_webinar_attendees.csv", "meta-lead-ads", "--json")

    assert result.exit_code == 1
    error = json.loads(result.stdout)["errors"][0]
    assert error["row"] is None
    assert error["message"].startswith("Dit lijkt geen Meta-leadformulier-bestand")
    assert "Traceback" not in result.output
    with app.app_context():
        assert counts(IMPORT_TABLES) == nothing_stored(IMPORT_TABLES)


def test_exit_1_and_nothing_changed_when_the_apply_itself_fails(app, runner, monkeypatch):
    real = import_runner.record_touchpoints

    def fail_on_the_third_row(batch, **kwargs):
        real(batch[:2], **kwargs)
        raise OperationalError("INSERT INTO touchpoints", {}, Exception("server closed the connection"))

    monkeypatch.setattr(import_runner, "record_touchpoints", fail_on_the_third_row)
    result = import_leads(runner, "meta_lead_ads.tsv", "meta-lead-ads")

    assert result.exit_code == 1
    assert ("De verbinding met de database is verbroken; het inlezen is gestopt en er is niets opgeslagen."
            in result.output)
    with app.app_context():
        assert counts(IMPORT_TABLES) == nothing_stored(IMPORT_TABLES)  # the two rows before the failure are gone too


def test_a_full_lock_table_on_postgresql_is_explained(monkeypatch, app, runner):
    # PostgreSQL: "out of shared memory, HINT: increase max_locks_per_transaction" when one transaction
    # holds a lock per employer identity for thousands of rows.
    def lock_table_full(batch, **kwargs):
        raise OperationalError("SELECT pg_advisory_xact_lock", {}, Exception(
            "out of shared memory\nHINT:  You might need to increase max_locks_per_transaction."))

    monkeypatch.setattr(import_runner, "record_touchpoints", lock_table_full)
    result = import_leads(runner, "meta_lead_ads.tsv", "meta-lead-ads", "--json")

    assert result.exit_code == 1
    assert json.loads(result.stdout)["errors"][0]["message"].startswith(
        "Het bestand is te groot om in één keer in te lezen")
    with app.app_context():
        assert counts(IMPORT_TABLES) == nothing_stored(IMPORT_TABLES)


@pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                    reason="one import at a time is a PostgreSQL lock (SQLite serialises writers)")
def test_a_second_import_while_one_runs_is_refused_with_a_message_and_stores_nothing(app, runner):
    with app.app_context(), db.engine.connect() as other:
        other.execute(text("SELECT pg_advisory_xact_lock(:namespace, 0)"),
                      {"namespace": import_runner.IMPORT_LOCK_NAMESPACE})  # an import in another session
        refused = import_leads(runner, "meta_lead_ads.tsv", "meta-lead-ads", "--json")
        assert refused.exit_code == 1
        assert json.loads(refused.stdout)["errors"][0]["message"] == import_runner.ALREADY_RUNNING
        with app.app_context():
            assert counts(IMPORT_TABLES) == nothing_stored(IMPORT_TABLES)
        other.rollback()  # that import ends

    applied = import_leads(runner, "meta_lead_ads.tsv", "meta-lead-ads", "--json")
    assert applied.exit_code == 0 and json.loads(applied.stdout)["created_leads"] == 3


@pytest.mark.parametrize("args, message", [
    (["--preset", "excel"], "Invalid value for '--preset'"),
    (["--preset", "generic", "--campaign", "bestaat-niet"], "Geen campagne met deze code."),
    (["--preset", "generic", "--phase", "winter"], "Geen fase met deze code."),
    (["--preset", "generic", "--channel", "radio"], "Geen bekende kanaalcode."),
])
def test_exit_2_on_bad_usage(app, runner, args, message):
    result = runner.invoke(args=["import-leads", str(IMPORT_FIXTURES / "employers_excel_nl.csv"), *args])

    assert result.exit_code == 2
    assert message in result.output
    with app.app_context():
        assert counts(IMPORT_TABLES) == nothing_stored(IMPORT_TABLES)


def test_exit_2_when_the_file_does_not_exist(runner):
    result = runner.invoke(args=["import-leads", str(IMPORT_FIXTURES / "bestaat-niet.csv"), "--preset", "generic"])
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_help_names_the_presets(runner):
    result = runner.invoke(args=["import-leads", "--help"])
    assert result.exit_code == 0
    assert "meta-lead-ads|linkedin-lead-gen|zoom-registrations|zoom-attendees|teams-attendance|generic" in result.output


def test_human_output_counts_a_row_repeated_in_the_file_apart(runner, tmp_path):
    path = tmp_path / "meta_dubbel.tsv"
    path.write_bytes(meta_with_a_repeated_row())
    result = runner.invoke(args=["import-leads", str(path), "--preset", "meta-lead-ads"])

    assert result.exit_code == 0, result.output
    assert "     3  nieuwe leads" in result.stdout
    assert "     0  al eerder ingelezen (niets veranderd)" in result.stdout
    assert "     1  dubbel in het bestand (één keer ingelezen)" in result.stdout


def test_a_row_dated_months_ago_is_not_overdue_on_arrival_and_keeps_its_date(app, runner):
    """The sample's rows are dated in 2025: the first-contact deadline counts from the import, the lead and its
    touchpoint keep the row's own date (the reports' cohort)."""
    before = utcnow()

    assert import_leads(runner, "meta_lead_ads.tsv", "meta-lead-ads").exit_code == 0

    with app.app_context():
        leads = db.session.scalars(select(Lead)).all()
        assert leads and all(lead.created_at < before - timedelta(days=30) for lead in leads)  # the row's date
        assert all(lead.sla_due_at > before for lead in leads)  # counted from today, not from the row's date
        sla.sweep()
        db.session.commit()
        assert all(lead.escalation_level in (None, "due_soon") for lead in db.session.scalars(select(Lead)))
