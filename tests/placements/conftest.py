"""A small region for the placement tests: two partners, their advisors, a lead owned by partner A's
advisor, and builders that go through the same services as the app (intake, lead, placement)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from campaign_crm.extensions import db
from campaign_crm.models import (
    AuditEvent,
    CheckIn,
    Intervention,
    JobcoachOrganisation,
    Lead,
    Placement,
    RiskCase,
    RiskSignal,
    User,
)
from campaign_crm.services.calendar import today
from campaign_crm.services.capture.intake import (
    ContactInput,
    EmployerInput,
    TouchpointInput,
    record_touchpoint,
)
from campaign_crm.services.leads import lifecycle as lead_service
from campaign_crm.services.placements import records as placement_service

from ..api.conftest import document, make_token  # noqa: F401  (fixtures for the API tests here)
from ..conftest import Login


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def stored(app) -> dict[str, int]:
    """How many placement-side rows there are: what a refused request must leave unchanged."""
    return {model.__tablename__: count(app, model)
            for model in (Placement, CheckIn, RiskCase, Intervention, RiskSignal)}


def audit_actions(app, object_type: str | None = None) -> list[str]:
    with app.app_context():
        query = select(AuditEvent.action).order_by(AuditEvent.id)
        if object_type:
            query = query.where(AuditEvent.object_type == object_type)
        return list(db.session.scalars(query))


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
    """make_lead(owner_id, name=..., stage=...) -> lead id: through the intake, then assigned and moved on."""
    made: list[str] = []

    def make(owner_id: int | None, *, name: str | None = None, stage: str | None = None) -> int:
        made.append(name or "")
        name = name or f"Werkgever {len(made)}"
        with app.app_context():
            lead = record_touchpoint(TouchpointInput(
                employer=EmployerInput(name=name, municipality="Schiedam"),
                contact=ContactInput(name="Contact", email=f"info@werkgever-{len(made)}.example"),
            )).lead
            if owner_id is not None:
                owner = db.session.get(User, owner_id)
                lead_service.assign_lead(lead, owner, team=owner.team, reason="test", actor=None)
            if stage and stage != lead.stage:
                lead_service.change_stage(lead, stage, actor=None,
                                          lost_reason="unreachable" if stage == "lost" else None)
            db.session.commit()
            return lead.id

    return make


def placement_input(**overrides) -> placement_service.PlacementInput:
    """A valid LKS placement started 60 days ago; keyword arguments override fields."""
    values = dict(candidate_ref="KL-2026-0815", instrument="lks", lks_type="regular", loonwaarde_pct=60,
                  start_date=today() - timedelta(days=60), hours_per_week=24, contract_type="permanent")
    values.update(overrides)
    return placement_service.PlacementInput(**values)


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


def a_day(days_after_start: int, start: date | None = None) -> date:
    return (start or today() - timedelta(days=60)) + timedelta(days=days_after_start)
