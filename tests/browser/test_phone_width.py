"""On a phone: an advisor's lead page, queue, Mijn acties, the board and a placement's check-in form reflow at
320 and 375 px (WCAG 1.4.10: no sideways page scroll, every value readable) and pass axe (WCAG 2.1 A and AA)."""
from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from campaign_crm.extensions import db
from campaign_crm.models import Lead, User
from campaign_crm.services.calendar import AMSTERDAM, today
from campaign_crm.services.capture.intake import ContactInput, EmployerInput, TouchpointInput, record_touchpoint
from campaign_crm.services.leads import activities
from campaign_crm.services.leads import lifecycle as lead_service
from campaign_crm.services.meetings import records as meetings
from campaign_crm.services.placements import records as placement_service
from tests.helpers import intake_lead, placement_input

pytestmark = pytest.mark.browser

WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
WIDTHS = (320, 375)
LONG_EMAIL = "personeelszaken.en.werving@bouwbedrijf-maas-en-zonen-schiedam.example"
PHONE = "010 123 4567"
EMPLOYER = "Bouw- en Aannemingsbedrijf Maas en Zonen Schiedam"


def _lead_with_a_full_page(advisor_id: int) -> int:
    """A lead owned by the advisor with a contact (long e-mail, phone), several logged activities, an open next
    action and a planned adviesgesprek."""
    owner = db.session.get(User, advisor_id)
    made = record_touchpoint(TouchpointInput(
        employer=EmployerInput(name=EMPLOYER),
        contact=ContactInput(name="Mieke van der Maas-Hoogendoorn", email=LONG_EMAIL, phone=PHONE),
        message="Wij zoeken twee timmerlieden en een werkvoorbereider voor ons project aan de Havenweg.")).lead
    lead_service.assign_lead(made, owner, team=None, reason="test", actor=None, at=made.created_at)
    lead_service.change_stage(made, "contacted", actor=None, at=made.created_at)
    activities.log_activity(made, activities.ActivityInput(
        "call", "Gebeld met de bedrijfsleider; interesse in loonkostensubsidie voor twee vacatures."), actor=owner)
    activities.log_activity(made, activities.ActivityInput(
        "email", "Informatiepakket en voorbeeldcontract per e-mail gestuurd."), actor=owner)
    activities.log_activity(made, activities.ActivityInput(
        "note", "Werkvoorbereider moet VCA hebben; navragen bij het leerwerkbedrijf.",
        next_action="Vacatureteksten opvragen en doorsturen naar de jobcoach", next_action_due=today() + timedelta(3)),
        actor=owner)
    day = today() + timedelta(days=9)
    meetings.plan_meeting(made, meetings.MeetingInput(
        kind="adviesgesprek", starts_at=datetime.combine(day, time(10), AMSTERDAM).astimezone(UTC),
        ends_at=datetime.combine(day, time(11, 30), AMSTERDAM).astimezone(UTC), place_kind="address",
        place="Havenweg 12, 3112 AB Schiedam", contact_ids=(made.contact_id,)), organiser=owner)
    return made.id


def _placement(advisor_id: int) -> int:
    """A placement (with its planned check-ins) on another lead of the advisor."""
    lead = intake_lead("Installatietechniek Rijnmond", "info@installatie-rijnmond.example", owner_id=advisor_id,
                       stage="vacancy")
    return placement_service.create_placement(db.session.get(Lead, lead.id), placement_input(),
                                              actor=db.session.get(User, advisor_id)).id


def _fits_and_passes_axe(page, path: str, width: int) -> None:
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{path} scrolls sideways at {width}px: {widths}"
    results = Axe().run(page, options=WCAG)
    assert results.violations_count == 0, f"{path} at {width}px:\n{results.generate_report()}"


def _wide_tables_scroll_in_their_own_region(page, path: str) -> None:
    """A table wider than the page sits in a focusable, named region that scrolls, never the page itself."""
    offenders = page.evaluate("""() => [...document.querySelectorAll('table')]
        .filter(t => t.getBoundingClientRect().width > window.innerWidth)
        .filter(t => { const r = t.closest('.table-scroll');
                       return !r || r.getAttribute('role') !== 'region' || r.tabIndex !== 0
                              || getComputedStyle(r).overflowX !== 'auto'; })
        .map(t => t.getAttribute('aria-labelledby') || t.caption?.textContent || t.className)""")
    assert offenders == [], f"{path}: tables wider than the page outside a scroll region: {offenders}"


BROKEN_WORDS = """() => {
    const broken = [];
    for (const cell of document.querySelectorAll('td, th')) {
        const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            if (node.parentElement.closest('.visually-hidden')) continue;
            for (const match of node.data.matchAll(/\\S+/g)) {
                const range = document.createRange();
                range.setStart(node, match.index);
                range.setEnd(node, match.index + match[0].length);
                const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
                if (lines.size > 1) broken.push(match[0]);
            }
        }
    }
    return broken;
}"""


def _table_words_stay_whole(page, path: str, width: int) -> None:
    """A table cell never splits a word over lines (a squeezed column of single letters cannot be read)."""
    broken = page.evaluate(BROKEN_WORDS)
    assert broken == [], f"{path} at {width}px splits words in table cells: {broken[:10]}"


def test_an_advisors_pages_reflow_on_a_phone(app, page, factory, campaign, log_in, snap):
    advisor = factory.user("advisor", name="Anouk Ramdin-Verhoeven", partner_id=factory.partner("Gemeente Schiedam"),
                           team_id=factory.team("Waterweg"))
    with app.app_context():
        lead_id = _lead_with_a_full_page(advisor.id)
        placement_id = _placement(advisor.id)
        db.session.commit()
    log_in(advisor)
    paths = (f"/leads/{lead_id}", "/leads/mijn", "/leads/mijn/acties", "/bord", f"/plaatsingen/{placement_id}")

    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 740})
        for path in paths:
            page.goto(path)
            expect(page.locator("main#inhoud")).to_be_visible()
            _fits_and_passes_axe(page, path, width)
            _wide_tables_scroll_in_their_own_region(page, path)
            _table_words_stay_whole(page, path, width)
            snap(page, f"{width}-{path.strip('/').replace('/', '-')}")

    # Every value of the lead page is there and readable: the long address wraps inside the page.
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(f"/leads/{lead_id}")
    email = page.get_by_role("link", name=LONG_EMAIL)
    expect(email).to_be_visible()
    box = email.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375
    expect(page.get_by_role("link", name=PHONE)).to_have_attribute("href", "tel:+31101234567")
    expect(page.get_by_text("Vacatureteksten opvragen en doorsturen naar de jobcoach").first).to_be_visible()
    expect(page.get_by_text("Informatiepakket en voorbeeldcontract").first).to_be_visible()
    page.screenshot(path="/tmp/phone_lead.png", full_page=True)

    # Mijn acties names the open action, the check-in form is there to fill in.
    page.goto("/leads/mijn/acties")
    expect(page.get_by_text("Vacatureteksten opvragen en doorsturen naar de jobcoach").first).to_be_visible()
    page.goto(f"/plaatsingen/{placement_id}")
    expect(page.get_by_role("button", name="Check-in vastleggen")).to_be_visible()
