"""What the report pages draw and say: charts from the report dicts and a one-line summary in Dutch.

The numbers themselves come from `services.reports`; this module only turns them into pictures
and words, so the summary under a chart always matches its table.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from markupsafe import Markup

from ...charts import Axis, Bar, Series, bar_chart, line_chart, nl_number, nl_percent
from ...models.leads import STAGE_LABELS
from ...services.calendar import long_date
from ...services.reports.exports import FUNNEL_STAGES, REGIONAL_TARGET_NOTE, cohort_label
from ...services.reports.period import MONTHS_SHORT

MAX_CURVES = 6  # more lines than this make a chart unreadable; the table has every cohort
# Survival chart ticks at the days the table reports (91, 182, 365), named in months as the table is.
SURVIVAL_TICKS = ((0, "start"), (91, "3 mnd"), (182, "6 mnd"), (365, "12 mnd"), (547, "18 mnd"), (730, "24 mnd"),
                  (1095, "36 mnd"))


def _count(value: Any) -> str:
    """A count in words: 1.200, or "< 5" as privacy left it."""
    return nl_number(value) if isinstance(value, int | float) else str(value)


def _pct(value: Any) -> str:
    return nl_percent(value) if isinstance(value, int | float) else "onbekend"


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


# --- funnel -----------------------------------------------------------------------------------------

def funnel_chart(report: dict, chart_id: str = "funnel-grafiek") -> Markup:
    total = report["total"]
    bars = [Bar("Nieuwe leads", total["created"])]
    for stage in FUNNEL_STAGES:
        cell = total["stages"][stage]
        if _is_number(cell["count"]):
            bars.append(Bar(STAGE_LABELS[stage], cell["count"], f"({nl_percent(cell['rate'])})"))
    return bar_chart(bars, chart_id=chart_id, title="Funnel: aantal nieuwe leads en hoeveel elke fase bereikten")


def funnel_summary(report: dict, empty_reason: str | None = None) -> str:
    """One line on the funnel; for an empty cohort, `empty_reason` (which filter empties it) when known."""
    total = report["total"]
    if not total["created"]:
        return empty_reason or "In deze periode kwamen er geen nieuwe leads binnen."
    contacted, placed = total["stages"]["contacted"], total["stages"]["placed"]
    return (f"Van de {_count(total['created'])} nieuwe leads kreeg {_pct(contacted['rate'])} contact; "
            f"{_pct(placed['rate'])} werd geplaatst.")


def first_contact_summary(report: dict) -> str:
    total = report["total"]
    if total["median_days"] is None:
        return "In deze periode is nog geen nieuwe lead gecontacteerd."
    days = nl_number(total["median_days"], 1 if total["median_days"] % 1 else 0)
    p90 = nl_number(total["p90_days"], 1 if total["p90_days"] % 1 else 0)
    return (f"De helft van de leads had binnen {days} werkdagen contact, 90% binnen {p90} werkdagen; "
            f"de SLA werd bij {_pct(total['sla_met_rate'])} gehaald.")


# --- LKS jobs ---------------------------------------------------------------------------------------

def _month(day: date, with_year: bool = True) -> str:
    return f"{MONTHS_SHORT[day.month - 1]} {day.year}" if with_year else MONTHS_SHORT[day.month - 1]


def lks_chart(report: dict, chart_id: str = "lks-grafiek", *, narrowed: bool = False) -> Markup:
    """Active LKS jobs per month end; with the regional target line unless a filter narrows the jobs."""
    months = report["months"]
    points = [(date.fromisoformat(m["month_end"]).toordinal(), m["active"] if _is_number(m["active"]) else None)
              for m in months]  # "< 5" for management: a gap, not a point
    target_points = [(date.fromisoformat(m["month_end"]).toordinal(), m["target_line"]) for m in months]
    target = report["target"]
    target_day = date.fromisoformat(target["date"])
    if months and target_day > date.fromisoformat(months[-1]["month_end"]):
        target_points.append((target_day.toordinal(), target["value"]))  # the line runs on to the goal
    every = max(1, len(target_points) // 12)
    ticks = [(x, _month(date.fromordinal(int(x)), with_year=i == 0 or date.fromordinal(int(x)).month == 1))
             for i, (x, _) in enumerate(target_points[::every])]
    series = [Series("Actieve LKS-banen", points)]
    if narrowed:  # the target is the region's: against part of the jobs it would mislead
        return line_chart(series, chart_id=chart_id, title="Actieve LKS-banen per maandeinde",
                          x_axis=Axis("Maandeinde", ticks), y_axis=Axis("Actieve LKS-banen"))
    series.append(Series(f"Doellijn naar {nl_number(target['value'])} op {long_date(target_day)}", target_points,
                         dashed=True, markers=False))
    return line_chart(series, chart_id=chart_id, title="Actieve LKS-banen per maandeinde tegen de doellijn",
                      x_axis=Axis("Maandeinde", ticks), y_axis=Axis("Actieve LKS-banen"),
                      y_max=target["value"])


def lks_summary(report: dict, narrowed_by: list[str] | tuple[str, ...] = ()) -> str:
    """One line: the jobs at the last month end, against the target line (not when a filter narrows the jobs)."""
    months = report["months"]
    if not months:
        return "Deze periode bevat geen maandeinde."
    last = months[-1]
    day = long_date(date.fromisoformat(last["month_end"]))
    if narrowed_by:
        return (f"Op {day} liepen {_count(last['active'])} LKS-banen ({' en '.join(narrowed_by)}). "
                f"{REGIONAL_TARGET_NOTE}, dus de doellijn staat er niet bij.")
    line = last["target_line"]
    if _is_number(last["active"]) and line:
        reach = f" Dat is {nl_percent(last['active'] / line)} van de doellijn ({nl_number(line)})."
    else:
        reach = ""
    target = report["target"]
    return (f"Op {day} liepen {_count(last['active'])} LKS-banen.{reach} "
            f"Doel: {nl_number(target['value'])} op {long_date(date.fromisoformat(target['date']))}.")


def net_growth_summary(growth: list[dict]) -> str:
    if not growth:
        return ""
    last = growth[-1]
    net, when = last["net"], last["period"] if last["period"].startswith("T") else f"de periode {last['period']}"
    if not _is_number(net):
        return f"De netto groei in {when} blijft verborgen: het gaat om minder dan 5 banen."
    word = "groei" if net >= 0 else "krimp"
    return f"In {when} was de netto {word} {nl_number(abs(net))} LKS-banen."


# --- retention --------------------------------------------------------------------------------------

def _curve_points(curve: list[dict]) -> list[tuple[float, float | None]]:
    return [(point["day"], point["survival"]) for point in curve]


def survival_chart(report: dict, *, chart_id: str, title: str, labels: dict[str, str] | None = None,
                   include_all: bool = True) -> Markup:
    """Kaplan–Meier step curves: the most recent cohorts (at most MAX_CURVES) and, if asked, all together."""
    labels = labels or {}
    cohorts = [c for c in report["cohorts"] if c.get("curve")][-MAX_CURVES:]
    series = [Series(labels.get(c["cohort"]) or c.get("label") or cohort_label(c["cohort"]),
                     _curve_points(c["curve"]), step=True, markers=False) for c in cohorts]
    if include_all and report["all"].get("curve"):
        series.append(Series("Alle plaatsingen", _curve_points(report["all"]["curve"]), step=True, markers=False))
    longest = max([p["day"] for c in [*cohorts, report["all"]] for p in c.get("curve") or []] + [365])
    ticks = [(day, label) for day, label in SURVIVAL_TICKS if day <= max(longest, 365)]
    return line_chart(series, chart_id=chart_id, title=title,
                      x_axis=Axis("Maanden sinds de start", ticks),
                      y_axis=Axis("Nog aan het werk", [(v / 100, f"{v}%") for v in range(0, 101, 20)]))


def retention_summary(report: dict) -> str:
    everyone = report["all"]
    if not _is_number(everyone["n"]) or not everyone["n"]:
        return "Er zijn nog geen plaatsingen om het baanbehoud van te berekenen."
    if everyone["s365"] is None:
        s182 = everyone["s182"]
        half = f"; na een half jaar werkte naar schatting nog {_pct(s182)}" if s182 is not None else ""
        return f"Van {_count(everyone['n'])} plaatsingen is nog niemand een jaar gevolgd{half}."
    return (f"Van {_count(everyone['n'])} plaatsingen werkte na een jaar naar schatting nog {_pct(everyone['s365'])}; "
            f"{_pct(1 - everyone['s365'])} viel in het eerste jaar uit.")


def cohort_spread_summary(report: dict, what: str) -> str:
    """How far the cohorts lie apart after 6 months (182 days)."""
    known = [(c, c["s182"]) for c in report["cohorts"] if _is_number(c["s182"])]
    if len(known) < 2:
        return retention_summary(report)
    low, high = min(known, key=lambda k: k[1]), max(known, key=lambda k: k[1])
    return (f"Na 6 maanden werkte per {what} nog {_pct(low[1])} tot {_pct(high[1])} van de geplaatsten "
            f"(laagst: {low[0].get('label') or cohort_label(low[0]['cohort'])}, "
            f"hoogst: {high[0].get('label') or cohort_label(high[0]['cohort'])}).")


def end_reasons_summary(report: dict) -> str:
    if report["ended"] == 0:
        return "In deze periode is geen plaatsing beëindigd."
    if not _is_number(report["ended"]):
        return "In deze periode eindigden minder dan 5 plaatsingen; de redenen staan hieronder zonder kleine aantallen."
    return (f"Van de {_count(report['ended'])} beëindigde plaatsingen eindigde "
            f"{_pct(report['within_first_year_share'])} binnen het eerste jaar; "
            f"{_count(report['influenceable'])} keer was de reden beïnvloedbaar.")


def end_why_chart(report: dict, chart_id: str = "einde-waarom-grafiek") -> Markup | None:
    """Bars per reason; None when there is nothing to draw (no endings, or only hidden small counts)."""
    bars = [Bar(item["label"], item["count"], "(beïnvloedbaar)" if item["influenceable"] else "")
            for item in report["why"] if _is_number(item["count"])]
    return bar_chart(bars, chart_id=chart_id, title="Waarom plaatsingen eindigden") if bars else None
