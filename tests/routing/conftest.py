"""Fixtures of the routing tests (the routing rows made directly, at a fixed moment, are in tests/helpers.py)."""
from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from campaign_crm.extensions import db
from tests.helpers import intake_lead, route_everything_to


@pytest.fixture
def make_leads(app, campaign) -> Callable[..., list[int]]:
    """make_leads(names, team_id=..., hours_ago=None) -> lead ids: a lead per name through the intake (an
    employer in Schiedam, `hours_ago` hours ago, 1 by default), which routes it by a catch-all rule to
    `team_id`."""

    def make(names: list[str], *, team_id: int, hours_ago: list[int] | None = None) -> list[int]:
        with app.app_context():
            route_everything_to(team_id, "Alles naar het team")
            ids = []
            for name, ago in zip(names, hours_ago or [1] * len(names), strict=True):
                lead = intake_lead(name, f"info@{name.lower().replace(' ', '')}.example",
                                   contact_name="Contact " + name, municipality="Schiedam",
                                   occurred_at=datetime.now(UTC) - timedelta(hours=ago), message=f"Bericht van {name}")
                ids.append(lead.id)  # the intake routed it
            db.session.commit()
            return ids

    return make
