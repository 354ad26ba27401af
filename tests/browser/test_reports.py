"""The report dashboard in a browser: charts with their summary and data table, the filter by keyboard,
a bad filter as a message, nothing fetched from elsewhere, and a page that reflows at 320 pixels."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_management_opens_the_dashboard_and_finds_charts_summaries_and_tables(page, factory, log_in, live_server, snap,
                                                                               report_with_placements):
    requests, problems = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    log_in(factory.user("management"))

    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Rapportages").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rapportages: overzicht")
    page.goto("/rapportages/?tertaal=2026-T2")
    funnel = page.get_by_role("img", name="Funnel: aantal nieuwe leads en hoeveel elke fase bereikten")
    expect(funnel).to_be_visible()
    expect(page.get_by_role("img", name="Actieve LKS-banen per maandeinde tegen de doellijn")).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("Baanbehoud"))).to_be_visible()
    figure = page.get_by_role("figure", name="Van de 10 nieuwe leads kreeg 50% contact; 10% werd geplaatst.")
    expect(figure).to_be_visible()
    table = page.get_by_role("table", name="Funnel: leads per bereikte fase")
    expect(table).to_be_visible()
    expect(table.get_by_role("row", name=re.compile("^Geplaatst"))).to_contain_text("10,0%")
    expect(table.get_by_role("columnheader", name="% van vorige fase")).to_be_visible()
    expect(page.get_by_role("link", name="CSV van funnel: leads per bereikte fase")).to_be_visible()
    snap(page, "dashboard")

    server = urlsplit(live_server).netloc
    assert [url for url in requests if urlsplit(url).netloc != server and not url.startswith("data:")] == []
    assert problems == []


def test_the_filter_works_by_keyboard_and_a_bad_one_is_announced(page, factory, log_in, snap,
                                                                 report_with_placements):
    log_in(factory.user("campaign"))
    page.goto("/rapportages/funnel?tertaal=2026-T2")
    expect(page.get_by_role("link", name="T2 2026 (mei–aug)")).to_have_attribute("aria-current", "true")

    page.get_by_label("Kanaal", exact=True).focus()
    page.keyboard.press("End")  # the last channel in the list
    page.get_by_label("Kanaal", exact=True).select_option("linkedin")
    page.get_by_label("Indelen per").select_option("phase")
    page.get_by_role("button", name="Toon cijfers").press("Enter")
    expect(page).to_have_url(re.compile(r"channel=linkedin.*group_by=phase"))
    expect(page.get_by_role("figure", name=re.compile(r"^Van de 5 nieuwe leads"))).to_be_visible()
    expect(page.get_by_role("table", name=re.compile("^Funnel per fase"))).to_be_visible()
    snap(page, "funnel-linkedin-per-phase")

    page.get_by_label("Van", exact=True).fill("2026-09-01")
    page.get_by_label("Tot en met").fill("2026-05-01")
    page.get_by_role("button", name="Toon cijfers").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Het filter klopt niet")
    expect(alert).to_contain_text("ligt voor de begindatum")
    expect(page.get_by_role("table")).to_have_count(0)
    snap(page, "bad-period")


def test_the_retention_page_reflows_at_320_pixels(page, factory, log_in, snap, report_with_placements):
    page.set_viewport_size({"width": 320, "height": 640})
    log_in(factory.user("management"))
    page.goto("/rapportages/baanbehoud?tertaal=2026-T2&as_of=2026-11-01")
    expect(page.get_by_role("img", name="Baanbehoud (Kaplan–Meier) per startkwartaal")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"the page scrolls sideways ({width}px)"
    snap(page, "retention-320")
