"""Response time split by who waits: the import, the routing, the advisor.

Per lead, four moments in clock time (UTC):

    submitted  the employer's submission: created_at, the time of the touchpoint that started the lead
    arrived    when the lead reached the CRM (arrived_at; created_at for rows made before it was kept)
    assigned   the first assignment to an advisor (assigned_at)
    contacted  the first contact (contacted_at)

and three parts that add up to the total, to the second, for every lead: import lag = arrived −
submitted, routing wait = assigned − arrived, advisor = contacted − assigned. Each moment is taken no
earlier than the one before it (a lead routed at its touchpoint's own time, before the import brought it
in, waited 0 for routing), so no part is negative. The database computes the moments as whole seconds
since 1970, groups the parts into buckets and counts them; Python only reads percentiles off the counts.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import (
    BigInteger,
    Integer,
    case,
    cast,
    func,
    literal,
    literal_column,
    select,
    union_all,
)

from ...models import Lead
from ..errors import ValidationError
from .exports import Column, Table
from .filters import ReportFilter, lead_conditions, lead_from
from .groups import TOTAL, group_labels, lead_group_column, needs_employer, needs_owner, ordered
from .sqltime import dialect, run

PARTS = ("import", "routing", "advisor", "total")
PART_LABELS = {"import": "Import (indienen → in het CRM)", "routing": "Routering (in het CRM → toegewezen)",
               "advisor": "Adviseur (toegewezen → eerste contact)", "total": "Totaal (indienen → eerste contact)"}
GROUP_BYS = {"channel": "kanaal", "team": "team", "advisor": "adviseur"}
# Where a lead is: contacted, or still waiting for routing or for its advisor, or lost before any contact.
STATUSES = ("contacted", "waiting_routing", "waiting_advisor", "lost_before_contact")
HOUR = 3600


def epoch_seconds(column: Any) -> Any:
    """A UTC timestamp column as whole seconds since 1970-01-01, the same on SQLite and PostgreSQL."""
    if dialect() == "sqlite":
        return cast(func.round((func.julianday(column) - literal_column("2440587.5")) * literal_column("86400")),
                    Integer)
    return cast(func.round(func.extract("epoch", column)), BigInteger)


def moments() -> tuple[Any, Any, Any, Any]:
    """The four moments of a lead row as timestamps, each no earlier than the one before (NULL while not
    reached). Compared as stored, so the database converts each to seconds only once."""
    submitted = Lead.created_at
    arrived = case((Lead.arrived_at > submitted, Lead.arrived_at), else_=submitted)
    # Reaching contacted sets a skipped assigned_at too; the coalesce keeps a hand-made row consistent.
    first = func.coalesce(Lead.assigned_at, Lead.contacted_at)
    assigned = case((first < arrived, arrived), else_=first)
    contacted = case((Lead.contacted_at < assigned, assigned), else_=Lead.contacted_at)
    return submitted, arrived, assigned, contacted


def _status() -> Any:
    return case((Lead.contacted_at.is_not(None), "contacted"), (Lead.lost_at.is_not(None), "lost_before_contact"),
                (func.coalesce(Lead.assigned_at, Lead.contacted_at).is_(None), "waiting_routing"),
                else_="waiting_advisor")


def once(query: Any) -> Any:
    """On SQLite, a per-row subquery that the outer GROUP BY reads as it comes (a co-routine): without the
    LIMIT the flattener copies each computed column into every place the outer query uses it."""
    return query.limit(-1) if dialect() == "sqlite" else query


def lead_response_times(lead_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Per lead: the parts in seconds (None while still waiting), the total when contacted, and the status."""
    if not lead_ids:
        return {}
    query = select(Lead.id, *(epoch_seconds(m) for m in moments()), _status()).where(Lead.id.in_(lead_ids))
    out = {}
    for lead_id, e0, e1, e2, e3, status in run(query):
        out[lead_id] = {
            "import": e1 - e0, "routing": None if e2 is None else e2 - e1,
            "advisor": None if e2 is None or e3 is None else e3 - e2,
            "total": None if e3 is None else e3 - e0, "status": status}
    return out


