"""Friendly Dutch error pages, JSON under /api, and never a stack trace."""
from __future__ import annotations

from sqlalchemy.exc import OperationalError

from campaign_crm.services.leads import overview
from tests.helpers import login


def test_unknown_page_is_a_dutch_404(client, factory):
    login(client, factory.user("advisor"))
    response = client.get("/bestaat-niet")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Niet gevonden" in html and "Naar het overzicht" in html


def test_an_unexpected_error_shows_a_calm_page_without_a_traceback(client, factory, monkeypatch):
    login(client, factory.user("advisor"))

    def broken(user):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(overview, "start_page_summary", broken)
    response = client.get("/")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Er ging iets mis" in html
    assert "Traceback" not in html and "secret internal detail" not in html


def test_a_lost_database_gives_503_page_and_json(client, factory, monkeypatch):
    login(client, factory.user("advisor"))

    def database_gone(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))

    monkeypatch.setattr(overview, "start_page_summary", database_gone)
    monkeypatch.setattr(overview, "check_database", database_gone)
    page = client.get("/")
    assert page.status_code == 503
    assert "Tijdelijk niet beschikbaar" in page.get_data(as_text=True)
    assert "server closed" not in page.get_data(as_text=True)
    assert client.get("/health").status_code == 503


def test_security_headers_are_sent(client):
    response = client.get("/login")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
