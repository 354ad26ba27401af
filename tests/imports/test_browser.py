"""The import pages in headless Chromium: a real file upload, the streamed preview, the apply as a background
task (the page reloads itself until the result is there), and reflow at 320 pixels (WCAG 1.4.10). Uses the
browser set-up of tests/browser."""
from __future__ import annotations

import pytest

from campaign_crm.models import Lead
from tests.browser_support import ARTIFACTS
from tests.helpers import IMPORT_FIXTURES, PASSWORD, count

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("campaign")]


def log_in_as(page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()


def shot(page, step: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"imports-{step}.png", full_page=True)


def test_upload_preview_and_apply_in_a_browser(app, page, factory, task_worker):
    from playwright.sync_api import expect

    who = factory.user("campaign")
    log_in_as(page, who.email)
    page.get_by_role("link", name="Import").click()
    page.get_by_label("Bestand", exact=True).set_input_files(str(IMPORT_FIXTURES / "linkedin_broken_rows.csv"))
    page.get_by_label("Soort bestand").select_option("linkedin-lead-gen")
    page.get_by_role("button", name="Bestand controleren").click()

    expect(page.get_by_role("heading", name="Voorbeeld: dit gebeurt als u inleest")).to_be_visible()
    expect(page.get_by_role("log")).to_contain_text("10 van 10 rijen verwerkt (100%)")
    expect(page.get_by_role("table", name="6 fouten in 6 rijen")).to_be_visible()
    shot(page, "preview")
    with app.app_context():
        assert count(Lead) == 0

    page.get_by_role("button", name="Nu inlezen").click()  # a background task; the page reloads until it is done
    expect(page.get_by_role("heading", name="Resultaat: ingelezen", exact=False)).to_be_visible(timeout=20_000)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download de afgewezen rijen (CSV voor Excel)").click()
    assert download.value.suggested_filename.endswith("-afgewezen-rijen.csv")
    shot(page, "applied")
    with app.app_context():
        assert count(Lead) == 4  # row 7 too: its shortened KvK number is dropped with a warning


def test_the_import_pages_reflow_at_320_pixels(page, factory):
    who = factory.user("campaign")
    page.set_viewport_size({"width": 320, "height": 640})
    log_in_as(page, who.email)
    page.goto("/import/")
    page.get_by_label("Bestand", exact=True).set_input_files(str(IMPORT_FIXTURES / "employers_excel_nl.csv"))
    page.get_by_label("Soort bestand").select_option("generic")
    page.get_by_role("button", name="Bestand controleren").click()
    steps = [("upload", "/import/")]
    steps.append(("mapping", page.url))
    page.get_by_role("button", name="Voorbeeld bekijken").click()
    page.get_by_role("heading", name="Voorbeeld: dit gebeurt als u inleest").wait_for()
    steps.append(("preview", page.url))
    for step, url in steps:
        page.goto(url)
        shot(page, f"320-{step}")
        # Only a wide data table may scroll, inside its own region, never the page.
        assert page.evaluate("document.documentElement.scrollWidth") <= 320, f"{step} scrolls sideways at 320px"
