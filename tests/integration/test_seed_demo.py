"""seed-demo: a region with the promised shape, deterministic for a seed, made through the services."""
from __future__ import annotations

import hashlib
from datetime import date

from sqlalchemy import func, select

from campaign_crm.extensions import db
from campaign_crm.models import (
    STAGES,
    Absence,
    Campaign,
    Lead,
    LeadStageEvent,
    Municipality,
    Partner,
    Phase,
    Team,
    Touchpoint,
    User,
)
from campaign_crm.services import demo
from campaign_crm.services.accounts import auth as auth_service
from tests.helpers import count, reset_database


def test_seed_demo_builds_the_promised_region(app, runner):
    result = runner.invoke(args=["seed-demo", "--seed", "7", "--leads", "600"])
    assert result.exit_code == 0, result.output
    for email in demo.DEMO_LOGINS.values():
        assert email in result.output
    with app.app_context():
        assert count(Partner) == 30
        assert 95 <= count(User, User.role == "advisor", User.active.is_(True)) <= 110
        assert 9 <= count(Team) <= 12
        assert count(Municipality) == 13
        campaign = db.session.scalar(select(Campaign).where(Campaign.code == "aknp"))
        assert [p.code for p in campaign.phases] == ["launch", "livestream", "techniek", "zorg"]
        assert count(Phase) == 4
        stages = dict(db.session.execute(select(Lead.stage, func.count()).group_by(Lead.stage)).all())
        assert set(stages) == {*STAGES, "lost"}, stages
        total = sum(stages.values())
        assert 580 <= total <= 620
        # Plausible, not uniform: every later stage is reached by fewer leads than the one before.
        reached = [count(Lead, getattr(Lead, f"{s}_at").isnot(None)) for s in STAGES[1:]]
        assert reached == sorted(reached, reverse=True) and reached[-1] > 0
        capacities = db.session.scalars(select(User.capacity).where(User.role == "advisor")).all()
        assert min(capacities) >= 10 and max(capacities) <= 40 and len(set(capacities)) > 3
        assert count(Absence) > 0
        # Every lead has its history and its touchpoint; channels and phases are all used.
        assert count(LeadStageEvent) >= count(Lead, Lead.stage != "new")
        assert count(Touchpoint) >= total
        assert db.session.scalar(select(func.count(func.distinct(Lead.channel_id)))) >= 8
        # Placed leads have placements with check-ins; some ended, each with a how and a why.
        from campaign_crm.models import CheckIn, Placement

        assert count(Placement) == count(Lead, Lead.placed_at.isnot(None)) > 0
        assert count(CheckIn, CheckIn.done_on.isnot(None)) > 0
        assert count(Placement, Placement.end_date.isnot(None), Placement.end_how.isnot(None),
                      Placement.end_why.isnot(None)) == count(Placement, Placement.end_date.isnot(None))
        # Each printed demo login works with the demo password.
        for email in demo.DEMO_LOGINS.values():
            assert auth_service.authenticate(email, app.config["DEMO_PASSWORD"]) is not None, email


def test_seed_demo_refuses_a_database_that_has_users_but_if_empty_skips_quietly(runner, factory):
    factory.user("admin")
    refused = runner.invoke(args=["seed-demo", "--leads", "10"])
    assert refused.exit_code == 1 and "bevat al gebruikers" in refused.output
    skipped = runner.invoke(args=["seed-demo", "--leads", "10", "--if-empty"])
    assert skipped.exit_code == 0 and "overgeslagen" in skipped.output


def _fingerprint() -> str:
    """A digest of the region that does not depend on database ids (sequences differ per engine)."""
    from campaign_crm.models import Channel, Employer

    rows = db.session.execute(
        select(Lead.created_at, Lead.stage, Lead.contacted_at, Lead.placed_at, User.email, Channel.code, Phase.code,
               Employer.name, Employer.kvk)
        .join(Employer, Employer.id == Lead.employer_id)
        .outerjoin(User, User.id == Lead.owner_id)
        .outerjoin(Channel, Channel.id == Lead.channel_id)
        .outerjoin(Phase, Phase.id == Lead.phase_id)
        .order_by(Lead.created_at, Employer.name)
    ).all()
    people = db.session.execute(
        select(User.email, User.capacity, Team.name).outerjoin(Team, Team.id == User.team_id).order_by(User.email)
    ).all()
    return hashlib.sha256(repr((rows, people)).encode()).hexdigest()


def test_the_same_seed_gives_the_same_region(app):
    prints = []
    for seed in (11, 11, 12):
        with app.app_context():
            reset_database()
        with app.app_context():
            demo.seed_demo(seed=seed, lead_count=150, today=date(2026, 11, 27))
            db.session.commit()
            prints.append(_fingerprint())
    assert prints[0] == prints[1]
    assert prints[0] != prints[2]
