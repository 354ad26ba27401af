"""Active LKS jobs per month end against the target line, and net growth per period."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, or_, select

from ...extensions import db
from ...models import Placement
from .. import reference
from .filters import ReportFilter, placement_conditions, placement_from
from .period import Period, month_ends
from .sqltime import date_part

LKS = "lks"


def _active_on(day: date):
    """Counts LKS placements active on `day`: started on or before it, not ended on or before it."""
    return func.count().filter(Placement.start_date <= day,
                               or_(Placement.end_date.is_(None), Placement.end_date > day))


def _lks_counts(columns: list, flt: ReportFilter | None) -> dict[str, int]:
    """One scan of the (filtered) LKS placements with one conditional count per column."""
    query = select(*columns).select_from(placement_from(flt)).where(
        Placement.instrument == LKS, *placement_conditions(flt))
    return dict(db.session.execute(query).mappings().one())


def target_line(day: date, baseline: tuple[float, date], target: tuple[float, date]) -> float | None:
    """The straight line from the baseline to the target on `day`, or None outside those dates."""
    (start_value, start_day), (end_value, end_day) = baseline, target
    if not start_day <= day <= end_day or end_day == start_day:
        return None
    share = (day - start_day).days / (end_day - start_day).days
    return round(start_value + share * (end_value - start_value), 1)


def _setting_point(value_key: str, date_key: str) -> tuple[float, date]:
    return float(reference.setting(value_key)), date.fromisoformat(str(reference.setting(date_key)))


def _per_month(column: Any, last: date, flt: ReportFilter | None) -> dict[tuple[int, int], int]:
    """LKS placements per (year, month) of `column` (start or end date), up to `last`."""
    inner = select(date_part("year", column).label("y"), date_part("month", column).label("m")).select_from(
        placement_from(flt)).where(Placement.instrument == LKS, column <= last, *placement_conditions(flt)).subquery()
    query = select(inner.c.y, inner.c.m, func.count()).group_by(inner.c.y, inner.c.m)
    return {(y, m): n for y, m, n in db.session.execute(query)}


def lks_jobs(start: date, end: date, flt: ReportFilter | None = None) -> dict[str, Any]:
    """Per month end in [start, end]: LKS jobs active that day, started and ended in that month,
    and the target line. The filter's period is not used (the dates are `start` and `end`).

    Counted as starts and ends per calendar month; active at a month end = started up to then −
    ended up to then (an end date is never before its start date: the placement service refuses it).
    """
    ends = month_ends(start, end)
    started = _per_month(Placement.start_date, ends[-1], flt) if ends else {}
    ended = _per_month(Placement.end_date, ends[-1], flt) if ends else {}
    months = []
    for day in ends:
        key = (day.year, day.month)
        active = (sum(n for month, n in started.items() if month <= key)
                  - sum(n for month, n in ended.items() if month <= key))
        months.append({"month_end": day.isoformat(), "active": active, "started": started.get(key, 0),
                       "ended": ended.get(key, 0)})
    baseline = _setting_point("lks_baseline_value", "lks_baseline_date")
    target = _setting_point("lks_target_value", "lks_target_date")
    for month in months:
        month["target_line"] = target_line(date.fromisoformat(month["month_end"]), baseline, target)
    return {
        "from": start.isoformat(), "to": end.isoformat(),
        "target": {"value": int(target[0]), "date": target[1].isoformat()},
        "baseline": {"value": int(baseline[0]), "date": baseline[1].isoformat()},
        "months": months,
    }


def net_growth(periods: list[Period], flt: ReportFilter | None = None) -> list[dict[str, Any]]:
    """Per period: LKS jobs active the day before it starts and on its last day, and the difference."""
    columns = []
    for i, period in enumerate(periods):
        columns += [_active_on(period.start - timedelta(days=1)).label(f"start_{i}"),
                    _active_on(period.end).label(f"end_{i}")]
    counts = _lks_counts(columns, flt) if columns else {}
    return [{"period": period.label, "from": period.start.isoformat(), "to": period.end.isoformat(),
             "active_start": counts[f"start_{i}"], "active_end": counts[f"end_{i}"],
             "net": counts[f"end_{i}"] - counts[f"start_{i}"]}
            for i, period in enumerate(periods)]
