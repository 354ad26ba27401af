"""Properties of the normalisers and the import readers, over generated input.

Whatever text or bytes come in, the answer is a value of the documented form or the service's
own error with a Dutch message that names the field; never another exception, never a
half-stored row, never a BSN.
"""
from __future__ import annotations

import csv
import io
import json
import re
import unicodedata

import pytest
from hypothesis import HealthCheck, Phase, assume, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from campaign_crm.extensions import db
from campaign_crm.models import Contact, Employer, Lead, Touchpoint
from campaign_crm.services import imports, normalise
from campaign_crm.services.capture.intake import (
    ContactInput,
    EmployerInput,
    TouchpointInput,
    record_touchpoint,
)
from campaign_crm.services.errors import ValidationError
from campaign_crm.services.imports import readers
from tests.helpers import login

# Reproducible in CI: the same examples on every run, and no example database on disk.
PURE = settings(max_examples=60, deadline=None, derandomize=True, database=None)
WITH_DATABASE = settings(max_examples=25, deadline=None, derandomize=True, database=None,
                         suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
# A request round trip per example: fewer of them, and a failure is reported as found, not shrunk.
THROUGH_THE_WEB = settings(WITH_DATABASE, max_examples=12,
                           phases=(Phase.explicit, Phase.reuse, Phase.generate))

# Words that every Dutch refusal of these services uses at least one of.
DUTCH = re.compile(r"\b(het|de|een|geen|niet|is|heeft|lijkt|bestand|kolom|rij|ongeldig|verwacht)\b", re.IGNORECASE)

# Text as people paste it: any character, but most often digits and the separators they type.
TYPED = st.text(alphabet=st.sampled_from("0123456789 .-+()/abcdefghAZsd\t\u00a0\u2007\uff11\u0661"), max_size=24)
ANY_TEXT = st.text(max_size=40) | TYPED


def assert_refusal(exc: ValidationError, field: str) -> None:
    assert exc.message and DUTCH.search(exc.message), exc.message
    assert set(exc.fields) == {field}, exc.fields
    assert DUTCH.search(exc.fields[field]), exc.fields


def normalised_or_refused(function, raw: str, field: str) -> str | None:
    """The normalised value, or None after checking the refusal names `field` in Dutch."""
    try:
        return function(raw, field)
    except ValidationError as exc:
        assert_refusal(exc, field)
        return None


# --- identifiers and contact details ----------------------------------------------------------------

@PURE
@given(raw=ANY_TEXT | st.from_regex(r"\A[0-9 .]{8,14}\Z"))
@example(raw="12.34 56 78")
def test_a_kvk_number_becomes_eight_digits_and_stays_so(raw):
    value = normalised_or_refused(normalise.kvk, raw, "werkgever.kvk")
    if value is not None:
        assert re.fullmatch(r"[0-9]{8}", value)
        assert normalise.kvk(value) == value


@PURE
@given(raw=ANY_TEXT | st.from_regex(r"\A[0-9 .]{12,16}\Z"))
@example(raw="0000 1234 5678")
def test_a_vestigingsnummer_becomes_twelve_digits_and_stays_so(raw):
    value = normalised_or_refused(normalise.vestigingsnummer, raw, "vestigingsnummer")
    if value is not None:
        assert re.fullmatch(r"[0-9]{12}", value)
        assert normalise.vestigingsnummer(value) == value


@PURE
@given(raw=ANY_TEXT | st.from_regex(r"\A\s*[0-9]{4}\s*[a-zA-Z]{2}\s*\Z"))
@example(raw="3011ab")
@example(raw="1234 ss")
def test_a_postcode_becomes_four_digits_a_space_and_two_capitals(raw):
    value = normalised_or_refused(normalise.postcode, raw, "postcode")
    if value is not None:
        assert re.fullmatch(r"[1-9][0-9]{3} [A-Z]{2}", value)
        assert value[-2:] not in {"SA", "SD", "SS"}
        assert normalise.postcode(value) == value


@PURE
@given(raw=ANY_TEXT | st.from_regex(r"\A(\+31|0031|0)[ -]?[1-9][0-9 -]{7,12}\Z")
       | st.from_regex(r"\Ap:\+?[0-9]{8,14}\Z"))
@example(raw="06-12345678")
@example(raw="+31 (0)10 123 45 67")
def test_a_phone_number_becomes_e164_and_stays_so(raw):
    value = normalised_or_refused(normalise.phone, raw, "contact.phone")
    if value is not None:
        assert re.fullmatch(r"\+[1-9][0-9]{6,14}", value)
        assert normalise.phone(value) == value


@PURE
@given(raw=ANY_TEXT | st.emails().map(lambda address: address.swapcase()) | st.emails())
@example(raw="  Jan.Jansen@Bakkerij-Jansen.NL ")
def test_an_email_address_becomes_lower_case_and_stays_so(raw):
    value = normalised_or_refused(normalise.email, raw, "contact.email")
    if value is not None:
        assert value == value.lower() and "@" in value and value == value.strip()
        assert normalise.email(value) == value


# --- BSN ------------------------------------------------------------------------------------------

@st.composite
def bsns(draw) -> str:
    """Nine digits that pass the elfproef."""
    first = draw(st.lists(st.integers(0, 9), min_size=8, max_size=8))
    last = sum(d * w for d, w in zip(first, range(9, 1, -1), strict=True)) % 11
    assume(last < 10)
    digits = "".join(map(str, first)) + str(last)
    assume(digits != "000000000")
    return digits


def written(bsn: str, style: int) -> str:
    """A BSN the way people write it."""
    return [bsn, f"{bsn[:3]} {bsn[3:6]} {bsn[6:]}", f"{bsn[:3]}.{bsn[3:6]}.{bsn[6:]}",
            f"{bsn[:4]}-{bsn[4:6]}-{bsn[6:]}",
            bsn.translate(str.maketrans("0123456789", "０１２３４５６７８９"))][style]


def _no_number_nearby(text: str) -> bool:
    """Text that neither adds digits to the number nor makes it look like an international phone number."""
    return not any(c.isdigit() or c in "+()" for c in unicodedata.normalize("NFKC", text))


SURROUNDING = st.text(max_size=20).filter(_no_number_nearby)


def test_the_generated_bsns_pass_the_elfproef_and_others_do_not():
    assert normalise.is_bsn("111222333") and normalise.is_bsn("123456782")
    assert not normalise.is_bsn("123456789") and not normalise.is_bsn("000000000")


@PURE
@given(bsn=bsns(), style=st.integers(0, 4), before=SURROUNDING, after=SURROUNDING)
def test_a_bsn_in_free_text_is_always_refused(bsn, style, before, after):
    assert normalise.is_bsn(bsn)
    with pytest.raises(ValidationError) as refused:
        normalise.refuse_bsn(f"{before} {written(bsn, style)} {after}", "bericht")
    assert_refusal(refused.value, "bericht")


@PURE
@given(text=ANY_TEXT)
def test_text_is_refused_only_when_it_holds_a_number_that_passes_the_elfproef(text):
    try:
        normalise.refuse_bsn(text, "bericht")
    except ValidationError as exc:
        assert_refusal(exc, "bericht")
        readable = unicodedata.normalize("NFKC", text)
        groups = re.findall(r"[0-9]+", readable)
        runs = [re.sub(r"[^0-9]", "", run) for run in re.findall(r"[0-9][0-9.\-\s]*[0-9]", readable)]
        assert any(normalise.is_bsn(number) for number in groups + runs), text


def stored_counts() -> dict[str, int]:
    return {model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Employer, Contact, Lead, Touchpoint)}


