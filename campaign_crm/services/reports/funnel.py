"""The cohort funnel (with first- or last-touch attribution) and time to first contact."""
from __future__ import annotations

from collections import defaultdict
from functools import cache
from typing import Any

import holidays
import numpy as np
from sqlalchemy import ColumnElement, Select, func, literal, select

from ...models import Lead, utcnow
from ..calendar import today
from ..errors import ValidationError
from .filters import GROUP_BYS, ReportFilter, lead_conditions, lead_from
from .groups import (
    TOTAL,
    group_labels,
    lead_group_column,
    needs_employer,
    needs_owner,
    ordered,
)
from .response_times import advisor_sla, once
from .sqltime import day_number, local_date, run, years_for

FUNNEL_STAGES = ("assigned", "contacted", "meeting", "vacancy", "placed")
TOUCHES = ("first", "last")
LAST_TOUCH_GROUPS = ("channel", "phase")
STAGE_KEYS = tuple(f"{stage}_at" for stage in (*FUNNEL_STAGES, "lost"))  # the count columns


def rate(part: int, whole: int) -> float:
    """part / whole rounded to 4 decimals; 0 when there is nothing to divide by."""
    return round(part / whole, 4) if whole else 0.0


def _attributed(name: str, touch: str) -> ColumnElement[Any]:
    """The column a funnel groups or filters `name` on: channel and phase by the chosen touch, the rest as is.

    The last touch is stored on the lead (services.leads.attribution); a lead none of whose touchpoints
    carries a channel (or phase) keeps its own, first-touch value."""
    if touch == "last" and name in LAST_TOUCH_GROUPS:
        return func.coalesce(getattr(Lead, f"last_touch_{name}_id"), getattr(Lead, f"{name}_id"))
    return lead_group_column(name)


def _funnel_query(flt: ReportFilter, groups: list[str], touch: str) -> Select:
    """One GROUP BY over the cohort: per group (g0, g1, …), created and the count of each stage reached."""
    frm = lead_from(flt, employer=any(needs_employer(g) for g in groups), owner=any(needs_owner(g) for g in groups))
    stage_columns = [getattr(Lead, key) for key in STAGE_KEYS]
    keys = [_attributed(name, touch) for name in groups]
    where = lead_conditions(flt, touch_columns=touch == "first")
    if touch == "last":
        where += [_attributed(name, touch) == getattr(flt, f"{name}_id")
                  for name in LAST_TOUCH_GROUPS if getattr(flt, f"{name}_id")]
    query = select(*(col.label(f"g{i}") for i, col in enumerate(keys)), func.count().label("created"),
                   *[func.count(col).label(col.key) for col in stage_columns])
    return query.select_from(frm).where(*where).group_by(*keys)


def _stages(counts: dict[str, int], created: int) -> dict[str, dict[str, Any]]:
    out, previous = {}, created
    for stage in FUNNEL_STAGES:
        count = counts[f"{stage}_at"]
        out[stage] = {"count": count, "rate": rate(count, created), "step_rate": rate(count, previous)}
        previous = count
    return out


def _funnel_row(key: str | None, label: str, counts: dict[str, int]) -> dict[str, Any]:
    created = counts["created"]
    return {"group": key, "label": label, "created": created, "stages": _stages(counts, created),
            "lost": counts["lost_at"]}


def _check(touch: str, group_by: str | None, split_by: str | None) -> None:
    if touch not in TOUCHES:
        raise ValidationError(f"Onbekende toeschrijving {touch!r}.",
                              {"touch": "Kies first (eerste contact) of last (laatste contact voor het "
                                        "adviesgesprek)."})
    if split_by is not None and (group_by is None or split_by == group_by or split_by not in GROUP_BYS):
        raise ValidationError(f"Ongeldige tweede indeling {split_by!r}.",
                              {"split_by": "Kies een tweede indeling die verschilt van de eerste: "
                                           + ", ".join(GROUP_BYS) + "."})


def _summed(rows: list[dict[str, Any]]) -> dict[str, int]:
    return {name: sum(row[name] for row in rows) for name in ("created", *STAGE_KEYS)}


def funnel(flt: ReportFilter, group_by: str | None = None, touch: str = "first",
           split_by: str | None = None) -> dict[str, Any]:
    """Leads created in the period and how many of them reached each stage (ever, up to now).

    `touch` attributes channel and phase (groups and filters) to the first touch or to the last
    touch before the adviesgesprek. `split_by` (optional) splits every row once more, e.g. channel
    × phase in one query: each row then has `split`, a list of rows of the same shape.
    """
    _check(touch, group_by, split_by)
    groups = [g for g in (group_by, split_by) if g]
    result = [dict(row) for row in run(_funnel_query(flt, groups, touch)).mappings()]
    report: dict[str, Any] = {
        "from": flt.period.start.isoformat(), "to": flt.period.end.isoformat(),
        "group_by": group_by, "touch": touch, "rows": [], "total": _funnel_row(None, TOTAL, _summed(result)),
    }
    if not group_by:
        return report
    by_group: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for row in result:
        by_group[row["g0"]].append(row)
    labels = group_labels(group_by, by_group)
    split_labels = group_labels(split_by, (row["g1"] for row in result)) if split_by else {}
    rows = []
    for key, part in by_group.items():
        row = _funnel_row(*labels[key], _summed(part))
        if split_by:
            row["split"] = ordered([_funnel_row(*split_labels[one["g1"]], one) for one in part])
        rows.append(row)
    report["rows"] = ordered(rows)
    if split_by:
        report["split_by"] = split_by
    return report


