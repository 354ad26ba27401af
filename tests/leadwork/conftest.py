"""Builders for the lead-work tests: a team with an owner, a colleague and a team lead, and leads
that come in through the one intake and are routed to the owner by a catch-all rule."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from campaign_crm.extensions import db
from tests.helpers import Login, intake_lead, route_everything_to


@dataclass
class Desk:
    """One team of one partner: `owner` gets every lead, `colleague` sits in the same team (and is
    full), `boss` leads it."""

    partner_id: int
    team_id: int
    owner: Login
    colleague: Login
    boss: Login


@pytest.fixture
def desk(factory, campaign) -> Desk:
    partner_id = factory.partner("Gemeente Schiedam")
    team_id = factory.team("Waterweg")
    owner = factory.user("advisor", team_id=team_id, partner_id=partner_id, name="Olga Eigenaar", capacity=50)
    colleague = factory.user("advisor", team_id=team_id, partner_id=partner_id, name="Carl Collega",
                             capacity=0)  # routing skips him
    boss = factory.user("teamlead", team_id=team_id, partner_id=partner_id, name="Bea Baas")
    return Desk(partner_id, team_id, owner, colleague, boss)


@pytest.fixture
def make_lead(app, desk):
    """make_lead(name, hours_ago=1, stage=None, sector=None) -> the id of a lead routed to the desk's owner,
    from a Dagblad touchpoint of an employer in Schiedam `hours_ago` hours ago."""
    made = []

    def make(name: str | None = None, *, hours_ago: float = 1, stage: str | None = None,
             sector: str | None = None) -> int:
        made.append(name)
        name = name or f"Werkgever {len(made)}"
        with app.app_context():
            route_everything_to(desk.team_id, "Alles naar Waterweg")
            lead = intake_lead(name, f"info@werkgever-{len(made)}.example", contact_name="Contact " + name,
                               stage=stage, municipality="Schiedam", sector=sector,
                               occurred_at=datetime.now(UTC) - timedelta(hours=hours_ago), channel="dagblad",
                               message=f"Bericht van {name}")
            db.session.commit()
            assert lead.owner_id == desk.owner.id, lead.waiting_reason
            return lead.id

    return make
