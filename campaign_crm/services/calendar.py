"""Dutch dates: working days (weekends and public holidays skipped, for SLA due times) and dates written out as
the Dutch write them (`3 december 2026`) in pages, messages and exports."""
from __future__ import annotations

import calendar as month_calendar
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
END_OF_WORKDAY = time(17, 0)
MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
          "november", "december")


def long_date(value: date | datetime) -> str:
    """`3 december 2026`; a moment is first put in Amsterdam time."""
    if isinstance(value, datetime):
        value = value.astimezone(AMSTERDAM).date()
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def long_datetime(value: datetime) -> str:
    """`3 december 2026 om 14:05`, in Amsterdam time."""
    local = value.astimezone(AMSTERDAM)
    return f"{long_date(local.date())} om {local:%H:%M}"


@lru_cache(maxsize=32)
def _holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("NL", years=year)


def today() -> date:
    """Today's date in the Netherlands."""
    return datetime.now(AMSTERDAM).date()


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _holidays(day.year)


def add_working_days(day: date, n: int) -> date:
    """The date `n` working days after `day` (the day itself does not count)."""
    current = day
    remaining = n
    while remaining > 0:
        current += timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def sla_due(created_at: datetime, working_days: int) -> datetime:
    """End of the working day `working_days` working days after the lead came in (Amsterdam time)."""
    local_day = created_at.astimezone(AMSTERDAM).date()
    due_day = add_working_days(local_day, working_days)
    return datetime.combine(due_day, END_OF_WORKDAY, tzinfo=AMSTERDAM)


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (0 when end <= start)."""
    count, current = 0, start
    while current < end:
        current += timedelta(days=1)
        if is_working_day(current):
            count += 1
    return count


def add_months(day: date, months: int) -> date:
    """The same day `months` later; the last day of that month when it is shorter."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, month_calendar.monthrange(year, month)[1]))
