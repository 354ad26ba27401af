"""Report exports: CSV as Dutch Excel reads it and XLSX, both equal to the page's table, with no formula
anywhere; and the tertaal monitor workbook."""
from __future__ import annotations

import io
import re
from datetime import date

import pandas as pd
import pytest
from openpyxl import load_workbook

from campaign_crm.services.reports.exports import (
    Column,
    Table,
    table_csv,
    table_xlsx,
    workbook_xlsx,
)
from tests.helpers import PageTable, export_url, page_table, page_value, read_csv, report_login

DANGEROUS = ["=HYPERLINK(\"http://x.example\")", "+31 10 123", "-2+3", "@SUM(A1)", "\tTab", "\rCR", "\nLF"]


def sample_table() -> Table:
    return Table("voorbeeld", "Voorbeeld", [Column("Naam", "text"), Column("Aantal"), Column("Aandeel", "rate"),
                                            Column("Dagen", "days"), Column("Datum", "date")],
                 [[text, 1200, 0.6234, 1.5, date(2026, 1, 31)] for text in DANGEROUS] + [["Klein", "< 5", None, None,
                                                                                          None]],
                 total=["Totaal", 1204, 0.5, 2.0, None])


def csv_value(text: str, percent: bool = False):
    """A CSV cell back to its value: "1200" → 1200, "0,6234" → 0.6234, in a percentage column "62,3" → 0.623,
    "31 januari 2026" → date, "" → None; other text stays text."""
    if text == "":
        return None
    if percent and re.fullmatch(r"-?\d+(,\d+)?", text):
        return float(text.replace(",", ".")) / 100
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    if re.fullmatch(r"-?\d+,\d+", text):
        return float(text.replace(",", "."))
    return page_value(text)


def csv_data(content: bytes) -> list[list[str]]:
    """The table rows of a CSV export: the header and the rows up to the empty line before any note."""
    rows = read_csv(content)
    return rows[:rows.index([])] if [] in rows else rows


def as_downloaded(shown: PageTable) -> PageTable:
    """The page's table as a download holds it: a count privacy hid ("< 5") is an empty cell there."""
    return PageTable(shown.header, [["–" if cell == "< 5" else cell for cell in row] for row in shown.cells])


def assert_no_formula(content: bytes) -> None:
    """No cell is a formula, and no text starts with = + - @ tab or a line break unquoted."""
    book = load_workbook(io.BytesIO(content))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula: {cell.value!r}"
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\r", "\n")), \
                        f"{sheet.title}!{cell.coordinate} starts dangerously: {cell.value!r}"


# --- the writers, on a table built by hand -----------------------------------------------------------

def test_csv_is_semicolon_separated_utf8_with_bom_and_decimal_comma():
    rows = read_csv(table_csv(sample_table()))
    assert rows[0] == ["Naam", "Aantal", "Aandeel (%)", "Dagen", "Datum"]
    assert rows[1][1:] == ["1200", "62,3", "1,5", "31 januari 2026"]  # a rate as a percentage
    assert rows[-4] == ["Klein", "", "", "", ""]  # the suppressed count is an empty cell …
    assert rows[-3] == ["Totaal", "1204", "50", "2", ""]
    assert rows[-2] == [] and rows[-1][0].startswith("Toelichting: Lege cellen in een getalkolom")  # … with a note


def test_csv_neutralises_every_text_cell_a_spreadsheet_would_run():
    rows = read_csv(table_csv(sample_table()))
    names = [row[0] for row in rows[1:len(DANGEROUS) + 1]]
    assert names == ["'" + text for text in DANGEROUS]


def test_csv_reads_back_in_pandas_as_the_numbers_of_the_table():
    table = sample_table()
    frame = pd.read_csv(io.BytesIO(table_csv(table)), sep=";", decimal=",", encoding="utf-8-sig",
                        nrows=len(table.all_rows))  # the note below the table is no data
    assert list(frame.columns) == ["Naam", "Aantal", "Aandeel (%)", "Dagen", "Datum"]
    assert frame["Aandeel (%)"].iloc[0] == pytest.approx(62.3)
    assert frame["Dagen"].iloc[0] == pytest.approx(1.5)


def test_xlsx_keeps_numbers_as_numbers_and_has_no_formula_cell():
    content = table_xlsx(sample_table(), [("Periode", "=cmd|' /C calc'!A0")])
    assert_no_formula(content)
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    assert [c.value for c in sheet[1]] == ["Naam", "Aantal", "Aandeel", "Dagen", "Datum"]
    assert [c.value for c in sheet[2]][1:4] == [1200, 0.6234, 1.5]
    assert sheet["C2"].number_format == "0.0%"
    assert sheet[2][4].value.date() == date(2026, 1, 31)
    assert sheet[2][4].number_format == "[$-413]d mmmm yyyy"  # a date cell shown as `31 januari 2026`
    # (XML stores a lone CR as a line break, so "\rCR" comes back as "\nCR": still quoted.)
    assert [sheet.cell(row=r, column=1).value for r in range(2, len(DANGEROUS) + 2)] == [
        "'" + t.replace("\r", "\n") for t in DANGEROUS]
    assert [c.value for c in sheet[sheet.max_row]] == ["Totaal", 1204, 0.5, 2.0, None]


def test_xlsx_drops_control_characters_openpyxl_would_refuse():
    table = Table("t", "T", [Column("Naam", "text")], [["Bel\x07 mij"]])
    sheet = load_workbook(io.BytesIO(table_xlsx(table))).worksheets[0]
    assert sheet["A2"].value == "Bel mij"


