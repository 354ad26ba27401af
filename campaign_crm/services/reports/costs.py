"""Cost per outcome: campaign spend set against the leads, adviesgesprekken, vacancies, placements and
LKS jobs still active after 6 and 12 months, per channel, phase, ad code or sector focus, with the
outcomes attributed to the first touch and to the last touch before the meeting side by side.

Spend in the period. A spend row covers its days, both ends included, at an even amount per day; the
report takes the part of it that falls on the period's days: amount × (days of the row inside the
period) / (days of the row), rounded half up to a whole cent per (group, row dates). A row of 1–31
March (€ 310) counts € 150 in a period that starts on 17 March. The outcomes are those of the leads
created in the period (the funnel's cohort), reached at any time up to today.

LKS jobs still active: the group's LKS placements (of those leads) × S(182) resp. S(365) of the group's
own Kaplan–Meier curve (censored at `as_of`); the number at risk on that day is shown beside it, and
the expectation is unknown when nobody in the group has been followed that long.

Groups: spend is booked on a channel, optionally a phase and an ad code; a lead is grouped on its
attributed channel, phase or ad code (the ad code of its first touchpoint that carries one, or of its
last one at or before the meeting). The sector is the sector focus of the phase (the techniek and zorg
phases), for spend and leads alike, since spend is not made per employer's sector. Filters on sector,
municipality, partner or team cannot apply to spend and are left out.
"""
from __future__ import annotations

import copy
from collections import defaultdict
from dataclasses import replace
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import ColumnElement, Date, and_, case, func, literal, or_, select

from ...extensions import db
from ...models import AdCode, Lead, Phase, Placement, Touchpoint
from ...models.spend import SpendEntry
from ..calendar import long_date, today
from ..errors import ValidationError
from . import privacy
from .exports import Column, Table
from .filters import ReportFilter, lead_conditions, lead_from
from .groups import group_labels
from .period import Period
from .retention import kaplan_meier, survival_at
from .sqltime import days_between, run

COST_GROUPS = {"channel": "Kanaal", "phase": "Fase", "ad_code": "Advertentiecode", "sector": "Sectorfocus"}
SLUGS = {"channel": "kanaal", "phase": "fase", "ad_code": "advertentiecode", "sector": "sector"}  # in export names
NONE_LABELS = {"channel": "Onbekend kanaal", "phase": "Zonder fase", "ad_code": "Zonder advertentiecode",
               "sector": "Geen sectorfocus"}
TOUCHES = {"first": "eerste contactmoment", "last": "laatste contactmoment vóór het gesprek"}
SHORT_TOUCHES = ("eerste", "laatste")  # in column headings, in the order of TOUCHES
OUTCOMES = {"leads": "lead", "meetings": "adviesgesprek", "vacancies": "vacature", "placements": "plaatsing"}
PLACEMENT_BASED = ("placements", "lks")
MILESTONES = {"m6": 182, "m12": 365}  # 6 and 12 months, as the retention report reads them
LKS = "lks"
UNSPLIT_FILTERS = ("sector_id", "municipality_id", "partner_id", "team_id")


# --- spend ------------------------------------------------------------------------------------------

def prorated_cents(amount_cents: int, starts_on: date, ends_on: date, period: Period) -> int:
    """The part of a spend row that falls in `period`, by days, rounded half up to a whole cent."""
    first, last = max(starts_on, period.start), min(ends_on, period.end)
    inside = (last - first).days + 1
    if inside <= 0:
        return 0
    days = (ends_on - starts_on).days + 1
    return (2 * amount_cents * inside + days) // (2 * days)


def _spend_key(group_by: str) -> ColumnElement[Any]:
    return {"channel": SpendEntry.channel_id, "phase": SpendEntry.phase_id, "ad_code": SpendEntry.ad_code_id,
            "sector": Phase.sector_id}[group_by]


