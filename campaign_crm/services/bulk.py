"""Writing many rows at once (docs/benchmarks.md): one statement per table and batch, not one per row.

Every dict of one call has the same keys. SQLite: Core executemany (in C). PostgreSQL: COPY for
inserts and one UPDATE … FROM unnest(arrays) for updates; executing a statement per row (even
pipelined) costs the server 0.3–1 ms a row there, and SQLAlchemy's multi-row VALUES statements are
parsed by psycopg in Python, 30–50 ms per 1,000 rows.
"""
from __future__ import annotations

import json
from typing import Any

from sqlalchemy import JSON, Table, bindparam, insert, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm.util import identity_key

from ..extensions import db


def _table(target) -> Table:
    return getattr(target, "__table__", target)


def _postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def insert_rows(target, rows: list[dict[str, Any]], *, ids: bool = True) -> list[int]:
    """INSERT rows (a model or a table); with `ids`, their new ids in the order of the rows.

    PostgreSQL: the ids are drawn from the table's sequence first (one query), then the rows go in
    by COPY. SQLite cannot promise an order for RETURNING, and SQLAlchemy would fall back to one
    INSERT per row; but SQLite gives each new row the next rowid and lets one transaction write at
    a time, so the ids in ascending order are those of the rows (checked: they must be one run).
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
    if not ids:
        db.session.execute(insert(table), rows)
        return []
    new_ids = sorted(db.session.scalars(insert(table).returning(table.c.id), rows))
    if len(new_ids) != len(rows) or new_ids[-1] - new_ids[0] != len(rows) - 1:
        raise RuntimeError(f"SQLite gave the new {table.name} rows ids that are not one run; cannot tell them apart")
    return new_ids


def _copy(table: Table, rows: list[dict[str, Any]]) -> None:
    """COPY rows into a PostgreSQL table, in the session's transaction (column defaults filled first)."""
    columns = list(rows[0])
    defaults = {c.name: c.default for c in table.columns
                if c.name not in rows[0] and c.default is not None and (c.default.is_callable or c.default.is_scalar)}
    json_columns = {c.name for c in table.columns if isinstance(c.type, JSON)}
    columns += list(defaults)
    names = ", ".join(f'"{name}"' for name in columns)
    statement = f'COPY "{table.name}" ({names}) FROM STDIN'
    connection = db.session.connection()
    cursor = connection.connection.driver_connection.cursor()
    try:
        with cursor.copy(statement) as copy:
            for row in rows:
                values = [row[name] if name in row else _default(defaults[name]) for name in columns]
                copy.write_row([json.dumps(v) if name in json_columns and v is not None else v
                                for name, v in zip(columns, values, strict=True)])
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
