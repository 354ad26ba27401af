"""Mijn profiel: every logged-in user chooses which e-mail notices they get (GET and POST, CSRF, Dutch errors)."""
from __future__ import annotations

import re

from sqlalchemy import select

from campaign_crm.extensions import db
from campaign_crm.models import NoticePreference
from tests.helpers import csrf_token_from, login


def saved(app, user_id: int) -> dict[str, bool]:
    with app.app_context():
        return {row.kind: row.enabled for row in db.session.scalars(
            select(NoticePreference).where(NoticePreference.user_id == user_id))}


def test_the_header_links_to_the_profile_page_which_asks_per_kind_with_labelled_choices(client, factory):
    who = factory.user("management")
    start = login(client, who).get_data(as_text=True)
    assert 'href="/account/profiel">Mijn profiel</a>' in start
    page = client.get("/account/profiel")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<h1>Mijn profiel</h1>" in html and who.email in html
    for kind, label in (("lead_assigned", "Een lead is aan mij toegewezen"),
                        ("lead_taken", "Een lead is bij mij weggehaald"), ("daily_digest", "Dagelijks overzicht")):
        assert f"<legend>{label}</legend>" in html
        for n, value in ((0, "aan"), (1, "uit")):
            assert re.search(rf'id="{kind}-{n}"[^>]*value="{value}"|value="{value}"[^>]*id="{kind}-{n}"', html)
            assert f'<label for="{kind}-{n}">' in html
        assert re.search(rf'checked[^>]*id="{kind}-0"|id="{kind}-0"[^>]*checked', html)  # on until switched off


def test_choices_are_saved_and_shown_again(app, client, factory):
    who = factory.user("advisor")
    login(client, who)
    response = client.post("/account/profiel", data={"lead_assigned": "uit", "lead_taken": "aan",
                                                      "checkin_answered": "uit", "daily_digest": "uit"},
                           follow_redirects=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Uw keuzes voor meldingen per e-mail zijn opgeslagen." in html
    assert saved(app, who.id) == {"lead_assigned": False, "lead_taken": True, "checkin_answered": False,
                                  "daily_digest": False}
    assert re.search(r'checked[^>]*id="lead_assigned-1"|id="lead_assigned-1"[^>]*checked', html)
    client.post("/account/profiel", data={"lead_assigned": "aan", "lead_taken": "aan", "checkin_answered": "uit",
                                          "daily_digest": "uit"})
    assert saved(app, who.id)["lead_assigned"] is True


def test_a_missing_or_unknown_choice_gets_a_dutch_message_and_nothing_is_saved(app, client, factory):
    who = factory.user("advisor")
    login(client, who)
    response = client.post("/account/profiel", data={"lead_assigned": "misschien", "lead_taken": "aan"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'class="error-summary" role="alert"' in html
    assert "Kies aan of uit bij \u201cEen lead is aan mij toegewezen\u201d." in html
    assert "Kies aan of uit bij \u201cDagelijks overzicht\u201d." in html
    assert 'aria-invalid="true"' in html
    assert saved(app, who.id) == {}


def test_a_post_without_the_csrf_token_is_refused(app, client, factory, monkeypatch):
    who = factory.user("advisor")
    login(client, who)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    choices = {"lead_assigned": "uit", "lead_taken": "uit", "checkin_answered": "uit", "daily_digest": "uit"}
    refused = client.post("/account/profiel", data=choices)
    assert refused.status_code == 400
    assert "Traceback" not in refused.get_data(as_text=True)
    assert saved(app, who.id) == {}
    token = csrf_token_from(client.get("/account/profiel").get_data(as_text=True))
    assert client.post("/account/profiel", data={**choices, "csrf_token": token}).status_code == 302
    assert saved(app, who.id) == {"lead_assigned": False, "lead_taken": False, "checkin_answered": False,
                                  "daily_digest": False}


def test_the_profile_page_needs_a_login(client):
    response = client.get("/account/profiel")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
