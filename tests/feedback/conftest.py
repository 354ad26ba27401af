"""A small setting for the check-in link tests: a partner with an advisor, a jobcoach organisation with an e-mail
address, and a factory for placements on a lead of Bakkerij Jansen (contact Jan Jansen) whose week-2 check-in
falls due on a chosen day."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from campaign_crm.extensions import db
from campaign_crm.models import Lead, User
from campaign_crm.services.calendar import today
from campaign_crm.services.placements import records as placement_service
from tests.helpers import Login, add_jobcoach_organisation, intake_lead, placement_input

CONTACT_EMAIL = "jan@bakkerij-jansen.nl"
COACH_EMAIL = "ans@jobcoach-rijnmond.nl"


@dataclass
class Setting:
    partner_id: int
    advisor: Login
    outsider: Login  # an advisor of another partner
    coach_id: int
    new_placement: Callable[..., int]  # (week-2 due date, with_coach=True) -> placement id; call in an app context


@pytest.fixture
def setting(app, factory, campaign) -> Setting:
    partner_id = factory.partner("Gemeente Rotterdam")
    advisor = factory.user("advisor", name="Anna Smit", email="anna@crm.example", partner_id=partner_id)
    outsider = factory.user("advisor", partner_id=factory.partner("UWV Rijnmond", kind="uwv"))
    with app.app_context():
        coach_id, _ = add_jobcoach_organisation("Jobcoach Rijnmond", contact_name="Ans de Vries", email=COACH_EMAIL)
        db.session.commit()

    def new_placement(due: date | None = None, *, with_coach: bool = True) -> int:
        """A placement of Bakkerij Jansen by the advisor whose week-2 check-in falls due on `due` (default today)."""
        start = (due or today()) - timedelta(weeks=2)
        lead = intake_lead("Bakkerij Jansen", CONTACT_EMAIL, contact_name="Jan Jansen", owner_id=advisor.id)
        placement = placement_service.create_placement(
            db.session.get(Lead, lead.id),
            placement_input(candidate_ref="KL-2026-0815", start_date=start,
                            jobcoach_org=coach_id if with_coach else None),
            actor=db.session.get(User, advisor.id))
        return placement.id

    return Setting(partner_id, advisor, outsider, coach_id, new_placement)