def spend_per_group(flt: ReportFilter, group_by: str) -> dict[int | None, int]:
    """{group id: cents spent in the period}: the database sums per (group, row dates), Python prorates."""
    key = _spend_key(group_by)
    frm = SpendEntry.__table__.outerjoin(Phase, Phase.id == SpendEntry.phase_id)
    where = [SpendEntry.starts_on <= flt.period.end, SpendEntry.ends_on >= flt.period.start]
    if flt.campaign_id:
        where.append(SpendEntry.campaign_id == flt.campaign_id)
    if flt.phase_id:
        where.append(SpendEntry.phase_id == flt.phase_id)
    if flt.channel_id:
        where.append(SpendEntry.channel_id == flt.channel_id)
    query = (select(key.label("k"), SpendEntry.starts_on, SpendEntry.ends_on, func.sum(SpendEntry.amount_cents))
             .select_from(frm).where(*where).group_by(key, SpendEntry.starts_on, SpendEntry.ends_on))
    out: dict[int | None, int] = defaultdict(int)
    for group, starts_on, ends_on, cents in run(query).all():
        out[group] += prorated_cents(int(cents), _as_date(starts_on), _as_date(ends_on), flt.period)
    return dict(out)


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


# --- outcomes ---------------------------------------------------------------------------------------

def _ad_code_touch(touch: str) -> ColumnElement[Any]:
    """The ad code of the lead's first touchpoint that has one, or (last) of its last one at or before the meeting."""
    def lookup(last: bool):
        tp = Touchpoint.__table__.alias(f"{'last' if last else 'first'}_ad_touch")
        query = select(tp.c.ad_code_id).where(tp.c.lead_id == Lead.id, tp.c.ad_code_id.is_not(None))
        if last:
            query = query.where(or_(Lead.meeting_at.is_(None), tp.c.occurred_at <= Lead.meeting_at))
            query = query.order_by(tp.c.occurred_at.desc(), tp.c.id.desc())
        else:
            query = query.order_by(tp.c.occurred_at, tp.c.id)
        return query.limit(1).correlate(Lead.__table__).scalar_subquery()

    return lookup(False) if touch == "first" else func.coalesce(lookup(True), lookup(False))


def _attributed(name: str, touch: str) -> ColumnElement[Any]:
    """The lead's channel or phase id by the chosen touch (the last touch falls back on the first)."""
    if touch == "last":
        return func.coalesce(getattr(Lead, f"last_touch_{name}_id"), getattr(Lead, f"{name}_id"))
    return getattr(Lead, f"{name}_id")


def _lead_key(group_by: str, touch: str) -> ColumnElement[Any]:
    if group_by == "ad_code":
        return _ad_code_touch(touch)
    if group_by == "sector":
        return select(Phase.sector_id).where(Phase.id == _attributed("phase", touch)).scalar_subquery()
    return _attributed(group_by, touch)


def _cohort(flt: ReportFilter, touch: str) -> list[ColumnElement[bool]]:
    """The leads created in the period matching campaign, phase and channel by the chosen touch."""
    where = lead_conditions(flt, touch_columns=touch == "first")
    if touch == "last":
        where += [_attributed(name, touch) == getattr(flt, f"{name}_id")
                  for name in ("channel", "phase") if getattr(flt, f"{name}_id")]
    return where


def outcomes_per_group(flt: ReportFilter, group_by: str, touch: str) -> dict[int | None, dict[str, int]]:
    """{group id: {leads, meetings, vacancies, placements}} of the cohort, in one GROUP BY."""
    inner = select(_lead_key(group_by, touch).label("k"), Lead.meeting_at, Lead.vacancy_at, Lead.placed_at
                   ).select_from(lead_from(flt)).where(*_cohort(flt, touch)).subquery("cohort")
    query = select(inner.c.k, func.count(), func.count(inner.c.meeting_at), func.count(inner.c.vacancy_at),
                   func.count(inner.c.placed_at)).group_by(inner.c.k)
    return {row[0]: dict(zip(OUTCOMES, map(int, row[1:]), strict=True)) for row in run(query).all()}


