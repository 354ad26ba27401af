"""Parallel stage changes of one lead on PostgreSQL: the lead row is locked, so the second request
sees the first one's move and is judged against it (no lost update, no lead both lost and moved on)."""
from __future__ import annotations

import os

import pytest

from campaign_crm.extensions import db
from campaign_crm.models import Lead, LeadStageEvent
from tests.helpers import count, post_at_once

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                       reason="parallel writers need PostgreSQL (SQLite serialises them)"),
]


def test_a_move_and_a_loss_at_once_end_in_one_consistent_state(app, make_token, make_lead):
    token = make_token("campaign")
    for _ in range(5):
        lead_id = make_lead()
        move, loss = post_at_once(app, f"/api/v1/leads/{lead_id}/stage", token,
                                  [{"stage": "meeting"}, {"stage": "lost", "lost_reason": "duplicate"}])
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
    first, second = post_at_once(app, f"/api/v1/leads/{lead_id}/stage", token,
                                 [{"stage": "contacted"}, {"stage": "contacted"}])
    assert sorted([first.status_code, second.status_code]) == [200, 409]
    with app.app_context():
        assert count(LeadStageEvent, LeadStageEvent.lead_id == lead_id, LeadStageEvent.to_stage == "contacted") == 1