@WITH_DATABASE
@given(bsn=bsns(), style=st.integers(0, 4), where=st.sampled_from(["message", "contact.name", "employer.kvk"]))
def test_the_intake_refuses_a_bsn_in_any_free_field_and_stores_nothing(app, campaign, bsn, style, where):
    number = written(bsn, style)
    with app.app_context():
        before = stored_counts()
        data = TouchpointInput(
            employer=EmployerInput(name="Bakkerij Jansen", kvk=number if where == "employer.kvk" else None),
            contact=ContactInput(name=f"Jan {number}" if where == "contact.name" else "Jan Jansen",
                                 email="jan@bakkerij-jansen.example"),
            message=f"Mijn nummer is {number}." if where == "message" else "Graag contact.",
        )
        with pytest.raises(ValidationError) as refused:
            record_touchpoint(data)
        db.session.rollback()
        assert where in refused.value.fields, refused.value.fields
        assert stored_counts() == before


# --- reading import files ---------------------------------------------------------------------------

CELL = (st.text(max_size=12)
        | st.sampled_from(['"', '""', "'", "\x00", ";", ",", "\t", "\r\n", "\n", 'a"b', "=SUM(A1)", "06-12345678",
                           "info@bakker.example", "111222333", "1,23E+11", "31-12-2026", "2026-06-12 10:00"]))
ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1252", "latin-1")


