"""An import file is bounded before it is parsed: a workbook that unpacks too large, has too many sheets,
rows or columns is refused at once with a Dutch message naming the limit, and nothing is stored. A damaged
optional value never costs the lead: it is dropped with a warning naming row and column."""
from __future__ import annotations

import io
import time
import zipfile

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from campaign_crm.extensions import db
from campaign_crm.models import Employer
from campaign_crm.services.imports import readers
from campaign_crm.services.imports.readers import FileError, read_grid
from tests.helpers import counts, import_file, login, multipart, nothing_stored


def workbook(rows: list[list], sheets: int = 1) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    for number in range(1, sheets):
        book.create_sheet(f"Blad {number + 1}")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def zip_bomb() -> bytes:
    """Half a megabyte that unpacks to 450 MB: a workbook whose first sheet is one endless run of rows."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(workbook([["Bedrijfsnaam", "E-mail"]]))) as source, \
            zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bomb:
        for item in source.infolist():
            if item.filename != "xl/worksheets/sheet1.xml":
                bomb.writestr(item, source.read(item))
        with bomb.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            chunk = b"<row/>" * (1024 * 1024 // 6)
            for _ in range(450):
                sheet.write(chunk)
    return buffer.getvalue()


def refused_in_time(data: bytes) -> str:
    started = time.perf_counter()
    with pytest.raises(FileError) as refused:
        read_grid(data, "werkgevers.xlsx")
    assert time.perf_counter() - started < 0.5
    return refused.value.message


def test_openpyxl_parses_workbooks_through_defusedxml():
    from openpyxl.xml import DEFUSEDXML

    assert DEFUSEDXML is True


def test_a_zip_bomb_is_refused_at_once_naming_the_limit(zip_bomb):
    assert len(zip_bomb) < 1024 * 1024

    message = refused_in_time(zip_bomb)

    assert f"hoogstens {readers.XLSX_MAX_UNPACKED_MB} MB" in message


def test_a_sheet_with_ten_thousand_columns_is_refused_at_once_naming_the_limit():
    message = refused_in_time(workbook([["Bedrijfsnaam", "E-mail", *(f"kolom {n}" for n in range(10_000))]]))

    assert f"10002 kolommen; hoogstens {readers.XLSX_MAX_COLUMNS}" in message


def test_a_sheet_that_says_it_has_more_rows_than_allowed_is_refused_at_once(monkeypatch):
    monkeypatch.setattr(readers, "XLSX_MAX_ROWS", 3)

    message = refused_in_time(workbook([["Bedrijfsnaam"], ["A"], ["B"], ["C"], ["D"]]))

    assert "meer dan 3 rijen" in message


def test_a_workbook_with_too_many_sheets_is_refused():
    message = refused_in_time(workbook([["Bedrijfsnaam"]], sheets=readers.XLSX_MAX_SHEETS + 1))

    assert f"hoogstens {readers.XLSX_MAX_SHEETS}" in message


def test_a_zip_bomb_uploaded_on_the_web_is_refused_on_the_form_and_nothing_is_stored(app, client, factory, campaign,
                                                                                     zip_bomb):
    login(client, factory.user("campaign"))

    fields = {"preset": "generic", "campaign": "aknp", "phase": "", "channel": ""}
    response = client.post("/import/", data=multipart(fields, "werkgevers.xlsx", zip_bomb),
                           content_type="multipart/form-data; boundary=grens")

    assert response.status_code == 200
    assert f"hoogstens {readers.XLSX_MAX_UNPACKED_MB} MB" in response.get_data(as_text=True)
    with app.app_context():
        assert counts() == nothing_stored()
    assert client.get("/import/").status_code == 200


def test_a_kvk_number_excel_shortened_is_dropped_with_a_warning_and_the_row_is_imported(campaign, ctx):
    data = workbook([["Bedrijfsnaam", "KvK-nummer", "E-mail"],
                     ["Metaal Zuid", 2498765, "info@metaalzuid.example"],
                     ["Bouw Noord", "123456782", "info@bouwnoord.example"]])  # a BSN-like number: refused

    report = import_file("werkgevers.xlsx", "generic", data=data)

    assert report.created_leads == 1
    assert [(w["row"], w["column"]) for w in report.warnings] == [(2, "KvK-nummer")]
    assert "7 cijfers" in report.warnings[0]["message"] and "weggelaten" in report.warnings[0]["message"]
    assert [(e["row"], e["column"]) for e in report.errors] == [(3, "KvK-nummer")]
    assert "BSN" in report.errors[0]["message"]
    assert db.session.scalars(select(Employer.name)).all() == ["Metaal Zuid"]
    assert db.session.scalar(select(Employer.kvk)) is None
