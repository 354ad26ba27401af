"""A file with broken rows: the valid rows go in, each broken row is reported with row, column and
reason, and nothing of a broken row is written."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from campaign_crm.extensions import db
from campaign_crm.models import Contact, Employer, Lead, Touchpoint
from tests.helpers import IMPORT_TABLES, counts, fixture_bytes, import_file, nothing_stored

pytestmark = pytest.mark.usefixtures("service")

# tests/imports/fixtures/linkedin_broken_rows.csv, row by row (row 1 is the header):
REJECTED = [
    (3, "Company name", "Vul de naam van de werkgever in."),  # Karin Smit: no company
    (4, "Email address / Phone number",  # Bram Visser: "bram@@visser-transport" and no phone
     ("Geef een geldig e-mailadres of telefoonnummer van de contactpersoon. "
      "('bram@@visser-transport' is geen geldig e-mailadres.)")),
    # a BSN in a remark
    (5, "Toelichting", "Bevat een BSN-achtig nummer (9 cijfers die de elfproef halen). Haal het weg."),
    (6, "lead_id", ("'7.5E+18' is door Excel afgekort tot een getal met E-notatie; het oorspronkelijke nummer is "
                    "niet meer te herleiden. Gebruik de oorspronkelijke export.")),
    (9, "test_lead", "Testlead van LinkedIn: niet ingelezen."),
    (11, "created_date", ("Datum '6-2-2026' kan dag-maand of maand-dag zijn, waarschijnlijk door Excel omgezet; de "
                          "datum wordt niet geraden. Schrijf hem als JJJJ-MM-DD of gebruik de oorspronkelijke "
                          "export.")),
]
# Valid: row 2 Joost de Vries, row 7 Sem Mulder (KvK number Excel shortened, dropped with a warning), row 8 Fleur
# Peters, row 10 Rik Jansen (phone "12345" dropped with a warning).
VALID = ["Techniekbouw Rijnmond", "Mulder Bouw", "Peters Thuiszorg", "Jansen Metaal"]
WARNINGS = [
    {"row": 7, "column": "KvK-nummer",
     "message": ("KvK-nummer '2412345' heeft 7 cijfers: de voorloopnul is waarschijnlijk door Excel weggehaald. Vul "
                 "het volledige nummer van 8 cijfers in. De waarde is weggelaten; de rij is wel ingelezen.")},
    {"row": 10, "column": "Phone number", "message": "Geen geldig telefoonnummer. Waarde '12345' is weggelaten."},
]


def test_valid_rows_go_in_and_each_broken_row_is_reported_with_row_column_and_reason():
    report = import_file("linkedin_broken_rows.csv", "linkedin-lead-gen")

    assert report.rows == 10
    assert report.created_leads == 4
    assert report.rejected_rows == 6
    assert [(e["row"], e["column"], e["message"]) for e in report.errors] == REJECTED
    assert report.warnings == WARNINGS
    assert sorted(db.session.scalars(select(Employer.name))) == sorted(VALID)
    assert db.session.scalar(select(Employer.kvk).where(Employer.name == "Mulder Bouw")) is None
    assert counts(IMPORT_TABLES) == {**nothing_stored(IMPORT_TABLES),
                                     "employers": 4, "contacts": 4, "leads": 4, "touchpoints": 4}
    rik = db.session.scalar(select(Contact).where(Contact.email == "rik@jansenmetaal.example"))
    assert rik.phone is None


def test_nothing_of_a_broken_row_is_half_written():
    import_file("linkedin_broken_rows.csv", "linkedin-lead-gen")

    refused_emails = ["k.smit@smitmetaal.example", "ilse@dewitzorg.example", "noor@bakkerlogistiek.example",
                      "test@linkedin.example", "eva@dekkerbouw.example"]
    assert db.session.scalars(select(Contact).where(Contact.email.in_(refused_emails))).all() == []
    for name in ("Visser Transport", "De Wit Zorg", "Bakker Logistiek", "LinkedIn Test", "Dekker Bouw"):
        assert db.session.scalar(select(Employer).where(Employer.name == name)) is None
    assert not any("111222333" in (t.message or "") for t in db.session.scalars(select(Touchpoint)))
    assert db.session.scalar(select(Lead).where(Lead.external_id.like("%7.5E%"))) is None


def test_the_report_keeps_no_bsn_even_in_the_rejected_row_it_lists():
    report = import_file("linkedin_broken_rows.csv", "linkedin-lead-gen")

    bsn_row = next(e for e in report.errors if e["row"] == 5)
    assert bsn_row["values"]["Toelichting"] == "[verwijderd: bevatte een BSN-achtig nummer]"
    assert "111222333" not in repr(report.errors) + repr(report.summary())


def test_fixing_the_rows_and_importing_again_adds_only_the_fixed_rows():
    import_file("linkedin_broken_rows.csv", "linkedin-lead-gen")
    fixed = (fixture_bytes("linkedin_broken_rows.csv").decode()
             .replace("Karin,Smit,k.smit@smitmetaal.example,,", "Karin,Smit,k.smit@smitmetaal.example,Smit Metaal,"))

    report = import_file("linkedin_broken_rows.csv", "linkedin-lead-gen", data=fixed.encode())

    assert (report.created_leads, report.unchanged, report.rejected_rows) == (1, 4, 5)
    assert db.session.scalar(select(Employer.name).where(Employer.name == "Smit Metaal")) == "Smit Metaal"
