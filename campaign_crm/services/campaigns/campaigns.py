"""Campaigns and their phases, and the channels (with UTM values) that leads arrive through."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ...extensions import db
from ...models import (
    Campaign,
    Channel,
    ChannelUtm,
    Lead,
    Phase,
    Sector,
    Touchpoint,
    User,
)
from .. import audit
from ..errors import ValidationError


@dataclass
class PhaseInput:
    code: str
    name: str
    starts_on: date
    ends_on: date | None = None
    sector: Sector | None = None


def create_campaign(*, code: str, name: str, starts_on: date, ends_on: date | None = None,
                    phases: list[PhaseInput] = (), actor: User | None = None) -> Campaign:
    """A campaign with its phases; codes are lower case and unique."""
    code = code.strip().lower()
    errors: dict[str, str] = {}
    if not code:
        errors["code"] = "Geef de campagne een code."
    elif db.session.scalar(select(Campaign.id).where(Campaign.code == code)):
        errors["code"] = f"De code {code!r} is al in gebruik."
    if not name.strip():
        errors["name"] = "Geef de campagne een naam."
    if ends_on is not None and ends_on < starts_on:
        errors["ends_on"] = "De einddatum ligt voor de begindatum."
    if errors:
        raise ValidationError("De campagne is niet aangemaakt: " + " ".join(errors.values()), errors)
    campaign = Campaign(code=code, name=name.strip(), starts_on=starts_on, ends_on=ends_on)
    db.session.add(campaign)
    for phase in phases:
        add_phase(campaign, phase, actor=None)
    db.session.flush()
    audit.record(actor, "campaign_created", campaign, code=code)
    return campaign


def add_phase(campaign: Campaign, data: PhaseInput, *, actor: User | None) -> Phase:
    """Add a phase; its code is unique within the campaign and its dates must make sense."""
    code = data.code.strip().lower()
    errors: dict[str, str] = {}
    if not code:
        errors["code"] = "Geef de fase een code."
    elif any(p.code == code for p in campaign.phases):
        errors["code"] = f"De fase {code!r} bestaat al in deze campagne."
    if not data.name.strip():
        errors["name"] = "Geef de fase een naam."
    if data.ends_on is not None and data.ends_on < data.starts_on:
        errors["ends_on"] = "De einddatum ligt voor de begindatum."
    if errors:
        raise ValidationError("De fase is niet toegevoegd: " + " ".join(errors.values()), errors)
    phase = Phase(code=code, name=data.name.strip(), starts_on=data.starts_on, ends_on=data.ends_on, sector=data.sector)
    campaign.phases.append(phase)
    db.session.flush()
    if actor is not None:
        audit.record(actor, "phase_added", campaign, phase=code)
    return phase


def update_campaign(campaign: Campaign, *, name: str, starts_on: date, ends_on: date | None, active: bool,
                    actor: User | None) -> Campaign:
    """Change a campaign's name, dates or whether it is the running one (its code stays: links use it)."""
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = "Geef de campagne een naam."
    if ends_on is not None and ends_on < starts_on:
        errors["ends_on"] = "De einddatum ligt voor de begindatum."
    if errors:
        raise ValidationError("De campagne is niet opgeslagen: " + " ".join(errors.values()), errors)
    campaign.name, campaign.starts_on, campaign.ends_on, campaign.active = name.strip(), starts_on, ends_on, active
    db.session.flush()
    audit.record(actor, "campaign_updated", campaign, name=campaign.name, active=active)
    return campaign


@dataclass
class CampaignRow:
    campaign: Campaign
    leads: int
    touchpoints: int


def campaign_overview() -> list[CampaignRow]:
    """Every campaign, newest first, with its number of leads and touchpoints (two GROUP BY queries)."""
    leads = dict(db.session.execute(
        select(Lead.campaign_id, func.count()).where(Lead.campaign_id.is_not(None)).group_by(Lead.campaign_id)
    ).all())
    touchpoints = dict(db.session.execute(
        select(Touchpoint.campaign_id, func.count()).where(Touchpoint.campaign_id.is_not(None))
        .group_by(Touchpoint.campaign_id)
    ).all())
    campaigns = db.session.scalars(select(Campaign).order_by(Campaign.starts_on.desc(), Campaign.id.desc()))
    return [CampaignRow(c, leads.get(c.id, 0), touchpoints.get(c.id, 0)) for c in campaigns]


