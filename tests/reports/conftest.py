"""Fixtures of the report tests. The hand-built region they work out on paper is the `report_dataset`
fixture of tests/conftest.py, described (lead by lead) at `tests.helpers.build_report_dataset`."""
from __future__ import annotations

from datetime import date

import pytest

from campaign_crm.extensions import db
from campaign_crm.models import Placement, User


@pytest.fixture
def make_report_placement(app, report_dataset):
    """make_report_placement(start, end=None, instrument="lks", ...) -> id: a plain placement insert on
    an employer of `report_dataset` (lead 1's by default), owned by Anna's partner unless told."""
    made = []

    def make(start: date, end: date | None = None, *, instrument: str = "lks", end_how: str | None = None,
             end_why: str | None = None, lead: int = 1, advisor: str = "anna") -> int:
        made.append(start)
        with app.app_context():
            owner = db.session.get(User, report_dataset.advisors[advisor])
            placement = Placement(
                reference=f"RPT-{len(made):04d}", partner_id=owner.partner_id, advisor_id=owner.id,
                lead_id=report_dataset.leads[lead], employer_id=report_dataset.employers[lead],
                candidate_ref=f"KL-{len(made):04d}", instrument=instrument, start_date=start, end_date=end,
                end_how=end_how or ("other" if end else None), end_why=end_why or ("unknown" if end else None),
            )
            db.session.add(placement)
            db.session.commit()
            return placement.id

    return make
