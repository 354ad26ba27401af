"""Writing many rows at once (docs/benchmarks.md): one statement per table and batch, not one per row.

Every dict of one call has the same keys. SQLite: multi-row INSERT statements sent by the driver, each value
put through its column type's bind processor (what SQLAlchemy would send). PostgreSQL: COPY for inserts
and one UPDATE … FROM unnest(arrays) for updates; executing a statement per row (even pipelined) costs
the server 0.3–1 ms a row there, and SQLAlchemy's multi-row VALUES statements are parsed by psycopg in
Python, 30–50 ms per 1,000 rows.
"""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from typing import Any

from sqlalchemy import JSON, Table, bindparam, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm.util import identity_key

from ..extensions import db

SQLITE_ROWS_PER_STATEMENT = 500  # rows per INSERT on SQLite (fewer where the columns would pass its parameter limit)


def _table(target) -> Table:
    return getattr(target, "__table__", target)


def _postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def insert_rows(target, rows: list[dict[str, Any]], *, ids: bool = True) -> list[int]:
    """INSERT rows (a model or a table); with `ids`, their new ids in the order of the rows.

    PostgreSQL: the ids are drawn from the table's sequence first (one query), then the rows go in
    by COPY. SQLite: one statement per 500 rows; SQLite gives each new row the largest rowid plus one and lets one
    transaction write at a time, so the new ids are the run after the largest id before (checked).
    """
    if not rows:
        return []
    table = _table(target)
    if _postgresql():
        new_ids: list[int] = []
        if ids:
            new_ids = list(db.session.scalars(
                text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"),
                {"table": table.name, "n": len(rows)},
            ))
            rows = [{**row, "id": row_id} for row, row_id in zip(rows, new_ids, strict=True)]
        _copy(table, rows)
        return new_ids
    return _insert_sqlite(table, rows, ids)


def _filled(table: Table, row: dict[str, Any]) -> tuple[list[str], dict[str, Any]]:
    """The columns to write (the row's keys, then those with a Python-side default) and those defaults,
    as Core's INSERT would fill them in."""
    defaults = {c.name: c.default for c in table.columns
                if c.name not in row and c.default is not None and (c.default.is_callable or c.default.is_scalar)}
    return [*row, *defaults], defaults


def _values(rows: list[dict[str, Any]], columns: list[str], defaults: dict[str, Any],
            convert: dict[int, Callable[[Any], Any]]) -> list[list[Any]]:
    """The rows as lists in the order of `columns`, defaults filled in, column `i` put through `convert[i]`."""
    given = [name for name in columns if name not in defaults]
    extra = [_default(defaults[name]) for name in columns if name in defaults]
    out = [[row[name] for name in given] + extra for row in rows]
    for i, fn in convert.items():
        done: dict[Any, Any] = {}  # a value repeated down a column (a batch's time, a code) converted once
        for values in out:
            value = values[i]
            if value is None:
                continue
            try:
                values[i] = done[value] if value in done else done.setdefault(value, fn(value))
            except TypeError:  # unhashable (a JSON value)
                values[i] = fn(value)
    return out


