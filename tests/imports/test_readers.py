"""Reading files: encodings, separators, dates that could be read two ways, Excel damage, durations."""
from __future__ import annotations

from datetime import datetime

import pytest

from campaign_crm.services.calendar import AMSTERDAM
from campaign_crm.services.imports import fields
from campaign_crm.services.imports.presets import (
    LINKEDIN_DATES,
    TEAMS_DATES,
    minutes_from_duration,
)
from campaign_crm.services.imports.readers import (
    DateColumn,
    FileError,
    decode,
    excel_damaged_kvk,
    excel_damaged_vestigingsnummer,
    excel_scientific,
    read_grid,
    sniff_separator,
)
from tests.helpers import fixture_bytes

TEXT = "Bedrijfsnaam;Plaats\r\nCafé De Zwaan;Schiedam\r\n"


@pytest.mark.parametrize("data, encoding", [
    (("\ufeff" + TEXT).encode("utf-8"), "utf-8"),
    (b"\xff\xfe" + TEXT.encode("utf-16-le"), "utf-16-le"),
    (b"\xfe\xff" + TEXT.encode("utf-16-be"), "utf-16-be"),
    (TEXT.encode("utf-16-le"), "utf-16-le"),  # no BOM: NUL bytes give it away
    (TEXT.encode("utf-8"), "utf-8"),
    (TEXT.encode("cp1252"), "cp1252"),  # é as one byte: not UTF-8
])
def test_decode_detects_bom_utf16_utf8_and_falls_back_to_cp1252(data, encoding):
    text, found = decode(data)
    assert (text, found) == (TEXT, encoding)


@pytest.mark.parametrize("text, separator", [
    ("a\tb\tc\n1\t2,5\t3\n", "\t"),
    ("a;b;c\n1;2,5;3\n", ";"),
    ("a,b,c\n1,\"2;5\",3\n", ","),
    ("Attendee Report\nReport Generated:,06/05/2026\nTopic,Webinar ID\nX,1\n", ","),
])
def test_the_separator_is_the_one_that_splits_the_lines_alike(text, separator):
    assert sniff_separator(text) == separator


def test_a_grid_keeps_spreadsheet_row_numbers_and_text_cells():
    grid = read_grid(b"Naam;KvK\r\n\r\nBakkerij;01234567\r\n")
    table = grid.table(1)
    assert list(table.rows()) == [(3, {"Naam": "Bakkerij", "KvK": "01234567"})]  # the blank row 2 still counts


def test_an_empty_or_non_table_file_is_a_file_error():
    with pytest.raises(FileError):
        read_grid(b"   \r\n")
    with pytest.raises(FileError):
        read_grid(b"PK\x03\x04 not really a workbook", "lijst.xlsx")
    with pytest.raises(FileError, match="oud Excel-bestand"):
        read_grid(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "lijst.xls")


def test_the_meta_sample_is_utf16_tab_separated():
    grid = read_grid(fixture_bytes("meta_lead_ads.tsv"))
    assert (grid.encoding, grid.separator) == ("utf-16-le", "\t")
    assert grid.row(2)[0] == "l:1200000000000001"


# --- dates ------------------------------------------------------------------------------------------

def test_a_date_in_the_sources_own_form_is_read_in_its_order():
    dates = DateColumn(["06/02/2026", "06/13/2026"], LINKEDIN_DATES)
    assert dates.parse("06/02/2026") == datetime(2026, 6, 2, tzinfo=AMSTERDAM)
    assert dates.parse("06/13/2026") == datetime(2026, 6, 13, tzinfo=AMSTERDAM)


def test_a_date_rewritten_by_excel_that_fits_both_orders_is_refused_not_guessed():
    dates = DateColumn(["6-2-2026", "06/13/2026"], LINKEDIN_DATES)
    with pytest.raises(ValueError, match="dag-maand of maand-dag"):
        dates.parse("6-2-2026")
    assert dates.parse("13-6-2026") == datetime(2026, 6, 13, tzinfo=AMSTERDAM)  # only one reading possible


