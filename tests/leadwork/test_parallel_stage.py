"""Parallel stage changes of one lead on PostgreSQL: the lead row is locked, so the second request
sees the first one's move and is judged against it (no lost update, no lead both lost and moved on)."""
from __future__ import annotations

import os
import threading

import pytest

from campaign_crm.extensions import db
from campaign_crm.models import Lead, LeadStageEvent

from ..api.conftest import bearer
from .conftest import count

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                       reason="parallel writers need PostgreSQL (SQLite serialises them)"),
]


def post_together(app, token, lead_id: int, bodies: list[dict]) -> list:
    """POST every body at the same moment, each from its own thread and client."""
    barrier = threading.Barrier(len(bodies))
    responses: list = [None] * len(bodies)

    def send(i: int) -> None:
        client = app.test_client()
        barrier.wait()
        responses[i] = client.post(f"/api/v1/leads/{lead_id}/stage", json=bodies[i], headers=bearer(token))

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return responses


def test_a_move_and_a_loss_at_once_end_in_one_consistent_state(app, make_token, make_lead):
    token = make_token("campaign")
    for _ in range(5):
        lead_id = make_lead()
        move, loss = post_together(app, token, lead_id, [{"stage": "meeting"},
                                                         {"stage": "lost", "lost_reason": "duplicate"}])
        statuses = (move.status_code, loss.status_code)
        # Either the move came first and the loss followed it, or the loss closed the lead first.
        assert statuses in {(200, 200), (409, 200)}, (move.get_json(), loss.get_json())
        with app.app_context():
            lead = db.session.get(Lead, lead_id)
            assert lead.stage == "lost"
            events = [(e.from_stage, e.to_stage) for e in lead.events]
            assert events in ([("new", "assigned"), ("assigned", "meeting"), ("meeting", "lost")],
                              [("new", "assigned"), ("assigned", "lost")])
            assert (lead.meeting_at is not None) == (statuses == (200, 200))


def test_the_same_move_twice_at_once_is_made_once(app, make_token, make_lead):
    token = make_token("campaign")
    lead_id = make_lead()
    first, second = post_together(app, token, lead_id, [{"stage": "contacted"}, {"stage": "contacted"}])
    assert sorted([first.status_code, second.status_code]) == [200, 409]
    with app.app_context():
        assert count(LeadStageEvent, LeadStageEvent.lead_id == lead_id, LeadStageEvent.to_stage == "contacted") == 1
