"""The report dashboard in a browser: charts with their summary and data table, the filter by keyboard,
a bad filter as a message, nothing fetched from elsewhere, and a page that reflows at 320 pixels; every report
page and every registered export opened from the browser; the audit log pages pass axe."""
from __future__ import annotations

import io
import re
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from openpyxl import load_workbook
from playwright.sync_api import expect

from campaign_crm.services.reports import exports
from tests.helpers import check_sheet_names, check_table_sheet

pytestmark = pytest.mark.browser
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


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


def test_every_report_page_and_every_registered_export_opens_from_the_browser(page, factory, log_in,
                                                                             report_with_placements):
    """Each page of the report navigation loads without errors; every registered export downloads from the
    browser's session as a workbook whose number columns hold numbers and whose sheet names say something."""
    problems = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    log_in(factory.user("campaign"))
    page.goto("/rapportages/?tertaal=2026-T2")
    nav = page.get_by_role("navigation", name="Rapportages")
    pages = [link.get_attribute("href") for link in nav.get_by_role("link").all()]
    assert len(pages) >= 4
    offered = set()
    for href in pages:
        assert page.goto(href).status == 200, href
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        expect(page.get_by_role("alert")).to_have_count(0)
        offered |= {re.sub(r"\?.*", "", a) for a in page.locator("a[href*='/rapportages/export/']").evaluate_all(
            "links => links.map(a => a.getAttribute('href'))")}
    with page.expect_download() as download:
        page.goto("/rapportages/?tertaal=2026-T2")
        page.get_by_role("link", name="XLSX van funnel: leads per bereikte fase").click()
    assert download.value.suggested_filename.startswith("funnel-2026-05-01-2026-08-31")

    names = sorted(exports.REGISTRY)
    assert {re.sub(r"^/rapportages/export/|\.(csv|xlsx)$", "", href) for href in offered} <= set(names), \
        "every download link of a page points at a registered export"
    for name in names:
        for fmt in ("csv", "xlsx"):
            response = page.request.get(f"/rapportages/export/{name}.{fmt}?tertaal=2026-T2&as_of=2026-11-01")
            assert response.status == 200 and "attachment" in response.headers["content-disposition"], name
        book = load_workbook(io.BytesIO(response.body()))
        check_sheet_names(book.sheetnames)
        check_table_sheet(book.worksheets[0])
    monitor = page.request.get("/rapportages/tertaalmonitor.xlsx?tertaal=2026-T2")
    check_sheet_names(load_workbook(io.BytesIO(monitor.body())).sheetnames)
    assert problems == []


def test_the_audit_log_and_the_unusual_access_view_pass_axe(page, factory, log_in, snap):
    log_in(factory.user("admin", name="Beheerder Bea"))
    for path in ("/beheer/logboek?kind=changes", "/beheer/logboek/ongebruikelijk"):
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        results = Axe().run(page, options=WCAG)
        assert results.violations_count == 0, f"{path}:\n{results.generate_report()}"
    page.goto("/beheer/logboek")
    page.get_by_label("Persoon", exact=True).select_option(label="Beheerder Bea (beheerder)")
    page.get_by_role("button", name="Filteren").press("Enter")
    expect(page.get_by_role("table", name=re.compile("regel"))).to_contain_text("Ingelogd")
    snap(page, "audit-log")