def test_a_column_that_contradicts_the_native_order_makes_every_ambiguous_date_an_error():
    # "13/06/2026" only fits day/month: this column is not LinkedIn's MM/DD any more.
    dates = DateColumn(["13/06/2026", "06/02/2026"], LINKEDIN_DATES)
    with pytest.raises(ValueError, match="dag-maand of maand-dag"):
        dates.parse("06/02/2026")
    assert dates.parse("13/06/2026") == datetime(2026, 6, 13, tzinfo=AMSTERDAM)


def test_iso_times_keep_their_offset_and_times_without_one_are_amsterdam():
    dates = DateColumn([])
    assert dates.parse("2026-05-12T09:14:03+02:00").utcoffset().total_seconds() == 7200
    assert dates.parse("2026-05-12 09:14") == datetime(2026, 5, 12, 9, 14, tzinfo=AMSTERDAM)
    assert dates.parse("") is None
    with pytest.raises(ValueError, match="Excel-datumnummer"):
        dates.parse("46175")
    with pytest.raises(ValueError, match="bestaat niet"):
        dates.parse("31/02/2026 10:00")


def test_teams_times_in_us_form_with_am_pm():
    dates = DateColumn(["10/6/26, 8:58:12 AM"], TEAMS_DATES)
    assert dates.parse("10/6/26, 1:05:00 PM") == datetime(2026, 10, 6, 13, 5, tzinfo=AMSTERDAM)
    assert dates.parse("6-10-2026 13:05:00") == datetime(2026, 10, 6, 13, 5, tzinfo=AMSTERDAM)  # Dutch Teams


@pytest.mark.parametrize("raw, minutes", [("1h 27m 51s", 87 + 51 / 60), ("17m 22s", 17 + 22 / 60), ("45s", 0.75),
                                          ("2h", 120), ("1u 5m", 65), ("01:02:30", 62.5)])
def test_teams_durations(raw, minutes):
    assert minutes_from_duration(raw) == pytest.approx(minutes)


# --- Excel damage -----------------------------------------------------------------------------------

def test_excel_damage_is_recognised():
    assert excel_scientific("7.5E+18") and excel_scientific("7,50339E+17") and excel_scientific("1e9")
    assert excel_scientific("750339000000000001") is None
    assert "7 cijfers" in excel_damaged_kvk("2412345")
    assert excel_damaged_kvk("02412345") is None and excel_damaged_kvk("24 12 34 56") is None
    assert excel_damaged_kvk("123") is None  # malformed, but not Excel's doing: the intake drops it with a warning
    assert "8 cijfers in plaats van 12" in excel_damaged_vestigingsnummer("12345678")
    assert excel_damaged_vestigingsnummer("000012345678") is None


# --- columns and interests --------------------------------------------------------------------------

def test_the_dutch_excel_headers_get_a_suggested_mapping():
    columns = ["Bedrijfsnaam", "KvK-nummer", "Vestigingsnummer", "Postcode", "Plaats", "Gemeente", "Sector (SBI)",
               "Aantal medewerkers", "Contactpersoon", "Functie", "E-mail", "Telefoon", "Kanaal", "Opmerking"]
    assert fields.suggest_mapping(columns) == {
        "employer_name": "Bedrijfsnaam", "kvk": "KvK-nummer", "vestigingsnummer": "Vestigingsnummer",
        "postcode": "Postcode", "city": "Plaats", "municipality": "Gemeente", "sbi": "Sector (SBI)",
        "size": "Aantal medewerkers", "contact_name": "Contactpersoon", "function": "Functie", "email": "E-mail",
        "phone": "Telefoon", "channel": "Kanaal", "message": "Opmerking",
    }


@pytest.mark.parametrize("answer, codes, rest", [
    ("loonkostensubsidie", ["lks"], ""),
    ("jobcoaching", ["jobcoaching"], ""),
    ("loonkostensubsidie, jobcoaching", ["lks", "jobcoaching"], ""),
    ("vacature_melden", ["vacature"], ""),
    ("weet ik nog niet", [], "weet ik nog niet"),
    ("Wij zoeken een jobcoach voor een nieuwe collega", ["jobcoaching"],
     "Wij zoeken een jobcoach voor een nieuwe collega"),
])
def test_interest_words_become_codes_and_the_rest_stays_a_message(answer, codes, rest):
    assert fields.split_interests(answer, fields.INTEREST_WORDS) == (codes, rest)
