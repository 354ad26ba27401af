"""Fixtures of the public form tests: ad codes and events made through the services (reading a page's
hidden fields and filling in the form are in tests/helpers.py)."""
from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from campaign_crm.extensions import db
from campaign_crm.models import Campaign, Channel, Phase
from campaign_crm.services.calendar import AMSTERDAM
from campaign_crm.services.campaigns import ad_codes
from campaign_crm.services.capture import events


def _phase(campaign_id: int, code: str | None) -> Phase | None:
    if not code:
        return None
    return db.session.scalar(select(Phase).where(Phase.campaign_id == campaign_id, Phase.code == code))


@pytest.fixture
def make_ad_code(app, campaign):
    """Registers an ad code through the service; returns its code."""

    def make(channel: str = "dagblad", phase: str | None = "launch", title: str = "AD Rotterdams Dagblad 12 mei",
             code: str | None = None, active: bool = True) -> str:
        with app.app_context():
            the_campaign = db.session.get(Campaign, campaign)
            ad = ad_codes.create_ad_code(
                title=title, campaign=the_campaign,
                channel=db.session.scalar(select(Channel).where(Channel.code == channel)),
                phase=_phase(campaign, phase), code=code, actor=None,
            )
            ad.active = active
            db.session.commit()
            return ad.code

    return make


@pytest.fixture
def make_event(app, campaign):
    """Creates an event through the service; returns (id, slug)."""

    def make(title: str = "Livestream Anders kijken naar personeel", kind: str = "livestream",
             phase: str | None = "livestream", registration_open: bool = True) -> tuple[int, str]:
        with app.app_context():
            the_campaign = db.session.get(Campaign, campaign)
            event = events.create_event(the_campaign, events.EventInput(
                kind=kind, title=title, starts_at=datetime(2026, 6, 18, 15, 0, tzinfo=AMSTERDAM),
                ends_at=datetime(2026, 6, 18, 16, 30, tzinfo=AMSTERDAM),
                phase=_phase(campaign, phase),
                external_ref="812 3456 7890", registration_open=registration_open,
            ), actor=None)
            db.session.commit()
            return event.id, event.slug

    return make
