"""Parallel POST /api/v1/leads on PostgreSQL: a unique key decides, the loser answers as a replay or attach."""
from __future__ import annotations

import os

import pytest

from campaign_crm.models import Lead, Touchpoint
from tests.helpers import count, post_at_once

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                       reason="parallel writers need PostgreSQL (SQLite serialises them)"),
    pytest.mark.usefixtures("campaign"),
]


def body(n: int, external_id: str) -> dict:
    return {"employer": {"name": f"Havenbedrijf {n}", "kvk": f"{30000000 + n}"},
            "contact": {"email": f"info@haven-{n}.example"}, "external_id": external_id}


def test_the_same_external_id_sent_twice_at_once_makes_one_lead(app, token):
    for n in range(5):
        first, second = post_at_once(app, "/api/v1/leads", token, [body(n, f"dup-{n}"), body(n, f"dup-{n}")])
        assert sorted([first.status_code, second.status_code]) == [200, 201], (first.get_json(), second.get_json())
        assert first.get_json()["id"] == second.get_json()["id"]
    with app.app_context():
        assert count(Lead) == 5
        assert count(Touchpoint) == 5


def test_two_touchpoints_of_one_new_employer_at_once_make_one_lead(app, token):
    for n in range(5):
        first, second = post_at_once(app, "/api/v1/leads", token, [body(n, f"a-{n}"), body(n, f"b-{n}")])
        assert sorted([first.status_code, second.status_code]) == [200, 201], (first.get_json(), second.get_json())
        assert first.get_json()["id"] == second.get_json()["id"]
    with app.app_context():
        assert count(Lead) == 5
        assert count(Touchpoint) == 10
