"""A small region for the jobcoach tests: two partners with advisors and team leads, two jobcoach
organisations made through the service (so their links are real), and placements coached by them."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from campaign_crm.extensions import db
from tests.helpers import Login, add_employer, add_jobcoach_organisation, add_placement


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


@pytest.fixture
def region(app, factory) -> Region:
    partner_a, partner_b = factory.partner("Gemeente Rotterdam"), factory.partner("UWV Rijnmond", kind="uwv")
    team_1, team_2 = factory.team("Team Zuid"), factory.team("Team Noord")
    advisor = factory.user("advisor", partner_id=partner_a, team_id=team_1)
    outsider = factory.user("advisor", partner_id=partner_b, team_id=team_2)
    with app.app_context():
        coach_id, coach_token = add_jobcoach_organisation("Jobcoach Rijnmond", contact_name="Ans de Vries",
                                                          email="ans@jobcoach-rijnmond.nl", phone="010-4567890")
        other_coach_id, other_coach_token = add_jobcoach_organisation("Werkfit Coaching", contact_name="Piet Bakker")
        employer_id = add_employer()
        db.session.commit()
    people = dict(
        teamlead=factory.user("teamlead", partner_id=partner_a, team_id=team_1),
        colleague=factory.user("advisor", partner_id=partner_a, team_id=team_2),
        other_teamlead=factory.user("teamlead", partner_id=partner_a, team_id=team_2),
        outsider_teamlead=factory.user("teamlead", partner_id=partner_b, team_id=team_1),
        admin=factory.user("admin"), campaign_user=factory.user("campaign"), management=factory.user("management"),
    )
    with app.app_context():
        placements = dict(
            placement_id=add_placement(reference="RTM2A7KQ", partner_id=partner_a, advisor_id=advisor.id,
                                       jobcoach_org_id=coach_id, employer_id=employer_id),
            b_placement_id=add_placement(reference="UWV3B8HN", partner_id=partner_b, advisor_id=outsider.id,
                                         jobcoach_org_id=coach_id, employer_id=employer_id),
            other_coach_placement_id=add_placement(reference="RTM4C9JP", partner_id=partner_a,
                                                   advisor_id=advisor.id, jobcoach_org_id=other_coach_id,
                                                   employer_id=employer_id),
        )
        db.session.commit()
    return Region(partner_a=partner_a, partner_b=partner_b, advisor=advisor, outsider=outsider, **people,
                  coach_id=coach_id, coach_token=coach_token, other_coach_id=other_coach_id,
                  other_coach_token=other_coach_token, **placements)
