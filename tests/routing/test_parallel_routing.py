"""16 parallel workers push 1,000 leads through the API on PostgreSQL: routing stays correct."""
from __future__ import annotations

import os
import threading
from collections import Counter

import pytest
from sqlalchemy import func, select

from campaign_crm.extensions import db
from campaign_crm.models import Lead, LeadAssignment, RoutingRule, User
from campaign_crm.models.leads import OPEN_STAGES
from campaign_crm.services.accounts import auth as auth_service
from campaign_crm.services.routing import engine as routing
from tests.helpers import count

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                       reason="parallel writers need PostgreSQL (SQLite serialises them)"),
]

WORKERS, LEADS, ADVISORS, CAPACITY = 16, 1000, 10, 75


def test_parallel_intake_never_double_assigns_or_overfills(app, factory, campaign):
    team_id = factory.team("Regionale pool", is_pool=True)
    advisor_ids = [factory.user("advisor", team_id=team_id, capacity=CAPACITY).id for _ in range(ADVISORS)]
    with app.app_context():
        db.session.add(RoutingRule(name="Vangnet", team_id=team_id, priority=1000))
        _, token = auth_service.create_api_token("parallel", "campaign", None)
        db.session.commit()
    app.config["API_RATE_LIMIT"] = "1000000 per minute"
    barrier = threading.Barrier(WORKERS)
    statuses: Counter = Counter()
    lock = threading.Lock()

    def worker(w: int) -> None:
        client = app.test_client()
        barrier.wait()
        for i in range(w, LEADS, WORKERS):
            response = client.post("/api/v1/leads", headers={"Authorization": f"Bearer {token}"}, json={
                "employer": {"name": f"Werkgever {i}", "kvk": f"{40000000 + i}"},
                "contact": {"email": f"info@werkgever-{i}.example"}, "external_id": f"parallel-{i}",
            })
            with lock:
                statuses[response.status_code] += 1

    try:
        threads = [threading.Thread(target=worker, args=(w,)) for w in range(WORKERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=600)
    finally:
        app.config["API_RATE_LIMIT"] = "300 per minute"
    assert statuses == Counter({201: LEADS})

    with app.app_context():
        assert count(Lead) == LEADS
        # No lead assigned twice: one routing decision per lead, and its owner is the one it names.
        per_lead = Counter(db.session.scalars(select(LeadAssignment.lead_id)))
        assert set(per_lead.values()) == {1}
        mismatched = db.session.scalar(
            select(func.count()).select_from(Lead).join(LeadAssignment, LeadAssignment.lead_id == Lead.id)
            .where(Lead.owner_id.is_distinct_from(LeadAssignment.advisor_id)))
        assert mismatched == 0
        # No advisor over capacity.
        open_per_advisor = dict(db.session.execute(
            select(Lead.owner_id, func.count()).where(Lead.stage.in_(OPEN_STAGES), Lead.owner_id.is_not(None))
            .group_by(Lead.owner_id)).all())
        capacities = dict(db.session.execute(select(User.id, User.capacity).where(User.id.in_(advisor_ids))).all())
        assert all(open_per_advisor[a] <= capacities[a] for a in open_per_advisor)
        assert sum(open_per_advisor.values()) == ADVISORS * CAPACITY
        # Every lead is assigned, or waits with the reason.
        waiting = db.session.scalars(select(Lead.waiting_reason).where(Lead.owner_id.is_(None))).all()
        assert len(waiting) == LEADS - ADVISORS * CAPACITY
        assert set(waiting) == {routing.ALL_FULL.format(team="Regionale pool")}
