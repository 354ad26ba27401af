"""Pages with several forms (a queue with an action per row, the lead page) keep every id unique."""
from __future__ import annotations

import re
from collections import Counter

import pytest

from tests.helpers import login


def duplicate_ids(html: str) -> list[str]:
    return [id_ for id_, n in Counter(re.findall(r'\sid="([^"]+)"', html)).items() if n > 1]


@pytest.mark.parametrize("path", ["/leads/mijn", "/leads/{lead}", "/leads/team"])
def test_no_id_appears_twice(app, client, desk, make_lead, monkeypatch, path):
    leads = [make_lead() for _ in range(3)]
    login(client, desk.boss if path == "/leads/team" else desk.owner)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)  # every form renders its token, as in production
    response = client.get(path.format(lead=leads[0]))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count('name="csrf_token"') >= 2, "the page should hold several forms"
    assert duplicate_ids(html) == []
