"""Browser fixtures for every test folder (a pytest plugin loaded by tests/conftest.py): the test
app served on a free local port, and ONE headless Debian Chromium per session driven by
Playwright (a second sync Playwright in the same session would fail), a fresh context per test
and a screenshot helper for human review."""
from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 800}
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


@pytest.fixture(scope="session")
def live_server(app):
    """The session's app on 127.0.0.1 and a free port; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium; skipped when it is missing, except on CI where it must exist."""
    if not CHROMIUM.exists():
        reason = f"Chromium ontbreekt ({CHROMIUM}); installeer het Debian-pakket 'chromium' voor de browsertests."
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason + " Op CI is Chromium verplicht.", pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def context(browser, live_server):
    """A fresh browser profile per test (no cookies carried over), in Dutch, desktop-sized."""
    context = browser.new_context(base_url=live_server, viewport=DESKTOP, locale="nl-NL")
    context.set_default_timeout(5_000)
    yield context
    context.close()


@pytest.fixture
def page(context):
    return context.new_page()


@pytest.fixture
def snap(request):
    """Save a full-page screenshot into test-artifacts/ as <test>-<n>-<step>.png."""
    ARTIFACTS.mkdir(exist_ok=True)
    test_name = re.sub(r"[^\w-]+", "-", request.node.name).strip("-")
    for stale in ARTIFACTS.glob(f"{test_name}-*.png"):  # a shorter rerun must not leave old steps behind
        stale.unlink()
    counter = iter(range(1, 100))

    def save(page, step: str) -> Path:
        path = ARTIFACTS / f"{test_name}-{next(counter):02d}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save


@pytest.fixture
def log_in(page):
    """Log in through the real login form and wait for the start page."""

    def submit(who) -> None:
        page.goto("/login")
        page.get_by_label("E-mailadres").fill(who.email)
        page.get_by_label("Wachtwoord").fill(who.password)
        page.get_by_role("button", name="Inloggen").click()
        page.wait_for_url(re.compile(r"/$"))

    return submit
