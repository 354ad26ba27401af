"""Reading uploaded files: encoding and separator detection, a grid of text cells, dates and Excel damage."""
from __future__ import annotations

import csv
import io
import math
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time

import pandas as pd

from ..calendar import AMSTERDAM
from ..errors import ValidationError

SEPARATORS = {"\t": "tab", ";": "puntkomma", ",": "komma"}
XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0"  # the OLE container of Excel 97-2003
# Bounds on a workbook, checked before it is parsed, so a zip bomb or a runaway sheet is refused at once.
# A 100,000-row export unpacks to some 60 MB; a real file stays far below these.
XLSX_MAX_UNPACKED_MB = 400
XLSX_MAX_SHEETS = 50
XLSX_MAX_ROWS = 250_000
XLSX_MAX_COLUMNS = 500
ROWS_PER_SLICE = 5000  # rows of a table turned into Python values at a time
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')


class FileError(ValidationError):
    """The file as a whole cannot be read; nothing in it is imported."""


# --- encoding and separator ------------------------------------------------------------------------

def decode(data: bytes) -> tuple[str, str]:
    """The text of an uploaded file and the encoding it was read with.

    A BOM decides; without one, NUL bytes in every other position mean UTF-16, then UTF-8 is
    tried strictly and cp1252 (what Excel on Windows writes) is the fallback.
    """
    boms = (
        (b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xef\xbb\xbf", "utf-8-sig"),
        (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"),
    )
    for bom, encoding in boms:
        if data.startswith(bom):
            return _decode_as(data[len(bom):], encoding.removesuffix("-sig")), encoding.replace("-sig", "")
    head = data[:4000]
    if len(head) >= 4:
        even_nuls, odd_nuls = head[0::2].count(0), head[1::2].count(0)
        if odd_nuls > len(head) // 4 and even_nuls == 0:
            return _decode_as(data, "utf-16-le"), "utf-16-le"
        if even_nuls > len(head) // 4 and odd_nuls == 0:
            return _decode_as(data, "utf-16-be"), "utf-16-be"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        # cp1252 leaves five byte values undefined; such a file is not text we can read reliably.
        return _decode_as(data, "cp1252"), "cp1252"


def _decode_as(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise FileError(
            f"Het bestand is niet te lezen als {encoding} (byte {exc.start}). "
            "Sla het op als CSV (UTF-8) en probeer het opnieuw.",
            {"file": "Onleesbare tekens."},
        ) from None


def sniff_separator(text: str) -> str:
    """Tab, semicolon or comma: the one that splits most of the first lines into the same number of fields."""
    lines = [line for line in text.splitlines()[:60] if line.strip()]
    if not lines:
        raise FileError("Het bestand is leeg.", {"file": "Geen rijen."})
    sample = "\n".join(lines)
    best, best_score = ",", (0, 0)
    for separator in SEPARATORS:
        widths = [len(row) for row in _csv_rows(io.StringIO(sample), separator)]
        split = [w for w in widths if w > 1]
        if not split:
            continue
        common = max(set(split), key=split.count)
        score = (len(split), split.count(common))
        if score > best_score:
            best, best_score = separator, score
    return best


# --- the grid of cells -----------------------------------------------------------------------------

@dataclass
class Grid:
    """All cells of a file as text; row n of the frame is spreadsheet row n + 1."""

    frame: pd.DataFrame
    encoding: str
    separator: str | None  # None for a spreadsheet

    @property
    def format_label(self) -> str:
        if self.separator is None:
            return "Excel-werkmap"
        return f"{self.encoding}, gescheiden door {SEPARATORS[self.separator]}"

    def row(self, number: int) -> list[str]:
        """The cells of spreadsheet row `number` (1-based), trailing empty cells dropped."""
        cells = [str(v) for v in self.frame.iloc[number - 1].tolist()]
        while cells and not cells[-1].strip():
            cells.pop()
        return cells

    @property
    def height(self) -> int:
        return len(self.frame)

    def table(self, header_row: int, end_row: int | None = None) -> Table:
        """The rows below `header_row` up to (not including) `end_row`, with the header's cells as columns."""
        header = [c.strip() for c in self.row(header_row)]
        if not any(header):
            raise FileError(f"Rij {header_row} zou de kolomkoppen moeten bevatten, maar is leeg.",
                            {"file": "Geen kop."})
        columns = _unique(header)
        body = self.frame.iloc[header_row:end_row - 1 if end_row else None, :len(columns)].copy()
        body.columns = columns
        # Spreadsheet row numbers, so an error can point at the row the user sees.
        body.index = range(header_row + 1, header_row + 1 + len(body))
        empty = (body.apply(lambda col: col.str.strip()) == "").all(axis=1)
        return Table(columns=columns, frame=body[~empty])


def _unique(header: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for index, name in enumerate(header):
        name = name or f"kolom {index + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name} ({seen[name]})"
        else:
            seen[name] = 1
        out.append(name)
    return out


@dataclass
class Table:
    """A header with the non-empty rows under it; the frame's index holds the spreadsheet row numbers."""

    columns: list[str]
    frame: pd.DataFrame

    def __len__(self) -> int:
        return len(self.frame)

    def rows(self) -> Iterator[tuple[int, dict[str, str]]]:
        # A slice of rows at a time, column by column into Python lists: pandas hands out one cell at a
        # time far more slowly, and lists of the whole file would only add memory.
        columns = self.columns
        for start in range(0, len(self.frame), ROWS_PER_SLICE):
            part = self.frame.iloc[start:start + ROWS_PER_SLICE]
            cells = [part.iloc[:, i].tolist() for i in range(len(columns))]
            for number, *values in zip(part.index.tolist(), *cells, strict=True):
                yield number, dict(zip(columns, values, strict=False))

    def values(self, column: str) -> list[str]:
        return self.frame[column].tolist() if column in self.frame else []


def read_grid(data: bytes, filename: str = "") -> Grid:
    """Every cell of a CSV/TSV or XLSX file as text (pandas, dtype=str), blank rows kept so numbers match."""
    if not data.strip():
        raise FileError("Het bestand is leeg.", {"file": "Geen rijen."})
    if data.startswith(XLSX_MAGIC) or filename.lower().endswith(".xlsx"):
        return _read_xlsx(data)
    if data.startswith(XLS_MAGIC):
        raise FileError("Dit is een oud Excel-bestand (.xls). Sla het op als Excel-werkmap (.xlsx) of als CSV.",
                        {"file": "Oud Excel-formaat."})
    text, encoding = decode(data)
    # Old Mac files end lines with a lone CR; one kind of line ending keeps every reader below in step.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    separator = sniff_separator(text)
    # The widest row, so that files with sections of different widths (Zoom, Teams) read as one grid.
    width = max((len(row) for row in _csv_rows(_lines(text), separator)), default=0)
    # UTF-8 bytes for pandas rather than a StringIO, which would hold four bytes per character.
    utf8 = io.BytesIO(text.encode("utf-8"))
    del text
    try:
        frame = pd.read_csv(
            utf8, encoding="utf-8", sep=separator, header=None, names=range(width), dtype=str,
            keep_default_na=False, na_filter=False, skip_blank_lines=False, quoting=csv.QUOTE_MINIMAL, engine="c",
        )
    except (pd.errors.ParserError, ValueError) as exc:
        raise FileError(f"Het bestand is geen geldige CSV: {exc}", {"file": "Onleesbaar als CSV."}) from None
    return Grid(frame=frame.fillna(""), encoding=encoding, separator=separator)


def _csv_rows(lines, separator: str) -> Iterator[list[str]]:
    """csv.reader over `lines`, its own errors (a cell over the field limit, a stray quote) as a FileError."""
    try:
        yield from csv.reader(lines, delimiter=separator)
    except csv.Error as exc:
        limit = csv.field_size_limit()
        reason = (f"een cel is langer dan {limit:,} tekens".replace(",", ".") if "field larger" in str(exc)
                  else "de regels zijn niet als CSV te lezen")
        raise FileError(f"Het bestand is geen geldige CSV: {reason}.", {"file": "Onleesbaar als CSV."}) from None


def _lines(text: str) -> Iterator[str]:
    """The lines of `text` with their endings, one at a time (csv.reader joins quoted line breaks)."""
    start, size = 0, len(text)
    while start < size:
        end = text.find("\n", start)
        end = size if end < 0 else end + 1
        yield text[start:end]
        start = end


def _read_xlsx(data: bytes) -> Grid:
    """The first sheet as text. Cells are read as objects first: a number of 16 or more digits in a
    number cell has lost its last digits (Excel keeps 15), so it is written the way Excel shows it
    (`7.50339E+17`) and the same Excel-damage check as for CSV reports it."""
    check_workbook(data)
    try:
        frame = pd.read_excel(io.BytesIO(data), sheet_name=0, header=None, dtype=object, keep_default_na=False,
                              na_filter=False, engine="openpyxl", nrows=XLSX_MAX_ROWS + 1)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or non-Excel file
        raise FileError(f"Het bestand is geen leesbare Excel-werkmap (.xlsx): {exc.__class__.__name__}.",
                        {"file": "Onleesbaar als Excel."}) from None
    _check_size(len(frame), frame.shape[1] if len(frame) else 0)
    return Grid(frame=frame.map(_cell_text).astype(str), encoding="xlsx", separator=None)


def check_workbook(data: bytes) -> None:
    """Refuse a workbook that would unpack too large, has too many sheets, or whose first sheet says it is
    too big, before any XML is parsed (openpyxl parses it through defusedxml)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            unpacked = sum(member.file_size for member in members)
            if unpacked > XLSX_MAX_UNPACKED_MB * 1024 * 1024:
                raise FileError(
                    f"De Excel-werkmap pakt uit tot {unpacked // (1024 * 1024)} MB; "
                    f"hoogstens {XLSX_MAX_UNPACKED_MB} MB is toegestaan. Sla het werkblad op als CSV, "
                    "of splits het bestand.",
                    {"file": f"Uitgepakt groter dan {XLSX_MAX_UNPACKED_MB} MB."})
            sheets = sorted(m.filename for m in members if re.fullmatch(r"xl/worksheets/[^/]+\.xml", m.filename))
            if len(sheets) > XLSX_MAX_SHEETS:
                raise FileError(f"De Excel-werkmap heeft {len(sheets)} werkbladen; hoogstens {XLSX_MAX_SHEETS} zijn "
                                "toegestaan (alleen het eerste wordt gelezen).",
                                {"file": f"Meer dan {XLSX_MAX_SHEETS} werkbladen."})
            for name in sheets:
                with archive.open(name) as sheet:
                    match = _DIMENSION.search(sheet.read(4096))
                if match and match.group(3):
                    _check_size(int(match.group(4)), _column_number(match.group(3).decode()), name=name)
    except zipfile.BadZipFile:
        raise FileError("Het bestand is geen leesbare Excel-werkmap (.xlsx): geen geldig zip-bestand.",
                        {"file": "Onleesbaar als Excel."}) from None


def _check_size(rows: int, columns: int, name: str | None = None) -> None:
    where = f"Werkblad {name.rsplit('/', 1)[-1].removesuffix('.xml')}" if name else "Het werkblad"
    if rows > XLSX_MAX_ROWS:
        raise FileError(f"{where} heeft meer dan {XLSX_MAX_ROWS:,} rijen; dat is het maximum. Splits het bestand."
                        .replace(",", "."), {"file": f"Meer dan {XLSX_MAX_ROWS} rijen."})
    if columns > XLSX_MAX_COLUMNS:
        raise FileError(f"{where} heeft {columns} kolommen; hoogstens {XLSX_MAX_COLUMNS} zijn toegestaan. Haal de lege "
                        "of overbodige kolommen weg.", {"file": f"Meer dan {XLSX_MAX_COLUMNS} kolommen."})


def _column_number(letters: str) -> int:
    """Excel's column letters as a number: A = 1, Z = 26, AA = 27."""
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def _cell_text(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)) and abs(value) >= 10**15:  # past Excel's 15 significant digits
        return format(float(value), ".6G")
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value)


# --- Excel damage ----------------------------------------------------------------------------------

_SCIENTIFIC = re.compile(r"^[+-]?\d+(?:[.,]\d+)?[eE][+-]?\d+$")


def excel_scientific(value: str) -> str | None:
    """A message when Excel turned a long number into scientific notation (`7.5E+18`), else None."""
    if _SCIENTIFIC.match(value.strip()):
        return (f"{value.strip()!r} is door Excel afgekort tot een getal met E-notatie; het oorspronkelijke nummer is "
                "niet meer te herleiden. Gebruik de oorspronkelijke export.")
    return None


def excel_damaged_kvk(value: str) -> str | None:
    """A message for a KvK number that lost its leading zero (7 digits) or went scientific."""
    digits = re.sub(r"[\s.]", "", value)
    if excel_scientific(value):
        return excel_scientific(value)
    if re.fullmatch(r"\d{7}", digits):
        return (f"KvK-nummer {value.strip()!r} heeft 7 cijfers: de voorloopnul is waarschijnlijk door Excel "
                "weggehaald. Vul het volledige nummer van 8 cijfers in.")
    return None


def excel_damaged_vestigingsnummer(value: str) -> str | None:
    """A message for a 12-digit vestigingsnummer that lost leading zeros (8 to 11 digits left)."""
    digits = re.sub(r"[\s.]", "", value)
    if excel_scientific(value):
        return excel_scientific(value)
    if re.fullmatch(r"\d{8,11}", digits):
        return (f"Vestigingsnummer {value.strip()!r} heeft {len(digits)} cijfers in plaats van 12: voorloopnullen zijn "
                "waarschijnlijk door Excel weggehaald. Vul het volledige nummer in.")
    return None


# --- dates -----------------------------------------------------------------------------------------

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?$")
_DAY_MONTH = re.compile(
    r"^(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})"
    r"(?:[ ,T]+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?)?$"
)
MDY, DMY = "MDY", "DMY"


@dataclass(frozen=True)
class DateForm:
    """A way a source writes dates: a pattern for the whole value and the order of day and month in it."""

    pattern: re.Pattern[str]
    order: str
    example: str


class DateColumn:
    """Reads one column's dates the way its source writes them; refuses a date that can be read two ways.

    A day/month date with both numbers 12 or lower is read only when it has the source's own form
    (e.g. LinkedIn's `MM/DD/YYYY`) and no date in that form in the column contradicts that order.
    Any other form means Excel (or a person) rewrote it: such a date is reported, never guessed.
    ISO 8601 is always accepted. A time without offset is Europe/Amsterdam.
    """

    def __init__(self, values: Iterable[str], forms: Iterable[DateForm] = ()) -> None:
        self.forms = tuple(forms)
        self.contradicted: set[str] = set()
        for value in values:
            form = self._form(value.strip())
            match = _DAY_MONTH.match(value.strip())
            if form is None or match is None:
                continue
            first, second = int(match.group(1)), int(match.group(3))
            if (form.order == MDY and first > 12 >= second) or (form.order == DMY and second > 12 >= first):
                self.contradicted.add(form.order)

    def _form(self, value: str) -> DateForm | None:
        return next((form for form in self.forms if form.pattern.match(value)), None)

    def parse(self, raw: str) -> datetime | None:
        """An aware datetime, None for an empty cell; raises ValueError with a Dutch message."""
        value = raw.strip()
        if not value:
            return None
        if _ISO.match(value):
            parsed = datetime.fromisoformat(value)
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=AMSTERDAM)
        if re.fullmatch(r"\d{5}(?:[.,]\d+)?", value):
            raise ValueError(f"Datum {value!r} staat als getal in het bestand (Excel-datumnummer). Vul een datum in.")
        match = _DAY_MONTH.match(value)
        if match is None:
            examples = " of ".join(dict.fromkeys(f.example for f in self.forms)) or "2026-06-02"
            raise ValueError(f"Datum {value!r} is niet te lezen. Verwacht {examples} of JJJJ-MM-DD.")
        first, second, year = int(match.group(1)), int(match.group(3)), int(match.group(4))
        year += 2000 if year < 100 else 0
        if first > 12 and second > 12:
            raise ValueError(f"Datum {value!r} bestaat niet.")
        if first > 12 or second > 12:
            order = DMY if first > 12 else MDY
        else:
            form = self._form(value)
            if form is None or form.order in self.contradicted:
                raise ValueError(
                    f"Datum {value!r} kan dag-maand of maand-dag zijn, waarschijnlijk door Excel omgezet; "
                    "de datum wordt niet geraden. Schrijf hem als JJJJ-MM-DD of gebruik de oorspronkelijke export."
                )
            order = form.order
        month, day = (first, second) if order == MDY else (second, first)
        try:
            day_value = date(year, month, day)
            hour, minute, second_ = int(match.group(5) or 0), int(match.group(6) or 0), int(match.group(7) or 0)
            meridiem = (match.group(8) or "").upper()
            if meridiem:
                if not 1 <= hour <= 12:
                    raise ValueError
                hour = hour % 12 + (12 if meridiem == "PM" else 0)
            moment = datetime.combine(day_value, time(hour, minute, second_))
        except ValueError:
            raise ValueError(f"Datum {value!r} bestaat niet.") from None
        return moment.replace(tzinfo=AMSTERDAM)


def form(pattern: str, order: str, example: str) -> DateForm:
    return DateForm(re.compile(pattern), order, example)
