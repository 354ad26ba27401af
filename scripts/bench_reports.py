"""Benchmark: each management report next to a hand-written raw SQL query that gives the same numbers.

    python scripts/bench_reports.py [--leads 1000000] [--placements 50000] [--engine both] [--runs 5]
        [--after-load vacuum|analyze] [--only TEXT]

Builds a synthetic region (100 advisors in 10 teams, 30 partners, the campaign with 4 phases, 8 channels,
18 months of leads with stage timestamps for a realistic funnel, ~5% placed; a third of the leads (lead
ads, webinar registrations) arrive with the next working morning's import, the rest at their created_at,
and about one in eight waits hours to days for routing; placements with start and end dates, mostly LKS,
some ended with end_how/end_why) in a fresh SQLite file under /tmp and in a throwaway PostgreSQL database
(created on --pg-url, dropped afterwards). The schema comes from the project's migrations; the rows go in
with Core bulk inserts (SQLite) or COPY (PostgreSQL). Then, for each report function of
`campaign_crm.services.reports`, it times the function and the raw SQL (median of --runs after one
warm-up, alternating), asserts that both give the same numbers, measures the Python memory peak of one
call (tracemalloc), and prints a table.
Goal, flagged "over" in the table when missed: each report at most 1.5× the time of its raw SQL; Kaplan–Meier
at most 2× (read + curve).
"""
from __future__ import annotations

import argparse
import gc
import inspect
import os
import platform
import random
import signal
import statistics
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
from flask_migrate import upgrade
from sqlalchemy import bindparam, create_engine, insert, select, text
from sqlalchemy.engine import make_url

from campaign_crm import create_app
from campaign_crm.config import TestingConfig
from campaign_crm.extensions import db
from campaign_crm.models import Channel, Municipality, Sector
from campaign_crm.models.types import UTCDateTime
from campaign_crm.services import calendar
from campaign_crm.services.calendar import AMSTERDAM

ADVISORS, TEAMS, PARTNERS = 100, 10, 30
MONTHS = 18
CHANNELS = {"dagblad": 10, "vakblad": 5, "linkedin": 25, "facebook": 20, "instagram": 8, "livestream": 12,
            "website": 15, "partner": 5}  # 8 of the seeded channels, with their share of leads
PHASES = ("launch", "livestream", "techniek", "zorg")
SECTOR_WEIGHTS = {"techniek": 22, "zorg": 18, "logistiek": 10, "handel": 12, "horeca": 8, "schoonmaak": 5,
                  "zakelijk": 10, "overheid_onderwijs": 5, "groen": 4, "overig": 6}
MUNICIPALITY_WEIGHTS = {"GM0599": 45, "GM0606": 6, "GM0622": 5, "GM0502": 5, "GM1930": 6, "GM1963": 6, "GM0597": 3,
                        "GM0489": 3, "GM0556": 2, "GM0542": 2, "GM0613": 2, "GM1924": 3, "GM1992": 4}
INSTRUMENTS = {"lks": 80, "loondispensatie": 8, "lkv": 7, "other": 5}
END_HOWS = {"fixed_term_not_renewed": 25, "trial_period": 12, "dismissal": 15, "resignation": 25,
            "mutual_agreement": 12, "retirement": 3, "death": 1, "other": 7}
END_WHYS = {"health": 18, "match": 22, "behaviour": 8, "employer_economic": 12, "employer_stopped": 5,
            "regular_job": 10, "move_personal": 8, "guidance": 6, "subsidy_issue": 4, "unknown": 7}
SLA_WORKING_DAYS = 2
# Where a lead waits before an advisor has it (as the demo region): lead ads and webinar registrations come
# in with the next working morning's import (the share of each channel's leads), the rest reaches the CRM at
# its created_at; most leads are routed the moment they arrive, some wait hours to days in a team queue.
IMPORTED_CHANNELS = {"livestream": 1.0, "linkedin": 0.4, "facebook": 0.4, "instagram": 0.4}
ROUTING_DELAY_SHARE = 0.12
ROUTING_DELAY_HOURS = (2, 4, 6, 20, 26, 48, 70)


# --------------------------------------------------------------------------------------------
# Databases


def sqlite_database() -> tuple[str, Callable[[], None]]:
    folder = tempfile.mkdtemp(prefix="bench_reports_", dir="/tmp")
    path = Path(folder) / "bench.db"

    def drop():
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        Path(folder).rmdir()

    return f"sqlite:///{path}", drop


def postgresql_database(server: str) -> tuple[str, Callable[[], None]]:
    url = make_url(server).set(drivername="postgresql+psycopg")
    name = f"crm_bench_reports_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url.set(database=url.database or "postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.set(database=name).render_as_string(hide_password=False), drop


# --------------------------------------------------------------------------------------------
# The synthetic region


def weighted(rng: random.Random, table: dict[Any, int], k: int) -> list[Any]:
    return rng.choices(list(table), weights=list(table.values()), k=k)