def _lks_spells(flt: ReportFilter, touch: str, as_of: date, key: ColumnElement[Any] | None) -> list[Any]:
    """Counts per (group, duration, ended) of the cohort's LKS placements started by `as_of` (censored there)."""
    as_of_value = literal(as_of, Date)
    has_ended = and_(Placement.end_date.is_not(None), Placement.end_date <= as_of_value)
    stop = case((has_ended, Placement.end_date), else_=as_of_value)
    frm = lead_from(flt).join(Placement, Placement.lead_id == Lead.id)
    inner = select((key if key is not None else literal(None)).label("k"),
                   days_between(stop, Placement.start_date).label("d"), case((has_ended, 1), else_=0).label("e")
                   ).select_from(frm).where(*_cohort(flt, touch), Placement.instrument == LKS,
                                            Placement.start_date <= as_of_value).subquery("spells")
    group = [inner.c.k, inner.c.d, inner.c.e]
    return run(select(*group, func.count()).group_by(*group)).all()


def lks_retention_per_group(flt: ReportFilter, group_by: str | None, touch: str,
                            as_of: date) -> dict[int | None, dict[str, Any]]:
    """{group id: {lks, m6: {survival, at_risk, expected}, m12: …}} from each group's own Kaplan–Meier curve;
    without `group_by` one curve over all of the cohort's LKS placements, under the key None."""
    spells: dict[int | None, list[tuple[int, int, int]]] = defaultdict(list)
    key = _lead_key(group_by, touch) if group_by else None
    for group, duration, ended, n in _lks_spells(flt, touch, as_of, key):
        spells[group].append((int(duration), int(ended), int(n)))
    return {group: _lks_summary(np.array(rows, dtype=np.int64)) for group, rows in spells.items()}


def _lks_summary(rows: np.ndarray) -> dict[str, Any]:
    durations, events, counts = rows[:, 0], rows[:, 1], rows[:, 2]
    curve = kaplan_meier(durations, events, counts)
    total = int(counts.sum())
    out: dict[str, Any] = {"lks": total}
    for name, day in MILESTONES.items():
        survival = survival_at(curve, day)
        out[name] = {"survival": survival, "at_risk": int(counts[durations >= day].sum()),
                     "expected": None if survival is None else round(total * survival, 2)}
    return out


# --- the report -------------------------------------------------------------------------------------

