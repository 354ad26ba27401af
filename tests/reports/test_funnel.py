"""The cohort funnel on the hand-built dataset (the table of leads is at
`tests.helpers.build_report_dataset`)."""
from __future__ import annotations

import pytest
from sqlalchemy import event

from campaign_crm.extensions import db
from campaign_crm.services.errors import ValidationError
from campaign_crm.services.reports.filters import (
    ReportFilter,
    parse_filter,
    scoped_to_team,
)
from campaign_crm.services.reports.funnel import funnel
from campaign_crm.services.reports.period import tertaal
from campaign_crm.services.reports.privacy import for_viewer

T2 = tertaal(2026, 2)


def stage_counts(row: dict) -> list[int]:
    reached = (row["stages"][s]["count"] for s in ("assigned", "contacted", "meeting", "vacancy", "placed"))
    return [row["created"], *reached, row["lost"]]


def test_funnel_per_channel_by_first_touch_with_rates_and_step_rates(ctx, report_dataset):
    report = funnel(ReportFilter(T2), group_by="channel")
    assert (report["from"], report["to"], report["group_by"], report["touch"]) == (
        "2026-05-01", "2026-08-31", "channel", "first")
    linkedin, dagblad, unknown = report["rows"]  # sorted by created: 5, 4, 1
    # LinkedIn: leads 1–5 (10 and 11 fall outside T2 in local time).
    #   assigned 1,2,3,4 = 4; contacted 1,2,3 = 3; meeting 1,2 = 2; vacancy 1; placed 1; lost 3.
    assert (linkedin["group"], linkedin["label"]) == ("linkedin", "LinkedIn")
    assert stage_counts(linkedin) == [5, 4, 3, 2, 1, 1, 1]
    # rate = count / created: 4/5, 3/5, 2/5, 1/5, 1/5
    assert [linkedin["stages"][s]["rate"] for s in linkedin["stages"]] == [0.8, 0.6, 0.4, 0.2, 0.2]
    # step_rate = count / previous count: 4/5, 3/4, 2/3 = 0.66666… → 0.6667, 1/2, 1/1
    assert [linkedin["stages"][s]["step_rate"] for s in linkedin["stages"]] == [0.8, 0.75, 0.6667, 0.5, 1.0]
    # Dagblad: leads 6, 7, 8 and 12 (1 May 00:30 local is still 30 April in UTC, and counts).
    #   assigned 6,7,12 = 3; contacted 6; meeting 6; vacancy 6; placed none; lost 7.
    assert (dagblad["group"], dagblad["label"]) == ("dagblad", "Dagblad")
    assert stage_counts(dagblad) == [4, 3, 1, 1, 1, 0, 1]
    # rates 3/4, 1/4, 1/4, 1/4, 0/4; steps 3/4, 1/3 = 0.3333, 1/1, 1/1, 0/1
    assert [dagblad["stages"][s]["rate"] for s in dagblad["stages"]] == [0.75, 0.25, 0.25, 0.25, 0.0]
    assert [dagblad["stages"][s]["step_rate"] for s in dagblad["stages"]] == [0.75, 0.3333, 1.0, 1.0, 0.0]
    # Lead 9 has no channel: one "Onbekend" row; a step after a zero count has rate 0.
    assert (unknown["group"], unknown["label"]) == (None, "Onbekend")
    assert stage_counts(unknown) == [1, 1, 1, 0, 0, 0, 0]
    assert [unknown["stages"][s]["step_rate"] for s in unknown["stages"]] == [1.0, 1.0, 0.0, 0.0, 0.0]
    # Total = the sum of the rows: 10 created; assigned 4+3+1 = 8, contacted 3+1+1 = 5, meeting 2+1 = 3,
    # vacancy 1+1 = 2, placed 1, lost 1+1 = 2.
    total = report["total"]
    assert (total["group"], total["label"]) == (None, "Totaal")
    assert stage_counts(total) == [10, 8, 5, 3, 2, 1, 2]
    assert total["stages"]["contacted"]["rate"] == 0.5 and total["stages"]["contacted"]["step_rate"] == 0.625  # 5/8


