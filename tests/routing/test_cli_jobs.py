"""The periodic jobs as commands: sla-sweep, route-waiting and checkin-reminders, each idempotent."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from campaign_crm.extensions import db
from campaign_crm.models import Employer, Lead, LeadEscalation, RoutingRule
from tests.helpers import count


def test_sla_sweep_records_escalations_once(app, runner, factory):
    team_id = factory.team()
    with app.app_context():
        db.session.add(Lead(employer=Employer(name="Te laat BV", name_key="telaatbv"), stage="new", team_id=team_id,
                            created_at=datetime.now(UTC) - timedelta(days=9),
                            sla_due_at=datetime.now(UTC) - timedelta(days=7)))
        db.session.commit()
    first = runner.invoke(args=["sla-sweep"])
    assert first.exit_code == 0, first.output
    assert "1 leads bekeken" in first.output
    runner.invoke(args=["sla-sweep"])
    with app.app_context():
        levels = db.session.scalars(select(LeadEscalation.level).order_by(LeadEscalation.id)).all()
        assert levels == ["overdue", "team_lead", "coordinator"]


def test_route_waiting_assigns_waiting_leads(app, runner, factory):
    team_id = factory.team()
    with app.app_context():
        db.session.add(RoutingRule(name="Alles", team_id=team_id))
        db.session.add(Lead(employer=Employer(name="Wacht BV", name_key="wachtbv"), stage="new",
                            created_at=datetime.now(UTC) - timedelta(hours=2), waiting_reason="Wacht"))
        db.session.commit()
    advisor = factory.user("advisor", team_id=team_id)
    result = runner.invoke(args=["route-waiting"])
    assert result.exit_code == 0, result.output
    assert "1 wachtende leads toegewezen, 0 wachten nog" in result.output
    with app.app_context():
        lead = db.session.scalar(select(Lead))
        assert lead.owner_id == advisor.id and lead.stage == "assigned"
        assert count(Lead, Lead.owner_id.is_(None)) == 0


def test_checkin_reminders_runs_and_reports(runner):
    result = runner.invoke(args=["checkin-reminders"])
    assert result.exit_code == 0, result.output
    assert "Check-ins: 0 nieuw herinnerd" in result.output
