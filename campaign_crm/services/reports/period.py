"""Report periods: free date ranges and tertalen (Jan–Apr, May–Aug, Sep–Dec) in local dates."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from ..calendar import AMSTERDAM, long_date

MONTHS_SHORT = ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec")
TERTAAL_MONTHS = 4


def local_midnight_utc(day: date) -> datetime:
    """The aware UTC moment at which `day` starts in Amsterdam."""
    return datetime.combine(day, time(), tzinfo=AMSTERDAM).astimezone(UTC)


@dataclass(frozen=True)
class Period:
    """A span of local (Europe/Amsterdam) dates, both ends included."""

    start: date
    end: date

    @property
    def label(self) -> str:
        """`T1 2026` when the period is exactly a tertaal, else `1 jan 2026 – 30 apr 2026`."""
        whole = tertaal_of(self.start)
        if (whole.start, whole.end) == (self.start, self.end):
            return f"T{_tertaal_number(self.start)} {self.start.year}"
        return f"{long_date(self.start)} – {long_date(self.end)}"

    @property
    def start_utc(self) -> datetime:
        """Local midnight at the start, in UTC: the inclusive lower bound for timestamps."""
        return local_midnight_utc(self.start)

    @property
    def end_utc(self) -> datetime:
        """Local midnight after the last day, in UTC: the exclusive upper bound for timestamps."""
        return local_midnight_utc(self.end + timedelta(days=1))

    @property
    def days(self) -> int:
        """How many days the period spans."""
        return (self.end - self.start).days + 1


def _tertaal_number(day: date) -> int:
    return (day.month - 1) // TERTAAL_MONTHS + 1


def tertaal(year: int, n: int) -> Period:
    """Tertaal `n` of `year`: 1 = Jan–Apr, 2 = May–Aug, 3 = Sep–Dec."""
    if n not in (1, 2, 3):
        raise ValueError(f"a tertaal is 1, 2 or 3, not {n}")
    first_month = (n - 1) * TERTAAL_MONTHS + 1
    start = date(year, first_month, 1)
    end = date(year + 1, 1, 1) if n == 3 else date(year, first_month + TERTAAL_MONTHS, 1)
    return Period(start, end - timedelta(days=1))


def tertaal_of(day: date) -> Period:
    """The tertaal that holds `day`."""
    return tertaal(day.year, _tertaal_number(day))


def tertalen(start: date, end: date) -> list[Period]:
    """Every whole tertaal that overlaps [start, end], in order."""
    out: list[Period] = []
    current = tertaal_of(start)
    while current.start <= end:
        out.append(current)
        current = tertaal_of(current.end + timedelta(days=1))
    return out


def month_ends(start: date, end: date) -> list[date]:
    """Every last day of a month in [start, end], in order."""
    out: list[date] = []
    year, month = start.year, start.month
    while True:
        last = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1))
        if last > end:
            return out
        if last >= start:
            out.append(last)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
