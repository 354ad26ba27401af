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
from sqlalchemy import Date, and_, case, func, literal, select

from ...extensions import db
from ...models import EndHow, EndWhy, Instrument, Placement
from ..calendar import today
from ..errors import ValidationError
from .filters import ReportFilter, placement_conditions, placement_from
from .groups import TOTAL, UNKNOWN
from .sqltime import date_part, days_between

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


def summary(key: str | None, label: str, rows: list[tuple[int, int, int]]) -> dict[str, Any]:
    """n, ended, S(91), S(182), S(365), first-year dropout and the curve from (duration, event, count) rows."""
    curve = kaplan_meier([r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows])
    s = {f"s{m}": survival_at(curve, m) for m in MILESTONES}
    return {"cohort": key, "label": label, "n": sum(r[2] for r in rows), "ended": sum(r[2] for r in rows if r[1]),
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


def _durations(keys: dict[str, Any], as_of: date, instrument: str | None,
               flt: ReportFilter | None) -> list[dict[str, Any]]:
    """Counts per (keys…, duration, event) of the placements started on or before `as_of`.

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
    inner = select(*(expr.label(name) for name, expr in keys.items()),
                   days_between(stop, Placement.start_date).label("duration"),
                   case((has_ended, 1), else_=0).label("event")
                   ).select_from(placement_from(flt)).where(*where).subquery("spells")
    group = [inner.c[name] for name in (*keys, "duration", "event")]
    query = select(*group, func.count().label("n")).group_by(*group)
    return [dict(row) for row in db.session.execute(query).mappings()]


def _cohort_key(kind: str, year: int, month: int) -> tuple[str, str]:
    if kind == "quarter":
        q = (month - 1) // 3 + 1
        return f"{year}Q{q}", f"K{q} {year}"
    if kind == "tertaal":
        t = (month - 1) // 4 + 1
        return f"{year}-T{t}", f"T{t} {year}"
    return str(year), str(year)


def _shape(as_of: date, instrument: str | None, cohorts: dict[tuple[str, str], list[tuple[int, int, int]]],
           every: list[tuple[int, int, int]]) -> dict[str, Any]:
    return {
        "as_of": as_of.isoformat(), "instrument": instrument,
        "cohorts": [summary(key, label, rows) for (key, label), rows in sorted(cohorts.items())],
        "all": summary(None, TOTAL, every),
    }


def retention(instrument: str | None = None, cohort: str = "quarter", as_of: date | None = None,
              flt: ReportFilter | None = None) -> dict[str, Any]:
    """Kaplan–Meier retention per start cohort (quarter, tertaal or year) and for all placements.

    Censored at `as_of` (default today). The filter's period is not used: cohorts are start dates.
    """
    if cohort not in COHORTS:
        raise ValidationError(f"Onbekende cohortindeling {cohort!r}.", {"cohort": "Kies uit: " + ", ".join(COHORTS)})
    instrument = _check_instrument(instrument)
    as_of = as_of or today()
    rows = _durations({"year": date_part("year", Placement.start_date),
                       "month": date_part("month", Placement.start_date)}, as_of, instrument, flt)
    cohorts: dict[tuple[str, str], list[tuple[int, int, int]]] = defaultdict(list)
    every: dict[tuple[int, int], int] = defaultdict(int)
    for row in rows:
        cohorts[_cohort_key(cohort, row["year"], row["month"])].append((row["duration"], row["event"], row["n"]))
        every[(row["duration"], row["event"])] += row["n"]
    return _shape(as_of, instrument, cohorts, [(d, e, n) for (d, e), n in every.items()])


def retention_by_instrument(as_of: date | None = None, flt: ReportFilter | None = None) -> dict[str, Any]:
    """Kaplan–Meier retention per instrument (the cohort key is the instrument code)."""
    as_of = as_of or today()
    rows = _durations({"instrument": Placement.instrument}, as_of, None, flt)
    names = dict(db.session.execute(select(Instrument.code, Instrument.name)).all())
    cohorts: dict[tuple[str, str], list[tuple[int, int, int]]] = defaultdict(list)
    every: dict[tuple[int, int], int] = defaultdict(int)
    for row in rows:
        cohorts[(row["instrument"], names.get(row["instrument"], row["instrument"]))].append(
            (row["duration"], row["event"], row["n"]))
        every[(row["duration"], row["event"])] += row["n"]
    return _shape(as_of, None, cohorts, [(d, e, n) for (d, e), n in every.items()])


# End reasons ------------------------------------------------------------------------------------------


def end_reasons(flt: ReportFilter) -> dict[str, Any]:
    """Placements that ended in the period: how many within their first year, how and why they ended."""
    inner = select(
        Placement.end_how.label("how"), Placement.end_why.label("why"),
        case((days_between(Placement.end_date, Placement.start_date) <= FIRST_YEAR, 1), else_=0).label("first_year"),
    ).select_from(placement_from(flt)).where(
        Placement.end_date >= flt.period.start, Placement.end_date <= flt.period.end, *placement_conditions(flt),
    ).subquery("endings")
    group = [inner.c.how, inner.c.why, inner.c.first_year]
    rows = db.session.execute(select(*group, func.count().label("n")).group_by(*group)).mappings().all()
    hows = {code: (name, order) for code, name, order in db.session.execute(
        select(EndHow.code, EndHow.name, EndHow.sort_order))}
    whys = {code: (name, order, influenceable) for code, name, order, influenceable in db.session.execute(
        select(EndWhy.code, EndWhy.name, EndWhy.sort_order, EndWhy.influenceable))}
    how_counts: dict[str | None, int] = defaultdict(int)
    why_counts: dict[str | None, int] = defaultdict(int)
    for row in rows:
        how_counts[row["how"]] += row["n"]
        why_counts[row["why"]] += row["n"]
    ended = sum(row["n"] for row in rows)
    within = sum(row["n"] for row in rows if row["first_year"])
    last = (UNKNOWN, 10**6, None)
    how = [{"code": code, "label": hows.get(code, last)[0], "count": n}
           for code, n in sorted(how_counts.items(), key=lambda item: (hows.get(item[0], last)[1], -item[1]))]
    why = [{"code": code, "label": whys.get(code, last)[0], "influenceable": whys.get(code, last)[2], "count": n}
           for code, n in sorted(why_counts.items(), key=lambda item: (whys.get(item[0], last)[1], -item[1]))]
    return {
        "from": flt.period.start.isoformat(), "to": flt.period.end.isoformat(),
        "ended": ended, "within_first_year": within,
        "within_first_year_share": round(within / ended, 4) if ended else 0.0,
        "how": how, "why": why,
        "influenceable": sum(r["count"] for r in why if r["influenceable"] is True),
        "not_influenceable": sum(r["count"] for r in why if r["influenceable"] is False),
    }
