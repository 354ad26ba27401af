"""Active LKS jobs per month end against the target line, and net growth per tertaal."""
from __future__ import annotations

from datetime import date

import pytest

from campaign_crm.extensions import db
from campaign_crm.models import Setting
from campaign_crm.services.reports.filters import ReportFilter, scoped_to_team
from campaign_crm.services.reports.lks_jobs import lks_jobs, net_growth, target_line
from campaign_crm.services.reports.period import tertaal
from campaign_crm.services.reports.privacy import for_viewer


@pytest.fixture
def lks_placements(make_report_placement):
    """Eight placements around the month ends of early 2026 (Bram's partner owns P8)."""
    make_report_placement(date(2026, 1, 15))                                 # P1: running
    make_report_placement(date(2026, 1, 20), date(2026, 2, 28))              # P2: ends on a month end
    make_report_placement(date(2026, 3, 1))                                  # P3: starts the day after a month end
    make_report_placement(date(2026, 1, 10), instrument="loondispensatie")   # P4: not LKS, never counted
    make_report_placement(date(2026, 2, 10), date(2026, 3, 15))              # P5
    make_report_placement(date(2026, 3, 31))                                 # P6: starts on a month end
    make_report_placement(date(2025, 12, 1), date(2026, 1, 31))              # P7: started last year
    make_report_placement(date(2026, 2, 1), lead=7, advisor="bram")          # P8: UWV Rijnmond, team Noord


def test_active_started_and_ended_per_month_end(ctx, lks_placements):
    report = lks_jobs(date(2026, 1, 1), date(2026, 4, 30))
    months = [(m["month_end"], m["active"], m["started"], m["ended"]) for m in report["months"]]
    # Active on d = LKS, start ≤ d, and no end or end > d.
    # 31 Jan: P1, P2 (ends 28 Feb > 31 Jan). P7 ends on 31 Jan itself: gone. P4 is no LKS.  → 2
    #         started in Jan: P1, P2 = 2; ended in Jan: P7 = 1.
    # 28 Feb: P1, P5, P8; P2 ended on 28 Feb itself; P3 only starts 1 Mar.               → 3
    #         started: P5, P8 = 2; ended: P2 = 1.
    # 31 Mar: P1, P3, P6 (started that day), P8; P5 ended 15 Mar.                           → 4
    #         started: P3, P6 = 2; ended: P5 = 1.
    # 30 Apr: nothing changed.                                                              → 4
    assert months == [("2026-01-31", 2, 2, 1), ("2026-02-28", 3, 2, 1), ("2026-03-31", 4, 2, 1),
                      ("2026-04-30", 4, 0, 0)]
    # Month to month: active = previous active + started − ended (31 Dec 2025: P7 alone = 1).
    assert [1 + 2 - 1, 2 + 2 - 1, 3 + 2 - 1, 4 + 0 - 0] == [m[1] for m in months]
    # The target line runs from 0 on 1 Jan 2026 to 2,400 on 31 Dec 2026 (364 days):
    #   31 Jan: 2400 × 30/364 = 197.80… → 197.8;  28 Feb: 2400 × 58/364 = 382.41… → 382.4
    #   31 Mar: 2400 × 89/364 = 586.81… → 586.8;  30 Apr: 2400 × 119/364 = 784.61… → 784.6
    assert [m["target_line"] for m in report["months"]] == [197.8, 382.4, 586.8, 784.6]
    assert report["target"] == {"value": 2400, "date": "2026-12-31"}
    assert report["baseline"] == {"value": 0, "date": "2026-01-01"}


def test_filters_apply_to_the_placements(ctx, lks_placements, report_dataset):
    flt = ReportFilter(tertaal(2026, 1), partner_id=report_dataset.partners["uwv"])
    assert [m["active"] for m in lks_jobs(date(2026, 1, 1), date(2026, 3, 31), flt)["months"]] == [0, 1, 1]
    noord = scoped_to_team(ReportFilter(tertaal(2026, 1)), report_dataset.teams["noord"])
    assert [m["active"] for m in lks_jobs(date(2026, 1, 1), date(2026, 3, 31), noord)["months"]] == [0, 1, 1]
    # P8 is on lead 7's employer (techniek); the others on lead 1's (techniek as well), none on zorg.
    zorg = ReportFilter(tertaal(2026, 1), sector_id=report_dataset.sectors["zorg"])
    assert [m["active"] for m in lks_jobs(date(2026, 1, 1), date(2026, 3, 31), zorg)["months"]] == [0, 0, 0]


def test_net_growth_per_tertaal(ctx, lks_placements):
    rows = net_growth([tertaal(2025, 3), tertaal(2026, 1), tertaal(2026, 2)])
    # T3 2025: active on 31 Aug 2025: 0; on 31 Dec 2025: P7 → +1.
    # T1 2026: active on 31 Dec 2025: 1; on 30 Apr 2026: P1, P3, P6, P8 = 4 → 4 − 1 = +3.
    # T2 2026: 4 → 4: 0.
    assert [(r["period"], r["from"], r["to"], r["active_start"], r["active_end"], r["net"]) for r in rows] == [
        ("T3 2025", "2025-09-01", "2025-12-31", 0, 1, 1),
        ("T1 2026", "2026-01-01", "2026-04-30", 1, 4, 3),
        ("T2 2026", "2026-05-01", "2026-08-31", 4, 4, 0),
    ]


def test_the_target_line_follows_the_settings_and_is_absent_outside_its_dates(ctx):
    db.session.get(Setting, "lks_baseline_value").value = 100
    db.session.get(Setting, "lks_target_value").value = 465
    db.session.flush()
    # From 100 on 1 Jan to 465 on 31 Dec: 365 more over 364 days; 31 Jan is 30 days in: 100 + 365 × 30/364 = 130.08…
    assert lks_jobs(date(2026, 1, 1), date(2026, 1, 31))["months"][0]["target_line"] == 130.1
    assert target_line(date(2025, 12, 31), (0, date(2026, 1, 1)), (2400, date(2026, 12, 31))) is None
    assert target_line(date(2027, 1, 31), (0, date(2026, 1, 1)), (2400, date(2026, 12, 31))) is None
    assert target_line(date(2026, 12, 31), (0, date(2026, 1, 1)), (2400, date(2026, 12, 31))) == 2400.0


def test_no_month_end_in_the_range_gives_no_months(ctx):
    assert lks_jobs(date(2026, 2, 1), date(2026, 2, 27))["months"] == []


def test_management_sees_small_lks_counts_as_less_than_five(ctx, lks_placements):
    shown = for_viewer(lks_jobs(date(2026, 1, 1), date(2026, 2, 28)), "lks_jobs", "management")
    assert [(m["active"], m["started"], m["ended"]) for m in shown["months"]] == [("< 5", "< 5", "< 5")] * 2
    periods = for_viewer({"periods": net_growth([tertaal(2026, 1)])}, "lks_jobs", "management")["periods"]
    # 1 → 4: both ends hidden, and the net change with them (one end and the change would give the other).
    assert (periods[0]["active_start"], periods[0]["active_end"], periods[0]["net"]) == ("< 5", "< 5", None)
    assert for_viewer(lks_jobs(date(2026, 1, 1), date(2026, 1, 31)), "lks_jobs", "teamlead")["months"][0]["active"] == 2
