"""Helpers for the public form tests: reading a page's hidden fields, a start time a person could
have taken, counting rows, and ad codes and events made through the services."""
from __future__ import annotations

import html
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from campaign_crm.extensions import db
from campaign_crm.models import (
    Campaign,
    Channel,
    Contact,
    Employer,
    Lead,
    Phase,
    Touchpoint,
    utcnow,
)
from campaign_crm.services.calendar import AMSTERDAM

# What a person types into the campaign form (municipality by CBS code: Rotterdam).
PERSON = {
    "employer_name": "Bakkerij Jansen", "municipality": "GM0599", "sector": "", "size": "", "kvk": "",
    "contact_name": "Jan Jansen", "function": "Eigenaar", "email": "jan@bakkerij-jansen.nl", "phone": "",
    "message": "", "how_heard": "", "how_heard_other": "", "consent": "y", "onderwerp": "",
}


def hidden_fields(page: str) -> dict[str, str]:
    """name → value of every hidden input on the page, as a browser would send them back."""
    fields = {}
    for tag in re.findall(r"<input[^>]*>", page):
        if 'type="hidden"' not in tag:
            continue
        name = re.search(r'name="([^"]*)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name:
            fields[html.unescape(name.group(1))] = html.unescape(value.group(1)) if value else ""
    return fields


def start_time(app, seconds_ago: float = 60) -> str:
    """A signed start time as if the page had been opened `seconds_ago` seconds ago."""
    from campaign_crm.blueprints.public.forms import start_token

    with app.test_request_context():
        return start_token(utcnow() - timedelta(seconds=seconds_ago))


def fill_in(client, app, landing: str = "/aanmelden", seconds_taken: float = 60, **typed) -> dict[str, str]:
    """Open `landing` (following redirects) and return what sending the form would post."""
    page = client.get(landing, follow_redirects=True)
    assert page.status_code == 200, page.status_code
    data = hidden_fields(page.get_data(as_text=True))
    data.update(PERSON)
    if seconds_taken is not None:
        data["started"] = start_time(app, seconds_taken)
    data.update(typed)
    return data


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def stored_counts(app) -> tuple[int, int, int, int]:
    """(employers, contacts, leads, touchpoints)."""
    return tuple(count(app, model) for model in (Employer, Contact, Lead, Touchpoint))


@pytest.fixture
def make_ad_code(app, campaign):
    """Registers an ad code through the service; returns its code."""
    from campaign_crm.services.campaigns import ad_codes

    def make(channel: str = "dagblad", phase: str | None = "launch", title: str = "AD Rotterdams Dagblad 12 mei",
             code: str | None = None, active: bool = True) -> str:
        with app.app_context():
            the_campaign = db.session.get(Campaign, campaign)
            ad = ad_codes.create_ad_code(
                title=title, campaign=the_campaign,
                channel=db.session.scalar(select(Channel).where(Channel.code == channel)),
                phase=db.session.scalar(select(Phase).where(Phase.campaign_id == campaign, Phase.code == phase)) if phase else None,
                code=code, actor=None,
            )
            ad.active = active
            db.session.commit()
            return ad.code

    return make


@pytest.fixture
def make_event(app, campaign):
    """Creates an event through the service; returns (id, slug)."""
    from campaign_crm.services.capture import events

    def make(title: str = "Livestream Anders kijken naar personeel", kind: str = "livestream",
             phase: str | None = "livestream", registration_open: bool = True) -> tuple[int, str]:
        with app.app_context():
            the_campaign = db.session.get(Campaign, campaign)
            event = events.create_event(the_campaign, events.EventInput(
                kind=kind, title=title, starts_at=datetime(2026, 6, 18, 15, 0, tzinfo=AMSTERDAM),
                ends_at=datetime(2026, 6, 18, 16, 30, tzinfo=AMSTERDAM),
                phase=db.session.scalar(select(Phase).where(Phase.campaign_id == campaign, Phase.code == phase)) if phase else None,
                external_ref="812 3456 7890", registration_open=registration_open,
            ), actor=None)
            db.session.commit()
            return event.id, event.slug

    return make
