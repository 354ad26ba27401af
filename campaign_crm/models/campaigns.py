"""Campaigns with their phases, and the channels leads arrive through."""
from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db

if TYPE_CHECKING:
    from .reference import Sector


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
