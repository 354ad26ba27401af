"""Time to first contact in Dutch working days, and the SLA met (the leads are described at
`tests.helpers.build_report_dataset`)."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
from sqlalchemy import select

from campaign_crm.extensions import db
from campaign_crm.models import Employer, Lead, utcnow
from campaign_crm.services.calendar import sla_due, working_days_between
from campaign_crm.services.reports.filters import ReportFilter, parse_filter
from campaign_crm.services.reports.funnel import first_contact, working_days
from campaign_crm.services.reports.period import Period, tertaal
from campaign_crm.services.reports.sqltime import local_date

T2 = tertaal(2026, 2)


def test_working_days_skip_weekends_and_dutch_holidays_like_the_calendar():
    pairs = [(date(2026, 5, 13), date(2026, 5, 15)),   # Ascension Day, Thursday 14 May, skipped: 1
             (date(2026, 5, 22), date(2026, 5, 26)),   # weekend and Whit Monday 25 May skipped: 1
             (date(2026, 6, 1), date(2026, 6, 1)),     # the same day: 0
             (date(2026, 6, 8), date(2026, 6, 15)),    # Tue–Fri and Monday: 5
             (date(2026, 12, 24), date(2026, 12, 28)), # Christmas 25/26 Dec and a Sunday: 1
             (date(2026, 6, 3), date(2026, 6, 1))]     # contact stamped before creation: never negative
    created = np.array([a for a, _ in pairs], dtype="datetime64[D]")
    contacted = np.array([b for _, b in pairs], dtype="datetime64[D]")
    assert list(working_days(created, contacted)) == [1, 1, 0, 5, 1, 0]
    assert list(working_days(created, contacted)) == [working_days_between(a, b) for a, b in pairs]


def test_median_p90_and_sla_met_per_channel(ctx, report_dataset):
    report = first_contact(ReportFilter(T2), group_by="channel")
    # Working days from the local created date to the local contacted date:
    #   lead 1: Wed 13 May → Fri 15 May, Ascension Day (14 May) skipped       = 1
    #   lead 2: Fri 22 May → Tue 26 May, weekend and Whit Monday skipped     = 1
    #   lead 3: Mon 1 Jun → Mon 1 Jun (same day)                              = 0
    #   lead 6: Mon 8 Jun → Mon 15 Jun: Tue, Wed, Thu, Fri, Mon               = 5
    #   lead 9: Thu 2 Jul 23:30 → Fri 3 Jul 00:30 local (both 2 Jul in UTC)   = 1
    # All five sorted: 0, 1, 1, 1, 5 → median 1.
    # p90 (linear between order statistics, as PostgreSQL percentile_cont): position 0.9 × (5 − 1) = 3.6,
    #   so x[3] + 0.6 × (x[4] − x[3]) = 1 + 0.6 × 4 = 3.4.
    total = report["total"]
    assert (total["created"], total["contacted"]) == (10, 5)
    assert (total["median_days"], total["p90_days"]) == (1.0, 3.4)
    # SLA: 2 working days, due 17:00 local, held against the advisor's part (the deadline moves on by the
    # 30 minutes each lead waited for routing). Met: lead 1 (due Mon 18 May), 2 (due Wed 27 May), 3 (same
    # day), 9 (due Mon 6 Jul). Lead 6 (due Wed 10 Jun, contacted 15 Jun) missed it; the assigned leads never
    # contacted (4, 7, 12) are long past due. Leads 5 and 8 still wait for routing: not the advisor's, not
    # decided. Decided: 8 → 4 / 8.
    assert (total["sla_met"], total["sla_decided"], total["sla_met_rate"]) == (4, 8, 0.5)
    linkedin, dagblad, unknown = report["rows"]
    # LinkedIn: leads 1, 2, 3 contacted → 0, 1, 1: median 1; p90 at 0.9 × 2 = 1.8 → 1 + 0.8 × 0 = 1.
    # Met 1, 2, 3 of the 4 decided (lead 5 waits for routing) → 0.75.
    assert (linkedin["group"], linkedin["created"], linkedin["contacted"]) == ("linkedin", 5, 3)
    assert (linkedin["median_days"], linkedin["p90_days"], linkedin["sla_met"], linkedin["sla_met_rate"]) == (
        1.0, 1.0, 3, 0.75)
    # Dagblad: only lead 6 contacted (5 days, SLA missed); 6, 7, 12 decided (8 waits for routing) → 0 / 3.
    assert (dagblad["created"], dagblad["contacted"], dagblad["median_days"], dagblad["p90_days"]) == (4, 1, 5.0, 5.0)
    assert (dagblad["sla_met"], dagblad["sla_met_rate"]) == (0, 0.0)
    # Lead 9, no channel: 1 working day (local dates), SLA met.
    assert (unknown["group"], unknown["median_days"], unknown["sla_met_rate"]) == (None, 1.0, 1.0)


def test_nobody_contacted_gives_no_median(ctx, report_dataset):
    report = first_contact(parse_filter({"tertaal": "2026-T2", "partner": str(report_dataset.partners["uwv"]),
                                         "channel": "dagblad"}))
    # Bram's dagblad lead is 7: assigned, lost, never contacted.
    assert (report["total"]["created"], report["total"]["contacted"]) == (1, 0)
    assert report["total"]["median_days"] is None and report["total"]["p90_days"] is None
    assert report["rows"] == []


def test_a_lead_still_within_its_sla_does_not_count_against_it(ctx):
    now = utcnow()
    waiting = Lead(employer=Employer(name="Nieuw BV", name_key="nieuw bv"), created_at=now - timedelta(hours=1),
                   assigned_at=now - timedelta(hours=1), sla_due_at=sla_due(now - timedelta(hours=1), 2))
    late = Lead(employer=Employer(name="Laat BV", name_key="laat bv"), created_at=now - timedelta(days=20),
                assigned_at=now - timedelta(days=20), sla_due_at=sla_due(now - timedelta(days=20), 2))
    db.session.add_all([waiting, late])
    db.session.flush()
    today = now.date()
    report = first_contact(ReportFilter(Period(today - timedelta(days=30), today + timedelta(days=1))))
    # The new lead has time left: not decided; the old one is overdue: decided, not met → 0 / 1.
    assert (report["total"]["created"], report["total"]["sla_decided"], report["total"]["sla_met_rate"]) == (2, 1, 0.0)


def test_local_dates_in_sql_follow_summer_and_winter_time(ctx):
    moments = {  # UTC → the date in Amsterdam
        datetime(2026, 3, 28, 23, 30, tzinfo=UTC): date(2026, 3, 29),   # winter time, UTC+1
        datetime(2026, 3, 29, 0, 59, tzinfo=UTC): date(2026, 3, 29),    # one minute before the clocks go forward
        datetime(2026, 3, 29, 22, 30, tzinfo=UTC): date(2026, 3, 30),   # summer time, UTC+2
        datetime(2026, 10, 24, 22, 30, tzinfo=UTC): date(2026, 10, 25), # still summer time
        datetime(2026, 10, 25, 22, 30, tzinfo=UTC): date(2026, 10, 25), # winter time again: 23:30
        datetime(2027, 7, 1, 22, 0, tzinfo=UTC): date(2027, 7, 2),
    }
    employer = Employer(name="Klok BV", name_key="klok bv")
    db.session.add_all([Lead(employer=employer, created_at=moment) for moment in moments])
    db.session.flush()
    found = db.session.execute(select(Lead.created_at, local_date(Lead.created_at, range(2025, 2028)))).all()
    assert {moment: _as_date(day) for moment, day in found} == moments


def _as_date(value) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value