def test_last_touch_before_the_meeting_moves_leads_between_channels(ctx, report_dataset):
    report = funnel(ReportFilter(T2), group_by="channel", touch="last")
    rows = {row["group"]: row for row in report["rows"]}
    # Lead 2 had a dagblad touch before its meeting: linkedin → dagblad. Lead 8 (no meeting) came back
    # through linkedin: dagblad → linkedin. Lead 1's facebook touch came after its meeting and lead 4's
    # later touch has no channel: both stay linkedin.
    # LinkedIn = 1, 3, 4, 5, 8: assigned 1,3,4; contacted 1,3; meeting 1; vacancy 1; placed 1; lost 3.
    assert stage_counts(rows["linkedin"]) == [5, 3, 2, 1, 1, 1, 1]
    # Dagblad = 2, 6, 7, 12: assigned all 4; contacted 2,6; meeting 2,6; vacancy 6; placed -; lost 7.
    assert stage_counts(rows["dagblad"]) == [4, 4, 2, 2, 1, 0, 1]
    assert stage_counts(rows[None]) == [1, 1, 1, 0, 0, 0, 0]
    assert "facebook" not in rows
    assert stage_counts(report["total"]) == [10, 8, 5, 3, 2, 1, 2]  # attribution moves leads, never adds any
    # A channel filter follows the chosen touch: by last touch, dagblad holds leads 2, 6, 7 and 12.
    only = funnel(parse_filter({"tertaal": "2026-T2", "channel": "dagblad"}), touch="last")
    assert stage_counts(only["total"]) == [4, 4, 2, 2, 1, 0, 1]
    dagblad = funnel(parse_filter({"tertaal": "2026-T2", "channel": "dagblad"}))
    assert stage_counts(dagblad["total"]) == [4, 3, 1, 1, 1, 0, 1]


def test_funnel_by_phase_sector_municipality_partner_team_and_advisor(ctx, report_dataset):
    def created(group_by: str) -> dict:
        return {row["label"]: row["created"] for row in funnel(ReportFilter(T2), group_by=group_by)["rows"]}

    # launch: 1, 2, 5, 6, 12; livestream: 3, 4, 7, 8; lead 9 none.
    assert created("phase") == {"Lancering": 5, "Livestream": 4, "Onbekend": 1}
    # techniek: 1, 2, 5, 7, 12; zorg: 3, 4, 6, 8.
    assert created("sector") == {"Techniek": 5, "Zorg en welzijn": 4, "Onbekend": 1}
    # Rotterdam: 1, 2, 4, 5, 8, 12; Schiedam: 3, 6, 7.
    assert created("municipality") == {"Rotterdam": 6, "Schiedam": 3, "Onbekend": 1}
    # Anna (Gemeente Rotterdam, Waterweg): 1, 2, 6, 9, 12; Bram (UWV Rijnmond, Noord): 3, 4, 7; 5 and 8 unowned.
    assert created("partner") == {"Gemeente Rotterdam": 5, "UWV Rijnmond": 3, "Onbekend": 2}
    assert created("team") == {"Waterweg": 5, "Noord": 3, "Onbekend": 2}
    assert created("advisor") == {"Anna Smit": 5, "Bram Kok": 3, "Onbekend": 2}
    municipality_keys = [row["group"] for row in funnel(ReportFilter(T2), group_by="municipality")["rows"]]
    assert municipality_keys == ["GM0599", "GM0606", None]
    partner_keys = {row["group"] for row in funnel(ReportFilter(T2), group_by="partner")["rows"]}
    assert partner_keys == {str(report_dataset.partners["rotterdam"]), str(report_dataset.partners["uwv"]), None}


def test_filters_narrow_the_cohort(ctx, report_dataset):
    def total(**args: str) -> list[int]:
        return stage_counts(funnel(parse_filter({"tertaal": "2026-T2", **args}))["total"])

    # techniek: 1 (placed), 2 (meeting), 5 (new), 7 (assigned, lost), 12 (assigned).
    assert total(sector="techniek") == [5, 4, 2, 2, 1, 1, 1]
    # Schiedam: 3 (contacted, lost), 6 (vacancy), 7 (assigned, lost).
    assert total(municipality="Schiedam") == [3, 3, 2, 1, 1, 0, 2]
    # partner UWV Rijnmond (owner Bram): 3, 4, 7.
    assert total(partner=str(report_dataset.partners["uwv"])) == [3, 3, 1, 0, 0, 0, 2]
    # phase livestream and channel linkedin: 3, 4.
    assert total(phase="livestream", channel="linkedin") == [2, 2, 1, 0, 0, 0, 1]
    # A team lead of Waterweg sees Anna's leads only: 1, 2, 6, 9, 12.
    waterweg = scoped_to_team(parse_filter({"tertaal": "2026-T2"}), report_dataset.teams["waterweg"])
    assert stage_counts(funnel(waterweg)["total"]) == [5, 5, 4, 3, 2, 1, 0]
    # A free period: 1 May – 31 May local holds leads 12, 1 and 2.
    may = funnel(parse_filter({"from": "2026-05-01", "to": "2026-05-31"}))
    assert stage_counts(may["total"]) == [3, 3, 2, 2, 1, 1, 0]


