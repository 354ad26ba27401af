"""Bookable hours of advisors (weekly hours and exceptions) and the adviesgesprekken employers book themselves: the
offer behind the thank-you page, the booking with its reference and secret link, and the claimed time cells that
keep two bookings of one advisor from overlapping."""
from __future__ import annotations

from datetime import date, datetime, time
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import NOT_PERSONAL, UTCDateTime, utcnow

if TYPE_CHECKING:
    from .employers import Contact
    from .leads import Lead
    from .meetings import Meeting
    from .users import User

WEEKDAYS = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")
BLOCKED, EXTRA = "blocked", "extra"
EXCEPTION_KINDS = {BLOCKED: "Niet beschikbaar", EXTRA: "Extra uren"}
# How an employer meets the advisor: the meeting's place kind.
BOOKING_PLACES = {"phone": "Telefonisch", "video": "Videogesprek", "address": "Op uw bedrijf"}
CALLBACK_PARTS = {"ochtend": "in de ochtend (9.00–12.00 uur)", "middag": "in de middag (13.00–17.00 uur)"}
BOOKED, CANCELLED = "booked", "cancelled"


class AvailabilityHours(db.Model):
    """Recurring bookable hours of an advisor: every week on `weekday` (0 = Monday) from `starts_at` to `ends_at`,
    Amsterdam time."""

    __tablename__ = "availability_hours"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int]
    starts_at: Mapped[time] = mapped_column(Time)
    ends_at: Mapped[time] = mapped_column(Time)

    @property
    def weekday_label(self) -> str:
        return WEEKDAYS[self.weekday]


class AvailabilityException(db.Model):
    """One date that differs from the week: not bookable at all (`blocked`), or bookable for extra hours (`extra`,
    from `starts_at` to `ends_at`)."""

    __tablename__ = "availability_exceptions"
    __table_args__ = (
        Index("ix_availability_exceptions_user_id_day", "user_id", "day"),
        CheckConstraint("kind = 'blocked' OR (starts_at IS NOT NULL AND ends_at > starts_at)",
                        name="extra_has_hours"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    day: Mapped[date]
    kind: Mapped[str] = mapped_column(String(10), info=NOT_PERSONAL)
    starts_at: Mapped[time | None] = mapped_column(Time)
    ends_at: Mapped[time | None] = mapped_column(Time)

    @property
    def kind_label(self) -> str:
        return EXCEPTION_KINDS.get(self.kind, self.kind)


class BookingOffer(db.Model):
    """The step after the campaign form or an event sign-up: the employer's secret (only its SHA-256 is kept) lets
    them book an adviesgesprek on the lead, or ask to be called back, until it expires."""

    __tablename__ = "booking_offers"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, info=NOT_PERSONAL)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    callback_part: Mapped[str | None] = mapped_column(String(10), info=NOT_PERSONAL)
    callback_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    lead: Mapped[Lead] = relationship()
    contact: Mapped[Contact | None] = relationship()


class Booking(db.Model):
    """An adviesgesprek an employer booked: its meeting, the advisor, a short reference to quote, and the secret link
    (only its SHA-256) to move or cancel it until the meeting has ended."""

    __tablename__ = "bookings"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(12), unique=True, info=NOT_PERSONAL)
    offer_id: Mapped[int] = mapped_column(ForeignKey("booking_offers.id", ondelete="CASCADE"), unique=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), unique=True)
    advisor_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    manage_token_hash: Mapped[str] = mapped_column(String(64), unique=True, info=NOT_PERSONAL)
    status: Mapped[str] = mapped_column(String(10), default=BOOKED, info=NOT_PERSONAL)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    offer: Mapped[BookingOffer] = relationship()
    meeting: Mapped[Meeting] = relationship()
    advisor: Mapped[User] = relationship()


class SlotClaim(db.Model):
    """One quarter of an hour of an advisor's time taken by a booking (its meeting and the buffer after it). The
    unique constraint makes the database refuse a second booking of the same time, whatever the application checked."""

    __tablename__ = "booking_slot_claims"
    __table_args__ = (UniqueConstraint("advisor_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    advisor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), index=True)
