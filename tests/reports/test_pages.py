"""The report pages: who may see them, the filter (and its Dutch errors), charts with a summary and a data
table, a team lead's own team only; and the SVG chart module itself.

They use `report_with_placements` (the hand-built region plus contacts and placements, a fixture of
tests/conftest.py) and the page readers of tests/helpers.py.
"""
from __future__ import annotations

import re
from datetime import date
from xml.etree import ElementTree

import pytest

from campaign_crm.charts import (
    Axis,
    Bar,
    Series,
    bar_chart,
    line_chart,
    nice_ticks,
    nl_number,
    nl_percent,
)
from campaign_crm.extensions import db
from tests.helpers import page_table, page_tables, report_login

REPORT_PAGES = ("/rapportages/", "/rapportages/funnel", "/rapportages/lks-banen", "/rapportages/baanbehoud")


# --- who may see the pages ---------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["admin", "campaign", "teamlead", "management"])
def test_every_report_page_opens_for_the_roles_that_read_reports(client, factory, report_with_placements, role):
    report_login(client, factory, role)
    for path in REPORT_PAGES:
        response = client.get(path)
        assert response.status_code == 200, path
        assert '<nav class="report-nav" aria-label="Rapportages">' in response.get_data(as_text=True)


def test_an_advisor_may_not_read_reports_and_the_menu_does_not_offer_them(client, factory, report_with_placements):
    report_login(client, factory, "advisor")
    for path in REPORT_PAGES:
        assert client.get(path).status_code == 403, path
    assert client.get("/rapportages/export/funnel.csv").status_code == 403
    assert client.get("/rapportages/tertaalmonitor.xlsx").status_code == 403
    assert "Rapportages" not in client.get("/").get_data(as_text=True)


def test_the_menu_offers_reports_to_management(client, factory):
    report_login(client, factory, "management")
    assert '/rapportages/">Rapportages</a>' in client.get("/").get_data(as_text=True)


def test_an_anonymous_visitor_is_sent_to_the_login_page(client):
    response = client.get("/rapportages/funnel")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- the filter ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("query", "message"), [
    ("from=2026-13-01", "Geen geldige datum"),
    ("from=2026-06-01&to=2026-05-01", "ligt voor de begindatum"),
    ("tertaal=2026-T4", "Geen geldig tertaal"),
    ("channel=fax", "fax"),
    ("team=abc", "Onbekend team"),
    ("group_by=postcode", "Kies uit"),
    ("touch=middle", "Kies de toerekening"),
])
def test_a_bad_filter_is_a_dutch_message_on_the_page_not_a_stack_trace(client, factory, report_with_placements, query,
                                                                       message):
    report_login(client, factory, "campaign")
    response = client.get(f"/rapportages/funnel?{query}")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'role="alert"' in html and "Het filter klopt niet" in html
    assert message in html
    assert "Traceback" not in html and "<table" not in html  # no figures from a filter that does not hold


def test_the_filter_form_labels_every_control_and_keeps_the_choice(client, factory, report_with_placements):
    report_login(client, factory, "campaign")
    html = client.get("/rapportages/funnel?from=2026-05-04&to=2026-08-31&channel=linkedin&group_by=phase").get_data(
        as_text=True)
    ids = re.findall(r'<(?:input|select)[^>]* id="([^"]+)"', html)
    assert {"f-from", "f-to", "f-campaign", "f-phase", "f-channel", "f-sector", "f-municipality", "f-partner",
            "f-team", "f-group_by", "f-touch"} <= set(ids)
    for control in ids:
        assert re.search(f'<label for="{control}"[ >]', html), control
    assert 'value="2026-05-04"' in html and 'value="2026-08-31"' in html
    assert '<option value="linkedin" selected>' in html and '<option value="phase" selected>' in html
    assert "Periode: <strong>4 mei 2026 – 31 augustus 2026</strong>" in html


def test_tertaal_shortcuts_keep_the_other_filters_and_mark_the_chosen_one(client, factory, report_with_placements):
    report_login(client, factory, "campaign")
    html = client.get("/rapportages/funnel?tertaal=2026-T2&channel=linkedin").get_data(as_text=True)
    assert re.search(r'<a href="/rapportages/funnel\?channel=linkedin&amp;tertaal=2026-T2" aria-current="true"',
                     html), "the chosen tertaal is marked, and its link keeps the channel"
    assert "T1 2026 (jan–apr)" in html and "T3 2025 (sep–dec)" in html


