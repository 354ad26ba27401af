"""Active LKS jobs per month end against the target line, and net growth per period."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, literal_column, or_, select, union_all

from ...extensions import db
from ...models import Placement, Setting
from .filters import ReportFilter, placement_conditions, placement_from
from .period import Period, month_ends
from .sqltime import month_key, run

LKS = "lks"


def _active_on(day: date):
    """Counts LKS placements active on `day`: started on or before it, not ended on or before it."""
    return func.count().filter(Placement.start_date <= day,
                               or_(Placement.end_date.is_(None), Placement.end_date > day))


def _lks_counts(columns: list, flt: ReportFilter | None) -> dict[str, int]:
    """One scan of the (filtered) LKS placements with one conditional count per column."""
    query = select(*columns).select_from(placement_from(flt)).where(
        Placement.instrument == LKS, *placement_conditions(flt))
    return dict(run(query).mappings().one())


def target_line(day: date, baseline: tuple[float, date], target: tuple[float, date]) -> float | None:
    """The straight line from the baseline to the target on `day`, or None outside those dates."""
    (start_value, start_day), (end_value, end_day) = baseline, target
    if not start_day <= day <= end_day or end_day == start_day:
        return None
    share = (day - start_day).days / (end_day - start_day).days
    return round(start_value + share * (end_value - start_value), 1)


def _settings() -> dict[str, Any]:
    """The four target settings in one query."""
    keys = ("lks_baseline_value", "lks_baseline_date", "lks_target_value", "lks_target_date")
    found = dict(db.session.execute(select(Setting.key, Setting.value).where(Setting.key.in_(keys))).all())
    missing = set(keys) - found.keys()
    if missing:
        raise KeyError(f"settings {sorted(missing)} are not seeded")
    return found


def _point(settings: dict[str, Any], name: str) -> tuple[float, date]:
    return float(settings[f"lks_{name}_value"]), date.fromisoformat(str(settings[f"lks_{name}_date"]))


def _per_month(last: date, flt: ReportFilter | None) -> dict[tuple[str, int, int], int]:
    """LKS placements started and ended per (kind "s"/"e", year, month), up to `last`, in one query."""
    def part(kind: str, column: Any):
        month = month_key(column)
        return select(literal_column(f"'{kind}'"), month, func.count()).select_from(placement_from(flt)).where(
            Placement.instrument == LKS, column <= last, *placement_conditions(flt)).group_by(month)

    rows = run(union_all(part("s", Placement.start_date), part("e", Placement.end_date)))
    return {(kind, int(month[:4]), int(month[5:7])): n for kind, month, n in rows}


def lks_jobs(start: date, end: date, flt: ReportFilter | None = None) -> dict[str, Any]:
    """Per month end in [start, end]: LKS jobs active that day, started and ended in that month,
    and the target line. The filter's period is not used (the dates are `start` and `end`).

    Counted as starts and ends per calendar month; active at a month end = started up to then −
    ended up to then (an end date is never before its start date: the placement service refuses it).
    """
    ends = month_ends(start, end)
    changes = _per_month(ends[-1], flt) if ends else {}
    started = {(y, m): n for (kind, y, m), n in changes.items() if kind == "s"}
    ended = {(y, m): n for (kind, y, m), n in changes.items() if kind == "e"}
    settings = _settings()
    baseline, target = _point(settings, "baseline"), _point(settings, "target")
    months = []
    for day in ends:
        key = (day.year, day.month)
        active = (sum(n for month, n in started.items() if month <= key)
                  - sum(n for month, n in ended.items() if month <= key))
        months.append({"month_end": day.isoformat(), "active": active, "started": started.get(key, 0),
                       "ended": ended.get(key, 0), "target_line": target_line(day, baseline, target)})
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
