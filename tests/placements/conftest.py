"""A small region for the placement tests: two partners, their advisors, a lead owned by partner A's
advisor, and builders that go through the same services as the app (intake, lead, placement)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from campaign_crm.extensions import db
from campaign_crm.models import JobcoachOrganisation, Lead, User
from campaign_crm.services.placements import records as placement_service
from tests.helpers import Login, intake_lead, placement_input


@dataclass
class Region:
    partner_a: int
    partner_b: int
    advisor: Login            # partner A: owns the lead
    colleague: Login          # partner A, another team: sees A's placements, not the lead's notes
    teamlead: Login           # partner A, the advisor's team
    outsider: Login           # partner B, advisor
    outsider_teamlead: Login  # partner B, team lead of the advisor's team (a regional team spans partners)
    outsider_campaign: Login  # partner B, campaign team: sees every lead, not A's placements
    no_partner: Login         # an advisor without a partner
    admin: Login
    management: Login
    coach_id: int


@pytest.fixture
def region(app, factory, campaign) -> Region:
    a, b = factory.partner("Gemeente Rotterdam"), factory.partner("UWV Rijnmond", kind="uwv")
    team, other_team = factory.team("Waterweg"), factory.team("Noord")
    with app.app_context():
        coach = JobcoachOrganisation(name="Jobcoach Rijnmond BV", contact_name="Coach", email="info@coach.example")
        db.session.add(coach)
        db.session.commit()
        coach_id = coach.id
    return Region(
        partner_a=a, partner_b=b,
        advisor=factory.user("advisor", name="Anna Smit", partner_id=a, team_id=team),
        colleague=factory.user("advisor", name="Bram Kok", partner_id=a, team_id=other_team),
        teamlead=factory.user("teamlead", name="Tess Leider", partner_id=a, team_id=team),
        outsider=factory.user("advisor", name="Olaf Buiten", partner_id=b, team_id=team),
        outsider_teamlead=factory.user("teamlead", name="Otto Buiten", partner_id=b, team_id=team),
        outsider_campaign=factory.user("campaign", name="Cas Campagne", partner_id=b),
        no_partner=factory.user("advisor", name="Nina Zonder", team_id=team),
        admin=factory.user("admin", name="Ada Beheer"),
        management=factory.user("management", name="Mia Manager", partner_id=a),
        coach_id=coach_id,
    )


@pytest.fixture
def make_lead(app, campaign) -> Callable[..., int]:
    """make_lead(owner_id, name=..., stage=...) -> lead id: through the intake (an employer in Schiedam),
    then assigned and moved on."""
    made: list[str] = []

    def make(owner_id: int | None, *, name: str | None = None, stage: str | None = None) -> int:
        made.append(name or "")
        with app.app_context():
            lead = intake_lead(name or f"Werkgever {len(made)}", f"info@werkgever-{len(made)}.example",
                               owner_id=owner_id, stage=stage, municipality="Schiedam")
            db.session.commit()
            return lead.id

    return make


@pytest.fixture
def make_placement(app) -> Callable[..., int]:
    """make_placement(lead_id, actor_id, **fields) -> placement id, through the placement service."""

    def make(lead_id: int, actor_id: int, **fields) -> int:
        with app.app_context():
            lead = db.session.get(Lead, lead_id)
            placement = placement_service.create_placement(lead, placement_input(**fields),
                                                           actor=db.session.get(User, actor_id))
            db.session.commit()
            return placement.id

    return make
