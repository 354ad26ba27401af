"""Cost per outcome: spend against the outcomes of the leads of the period, worked out by hand on the
hand-built region of `tests.helpers.build_report_dataset` (T2 2026, 1 May – 31 August).

Leads of T2 by first touch: linkedin 1, 2, 3, 4, 5 (lead 1 placed, leads 1 and 2 had their adviesgesprek);
dagblad 6, 7, 8, 12 (lead 6 had its gesprek). By last touch lead 2 moves to dagblad (a dagblad touch
before its gesprek) and lead 8 to linkedin, so linkedin keeps 5 leads but only 1 gesprek, dagblad 2.
"""
from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from campaign_crm.extensions import db
from campaign_crm.models import AdCode, Campaign, Phase
from campaign_crm.models.spend import SpendEntry
from campaign_crm.services.reports import costs, spend
from campaign_crm.services.reports.filters import ReportFilter
from campaign_crm.services.reports.period import Period, tertaal
from tests.helpers import export_url, page_table, read_csv, report_login

T2 = tertaal(2026, 2)


def add_spend(dataset, channel: str, starts_on: date, ends_on: date, cents: int, *, phase: str = "launch",
              ad_code_id: int | None = None) -> None:
    """A spend row as the form would store it, in the campaign of `dataset`."""
    phase_row = db.session.get(Phase, dataset.phases[phase])
    db.session.add(SpendEntry(campaign_id=phase_row.campaign_id, channel_id=dataset.channels[channel],
                              phase_id=phase_row.id, ad_code_id=ad_code_id, starts_on=starts_on, ends_on=ends_on,
                              amount_cents=cents))


@pytest.fixture
def spent(app, report_dataset):
    """Spend chosen for the hand computation: linkedin € 1.230 over all of T2; dagblad € 610 over April and May
    (61 days, 31 of them in T2: € 310 counts); dagblad € 500 in September (outside T2, counts nothing)."""
    with app.app_context():
        add_spend(report_dataset, "linkedin", date(2026, 5, 1), date(2026, 8, 31), 123_000)
        add_spend(report_dataset, "dagblad", date(2026, 4, 1), date(2026, 5, 31), 61_000)
        add_spend(report_dataset, "dagblad", date(2026, 9, 1), date(2026, 9, 30), 50_000)
        db.session.commit()
    return report_dataset


def _row(report, label):
    return next(row for row in report["rows"] if row["label"] == label)


def test_cost_per_lead_and_per_placement_per_channel_equal_the_hand_computation(app, spent):
    with app.app_context():
        report = costs.cost_per_outcome(ReportFilter(T2), "channel", as_of=date(2026, 9, 1))
    linkedin, dagblad = _row(report, "LinkedIn"), _row(report, "Dagblad")
    assert linkedin["spend_cents"] == 123_000
    assert dagblad["spend_cents"] == 61_000 * 31 // 61 == 31_000
    assert (linkedin["first"]["leads"], linkedin["first"]["placements"]) == (5, 1)
    assert linkedin["first"]["cost_leads"] == 123_000 // 5 == 24_600           # € 246,00 per lead
    assert linkedin["first"]["cost_placements"] == 123_000                      # one placement
    assert (dagblad["first"]["leads"], dagblad["first"]["placements"]) == (4, 0)
    assert dagblad["first"]["cost_leads"] == 31_000 // 4 == 7_750               # € 77,50 per lead
    assert dagblad["first"]["cost_placements"] is None                          # nothing to divide by
    assert report["total"]["spend_cents"] == 154_000
    assert report["total"]["first"]["leads"] == 10                              # lead 9 has no channel
    unknown = _row(report, "Onbekend kanaal")
    assert (unknown["spend_cents"], unknown["first"]["leads"], unknown["first"]["cost_leads"]) == (0, 1, None)


def test_first_and_last_touch_differ_when_a_leads_last_touch_is_another_channel(app, spent):
    with app.app_context():
        report = costs.cost_per_outcome(ReportFilter(T2), "channel")
    linkedin, dagblad = _row(report, "LinkedIn"), _row(report, "Dagblad")
    assert (linkedin["first"]["meetings"], linkedin["last"]["meetings"]) == (2, 1)
    assert (dagblad["first"]["meetings"], dagblad["last"]["meetings"]) == (1, 2)
    assert (linkedin["first"]["cost_meetings"], linkedin["last"]["cost_meetings"]) == (61_500, 123_000)
    assert (dagblad["first"]["cost_meetings"], dagblad["last"]["cost_meetings"]) == (31_000, 15_500)
    table = costs.cost_table(report)
    first, last = table.column("Adviesgesprekken (eerste)"), table.column("Adviesgesprekken (laatste)")
    assert first != last


