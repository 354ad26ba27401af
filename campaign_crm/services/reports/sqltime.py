"""Date arithmetic in SQL that reads the same on SQLite and PostgreSQL.

SQLite stores our timestamps as naive UTC text and knows no time zones, so the local date of a
timestamp is spelled out with the Europe/Amsterdam offset changes of the years involved.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Date, Integer, case, cast, func, literal_column

from ...extensions import db
from ..calendar import AMSTERDAM


def run(query: Any) -> Any:
    """Execute a report query on the session's connection: plain rows without ORM row processing
    (a noticeable cost on thousands of aggregated rows), after flushing pending changes as the
    session would."""
    db.session.flush()
    return db.session.connection().execute(query)


def dialect() -> str:
    """The name of the database dialect in use: sqlite or postgresql."""
    return db.session.get_bind().dialect.name


def days_between(later: Any, earlier: Any) -> Any:
    """later − earlier in whole days, for two date expressions."""
    if dialect() == "sqlite":
        return cast(func.julianday(later) - func.julianday(earlier), Integer)
    return later - earlier  # PostgreSQL: date − date is an integer


def date_part(part: str, column: Any) -> Any:
    """The year or month of a DATE column, as an integer."""
    if dialect() == "sqlite":
        # SQLite keeps dates as 'YYYY-MM-DD' text: cutting it is cheaper than strftime().
        start, length = {"year": (1, 4), "month": (6, 2)}[part]
        return cast(func.substr(column, literal_column(str(start)), literal_column(str(length))), Integer)
    return cast(func.extract(part, column), Integer)


def day_number(column: Any) -> Any:
    """A date expression as whole days since 1970-01-01 (numpy's datetime64[D] counting)."""
    if dialect() == "sqlite":
        return cast(func.julianday(column) - 2440587.5, Integer)  # julianday of 1970-01-01 00:00
    return column - literal_column("DATE '1970-01-01'")


def month_key(column: Any) -> Any:
    """'YYYY-MM' of a DATE column, without bound parameters (so it can stand in GROUP BY)."""
    if dialect() == "sqlite":
        return func.substr(column, literal_column("1"), literal_column("7"))
    return func.to_char(column, literal_column("'YYYY-MM'"))


@cache
def _offset_changes(year: int) -> tuple[tuple[datetime, int], ...]:
    """The UTC moments in `year` at which Amsterdam's offset from UTC changes, with the new offset (hours)."""
    changes = []
    moment = datetime(year, 1, 1, tzinfo=UTC)
    offset = moment.astimezone(AMSTERDAM).utcoffset()
    day = timedelta(days=1)
    while moment.year == year:
        following = moment + day
        if following.astimezone(AMSTERDAM).utcoffset() != offset:
            hour = moment
            while hour.astimezone(AMSTERDAM).utcoffset() == offset:
                hour += timedelta(hours=1)
            offset = hour.astimezone(AMSTERDAM).utcoffset()
            changes.append((hour, int(offset.total_seconds() // 3600)))
        moment = following
    return tuple(changes)


def local_date(column: Any, years: range) -> Any:
    """The Europe/Amsterdam calendar date of a UTC timestamp column.

    On SQLite the offsets are exact for `years`; outside them standard time (UTC+1) is assumed.
    """
    if dialect() == "postgresql":
        return cast(func.timezone("Europe/Amsterdam", column), Date)
    base = int(datetime(years.start, 1, 1, tzinfo=UTC).astimezone(AMSTERDAM).utcoffset().total_seconds() // 3600)
    whens = []
    for year in years:
        for moment, hours in _offset_changes(year):
            # Literal text, compared with the stored 'YYYY-MM-DD HH:MM:SS.ffffff': later changes win.
            whens.insert(0, (column >= literal_column(f"'{moment:%Y-%m-%d %H:%M:%S}'"),
                             func.date(column, f"+{hours} hours")))
    return case(*whens, else_=func.date(column, f"+{base} hours")) if whens else func.date(column, f"+{base} hours")


def years_for(start: date, end: date) -> range:
    """The years a timestamp between `start` and `end` can fall in, one year of margin each side."""
    return range(start.year - 1, end.year + 2)
