"""Builders for the lead-work tests: a team with an owner, a colleague and a team lead, and leads
that come in through the one intake and are routed to the owner by a catch-all rule."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from campaign_crm.extensions import db
from campaign_crm.models import RoutingRule
from campaign_crm.services.capture.intake import (
    ContactInput,
    EmployerInput,
    TouchpointInput,
    record_touchpoint,
)

from ..api.conftest import document, make_token  # noqa: F401  (fixtures for the API tests here)
from ..conftest import Login


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


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
    """make_lead(name, hours_ago=1, stage=None) -> the id of a lead routed to the desk's owner."""
    made = []

    def make(name: str | None = None, *, hours_ago: float = 1, stage: str | None = None,
             sector: str | None = None) -> int:
        from campaign_crm.services.leads import lifecycle as lead_service

        made.append(name)
        name = name or f"Werkgever {len(made)}"
        with app.app_context():
            if not db.session.scalar(select(RoutingRule.id)):
                db.session.add(RoutingRule(name="Alles naar Waterweg", team_id=desk.team_id))
                db.session.flush()
            result = record_touchpoint(TouchpointInput(
                employer=EmployerInput(name=name, municipality="Schiedam", sector=sector),
                contact=ContactInput(name="Contact " + name, email=f"info@werkgever-{len(made)}.example"),
                occurred_at=datetime.now(UTC) - timedelta(hours=hours_ago), channel="dagblad",
                message=f"Bericht van {name}",
            ))
            lead = result.lead
            if stage and stage != lead.stage:
                lead_service.change_stage(lead, stage, actor=None, at=lead.created_at,
                                          lost_reason="unreachable" if stage == "lost" else None)
            db.session.commit()
            assert lead.owner_id == desk.owner.id, lead.waiting_reason
            return lead.id

    return make
