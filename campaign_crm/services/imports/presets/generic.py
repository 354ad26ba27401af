"""Any list of employers (CSV or XLSX) with a column mapping the user confirms."""
from __future__ import annotations

from collections.abc import Iterator

from ...errors import ValidationError
from .. import fields as F
from ..readers import DMY, FileError, Grid, form
from .base import ImportOptions, ParsedFile, Record, clean_text, first_row, short_hash
from .lead_rows import LeadRows

GENERIC_DATES = (form(r"^\d{1,2}-\d{1,2}-\d{4}(?: \d{1,2}:\d{2}(?::\d{2})?)?$", DMY, "D-M-JJJJ"),)


def generic_columns(grid: Grid) -> tuple[list[str], list[dict[str, str]]]:
    """The header of a generic file and its first rows, for the mapping step."""
    table = grid.table(first_row(grid))
    return table.columns, [row for _, row in zip(range(3), (r for _, r in table.rows()), strict=False)]


def parse_generic(grid: Grid, options: ImportOptions) -> ParsedFile:
    """Any list of employers: CSV (`;` or `,`, any encoding) or XLSX, with a column mapping."""
    table = grid.table(first_row(grid))
    mapping = {f: c for f, c in (options.mapping or F.suggest_mapping(table.columns)).items() if c}
    try:
        F.check_mapping(mapping, table.columns)
    except ValidationError as exc:
        raise FileError(exc.message, exc.fields) from None
    builder = LeadRows(table, mapping, options, default_channel=None, date_forms=GENERIC_DATES)
    mapped = sorted(mapping.items())

    def records() -> Iterator[Record]:
        for number, row in table.rows():
            # The same row (same mapped values, any case or spacing) is the same touchpoint.
            key = "generic:" + short_hash(*(f"{f}={clean_text(row.get(c)).casefold()}" for f, c in mapped))
            yield builder.build(number, row, key=key)

    return ParsedFile("generic", len(table), table.columns, records(), grid.format_label)
