"""On a phone (320 px): the question forms behind the employer's and the employee's links, the thank-you page and the
already-answered page reflow without sideways scrolling and pass axe (WCAG 2.1 A and AA); the employee answers with
the keyboard only."""
from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect
from sqlalchemy import select

from campaign_crm.extensions import db
from campaign_crm.models import OutboxMessage, Placement, RiskCase, Setting, User
from campaign_crm.models.feedback import CheckInLink
from campaign_crm.services.feedback import links, voice

pytestmark = pytest.mark.browser

WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
PHONE = {"width": 320, "height": 640}
LINK = re.compile(r"/check-in/([A-Za-z0-9_-]{20,})")


def _fits_and_passes_axe(page, what: str) -> None:
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{what} scrolls sideways at 320px: {widths}"
    results = Axe().run(page, options=WCAG)
    assert results.violations_count == 0, f"{what}:\n{results.generate_report()}"


def _token_sent_to(address: str) -> str:
    [message] = [m for m in db.session.scalars(select(OutboxMessage)) if address in m.recipients]
    return LINK.search(message.text).group(1)


def test_the_question_pages_work_at_320px_by_keyboard_and_pass_axe(app, page, setting, snap):
    with app.app_context():
        placement_id = setting.new_placement()
        voice.record_consent(db.session.get(Placement, placement_id),
                             voice.ConsentInput(email="sam@example.nl", consent=True),
                             actor=db.session.get(User, setting.advisor.id))
        links.send_due_links()
        db.session.get(Setting, "form_min_fill_seconds").value = 0  # the browser fills the form in a blink
        db.session.commit()
        employer_token, employee_token = _token_sent_to("jan@bakkerij-jansen.nl"), _token_sent_to("sam@example.nl")
    page.set_viewport_size(PHONE)

    page.goto(f"/check-in/{employer_token}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hoe gaat het?")
    _fits_and_passes_axe(page, "the employer's form")
    snap(page, "employer-form")

    page.goto(f"/check-in/{employee_token}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hoe gaat het op je werk?")
    _fits_and_passes_axe(page, "the employee's form")
    snap(page, "employee-form")
    page.get_by_label("Goed").focus()
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")  # arrows move the choice within the group: Twijfel
    page.keyboard.press("Tab")
    page.keyboard.type("Iemand die me het rooster uitlegt.")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")  # Ja
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Bedankt voor je antwoord")
    _fits_and_passes_axe(page, "the thank-you page")
    snap(page, "thank-you")
    with app.app_context():
        link = db.session.scalars(select(CheckInLink).where(CheckInLink.role == "employee")).one()
        assert (link.risk, link.wants_contact, link.help_text) == ("amber", True, "Iemand die me het rooster uitlegt.")
        assert db.session.scalars(select(RiskCase)).one().level == "amber"

    response = page.goto(f"/check-in/{employee_token}")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Deze vragen zijn al beantwoord")
    _fits_and_passes_axe(page, "the already-answered page")
    snap(page, "already-answered")
