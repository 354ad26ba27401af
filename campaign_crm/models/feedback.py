"""Check-ins answered by link: the secret link each person asked at a check-in gets (the employer's contact, the
external jobcoach, and with consent the employee), the answer it brought, and the employee's consent.

Only the SHA-256 of a link's token is kept. The employee appears only through the placement's reference; their
e-mail address is kept for as long as they consent and the placement's retention allows.
"""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import NOT_PERSONAL, UTCDateTime, personal

if TYPE_CHECKING:
    from .employers import Contact
    from .placements import CheckIn, Placement
    from .users import User

# Who is asked: the same codes as a check-in's "with whom".
EMPLOYER, JOBCOACH, EMPLOYEE = "employer", "jobcoach", "employee"
ASKED_ROLES = {EMPLOYER: "Werkgever", JOBCOACH: "Jobcoach", EMPLOYEE: "Werknemer"}
PLACEMENT_TEXT = "retention_placement_months"


class CheckInLink(db.Model):
    """One person's secret link to the questions of one check-in, and their answer once given.

    The first mail carries `token_hash`'s token; the one reminder a second token (`reminder_token_hash`), so the
    link in the first mail keeps working. Either works until the answer, the expiry or the placement's end."""

    __tablename__ = "checkin_links"
    __table_args__ = (
        UniqueConstraint("checkin_id", "role"),
        Index("ix_checkin_links_open", "answered_at", "reminded_at", "sent_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    checkin_id: Mapped[int] = mapped_column(ForeignKey("checkins.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20), info=NOT_PERSONAL)
    # The employer's contact person who was asked (by reference: the address is read from the contact).
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, info=NOT_PERSONAL)
    reminder_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, info=NOT_PERSONAL)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    risk: Mapped[str | None] = mapped_column(String(10), info=NOT_PERSONAL)
    help_text: Mapped[str] = mapped_column(Text, default="",
                                           info=personal("vrije tekst over de werknemer", PLACEMENT_TEXT))
    wants_contact: Mapped[bool | None]

    checkin: Mapped[CheckIn] = relationship()
    contact: Mapped[Contact | None] = relationship()

    @property
    def role_label(self) -> str:
        return ASKED_ROLES.get(self.role, self.role)


class EmployeeVoice(db.Model):
    """The employee's consent to get the check-in questions by e-mail: who recorded it, when, to which text.

    Withdrawing it clears the address at once; the retention purge clears it after the placement ended."""

    __tablename__ = "employee_voices"

    placement_id: Mapped[int] = mapped_column(ForeignKey("placements.id", ondelete="CASCADE"), primary_key=True)
    email: Mapped[str | None] = mapped_column(String(254),
                                              info=personal("e-mailadres van de werknemer", PLACEMENT_TEXT))
    consent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    consent_text_version: Mapped[str] = mapped_column(String(40), info=NOT_PERSONAL)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    placement: Mapped[Placement] = relationship()
    recorded_by: Mapped[User | None] = relationship()

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None and bool(self.email)