@pytest.mark.parametrize(("starts_on", "ends_on", "cents", "expected"), [
    (date(2026, 3, 1), date(2026, 3, 31), 31_000, 15_000),    # 15 of 31 days inside: € 150
    (date(2026, 4, 10), date(2026, 5, 1), 22_000, 1_000),     # only 10 April inside: 1 of 22 days
    (date(2026, 3, 1), date(2026, 3, 16), 10_000, 0),         # ends the day before the period
    (date(2026, 3, 17), date(2026, 3, 19), 100, 100),         # wholly inside
    (date(2026, 3, 17), date(2026, 3, 19), 1, 1),             # 1 cent over 3 days: half up
])
def test_spend_overlapping_the_period_edge_is_prorated_by_days(starts_on, ends_on, cents, expected):
    assert costs.prorated_cents(cents, starts_on, ends_on, Period(date(2026, 3, 17), date(2026, 4, 10))) == expected


def test_lks_jobs_still_active_are_the_placements_times_the_groups_kaplan_meier_survival(
        app, spent, make_report_placement):
    # Five LKS jobs on lead 1 (linkedin), all from 1 January 2026, followed up to 30 June 2027:
    # ended after 59, 212 and 364 days, two still running (545 days).
    start = date(2026, 1, 1)
    for end in (date(2026, 3, 1), None, date(2026, 12, 31), None, date(2026, 8, 1)):
        make_report_placement(start, end)
    with app.app_context():
        report = costs.cost_per_outcome(ReportFilter(T2), "channel", as_of=date(2027, 6, 30))
    cells = _row(report, "LinkedIn")["first"]
    assert cells["lks"] == 5
    # S(182) = 4/5 (one ended on day 59); at risk on day 182: the four others.
    assert cells["m6"] == {"survival": 0.8, "at_risk": 4, "expected": 4.0, "cost": 123_000 // 4}
    # S(365) = 4/5 × 3/4 (day 212) × 2/3 (day 364) = 0.4; at risk on day 365: the two still running.
    assert cells["m12"] == {"survival": 0.4, "at_risk": 2, "expected": 2.0, "cost": 123_000 // 2}
    assert _row(report, "Dagblad")["first"]["lks"] == 0


def test_management_sees_small_placement_cells_and_the_costs_from_them_hidden(app, spent, make_report_placement):
    for end in (None, None, date(2026, 12, 31), None, None):
        make_report_placement(date(2026, 1, 1), end)
    with app.app_context():
        report = costs.cost_per_outcome(ReportFilter(T2), "channel", as_of=date(2027, 6, 30))
    shown = costs.for_viewer(report, "management")
    linkedin = _row(shown, "LinkedIn")["first"]
    assert linkedin["placements"] == "< 5" and linkedin["cost_placements"] == "< 5"
    assert linkedin["leads"] == 5 and linkedin["cost_leads"] == 24_600        # leads are not about people
    assert linkedin["lks"] == 5 and linkedin["m6"]["at_risk"] == 5             # five: shown
    assert linkedin["m12"]["at_risk"] == "< 5" and linkedin["m12"]["cost"] == "< 5"
    assert _row(report, "LinkedIn")["first"]["placements"] == 1                # others see the count
    assert costs.for_viewer(report, "campaign") is report


def test_groups_by_ad_code_and_sector_focus(app, spent, campaign):
    with app.app_context():
        ad = AdCode(code="LI-LANCERING", title="LinkedIn lancering", campaign_id=campaign,
                    phase_id=spent.phases["techniek"], channel_id=spent.channels["linkedin"])
        db.session.add(ad)
        db.session.flush()
        add_spend(spent, "linkedin", date(2026, 6, 1), date(2026, 6, 30), 30_000, phase="techniek", ad_code_id=ad.id)
        db.session.commit()
        by_code = costs.cost_per_outcome(ReportFilter(T2), "ad_code")
        by_sector = costs.cost_per_outcome(ReportFilter(T2), "sector")
    assert _row(by_code, "LI-LANCERING – LinkedIn lancering")["spend_cents"] == 30_000
    assert _row(by_code, "Zonder advertentiecode")["spend_cents"] == 154_000
    assert _row(by_sector, "Techniek")["spend_cents"] == 30_000                 # the techniek phase's focus
    assert _row(by_sector, "Geen sectorfocus")["first"]["leads"] == 10          # no lead came in a sector phase


def test_management_reads_the_cost_page_and_its_exports(client, app, factory, spent):
    report_login(client, factory, "management")
    table = page_table(client, app, "reports.costs_page", {"tertaal": "2026-T2"}, "kosten-per-kanaal")
    linkedin = table.row("LinkedIn")
    assert linkedin["Uitgaven (€)"] == "€ 1.230,00"
    assert linkedin["€ per lead (eerste)"] == "€ 246,00"
    assert linkedin["Plaatsingen (eerste)"] == "< 5" and linkedin["€ per plaatsing (eerste)"] == "< 5"
    rows = read_csv(client.get(export_url(app, "kosten-per-kanaal", "csv", {"tertaal": "2026-T2"})).data)
    header = rows[0]
    by_label = {row[0]: row for row in rows[1:] if row}
    assert by_label["LinkedIn"][header.index("€ per lead (eerste)")] == "246,00"       # euros with cents
    assert by_label["LinkedIn"][header.index("€ per plaatsing (eerste)")] == ""     # hidden: empty with a note
    response = client.get(export_url(app, "kosten-per-kanaal", "xlsx", {"tertaal": "2026-T2"}))
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    linkedin_row = next(row for row in values if row[0] == "LinkedIn")
    assert linkedin_row[values[0].index("Uitgaven (€)")] == 1230
    spend_cell = sheet.cell(row=values.index(linkedin_row) + 1, column=values[0].index("Uitgaven (€)") + 1)
    assert "€" in spend_cell.number_format and "0.00" in spend_cell.number_format   # shown as € 1.230,00
    assert client.get(export_url(app, "kosten-lks-kanaal", "csv", {"tertaal": "2026-T2"})).status_code == 200


def test_a_team_lead_and_an_advisor_do_not_read_costs(client, app, factory, spent):
    report_login(client, factory, "teamlead")
    assert client.get("/rapportages/kosten-per-uitkomst").status_code == 403
    assert client.get(export_url(app, "kosten-per-kanaal", "csv", {})).status_code == 403
    assert "Kosten per uitkomst" not in client.get("/rapportages/funnel").get_data(as_text=True)


def test_the_demo_seeds_a_weekly_spend_per_channel_and_phase_once(app, campaign):
    with app.app_context():
        made = db.session.get(Campaign, campaign)
        added = spend.seed_demo_spend(made, until=date(2026, 12, 4))
        assert added > 50 and spend.seed_demo_spend(made, until=date(2026, 12, 4)) == 0
        db.session.commit()
        report = costs.cost_per_outcome(ReportFilter(T2), "phase")
    by_phase = {row["label"]: row["spend_cents"] for row in report["rows"]}
    assert by_phase["Lancering"] > 0 and by_phase["Livestream"] > 0
    assert "Sectorfase zorg" not in by_phase                                    # its weeks lie after T2


def test_on_the_demo_region_cost_per_lead_and_per_placement_per_channel_equal_a_count_by_hand(ctx):
    """The demo region as `make run` builds it, with spend chosen here for two channels over one tertaal: the
    report's figures equal the spend divided by the leads and placements counted one by one below."""
    from decimal import ROUND_HALF_UP, Decimal

    from sqlalchemy import delete, select

    from campaign_crm.models import Channel, Lead, User
    from campaign_crm.services import demo
    from campaign_crm.services.calendar import AMSTERDAM

    demo.seed_demo(seed=2026, lead_count=300, today=date(2026, 11, 27))
    db.session.execute(delete(SpendEntry))  # the demo's own spend: replaced by what this test chooses
    staff = db.session.scalars(select(User).where(User.role == "campaign")).first()
    channel_ids = {c.code: c.id for c in db.session.scalars(select(Channel))}
    period = tertaal(2026, 2)
    chosen = {"linkedin": ("1.234,56", 123_456), "dagblad": ("980,00", 98_000)}
    for code, (typed, _cents) in chosen.items():
        spend.record_spend(spend.SpendInput(channel_ids[code], None, None, period.start, period.end, typed),
                           actor=staff)

    report = costs.cost_per_outcome(ReportFilter(period), "channel")

    leads = db.session.scalars(select(Lead)).all()
    placed_per_channel = {}
    for code, (_typed, cents) in chosen.items():
        mine = [lead for lead in leads if lead.channel_id == channel_ids[code]
                and period.start <= lead.created_at.astimezone(AMSTERDAM).date() <= period.end]
        placed = [lead for lead in mine if lead.placed_at is not None]
        row = next(r for r in report["rows"] if r["group"] == channel_ids[code])
        assert mine, f"the demo region has no {code} leads in the period: choose another channel"
        assert row["spend_cents"] == cents
        assert row["first"]["leads"] == len(mine)
        assert row["first"]["cost_leads"] == int((Decimal(cents) / len(mine)).quantize(0, ROUND_HALF_UP))
        assert row["first"]["placements"] == len(placed)
        expected_per_placement = (int((Decimal(cents) / len(placed)).quantize(0, ROUND_HALF_UP)) if placed
                                  else None)
        assert row["first"]["cost_placements"] == expected_per_placement
        placed_per_channel[code] = len(placed)
    assert all(placed_per_channel.values()), "a channel without placements would not test the cost per placement"
