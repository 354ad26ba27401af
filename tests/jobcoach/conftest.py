"""A small region for the jobcoach tests: two partners with advisors and team leads, two jobcoach
organisations made through the service (so their links are real), and placements coached by them."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import func, select

from campaign_crm.extensions import db
from campaign_crm.models import AuditEvent, Employer, Placement, RiskCase, RiskSignal
from campaign_crm.services.placements import jobcoaches

from ..conftest import Login


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def stored(app) -> tuple[int, int]:
    """(risk signals, risk cases): what a signal would add."""
    return count(app, RiskSignal), count(app, RiskCase)


@dataclass
class Region:
    partner_a: int
    partner_b: int
    advisor: Login          # partner A, team 1: advises the placement coached by `coach`
    teamlead: Login         # partner A, team 1
    colleague: Login        # partner A, another team
    other_teamlead: Login   # partner A, that other team
    outsider: Login         # partner B, advises B's placement
    outsider_teamlead: Login  # partner B, same team as `advisor` (a regional team spans partners)
    admin: Login
    campaign_user: Login
    management: Login
    coach_id: int
    coach_token: str
    other_coach_id: int
    other_coach_token: str
    placement_id: int       # partner A, advisor, coached by `coach`: reference RTM2A7KQ
    b_placement_id: int     # partner B, outsider, coached by `coach`: reference UWV3B8HN
    other_coach_placement_id: int  # partner A, advisor, coached by `other_coach`: reference RTM4C9JP


def signal_url(token: str) -> str:
    return f"/signaal/{token}"


def make_placement(app, *, reference: str, partner_id: int, advisor_id: int | None, jobcoach_org_id: int | None,
                   employer_id: int, start_date: date = date(2026, 3, 2), end_date: date | None = None) -> int:
    """A placement row made directly (the placement service is another module's business)."""
    with app.app_context():
        placement = Placement(reference=reference, partner_id=partner_id, advisor_id=advisor_id,
                              employer_id=employer_id, candidate_ref=f"cand-{reference}", instrument="lks",
                              start_date=start_date, end_date=end_date, jobcoach_org_id=jobcoach_org_id,
                              jobcoach_kind="external" if jobcoach_org_id else None)
        db.session.add(placement)
        db.session.commit()
        return placement.id


def make_organisation(app, name: str, **fields) -> tuple[int, str]:
    with app.app_context():
        organisation, raw = jobcoaches.create_organisation(jobcoaches.OrganisationInput(name=name, **fields),
                                                           actor=None)
        db.session.commit()
        return organisation.id, raw


def make_employer(app, name: str = "Metaalbedrijf De Haven") -> int:
    with app.app_context():
        employer = Employer(name=name, name_key=name.lower().replace(" ", ""))
        db.session.add(employer)
        db.session.commit()
        return employer.id


@pytest.fixture
def region(app, factory) -> Region:
    partner_a, partner_b = factory.partner("Gemeente Rotterdam"), factory.partner("UWV Rijnmond", kind="uwv")
    team_1, team_2 = factory.team("Team Zuid"), factory.team("Team Noord")
    advisor = factory.user("advisor", partner_id=partner_a, team_id=team_1)
    outsider = factory.user("advisor", partner_id=partner_b, team_id=team_2)
    coach_id, coach_token = make_organisation(app, "Jobcoach Rijnmond", contact_name="Ans de Vries",
                                              email="ans@jobcoach-rijnmond.nl", phone="010-4567890")
    other_coach_id, other_coach_token = make_organisation(app, "Werkfit Coaching", contact_name="Piet Bakker")
    employer_id = make_employer(app)
    region = Region(
        partner_a=partner_a, partner_b=partner_b, advisor=advisor,
        teamlead=factory.user("teamlead", partner_id=partner_a, team_id=team_1),
        colleague=factory.user("advisor", partner_id=partner_a, team_id=team_2),
        other_teamlead=factory.user("teamlead", partner_id=partner_a, team_id=team_2),
        outsider=outsider,
        outsider_teamlead=factory.user("teamlead", partner_id=partner_b, team_id=team_1),
        admin=factory.user("admin"), campaign_user=factory.user("campaign"), management=factory.user("management"),
        coach_id=coach_id, coach_token=coach_token, other_coach_id=other_coach_id, other_coach_token=other_coach_token,
        placement_id=make_placement(app, reference="RTM2A7KQ", partner_id=partner_a, advisor_id=advisor.id,
                                    jobcoach_org_id=coach_id, employer_id=employer_id),
        b_placement_id=make_placement(app, reference="UWV3B8HN", partner_id=partner_b, advisor_id=outsider.id,
                                      jobcoach_org_id=coach_id, employer_id=employer_id),
        other_coach_placement_id=make_placement(app, reference="RTM4C9JP", partner_id=partner_a, advisor_id=advisor.id,
                                                jobcoach_org_id=other_coach_id, employer_id=employer_id),
    )
    return region


def audit_actions(app, action: str) -> int:
    return count(app, AuditEvent, AuditEvent.action == action)
