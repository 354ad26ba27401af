"""Meetings with an employer (adviesgesprek, company visit, call, video call, Harrie training), who attends them,
and each user's calendar feed."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import NOT_PERSONAL, UTCDateTime, personal, utcnow

if TYPE_CHECKING:
    from .employers import Contact
    from .leads import Lead
    from .users import User

MEETING_KINDS = {
    "adviesgesprek": "Adviesgesprek",
    "bedrijfsbezoek": "Bedrijfsbezoek",
    "telefoongesprek": "Telefoongesprek",
    "videogesprek": "Videogesprek",
    "harrie_training": "Harrie-training",
}
PLACE_KINDS = {"address": "Adres", "phone": "Telefoon", "video": "Videolink"}
PLANNED, HELD, CANCELLED = "planned", "held", "cancelled"
MEETING_STATUSES = {PLANNED: "Gepland", HELD: "Gehouden", CANCELLED: "Geannuleerd"}
LEAD_TEXT = "retention_lead_text_months"


class Meeting(db.Model):
    """A meeting with an employer on a lead. `uid` names it in every calendar for good; `sequence` counts the
    changes (RFC 5545 SEQUENCE), so a calendar replaces an older version of the invitation with a newer one."""

    __tablename__ = "meetings"
    __table_args__ = (
        Index("ix_meetings_organiser_id_starts_at", "organiser_id", "starts_at"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(255), unique=True, info=NOT_PERSONAL)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    organiser_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(20), info=NOT_PERSONAL)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place_kind: Mapped[str] = mapped_column(String(10), info=NOT_PERSONAL)
    # An address, a phone number or a video link, as the invitation gives it.
    place: Mapped[str] = mapped_column(String(500), info=personal("plaats of telefoonnummer van een afspraak",
                                                                  LEAD_TEXT))
    note: Mapped[str] = mapped_column(Text, default="", info=personal("toelichting bij een afspraak (vrije tekst)",
                                                                      LEAD_TEXT))
    status: Mapped[str] = mapped_column(String(10), default=PLANNED, info=NOT_PERSONAL)
    outcome: Mapped[str] = mapped_column(Text, default="", info=personal("gespreksverslag (vrije tekst)", LEAD_TEXT))
    sequence: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    lead: Mapped[Lead] = relationship()
    organiser: Mapped[User] = relationship()
    attendees: Mapped[list[MeetingAttendee]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", passive_deletes=True, order_by="MeetingAttendee.id")

    @property
    def kind_label(self) -> str:
        return MEETING_KINDS.get(self.kind, self.kind)

    @property
    def place_kind_label(self) -> str:
        return PLACE_KINDS.get(self.place_kind, self.place_kind)

    @property
    def status_label(self) -> str:
        return MEETING_STATUSES.get(self.status, self.status)


class MeetingAttendee(db.Model):
    """One attendee besides the organiser: a contact person of the employer or a colleague (a user). Names and
    e-mail addresses are read from those records, so erasing a contact leaves none behind here."""

    __tablename__ = "meeting_attendees"
    __table_args__ = (
        CheckConstraint("(contact_id IS NULL) <> (user_id IS NULL)", name="contact_or_user"),
        # Each person once per meeting; the contact or user first, so the constraint also finds their meetings.
        UniqueConstraint("contact_id", "meeting_id"),
        UniqueConstraint("user_id", "meeting_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))

    meeting: Mapped[Meeting] = relationship(back_populates="attendees")
    contact: Mapped[Contact | None] = relationship()
    user: Mapped[User | None] = relationship()

    @property
    def name(self) -> str:
        person = self.contact or self.user
        return (person.name if person is not None else "") or ""

    @property
    def email(self) -> str | None:
        person = self.contact or self.user
        return person.email if person is not None else None


class CalendarFeed(db.Model):
    """A user's calendar subscription link: only the SHA-256 of its secret is kept; a new link replaces the old."""

    __tablename__ = "calendar_feeds"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, info=NOT_PERSONAL)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