# --- what a page shows --------------------------------------------------------------------------------

def test_the_dashboard_shows_each_chart_in_a_figure_with_a_summary_and_a_data_table(client, factory,
                                                                                     report_with_placements):
    report_login(client, factory, "campaign")
    html = client.get("/rapportages/?tertaal=2026-T2").get_data(as_text=True)
    figures = re.findall(r'<figure class="report-figure" aria-labelledby="([^"]+)">(.*?)</figure>', html, re.DOTALL)
    assert len(figures) == 3
    for summary_id, body in figures:
        assert re.search(r'<svg [^>]*role="img" aria-labelledby="[^"]+-title"', body)
        assert re.search(rf'<figcaption id="{summary_id}" class="chart-summary">[^<]+\.</figcaption>', body)
    assert "Van de 10 nieuwe leads kreeg 50% contact; 10% werd geplaatst." in html
    tables = page_tables(html)
    assert {"tabel-funnel", "tabel-lks-banen", "tabel-behoud-kwartaal"} <= set(tables)
    for table in tables.values():
        assert all(scope == ("col" if i < len(table["header"]) else scope) for i, (_, scope) in
                   enumerate(table["scopes"]))
        assert all(scope in ("col", "row") for tag, scope in table["scopes"] if tag == "th")
    assert html.count("<caption") == len(tables)


@pytest.mark.parametrize("query", ["", "?from=2027-01-01&to=2027-03-31", "?tertaal=2025-T1&group_by=advisor"])
def test_pages_without_any_data_say_so_in_words(client, factory, query):
    report_login(client, factory, "management")
    for path in REPORT_PAGES:
        response = client.get(path + query)
        assert response.status_code == 200, path
    html = client.get("/rapportages/" + query).get_data(as_text=True)
    assert "In deze periode kwamen er geen nieuwe leads binnen." in html
    assert "Er zijn nog geen plaatsingen om het baanbehoud van te berekenen." in html


def test_the_funnel_table_shows_the_hand_built_cohort(client, app, factory, report_with_placements):
    report_login(client, factory, "campaign")
    table = page_table(client, app, "reports.funnel_page", {"tertaal": "2026-T2", "group_by": "channel"},
                       "funnel-groepen")
    assert table.column("Kanaal") == ["LinkedIn", "Dagblad", "Onbekend", "Totaal"]
    assert table.column("Nieuwe leads") == [5, 4, 1, 10]
    assert table.row("Totaal")["Geplaatst"] == 1
    steps = page_table(client, app, "reports.funnel_page", {"tertaal": "2026-T2"}, "funnel")
    assert steps.row("Contact gehad")["% van nieuwe leads"] == pytest.approx(0.5)  # leads 1, 2, 3, 6 and 9


def test_the_funnel_page_sets_first_touch_beside_last_touch_before_the_meeting(client, app, factory,
                                                                               report_with_placements):
    report_login(client, factory, "campaign")
    table = page_table(client, app, "reports.funnel_page", {"tertaal": "2026-T2", "group_by": "channel"},
                       "toerekening")
    # Lead 2 (meeting) had a dagblad touch before its meeting; lead 8 (no meeting) a later linkedin one.
    assert table.row("LinkedIn") == {"Kanaal": "LinkedIn", "Leads (eerste)": 5, "Gesprekken (eerste)": 2,
                                     "Geplaatst (eerste)": 1, "Leads (laatste)": 5, "Gesprekken (laatste)": 1,
                                     "Geplaatst (laatste)": 1}
    assert table.row("Dagblad")["Gesprekken (eerste)"] == 1 and table.row("Dagblad")["Gesprekken (laatste)"] == 2
    html = client.get("/rapportages/funnel?tertaal=2026-T2&group_by=sector").get_data(as_text=True)
    assert 'id="tabel-toerekening"' not in html, "only channel and phase have a touch"


def test_a_bad_date_is_named_beside_its_field(client, factory, report_with_placements):
    report_login(client, factory, "campaign")
    html = client.get("/rapportages/baanbehoud?as_of=2026-02-30").get_data(as_text=True)
    assert 'aria-invalid="true" aria-describedby="f-as_of-error"' in html
    assert '<p class="error-text" id="f-as_of-error">Geen geldige datum' in html


