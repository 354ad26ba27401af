"""Fixtures of the report tests. The hand-built region they work out on paper is the `report_dataset`
fixture of tests/conftest.py, described (lead by lead) at `tests.helpers.build_report_dataset`."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from campaign_crm.extensions import db
from campaign_crm.models import Placement, Touchpoint, User
from campaign_crm.services.calendar import AMSTERDAM
from campaign_crm.services.leads import attribution


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


# Touchpoints `last_touch_dataset` adds to `report_dataset`, in this order (ids rise in it), as
# (lead, local time, channel, phase). Lead 3 has three at one moment, lead 6 one exactly at its meeting
# (22 Jun 10:00) and one a second after it, lead 7 a channel and a later phase on separate touchpoints,
# lead 5 one that happened before the lead was created (an older row imported later).
LAST_TOUCH_EXTRA = [
    (3, (2026, 6, 10, 12, 0, 0), "facebook", None),
    (3, (2026, 6, 10, 12, 0, 0), "instagram", None),
    (3, (2026, 6, 10, 12, 0, 0), None, None),
    (6, (2026, 6, 22, 10, 0, 0), "website", None),
    (6, (2026, 6, 22, 10, 0, 1), "facebook", "zorg"),
    (7, (2026, 6, 15, 12, 0, 0), "linkedin", None),
    (7, (2026, 6, 20, 12, 0, 0), None, "launch"),
    (5, (2026, 5, 1, 12, 0, 0), "vakblad", "livestream"),
]


@pytest.fixture
def last_touch_dataset(app, report_dataset):
    """`report_dataset` with the touchpoints of LAST_TOUCH_EXTRA: ties, a touch at and one after the meeting,
    channel and phase from different touchpoints, a touch dated before its lead; the stored last touch
    worked out again, as the intake does for the touchpoints it records."""
    with app.app_context():
        for key, moment, channel, phase in LAST_TOUCH_EXTRA:
            db.session.add(Touchpoint(
                kind="form", occurred_at=datetime(*moment, tzinfo=AMSTERDAM), employer_id=report_dataset.employers[key],
                lead_id=report_dataset.leads[key], channel_id=report_dataset.channels.get(channel),
                phase_id=report_dataset.phases.get(phase)))
            db.session.flush()  # one at a time, so the ids follow the list
        attribution.refresh_last_touch(report_dataset.leads.values())
        db.session.commit()
    return report_dataset
