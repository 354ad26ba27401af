"""The outbox: queue a message in the caller's transaction (once per idempotency key), and send what is due.

A sender first claims messages with a conditional UPDATE (`queued`/`retry` and due, or `sending` for longer than
MAIL_SENDING_TIMEOUT_SECONDS after a sender died → `sending`, attempts + 1) and commits; on PostgreSQL the
candidates are read with FOR UPDATE SKIP LOCKED, so parallel senders take different messages without waiting. Only
the sender whose UPDATE changed the row sends it, so two senders never send one message twice. Each result is
committed at once: a message that went out is `sent`; one that failed waits MAIL_RETRY_SECONDS × 2^(attempts − 1)
(at most MAIL_MAX_RETRY_SECONDS) as `retry`, or is given up as `dead` after MAIL_MAX_ATTEMPTS attempts.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from ...extensions import db
from ...models import MailAttachment, OutboxMessage, User, utcnow
from ...models.mail import DEAD, QUEUED, RETRY, SENDING, SENT
from .. import audit
from ..errors import Conflict, ValidationError
from ..normalise import email as normalise_email
from .transport import MessageRefused, ServerUnavailable, Transport, for_config

logger = logging.getLogger("campaign_crm.mail")
MAX_RECIPIENTS = 50


@dataclass(frozen=True)
class Attachment:
    """A file to send with a message: an .ics invitation is `Attachment("uitnodiging.ics", "text/calendar", …)`."""

    filename: str
    content_type: str
    content: bytes


def queue(to: Sequence[str], subject: str, text: str, html: str | None = None, *, kind: str, key: str,
          attachments: Sequence[Attachment] = (), reference: str | None = None) -> OutboxMessage | None:
    """Add a message to the outbox in the current transaction (the caller commits it with the change that causes
    it). Returns None when a message with `key` exists already: the same notice is never queued twice."""
    recipients = list(dict.fromkeys(_address(address) for address in to))
    if not recipients or len(recipients) > MAX_RECIPIENTS:
        raise ValidationError(f"Een e-mail heeft 1 tot {MAX_RECIPIENTS} ontvangers.", {"to": "Aantal ontvangers."})
    subject = " ".join(subject.split())[:300]
    if not subject:
        raise ValidationError("Een e-mail heeft een onderwerp.", {"subject": "Verplicht."})
    if db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.key == key)) is not None:
        return None
    message = OutboxMessage(key=key[:200], kind=kind, reference=reference, recipients=recipients, subject=subject,
                            text=text, html=html, status=QUEUED, attempts=0, next_attempt_at=utcnow(),
                            attachments=[MailAttachment(filename=a.filename, content_type=a.content_type,
                                                        content=a.content) for a in attachments])
    if db.session.get_bind().dialect.name != "postgresql":
        db.session.add(message)  # SQLite runs one writing transaction at a time (and its SAVEPOINT would commit)
        return message
    try:
        with db.session.begin_nested():  # a parallel transaction may have queued the same key meanwhile
            db.session.add(message)
    except IntegrityError:
        return None
    return message


def _address(raw: str) -> str:
    return normalise_email(raw, "to")


@dataclass(frozen=True)
class Policy:
    """How the outbox retries, from the MAIL_* settings."""

    max_attempts: int = 8
    retry_seconds: int = 60
    max_retry_seconds: int = 3600
    sending_timeout: int = 600
    batch_size: int = 200
    keep_days: int = 30

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Policy:
        """The policy of the app's settings."""
        return cls(config["MAIL_MAX_ATTEMPTS"], config["MAIL_RETRY_SECONDS"], config["MAIL_MAX_RETRY_SECONDS"],
                   config["MAIL_SENDING_TIMEOUT_SECONDS"], config["MAIL_BATCH_SIZE"], config["MAIL_KEEP_DAYS"])

    def backoff(self, attempts: int) -> timedelta:
        """The wait after the `attempts`-th failed attempt: doubling from retry_seconds, at most max_retry_seconds."""
        return timedelta(seconds=min(self.max_retry_seconds, self.retry_seconds * 2 ** max(attempts - 1, 0)))


@dataclass
class SendReport:
    """What one sending run did, in counts."""

    sent: int = 0
    retrying: int = 0
    dead: int = 0
    purged: int = 0

    def summary(self) -> str:
        """The counts in one Dutch line (the CLI prints it, the task run keeps it)."""
        return (f"{self.sent} e-mails verstuurd, {self.retrying} mislukt (worden opnieuw geprobeerd), "
                f"{self.dead} opgegeven; {self.purged} oude berichten opgeruimd.")


