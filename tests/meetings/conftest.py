"""Builders for the meeting tests: a team with an owner who gets every lead, a team-mate and a team lead, an
advisor of another team, leads that come in through the one intake, and meetings planned through the service."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pytest

from campaign_crm.extensions import db
from campaign_crm.models import Lead, User
from campaign_crm.services.calendar import AMSTERDAM
from campaign_crm.services.meetings import records as meetings
from tests.helpers import Login, intake_lead, route_everything_to


@dataclass
class Desk:
    """Team Waterweg of partner Schiedam: `owner` gets every lead, `mate` sits in the same team, `boss` leads it;
    `stranger` is an advisor of team Noord."""

    team_id: int
    owner: Login
    mate: Login
    boss: Login
    stranger: Login


@pytest.fixture
def desk(factory, campaign) -> Desk:
    partner_id = factory.partner("Gemeente Schiedam")
    team_id = factory.team("Waterweg")
    owner = factory.user("advisor", team_id=team_id, partner_id=partner_id, name="Olga Eigenaar",
                         email="olga@schiedam.example", capacity=50)
    mate = factory.user("advisor", team_id=team_id, partner_id=partner_id, name="Carl Collega",
                        email="carl@schiedam.example", capacity=0)  # routing skips him
    boss = factory.user("teamlead", team_id=team_id, partner_id=partner_id, name="Bea Baas")
    stranger = factory.user("advisor", team_id=factory.team("Noord"), partner_id=factory.partner("UWV"),
                            name="Sam Vreemd")
    return Desk(team_id, owner, mate, boss, stranger)


@pytest.fixture
def make_lead(app, desk):
    """make_lead(name, stage=None) -> the id of a lead of `name` (contact Jan Jansen, jan@<name>.example) routed
    to the desk's owner, made a day ago."""
    made = []

    def make(name: str = "Bakkerij Jansen", *, stage: str | None = None) -> int:
        made.append(name)
        with app.app_context():
            route_everything_to(desk.team_id, "Alles naar Waterweg")
            slug = name.lower().replace(" ", "-")
            lead = intake_lead(name, f"jan@{slug}.example", contact_name="Jan Jansen", stage=stage,
                               municipality="Schiedam", occurred_at=datetime.now(UTC) - timedelta(days=1))
            db.session.commit()
            assert lead.owner_id == desk.owner.id, lead.waiting_reason
            return lead.id

    return make


def _future_day(month: int, day: int = 15) -> date:
    today = datetime.now(AMSTERDAM).date()
    candidate = date(today.year, month, day)
    return candidate if candidate > today else date(today.year + 1, month, day)


def _amsterdam(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=AMSTERDAM)


@dataclass(frozen=True)
class Moments:
    """`day(month)`: the first 15th of that month that lies ahead; `at(day, hour)`: that hour in Amsterdam."""

    day = staticmethod(_future_day)
    at = staticmethod(_amsterdam)


@pytest.fixture
def moments() -> Moments:
    return Moments()


def _meeting_input(**overrides) -> meetings.MeetingInput:
    day = _future_day(12)
    values = {"kind": "adviesgesprek", "starts_at": _amsterdam(day, 10), "ends_at": _amsterdam(day, 11),
              "place_kind": "address", "place": "Coolsingel 40, Rotterdam", "note": ""}
    return meetings.MeetingInput(**{**values, **overrides})


@pytest.fixture
def meeting_input():
    """meeting_input(**overrides): an adviesgesprek at Coolsingel 40 on the coming 15 December, 10:00–11:00
    Amsterdam time, with no one invited."""
    return _meeting_input


@pytest.fixture
def plan(app, desk):
    """plan(lead_id, organiser=desk.owner, with_contact=True, **overrides) -> meeting id, planned through the
    service (the lead's contact invited unless told otherwise) and committed."""

    def make(lead_id: int, *, organiser: Login | None = None, with_contact: bool = True, **overrides) -> int:
        with app.app_context():
            lead = db.session.get(Lead, lead_id)
            if with_contact and "contact_ids" not in overrides:
                overrides["contact_ids"] = (lead.contact_id,)
            user = db.session.get(User, (organiser or desk.owner).id)
            meeting = meetings.plan_meeting(lead, _meeting_input(**overrides), organiser=user)
            db.session.commit()
            return meeting.id

    return make