@st.composite
def csv_files(draw) -> bytes:
    """A table written with any separator, quote and encoding, sometimes damaged by stray bytes."""
    separator = draw(st.sampled_from([";", ",", "\t", "|", " "]))
    quote = draw(st.sampled_from(['"', "'", ""]))
    rows = draw(st.lists(st.lists(CELL, min_size=1, max_size=6), max_size=8))
    text = "\r\n".join(separator.join(f"{quote}{cell}{quote}" for cell in row) for row in rows)
    data = text.encode(draw(st.sampled_from(ENCODINGS)), errors="replace")
    if draw(st.booleans()):
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:]
    return data


def lead_file(rows: list[dict[str, str]]) -> bytes:
    """A generic lead file (Excel-Dutch CSV) with the headers the generic preset recognises."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(GENERIC_COLUMNS), delimiter=";")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


GENERIC_COLUMNS = {
    "Bedrijfsnaam": st.sampled_from(["", "Bakkerij Jansen", "Metaal B.V.", "  ", "Zorg & Co"]) | st.text(max_size=20),
    "Contactpersoon": st.sampled_from(["", "Jan Jansen", "Anna de Vries"]) | st.text(max_size=15),
    "E-mail": st.sampled_from(["", "jan@bakkerij.example", "geen-adres", "ANNA@Zorg.Example"]) | st.emails(),
    "Telefoon": st.sampled_from(["", "06-12345678", "010 123 4567", "1,23E+11", "12"]) | TYPED,
    "KvK-nummer": st.sampled_from(["", "12345678", "1234567", "111222333", "1,23E+07"]) | TYPED,
    "Postcode": st.sampled_from(["", "3011 AB", "3011ab", "ABCD 12"]),
    "Opmerking": st.sampled_from(["", "Graag contact", "BSN 111222333", "=HYPERLINK(\"x\")"]) | st.text(max_size=30),
}
LEAD_ROWS = st.lists(st.fixed_dictionaries(GENERIC_COLUMNS), min_size=1, max_size=6)


def assert_file_refusal(exc: ValidationError) -> None:
    assert isinstance(exc, ValidationError)
    assert exc.message and DUTCH.search(exc.message), exc.message


@PURE
@given(data=csv_files() | st.binary(max_size=300))
@example(data=b"")
@example(data=b"\xff\xfe\x00")
@example(data=b"\xd0\xcf\x11\xe0rest")
@example(data=b"PK\x03\x04not a workbook")
@example(data=b'"open quote;b\r\nc;d')
@example(data=b"Bedrijfsnaam;E-mail\rBakkerij Jansen;jan@bakkerij.example\r")  # classic Mac line endings
def test_any_bytes_read_as_a_grid_or_refused_as_a_file_error(data):
    try:
        grid = readers.read_grid(data, "upload.csv")
    except readers.FileError as exc:
        assert_file_refusal(exc)
    else:
        assert all(isinstance(cell, str) for row in grid.frame.itertuples(index=False) for cell in row)


@settings(max_examples=6, deadline=None, derandomize=True, database=None)
@given(length=st.integers(1_000, 300_000), separator=st.sampled_from([";", ",", "\t"]))
@example(length=200_000, separator=";")
def test_a_long_cell_is_read_or_refused_as_a_file_error(length, separator):
    data = f"Bedrijfsnaam{separator}Opmerking\r\nBakkerij Jansen{separator}{'x' * length}\r\n".encode()
    try:
        grid = readers.read_grid(data, "lang.csv")
    except readers.FileError as exc:
        assert_file_refusal(exc)
    else:
        assert grid.frame.shape[0] == 2


@WITH_DATABASE
@given(data=csv_files(), preset=st.sampled_from(sorted(imports.PRESETS)))
@example(data=b"Bedrijfsnaam;E-mail\r\n;\r\n", preset="generic")
def test_every_preset_parses_any_table_or_refuses_it_with_its_own_error(app, campaign, data, preset):
    options = imports.ImportOptions(preset=preset, campaign="aknp")
    with app.app_context():
        try:
            parsed = imports.parse(data, "upload.csv", options)
        except ValidationError as exc:
            assert_file_refusal(exc)
        else:
            report = imports.ImportRun(parsed, options, actor=None, batch_id=None, dry_run=True).run()
            assert all(error["message"] for error in report.errors)
        db.session.rollback()


@WITH_DATABASE
@given(rows=LEAD_ROWS)
def test_a_cli_import_stores_every_valid_row_and_no_invalid_one(app, campaign, runner, tmp_path, rows):
    path = tmp_path / "aanmeldingen.csv"
    path.write_bytes(lead_file(rows))
    with app.app_context():
        before = stored_counts()

    result = runner.invoke(args=["import-leads", str(path), "--preset", "generic", "--json"])

    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in (0, 1), result.output
    report = json.loads(result.stdout)
    with app.app_context():
        after = stored_counts()
    rejected = {error["row"] for error in report["errors"]}
    if result.exit_code == 1:
        assert after == before
        return
    assert report["rows"] == len(rows)
    assert report["created_leads"] + report["attached"] + report["unchanged"] + len(rejected) == len(rows)
    assert after["touchpoints"] - before["touchpoints"] == report["created_leads"] + report["attached"]
    assert after["leads"] - before["leads"] == report["created_leads"]


@pytest.fixture
def campaign_client(client, factory):
    """A browser logged in as a member of the campaign team (who may import)."""
    login(client, factory.user("campaign"))
    return client


@THROUGH_THE_WEB
@given(data=csv_files() | LEAD_ROWS.map(lead_file), preset=st.sampled_from(sorted(imports.PRESETS)))
@example(data=b"Bedrijfsnaam;E-mail\rBakkerij Jansen;jan@bakkerij.example\r", preset="generic")
def test_a_web_import_of_any_file_never_answers_a_server_error(app, campaign, campaign_client, data, preset):
    client = campaign_client
    with app.app_context():
        before = stored_counts()
    upload = client.post("/import/", data={"file": (io.BytesIO(data), "upload.csv"), "preset": preset,
                                           "campaign": "aknp", "phase": "", "channel": ""},
                         content_type="multipart/form-data")
    assert upload.status_code < 500, upload.status_code
    if upload.status_code != 302 or "/import/" not in upload.headers["Location"]:
        return
    batch_url = re.match(r"(/import/\d+)", upload.headers["Location"]).group(1)
    preview = client.get(batch_url, follow_redirects=True)
    assert preview.status_code < 500, preview.status_code
    preview.get_data()
    with app.app_context():
        assert stored_counts() == before, "a preview stored rows"
    applied = client.post(f"{batch_url}/inlezen", data={})
    applied.get_data()
    assert applied.status_code < 500, applied.status_code
