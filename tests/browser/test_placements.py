"""In a real browser: an advisor registers a placement from the lead page, records an amber check-in
and sees the risk on the placement page."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from campaign_crm.extensions import db
from campaign_crm.models import JobcoachOrganisation
from campaign_crm.services.calendar import today
from tests.helpers import intake_lead

pytestmark = pytest.mark.browser

START = today() - timedelta(days=60)


def _lead_at_vacancy(app, advisor_id: int) -> int:
    with app.app_context():
        db.session.add(JobcoachOrganisation(name="Jobcoach Rijnmond BV"))
        lead = intake_lead("Bouwbedrijf Maas", "info@maas.example", owner_id=advisor_id, stage="vacancy")
        db.session.commit()
        return lead.id


def test_an_advisor_registers_a_placement_and_records_an_amber_check_in(app, page, log_in, snap, factory, campaign):
    advisor = factory.user("advisor", name="Anna Smit", partner_id=factory.partner("Gemeente Rotterdam"))
    lead_id = _lead_at_vacancy(app, advisor.id)
    log_in(advisor)

    page.goto(f"/leads/{lead_id}")
    page.get_by_role("link", name="Plaatsing registreren").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Plaatsing registreren bij Bouwbedrijf Maas")
    page.get_by_label("Kandidaatreferentie").fill("KL-2026-0815")
    page.get_by_label("Startdatum").fill(START.isoformat())
    page.get_by_label("Instrument").select_option("lks")
    page.get_by_label("Soort loonkostensubsidie").select_option("regular")
    page.get_by_label("Loonwaarde (%)").fill("55")
    page.get_by_label("Jobcoachorganisatie").select_option(label="Jobcoach Rijnmond BV")
    snap(page, "register")
    page.get_by_role("button", name="Plaatsing registreren").click()

    expect(page).to_have_url(re.compile(r"/plaatsingen/\d+$"))
    expect(page.get_by_role("status")).to_contain_text("de check-ins staan gepland")
    expect(page.get_by_role("table", name="Check-ins, eerst de vroegste").get_by_role("row")).to_have_count(7)

    week2 = START + timedelta(weeks=2)
    page.get_by_label("Welke check-in").select_option(label=f"Week 2 (gepland {week2:%d-%m-%Y})")
    page.get_by_label("Datum van het contact").fill(week2.isoformat())
    page.get_by_label("Gesproken met").select_option("jobcoach")
    page.get_by_label("Risico op uitval").select_option("amber")
    page.get_by_label("Notitie").first.fill("Werktempo ligt te hoog")
    page.get_by_role("button", name="Check-in vastleggen").click()
    expect(page.get_by_role("status")).to_contain_text("Er staat een risicodossier open")
    expect(page.locator(".lead-text")).to_contain_text("risico oranje")
    snap(page, "amber")
