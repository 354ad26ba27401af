"""Builders for the employer tests: touchpoints through the one intake, leads handed to advisors,
and a counter of SQL statements to keep pages free of a query per row."""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

import pytest
from sqlalchemy import event, func, select

from campaign_crm.extensions import db
from campaign_crm.models import Lead, Team, User
from campaign_crm.services.calendar import AMSTERDAM
from campaign_crm.services.capture.intake import (
    ContactInput,
    EmployerInput,
    TouchpointInput,
    record_touchpoint,
)
from campaign_crm.services.leads import lifecycle as lead_service

# Friday 12 June 2026, 10:00 in Rotterdam: the livestream phase of the `campaign` fixture.
FRIDAY = datetime(2026, 6, 12, 10, 0, tzinfo=AMSTERDAM)


def touchpoint(name: str = "Bakkerij Jansen", *, email: str | None = "jan@bakkerij-jansen.nl", phone: str | None = None,
               contact_name: str = "Jan Jansen", occurred_at: datetime = FRIDAY, **fields) -> TouchpointInput:
    """A campaign-form touchpoint; keyword arguments go to the employer or to the touchpoint."""
    employer_fields = {k: fields.pop(k) for k in list(fields) if k in EmployerInput.__dataclass_fields__}
    fields.setdefault("kind", "form")
    return TouchpointInput(employer=EmployerInput(name=name, **employer_fields),
                           contact=ContactInput(name=contact_name, email=email, phone=phone),
                           occurred_at=occurred_at, **fields)


@dataclass
class Recorded:
    employer_id: int
    contact_id: int
    lead_id: int | None
    touchpoint_id: int


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def hand_to(lead: Lead, advisor_id: int) -> None:
    """Assign a lead to an advisor (in the advisor's team), as routing would."""
    advisor = db.session.get(User, advisor_id)
    lead_service.assign_lead(lead, advisor, team=advisor.team, reason="test", actor=None)


@pytest.fixture
def record(app, campaign):
    """Record a touchpoint through the intake in its own committed transaction (for page tests)."""

    def _record(data: TouchpointInput, *, owner_id: int | None = None) -> Recorded:
        with app.app_context():
            result = record_touchpoint(data)
            if owner_id is not None:
                hand_to(result.lead, owner_id)
            db.session.commit()
            return Recorded(result.touchpoint.employer_id, result.touchpoint.contact_id,
                            result.lead.id if result.lead else None, result.touchpoint.id)

    return _record


@pytest.fixture
def in_app(app):
    """Run a function inside an application context and return its result (for checks after requests)."""

    def _run(fn):
        with app.app_context():
            return fn()

    return _run


@contextmanager
def counting_statements(engine):
    """Count the SQL statements sent inside the block: `with counting_statements(db.engine) as n: …; n[0]`."""
    seen = [0]

    def before(*args, **kwargs):
        seen[0] += 1

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)


def team_of(advisor_id: int) -> Team:
    return db.session.get(User, advisor_id).team
