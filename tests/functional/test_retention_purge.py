"""Retention: `flask purge-personal-data` anonymises what expired and nothing else; the settings page."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from campaign_crm.extensions import db
from campaign_crm.models import (
    AuditEvent,
    CheckIn,
    Contact,
    Employer,
    ImportBatch,
    Lead,
    Partner,
    Placement,
    Setting,
    Touchpoint,
)
from campaign_crm.services.privacy import retention as purge
from tests.helpers import audit_count, login

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
OLD = datetime(2024, 6, 1, 9, 0, tzinfo=UTC)  # 29 months before NOW: past the 24-month default
RECENT = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def _contact(employer: Employer, name: str, email: str, created: datetime) -> Contact:
    contact = Contact(employer=employer, name=name, function="Directeur", email=email, phone="+31612345678",
                      created_at=created)
    db.session.add(contact)
    return contact


def _lead(employer: Employer, contact: Contact, *, stage: str, at: datetime, message: str) -> Lead:
    lead = Lead(employer=employer, contact=contact, stage=stage, message=message, created_at=at, updated_at=at,
                lost_at=at if stage == "lost" else None)
    db.session.add(lead)
    db.session.flush()
    db.session.add(Touchpoint(kind="form", occurred_at=at, employer=employer, contact=contact, lead=lead,
                              message=message, how_heard="krant"))
    return lead


@pytest.fixture
def region(app):
    """Three contacts: one long gone (old lost lead), one with an open old lead, one recent; two placements."""
    with app.app_context():
        employer = Employer(name="Bakkerij Test", name_key="bakkerij test")
        gone = _contact(employer, "Ria Vergeten", "ria@bakkerij.example", OLD)
        waiting = _contact(employer, "Piet Wacht", "piet@bakkerij.example", OLD)
        recent = _contact(employer, "Sanne Nieuw", "sanne@bakkerij.example", RECENT)
        _lead(employer, gone, stage="lost", at=OLD, message="Bel mij na de zomer")
        _lead(employer, waiting, stage="contacted", at=OLD, message="Nog steeds interesse")
        _lead(employer, recent, stage="lost", at=RECENT, message="Recent afgewezen")
        partner = Partner(name="Gemeente Test", kind="gemeente")
        db.session.add(partner)
        db.session.flush()
        ended_long_ago = Placement(reference="P-OLD", partner_id=partner.id, employer_id=employer.id,
                                   candidate_ref="KAND-1", instrument="lks", start_date=date(2018, 1, 1),
                                   end_date=date(2019, 1, 1), end_note="Verhuisd")
        running = Placement(reference="P-RUN", partner_id=partner.id, employer_id=employer.id, candidate_ref="KAND-2",
                            instrument="lks", start_date=date(2026, 3, 2))
        db.session.add_all([ended_long_ago, running])
        db.session.flush()
        db.session.add_all([CheckIn(placement_id=ended_long_ago.id, week=2, due_on=date(2018, 2, 1), note="Gaat goed"),
                            CheckIn(placement_id=running.id, week=2, due_on=date(2026, 3, 16), note="Gaat goed")])
        db.session.add_all([ImportBatch(preset="generic", filename="oud.csv", sha256="a" * 64, content=b"naam;email",
                                        created_at=datetime(2026, 5, 1, tzinfo=UTC), errors=[{"row": 2}]),
                            ImportBatch(preset="generic", filename="nieuw.csv", sha256="b" * 64, content=b"naam;email",
                                        created_at=datetime(2026, 11, 20, tzinfo=UTC), errors=[])])
        db.session.add(AuditEvent(action="read", object_type="contacts", object_id=gone.id, at=OLD))
        db.session.commit()
        return {"gone": gone.id, "waiting": waiting.id, "recent": recent.id,
                "ended": ended_long_ago.id, "running": running.id}


def _counts(lines) -> dict[str, int]:
    return {line.label: line.rows for line in lines}


def test_a_dry_run_counts_exactly_what_the_purge_then_changes(app, region):
    with app.app_context():
        planned = _counts(purge.purge_personal_data(dry_run=True, now=NOW))
        db.session.rollback()
        assert db.session.get(Contact, region["gone"]).email == "ria@bakkerij.example"  # a dry run changes nothing
        done = _counts(purge.purge_personal_data(now=NOW))
        db.session.commit()
    assert planned == done
    assert done["Contactpersonen geanonimiseerd"] == 1
    assert done["Berichten bij afgesloten leads gewist"] == 1
    assert done["Kandidaatreferenties van beëindigde plaatsingen gewist"] == 1
    assert done["Check-in-notities van beëindigde plaatsingen gewist"] == 1
    assert done["Importbestanden en foutregels gewist"] == 1  # May is more than 3 months back, 20 Nov is not
    assert done["Logboekregels verwijderd"] == 1


def test_only_expired_personal_data_is_anonymised(app, region):
    with app.app_context():
        purge.purge_personal_data(now=NOW)
        db.session.commit()
        gone, waiting, recent = (db.session.get(Contact, region[k]) for k in ("gone", "waiting", "recent"))
        assert (gone.name, gone.function, gone.email, gone.phone) == ("", "", None, None)
        assert gone.anonymised_at is not None
        # An open lead keeps its contact reachable, however old; a recent contact is kept too.
        assert waiting.email == "piet@bakkerij.example" and waiting.anonymised_at is None
        assert recent.name == "Sanne Nieuw"
        messages = dict(db.session.execute(select(Lead.contact_id, Lead.message)).all())
        assert messages[region["gone"]] is None
        assert messages[region["waiting"]] == "Nog steeds interesse"
        assert messages[region["recent"]] == "Recent afgewezen"
        touch = dict(db.session.execute(select(Touchpoint.contact_id, Touchpoint.message)).all())
        assert touch[region["gone"]] is None and touch[region["waiting"]] == "Nog steeds interesse"
        ended, running = db.session.get(Placement, region["ended"]), db.session.get(Placement, region["running"])
        assert (ended.candidate_ref, ended.end_note) == ("verwijderd", "")
        assert running.candidate_ref == "KAND-2"
        notes = dict(db.session.execute(select(CheckIn.placement_id, CheckIn.note)).all())
        assert notes == {region["ended"]: "", region["running"]: "Gaat goed"}
        batches = dict(db.session.execute(select(ImportBatch.filename, ImportBatch.content)).all())
        assert batches == {"oud.csv": None, "nieuw.csv": b"naam;email"}
        # The run itself is logged, with counts only.
        entry = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "personal_data_purged"))
        assert entry.detail["rows"]["Contactpersonen geanonimiseerd"] == 1
        assert "Ria" not in str(entry.detail)


def test_a_second_run_changes_nothing(app, region):
    with app.app_context():
        purge.purge_personal_data(now=NOW)
        db.session.commit()
        again = purge.purge_personal_data(now=NOW)
        db.session.commit()
    assert sum(line.rows for line in again) == 0


def test_the_retention_period_is_a_setting(app, region):
    with app.app_context():
        db.session.get(Setting, "retention_contact_months").value = 36  # OLD is only 29 months back
        db.session.commit()
        purge.purge_personal_data(now=NOW)
        db.session.commit()
        assert db.session.get(Contact, region["gone"]).email == "ria@bakkerij.example"


def test_the_cli_dry_run_prints_counts_and_changes_nothing(app, runner, region):
    result = runner.invoke(args=["purge-personal-data", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Proefdraai" in result.output and "Contactpersonen geanonimiseerd" in result.output
    with app.app_context():
        assert db.session.get(Contact, region["gone"]).email == "ria@bakkerij.example"
    result = runner.invoke(args=["purge-personal-data"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.get(Contact, region["gone"]).email is None


def test_an_anonymised_contact_page_says_so(app, client, factory, region):
    with app.app_context():
        purge.purge_personal_data(now=NOW)
        db.session.commit()
    admin = factory.user("admin")
    login(client, admin)
    page = client.get(f"/werkgevers/contactpersonen/{region['gone']}").get_data(as_text=True)
    assert "Geanonimiseerde contactpersoon" in page and "ria@bakkerij.example" not in page


# --- the settings page --------------------------------------------------------------------------------

def _form(client) -> dict[str, str]:
    """Every field of the settings form as the page renders it."""
    import re

    page = client.get("/beheer/instellingen").get_data(as_text=True)
    fields = dict(re.findall(r'<input id="setting-[a-z_]+" name="([a-z_]+)" value="([^"]*)"', page))
    fields["consent_text"] = re.search(r'name="consent_text" rows="4">([^<]*)</textarea>', page).group(1)
    if 'name="livestream_lead_on_contact_request" value="ja" checked' in page:
        fields["livestream_lead_on_contact_request"] = "ja"
    return fields


def test_an_admin_changes_a_retention_period_and_the_target(app, client, factory):
    admin = factory.user("admin")
    login(client, admin)
    form = _form(client)
    form.update(retention_contact_months="18", lks_target_value="2500")
    response = client.post("/beheer/instellingen", data=form, follow_redirects=True)
    assert "2 instellingen opgeslagen" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Setting, "retention_contact_months").value == 18
        assert db.session.get(Setting, "lks_target_value").value == 2500
        assert audit_count("settings_updated") == 1


@pytest.mark.parametrize(("key", "value", "message"), [
    ("retention_contact_months", "0", "Kies een getal van 1 tot en met 240."),
    ("sla_working_days", "twee", "Vul een heel getal in."),
    ("lks_target_date", "31-12-2026", "Vul een datum in als JJJJ-MM-DD."),
    ("checkin_weeks", "6, 2", "De getallen moeten oplopen"),
    ("lks_target_date", "2025-12-31", "De doeldatum moet na de datum van het vertrekpunt liggen."),
])
def test_a_bad_setting_is_refused_with_its_reason_and_nothing_is_saved(app, client, factory, key, value, message):
    admin = factory.user("admin")
    login(client, admin)
    form = _form(client)
    form.update({key: value, "lks_target_value": "9999"})
    page = client.post("/beheer/instellingen", data=form).get_data(as_text=True)
    assert message in page and f'id="setting-{key}-error"' in page
    with app.app_context():
        assert db.session.get(Setting, "lks_target_value").value == 2400  # all or nothing


def test_a_new_consent_text_needs_a_new_version(app, client, factory):
    admin = factory.user("admin")
    login(client, admin)
    form = _form(client)
    form["consent_text"] = "Een andere tekst."
    page = client.post("/beheer/instellingen", data=form).get_data(as_text=True)
    assert "Geef een nieuwe versie op" in page


def test_only_an_admin_reaches_the_settings(client, factory):
    login(client, factory.user("campaign"))
    assert client.get("/beheer/instellingen").status_code == 403


def test_a_broken_retention_setting_stops_the_cli_with_a_message_and_changes_nothing(app, runner, region):
    with app.app_context():
        db.session.get(Setting, "retention_audit_months").value = "twee jaar"
        db.session.commit()
    result = runner.invoke(args=["purge-personal-data"])
    assert result.exit_code == 1
    assert "retention_audit_months" in result.output and "Traceback" not in result.output
    with app.app_context():
        assert db.session.get(Contact, region["gone"]).email == "ria@bakkerij.example"
