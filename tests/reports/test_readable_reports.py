"""Reports that read well: retention in plain Dutch months, the regional target line left out (with a note) when a
filter narrows the jobs, and an empty funnel that says which filter empties it."""
from __future__ import annotations

from campaign_crm.services.reports.filters import ReportFilter, empty_cohort_reason
from campaign_crm.services.reports.period import tertaal
from tests.helpers import page_table, report_login

T2 = {"tertaal": "2026-T2"}


def test_retention_columns_say_still_working_after_3_6_and_12_months(client, app, factory, report_with_placements):
    report_login(client, factory, "campaign")
    table = page_table(client, app, "reports.retention_page", {**T2, "as_of": "2026-11-01"}, "behoud-kwartaal")
    assert table.header == ["Startkwartaal", "Plaatsingen", "Beëindigd", "Nog aan het werk na 3 maanden (%)",
                            "Nog aan het werk na 6 maanden (%)", "Nog aan het werk na 12 maanden (%)",
                            "Uitgevallen in het eerste jaar (%)"]
    html = client.get("/rapportages/baanbehoud?as_of=2026-11-01").get_data(as_text=True)
    assert "S(91)" not in html and "S(365)" not in html
    assert "peildatum 1 november 2026" in html


def test_the_regional_target_line_is_left_out_for_a_partner_or_team_with_a_note(client, app, factory,
                                                                                report_with_placements):
    report_login(client, factory, "campaign")
    whole = page_table(client, app, "reports.lks_page", T2, "lks-banen")
    assert whole.header[-1] == "Doellijn"
    partner = str(report_with_placements.partners["uwv"])
    for query in ({**T2, "partner": partner}, {**T2, "team": str(report_with_placements.teams["noord"])}):
        html = client.get("/rapportages/lks-banen", query_string=query).get_data(as_text=True)
        narrowed = page_table(client, app, "reports.lks_page", query, "lks-banen")
        assert "Doellijn" not in narrowed.header
        assert "De doelstelling geldt voor de hele regio" in html
        assert "tegen de doellijn" not in html  # the chart has no target line either
    html = client.get("/rapportages/lks-banen", query_string={**T2, "partner": partner}).get_data(as_text=True)
    assert "met het filter Partner: UWV Rijnmond staat de doellijn er daarom niet bij" in html


def test_a_team_lead_never_sees_the_regional_target_against_his_team(client, app, factory, report_with_placements):
    report_login(client, factory, "teamlead", team_id=report_with_placements.teams["noord"])
    table = page_table(client, app, "reports.lks_page", T2, "lks-banen")
    assert "Doellijn" not in table.header


def test_an_empty_funnel_names_the_filter_that_excludes_every_lead(client, app, factory, report_with_placements):
    report_login(client, factory, "campaign")
    html = client.get("/rapportages/funnel", query_string={**T2, "phase": "zorg"}).get_data(as_text=True)
    assert "Geen leads: het filter &#39;Fase: Sectorfase zorg&#39; sluit alles uit in deze periode (T2 2026)." in html


def test_an_empty_cohort_names_each_filter_whose_removal_brings_leads_back(app, report_dataset):
    with app.app_context():
        flt = ReportFilter(tertaal(2026, 2), phase_id=report_dataset.phases["launch"],
                           channel_id=report_dataset.channels["linkedin"], sector_id=report_dataset.sectors["zorg"],
                           municipality_id=report_dataset.municipalities["GM0606"])
        reason = empty_cohort_reason(flt)
        assert reason.startswith("Geen leads: elk van de filters 'Fase: ")
        assert "'Kanaal: LinkedIn'" in reason and "Sector" not in reason and "Gemeente" not in reason
        # Both phase and channel must go for the sector × municipality pair to find a lead: jointly, then.
        assert empty_cohort_reason(ReportFilter(tertaal(2026, 2), channel_id=report_dataset.channels["linkedin"],
                                                sector_id=report_dataset.sectors["zorg"])) is None
        assert "ook niet zonder de filters" in empty_cohort_reason(
            ReportFilter(tertaal(2025, 1), channel_id=report_dataset.channels["linkedin"]))
        assert empty_cohort_reason(ReportFilter(tertaal(2025, 1))) is None  # no filter: the plain message


def test_a_team_leads_own_team_is_never_named_as_the_filter_to_drop(app, report_dataset):
    with app.app_context():
        flt = ReportFilter(tertaal(2026, 2), team_id=report_dataset.teams["noord"],
                           phase_id=report_dataset.phases["zorg"])
        assert "'Fase: Sectorfase zorg'" in empty_cohort_reason(flt, fixed=frozenset({"team"}))
        assert "Team" not in empty_cohort_reason(flt, fixed=frozenset({"team"}))
