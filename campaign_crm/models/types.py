"""Column types shared by the models."""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator

MAX_DB_ID = 2**31 - 1  # the largest PostgreSQL `integer`, the type of every id column


class UTCDateTime(TypeDecorator):
    """A timezone-aware timestamp that always comes back as UTC, on SQLite too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware datetime (UTC)")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


def personal(category: str, retention: str) -> dict[str, str]:
    """Column info for the processing register: what kind of personal data, kept how long.

    `retention` names a retention setting (e.g. "retention_contact_months") or says in words how long.
    """
    return {"personal_data": category, "retention": retention}


# Column info for a text column that holds no personal data (the register test asks every one to say so).
NOT_PERSONAL: dict[str, None] = {"personal_data": None}