class Loader:
    """Bulk rows into a table: Core insert with a list of dicts on SQLite, COPY on PostgreSQL."""

    def __init__(self) -> None:
        self.postgresql = db.engine.dialect.name == "postgresql"

    def __call__(self, table_name: str, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        table = db.metadata.tables[table_name]
        if not self.postgresql:
            db.session.execute(insert(table), rows)
            return
        columns = list(rows[0])
        json_columns = {c.name for c in table.columns if c.type.__class__.__name__ == "JSON"}
        raw = db.session.connection().connection.driver_connection
        with raw.cursor() as cur, cur.copy(f"COPY {table_name} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([("[]" if row[c] == [] else row[c]) if c in json_columns else row[c] for c in columns])

    def reset_sequences(self) -> None:
        if not self.postgresql:
            return
        for table in ("campaigns", "phases", "teams", "partners", "users", "employers", "leads", "touchpoints",
                      "placements"):
            db.session.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"))


@dataclass
class Region:
    today: date
    start: datetime  # first lead (UTC)
    now: datetime
    channel_ids: dict[str, int]
    phase_ids: dict[str, int]
    sector_ids: dict[str, int]
    campaign_id: int


@cache
def import_morning(day: date) -> datetime:
    """08:00 Amsterdam time on the working day after `day`, in UTC: when the next import runs."""
    from datetime import time as dtime
    return datetime.combine(calendar.add_working_days(day, 1), dtime(8, 0), tzinfo=AMSTERDAM).astimezone(UTC)


def lead_arrival(rng: random.Random, channel_code: str, created: datetime, now: datetime) -> datetime:
    """When the lead reached the CRM: at its created_at from the web form and most channels; for a share of
    lead ads and for webinar registrations with the next working morning's import (08:00–10:59)."""
    if rng.random() >= IMPORTED_CHANNELS.get(channel_code, 0.0):
        return created
    return min(import_morning(created.astimezone(AMSTERDAM).date()) + timedelta(minutes=rng.randrange(180)), now)


def lead_stage_times(rng: random.Random, arrived: datetime, now: datetime) -> dict[str, datetime | None]:
    """Stage timestamps along a realistic funnel from the lead's arrival; a reached stage sets the skipped
    ones too. Most assigned leads are routed at the moment they arrive, some wait in a team queue."""
    times: dict[str, datetime | None] = dict.fromkeys(("assigned_at", "contacted_at", "meeting_at", "vacancy_at",
                                                       "placed_at", "lost_at"))
    at = arrived
    steps = (("assigned_at", 0.97, 0.0), ("contacted_at", 0.86, 1.6), ("meeting_at", 0.46, 8.0),
             ("vacancy_at", 0.42, 15.0), ("placed_at", 0.36, 25.0))
    for column, share, mean_days in steps:
        if rng.random() >= share:
            break
        if column == "assigned_at":
            nxt = at if rng.random() >= ROUTING_DELAY_SHARE else at + timedelta(
                hours=rng.choice(ROUTING_DELAY_HOURS), minutes=rng.randrange(60), seconds=rng.random() * 60)
        else:
            nxt = at + timedelta(days=rng.expovariate(1 / mean_days) + (1 / 1440))
        if nxt >= now:
            return times  # not yet: still open at this stage
        times[column] = at = nxt
    else:
        return times  # placed
    # Stopped here: most leads that stop are closed as lost some weeks later.
    if rng.random() < 0.85:
        lost = at + timedelta(days=rng.expovariate(1 / 20) + 0.01)
        if lost < now:
            times["lost_at"] = lost
    return times


@cache
def sla_due_for_local_day(day: date) -> datetime:
    from datetime import time as dtime
    due_day = calendar.add_working_days(day, SLA_WORKING_DAYS)
    return datetime.combine(due_day, dtime(17, 0), tzinfo=AMSTERDAM).astimezone(UTC)


def build_region(n_leads: int, n_placements: int, *, now: datetime, seed: int = 2026, chunk: int = 50_000) -> Region:
    """Fill the database; returns the facts the reports are asked about."""
    rng = random.Random(seed)
    load = Loader()
    today = now.astimezone(AMSTERDAM).date()
    start = now - timedelta(days=round(MONTHS * 30.44))
    channel_ids = dict(db.session.execute(select(Channel.code, Channel.id)).all())
    sector_ids = dict(db.session.execute(select(Sector.code, Sector.id)).all())
    municipality_ids = dict(db.session.execute(select(Municipality.cbs_code, Municipality.id)).all())

    # Campaign, phases (four consecutive spans of the 18 months), teams, partners, advisors.
    load("campaigns", [{"id": 1, "code": "aknp", "name": "Anders kijken naar personeel",
                        "starts_on": start.date(), "ends_on": None, "active": True}])
    span = (now - start) / len(PHASES)
    phase_starts = [start + span * i for i in range(len(PHASES))]
    phase_sector = {"techniek": sector_ids["techniek"], "zorg": sector_ids["zorg"]}
    load("phases", [{"id": i + 1, "campaign_id": 1, "code": code, "name": code.title(),
                     "starts_on": phase_starts[i].date(),
                     "ends_on": (phase_starts[i + 1].date() - timedelta(days=1)) if i + 1 < len(PHASES) else None,
                     "sector_id": phase_sector.get(code)} for i, code in enumerate(PHASES)])
    phase_ids = {code: i + 1 for i, code in enumerate(PHASES)}
    load("teams", [{"id": i + 1, "name": f"Team {i + 1}", "description": "", "is_pool": i == 0, "active": True}
                   for i in range(TEAMS)])
    load("partners", [{"id": i + 1, "name": f"Partner {i + 1}", "kind": "other", "municipality_id": None,
                       "active": True} for i in range(PARTNERS)])
    load("users", [{"id": i + 1, "email": f"adviseur{i + 1}@bench.example", "name": f"Adviseur {i + 1}",
                    "password_hash": "x", "role": "advisor", "partner_id": i % PARTNERS + 1,
                    "team_id": i % TEAMS + 1, "capacity": 100_000, "active": True, "created_at": start}
                   for i in range(ADVISORS)])

    # Employers: every lead has one, with a sector and a municipality (four leads per employer).
    n_employers = max(1, n_leads // 4)
    sectors = weighted(rng, SECTOR_WEIGHTS, n_employers)
    municipalities = weighted(rng, MUNICIPALITY_WEIGHTS, n_employers)
    for offset in range(0, n_employers, chunk):
        load("employers", [{"id": k + 1, "name": f"Werkgever {k + 1}", "name_key": f"werkgever{k + 1}",
                            "sector_id": sector_ids[sectors[k]], "municipality_id": municipality_ids[municipalities[k]],
                            "created_at": start, "updated_at": start}
                           for k in range(offset, min(n_employers, offset + chunk))])
        db.session.commit()

    # Leads in chunks, with their touchpoints (first touch = the lead's channel/phase; a quarter
    # of the leads have a later touchpoint through another channel, for last-touch attribution) and
    # their stored last touch, as services.leads.attribution works it out: the later touchpoint when it
    # is at or before the meeting (or there is no meeting), else the first.
    total_seconds = (now - start).total_seconds() - 3600
    channel_codes = weighted(rng, CHANNELS, n_leads)
    # Leads arrive over time: ids follow created_at, as in the application (this matters for
    # index range scans, which then read neighbouring pages).
    created_offsets = sorted(rng.random() * total_seconds for _ in range(n_leads))
    placed: list[tuple[int, datetime, int, int]] = []  # lead id, placed_at, employer, advisor
    touch_id = 0
    for offset in range(0, n_leads, chunk):
        leads, touches = [], []
        for i in range(offset, min(n_leads, offset + chunk)):
            lead_id = i + 1
            created = start + timedelta(seconds=created_offsets[i])
            phase = PHASES[min(len(PHASES) - 1, int((created - start) / span))]
            arrived = lead_arrival(rng, channel_codes[i], created, now)
            times = lead_stage_times(rng, arrived, now)
            if times["placed_at"]:
                stage = "placed"
            elif times["lost_at"]:
                stage = "lost"
            else:
                stage = next((s for s in ("vacancy", "meeting", "contacted", "assigned") if times[f"{s}_at"]), "new")
            advisor = rng.randrange(ADVISORS) + 1 if times["assigned_at"] else None
            employer = rng.randrange(n_employers) + 1
            channel = channel_ids[channel_codes[i]]
            leads.append({
                "id": lead_id, "employer_id": employer, "contact_id": None, "campaign_id": 1,
                "phase_id": phase_ids[phase], "channel_id": channel, "stage": stage,
                "owner_id": advisor, "team_id": (advisor - 1) % TEAMS + 1 if advisor else None,
                # The SLA counts from arrival, as the intake sets it.
                "sla_due_at": sla_due_for_local_day(arrived.astimezone(AMSTERDAM).date()),
                "priority": rng.randint(0, 60), "priority_parts": [],
                "lost_reason_id": rng.randint(1, 6) if times["lost_at"] else None,
                "created_at": created, "arrived_at": arrived, "updated_at": created, **times,
                "last_touch_channel_id": channel, "last_touch_phase_id": phase_ids[phase],
            })
            touch_id += 1
            touches.append({"id": touch_id, "kind": "form", "occurred_at": created, "employer_id": employer,
                            "lead_id": lead_id, "campaign_id": 1, "phase_id": phase_ids[phase],
                            "channel_id": channel, "created_at": arrived})  # recorded when it arrived
            if rng.random() < 0.25:
                later = created + timedelta(days=rng.uniform(0.05, 40))
                if later < now:
                    touch_id += 1
                    later_phase = PHASES[min(len(PHASES) - 1, int((later - start) / span))]
                    touches.append({"id": touch_id, "kind": "livestream_attendance", "occurred_at": later,
                                    "employer_id": employer, "lead_id": lead_id, "campaign_id": 1,
                                    "phase_id": phase_ids[later_phase],
                                    "channel_id": channel_ids[rng.choice(list(CHANNELS))], "created_at": later})
                    if times["meeting_at"] is None or later <= times["meeting_at"]:
                        leads[-1].update(last_touch_channel_id=touches[-1]["channel_id"],
                                         last_touch_phase_id=touches[-1]["phase_id"])
            if times["placed_at"]:
                placed.append((lead_id, times["placed_at"], employer, advisor))
        load("leads", leads)
        load("touchpoints", touches)
        db.session.commit()

    # Placements: one per placed lead (a second one for some, to reach the number asked for).
    rows = []
    for k in range(n_placements):
        lead_id, placed_at, employer, advisor = placed[k % len(placed)] if placed else (None, start, 1, None)
        begin = placed_at.astimezone(AMSTERDAM).date() + timedelta(
            days=rng.randint(0, 30) + (k // max(1, len(placed))) * 60)
        begin = min(begin, today)
        instrument = weighted(rng, INSTRUMENTS, 1)[0]
        duration = int(rng.expovariate(1 / 800)) + 1  # about a third end within the first year
        ended = begin + timedelta(days=duration)
        end_date = ended if ended <= today else None
        rows.append({
            "id": k + 1, "reference": f"P{k + 1:07d}", "partner_id": (advisor or 1) % PARTNERS + 1,
            "advisor_id": advisor, "lead_id": lead_id, "employer_id": employer, "candidate_ref": f"K{k + 1}",
            "instrument": instrument,
            "lks_type": rng.choice(("regular", "forfaitair", "tijdelijk")) if instrument == "lks" else None,
            "hours_per_week": rng.choice((16, 24, 32, 36)), "contract_type": rng.choice(("permanent", "fixed_term")),
            "start_date": begin, "end_date": end_date,
            "end_how": weighted(rng, END_HOWS, 1)[0] if end_date else None,
            "end_why": weighted(rng, END_WHYS, 1)[0] if end_date else None,
            "doelgroepregister": False, "no_riskpolis": False, "end_note": "", "created_at": now,
        })
    load("placements", rows)
    load.reset_sequences()
    db.session.commit()
    return Region(today=today, start=start, now=now, channel_ids=channel_ids, phase_ids=phase_ids,
                  sector_ids=sector_ids, campaign_id=1)


# --------------------------------------------------------------------------------------------
# Hand-written raw SQL: the best form of each number, to measure the reports against


STAGE_COLUMNS = ("assigned_at", "contacted_at", "meeting_at", "vacancy_at", "placed_at")


def utc_params(sql: str, **values: Any):
    """A text() query whose datetime parameters are bound like the models bind them."""
    query = text(sql)
    return query.bindparams(*(bindparam(name, value, type_=UTCDateTime()) if isinstance(value, datetime)
                              else bindparam(name, value) for name, value in values.items()))


def window(period_start: date, period_end: date) -> tuple[datetime, datetime]:
    """Local dates [start, end] as the half-open UTC window of timestamps."""
    from datetime import time as dtime
    low = datetime.combine(period_start, dtime(), tzinfo=AMSTERDAM).astimezone(UTC)
    high = datetime.combine(period_end + timedelta(days=1), dtime(), tzinfo=AMSTERDAM).astimezone(UTC)
    return low, high


def raw_funnel(codes: dict[str, dict[int, str]], start: date, end: date, group: tuple[str, ...]) -> dict:
    """Cohort funnel: leads created in the window, and how many of them reached each stage."""
    columns = {"channel": "l.channel_id", "phase": "l.phase_id", "sector": "e.sector_id",
               "municipality": "e.municipality_id"}
    keys = [columns[g] for g in group]
    join = " JOIN employers e ON e.id = l.employer_id" if {"sector", "municipality"} & set(group) else ""
    counts = ", ".join(f"count(l.{c})" for c in STAGE_COLUMNS)
    select_keys = "".join(f"{k}, " for k in keys)
    group_by = f" GROUP BY {', '.join(keys)}" if keys else ""
    low, high = window(start, end)
    rows = db.session.execute(utc_params(
        f"SELECT {select_keys}count(*), {counts}, count(l.lost_at) FROM leads l{join}"
        f" WHERE l.created_at >= :low AND l.created_at < :high{group_by}", low=low, high=high)).all()
    out = {}
    for row in rows:
        key = tuple(codes[g].get(v) for g, v in zip(group, row[:len(group)], strict=True))
        out[key] = tuple(row[len(group):])
    return out


def no_jit() -> None:
    """PostgreSQL: no JIT compilation for the rest of the transaction, as the lookup per lead needs
    (a lookup per lead is priced far above jit_above_cost; compiling took ~150 ms here)."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL jit = off"))


def raw_last_touch_funnel(codes: dict[str, dict[int, str]], start: date, end: date) -> dict:
    """Funnel by the channel of the last touch, as stored on the lead (last_touch_channel_id, kept by
    the application whenever a lead's touchpoints or its meeting change); the lead's own (first-touch)
    channel when none of its touchpoints has one. The plain cohort GROUP BY."""
    low, high = window(start, end)
    counts = ", ".join(f"count({s})" for s in STAGE_COLUMNS)
    rows = db.session.execute(utc_params(
        f"SELECT coalesce(last_touch_channel_id, channel_id) AS g, count(*), {counts}, count(lost_at) FROM leads"
        " WHERE created_at >= :low AND created_at < :high GROUP BY 1", low=low, high=high)).all()
    return {(codes["channel"].get(row[0]),): tuple(row[1:]) for row in rows}


def raw_last_touch_lookup(codes: dict[str, dict[int, str]], start: date, end: date) -> dict:
    """The same numbers worked out from the touchpoints at query time: the channel of the last touchpoint
    (with a channel) at or before the meeting, or the last one for leads without a meeting; the lead's own
    channel when there is none. What the report did before the last touch was stored on the lead.

    A LIMIT 1 lookup per lead: one backward step in ix_touchpoints_lead_last (lead_id, occurred_at, id,
    channel_id, phase_id), read from the index alone. PostgreSQL: a LATERAL join, so it groups in a hash
    table (as a subquery in the select list it sorted the whole cohort to group it, ~25% slower), without
    JIT; SQLite: a correlated subquery (it has no LATERAL)."""
    no_jit()
    low, high = window(start, end)
    counts = ", ".join(f"count({s})" for s in STAGE_COLUMNS)
    lookup = ("SELECT t.channel_id FROM touchpoints t WHERE t.lead_id = l.id AND t.channel_id IS NOT NULL"
              " AND (l.meeting_at IS NULL OR t.occurred_at <= l.meeting_at) ORDER BY t.occurred_at DESC, t.id DESC"
              " LIMIT 1")
    if db.engine.dialect.name == "postgresql":
        sql = (f"SELECT coalesce(lt.channel_id, l.channel_id) AS g, count(*), {counts.replace('count(', 'count(l.')},"
               f" count(l.lost_at) FROM leads l LEFT JOIN LATERAL ({lookup}) lt ON true"
               " WHERE l.created_at >= :low AND l.created_at < :high GROUP BY 1")
    else:
        sql = (f"SELECT g, count(*), {counts}, count(lost_at) FROM ("
               f" SELECT coalesce(({lookup}), l.channel_id) AS g,"
               " l.assigned_at, l.contacted_at, l.meeting_at, l.vacancy_at, l.placed_at, l.lost_at"
               " FROM leads l WHERE l.created_at >= :low AND l.created_at < :high) AS cohort GROUP BY g")
    rows = db.session.execute(utc_params(sql, low=low, high=high)).all()
    return {(codes["channel"].get(row[0]),): tuple(row[1:]) for row in rows}


def raw_last_touch_ranked(codes: dict[str, dict[int, str]], start: date, end: date) -> dict:
    """The same numbers as raw_last_touch_lookup, set-based: the cohort joined to its touchpoints (those
    with a channel, at or before the meeting), ranked per lead with row_number() by time and id, newest
    first; rank 1 (or no touchpoint: the lead's own channel) is the lead's channel. The touchpoints are
    bounded by the cohort's lead ids, so PostgreSQL reads a range of the index instead of the table.
    Kept for comparison only: slower than the lookup per lead on both databases."""
    low, high = window(start, end)
    counts = ", ".join(f"count({s})" for s in STAGE_COLUMNS)
    stages = ", ".join(f"c.{s}" for s in (*STAGE_COLUMNS, "lost_at"))
    rows = db.session.execute(utc_params(
        "WITH cohort AS (SELECT l.id, l.channel_id AS own, l.assigned_at, l.contacted_at, l.meeting_at,"
        "  l.vacancy_at, l.placed_at, l.lost_at FROM leads l WHERE l.created_at >= :low AND l.created_at < :high)"
        f" SELECT g, count(*), {counts}, count(lost_at) FROM ("
        f"  SELECT coalesce(t.channel_id, c.own) AS g, {stages},"
        "   row_number() OVER (PARTITION BY c.id ORDER BY t.occurred_at DESC, t.id DESC) AS rn"
        "  FROM cohort c LEFT JOIN touchpoints t ON t.lead_id = c.id AND t.channel_id IS NOT NULL"
        "   AND (c.meeting_at IS NULL OR t.occurred_at <= c.meeting_at)"
        "   AND t.lead_id >= (SELECT min(id) FROM cohort) AND t.lead_id <= (SELECT max(id) FROM cohort)"
        " ) AS ranked WHERE rn = 1 GROUP BY g", low=low, high=high)).all()
    return {(codes["channel"].get(row[0]),): tuple(row[1:]) for row in rows}


def _dst_case(column: str, years: range) -> str:
    """SQLite: the Amsterdam offset of a UTC timestamp (EU rule: last Sundays of March and October, 01:00 UTC)."""
    def last_sunday(year: int, month: int) -> date:
        day = date(year, month + 1, 1) - timedelta(days=1)
        return day - timedelta(days=(day.weekday() + 1) % 7)
    whens = " ".join(f"WHEN {column} >= '{last_sunday(y, 3)} 01:00:00' AND {column} < '{last_sunday(y, 10)} 01:00:00'"
                     f" THEN '+2 hours'" for y in years)
    return f"CASE {whens} ELSE '+1 hours' END"


def local_day_sql(column: str, years: range) -> str:
    """The Amsterdam calendar date of a UTC timestamp column: a date (PostgreSQL) or a day number
    since 1970-01-01 (SQLite; grouping on integers is cheaper than on date strings)."""
    if db.engine.dialect.name == "postgresql":
        return f"CAST(({column} AT TIME ZONE 'Europe/Amsterdam') AS date)"
    return f"(unixepoch({column}, {_dst_case(column, years)}) / 86400)"


@cache
def working_days(start: date, end: date) -> int:
    return calendar.working_days_between(start, end)


def weighted_quantile(values: list[tuple[int, int]], q: float) -> float | None:
    """The q-quantile (linear interpolation, as numpy.percentile) of values given as (value, count)."""
    if not values:
        return None
    values.sort()
    total = sum(n for _, n in values)
    position = q * (total - 1)
    lower, upper = int(np.floor(position)), int(np.ceil(position))

    def at(rank: int) -> int:
        seen = 0
        for value, n in values:
            seen += n
            if rank < seen:
                return value
        return values[-1][0]

    a, b = at(lower), at(upper)
    return a + (b - a) * (position - lower)


def epoch_sql(expression: str) -> str:
    """A UTC timestamp expression as whole seconds since 1970-01-01, rounded (the unit the SLA's routing wait
    is counted in): extract(epoch) on PostgreSQL, julianday on SQLite (stored as naive UTC text)."""
    if db.engine.dialect.name == "postgresql":
        return f"CAST(round(extract(epoch FROM {expression})) AS bigint)"
    return f"CAST(round((julianday({expression}) - 2440587.5) * 86400) AS INTEGER)"


def raw_first_contact(codes: dict[str, dict[int, str]], start: date, end: date, years: range, now: datetime) -> dict:
    """Created, contacted, median and p90 working days to first contact, SLA met, per channel.

    SQL groups on (channel, local created date, local contacted date), so only a few thousand rows
    come back; the working days between each pair of dates are counted once in Python. The SLA
    rate is met / decided, and the SLA counts the advisor's part only: the moments of a lead are
    arrived (arrived_at, not before created_at), assigned (the first of assigned_at and contacted_at,
    not before arrived) and contacted (not before assigned); the routing wait (assigned − arrived, in
    whole seconds) moves the deadline on. Met: contacted − routing wait ≤ sla_due_at. Decided: a due
    time and contacted, or assigned and now − routing wait past the due time (a lead still waiting for
    routing is not decided). A lead routed at the moment it arrived compares the timestamps themselves.
    The per-lead moments are a subquery (on SQLite read as a co-routine, LIMIT -1, so each is worked out
    once per lead)."""
    low, high = window(start, end)
    created_day, contacted_day = local_day_sql("created_at", years), local_day_sql("contacted_at", years)
    wait = f"({epoch_sql('assigned')} - {epoch_sql('arrived')})"
    once = " LIMIT -1" if db.engine.dialect.name == "sqlite" else ""
    rows = db.session.execute(utc_params(
        "SELECT channel_id, cd, kd, count(*),"
        " sum(CASE WHEN contacted_at IS NULL THEN 0"
        "  WHEN assigned = arrived THEN CASE WHEN contacted <= sla_due_at THEN 1 ELSE 0 END"
        f"  WHEN {epoch_sql('contacted')} - {wait} <= {epoch_sql('sla_due_at')} THEN 1 ELSE 0 END),"
        " sum(CASE WHEN sla_due_at IS NULL THEN 0 WHEN contacted_at IS NOT NULL THEN 1 WHEN assigned_at IS NULL THEN 0"
        "  WHEN assigned = arrived THEN CASE WHEN sla_due_at < :now THEN 1 ELSE 0 END"
        f"  WHEN :now_seconds - {wait} > {epoch_sql('sla_due_at')} THEN 1 ELSE 0 END)"
        " FROM (SELECT channel_id, cd, kd, contacted_at, assigned_at, sla_due_at, arrived, assigned,"
        "   CASE WHEN contacted_at < assigned THEN assigned ELSE contacted_at END AS contacted"
        "  FROM (SELECT channel_id, cd, kd, contacted_at, assigned_at, sla_due_at, arrived,"
        "    CASE WHEN coalesce(assigned_at, contacted_at) < arrived THEN arrived"
        "     ELSE coalesce(assigned_at, contacted_at) END AS assigned"
        f"   FROM (SELECT channel_id, {created_day} AS cd, {contacted_day} AS kd, contacted_at, assigned_at,"
        "     sla_due_at, CASE WHEN arrived_at > created_at THEN arrived_at ELSE created_at END AS arrived"
        "    FROM leads WHERE created_at >= :low AND created_at < :high) AS a) AS b"
        f"  {once}) AS moments GROUP BY channel_id, cd, kd",
        low=low, high=high, now=now, now_seconds=int(now.timestamp()))).all()
    groups: dict[Any, dict[str, Any]] = defaultdict(lambda: {"created": 0, "contacted": 0, "days": defaultdict(int),
                                                             "sla_met": 0, "with_sla": 0})
    for channel_id, cd, kd, n, met, with_sla in rows:
        for key in (codes["channel"].get(channel_id), "*total*"):
            g = groups[key]
            g["created"] += n
            g["sla_met"] += met or 0
            g["with_sla"] += with_sla
            if kd is not None:
                g["contacted"] += n
                g["days"][working_days(_as_date(cd), _as_date(kd))] += n
    out = {}
    for key, g in groups.items():
        days = list(g["days"].items())
        median, p90 = weighted_quantile(days, 0.5), weighted_quantile(days, 0.9)
        out[key] = (g["created"], g["contacted"], None if median is None else round(median, 2),
                    None if p90 is None else round(p90, 2),
                    g["sla_met"], round(g["sla_met"] / g["with_sla"], 4) if g["with_sla"] else 0.0)
    return out


EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def _as_date(value: Any) -> date:
    return date.fromordinal(EPOCH_ORDINAL + value) if isinstance(value, int) else value


def month_sql(column: str) -> str:
    if db.engine.dialect.name == "postgresql":
        return f"to_char({column}, 'YYYY-MM')"
    return f"substr({column}, 1, 7)"


def raw_lks_jobs(month_ends: list[date]) -> list[tuple[date, int, int, int]]:
    """Active LKS jobs per month end (started by then minus ended by then), started and ended per month."""
    last = month_ends[-1]
    rows = db.session.execute(text(
        f"SELECT 's', {month_sql('start_date')} AS m, count(*) FROM placements"
        " WHERE instrument = 'lks' AND start_date <= :last GROUP BY m"
        f" UNION ALL SELECT 'e', {month_sql('end_date')} AS m, count(*) FROM placements"
        " WHERE instrument = 'lks' AND end_date <= :last GROUP BY m"), {"last": last}).all()
    started = {m: n for kind, m, n in rows if kind == "s"}
    ended = {m: n for kind, m, n in rows if kind == "e"}
    out = []
    for day in month_ends:
        month = f"{day.year:04d}-{day.month:02d}"
        active = sum(n for m, n in started.items() if m <= month) - sum(n for m, n in ended.items() if m <= month)
        out.append((day, active, started.get(month, 0), ended.get(month, 0)))
    return out


def quarter_sql(column: str) -> str:
    if db.engine.dialect.name == "postgresql":
        return f"to_char({column}, 'YYYY\"Q\"Q')"
    return f"strftime('%Y', {column}) || 'Q' || ((CAST(strftime('%m', {column}) AS INTEGER) + 2) / 3)"


def days_between_sql(later: str, earlier: str) -> str:
    if db.engine.dialect.name == "postgresql":
        return f"({later} - {earlier})"
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


def km_from_counts(counts: dict[tuple[int, bool], int]) -> tuple[int, int, list[tuple[int, float, int]]]:
    """Kaplan–Meier from (duration, event) → count: n, events and the curve [(day, survival, at_risk)]:
    day 0, then each day with an ending, and the last day anyone was followed (survival to 4 decimals)."""
    days = np.array(sorted({d for d, _ in counts}))
    events = np.array([counts.get((d, True), 0) for d in days])
    exits = events + np.array([counts.get((d, False), 0) for d in days])
    n = int(exits.sum())
    at_risk = n - np.concatenate(([0], np.cumsum(exits)[:-1]))
    survival = np.cumprod(1.0 - events / at_risk)
    keep = (events > 0) | (days == days.max())
    curve = [(0, 1.0, n)]
    for d, s, r in zip(days[keep], survival[keep], at_risk[keep], strict=True):
        point = (int(d), round(float(s), 4), int(r))
        if d == 0:
            curve[0] = point
        else:
            curve.append(point)
    return n, int(events.sum()), curve


def raw_retention(as_of: date) -> dict[str, tuple[int, int, list[tuple[int, float, int]], int]]:
    """Kaplan–Meier per start quarter and for all: counts of (quarter, duration, event) from SQL, curve in numpy."""
    ended = "end_date IS NOT NULL AND end_date <= :as_of"
    until = f"CASE WHEN {ended} THEN end_date ELSE :as_of END"
    rows = db.session.execute(text(
        f"SELECT {quarter_sql('start_date')} AS q, {days_between_sql(until, 'start_date')} AS d,"
        f" CASE WHEN {ended} THEN 1 ELSE 0 END AS e, count(*) FROM placements"
        " WHERE start_date <= :as_of GROUP BY q, d, e"), {"as_of": as_of}).all()
    per_cohort: dict[str, dict[tuple[int, bool], int]] = defaultdict(lambda: defaultdict(int))
    for quarter, duration, event, n in rows:
        for key in (quarter, "*all*"):
            per_cohort[key][(int(duration), bool(event))] += n
    out = {}
    for key, counts in per_cohort.items():
        n, events, curve = km_from_counts(counts)
        out[key] = (n, events, curve, max(d for d, _ in counts))
    return out


def raw_end_reasons(start: date, end: date) -> tuple:
    """Placements ended in [start, end]: per end_how and end_why, the first-year ones, influenceable or not."""
    rows = db.session.execute(text(
        f"SELECT p.end_how, p.end_why, w.influenceable, count(*),"
        f" sum(CASE WHEN {days_between_sql('p.end_date', 'p.start_date')} <= 365 THEN 1 ELSE 0 END)"
        " FROM placements p LEFT JOIN end_whys w ON w.code = p.end_why"
        " WHERE p.end_date >= :start AND p.end_date <= :end GROUP BY p.end_how, p.end_why, w.influenceable"),
        {"start": start, "end": end}).all()
    how, why = defaultdict(int), defaultdict(int)
    ended = first_year = influenceable = not_influenceable = 0
    for end_how, end_why, infl, n, within in rows:
        how[end_how] += n
        why[end_why] += n
        ended += n
        first_year += within
        influenceable += n if infl is True or infl == 1 else 0
        not_influenceable += n if infl is False or infl == 0 else 0
    return ended, first_year, dict(how), dict(why), influenceable, not_influenceable


# --------------------------------------------------------------------------------------------
# The reports, read back into the raw queries' shape


def report_module(name: str):
    """campaign_crm.services.reports.<name>, or None while it does not exist yet."""
    import importlib
    try:
        return importlib.import_module(f"campaign_crm.services.reports.{name}")
    except ImportError as exc:
        if f"reports.{name}" not in str(exc) and "reports" not in str(exc):
            raise
        return None


def funnel_numbers(report: dict, group: tuple[str, ...]) -> dict:
    out = {}
    for row in report["rows"]:
        key = tuple(row["group"]) if isinstance(row["group"], (list, tuple)) else (row["group"],)
        out[key[:len(group)]] = (row["created"], *(row["stages"][s]["count"] for s in
                                                   ("assigned", "contacted", "meeting", "vacancy", "placed")),
                                 row["lost"])
    return out


def with_total(numbers: dict) -> dict:
    if not numbers:
        return numbers
    return {**numbers, ("*total*",): tuple(sum(col) for col in zip(*numbers.values(), strict=True))}


def report_funnel_total(report: dict) -> tuple:
    t = report["total"]
    return (t["created"], *(t["stages"][s]["count"] for s in ("assigned", "contacted", "meeting", "vacancy", "placed")),
            t["lost"])


def first_contact_numbers(report: dict) -> dict:
    out = {}
    for row in [*report["rows"], {**report["total"], "group": "*total*"}]:
        out[row["group"]] = (row["created"], row["contacted"], row["median_days"], row["p90_days"], row["sla_met"],
                             row["sla_met_rate"])
    return out


def lks_numbers(report: dict) -> list:
    return [(date.fromisoformat(m["month_end"]) if isinstance(m["month_end"], str) else m["month_end"],
             m["active"], m["started"], m["ended"]) for m in report["months"]]


def retention_numbers(report: dict) -> dict:
    out = {}
    for cohort in [*report["cohorts"], {**report["all"], "cohort": "*all*"}]:
        curve = [(p["day"], p["survival"], p["at_risk"]) for p in cohort["curve"]]
        out[cohort["cohort"]] = (cohort["n"], cohort["ended"], curve,
                                 (cohort["s91"], cohort["s182"], cohort["s365"]))
    return out


def raw_retention_numbers(raw: dict) -> dict:
    def at(curve, day):
        if day > curve[-1][0]:
            return 0.0 if curve[-1][1] == 0 else None  # not followed that long
        return [s for d, s, _ in curve if d <= day][-1]
    return {key: (n, events, curve, tuple(at(curve, d) for d in (91, 182, 365)))
            for key, (n, events, curve, _) in raw.items()}


def end_reason_numbers(report: dict) -> tuple:
    return (report["ended"], report["within_first_year"], {r["code"]: r["count"] for r in report["how"] if r["count"]},
            {r["code"]: r["count"] for r in report["why"] if r["count"]}, report["influenceable"],
            report["not_influenceable"])


def same(a: Any, b: Any) -> bool:
    """Equal, with floats compared to 1e-9 (survival products may differ in the last bits)."""
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and abs(a - b) < 1e-9
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def first_difference(a: Any, b: Any, path: str = "") -> str:
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return (f"{path}: keys {sorted(map(str, a.keys() - b.keys()))} only in raw, "
                    f"{sorted(map(str, b.keys() - a.keys()))} only in report")
        for k in a:
            if not same(a[k], b[k]):
                return first_difference(a[k], b[k], f"{path}[{k!r}]")
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        if len(a) != len(b):
            return f"{path}: length {len(a)} (raw) vs {len(b)} (report)"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            if not same(x, y):
                return first_difference(x, y, f"{path}[{i}]")
    return f"{path}: raw {a!r} vs report {b!r}"


# --------------------------------------------------------------------------------------------
# Measuring


@dataclass
class Case:
    name: str
    raw: Callable[[], Any]  # the raw SQL, returning the numbers
    report: Callable[[], Any] | None  # the report function (None while it does not exist)
    numbers: Callable[[Any], Any] = lambda r: r  # the report's result in the raw numbers' shape
    goal: float = 1.5


@dataclass
class Result:
    name: str
    raw_ms: float
    report_ms: float | None
    raw_kb: float
    report_kb: float | None
    goal: float
    agrees: bool | None


def peak_kb(fn: Callable[[], Any]) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 1024
    finally:
        tracemalloc.stop()
        db.session.rollback()


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn()
    elapsed = (time.perf_counter() - started) * 1000
    db.session.rollback()  # a request ends its transaction; do it outside the timing
    return elapsed, result


def measure(case: Case, runs: int) -> Result:
    _, raw_result = timed(case.raw)  # warm-up (and the numbers to compare)
    agrees = None
    if case.report:
        _, report_result = timed(case.report)
        numbers = case.numbers(report_result)
        agrees = same(raw_result, numbers)
        if not agrees:
            print(f"  !! {case.name}: report and raw SQL disagree: {first_difference(raw_result, numbers)}",
                  flush=True)
    raw_times, report_times = [], []
    for _ in range(runs):
        raw_times.append(timed(case.raw)[0])
        if case.report:
            report_times.append(timed(case.report)[0])
    return Result(case.name, statistics.median(raw_times),
                  statistics.median(report_times) if report_times else None, peak_kb(case.raw),
                  peak_kb(case.report) if case.report else None, case.goal, agrees)


def print_table(engine: str, results: list[Result]) -> None:
    print(f"\n{engine}: median of runs; memory = Python peak of one call (tracemalloc)")
    print("| report | raw SQL ms | report ms | ratio | goal | raw peak MB | report peak MB | same numbers |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for r in results:
        if r.report_ms is None:
            print(f"| {r.name} | {r.raw_ms:,.1f} | (not yet) | | ≤ {r.goal:g}× | {r.raw_kb / 1024:,.1f} | | |")
            continue
        ratio = r.report_ms / r.raw_ms
        flag = "" if ratio <= r.goal else " **over**"
        print(f"| {r.name} | {r.raw_ms:,.1f} | {r.report_ms:,.1f} | {ratio:.2f}×{flag} | ≤ {r.goal:g}× |"
              f" {r.raw_kb / 1024:,.1f} | {r.report_kb / 1024:,.1f} | {'yes' if r.agrees else 'NO'} |")
    sys.stdout.flush()


# --------------------------------------------------------------------------------------------
# Running


def month_ends_between(start: date, end: date) -> list[date]:
    out, year, month = [], start.year, start.month
    while True:
        last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
        if last > end:
            return out
        if last >= start:
            out.append(last)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def months_back(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def code_version() -> str:
    """The commit, and whether the report code differs from it, when the report modules are imported."""
    import subprocess
    root = Path(__file__).resolve().parents[1]
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "campaign_crm/services/reports", "migrations"],
                               cwd=root, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + (" + uncommitted report/migration changes" if dirty else "")


def last_touch_cases(codes: dict, funnel_mod, flt: Callable, spans: tuple) -> list[Case]:
    """The last-touch funnel per channel next to the stored columns' GROUP BY (its raw SQL), then next to
    the two ways of working the last touch out at query time, a lookup per lead (raw_last_touch_lookup) and
    row_number() (raw_last_touch_ranked): goal ≤ 1×, the report no slower than either. The same numbers
    also show that the stored last touch is the one the touchpoints give."""
    out = []
    for label, start, end in spans:
        def report(start=start, end=end):
            return funnel_mod.funnel(flt(start, end), group_by="channel", touch="last")

        def numbers(r):
            return {**funnel_numbers(r, ("channel",)), ("*total*",): report_funnel_total(r)}

        out.append(Case(f"funnel by channel, last touch, {label}",
                        lambda start=start, end=end: with_total(raw_last_touch_funnel(codes, start, end)),
                        report if funnel_mod else None, numbers))
        out.append(Case(f"funnel by channel, last touch, {label}, raw = lookup per lead",
                        lambda start=start, end=end: with_total(raw_last_touch_lookup(codes, start, end)),
                        report if funnel_mod else None, numbers, goal=1.0))
        out.append(Case(f"funnel by channel, last touch, {label}, raw = row_number() (set-based)",
                        lambda start=start, end=end: with_total(raw_last_touch_ranked(codes, start, end)),
                        report if funnel_mod else None, numbers, goal=1.0))
    return out


def cases(region: Region) -> list[Case]:
    print(f"  report code: commit {code_version()}", flush=True)
    funnel_mod, lks_mod, retention_mod = report_module("funnel"), report_module("lks_jobs"), report_module("retention")
    filters_mod, period_mod = report_module("filters"), report_module("period")
    codes = {
        "channel": {v: k for k, v in region.channel_ids.items()},
        "phase": {v: k for k, v in region.phase_ids.items()},
        "sector": {v: k for k, v in region.sector_ids.items()},
    }
    today = region.today
    window_start = months_back(today, 3)
    window_end = date(today.year, today.month, 1) - timedelta(days=1)  # three whole months
    all_start = region.start.astimezone(AMSTERDAM).date()
    years = range(region.start.year - 1, today.year + 2)
    lks_start = months_back(today, MONTHS)
    lks_months = month_ends_between(lks_start, today)

    def flt(start: date, end: date):
        return filters_mod.ReportFilter(period=period_mod.Period(start, end))

    def funnel_case(label: str, start: date, end: date, group: tuple[str, ...]) -> Case:
        report, numbers, name = None, lambda r: {**funnel_numbers(r, group), ("*total*",): report_funnel_total(r)}, ""
        if funnel_mod and filters_mod and len(group) == 1:
            def report():
                return funnel_mod.funnel(flt(start, end), group_by=group[0])
        elif funnel_mod and filters_mod and "split_by" in inspect.signature(funnel_mod.funnel).parameters:
            def report():
                return funnel_mod.funnel(flt(start, end), group_by=group[0], split_by=group[1])

            def numbers(r):
                out = {(row["group"], one["group"]): funnel_numbers({"rows": [one]}, (group[1],))[(one["group"],)]
                       for row in r["rows"] for one in row["split"]}
                return {**out, ("*total*",): report_funnel_total(r)}
        elif funnel_mod and filters_mod:
            # An older funnel() groups by one column: a channel × phase table is one call per phase.
            name = f" ({len(region.phase_ids)} calls, one per phase)"

            def report():
                return {code: funnel_mod.funnel(replace(flt(start, end), phase_id=phase_id), group_by="channel")
                        for code, phase_id in region.phase_ids.items()}

            def numbers(per_phase):
                out = {(key[0], code): row for code, r in per_phase.items()
                       for key, row in funnel_numbers(r, ("channel",)).items()}
                return with_total(out)
        return Case(f"funnel by {' × '.join(group)}, {label}{name}",
                    lambda: with_total(raw_funnel(codes, start, end, group)), report, numbers)

    out = [
        funnel_case("3 months", window_start, window_end, ("channel",)),
        funnel_case("3 months", window_start, window_end, ("channel", "phase")),
        funnel_case("all time", all_start, today, ("channel",)),
        funnel_case("all time", all_start, today, ("channel", "phase")),
        funnel_case("all time", all_start, today, ("phase",)),
        funnel_case("3 months", window_start, window_end, ("sector",)),
        funnel_case("all time", all_start, today, ("sector",)),
        *last_touch_cases(codes, funnel_mod if filters_mod else None, flt,
                          (("3 months", window_start, window_end), ("all time", all_start, today))),
        Case("first contact by channel, 3 months",
             lambda: raw_first_contact(codes, window_start, window_end, years, datetime.now(UTC)),
             (lambda: funnel_mod.first_contact(flt(window_start, window_end), group_by="channel"))
             if funnel_mod and hasattr(funnel_mod, "first_contact") and filters_mod else None,
             first_contact_numbers),
        Case(f"active LKS jobs, {len(lks_months)} month ends", lambda: raw_lks_jobs(lks_months),
             (lambda: lks_mod.lks_jobs(lks_start, today)) if lks_mod else None, lks_numbers),
        Case("retention (Kaplan–Meier) per start quarter",
             lambda: raw_retention_numbers(raw_retention(today)),
             (lambda: retention_mod.retention(instrument=None, cohort="quarter", as_of=today))
             if retention_mod else None, retention_numbers, goal=2.0),
        Case("end reasons, all time", lambda: raw_end_reasons(all_start, today),
             (lambda: retention_mod.end_reasons(flt(all_start, today)))
             if retention_mod and hasattr(retention_mod, "end_reasons") and filters_mod else None,
             end_reason_numbers),
    ]
    return out


def maintain(after_load: str) -> None:
    """What the database gets after the bulk load, before anything is measured.

    `vacuum` (the default): on PostgreSQL `VACUUM (ANALYZE)` on an autocommit connection (VACUUM cannot
    run in a transaction). COPY leaves the visibility map empty, so until a vacuum has marked the pages
    all-visible an index-only scan still visits the table for every row: right after the load the 3-month
    funnels cost 2-3x their floor (docs/benchmarks.md). Autovacuum would get there some time later; the
    application runs the same VACUUM ANALYZE after a large import. On SQLite `ANALYZE` (statistics only;
    SQLite has no visibility map). `analyze`: statistics only on both, the state right after a bulk load
    that autovacuum has not reached yet (what this script did before).
    """
    db.session.commit()
    if db.engine.dialect.name != "postgresql":
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        return
    started = time.perf_counter()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM (ANALYZE)" if after_load == "vacuum" else "ANALYZE")
    print(f"  after the load: {'VACUUM (ANALYZE)' if after_load == 'vacuum' else 'ANALYZE'}"
          f" in {time.perf_counter() - started:.1f} s", flush=True)


def run_engine(engine: str, args: argparse.Namespace, now: datetime) -> tuple[list[Result], dict]:
    url, drop = sqlite_database() if engine == "sqlite" else postgresql_database(args.pg_url)
    try:
        app = create_app(TestingConfig(url))
        with app.app_context():
            upgrade()
            started = time.perf_counter()
            region = build_region(args.leads, args.placements, now=now)
            maintain(args.after_load)
            facts = db.session.execute(text(
                "SELECT (SELECT count(*) FROM leads), (SELECT count(*) FROM leads WHERE placed_at IS NOT NULL),"
                " (SELECT count(*) FROM placements), (SELECT count(*) FROM placements WHERE end_date IS NOT NULL),"
                " (SELECT count(*) FROM employers), (SELECT count(*) FROM touchpoints)")).one()
            print(f"{engine}: {facts[0]:,} leads ({facts[1] / max(1, facts[0]):.1%} placed), {facts[2]:,} placements"
                  f" ({facts[3]:,} ended), {facts[4]:,} employers, {facts[5]:,} touchpoints,"
                  f" loaded in {time.perf_counter() - started:.0f} s", flush=True)
            results, raw_numbers = [], {}
            for case in cases(region):
                if args.only and args.only.lower() not in case.name.lower():
                    continue
                result = measure(case, args.runs)
                results.append(result)
                raw_numbers[case.name] = timed(case.raw)[1]
                print(f"  {case.name}: raw {result.raw_ms:,.1f} ms"
                      + (f", report {result.report_ms:,.1f} ms ({result.report_ms / result.raw_ms:.2f}×)"
                         if result.report_ms is not None else ", report not there yet"), flush=True)
            print_table(engine, results)
            db.session.remove()
            db.engine.dispose()
        return results, raw_numbers
    finally:
        drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--placements", type=int, default=50_000)
    parser.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per query, after one warm-up")
    parser.add_argument("--after-load", choices=("vacuum", "analyze"), default="vacuum",
                        help="vacuum: VACUUM (ANALYZE) on PostgreSQL, ANALYZE on SQLite, after the bulk load (default);"
                             " analyze: statistics only, the visibility map still empty (the state right after a load)")
    parser.add_argument("--only", default="", help="run only the reports whose name contains this text")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"),
                        help="PostgreSQL server to make the throwaway database on")
    args = parser.parse_args()
    # Killed with SIGTERM: still drop the throwaway databases (the `finally` in run_engine).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    print(f"{platform.node()} · {platform.machine()} · {os.cpu_count()} cores · Python {platform.python_version()}"
          f" · {datetime.now(UTC):%Y-%m-%d %H:%M} UTC · --leads {args.leads} --placements {args.placements}"
          f" --runs {args.runs} --after-load {args.after_load}" + (f" --only {args.only!r}" if args.only else ""),
          flush=True)
    now = datetime.now(UTC).replace(microsecond=0)
    engines = ("sqlite", "postgresql") if args.engine == "both" else (args.engine,)
    all_results, all_numbers = {}, {}
    for engine in engines:
        all_results[engine], all_numbers[engine] = run_engine(engine, args, now)
    if len(engines) == 2:
        for name, numbers in all_numbers["sqlite"].items():
            assert same(numbers, all_numbers["postgresql"][name]), (
                f"{name}: SQLite and PostgreSQL disagree: {first_difference(numbers, all_numbers['postgresql'][name])}")
        print("\nThe raw SQL gives the same numbers on SQLite and PostgreSQL.")
    for engine, results in all_results.items():
        wrong = [r.name for r in results if r.agrees is False]
        assert not wrong, f"{engine}: report and raw SQL disagree for {wrong}"


if __name__ == "__main__":
    main()
