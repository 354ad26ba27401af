"""The search box in a real browser: reached and used by keyboard, results grouped in named regions, a query
it cannot use announced on the field, and the header and results reflowing at 320 pixels."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

BOX = re.compile(r"^Zoek een werkgever, contactpersoon of lead")


def test_an_advisor_searches_by_keyboard_and_opens_the_employer_found(page, log_in, snap, bakery, other_bakery):
    log_in(bakery["owner"])
    for _ in range(3):  # the skip link, the brand, then the search box
        page.keyboard.press("Tab")
    box = page.get_by_role("search", name="Zoeken in het CRM").get_by_role("searchbox", name=BOX)
    expect(box).to_be_focused()

    page.keyboard.type("+31 6 1234 5678")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Zoeken")
    expect(box).to_have_value("+31 6 1234 5678")
    contacts = page.get_by_role("region", name=re.compile(r"^Contactpersonen"))
    expect(contacts.get_by_role("link")).to_have_text(["Marieke van den Berg"])
    snap(page, "results")
    employers = page.get_by_role("region", name=re.compile(r"^Werkgevers"))
    employers.get_by_role("link", name="Bakkerij Élégance B.V.").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/werkgevers/{bakery['employer_id']}$"))


def test_a_too_short_query_is_described_on_the_field_itself(page, log_in, snap, bakery):
    log_in(bakery["owner"])
    page.get_by_role("searchbox", name=BOX).fill("a")
    page.get_by_role("button", name="Zoeken").click()

    box = page.get_by_role("searchbox", name=BOX)
    expect(box).to_have_attribute("aria-invalid", "true")
    expect(box).to_have_accessible_description("Typ minstens 3 tekens, of een leadnummer.")
    snap(page, "too-short")


def test_the_header_search_and_the_results_reflow_at_320_pixels(page, log_in, snap, bakery, other_bakery):
    page.set_viewport_size({"width": 320, "height": 640})
    log_in(bakery["owner"])

    for path in ("/", "/zoeken?q=bakkerij", "/zoeken?q=a"):
        page.goto(path)
        snap(page, "start" if path == "/" else path.split("=")[1])
        assert page.evaluate("document.documentElement.scrollWidth") <= 320, f"{path} scrolls sideways at 320px"
        button = page.get_by_role("search").get_by_role("button", name="Zoeken").bounding_box()
        assert button is not None and button["x"] + button["width"] <= 320
