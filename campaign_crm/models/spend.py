"""Campaign spend per channel, phase and ad code, and which ad-platform ad belongs to which ad code."""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import NOT_PERSONAL, UTCDateTime, utcnow

if TYPE_CHECKING:
    from .campaigns import AdCode, Campaign, Channel, Phase
    from .users import User

# Where a spend row came from: typed in, or a line of an ad platform's spend export.
SPEND_SOURCES = {"manual": "Handmatig", "meta": "Meta Ads", "linkedin": "LinkedIn Ads"}


class SpendEntry(db.Model):
    """Money spent on the campaign in a period (both dates included), in whole euro cents."""

    __tablename__ = "campaign_spend"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id"))
    phase_id: Mapped[int | None] = mapped_column(ForeignKey("phases.id"))
    ad_code_id: Mapped[int | None] = mapped_column(ForeignKey("ad_codes.id"))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    amount_cents: Mapped[int]
    source: Mapped[str] = mapped_column(String(20), default="manual", info=NOT_PERSONAL)
    # For an imported row: the platform's ad or campaign id and the name it had in the export.
    external_id: Mapped[str | None] = mapped_column(String(80), info=NOT_PERSONAL)
    external_name: Mapped[str | None] = mapped_column(String(200), info=NOT_PERSONAL)
    note: Mapped[str] = mapped_column(String(200), default="", info=NOT_PERSONAL)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    campaign: Mapped[Campaign] = relationship()
    channel: Mapped[Channel] = relationship()
    phase: Mapped[Phase | None] = relationship()
    ad_code: Mapped[AdCode | None] = relationship()
    created_by: Mapped[User | None] = relationship()

    __table_args__ = (
        CheckConstraint("amount_cents >= 0", name="amount_not_negative"),
        CheckConstraint("ends_on >= starts_on", name="ends_on_or_after_start"),
        # Re-importing an export adds nothing: one row per platform ad per first day.
        UniqueConstraint("source", "external_id", "starts_on", name="uq_campaign_spend_source_external_day"),
        Index("ix_campaign_spend_period", "starts_on", "ends_on"),
    )

    @property
    def source_label(self) -> str:
        return SPEND_SOURCES.get(self.source, self.source)


class SpendMapping(db.Model):
    """An ad or campaign of an ad platform (source + its id) and the ad code it is booked on, chosen once."""

    __tablename__ = "spend_mappings"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(20), info=NOT_PERSONAL)
    external_id: Mapped[str] = mapped_column(String(80), info=NOT_PERSONAL)
    external_name: Mapped[str] = mapped_column(String(200), default="", info=NOT_PERSONAL)
    ad_code_id: Mapped[int] = mapped_column(ForeignKey("ad_codes.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    ad_code: Mapped[AdCode] = relationship()

    __table_args__ = (UniqueConstraint("source", "external_id", name="uq_spend_mappings_source_external_id"),)