def cost_per(cents: int, count: Any) -> int | None:
    """Cents per outcome, rounded half up; None when there is no count (none, zero or suppressed) or no spend
    recorded (an organic channel is not free, its cost is unknown)."""
    if not cents or not isinstance(count, int | float) or isinstance(count, bool) or count <= 0:
        return None
    return int((2 * cents + count) // (2 * count)) if isinstance(count, int) else int(round(cents / count))


def _empty_lks() -> dict[str, Any]:
    return {"lks": 0, **{name: {"survival": None, "at_risk": 0, "expected": None} for name in MILESTONES}}


def _touch_cells(cents: int, outcomes: dict[str, int] | None, lks: dict[str, Any] | None) -> dict[str, Any]:
    cells: dict[str, Any] = dict(outcomes or dict.fromkeys(OUTCOMES, 0))
    cells.update(copy.deepcopy(lks or _empty_lks()))
    for name in OUTCOMES:
        cells[f"cost_{name}"] = cost_per(cents, cells[name])
    for name in MILESTONES:
        cells[name]["cost"] = cost_per(cents, cells[name]["expected"])
    return cells


def _labels(group_by: str, ids: set[int | None]) -> dict[int | None, str]:
    if group_by == "ad_code":
        wanted = {i for i in ids if i is not None}
        found = {row.id: f"{row.code} – {row.title}" for row in
                 db.session.execute(select(AdCode.id, AdCode.code, AdCode.title).where(AdCode.id.in_(wanted)))}
        labels: dict[int | None, str] = {i: found.get(i, f"Advertentiecode {i}") for i in wanted}
    else:
        labels = {i: label for i, (_key, label) in group_labels(group_by, ids).items()}
    labels[None] = NONE_LABELS[group_by]
    return labels


def _check(group_by: str) -> None:
    if group_by not in COST_GROUPS:
        raise ValidationError(f"Onbekende indeling {group_by!r}.",
                              {"group_by": "Kies uit: " + ", ".join(label.lower() for label in COST_GROUPS.values())
                                           + "."})


def cost_per_outcome(flt: ReportFilter, group_by: str = "channel", as_of: date | None = None) -> dict[str, Any]:
    """Spend in the period and the cost per outcome per group, first and last touch side by side.

    Rows: {group, label, spend_cents, first: {...}, last: {...}}, where each touch holds leads,
    meetings, vacancies, placements, lks, m6 and m12 (survival, at_risk, expected, cost) and
    cost_<outcome> in cents (None where nothing to divide by). Filters that spend cannot follow
    (sector, municipality, partner, team) are dropped and named in `dropped`."""
    _check(group_by)
    as_of = as_of or today()
    dropped = [name.removesuffix("_id") for name in UNSPLIT_FILTERS if getattr(flt, name)]
    flt = replace(flt, **dict.fromkeys(UNSPLIT_FILTERS))
    spend = spend_per_group(flt, group_by)
    per_touch = {touch: (outcomes_per_group(flt, group_by, touch), lks_retention_per_group(flt, group_by, touch, as_of))
                 for touch in TOUCHES}
    keys = set(spend)
    for outcomes, lks in per_touch.values():
        keys |= set(outcomes) | set(lks)
    labels = _labels(group_by, keys)
    rows = []
    for key in keys:
        cents = spend.get(key, 0)
        rows.append({"group": key, "label": labels[key], "spend_cents": cents,
                     **{touch: _touch_cells(cents, outcomes.get(key), lks.get(key))
                        for touch, (outcomes, lks) in per_touch.items()}})
    rows.sort(key=lambda row: (row["group"] is None, -row["spend_cents"], row["label"]))
    total_cents = sum(spend.values())
    total = {"group": None, "label": "Totaal", "spend_cents": total_cents}
    for touch, (outcomes, _lks) in per_touch.items():
        summed = {name: sum(o[name] for o in outcomes.values()) for name in OUTCOMES}
        total[touch] = _touch_cells(total_cents, summed, lks_retention_per_group(flt, None, touch, as_of).get(None))
    return {"from": flt.period.start.isoformat(), "to": flt.period.end.isoformat(), "as_of": as_of.isoformat(),
            "group_by": group_by, "rows": rows, "total": total, "dropped": dropped}


# --- what management may see -----------------------------------------------------------------------

def _hide_touch(cells: dict[str, Any]) -> None:
    """Placement counts of 1–4 people as "< 5"; a cost worked out from a hidden count is hidden too."""
    if privacy.is_small(cells["placements"]):
        cells["placements"] = cells["cost_placements"] = privacy.HIDDEN
    lks_hidden = privacy.is_small(cells["lks"])
    if lks_hidden:
        cells["lks"] = privacy.HIDDEN
    for name in MILESTONES:
        point = cells[name]
        expected = point["expected"]
        small_expected = isinstance(expected, float | int) and 0 < expected < privacy.SMALL
        if lks_hidden or privacy.is_small(point["at_risk"]) or small_expected:
            # With the group's size hidden, its survival and expectation would give it away.
            point.update(survival=privacy.HIDDEN if point["survival"] is not None else None,
                         at_risk=privacy.suppress_small(point["at_risk"]),
                         expected=privacy.HIDDEN if expected is not None else None,
                         cost=privacy.HIDDEN if point["cost"] is not None else None)


def for_viewer(report: dict[str, Any], role: str) -> dict[str, Any]:
    """The report as `role` may see it: for management placement-based cells of 1–4 as "< 5"."""
    if role != privacy.MANAGEMENT:
        return report
    shown = copy.deepcopy(report)
    for row in [*shown["rows"], shown["total"]]:
        for touch in TOUCHES:
            _hide_touch(row[touch])
    return shown


# --- tables -----------------------------------------------------------------------------------------

def euros(cents: Any) -> Any:
    """Cents as euros for a table cell (a spreadsheet shows money in euros); "< 5" and None as they are."""
    return cents / 100 if isinstance(cents, int) and not isinstance(cents, bool) else cents


def cost_table(report: dict[str, Any]) -> Table:
    """Spend and the cost per lead, adviesgesprek, vacancy and placement per group, first and last touch."""
    group_by = report["group_by"]
    columns = [Column(COST_GROUPS[group_by], "text"), Column("Uitgaven (€)", "euro")]
    for name, label in OUTCOMES.items():
        plural = {"leads": "Leads", "meetings": "Adviesgesprekken", "vacancies": "Vacatures",
                  "placements": "Plaatsingen"}[name]
        columns += [Column(f"{plural} ({short})") for short in SHORT_TOUCHES]
        columns += [Column(f"€ per {label} ({short})", "euro") for short in SHORT_TOUCHES]

    def row(item: dict[str, Any]) -> list[Any]:
        cells: list[Any] = [item["label"], euros(item["spend_cents"])]
        for name in OUTCOMES:
            cells += [item["first"][name], item["last"][name],
                      euros(item["first"][f"cost_{name}"]), euros(item["last"][f"cost_{name}"])]
        return cells

    return Table(f"kosten-per-{SLUGS[group_by]}", f"Kosten per uitkomst per {COST_GROUPS[group_by].lower()}",
                 columns, [row(item) for item in report["rows"]], row(report["total"]), note=_note(report),
                 sheet=f"Kosten per {COST_GROUPS[group_by].lower()}")


def lks_cost_table(report: dict[str, Any]) -> Table:
    """Per group: LKS jobs, how many are expected still to be active after 6 and 12 months, and their cost."""
    group_by = report["group_by"]
    columns = [Column(COST_GROUPS[group_by], "text"), Column("Uitgaven (€)", "euro")]
    for short in SHORT_TOUCHES:
        columns.append(Column(f"LKS-banen ({short})"))
        for months in (6, 12):
            columns += [Column(f"Nog actief na {months} mnd, verwacht ({short})", "number"),
                        Column(f"Gevolgd na {months} mnd ({short})"),
                        Column(f"€ per baan actief na {months} mnd ({short})", "euro")]

    def row(item: dict[str, Any]) -> list[Any]:
        cells: list[Any] = [item["label"], euros(item["spend_cents"])]
        for touch in TOUCHES:
            cells.append(item[touch]["lks"])
            for name in MILESTONES:
                point = item[touch][name]
                cells += [point["expected"], point["at_risk"], euros(point["cost"])]
        return cells

    what = COST_GROUPS[group_by].lower()
    return Table(f"kosten-lks-{SLUGS[group_by]}", f"Kosten per LKS-baan die blijft, per {what}", columns,
                 [row(item) for item in report["rows"]], row(report["total"]),
                 note=("Verwacht actief = LKS-banen × het aandeel dat volgens Kaplan–Meier na 182 of 365 dagen nog "
                       "werkt; 'gevolgd' is het aantal banen dat zo lang gevolgd is (number at risk). Peildatum "
                       f"{long_date(date.fromisoformat(report['as_of']))}."),
                 sheet=f"LKS-kosten per {COST_GROUPS[group_by].lower()}")


def _note(report: dict[str, Any]) -> str:
    note = ("Uitgaven naar rato van de dagen in de periode; leads die in de periode binnenkwamen, met wat ze "
            "tot nu bereikten; eerste = eerste contactmoment, laatste = laatste contactmoment vóór het gesprek.")
    if report.get("dropped"):
        note += " Filters op sector, gemeente, partner of team gelden niet voor uitgaven en zijn weggelaten."
    return note

