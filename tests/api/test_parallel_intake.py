"""Parallel POST /api/v1/leads on PostgreSQL: a unique key decides, the loser answers as a replay or attach."""
from __future__ import annotations

import os
import threading

import pytest
from sqlalchemy import func, select

from campaign_crm.extensions import db
from campaign_crm.models import Lead, Touchpoint

from .conftest import bearer

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                       reason="parallel writers need PostgreSQL (SQLite serialises them)"),
    pytest.mark.usefixtures("campaign"),
]


def post_together(app, token, bodies: list[dict]) -> list:
    """POST every body at the same moment, each from its own thread and client."""
    barrier = threading.Barrier(len(bodies))
    responses: list = [None] * len(bodies)

    def send(i: int) -> None:
        client = app.test_client()
        barrier.wait()
        responses[i] = client.post("/api/v1/leads", json=bodies[i], headers=bearer(token))

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return responses


def body(n: int, external_id: str) -> dict:
    return {"employer": {"name": f"Havenbedrijf {n}", "kvk": f"{30000000 + n}"},
            "contact": {"email": f"info@haven-{n}.example"}, "external_id": external_id}


def test_the_same_external_id_sent_twice_at_once_makes_one_lead(app, token):
    for n in range(5):
        first, second = post_together(app, token, [body(n, f"dup-{n}"), body(n, f"dup-{n}")])
        assert sorted([first.status_code, second.status_code]) == [200, 201], (first.get_json(), second.get_json())
        assert first.get_json()["id"] == second.get_json()["id"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Lead)) == 5
        assert db.session.scalar(select(func.count()).select_from(Touchpoint)) == 5


def test_two_touchpoints_of_one_new_employer_at_once_make_one_lead(app, token):
    for n in range(5):
        first, second = post_together(app, token, [body(n, f"a-{n}"), body(n, f"b-{n}")])
        assert sorted([first.status_code, second.status_code]) == [200, 201], (first.get_json(), second.get_json())
        assert first.get_json()["id"] == second.get_json()["id"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Lead)) == 5
        assert db.session.scalar(select(func.count()).select_from(Touchpoint)) == 10