def _claimable(now: datetime, policy: Policy):
    stale = now - timedelta(seconds=policy.sending_timeout)
    return or_(and_(OutboxMessage.status.in_((QUEUED, RETRY)), OutboxMessage.next_attempt_at <= now),
               and_(OutboxMessage.status == SENDING, OutboxMessage.claimed_at < stale))


def claim(policy: Policy, *, now: datetime) -> list[int]:
    """Take up to batch_size due messages for this sender (status `sending`, attempts + 1); the caller commits."""
    candidates = (select(OutboxMessage.id).where(_claimable(now, policy))
                  .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(policy.batch_size))
    if db.session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    claimed = []
    for message_id in db.session.scalars(candidates).all():
        taken = db.session.execute(
            update(OutboxMessage).where(OutboxMessage.id == message_id, _claimable(now, policy))
            .values(status=SENDING, claimed_at=now, attempts=OutboxMessage.attempts + 1)
            .execution_options(synchronize_session=False)
        ).rowcount
        if taken:
            claimed.append(message_id)
    return claimed


def send_due(config: Mapping[str, Any], *, now: datetime | None = None,
             transport: Transport | None = None) -> SendReport:
    """Send every message that is due, committing the claim and then each result on its own; then delete what was
    sent (or given up) more than MAIL_KEEP_DAYS ago."""
    now = now or utcnow()
    policy = Policy.from_config(config)
    report = SendReport()
    claimed = claim(policy, now=now)
    db.session.commit()
    transport = transport or for_config(config)
    try:
        for position, message_id in enumerate(claimed):
            message = db.session.get(OutboxMessage, message_id)
            try:
                transport.send(message)
            except ServerUnavailable as exc:  # nothing more goes out in this run: all that is left waits
                for waiting in claimed[position:]:
                    _failed(db.session.get(OutboxMessage, waiting), exc.reason, policy, report)
                db.session.commit()
                logger.warning("mail server unavailable; %d messages wait for a retry", len(claimed) - position)
                break
            except MessageRefused as exc:
                _failed(message, exc.reason, policy, report)
            except Exception as exc:  # one broken message must not stop the others
                logger.exception("mail %s could not be sent", message_id)
                _failed(message, f"onverwachte fout ({type(exc).__name__})", policy, report)
            else:
                _sent(message, report)
            db.session.commit()
    finally:
        transport.close()
    report.purged = purge(now - timedelta(days=policy.keep_days))
    db.session.commit()
    return report


def _sent(message: OutboxMessage, report: SendReport) -> None:
    done = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message.id, OutboxMessage.status == SENDING,
               OutboxMessage.claimed_at == message.claimed_at)
        .values(status=SENT, sent_at=utcnow(), last_error=None).execution_options(synchronize_session=False)
    ).rowcount
    db.session.expire(message)
    report.sent += 1 if done else 0


def _failed(message: OutboxMessage, reason: str, policy: Policy, report: SendReport) -> None:
    """Wait for the next attempt, or give up after the last one."""
    if message.attempts >= policy.max_attempts:
        message.status = DEAD
        report.dead += 1
    else:
        message.status = RETRY
        message.next_attempt_at = utcnow() + policy.backoff(message.attempts)
        report.retrying += 1
    message.last_error = f"Poging {message.attempts}: {reason}."[:300]


def purge(before: datetime) -> int:
    """Delete messages sent or given up before `before` (their attachments go with them)."""
    old = or_(and_(OutboxMessage.status == SENT, OutboxMessage.sent_at < before),
              and_(OutboxMessage.status == DEAD, OutboxMessage.created_at < before))
    ids = db.session.scalars(select(OutboxMessage.id).where(old)).all()
    if not ids:
        return 0
    db.session.execute(delete(MailAttachment).where(MailAttachment.message_id.in_(ids)))
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(ids)))
    return len(ids)


def retry(message: OutboxMessage, *, actor: User | None) -> None:
    """An administrator sends a given-up message again: back in the queue with its attempts reset; audited."""
    if message.status != DEAD:
        raise Conflict("Dit bericht is niet opgegeven en wordt al (opnieuw) verstuurd.")
    message.status, message.attempts, message.next_attempt_at = QUEUED, 0, utcnow()
    audit.record(actor, "mail_retried", message, kind=message.kind, last_error=message.last_error)
    message.last_error = None
    db.session.flush()


def dead_messages(limit: int = 50) -> list[OutboxMessage]:
    """Given-up messages, newest first, for the admin page."""
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.status == DEAD)
                                   .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc()).limit(limit)))


def status_counts() -> dict[str, int]:
    """Messages per status (one GROUP BY)."""
    rows = db.session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))
    return {status: count for status, count in rows}