def _bucket(seconds: Any) -> Any:
    """The lower end of the value's bucket: 6 minutes under a day, an hour under ten days, a day beyond.
    Integer division on both engines; a bounded number of buckets however many leads."""
    def floor(width: int) -> Any:
        return (seconds // literal_column(str(width))) * literal_column(str(width))
    return case((seconds < literal_column("86400"), floor(360)), (seconds < literal_column("864000"), floor(HOUR)),
                else_=floor(86400))


def _percentile(values: np.ndarray, counts: np.ndarray, q: float) -> float | None:
    return round(float(np.percentile(np.repeat(values, counts), q)) / HOUR, 1) if counts.sum() else None


def _row(key: str | None, label: str, dist: dict[str, tuple[np.ndarray, np.ndarray, int]],
         statuses: dict[str, int]) -> dict[str, Any]:
    """One table row: per part the median, p90 and mean in hours over the contacted leads; the waiting counts."""
    row: dict[str, Any] = {"group": key, "label": label, "created": sum(statuses.values()),
                           **{status: statuses.get(status, 0) for status in STATUSES}, "parts": {}}
    for part in PARTS:
        values, counts, total_seconds = dist.get(part, (np.zeros(0, np.int64), np.zeros(0, np.int64), 0))
        n = int(counts.sum())
        row["parts"][part] = {
            "median_hours": _percentile(values, counts, 50), "p90_hours": _percentile(values, counts, 90),
            "mean_hours": round(total_seconds / n / HOUR, 1) if n else None, "seconds": int(total_seconds)}
    return row


def response_times(flt: ReportFilter, group_by: str | None = None) -> dict[str, Any]:
    """Import lag, routing wait and advisor time of the leads created in the period, per group.

    `group_by`: channel, team or advisor (the lead's current owner), or None for the total only. Median,
    90th percentile and mean per part are in clock hours over the leads with first contact, whose three
    parts add up to their total (so the means add up too); the leads still waiting for routing or for
    their advisor, and those lost before any contact, are counted per group.
    """
    if group_by is not None and group_by not in GROUP_BYS:
        raise ValidationError(f"Onbekende indeling {group_by!r}.",
                              {"group_by": "Kies een indeling: " + ", ".join(GROUP_BYS) + "."})
    frm = lead_from(flt, employer=needs_employer(group_by), owner=needs_owner(group_by))
    group = (lead_group_column(group_by) if group_by else literal(None)).label("g")
    where = lead_conditions(flt)
    m0, m1, m2, m3 = moments()
    spans = {"import": (m1, m0), "routing": (m2, m1), "advisor": (m3, m2), "total": (m3, m0)}
    arms = []
    for part, (later, earlier) in spans.items():
        # The parts of contacted leads, one subquery per part: each lead's seconds computed once.
        seconds = once(select(group, (epoch_seconds(later) - epoch_seconds(earlier)).label("s")).select_from(frm)
                       .where(*where, Lead.contacted_at.is_not(None))).subquery(f"part_{part}")
        bucket = _bucket(seconds.c.s)
        arms.append(select(literal_column(f"'{part}'").label("part"), seconds.c.g, bucket.label("b"),
                           func.count().label("n"), func.sum(seconds.c.s).label("s")).group_by(seconds.c.g, bucket))
    status = _status()
    status_rows = run(select(group, status, func.count()).select_from(frm).where(*where)
                      .group_by(group, status)).all()
    counted = union_all(*arms)
    buckets: dict[tuple[Any, str], list[tuple[int, int, int]]] = {}
    for part, key, bucket, n, seconds in run(counted).all():
        buckets.setdefault((key, part), []).append((int(bucket), int(n), int(seconds)))

    def dist(keys: set[Any]) -> dict[str, tuple[np.ndarray, np.ndarray, int]]:
        out = {}
        for part in PARTS:
            rows = [r for key in keys for r in buckets.get((key, part), [])]
            out[part] = (np.array([r[0] for r in rows], dtype=np.int64), np.array([r[1] for r in rows], np.int64),
                         sum(r[2] for r in rows))
        return out

    statuses: dict[Any, dict[str, int]] = {}
    for key, name, n in status_rows:
        statuses.setdefault(key, {})[name] = int(n)
    total_status = {name: sum(s.get(name, 0) for s in statuses.values()) for name in STATUSES}
    report: dict[str, Any] = {"from": flt.period.start.isoformat(), "to": flt.period.end.isoformat(),
                              "group_by": group_by, "rows": [],
                              "total": _row(None, TOTAL, dist(set(statuses)), total_status)}
    if group_by:
        labels = group_labels(group_by, statuses)
        report["rows"] = ordered([_row(*labels[key], dist({key}), statuses[key]) for key in statuses])
    return report


def response_times_table(report: dict[str, Any]) -> Table:
    """The report as one download: per group the leads with first contact, per part the median, 90th
    percentile and mean in hours, and the leads still waiting or lost before contact."""
    group_label = {"channel": "Kanaal", "team": "Team", "advisor": "Adviseur"}.get(report["group_by"], "Groep")
    short = {"import": "import", "routing": "routering", "advisor": "adviseur", "total": "totaal"}
    columns = [Column(group_label, "text"), Column("Leads met eerste contact")]
    for part in PARTS:
        columns += [Column(f"Uren {short[part]}: mediaan", "number"), Column(f"Uren {short[part]}: 90e percentiel",
                                                                             "number"),
                    Column(f"Uren {short[part]}: gemiddeld", "number")]
    columns += [Column("Wacht op routering"), Column("Wacht op adviseur"), Column("Vervallen zonder contact")]

    def row(item: dict[str, Any]) -> list[Any]:
        cells: list[Any] = [item["label"], item["contacted"]]
        for part in PARTS:
            numbers = item["parts"][part]
            cells += [numbers["median_hours"], numbers["p90_hours"], numbers["mean_hours"]]
        return cells + [item["waiting_routing"], item["waiting_advisor"], item["lost_before_contact"]]

    return Table("reactietijd", f"Reactietijd per {group_label.lower()}: import, routering, adviseur", columns,
                 [row(item) for item in report["rows"]], row(report["total"]),
                 note=("Klokuren van aanmelding tot eerste contact, in drie delen die per lead optellen tot het "
                       "totaal; mediaan, 90e percentiel en gemiddelde over de leads met eerste contact."),
                 sheet=f"Reactietijd per {group_label.lower()}")


def advisor_sla(now: datetime) -> tuple[Any, Any]:
    """(met, decided) as 1/0 expressions on a lead row: the first-contact SLA held against the advisor's part.

    The SLA gives until `sla_due_at`, counted from arrival. Time the lead waited for routing is not the
    advisor's, so the deadline moves on by the routing wait: met = contacted − routing wait ≤ due. Decided:
    contacted, or assigned and the advisor's time has run out by `now`; a lead still waiting for routing is
    not counted for or against an advisor.
    """
    _, arrived, assigned, contacted = moments()
    due = epoch_seconds(Lead.sla_due_at)
    routing_wait = epoch_seconds(assigned) - epoch_seconds(arrived)
    # Most leads are routed the moment they arrive: their deadline stays, and no time arithmetic is needed.
    met = case((Lead.contacted_at.is_(None), 0),
               (assigned == arrived, case((contacted <= Lead.sla_due_at, 1), else_=0)),
               (epoch_seconds(contacted) - routing_wait <= due, 1), else_=0)
    decided = case((Lead.sla_due_at.is_(None), 0), (Lead.contacted_at.is_not(None), 1),
                   (Lead.assigned_at.is_(None), 0), (assigned == arrived, case((Lead.sla_due_at < now, 1), else_=0)),
                   (literal_column(str(int(now.timestamp()))) - routing_wait > due, 1), else_=0)
    return met, decided
