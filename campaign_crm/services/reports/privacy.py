"""What management may see of a report: numbers only, small placement counts hidden, no staff names.

Placements and retention concern jobseekers; a count of 1–4 people in a breakdown could point at
a person, so management sees it as "< 5". Leads are employers' requests and stay unchanged,
except that advisor groups lose their names.
"""
from __future__ import annotations

import copy
from typing import Any

from ...permissions import MANAGEMENT

SMALL = 5
HIDDEN = f"< {SMALL}"
SURVIVAL_KEYS = ("s91", "s182", "s365", "first_year_dropout")


def is_small(value: Any) -> bool:
    """A count of 1–4: shown to management as "< 5"."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < SMALL


def suppress_small(value: int) -> int | str:
    """`value`, or "< 5" when it counts 1–4 people."""
    return HIDDEN if is_small(value) else value


def _suppress(row: dict[str, Any], *keys: str) -> None:
    for key in keys:
        if key in row:
            row[key] = suppress_small(row[key])


def _retention(report: dict[str, Any]) -> None:
    for cohort in [*report.get("cohorts", []), *([report["all"]] if report.get("all") else [])]:
        if is_small(cohort.get("n")):
            # Survival of fewer than five people tells who left; hide it with the count.
            for key in SURVIVAL_KEYS:
                if key in cohort and cohort[key] is not None:
                    cohort[key] = HIDDEN
            cohort["curve"] = []
        _suppress(cohort, "n", "ended")
        for point in cohort.get("curve", []):
            _suppress(point, "at_risk")


def _end_reasons(report: dict[str, Any]) -> None:
    if is_small(report.get("ended")):
        report["within_first_year_share"] = HIDDEN
    _suppress(report, "ended", "within_first_year", "influenceable", "not_influenceable")
    for row in [*report.get("how", []), *report.get("why", [])]:
        _suppress(row, "count")


def _lks_jobs(report: dict[str, Any]) -> None:
    for month in report.get("months", []):
        _suppress(month, "active", "started", "ended")
    for period in report.get("periods", []):  # net_growth rows, wrapped as {"periods": [...]}
        hidden = is_small(period.get("active_start")) or is_small(period.get("active_end"))
        _suppress(period, "active_start", "active_end")
        if hidden:
            period["net"] = None  # with one end known, the difference would give the other away


def _advisor_labels(report: dict[str, Any]) -> None:
    if report.get("group_by") != "advisor":
        return
    for row in report.get("rows", []):
        if row.get("group") is not None:
            row["label"] = f"Adviseur {row['group']}"


_BY_KIND = {"retention": _retention, "end_reasons": _end_reasons, "lks_jobs": _lks_jobs}


def for_viewer(report: dict[str, Any], kind: str, role: str) -> dict[str, Any]:
    """The report as `role` may see it; for management a copy with small placement counts hidden and
    advisors by number. `kind`: funnel, first_contact, lks_jobs, retention or end_reasons."""
    if role != MANAGEMENT:
        return report
    shown = copy.deepcopy(report)
    _advisor_labels(shown)
    if kind in _BY_KIND:
        _BY_KIND[kind](shown)
    return shown
