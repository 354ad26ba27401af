"""What a person with a browser sees: logging in and out, keyboard use, no outside requests,
and creating a user through the admin form."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

LOGIN_URL = re.compile(r"/login(\?.*)?$")
WRONG_LOGIN = "Het e-mailadres of het wachtwoord klopt niet."


def test_anonymous_visitor_logs_in_and_out(page, factory, snap):
    advisor = factory.user("advisor", name="Sanne de Vries")

    page.goto("/")
    expect(page).to_have_url(LOGIN_URL)
    expect(page.get_by_role("heading", level=1)).to_have_text("Inloggen")
    snap(page, "login")

    page.get_by_label("E-mailadres", exact=True).fill(advisor.email)
    page.get_by_label("Wachtwoord", exact=True).fill(advisor.password)
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Goedendag, Sanne")
    expect(page).to_have_url(re.compile(r"/$"))
    snap(page, "start")

    page.get_by_role("button", name="Uitloggen").click()
    expect(page).to_have_url(LOGIN_URL)
    expect(page.get_by_role("status")).to_contain_text("U bent uitgelogd.")
    snap(page, "logged-out")

    page.goto("/")
    expect(page).to_have_url(LOGIN_URL)
    expect(page.get_by_role("heading", level=1)).to_have_text("Inloggen")
    snap(page, "back-to-login")


def test_first_tab_reaches_a_visible_skip_link_that_moves_focus_to_main(page, snap):
    page.goto("/login")
    page.keyboard.press("Tab")

    skip = page.get_by_role("link", name="Direct naar de inhoud")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    box = skip.bounding_box()
    viewport = page.viewport_size
    assert box is not None and box["width"] > 0 and box["height"] > 0
    assert box["x"] >= 0 and box["y"] >= 0
    assert box["x"] + box["width"] <= viewport["width"] and box["y"] + box["height"] <= viewport["height"]
    snap(page, "skip-link-focused")

    page.keyboard.press("Enter")
    expect(page.locator("main#inhoud")).to_be_focused()


def test_pages_load_only_from_this_server_and_every_stylesheet_and_icon_loads(page, factory, log_in, live_server, snap):
    admin = factory.user("admin")
    requests, responses, problems = [], [], []
    page.on("request", lambda r: requests.append(r))
    page.on("response", lambda r: responses.append(r))
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    # Without the cache every page fetches its stylesheet again (200, not 304 Not Modified).
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})

    log_in(admin)
    for path in ("/", "/beheer/gebruikers", "/beheer/teams", "/beheer/partners", "/beheer/logboek"):
        page.goto(path)
        snap(page, path.strip("/").replace("/", "-") or "start")
        # The stylesheet really applied (a CSP or MIME problem would leave the header unstyled).
        header_background = page.locator(".site-header").evaluate("el => getComputedStyle(el).backgroundColor")
        assert header_background not in ("rgba(0, 0, 0, 0)", "transparent")

    server = urlsplit(live_server).netloc
    foreign = sorted({r.url for r in requests if urlsplit(r.url).netloc != server and not r.url.startswith("data:")})
    assert foreign == []

    stylesheets = [r for r in responses if r.request.resource_type == "stylesheet"]
    assert len(stylesheets) >= 6, "every page visited should have fetched its stylesheet"
    static = [r for r in responses if urlsplit(r.url).path.startswith("/static/")]
    assert {(r.url, r.status) for r in static if r.status != 200} == set()

    icon_hrefs = page.locator("link[rel~=icon]").evaluate_all("links => links.map(l => l.href)")
    assert icon_hrefs, "the page declares no icon"
    for href in icon_hrefs:
        assert urlsplit(href).netloc == server
        assert page.request.get(href).status == 200
    assert problems == []


def test_admin_creates_a_user_and_sees_form_errors_tied_to_the_field(page, factory, log_in, snap):
    admin = factory.user("admin")
    factory.team(name="Team Rotterdam-Zuid")
    log_in(admin)

    page.goto("/beheer/gebruikers/nieuw")
    expect(page.get_by_role("heading", level=1)).to_have_text("Nieuwe gebruiker")
    snap(page, "new-user")
    page.get_by_label("Naam", exact=True).fill("Fatima el Amrani")
    page.get_by_label("E-mailadres").fill("fatima@test.example")
    page.get_by_label("Rol").select_option(label="Adviseur")
    page.get_by_label("Team").select_option(label="Team Rotterdam-Zuid")
    page.get_by_label("Capaciteit").fill("15")
    page.get_by_label("Wachtwoord").fill("kort")
    page.get_by_role("button", name="Gebruiker aanmaken").click()

    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Controleer het formulier")
    expect(summary).to_be_focused()  # read first by a screen reader, links one Tab away
    expect(summary).to_contain_text("minstens 12 tekens")
    password = page.get_by_label("Wachtwoord")
    expect(password).to_have_attribute("aria-invalid", "true")
    expect(password).to_have_accessible_description(re.compile("minstens 12 tekens"))
    # What was typed is kept, except the password.
    expect(page.get_by_label("Naam", exact=True)).to_have_value("Fatima el Amrani")
    snap(page, "password-too-short")

    page.get_by_label("Wachtwoord").fill("Een-lang-startwachtwoord-7")
    page.get_by_role("button", name="Gebruiker aanmaken").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Fatima el Amrani")
    expect(page).to_have_url(re.compile(r"/beheer/gebruikers/\d+$"))
    expect(page.get_by_role("status")).to_contain_text("Gebruiker Fatima el Amrani is aangemaakt.")
    expect(page.get_by_label("Rol").locator("option:checked")).to_have_text("Adviseur")
    expect(page.get_by_label("Team", exact=True).locator("option:checked")).to_have_text("Team Rotterdam-Zuid")
    expect(page.get_by_label("Capaciteit")).to_have_value("15")
    snap(page, "user-created")


def test_wrong_password_says_so_without_revealing_which_part_was_wrong(page, factory, snap):
    advisor = factory.user("advisor")

    page.goto("/login")
    page.get_by_label("E-mailadres", exact=True).fill(advisor.email)
    page.get_by_label("Wachtwoord", exact=True).fill("niet-het-goede-wachtwoord")
    page.get_by_role("button", name="Inloggen").click()

    expect(page.get_by_text(WRONG_LOGIN)).to_be_visible()
    expect(page).to_have_url(LOGIN_URL)
    expect(page.get_by_label("E-mailadres", exact=True)).to_have_value(advisor.email)
    expect(page.get_by_label("Wachtwoord", exact=True)).to_have_value("")
    expect(page.get_by_role("heading", level=1)).to_have_text("Inloggen")
    snap(page, "wrong-password")


def test_pages_reflow_at_320_pixels_without_sideways_scrolling(page, factory, log_in, snap):
    admin = factory.user("admin", name="Beheerder Werkcentrum")
    advisor = factory.user("advisor", name="Anouk Ramdin", email="anouk.ramdin@gemeente-capelle-aan-den-ijssel.example")
    factory.partner(name="Gemeente Capelle aan den IJssel")
    page.set_viewport_size({"width": 320, "height": 640})
    log_in(admin)

    for path in ("/", "/beheer/gebruikers", f"/beheer/gebruikers/{advisor.id}", "/beheer/teams", "/beheer/partners",
                 "/beheer/logboek", "/toegankelijkheid", "/bestaat-niet"):
        page.goto(path)
        snap(page, path.strip("/").replace("/", "-") or "start")
        # WCAG 1.4.10: only a wide data table may scroll, inside its own region, never the page.
        assert page.evaluate("document.documentElement.scrollWidth") <= 320, f"{path} scrolls sideways at 320px"
