"""Every registered export (this module's own and any other report's that registers), opened through the app
and read back: numbers only in number columns (a hidden small count is an empty cell with a note), percentages
as %-formatted numbers in XLSX and as "98,7" in CSV, real date cells, sheet names meaningful, unique and at most
31 characters; and the tertaal monitor workbook likewise."""
from __future__ import annotations

import io
import re
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from campaign_crm.services.reports import exports
from tests.helpers import check_sheet_names, check_table_sheet, read_csv, report_login

QUERY = {"tertaal": "2026-T2", "as_of": "2026-11-01", "group_by": "channel"}
def registered() -> list[str]:
    return sorted(exports.REGISTRY)


def about(book) -> dict[str, str]:
    sheet = book["Toelichting"]
    return {row[0]: row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}


def test_the_registry_holds_every_export_of_the_report_pages(app):
    assert {"funnel", "funnel-groepen", "kanaal-fase", "toerekening", "eerste-contact", "lks-banen", "netto-groei",
            "behoud-kwartaal", "behoud-instrument", "einden", "einde-hoe", "einde-waarom"} <= set(exports.REGISTRY)
    for name, entry in exports.REGISTRY.items():
        assert entry.name == name and entry.page.startswith("reports."), name


def test_a_name_registers_once_per_page(app):
    with pytest.raises(ValueError, match="already registered"):
        exports.register("funnel", "reports.other_page", lambda q: None)
    with pytest.raises(ValueError, match="lower-case words"):
        exports.register("Funnel Totaal", "reports.dashboard", lambda q: None)


@pytest.mark.parametrize("role", ["campaign", "management"])
def test_every_registered_export_reads_back_as_numbers_percentages_and_dates(client, factory, report_with_placements,
                                                                             role):
    report_login(client, factory, role)
    seen_rates = seen_suppressed = 0
    for name in registered():
        response = client.get(f"/rapportages/export/{name}.xlsx", query_string=QUERY)
        assert response.status_code == 200, name
        book = load_workbook(io.BytesIO(response.data))
        check_sheet_names(book.sheetnames)
        table = book.worksheets[0]
        kinds = check_table_sheet(table)
        suppressed = [cell for row in table.iter_rows(min_row=2) for cell in row if cell.comment is not None]
        if suppressed:
            seen_suppressed += 1
            assert all(cell.value is None for cell in suppressed), name
            assert about(book)["Lege cellen"].startswith("Lege cellen in een getalkolom"), name

        rows = read_csv(client.get(f"/rapportages/export/{name}.csv", query_string=QUERY).data)
        header = rows[0]
        data = rows[1:rows.index([])] if [] in rows else rows[1:]
        assert header == [cell.value for cell in table[1]], name
        for index, label in enumerate(header):
            column = [row[index] for row in data]
            if kinds.get(label) == "rate":
                assert all(re.fullmatch(r"-?\d+(,\d)?|", value) for value in column), (name, label, column)
                xlsx = [cell.value for cell in list(table.iter_cols(min_col=index + 1, max_col=index + 1))[0][1:]]
                for text, exact in zip(column, xlsx, strict=True):
                    if text:
                        seen_rates += 1
                        assert float(text.replace(",", ".")) == pytest.approx(exact * 100, abs=0.051), (name, label)
            assert not any(value.startswith("<") for value in column), (name, label)
        if suppressed:
            assert rows[-1][0].startswith("Toelichting: Lege cellen"), name
    assert seen_rates > 0, "the data set has percentages to check"
    assert (seen_suppressed > 0) == (role == "management"), "management's small counts are hidden, others' are not"


def test_a_percentage_reads_as_98_7_in_csv_and_as_a_formatted_fraction_in_xlsx(client, factory,
                                                                              report_with_placements):
    report_login(client, factory, "campaign")
    rows = read_csv(client.get("/rapportages/export/funnel.csv", query_string=QUERY).data)
    placed = next(row for row in rows if row[0] == "Geplaatst")
    assert placed[2] == "10" and placed[3] == "50"  # 1 of 10 new leads; 1 of the 2 with a vacancy
    contacted = next(row for row in rows if row[0] == "Contact gehad")
    assert contacted[2] == "50"
    sheet = load_workbook(io.BytesIO(client.get("/rapportages/export/funnel.xlsx", query_string=QUERY).data)).active
    cell = next(row for row in sheet.iter_rows(min_row=2) if row[0].value == "Geplaatst")[2]
    assert cell.value == pytest.approx(0.1) and cell.number_format == "0.0%"


def test_the_tertaal_monitor_has_meaningful_sheets_and_no_text_in_number_columns(client, factory,
                                                                                 report_with_placements):
    report_login(client, factory, "management")
    book = load_workbook(io.BytesIO(client.get("/rapportages/tertaalmonitor.xlsx",
                                               query_string={"tertaal": "2026-T2"}).data))
    check_sheet_names(book.sheetnames)
    assert "LKS-banen per maandeinde" in book.sheetnames and "Baanbehoud per startkwartaal" in book.sheetnames
    for sheet in book.worksheets:
        if sheet.title != "Toelichting":
            check_table_sheet(sheet)
    months = book["LKS-banen per maandeinde"]
    assert isinstance(months["A2"].value, datetime) and months["A2"].value.date() == date(2026, 1, 31)


def test_sheet_names_are_cut_after_a_whole_word_and_made_unique():
    long_title = "Tijd tot eerste contact per werkgeversorganisatie en kanaal"
    tables = [exports.Table("a", long_title, [exports.Column("A", "text")]),
              exports.Table("b", long_title, [exports.Column("A", "text")])]
    names = load_workbook(io.BytesIO(exports.workbook_xlsx(tables))).sheetnames
    assert names == ["Tijd tot eerste contact per", "Tijd tot eerste contact per (2)"]
    with pytest.raises(ValueError, match="31 characters"):
        exports.Table("c", "C", [exports.Column("A", "text")], sheet="Een naam die veel te lang is voor Excel")