def test_a_workbook_gets_unique_sheet_names_of_at_most_31_characters():
    tables = [Table("a", "Een heel lange titel: met tekens [die] niet mogen", [Column("A", "text")]),
              Table("b", "Een heel lange titel: met tekens [die] niet mogen", [Column("A", "text")])]
    names = load_workbook(io.BytesIO(workbook_xlsx(tables))).sheetnames
    assert len(set(names)) == 2 and all(len(n) <= 31 and not set("[]:*?/\\") & set(n) for n in names)


# --- through the app: the download equals the page's table ------------------------------------------

EXPORTS = [("reports.dashboard", "funnel"), ("reports.funnel_page", "funnel-groepen"),
           ("reports.funnel_page", "toerekening"), ("reports.funnel_page", "eerste-contact"),
           ("reports.lks_page", "lks-banen"), ("reports.lks_page", "netto-groei"),
           ("reports.retention_page", "behoud-kwartaal"),
           ("reports.retention_page", "behoud-instrument"), ("reports.retention_page", "einden"),
           ("reports.retention_page", "einde-hoe"), ("reports.retention_page", "einde-waarom")]


@pytest.mark.parametrize(("page", "name"), EXPORTS)
@pytest.mark.parametrize("role", ["campaign", "management"])
def test_every_export_read_back_equals_the_table_on_the_page(client, app, report_with_placements, factory, page, name,
                                                             role):
    report_login(client, factory, role)
    query = {"tertaal": "2026-T2", "as_of": "2026-11-01", "group_by": "channel"}
    shown = as_downloaded(page_table(client, app, page, query, name))

    csv_rows = csv_data(client.get(export_url(app, name, "csv", query)).data)
    assert csv_rows[0] == shown.header
    percent = ["%" in label for label in csv_rows[0]]
    shown.assert_matches([[csv_value(cell, pct) for cell, pct in zip(row, percent, strict=True)]
                          for row in csv_rows[1:]])

    content = client.get(export_url(app, name, "xlsx", query)).data
    assert_no_formula(content)
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    assert [c.value for c in sheet[1]] == shown.header
    shown.assert_matches([list(row) for row in sheet.iter_rows(min_row=2, values_only=True)])

    frame = pd.read_excel(io.BytesIO(content), sheet_name=0, engine="openpyxl", dtype=object)
    assert list(frame.columns) == shown.header
    shown.assert_matches([[None if pd.isna(v) else v for v in row] for row in frame.itertuples(index=False)])


def test_a_label_an_admin_typed_as_a_formula_stays_text_in_both_exports(client, app, report_with_placements, factory):
    from campaign_crm.extensions import db
    from campaign_crm.models import Team

    with app.app_context():
        db.session.get(Team, report_with_placements.teams["noord"]).name = '=HYPERLINK("http://x.example","Noord")'
        db.session.commit()
    report_login(client, factory, "campaign")
    query = {"tertaal": "2026-T2", "group_by": "team"}
    rows = read_csv(client.get(export_url(app, "funnel-groepen", "csv", query)).data)
    assert ["'=HYPERLINK(\"http://x.example\",\"Noord\")", "3"] == rows[2][:2]
    content = client.get(export_url(app, "funnel-groepen", "xlsx", query)).data
    assert_no_formula(content)
    assert load_workbook(io.BytesIO(content)).worksheets[0]["A3"].value.startswith("'=HYPERLINK(")


def test_the_tertaal_monitor_has_a_sheet_per_part_and_no_formula(client, report_with_placements, factory):
    report_login(client, factory, "management")
    response = client.get("/rapportages/tertaalmonitor.xlsx?tertaal=2026-T2")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith('attachment; filename="tertaalmonitor-2026-05-01-')
    assert_no_formula(response.data)
    names = load_workbook(io.BytesIO(response.data)).sheetnames
    assert names == ["Funnel per kanaal", "Funnel per fase", "Funnel per kanaal en fase",
                     "LKS-banen per maandeinde",
                     "Netto groei per tertaal", "Baanbehoud per startkwartaal", "Baanbehoud per instrument",
                     "Beëindigde plaatsingen", "Hoe plaatsingen eindigden", "Waarom plaatsingen eindigden",
                     "Toelichting"]
    funnel = pd.read_excel(io.BytesIO(response.data), sheet_name="Funnel per kanaal")
    assert funnel["Nieuwe leads"].iloc[-1] == 10  # the hand-built T2 cohort
    about = dict(pd.read_excel(io.BytesIO(response.data), sheet_name="Toelichting").itertuples(index=False))
    assert about["Periode"] == "T2 2026"
    assert about["Funnel per kanaal"] == "Kanaal en fase volgens het eerste contactmoment."
    assert about["Privacy"].startswith("Aantallen van 1 tot 4 personen zijn niet ingevuld")
    assert about["Lege cellen"].startswith("Lege cellen in een getalkolom: 1 tot 4 personen.")


def test_an_export_with_a_bad_filter_answers_with_the_message_not_a_file(client, report_with_placements, factory):
    report_login(client, factory, "campaign")
    response = client.get("/rapportages/export/funnel.csv?from=2026-13-01")
    assert response.status_code == 422
    assert "text/html" in response.content_type
    assert "Geen geldige datum" in response.get_data(as_text=True)


def test_an_unknown_export_is_not_found(client, report_with_placements, factory):
    report_login(client, factory, "campaign")
    assert client.get("/rapportages/export/leads.csv").status_code == 404
    assert client.get("/rapportages/export/funnel.pdf").status_code == 404
