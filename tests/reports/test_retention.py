"""Kaplan–Meier retention with censoring, S(91)/S(182)/S(365), first-year share and end reasons."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from campaign_crm.services.errors import ValidationError
from campaign_crm.services.reports.filters import ReportFilter
from campaign_crm.services.reports.period import Period
from campaign_crm.services.reports.privacy import for_viewer, suppress_small
from campaign_crm.services.reports.retention import (
    end_reasons,
    kaplan_meier,
    retention,
    retention_by_instrument,
    survival_at,
)

AS_OF = date(2026, 1, 1)
YEAR_2025 = Period(date(2025, 1, 1), date(2025, 12, 31))


def test_product_limit_arithmetic_with_censoring_and_ties():
    # Durations (days) and whether the job ended (1) or was still running (0, censored):
    #   40/1, 100/1, 100/1, 150/0, 200/1, 250/0, 300/0, 365/1, 400/1, 500/0   (n = 10)
    # S(t) = Π (1 − d_i / n_i) over event days; n_i = everyone with duration ≥ t_i.
    #   t=40:  n=10, d=1 → 9/10                      = 0.9
    #   t=100: n=9,  d=2 → 0.9 × 7/9                 = 0.7
    #   (150 censored: leaves the risk set without a step)
    #   t=200: n=6,  d=1 → 0.7 × 5/6                 = 0.58333…
    #   (250 and 300 censored)
    #   t=365: n=3,  d=1 → 0.58333 × 2/3             = 0.38888…
    #   t=400: n=2,  d=1 → 0.38888 × 1/2             = 0.19444…
    #   the last person is followed to day 500 (censored): the curve ends there.
    curve = kaplan_meier([40, 100, 100, 150, 200, 250, 300, 365, 400, 500], [1, 1, 1, 0, 1, 0, 0, 1, 1, 0])
    assert curve == [
        {"day": 0, "survival": 1.0, "at_risk": 10},
        {"day": 40, "survival": 0.9, "at_risk": 10},
        {"day": 100, "survival": 0.7, "at_risk": 9},
        {"day": 200, "survival": 0.5833, "at_risk": 6},
        {"day": 365, "survival": 0.3889, "at_risk": 3},
        {"day": 400, "survival": 0.1944, "at_risk": 2},
        {"day": 500, "survival": 0.1944, "at_risk": 1},
    ]
    assert survival_at(curve, 91) == 0.9 and survival_at(curve, 182) == 0.7
    assert survival_at(curve, 365) == 0.3889  # an ending on day 365 counts within the first year
    assert survival_at(curve, 500) == 0.1944 and survival_at(curve, 501) is None  # nobody followed past 500
    # The same from aggregated (duration, event, count) rows, as the database delivers them.
    grouped = kaplan_meier([40, 100, 150, 200, 250, 300, 365, 400, 500], [1, 1, 0, 1, 0, 0, 1, 1, 0],
                           [1, 2, 1, 1, 1, 1, 1, 1, 1])
    assert grouped == curve


def test_a_censored_placement_on_an_event_day_is_still_at_risk_that_day():
    # Day 30: two at risk, one ends and one is censored → S = 1 − 1/2 = 0.5 (not 1 − 1/1).
    assert kaplan_meier([30, 30], [1, 0]) == [{"day": 0, "survival": 1.0, "at_risk": 2},
                                              {"day": 30, "survival": 0.5, "at_risk": 2}]
    assert kaplan_meier([], []) == []
    # An ending on the start day itself: day 0 already below 1.
    assert kaplan_meier([0, 10], [1, 0])[0] == {"day": 0, "survival": 0.5, "at_risk": 2}


@pytest.fixture
def retention_placements(make_report_placement):
    """The durations of the arithmetic test as stored placements, censored at 1 Jan 2026."""
    def ended(start: date, days: int, how: str, why: str, **kw) -> int:
        return make_report_placement(start, start + timedelta(days=days), end_how=how, end_why=why, **kw)

    def running(days: int, **kw) -> int:  # still running on 1 Jan 2026, started `days` before it
        return make_report_placement(AS_OF - timedelta(days=days), **kw)

    ended(date(2025, 4, 1), 40, "trial_period", "match")                       # 2025Q2, ends 11 May 2025
    ended(date(2025, 4, 1), 100, "dismissal", "behaviour")                     # 2025Q2, ends 10 Jul 2025
    ended(date(2025, 5, 1), 100, "resignation", "move_personal")               # 2025Q2, ends 9 Aug 2025
    running(150)                                                               # 2025Q3 (4 Aug 2025)
    ended(date(2025, 1, 10), 200, "fixed_term_not_renewed", "employer_economic")  # 2025Q1, ends 29 Jul 2025
    make_report_placement(date(2025, 4, 26), date(2026, 3, 1))              # 2025Q2, ends after as_of: censored at 250
    running(300)                                                               # 2025Q1 (7 Mar 2025)
    ended(date(2024, 9, 1), 365, "dismissal", "health")                        # 2024Q3, ends 1 Sep 2025
    ended(date(2024, 6, 1), 400, "retirement", "unknown")                      # 2024Q2, ends 6 Jul 2025
    running(500)                                                               # 2024Q3 (19 Aug 2024)
    make_report_placement(date(2026, 2, 1))                                    # starts after as_of: left out
    ended(date(2025, 2, 1), 28, "other", "subsidy_issue", instrument="loondispensatie")  # not LKS


def test_retention_per_quarter_and_for_all_lks_placements(ctx, retention_placements):
    report = retention(instrument="lks", as_of=AS_OF)
    assert (report["as_of"], report["instrument"]) == ("2026-01-01", "lks")
    # "all" is the arithmetic test above: S(91) 0.9, S(182) 0.7, S(365) 0.3889; dropout 1 − 0.3889.
    everything = report["all"]
    assert (everything["n"], everything["ended"]) == (10, 6)
    assert (everything["s91"], everything["s182"], everything["s365"]) == (0.9, 0.7, 0.3889)
    assert everything["first_year_dropout"] == 0.6111
    assert everything["curve"][-1] == {"day": 500, "survival": 0.1944, "at_risk": 1}
    cohorts = {c["cohort"]: c for c in report["cohorts"]}
    assert list(cohorts) == ["2024Q2", "2024Q3", "2025Q1", "2025Q2", "2025Q3"]
    # 2025Q2: 40/1, 100/1, 100/1, 250/0 → t=40: 3/4; t=100: 3/4 × (1 − 2/3) = 0.25; followed to day 250 only.
    q2 = cohorts["2025Q2"]
    assert (q2["label"], q2["n"], q2["ended"], q2["s91"], q2["s182"]) == ("K2 2025", 4, 3, 0.75, 0.25)
    assert q2["s365"] is None and q2["first_year_dropout"] is None
    # 2025Q1: 200/1, 300/0 → S(182) = 1; t=200: 1 − 1/2 = 0.5; followed to day 300, not 365.
    q1 = cohorts["2025Q1"]
    assert (q1["s91"], q1["s182"], q1["s365"]) == (1.0, 1.0, None)
    assert q1["curve"] == [{"day": 0, "survival": 1.0, "at_risk": 2}, {"day": 200, "survival": 0.5, "at_risk": 2},
                           {"day": 300, "survival": 0.5, "at_risk": 1}]
    # 2024Q3: 365/1, 500/0 → S(365) = 1 − 1/2 = 0.5.
    assert cohorts["2024Q3"]["s365"] == 0.5


def test_retention_per_instrument_and_other_cohorts(ctx, retention_placements):
    report = retention_by_instrument(as_of=AS_OF)
    by = {c["cohort"]: c for c in report["cohorts"]}
    assert set(by) == {"lks", "loondispensatie"}
    assert (by["lks"]["n"], by["lks"]["s365"]) == (10, 0.3889)
    # One loondispensatie job, ended on day 28: S = 0 from then on, also on days past the end of the curve.
    assert (by["loondispensatie"]["n"], by["loondispensatie"]["ended"], by["loondispensatie"]["s91"]) == (1, 1, 0.0)
    assert report["all"]["n"] == 11
    years = {c["cohort"]: c["n"] for c in retention(cohort="year", as_of=AS_OF)["cohorts"]}
    assert years == {"2024": 3, "2025": 8}  # the loondispensatie job counts when no instrument is chosen
    # By tertaal of the start date: 2024-T2 = 1 Jun and 19 Aug 2024; 2024-T3 = 1 Sep 2024;
    # 2025-T1 = 10 Jan, 7 Mar, 1 Apr (twice), 26 Apr 2025; 2025-T2 = 1 May and 4 Aug 2025.
    tertalen = {c["cohort"]: c["n"] for c in retention(instrument="lks", cohort="tertaal", as_of=AS_OF)["cohorts"]}
    assert tertalen == {"2024-T2": 2, "2024-T3": 1, "2025-T1": 5, "2025-T2": 2}
    # Censored at 1 Aug 2025 instead: the job started 4 Aug 2025 is left out (n = 9); ended by then are the
    # 40-, 100- (10 Jul), 200- (29 Jul) and 400-day (6 Jul) jobs = 4; the 100-day job ending 9 Aug and the
    # 365-day one ending 1 Sep are still running on 1 Aug.
    earlier = retention(instrument="lks", as_of=date(2025, 8, 1))["all"]
    assert (earlier["n"], earlier["ended"]) == (9, 4)


def test_bad_retention_arguments_are_refused_in_dutch(ctx):
    with pytest.raises(ValidationError) as refused:
        retention(instrument="subsidie")
    assert "Kies uit: lks" in refused.value.fields["instrument"]
    with pytest.raises(ValidationError) as refused:
        retention(cohort="maand")
    assert "quarter" in refused.value.fields["cohort"]


def test_end_reasons_and_the_share_of_endings_within_the_first_year(ctx, retention_placements):
    report = end_reasons(ReportFilter(YEAR_2025))
    # Ended in 2025: 40, 100, 100, 200, 365, 400 days (LKS) and the 28-day loondispensatie job = 7.
    # The 250-day job ends in 2026. Within the first year (≤ 365 days): all but the 400-day one = 6.
    assert (report["ended"], report["within_first_year"]) == (7, 6)
    assert report["within_first_year_share"] == 0.8571  # 6/7
    assert [(r["code"], r["count"]) for r in report["how"]] == [
        ("fixed_term_not_renewed", 1), ("trial_period", 1), ("dismissal", 2), ("resignation", 1),
        ("retirement", 1), ("other", 1)]
    why = {r["code"]: (r["influenceable"], r["count"]) for r in report["why"]}
    assert why == {"match": (True, 1), "behaviour": (True, 1), "health": (True, 1), "subsidy_issue": (True, 1),
                   "move_personal": (False, 1), "employer_economic": (False, 1), "unknown": (False, 1)}
    # Influenceable: match, behaviour, health, subsidy_issue = 4; not: move, economic, unknown = 3.
    assert (report["influenceable"], report["not_influenceable"]) == (4, 3)
    assert all(r["label"] for r in report["how"] + report["why"])
    nothing = end_reasons(ReportFilter(Period(date(2023, 1, 1), date(2023, 12, 31))))
    assert (nothing["ended"], nothing["within_first_year_share"], nothing["how"]) == (0, 0.0, [])


def test_management_sees_retention_and_end_reason_counts_under_five_as_less_than_five(ctx, retention_placements):
    assert [suppress_small(n) for n in (0, 1, 4, 5, 12)] == [0, "< 5", "< 5", 5, 12]
    report = retention(instrument="lks", as_of=AS_OF)
    shown = for_viewer(report, "retention", "management")
    assert for_viewer(report, "retention", "campaign") is report  # other roles: unchanged
    everything = shown["all"]
    assert (everything["n"], everything["ended"], everything["s365"]) == (10, 6, 0.3889)  # 10 and 6 stay
    assert [p["at_risk"] for p in everything["curve"]] == [10, 10, 9, 6, "< 5", "< 5", "< 5"]
    q2 = next(c for c in shown["cohorts"] if c["cohort"] == "2025Q2")  # 4 people: nothing but "< 5"
    assert (q2["n"], q2["ended"], q2["s91"], q2["s182"], q2["s365"], q2["curve"]) == (
        "< 5", "< 5", "< 5", "< 5", None, [])
    assert report["cohorts"][3]["n"] == 4  # the original is left alone
    reasons = for_viewer(end_reasons(ReportFilter(YEAR_2025)), "end_reasons", "management")
    assert (reasons["ended"], reasons["within_first_year"], reasons["within_first_year_share"]) == (7, 6, 0.8571)
    assert {r["count"] for r in reasons["how"] + reasons["why"]} == {"< 5"}
    assert (reasons["influenceable"], reasons["not_influenceable"]) == ("< 5", "< 5")
