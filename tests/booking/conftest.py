"""Fixtures of the booking tests: an advisor's weekly hours, a lead of an employer who just filled in the campaign
form with the offer (its secret) that lets them book, an ad code, and a real SMTP server for the browser test."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import time

import pytest
from sqlalchemy import select

from campaign_crm.extensions import db
from campaign_crm.models import AvailabilityHours, Campaign, Channel, Phase
from campaign_crm.services.booking import bookings
from campaign_crm.services.campaigns import ad_codes
from tests.helpers import SmtpServer, free_port, intake_lead


@dataclass
class Offered:
    lead_id: int
    token: str


@pytest.fixture
def weekly_hours(app):
    """weekly_hours(advisor_id, {weekday: [(start, end), ...]}) adds the advisor's weekly hours (made directly)."""

    def add(advisor_id: int, hours: dict[int, list[tuple[time, time]]]) -> None:
        with app.app_context():
            for weekday, blocks in hours.items():
                for start, end in blocks:
                    db.session.add(AvailabilityHours(user_id=advisor_id, weekday=weekday, starts_at=start,
                                                     ends_at=end))
            db.session.commit()

    return add


@pytest.fixture
def offered_lead(app, campaign):
    """offered_lead(name, owner_id=None, phone=None) -> Offered: a lead through the intake (the lead's contact has
    an e-mail address) and the offer made for it, committed."""
    made = []

    def make(name: str = "Bakkerij Jansen", *, owner_id: int | None = None, email: str | None = None) -> Offered:
        made.append(name)
        with app.app_context():
            lead = intake_lead(name, email or f"info@werkgever-{len(made)}.example", contact_name="Jan Jansen",
                               owner_id=owner_id, kind="form")
            token = bookings.open_offer(lead.id, lead.contact_id)
            db.session.commit()
            return Offered(lead.id, token)

    return make


@pytest.fixture
def smtp_server(app, monkeypatch, live_server) -> SmtpServer:
    """A running SMTP server on a free loopback port, set as the app's MAIL_SERVER; links in mails lead to the live
    server, so a browser can follow them."""
    server = SmtpServer(free_port())
    server.start()
    for key, value in {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": server.port, "MAIL_USE_TLS": False,
                       "MAIL_USERNAME": None, "MAIL_PASSWORD": None, "MAIL_FROM": "crm@test.example",
                       "MAIL_SMTP_TIMEOUT": 5, "PUBLIC_BASE_URL": live_server}.items():
        monkeypatch.setitem(app.config, key, value)
    yield server
    server.stop()


@pytest.fixture
def ad_code(app, campaign) -> str:
    """An ad in the newspaper (channel dagblad, phase launch); returns its code."""
    with app.app_context():
        ad = ad_codes.create_ad_code(
            title="AD Rotterdams Dagblad 12 mei", campaign=db.session.get(Campaign, campaign),
            channel=db.session.scalar(select(Channel).where(Channel.code == "dagblad")),
            phase=db.session.scalar(select(Phase).where(Phase.campaign_id == campaign, Phase.code == "launch")),
            actor=None)
        db.session.commit()
        return ad.code
