"""Exports as Dutch Excel reads them: `;`-separated CSV in UTF-8 with a BOM, formulas neutralised."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

# A cell starting with one of these is run as a formula by spreadsheet programs (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_cell(value: Any) -> Any:
    """Text a spreadsheet will not run as a formula (a leading quote); numbers pass unchanged."""
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def dutch_csv(header: list[str], rows: Iterable[Iterable[Any]]) -> bytes:
    """A CSV file for Dutch Excel: `;`, CRLF, UTF-8 with BOM; every cell neutralised."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return "\ufeff".encode() + out.getvalue().encode("utf-8")