# Time to first contact ---------------------------------------------------------------------------


@cache
def _holidays(first_year: int, last_year: int) -> np.ndarray:
    """Dutch public holidays of those years (the calendar the SLA uses), as numpy dates."""
    return np.array(sorted(holidays.country_holidays("NL", years=range(first_year, last_year + 1))),
                    dtype="datetime64[D]")


def working_days(created: np.ndarray, contacted: np.ndarray) -> np.ndarray:
    """Working days after the created date up to and including the contacted date (never negative),
    as `calendar.working_days_between` counts them, for arrays of dates."""
    if created.size == 0:
        return np.zeros(0, dtype=int)
    later = np.maximum(contacted, created)
    free = _holidays(int(str(created.min())[:4]), int(str(later.max())[:4]))
    one = np.timedelta64(1, "D")
    return np.busday_count(created + one, later + one, holidays=free)


def _percentile(days: np.ndarray, counts: np.ndarray, q: float) -> float | None:
    # numpy's default (linear between order statistics) is PostgreSQL's percentile_cont.
    return round(float(np.percentile(np.repeat(days, counts), q)), 2) if counts.sum() else None


def _first_contact_row(key: str | None, label: str, part: dict[str, np.ndarray]) -> dict[str, Any]:
    contacted = part["contacted"]
    counts = part["n"][contacted]
    days = part["days"][contacted]
    met, decided = int(part["met"].sum()), int(part["decided"].sum())
    return {"group": key, "label": label, "created": int(part["n"].sum()), "contacted": int(counts.sum()),
            "median_days": _percentile(days, counts, 50), "p90_days": _percentile(days, counts, 90),
            "sla_met": met, "sla_decided": decided, "sla_met_rate": rate(met, decided)}


def first_contact(flt: ReportFilter, group_by: str | None = None) -> dict[str, Any]:
    """Working days from created to first contact (median, p90) and the SLA met, per group.

    The database counts leads per (group, local created date, local contacted date), the dates as
    day numbers; the working days of each row are counted in numpy. `sla_met_rate` = met / leads
    whose SLA is decided (contacted, or due time passed), so a period that has just begun is not
    marked down for leads that still have time.
    """
    frm = lead_from(flt, employer=needs_employer(group_by), owner=needs_owner(group_by))
    group = lead_group_column(group_by) if group_by else None
    years = years_for(flt.period.start, max(flt.period.end, today()))
    met, decided = advisor_sla(utcnow())  # the advisor's part: routing waits do not count against the SLA
    inner = select(
        (group if group is not None else literal(None)).label("g"),
        local_date(Lead.created_at, years).label("cd"),
        local_date(Lead.contacted_at, years).label("kd"),
        met.label("met"),
        decided.label("decided"),
    ).select_from(frm).where(*lead_conditions(flt))
    inner = once(inner).subquery("cohort")
    keys = [inner.c.g, inner.c.cd, inner.c.kd]
    query = select(inner.c.g, day_number(inner.c.cd), day_number(inner.c.kd), func.count(),
                   func.sum(inner.c.met), func.sum(inner.c.decided)).group_by(*keys)
    rows = run(query).all()
    groups = [row[0] for row in rows]
    columns = np.array([row[1:] for row in rows], dtype=float).reshape(len(rows), 5)
    contacted = ~np.isnan(columns[:, 1])
    created_day = columns[:, 0].astype(np.int64).astype("datetime64[D]")
    contact_day = np.where(contacted, columns[:, 1], columns[:, 0]).astype(np.int64).astype("datetime64[D]")
    every = {"n": columns[:, 2].astype(np.int64), "met": columns[:, 3], "decided": columns[:, 4],
             "contacted": contacted, "days": working_days(created_day, contact_day)}
    by_group: dict[int | None, list[int]] = {}
    for index, key in enumerate(groups):
        by_group.setdefault(key, []).append(index)
    out_rows = []
    if group_by:
        labels = group_labels(group_by, by_group)
        out_rows = ordered([
            _first_contact_row(*labels[key], {name: values[np.array(where)] for name, values in every.items()})
            for key, where in by_group.items()])
    return {"from": flt.period.start.isoformat(), "to": flt.period.end.isoformat(), "group_by": group_by,
            "rows": out_rows, "total": _first_contact_row(None, TOTAL, every)}
