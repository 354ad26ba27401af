"""Writing many rows at once with Core statements (PERFORMANCE.md): one executemany per table.

Every dict of one call has the same keys, so the driver gets one batch; the ORM's bulk paths cost
more per row, and rows with different NULL patterns would split its batches.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, insert, text, update

from ..extensions import db


def insert_rows(model, rows: list[dict[str, Any]]) -> list[int]:
    """INSERT rows; their new ids, in the order of the rows.

    PostgreSQL: the ids are drawn from the table's sequence first (one query), then the rows go in
    with them through psycopg's pipelined executemany. (A RETURNING insert would be one huge
    statement per 1,000 rows, which psycopg parses in Python each time: 30–50 ms a statement.)
    SQLite cannot promise an order for RETURNING, and SQLAlchemy would fall back to one INSERT per
    row; but SQLite gives each new row the next rowid and lets one transaction write at a time, so
    the ids in ascending order are those of the rows (checked: they must be one unbroken run).
    """
    if not rows:
        return []
    table = model.__table__
    if db.session.get_bind().dialect.name == "postgresql":
        ids = list(db.session.scalars(
            text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"),
            {"table": table.name, "n": len(rows)},
        ))
        db.session.execute(insert(table), [{**row, "id": row_id} for row, row_id in zip(rows, ids, strict=True)])
        return ids
    ids = sorted(db.session.scalars(insert(table).returning(table.c.id), rows))
    if len(ids) != len(rows) or ids[-1] - ids[0] != len(rows) - 1:
        raise RuntimeError(f"SQLite gave the new {table.name} rows ids that are not one run; cannot tell them apart")
    return ids


def update_rows(model, rows: list[dict[str, Any]]) -> None:
    """UPDATE rows by their "id", one executemany per set of columns."""
    table = model.__table__
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(sorted(row)), []).append(row)
    for group in groups.values():
        # The SET clause comes from the rows' other keys, each with its column's type.
        db.session.execute(update(table).where(table.c.id == bindparam("row_id")),
                           [{"row_id": row["id"], **{k: v for k, v in row.items() if k != "id"}} for row in group])