def _insert_sqlite(table: Table, rows: list[dict[str, Any]], ids: bool) -> list[int]:
    """Multi-row INSERT statements (as many rows as SQLite takes parameters): one statement, not one per row,
    matters where a trigger keeps a full-text index (it is written once per statement)."""
    connection = db.session.connection()
    dialect = connection.dialect
    columns, defaults = _filled(table, rows[0])
    processors = {i: processor for i, name in enumerate(columns)
                  if (processor := table.c[name].type._cached_bind_processor(dialect)) is not None}
    values = _values(rows, columns, defaults, processors)
    names = ", ".join(f'"{name}"' for name in columns)
    placeholders = f"({', '.join('?' * len(columns))})"
    driver = connection.connection.driver_connection
    limit = driver.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)  # parameters per statement
    per_statement = max(1, min(SQLITE_ROWS_PER_STATEMENT, limit // len(columns)))
    cursor = driver.cursor()
    statement = f'INSERT INTO "{table.name}" ({names}) VALUES {placeholders}'
    try:
        before = 0
        if ids:
            before = cursor.execute(f'SELECT max(id) FROM "{table.name}"').fetchone()[0] or 0
        for start in range(0, len(values), per_statement):
            part = values[start:start + per_statement]
            statement = f'INSERT INTO "{table.name}" ({names}) VALUES {", ".join([placeholders] * len(part))}'
            cursor.execute(statement, [value for row in part for value in row])
        if not ids:
            return []
        last = cursor.execute("SELECT last_insert_rowid()").fetchone()[0]
    except dialect.loaded_dbapi.Error as exc:
        raise DBAPIError.instance(statement, None, exc, dialect.loaded_dbapi.Error, dialect=dialect) from exc
    finally:
        cursor.close()
    if last != before + len(rows):
        raise RuntimeError(f"SQLite gave the new {table.name} rows ids that are not one run; cannot tell them apart")
    return list(range(before + 1, last + 1))


def _copy(table: Table, rows: list[dict[str, Any]]) -> None:
    """COPY rows into a PostgreSQL table, in the session's transaction (column defaults filled first)."""
    columns, defaults = _filled(table, rows[0])
    json_columns = {i: json.dumps for i, name in enumerate(columns) if isinstance(table.c[name].type, JSON)}
    values = _values(rows, columns, defaults, json_columns)
    names = ", ".join(f'"{name}"' for name in columns)
    statement = f'COPY "{table.name}" ({names}) FROM STDIN'
    connection = db.session.connection()
    cursor = connection.connection.driver_connection.cursor()
    try:
        with cursor.copy(statement) as copy:
            for row in values:
                copy.write_row(row)
    except connection.dialect.loaded_dbapi.Error as exc:
        # The driver's error as SQLAlchemy's (IntegrityError, OperationalError, …), as callers expect:
        # a parallel request that won the race to a unique key is retried by the API.
        raise DBAPIError.instance(statement, None, exc, connection.dialect.loaded_dbapi.Error,
                                  dialect=connection.dialect) from exc
    finally:
        cursor.close()


def _default(default) -> Any:
    return default.arg(None) if default.is_callable else default.arg


def update_rows(target, rows: list[dict[str, Any]]) -> None:
    """UPDATE rows by their "id", one statement per set of columns; `onupdate` columns are set too."""
    table = _table(target)
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(sorted(row)), []).append(row)
    for group in groups.values():
        if _postgresql():
            _update_from_arrays(table, group)
        else:
            # The SET clause comes from the rows' other keys, each with its column's type.
            db.session.execute(update(table).where(table.c.id == bindparam("row_id")),
                               [{"row_id": row["id"], **{k: v for k, v in row.items() if k != "id"}} for row in group])


def _update_from_arrays(table: Table, rows: list[dict[str, Any]]) -> None:
    """One UPDATE … FROM unnest(one array per column) for all rows (PostgreSQL)."""
    dialect = db.session.get_bind().dialect
    now_columns = {c.name: c.onupdate.arg(None) for c in table.columns
                   if c.name not in rows[0] and c.onupdate is not None and c.onupdate.is_callable}
    columns = [name for name in rows[0] if name != "id"] + list(now_columns)
    arrays, sets, params = [], [], {"ids": [row["id"] for row in rows]}
    for i, name in enumerate(columns):
        column = table.c[name]
        values = [row[name] for row in rows] if name in rows[0] else [now_columns[name]] * len(rows)
        if isinstance(column.type, JSON):
            values = [json.dumps(v) if v is not None else None for v in values]
            arrays.append(f"CAST(:c{i} AS TEXT[])")
            sets.append(f'"{name}" = CAST(v.c{i} AS JSON)')
        else:
            arrays.append(f"CAST(:c{i} AS {column.type.compile(dialect=dialect)}[])")
            sets.append(f'"{name}" = v.c{i}')
        params[f"c{i}"] = values
    aliases = ", ".join(f"c{i}" for i in range(len(columns)))
    db.session.execute(text(
        f'UPDATE "{table.name}" SET {", ".join(sets)} '
        f"FROM unnest(CAST(:ids AS INTEGER[]), {', '.join(arrays)}) AS v(id, {aliases}) "
        f'WHERE "{table.name}".id = v.id'
    ), params)


def expire(model, ids) -> None:
    """The writes here go around the ORM: objects the session holds of these rows are read again on next use."""
    for row_id in ids:
        obj = db.session.identity_map.get(identity_key(model, row_id))
        if obj is not None:
            db.session.expire(obj)