def test_a_team_lead_sees_only_his_own_team(client, app, factory, report_with_placements):
    report_login(client, factory, "teamlead", team_id=report_with_placements.teams["noord"])
    html = client.get("/rapportages/funnel?tertaal=2026-T2").get_data(as_text=True)
    assert 'id="f-team"' not in html, "no team to choose: it is always his own"
    assert "U ziet de cijfers van uw eigen team." in html
    table = page_table(client, app, "reports.funnel_page", {"tertaal": "2026-T2", "group_by": "team",
                                                             "team": str(report_with_placements.teams["waterweg"])},
                       "funnel-groepen")
    assert table.column("Team") == ["Noord", "Totaal"]
    assert table.row("Totaal")["Nieuwe leads"] == 3  # leads 3, 4 and 7


def test_a_team_lead_without_a_team_gets_a_message_and_no_figures(client, factory, app, report_with_placements):
    from campaign_crm.models import User

    who = report_login(client, factory, "teamlead")
    with app.app_context():
        db.session.get(User, who.id).team_id = None
        db.session.commit()
    response = client.get("/rapportages/")
    assert response.status_code == 422
    assert "hoort bij geen team" in response.get_data(as_text=True)


def test_the_retention_page_shows_curves_per_quarter_and_instrument_and_end_reasons(client, app, factory,
                                                                                      report_with_placements):
    report_login(client, factory, "campaign")
    query = {"tertaal": "2026-T2", "as_of": "2026-11-01"}
    quarters = page_table(client, app, "reports.retention_page", query, "behoud-kwartaal")
    assert quarters.column("Startkwartaal") == ["K3 2025", "K1 2026", "K2 2026", "Alle"]
    assert quarters.column("Plaatsingen") == [2, 6, 5, 13]
    instruments = page_table(client, app, "reports.retention_page", query, "behoud-instrument")
    assert instruments.column("Plaatsingen")[-1] == 13
    ends = page_table(client, app, "reports.retention_page", query, "einden")
    assert ends.row("T2 2026")["Beëindigd"] == 4
    why = page_table(client, app, "reports.retention_page", query, "einde-waarom")
    reasons = ["Gezondheid", "Beter of regulier werk", "Economische redenen werkgever", "Match / functioneren"]
    assert sorted(why.column("Waarom")) == sorted(reasons) or len(why.cells) == 4


def test_the_lks_page_shows_month_ends_from_january_and_net_growth_per_tertaal(client, app, factory,
                                                                                report_with_placements):
    report_login(client, factory, "campaign")
    months = page_table(client, app, "reports.lks_page", {"tertaal": "2026-T2"}, "lks-banen")
    assert months.column("Maandeinde")[0] == date(2026, 1, 31) and months.column("Maandeinde")[-1] == date(2026, 8, 31)
    assert months.row(date(2026, 5, 31))["Actief"] == 8
    growth = page_table(client, app, "reports.lks_page", {"tertaal": "2026-T2"}, "netto-groei")
    assert growth.row("T2 2026")["Netto groei"] == growth.row("T2 2026")["Actief aan eind"] - growth.row("T2 2026")[
        "Actief bij begin"]


# --- the chart module ---------------------------------------------------------------------------------

def parse_svg(markup: str) -> ElementTree.Element:
    return ElementTree.fromstring(str(markup))


SVG = "{http://www.w3.org/2000/svg}"


