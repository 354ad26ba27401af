"""Retention of placements: Kaplan–Meier survival per start cohort and per instrument, and end reasons.

The database groups placements into (cohort, duration, ended) counts; numpy turns those counts
into product-limit curves. See docs/reports.md for why this is not lifelines.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import (
    Date,
    Integer,
    and_,
    case,
    cast,
    func,
    literal,
    literal_column,
    select,
)

from ...extensions import db
from ...models import EndHow, EndWhy, Instrument, Placement
from ..calendar import today
from ..errors import ValidationError
from .filters import ReportFilter, placement_conditions, placement_from
from .groups import TOTAL, UNKNOWN
from .sqltime import date_part, days_between, run

MILESTONES = (91, 182, 365)
FIRST_YEAR = 365
COHORTS = {"quarter": "kwartaal", "tertaal": "tertaal", "year": "jaar"}


# The curve ------------------------------------------------------------------------------------------


def kaplan_meier(durations: Sequence[int], events: Sequence[bool | int],
                 counts: Sequence[int] | None = None) -> list[dict[str, Any]]:
    """The product-limit estimate S(t) = Π over event days t_i ≤ t of (1 − d_i / n_i).

    `durations` in days, `events` true when the placement ended (false: still running, censored),
    `counts` how many placements share that (duration, event) pair (1 each when omitted).
    n_i counts everyone whose duration is at least t_i: a placement censored on an event day is
    still at risk that day. The curve starts at day 0 (survival after any day-0 endings), has one
    point per day with an ending, and ends on the last day anyone was followed (the curve is not
    known beyond it). Survival is rounded to 4 decimals.
    """
    days = np.asarray(durations, dtype=np.int64)
    ended = np.asarray(events, dtype=bool)
    weight = np.ones(days.size, dtype=np.int64) if counts is None else np.asarray(counts, dtype=np.int64)
    if days.size == 0 or weight.sum() == 0:
        return []
    times, index = np.unique(days, return_inverse=True)
    leaving = np.bincount(index, weights=weight, minlength=times.size)        # ended or censored on t
    deaths = np.bincount(index, weights=weight * ended, minlength=times.size)  # ended on t
    at_risk = weight.sum() - np.concatenate(([0], np.cumsum(leaving)[:-1]))   # duration ≥ t
    survival = np.cumprod(1.0 - deaths / at_risk)
    keep = (deaths > 0) | (times == times.max())
    curve = [{"day": 0, "survival": 1.0, "at_risk": int(weight.sum())}]
    for day, s, n in zip(times[keep], survival[keep], at_risk[keep], strict=True):
        point = {"day": int(day), "survival": round(float(s), 4), "at_risk": int(n)}
        if day == 0:
            curve[0] = point
        else:
            curve.append(point)
    return curve


def survival_at(curve: list[dict[str, Any]], day: int) -> float | None:
    """S(day) read from a curve; None when nobody was followed that long (unless all had ended)."""
    if not curve:
        return None
    if day > curve[-1]["day"]:
        return 0.0 if curve[-1]["survival"] == 0 else None
    value = curve[0]["survival"]
    for point in curve:
        if point["day"] > day:
            break
        value = point["survival"]
    return value


def summary(key: str | None, label: str, durations: np.ndarray, events: np.ndarray,
            counts: np.ndarray) -> dict[str, Any]:
    """n, ended, S(91), S(182), S(365), first-year dropout and the curve from (duration, event, count) arrays."""
    curve = kaplan_meier(durations, events, counts)
    s = {f"s{m}": survival_at(curve, m) for m in MILESTONES}
    return {"cohort": key, "label": label, "n": int(counts.sum()), "ended": int(counts[events.astype(bool)].sum()),
            **s, "first_year_dropout": None if s["s365"] is None else round(1 - s["s365"], 4), "curve": curve}


# Reading the placements ---------------------------------------------------------------------------


def _check_instrument(instrument: str | None) -> str | None:
    if not instrument:
        return None
    if db.session.get(Instrument, instrument) is None:
        raise ValidationError(f"Onbekend instrument {instrument!r}.",
                              {"instrument": "Kies uit: " + ", ".join(db.session.scalars(select(Instrument.code)
                                                                                       .order_by(Instrument.sort_order)))})
    return instrument


def _durations(key: Any, as_of: date, instrument: str | None,
               flt: ReportFilter | None) -> tuple[list[Any], np.ndarray]:
    """Counts per (key, duration, event) of the placements started on or before `as_of`: the keys,
    and an integer array with the columns duration, event, count.

    A placement has ended (event) when its end date is on or before `as_of`; otherwise it is
    censored at `as_of`. Grouping happens on an inner per-placement select so that both engines
    see plain columns in GROUP BY.
    """
    as_of_value = literal(as_of, Date)
    has_ended = and_(Placement.end_date.is_not(None), Placement.end_date <= as_of_value)
    stop = case((has_ended, Placement.end_date), else_=as_of_value)
    where = [Placement.start_date <= as_of_value, *placement_conditions(flt)]
    if instrument:
        where.append(Placement.instrument == instrument)
    inner = select(key.label("k"), days_between(stop, Placement.start_date).label("duration"),
                   case((has_ended, 1), else_=0).label("event")
                   ).select_from(placement_from(flt)).where(*where).subquery("spells")
    group = [inner.c.k, inner.c.duration, inner.c.event]
    rows = run(select(*group, func.count()).group_by(*group)).all()
    return [row[0] for row in rows], np.array([row[1:] for row in rows], dtype=np.int64).reshape(len(rows), 3)


def _cohort_number(kind: str) -> Any:
    """year × 100 + the number of the quarter, tertaal or 1 (year) a placement started in, in SQL."""
    months = literal_column({"quarter": "3", "tertaal": "4", "year": "12"}[kind])
    year, month = date_part("year", Placement.start_date), date_part("month", Placement.start_date)
    return cast(year * literal_column("100") + (month - literal_column("1")) // months + literal_column("1"), Integer)


def _cohort_key(kind: str, number: int) -> tuple[str, str]:
    year, part = divmod(number, 100)
    if kind == "quarter":
        return f"{year}Q{part}", f"K{part} {year}"
    if kind == "tertaal":
        return f"{year}-T{part}", f"T{part} {year}"
    return str(year), str(year)


def _shape(as_of: date, instrument: str | None, keys: list[Any], spells: np.ndarray,
           label: Any) -> dict[str, Any]:
    """The report: a summary per distinct key (in key order) and one for all placements."""
    durations, events, counts = spells[:, 0], spells[:, 1], spells[:, 2]
    index: dict[Any, list[int]] = defaultdict(list)
    for i, key in enumerate(keys):
        index[key].append(i)
    cohorts = []
    for key in sorted(index):
        rows = np.array(index[key])
        cohorts.append(summary(*label(key), durations[rows], events[rows], counts[rows]))
    return {"as_of": as_of.isoformat(), "instrument": instrument, "cohorts": cohorts,
            "all": summary(None, TOTAL, durations, events, counts)}


def retention(instrument: str | None = None, cohort: str = "quarter", as_of: date | None = None,
              flt: ReportFilter | None = None) -> dict[str, Any]:
    """Kaplan–Meier retention per start cohort (quarter, tertaal or year) and for all placements.

    Censored at `as_of` (default today). The filter's period is not used: cohorts are start dates.
    """
    if cohort not in COHORTS:
        raise ValidationError(f"Onbekende cohortindeling {cohort!r}.", {"cohort": "Kies uit: " + ", ".join(COHORTS)})
    instrument = _check_instrument(instrument)
    as_of = as_of or today()
    keys, spells = _durations(_cohort_number(cohort), as_of, instrument, flt)
    return _shape(as_of, instrument, keys, spells, lambda number: _cohort_key(cohort, number))


def retention_by_instrument(as_of: date | None = None, flt: ReportFilter | None = None) -> dict[str, Any]:
    """Kaplan–Meier retention per instrument (the cohort key is the instrument code)."""
    as_of = as_of or today()
    keys, spells = _durations(Placement.instrument, as_of, None, flt)
    names = dict(db.session.execute(select(Instrument.code, Instrument.name)).all())
    return _shape(as_of, None, keys, spells, lambda code: (code, names.get(code, code)))


# End reasons ------------------------------------------------------------------------------------------


def end_reasons(flt: ReportFilter) -> dict[str, Any]:
    """Placements that ended in the period: how many within their first year, how and why they ended."""
    within = case((days_between(Placement.end_date, Placement.start_date) <= FIRST_YEAR, 1), else_=0)
    counted = select(
        Placement.end_how.label("how"), Placement.end_why.label("why"), func.count().label("n"),
        func.sum(within).label("first_year"),
    ).select_from(placement_from(flt)).where(
        Placement.end_date >= flt.period.start, Placement.end_date <= flt.period.end, *placement_conditions(flt),
    ).group_by(Placement.end_how, Placement.end_why).subquery("counted")
    # The labels come along in the same round trip: grouped on codes, joined to their names after.
    rows = run(
        select(counted, EndHow.name.label("how_name"), EndHow.sort_order.label("how_order"),
               EndWhy.name.label("why_name"), EndWhy.sort_order.label("why_order"), EndWhy.influenceable)
        .select_from(counted.outerjoin(EndHow, EndHow.code == counted.c.how)
                     .outerjoin(EndWhy, EndWhy.code == counted.c.why))).mappings().all()
    hows = {row["how"]: (row["how_name"], row["how_order"]) for row in rows if row["how_name"] is not None}
    whys = {row["why"]: (row["why_name"], row["why_order"], row["influenceable"])
            for row in rows if row["why_name"] is not None}
    how_counts: dict[str | None, int] = defaultdict(int)
    why_counts: dict[str | None, int] = defaultdict(int)
    for row in rows:
        how_counts[row["how"]] += row["n"]
        why_counts[row["why"]] += row["n"]
    ended = sum(row["n"] for row in rows)
    first_year = sum(row["first_year"] for row in rows)
    last = (UNKNOWN, 10**6, None)
    how = [{"code": code, "label": hows.get(code, last)[0], "count": n}
           for code, n in sorted(how_counts.items(), key=lambda item: (hows.get(item[0], last)[1], -item[1]))]
    why = [{"code": code, "label": whys.get(code, last)[0], "influenceable": whys.get(code, last)[2], "count": n}
           for code, n in sorted(why_counts.items(), key=lambda item: (whys.get(item[0], last)[1], -item[1]))]
    return {
        "from": flt.period.start.isoformat(), "to": flt.period.end.isoformat(),
        "ended": ended, "within_first_year": first_year,
        "within_first_year_share": round(first_year / ended, 4) if ended else 0.0,
        "how": how, "why": why,
        "influenceable": sum(r["count"] for r in why if r["influenceable"] is True),
        "not_influenceable": sum(r["count"] for r in why if r["influenceable"] is False),
    }