def leads_per_phase(campaign: Campaign) -> dict[int, int]:
    """Phase id → number of leads attributed to that phase (first touch)."""
    return dict(db.session.execute(
        select(Lead.phase_id, func.count()).where(Lead.campaign_id == campaign.id, Lead.phase_id.is_not(None))
        .group_by(Lead.phase_id)
    ).all())


# --- channels and their UTM values ---------------------------------------------------------------

CHANNEL_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{1,39}$")


def add_channel(*, code: str, name: str, actor: User | None) -> Channel:
    """A new channel, placed after the existing ones; codes are lower case and unique."""
    code = code.strip().lower()
    errors: dict[str, str] = {}
    if not CHANNEL_CODE.match(code):
        errors["code"] = "Een kanaalcode heeft 2 tot 40 kleine letters, cijfers, - of _."
    elif db.session.scalar(select(Channel.id).where(Channel.code == code)):
        errors["code"] = f"Het kanaal {code!r} bestaat al."
    if not name.strip():
        errors["name"] = "Geef het kanaal een naam."
    elif len(name.strip()) > 80:
        errors["name"] = "Een kanaalnaam heeft hoogstens 80 tekens."
    if errors:
        raise ValidationError("Het kanaal is niet toegevoegd: " + " ".join(errors.values()), errors)
    last = db.session.scalar(select(func.max(Channel.sort_order))) or 0
    channel = Channel(code=code, name=name.strip(), sort_order=last + 1, active=True)
    db.session.add(channel)
    db.session.flush()
    audit.record(actor, "channel_created", channel, code=code)
    return channel


def set_channel_active(channel: Channel, active: bool, *, actor: User | None) -> Channel:
    """An inactive channel is no longer offered on forms and for new ad codes; history keeps it."""
    channel.active = active
    db.session.flush()
    audit.record(actor, "channel_activated" if active else "channel_deactivated", channel, code=channel.code)
    return channel


def add_utm_mapping(channel: Channel, *, source: str, medium: str = "", actor: User | None) -> ChannelUtm:
    """Let a utm_source (optionally with utm_medium) mean this channel; values are stored lower case."""
    source, medium = source.strip().lower(), (medium or "").strip().lower()
    errors: dict[str, str] = {}
    if not source:
        errors["utm_source"] = "Vul een utm_source in."
    elif len(source) > 80:
        errors["utm_source"] = "Hoogstens 80 tekens."
    if len(medium) > 80:
        errors["utm_medium"] = "Hoogstens 80 tekens."
    if not errors:
        taken = db.session.scalar(
            select(ChannelUtm).where(ChannelUtm.utm_source == source, ChannelUtm.utm_medium == medium)
        )
        if taken is not None:
            errors["utm_source"] = (f"utm_source={source}" + (f" met utm_medium={medium}" if medium else "")
                                    + f" hoort al bij kanaal {taken.channel.name}.")
    if errors:
        raise ValidationError("De UTM-koppeling is niet toegevoegd: " + " ".join(errors.values()), errors)
    mapping = ChannelUtm(utm_source=source, utm_medium=medium)
    channel.utm_mappings.append(mapping)
    db.session.flush()
    audit.record(actor, "utm_mapping_added", channel, utm_source=source, utm_medium=medium)
    return mapping


def remove_utm_mapping(mapping: ChannelUtm, *, actor: User | None) -> None:
    """Forget a UTM mapping; touchpoints keep their raw utm_* values and their channel."""
    channel = mapping.channel
    audit.record(actor, "utm_mapping_removed", channel, utm_source=mapping.utm_source, utm_medium=mapping.utm_medium)
    channel.utm_mappings.remove(mapping)
    db.session.flush()


@dataclass
class ChannelRow:
    channel: Channel
    leads: int


def channel_overview() -> list[ChannelRow]:
    """Every channel in menu order with its UTM mappings and the number of leads it brought (first touch)."""
    leads = dict(db.session.execute(
        select(Lead.channel_id, func.count()).where(Lead.channel_id.is_not(None)).group_by(Lead.channel_id)
    ).all())
    channels = db.session.scalars(
        select(Channel).options(selectinload(Channel.utm_mappings)).order_by(Channel.sort_order, Channel.id)
    )
    return [ChannelRow(c, leads.get(c.id, 0)) for c in channels]


def active_channels() -> list[Channel]:
    """Channels offered on forms and for new ad codes, in menu order."""
    return list(db.session.scalars(
        select(Channel).where(Channel.active.is_(True)).order_by(Channel.sort_order, Channel.id)))
