"""Outgoing e-mail: the outbox (one row per message, written in the transaction of the change that causes it, sent
later by `flask send-mail` or its periodic task), attachments, and each user's notice preferences."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import NOT_PERSONAL, UTCDateTime, personal, utcnow

QUEUED, SENDING, SENT, RETRY, DEAD = "queued", "sending", "sent", "retry", "dead"
MAIL_STATUSES = {
    QUEUED: "In de wachtrij",
    SENDING: "Wordt verstuurd",
    SENT: "Verstuurd",
    RETRY: "Mislukt, wordt opnieuw geprobeerd",
    DEAD: "Opgegeven",
}
KEPT = "MAIL_KEEP_DAYS dagen na verzending of opgeven (send-mail ruimt op)"


class OutboxMessage(db.Model):
    """One e-mail to send. `key` is its idempotency key (`lead-assigned:<assignment id>`, `digest:<user>:<day>`):
    a notice whose key exists already is not queued again."""

    __tablename__ = "mail_outbox"
    __table_args__ = (Index("ix_mail_outbox_status_next_attempt_at", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True, info=NOT_PERSONAL)
    kind: Mapped[str] = mapped_column(String(40), info=NOT_PERSONAL)
    reference: Mapped[str | None] = mapped_column(String(60), info=NOT_PERSONAL)  # e.g. "lead:12"
    recipients: Mapped[list[str]] = mapped_column(JSON, info=personal("e-mailadressen medewerkers", KEPT))
    subject: Mapped[str] = mapped_column(String(300), info=personal("onderwerp van een melding", KEPT))
    text: Mapped[str] = mapped_column(Text, info=personal("inhoud van een melding (namen van werkgevers)", KEPT))
    html: Mapped[str | None] = mapped_column(Text, info=personal("inhoud van een melding (namen van werkgevers)",
                                                                 KEPT))
    status: Mapped[str] = mapped_column(String(12), default=QUEUED, info=NOT_PERSONAL)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when a sender took it (status sending)
    # What went wrong, in Dutch with the SMTP code: never the server's own text (it may hold addresses).
    last_error: Mapped[str | None] = mapped_column(String(300), info=NOT_PERSONAL)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    attachments: Mapped[list[MailAttachment]] = relationship(
        back_populates="message", cascade="all, delete-orphan", passive_deletes=True, order_by="MailAttachment.id")

    @property
    def status_label(self) -> str:
        return MAIL_STATUSES.get(self.status, self.status)


class MailAttachment(db.Model):
    """A file sent with a message (an .ics invitation, say)."""

    __tablename__ = "mail_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("mail_outbox.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200), info=NOT_PERSONAL)
    content_type: Mapped[str] = mapped_column(String(100), info=NOT_PERSONAL)
    content: Mapped[bytes] = mapped_column(LargeBinary, info=personal("bijlage van een melding", KEPT))

    message: Mapped[OutboxMessage] = relationship(back_populates="attachments")


class NoticePreference(db.Model):
    """A user's choice for one kind of notice; without a row the notice is on."""

    __tablename__ = "notice_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), primary_key=True, info=NOT_PERSONAL)
    enabled: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
