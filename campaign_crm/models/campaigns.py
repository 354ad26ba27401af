"""Campaigns with their phases, and the channels leads arrive through."""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, personal, utcnow

if TYPE_CHECKING:
    from .employers import Contact, Employer
    from .leads import Lead
    from .reference import Sector
    from .users import User


class Campaign(db.Model):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]
    active: Mapped[bool] = mapped_column(default=True)

    phases: Mapped[list[Phase]] = relationship(
        back_populates="campaign", order_by="Phase.starts_on", cascade="all, delete-orphan"
    )


class Phase(db.Model):
    __tablename__ = "phases"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(160))
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]
    sector_id: Mapped[int | None] = mapped_column(ForeignKey("sectors.id"))

    campaign: Mapped[Campaign] = relationship(back_populates="phases")
    sector: Mapped[Sector | None] = relationship()

    __table_args__ = (UniqueConstraint("campaign_id", "code", name="uq_phases_campaign_code"),)


class Channel(db.Model):
    __tablename__ = "channels"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    sort_order: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)

    utm_mappings: Mapped[list[ChannelUtm]] = relationship(
        back_populates="channel", cascade="all, delete-orphan"
    )


class ChannelUtm(db.Model):
    """A utm_source (and optionally utm_medium) value that means this channel; lower case."""

    __tablename__ = "channel_utm"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    utm_source: Mapped[str] = mapped_column(String(80))
    utm_medium: Mapped[str] = mapped_column(String(80), default="")

    channel: Mapped[Channel] = relationship(back_populates="utm_mappings")

    __table_args__ = (
        UniqueConstraint("utm_source", "utm_medium", name="uq_channel_utm_source_medium"),
    )


class AdCode(db.Model):
    """A printed or online ad with its own short code, short URL (/a/<code>) and QR code."""

    __tablename__ = "ad_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    phase_id: Mapped[int | None] = mapped_column(ForeignKey("phases.id"))
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id"))
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    campaign: Mapped[Campaign] = relationship()
    phase: Mapped[Phase | None] = relationship()
    channel: Mapped[Channel] = relationship()
    created_by: Mapped[User | None] = relationship()


EVENT_KINDS = {"livestream": "Livestream", "meeting": "Bijeenkomst"}


class Event(db.Model):
    """A livestream or meeting that employers register for and attend."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    phase_id: Mapped[int | None] = mapped_column(ForeignKey("phases.id"))
    kind: Mapped[str] = mapped_column(String(20), default="livestream")
    title: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    external_ref: Mapped[str | None] = mapped_column(String(80), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    registration_open: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    campaign: Mapped[Campaign] = relationship()
    phase: Mapped[Phase | None] = relationship()
    registrations: Mapped[list[EventRegistration]] = relationship(
        back_populates="event", order_by="EventRegistration.id", cascade="all, delete-orphan"
    )


class EventRegistration(db.Model):
    """One person's registration for an event, with attendance summed over all joins."""

    __tablename__ = "event_registrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254), info=personal("contactgegevens", "retention_contact_months"))
    employer_id: Mapped[int | None] = mapped_column(ForeignKey("employers.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id"), index=True)
    registered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attended: Mapped[bool] = mapped_column(default=False)
    minutes_watched: Mapped[int] = mapped_column(default=0)
    asked_for_contact: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[Event] = relationship(back_populates="registrations")
    employer: Mapped[Employer | None] = relationship()
    contact: Mapped[Contact | None] = relationship()
    lead: Mapped[Lead | None] = relationship()

    __table_args__ = (
        UniqueConstraint("event_id", "email", name="uq_event_registrations_event_email"),
        Index("ix_event_registrations_event", "event_id"),
    )
