"""The pipeline board in Chromium: a card moves by keyboard through its "Verplaatsen naar" control and by dragging
it onto another column, both by the stage rules of the lead page; the page passes axe."""
from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from campaign_crm.extensions import db
from campaign_crm.models import Lead
from tests.helpers import intake_lead

pytestmark = pytest.mark.browser

WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def _stage(app, lead_id: int) -> str:
    with app.app_context():
        return db.session.get(Lead, lead_id).stage


def test_a_card_moves_by_keyboard_and_by_drag_and_drop(app, page, log_in, factory, campaign):
    advisor = factory.user("advisor", name="Anna Smit")
    with app.app_context():
        typed = intake_lead("Garage Toets", "info@toets.example", owner_id=advisor.id, stage="assigned").id
        dragged = intake_lead("Bakkerij Sleep", "info@sleep.example", owner_id=advisor.id, stage="contacted").id
        db.session.commit()
    log_in(advisor)
    page.goto("/bord")
    results = Axe().run(page, options=WCAG)
    assert results.violations_count == 0, results.generate_report()

    select = page.get_by_label("Verplaatsen naar").first  # the card of Garage Toets, the longest waiting
    select.focus()
    select.select_option("meeting")
    page.keyboard.press("Tab")  # to the card's button
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Garage Toets) staat nu op Adviesgesprek")
    assert _stage(app, typed) == "meeting"

    card = page.locator(f'li[data-lead="{dragged}"]')
    card.drag_to(page.locator('section[data-stage="vacancy"]'), source_position={"x": 4, "y": 4})  # not on its select
    expect(page.get_by_role("status")).to_contain_text("Bakkerij Sleep) staat nu op Vacature")
    assert _stage(app, dragged) == "vacancy"
    expect(page.locator('section[data-stage="vacancy"]')).to_contain_text("Bakkerij Sleep")