def test_nice_ticks_are_round_and_reach_the_highest_value():
    assert nice_ticks(2400) == [0, 500, 1000, 1500, 2000, 2500]
    assert nice_ticks(7) == [0, 2, 4, 6, 8]
    assert nice_ticks(1) == [0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert nice_ticks(0) == [0.0, 1.0]


def test_dutch_number_and_percent_formats():
    assert nl_number(1234567) == "1.234.567"
    assert nl_number(1234.56, 1) == "1.234,6"
    assert nl_percent(0.625) == "62%" or nl_percent(0.625) == "63%"
    assert nl_percent(0.6234, 1) == "62,3%"


def test_a_line_chart_is_an_svg_image_named_by_its_title_with_a_legend_per_series():
    svg = parse_svg(line_chart([Series("Actief", [(0, 10), (1, 20), (2, None), (3, 40)]),
                                Series("Doellijn", [(0, 0), (3, 2400)], dashed=True, markers=False)],
                               chart_id="lks", title="LKS-banen & doel", x_axis=Axis("Maand", [(0, "jan"), (3, "apr")]),
                               y_axis=Axis("Aantal")))
    assert svg.get("role") == "img" and svg.get("aria-labelledby") == "lks-title"
    assert svg.find(f"{SVG}title").text == "LKS-banen & doel"
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert {"Actief", "Doellijn", "jan", "apr", "Maand", "Aantal", "2.500"} <= set(texts)
    paths = [p for p in svg.iter(f"{SVG}path") if p.get("fill") == "none"]
    assert len(paths) == 3, "a gap (None) splits the first series in two; the target is one line"
    assert paths[-1].get("stroke-dasharray"), "the target line is dashed, not told apart by colour alone"


def test_a_survival_curve_is_drawn_as_steps():
    svg = parse_svg(line_chart([Series("K1 2026", [(0, 1.0), (91, 0.8), (182, 0.5)], step=True, markers=False)],
                               chart_id="km", title="Behoud", x_axis=Axis("Dagen", [(0, "0"), (182, "182")]),
                               y_axis=Axis("Nog aan het werk", [(0, "0%"), (1, "100%")])))
    line = next(p for p in svg.iter(f"{SVG}path") if p.get("fill") == "none").get("d")
    assert re.fullmatch(r"M[\d.]+ [\d.]+ H[\d.]+ V[\d.]+ H[\d.]+ V[\d.]+", line), line


def test_a_bar_chart_draws_one_bar_per_row_with_its_value_written_out():
    svg = parse_svg(bar_chart([Bar("Nieuwe leads", 1200), Bar("Contact gehad", 744, "(62%)"), Bar("Geplaatst", 0)],
                              chart_id="f", title="Funnel"))
    widths = [float(r.get("width")) for r in svg.iter(f"{SVG}rect")]
    assert widths[0] > widths[1] > widths[2] == 0
    assert widths[1] / widths[0] == pytest.approx(744 / 1200, abs=0.01)
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert "1.200" in texts and "744 (62%)" in texts and "Geplaatst" in texts


def test_chart_text_is_escaped():
    svg = line_chart([Series("<script>", [(0, 1)])], chart_id="x", title="a < b", x_axis=Axis("", []))
    assert "<script>" not in str(svg) and "a &lt; b" in str(svg)
    parse_svg(svg)


# --- the summaries in words ---------------------------------------------------------------------------

def test_summaries_are_computed_from_the_numbers_in_dutch():
    from campaign_crm.blueprints.reports import presenters

    stages = {s: {"count": n, "rate": n / 1200, "step_rate": 1.0}
              for s, n in zip(("assigned", "contacted", "meeting", "vacancy", "placed"), (1100, 744, 300, 100, 48),
                              strict=True)}
    funnel = {"total": {"created": 1200, "stages": stages, "lost": 10}}
    assert presenters.funnel_summary(funnel) == "Van de 1.200 nieuwe leads kreeg 62% contact; 4% werd geplaatst."

    lks = {"target": {"value": 2400, "date": "2026-12-31"},
           "months": [{"month_end": "2026-06-30", "active": 1200, "started": 3, "ended": 1, "target_line": 1500.0}]}
    assert presenters.lks_summary(lks) == ("Op 30 juni 2026 liepen 1.200 LKS-banen. Dat is 80% van de doellijn "
                                           "(1.500). Doel: 2.400 op 31 december 2026.")
    lks["months"][0]["active"] = "< 5"
    assert presenters.lks_summary(lks).startswith("Op 30 juni 2026 liepen < 5 LKS-banen. Doel:")

    assert presenters.net_growth_summary([{"period": "T2 2026", "net": -3}]) == \
        "In T2 2026 was de netto krimp 3 LKS-banen."
    assert "blijft verborgen" in presenters.net_growth_summary([{"period": "1 sep 2026 – 28 nov 2026", "net": None}])

    everyone = {"n": 40, "ended": 9, "s91": 0.9, "s182": 0.8, "s365": 0.7123}
    assert presenters.retention_summary({"all": everyone}) == (
        "Van 40 plaatsingen werkte na een jaar naar schatting nog 71%; 29% viel in het eerste jaar uit.")
    assert presenters.retention_summary({"all": {**everyone, "s365": None}}) == (
        "Van 40 plaatsingen is nog niemand een jaar gevolgd; na een half jaar werkte naar schatting nog 80%.")

    ends = {"ended": 20, "within_first_year": 12, "within_first_year_share": 0.6, "influenceable": 7}
    assert presenters.end_reasons_summary(ends) == (
        "Van de 20 beëindigde plaatsingen eindigde 60% binnen het eerste jaar; 7 keer was de reden beïnvloedbaar.")
    assert "minder dan 5" in presenters.end_reasons_summary({**ends, "ended": "< 5"})
