"""The import pages in headless Chromium: a real file upload, the streamed preview and apply, and
reflow at 320 pixels (WCAG 1.4.10). Uses the browser set-up of tests/browser."""
from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from tests.browser.conftest import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, DESKTOP
from tests.conftest import PASSWORD

from .conftest import FIXTURES, counts

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("campaign")]


@pytest.fixture(scope="module")
def server_url(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="import-live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def page(server_url):
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium ontbreekt ({CHROMIUM}).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(base_url=server_url, viewport=DESKTOP, locale="nl-NL")
        context.set_default_timeout(10_000)
        yield context.new_page()
        browser.close()


def log_in(page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()


def snap(page, step: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"imports-{step}.png", full_page=True)


def test_upload_preview_and_apply_in_a_browser(app, page, factory):
    from playwright.sync_api import expect

    who = factory.user("campaign")
    log_in(page, who.email)
    page.get_by_role("link", name="Import").click()
    page.get_by_label("Bestand", exact=True).set_input_files(str(FIXTURES / "linkedin_broken_rows.csv"))
    page.get_by_label("Soort bestand").select_option("linkedin-lead-gen")
    page.get_by_role("button", name="Bestand controleren").click()

    expect(page.get_by_role("heading", name="Voorbeeld: dit gebeurt als u inleest")).to_be_visible()
    expect(page.get_by_role("log")).to_contain_text("10 van 10 rijen verwerkt (100%)")
    expect(page.get_by_role("table", name="7 fouten in 7 rijen")).to_be_visible()
    snap(page, "preview")
    with app.app_context():
        assert counts()["leads"] == 0

    page.get_by_role("button", name="Nu inlezen").click()
    expect(page.get_by_role("heading", name="Resultaat: ingelezen", exact=False)).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download de afgewezen rijen (CSV voor Excel)").click()
    assert download.value.suggested_filename.endswith("-afgewezen-rijen.csv")
    snap(page, "applied")
    with app.app_context():
        assert counts()["leads"] == 3


def test_the_import_pages_reflow_at_320_pixels(page, factory):
    who = factory.user("campaign")
    page.set_viewport_size({"width": 320, "height": 640})
    log_in(page, who.email)
    page.goto("/import/")
    page.get_by_label("Bestand", exact=True).set_input_files(str(FIXTURES / "employers_excel_nl.csv"))
    page.get_by_label("Soort bestand").select_option("generic")
    page.get_by_role("button", name="Bestand controleren").click()
    steps = [("upload", "/import/")]
    steps.append(("mapping", page.url))
    page.get_by_role("button", name="Voorbeeld bekijken").click()
    page.get_by_role("heading", name="Voorbeeld: dit gebeurt als u inleest").wait_for()
    steps.append(("preview", page.url))
    for step, url in steps:
        page.goto(url)
        snap(page, f"320-{step}")
        # Only a wide data table may scroll, inside its own region, never the page.
        assert page.evaluate("document.documentElement.scrollWidth") <= 320, f"{step} scrolls sideways at 320px"
