"""In a real browser: an advisor plans an adviesgesprek from a lead with a time and a place, sees it on its page and
in Mijn agenda, makes an agenda link; every page passes axe (WCAG 2.1 A and AA) without a violation, also at 320 px."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from campaign_crm.extensions import db
from campaign_crm.services.calendar import today
from tests.helpers import intake_lead

pytestmark = pytest.mark.browser

WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
NARROW = {"width": 320, "height": 640}


def _no_violations(page) -> None:
    results = Axe().run(page, options=WCAG)
    assert results.violations_count == 0, results.generate_report()


def _fits(page) -> None:
    """Nothing sticks out sideways at this width (WCAG 1.4.10 reflow)."""
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_an_advisor_plans_an_adviesgesprek_with_time_and_place(app, page, log_in, snap, factory, campaign):
    advisor = factory.user("advisor", name="Anna Smit")
    with app.app_context():
        lead = intake_lead("Bouwbedrijf Maas", "info@maas.example", contact_name="Mieke Maas", owner_id=advisor.id,
                           stage="contacted")
        db.session.commit()
        lead_id = lead.id
    day = today() + timedelta(days=8)
    log_in(advisor)

    page.goto(f"/leads/{lead_id}/afspraken/nieuw")
    expect(page.get_by_role("heading", level=1)).to_have_text("Afspraak plannen met Bouwbedrijf Maas")
    _no_violations(page)
    page.get_by_role("button", name="Afspraak plannen").click()  # nothing filled in: every reason at once
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Vul de datum in.")
    expect(summary).to_contain_text("Vul het adres in")
    summary.get_by_role("link", name=re.compile("Datum")).click()
    expect(page.get_by_label("Datum", exact=True)).to_be_focused()
    _no_violations(page)
    snap(page, "refused")

    page.get_by_label("Soort afspraak").select_option("adviesgesprek")
    page.get_by_label("Datum", exact=True).fill(day.isoformat())
    page.get_by_label("Begintijd").fill("10:00")
    page.get_by_label("Eindtijd").fill("11:30")
    page.get_by_label("Soort plaats").select_option("address")
    page.get_by_label("Adres, telefoonnummer of videolink").fill("Havenweg 12, Schiedam")
    expect(page.get_by_label(re.compile("Mieke Maas"))).to_be_checked()
    snap(page, "filled")
    page.get_by_role("button", name="Afspraak plannen").click()

    expect(page).to_have_url(re.compile(r"/afspraken/\d+(#[\w-]*)?$"))
    expect(page.get_by_role("status")).to_contain_text("Adviesgesprek gepland")
    expect(page.get_by_role("heading", level=1)).to_have_text("Adviesgesprek met Bouwbedrijf Maas")
    expect(page.locator("dl.facts")).to_contain_text("10:00 tot 11:30")
    expect(page.locator("dl.facts")).to_contain_text("Havenweg 12, Schiedam")
    expect(page.get_by_role("link", name="Agendabestand (.ics) downloaden")).to_be_visible()
    meeting_url = page.url
    _no_violations(page)
    snap(page, "meeting")

    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Mijn agenda").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mijn agenda")
    expect(page.get_by_role("link", name=re.compile("Adviesgesprek met Bouwbedrijf Maas"))).to_be_visible()
    page.get_by_role("button", name="Agenda-link maken").click()
    expect(page.get_by_label(re.compile("Uw agenda-link"))).to_have_value(re.compile(r"/agenda/.+\.ics$"))
    _no_violations(page)
    snap(page, "agenda")

    page.set_viewport_size(NARROW)
    for url in (f"/leads/{lead_id}/afspraken/nieuw", meeting_url, "/mijn-agenda"):
        page.goto(url)
        _fits(page)
        _no_violations(page)
    snap(page, "narrow")
