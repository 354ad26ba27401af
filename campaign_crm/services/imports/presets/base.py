"""What every preset shares: the user's options, the records a preset yields, and reading a plain table.

The format modules (meta, linkedin, generic, zoom, teams) import from here; nothing here knows a format.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from ...capture.intake import TouchpointInput
from .. import fields as F
from ..readers import FileError, Grid, Table

YES = {"ja", "yes", "j", "y", "true", "waar", "1"}
# Columns of our own error file: ignored when a corrected error file is imported again.
ERROR_FILE_COLUMNS = ("Rij", "Kolom", "Reden")


@dataclass
class ImportOptions:
    """What the user chose besides the file: defaults for rows that do not say."""

    preset: str
    campaign: str | None = None
    phase: str | None = None
    channel: str | None = None
    mapping: dict[str, str] | None = None  # generic preset: field → column


def key_source(key: str | None) -> str | None:
    """The source of an import key: the platform it starts with (meta, linkedin, zoom, teams, generic)."""
    return key.partition(":")[0] if key else None


@dataclass
class RowError:
    row: int
    column: str
    message: str


@dataclass
class Record:
    """One thing to record, from one file row (or several joins of one person)."""

    row: int
    values: dict[str, str]
    label: str = ""
    rows: tuple[int, ...] = ()
    key: str | None = None  # the idempotency key, stored as the touchpoint's external_id
    touchpoint: TouchpointInput | None = None
    registration: dict | None = None  # keyword arguments for events.record_registration
    columns: dict[str, str] = field(default_factory=dict)  # intake field → file column(s)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)  # dropped values; the row is still recorded

    def __post_init__(self) -> None:
        self.rows = self.rows or (self.row,)

    @property
    def source(self) -> str | None:
        """The platform the key starts with ("meta:…" → "meta"): the source its id is unique within."""
        return key_source(self.key)

    def error(self, column: str, message: str) -> None:
        self.errors.append(RowError(self.row, column, message))

    def warn(self, column: str, message: str) -> None:
        """A value of this row that was dropped; the row itself is recorded."""
        self.warnings.append(RowError(self.row, column, message))

    def column_for(self, intake_field: str) -> str:
        if intake_field in self.columns:
            return self.columns[intake_field]
        prefix = intake_field.split(".")[0]
        return self.columns.get(prefix, intake_field)


@dataclass
class EventSpec:
    """The livestream or meeting a report is about: found by its reference or made from these facts."""

    ref: str
    title: str
    starts_at: datetime
    kind: str = "livestream"
    ends_at: datetime | None = None
    match_title: bool = False  # also accept an existing event with this title on the same day


@dataclass
class ParsedFile:
    preset: str
    rows: int
    columns: list[str]
    records: Iterator[Record]
    format_label: str
    notes: list[str] = field(default_factory=list)
    event: EventSpec | None = None


@dataclass(frozen=True)
class Preset:
    """A file format the import page offers: its code, what the user reads, and the parser."""

    code: str
    label: str
    parse: Callable[[Grid, ImportOptions], ParsedFile]
    hint: str


def short_hash(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:40]


def clean_text(value: str | None) -> str:
    """Runs of whitespace as one space, trimmed (str.split splits on what `\\s` matches, and faster)."""
    return " ".join(value.split()) if value else ""


# --- reading a plain table -------------------------------------------------------------------------

def first_row(grid: Grid) -> int:
    """The first non-empty row: the header of a plain table."""
    for number in range(1, grid.height + 1):
        if any(c.strip() for c in grid.row(number)):
            return number
    raise FileError("Het bestand is leeg.", {"file": "Geen rijen."})


def require_columns(table: Table, columns: dict[str, tuple[str, ...]], source: str) -> dict[str, str]:
    """The file's column for each required name (by synonym); a FileError naming the missing ones."""
    by_key = {F.header_key(c): c for c in table.columns}
    found, missing = {}, []
    for name, synonyms in columns.items():
        column = next((by_key[s] for s in synonyms if s in by_key), None)
        if column is None:
            missing.append(synonyms[0])
        else:
            found[name] = column
    if missing:
        raise FileError(
            f"Dit lijkt geen {source}-bestand: de kolom(men) {', '.join(missing)} ontbreken. "
            f"Gevonden kolommen: {', '.join(table.columns[:12])}.",
            {"file": "Kolommen ontbreken."},
        )
    return found


def optional_columns(table: Table, columns: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """The file's column for each name (by synonym) that the file has."""
    by_key = {F.header_key(c): c for c in table.columns}
    found = {}
    for name, synonyms in columns.items():
        column = next((by_key[s] for s in synonyms if s in by_key), None)
        if column:
            found[name] = column
    return found