def test_an_empty_period_gives_zero_rows_and_zero_rates(ctx, report_dataset):
    report = funnel(parse_filter({"tertaal": "2025-T1"}), group_by="channel")
    assert report["rows"] == []
    assert stage_counts(report["total"]) == [0, 0, 0, 0, 0, 0, 0]
    assert report["total"]["stages"]["assigned"] == {"count": 0, "rate": 0.0, "step_rate": 0.0}


def test_an_unknown_touch_is_refused_in_dutch(ctx):
    with pytest.raises(ValidationError) as refused:
        funnel(ReportFilter(T2), group_by="channel", touch="middle")
    assert "Kies first" in refused.value.fields["touch"]


def test_the_funnel_is_one_grouped_query_without_loading_leads(ctx, report_dataset):
    statements: list[str] = []

    def remember(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", remember)
    try:
        funnel(ReportFilter(T2), group_by="channel", touch="last")
    finally:
        event.remove(db.engine, "before_cursor_execute", remember)
    # One aggregate over the cohort, on the last touch stored on the lead (no touchpoints read), then one
    # look-up of the channel labels.
    assert len(statements) == 2
    assert "GROUP BY" in statements[0] and "count(" in statements[0].lower()
    assert "last_touch_channel_id" in statements[0] and "touchpoints" not in statements[0]


def test_management_sees_advisors_by_number_and_lead_counts_unchanged(ctx, report_dataset):
    report = funnel(ReportFilter(T2), group_by="advisor")
    shown = for_viewer(report, "funnel", "management")
    anna, bram = str(report_dataset.advisors["anna"]), str(report_dataset.advisors["bram"])
    assert [(r["group"], r["label"], r["created"]) for r in shown["rows"]] == [
        (anna, f"Adviseur {anna}", 5), (bram, f"Adviseur {bram}", 3), (None, "Onbekend", 2)]
    assert "Anna Smit" not in repr(shown) and "Bram Kok" not in repr(shown)
    assert [r["label"] for r in for_viewer(report, "funnel", "admin")["rows"]] == ["Anna Smit", "Bram Kok", "Onbekend"]


def test_channel_by_phase_in_one_query(ctx, report_dataset):
    report = funnel(ReportFilter(T2), group_by="channel", split_by="phase")
    assert report["split_by"] == "phase"
    linkedin, dagblad, unknown = report["rows"]
    # LinkedIn × launch = leads 1, 2, 5: assigned 1, 2; contacted 1, 2; meeting 1, 2; vacancy 1; placed 1.
    # LinkedIn × livestream = leads 3, 4: assigned both; contacted 3; lost 3.
    assert [(s["label"], *stage_counts(s)) for s in linkedin["split"]] == [
        ("Lancering", 3, 2, 2, 2, 1, 1, 0), ("Livestream", 2, 2, 1, 0, 0, 0, 1)]
    # Dagblad × launch = 6, 12 (2 created, tie with livestream: by label); × livestream = 7, 8.
    assert [(s["label"], *stage_counts(s)) for s in dagblad["split"]] == [
        ("Lancering", 2, 2, 1, 1, 1, 0, 0), ("Livestream", 2, 1, 0, 0, 0, 0, 1)]
    assert [(s["group"], s["label"], s["created"]) for s in unknown["split"]] == [(None, "Onbekend", 1)]
    # The rows are the sums of their splits, and equal the one-level report.
    one_level = funnel(ReportFilter(T2), group_by="channel")
    assert [stage_counts(r) for r in report["rows"]] == [stage_counts(r) for r in one_level["rows"]]
    assert stage_counts(report["total"]) == [10, 8, 5, 3, 2, 1, 2]


def test_last_touch_channel_filter_also_applies_to_other_groupings(ctx, report_dataset):
    flt = parse_filter({"tertaal": "2026-T2", "channel": "dagblad"})
    # Last touch dagblad = leads 2, 6, 7, 12: techniek 2, 7, 12; zorg 6.
    assert {r["label"]: r["created"] for r in funnel(flt, group_by="sector", touch="last")["rows"]} == {
        "Techniek": 3, "Zorg en welzijn": 1}
    # First touch dagblad = 6, 7, 8, 12: techniek 7, 12; zorg 6, 8.
    assert {r["label"]: r["created"] for r in funnel(flt, group_by="sector")["rows"]} == {
        "Techniek": 2, "Zorg en welzijn": 2}
    by_phase = funnel(ReportFilter(T2), group_by="channel", split_by="phase", touch="last")
    assert sum(s["created"] for r in by_phase["rows"] for s in r["split"]) == 10


@pytest.mark.parametrize(("group_by", "split_by"), [(None, "phase"), ("channel", "channel"), ("channel", "kleur")])
def test_a_bad_second_grouping_is_refused_in_dutch(ctx, group_by, split_by):
    with pytest.raises(ValidationError) as refused:
        funnel(ReportFilter(T2), group_by=group_by, split_by=split_by)
    assert "tweede indeling" in refused.value.fields["split_by"]


def test_last_touch_with_ties_a_touch_at_the_meeting_and_touches_after_it(ctx, last_touch_dataset):
    """The touchpoints of LAST_TOUCH_EXTRA (tests/reports/conftest.py) on top of the report dataset.

    Last touch with a channel, at or before the meeting (ties: the touchpoint recorded last):
      lead 1 linkedin (facebook came after the meeting)   lead 2 dagblad (before its meeting)
      lead 3 instagram (facebook, instagram and a touch without channel at one moment: the last
             recorded with a channel)                       lead 4 linkedin (later touch has no channel)
      lead 5 linkedin (vakblad happened before the lead's own first touch)
      lead 6 website (exactly at the meeting counts; facebook a second later does not)
      lead 7 linkedin (15 Jun; the 20 Jun touch has a phase only)   lead 8 linkedin (no meeting)
      lead 9 none                                           lead 12 dagblad (its first touch)
    """
    report = funnel(ReportFilter(T2), group_by="channel", touch="last")
    rows = {row["group"]: stage_counts(row) for row in report["rows"]}
    # created, assigned, contacted, meeting, vacancy, placed, lost
    assert rows == {
        "linkedin": [5, 3, 1, 1, 1, 1, 1],  # 1, 4, 5, 7, 8: assigned 1, 4, 7; lead 1 placed; lead 7 lost
        "dagblad": [2, 2, 1, 1, 0, 0, 0],  # 2 (meeting), 12 (assigned)
        "instagram": [1, 1, 1, 0, 0, 0, 1],  # 3: contacted, lost
        "website": [1, 1, 1, 1, 1, 0, 0],  # 6: vacancy
        None: [1, 1, 1, 0, 0, 0, 0],  # 9: contacted
    }
    assert stage_counts(report["total"]) == [10, 8, 5, 3, 2, 1, 2]
    # By first touch nothing moved: the extra touchpoints change attribution only.
    first = {row["group"]: row["created"] for row in funnel(ReportFilter(T2), group_by="channel")["rows"]}
    assert first == {"linkedin": 5, "dagblad": 4, None: 1}

    # Phase by last touch, a touchpoint with a phase (the first touches have the lead's phase):
    # lead 5's livestream touch is older than its launch first touch, lead 6's zorg touch came after the
    # meeting, lead 7's launch touch is its last with a phase. Launch 1, 2, 5, 6, 7, 12; livestream 3, 4, 8.
    phases = {row["label"]: row["created"] for row in funnel(ReportFilter(T2), group_by="phase", touch="last")["rows"]}
    assert phases == {"Lancering": 6, "Livestream": 3, "Onbekend": 1}
    # Channel × phase: lead 7 takes its channel and its phase from two different touchpoints.
    split = funnel(ReportFilter(T2), group_by="channel", split_by="phase", touch="last")
    cells = {(row["group"], part["label"]): stage_counts(part) for row in split["rows"] for part in row["split"]}
    assert cells == {
        ("linkedin", "Lancering"): [3, 2, 1, 1, 1, 1, 1],  # 1, 5, 7
        ("linkedin", "Livestream"): [2, 1, 0, 0, 0, 0, 0],  # 4, 8
        ("dagblad", "Lancering"): [2, 2, 1, 1, 0, 0, 0],  # 2, 12
        ("instagram", "Livestream"): [1, 1, 1, 0, 0, 0, 1],  # 3
        ("website", "Lancering"): [1, 1, 1, 1, 1, 0, 0],  # 6
        (None, "Onbekend"): [1, 1, 1, 0, 0, 0, 0],  # 9
    }
    # Filters follow the last touch too: website is lead 6 only; phase launch by last touch per channel.
    website = funnel(parse_filter({"tertaal": "2026-T2", "channel": "website"}), touch="last")
    assert stage_counts(website["total"]) == [1, 1, 1, 1, 1, 0, 0]
    launch = funnel(parse_filter({"tertaal": "2026-T2", "phase": "launch"}), group_by="channel", touch="last")
    assert {row["group"]: row["created"] for row in launch["rows"]} == {"linkedin": 3, "dagblad": 2, "website": 1}
