"""Every non-public page needs a login; roles see only their areas."""
from __future__ import annotations

import re

import pytest

from tests.helpers import login

# The pages anyone may open; everything in the `public` blueprint (campaign form, ad-code links,
# event registration) is public by design, and the API guards itself with tokens.
PUBLIC = {"auth.login", "auth.login_code", "auth.account_setup", "main.health", "main.healthz", "main.readyz",
          "main.accessibility", "static", "jobcoach.signal", "jobcoach.signal_thank_you",
          "meetings.feed", "feedback.answer", "feedback.thank_you"}


def _is_public(endpoint: str) -> bool:
    return endpoint in PUBLIC or endpoint.startswith(("public.", "api."))


def _get_urls(app):
    """Every GET route, with 1 filled in for each argument."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or _is_public(rule.endpoint):
            continue
        urls.append((rule.endpoint, re.sub(r"<(?:[^:>]+:)?[^>]+>", "1", rule.rule)))
    return urls


def test_every_non_public_page_sends_anonymous_visitors_to_the_login_page(app, client):
    urls = _get_urls(app)
    assert len(urls) >= 8, "the route list looks too short to be the real one"
    for endpoint, url in urls:
        response = client.get(url)
        assert response.status_code == 302, f"{endpoint} {url} answered {response.status_code}"
        assert response.headers["Location"].startswith("/login?next="), endpoint


def test_every_non_public_post_sends_anonymous_visitors_to_the_login_page(app, client):
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods and not _is_public(rule.endpoint):
            response = client.post(re.sub(r"<(?:[^:>]+:)?[^>]+>", "1", rule.rule))
            assert response.status_code == 302, rule.endpoint


def test_public_pages_need_no_login(client):
    assert client.get("/login").status_code == 200
    assert client.get("/toegankelijkheid").status_code == 200
    assert client.get("/health").get_json() == {"status": "ok"}


ADMIN_PAGES = ["/beheer/gebruikers", "/beheer/gebruikers/nieuw", "/beheer/partners", "/beheer/teams", "/beheer/logboek",
               "/beheer/", "/beheer/instellingen"]


@pytest.mark.parametrize("role", ["advisor", "teamlead", "campaign", "management"])
def test_only_admins_reach_the_admin_pages(client, factory, role):
    login(client, factory.user(role))
    for url in ADMIN_PAGES:
        response = client.get(url)
        assert response.status_code == 403, url
        assert "Geen toegang" in response.get_data(as_text=True)


def test_an_admin_reaches_every_admin_page(client, factory):
    login(client, factory.user("admin"))
    for url in ADMIN_PAGES:
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("role, sees_admin_menu", [("admin", True), ("advisor", False), ("management", False)])
def test_navigation_shows_what_the_role_may_use(client, factory, role, sees_admin_menu):
    login(client, factory.user(role))
    html = client.get("/").get_data(as_text=True)
    assert 'aria-label="Hoofdmenu"' in html
    assert ('href="/beheer/"' in html) is sees_admin_menu


def test_the_admin_hub_lists_every_admin_page(client, factory):
    login(client, factory.user("admin"))
    html = client.get("/beheer/").get_data(as_text=True)
    for url in ("/beheer/gebruikers", "/beheer/partners", "/beheer/teams", "/beheer/instellingen", "/beheer/logboek"):
        assert f'href="{url}"' in html, url
