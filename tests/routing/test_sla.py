"""The SLA ladder: due soon → overdue → team lead → coordinator, recorded once per step."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from campaign_crm.extensions import db
from campaign_crm.models import Employer, Lead, LeadEscalation, Team, User
from campaign_crm.services.leads import lifecycle as lead_service
from campaign_crm.services.routing import sla
from tests.helpers import count

AMS = ZoneInfo("Europe/Amsterdam")
# Due Thursday 26 November 2026, 17:00 Amsterdam time.
DUE = datetime(2026, 11, 26, 17, 0, tzinfo=AMS)


def lead_due(stage: str = "assigned") -> Lead:
    """A lead of an advisor in team Waterweg (with a team lead), made two days before DUE, due at DUE."""
    home = Team(name="Waterweg")
    boss = User(email="tl@test.example", name="Teamleider", password_hash="x", role="teamlead", team=home)
    owner = User(email="a@test.example", name="Adviseur", password_hash="x", role="advisor", team=home)
    one = Lead(employer=Employer(name="X", name_key="x"), stage=stage, owner=owner, team=home,
               created_at=DUE - timedelta(days=2), sla_due_at=DUE)
    db.session.add_all([home, boss, owner, one])
    db.session.flush()
    return one


def levels(lead: Lead) -> list[str]:
    return list(db.session.scalars(select(LeadEscalation.level).where(LeadEscalation.lead_id == lead.id)
                                   .order_by(LeadEscalation.id)))


def test_ladder_steps_at_the_right_moments():
    ladder = dict(soon_hours=4, team_lead_days=1, coordinator_days=3)
    at = lambda *args: datetime(*args, tzinfo=AMS)  # noqa: E731
    assert sla.level_for(DUE, at(2026, 11, 26, 12, 59), **ladder) is None
    assert sla.level_for(DUE, at(2026, 11, 26, 13, 0), **ladder) == "due_soon"
    assert sla.level_for(DUE, at(2026, 11, 26, 17, 1), **ladder) == "overdue"
    assert sla.level_for(DUE, at(2026, 11, 27, 9, 0), **ladder) == "team_lead"  # Friday: 1 working day late
    assert sla.level_for(DUE, at(2026, 11, 30, 9, 0), **ladder) == "team_lead"  # Monday: 2 (weekend skipped)
    assert sla.level_for(DUE, at(2026, 12, 1, 9, 0), **ladder) == "coordinator"  # Tuesday: 3


def test_the_sweep_records_each_step_once_and_notifies_the_right_person(ctx):
    lead = lead_due()
    sla.sweep(now=DUE - timedelta(hours=2))
    assert levels(lead) == ["due_soon"] and lead.escalation_level == "due_soon"
    report = sla.sweep(now=DUE - timedelta(hours=1))
    assert sum(report.recorded.values()) == 0  # idempotent
    sla.sweep(now=datetime(2026, 11, 27, 10, 0, tzinfo=AMS))
    assert levels(lead) == ["due_soon", "overdue", "team_lead"]
    notified = dict(db.session.execute(select(LeadEscalation.level, LeadEscalation.notified_user_id)
                                       .where(LeadEscalation.lead_id == lead.id)).all())
    assert notified["overdue"] == lead.owner_id
    assert notified["team_lead"] == db.session.scalar(select(User.id).where(User.role == "teamlead"))
    sla.sweep(now=datetime(2026, 12, 2, 10, 0, tzinfo=AMS))
    sla.sweep(now=datetime(2026, 12, 2, 10, 5, tzinfo=AMS))
    assert levels(lead) == ["due_soon", "overdue", "team_lead", "coordinator"]
    assert lead.escalation_level == "coordinator"


def test_a_lead_found_late_is_not_recorded_as_due_soon(ctx):
    lead = lead_due()
    sla.sweep(now=DUE + timedelta(hours=1))
    assert levels(lead) == ["overdue"]


def test_contacted_leads_leave_the_ladder(ctx):
    lead = lead_due()
    sla.sweep(now=DUE + timedelta(hours=1))
    lead_service.change_stage(lead, "contacted", actor=None, at=DUE + timedelta(hours=2))
    assert lead.escalation_level is None
    sla.sweep(now=datetime(2026, 12, 2, 10, 0, tzinfo=AMS))
    assert levels(lead) == ["overdue"]
    assert count(LeadEscalation) == 1
