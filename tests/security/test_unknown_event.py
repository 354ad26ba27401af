"""A sign-up posted to an event that does not exist is a 404 page, with or without a valid form token."""
from __future__ import annotations

import pytest

from tests.helpers import counts, nothing_stored


@pytest.mark.parametrize("csrf_enabled", [False, True])
@pytest.mark.parametrize("path", ["/livestream/bestaat-niet", "/bijeenkomst/bestaat-niet"])
def test_a_post_to_an_unknown_event_is_not_found_and_stores_nothing(app, client, campaign, monkeypatch, csrf_enabled,
                                                                     path):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", csrf_enabled)

    response = client.post(path, data={"name": "Jan", "organisation": "Bouw BV", "email": "jan@bouw.example"})

    assert response.status_code == 404
    assert "Niet gevonden" in response.get_data(as_text=True)
    with app.app_context():
        assert counts() == nothing_stored()
    assert client.get("/aanmelden").status_code == 200
