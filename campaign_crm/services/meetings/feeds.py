"""Each user's calendar feed: a secret link that Outlook or Google subscribes to. Only the SHA-256 of the secret
is stored, so the link is shown once, when it is made; a new link replaces the old one, which then stops working,
and a revoked link leaves the user without one."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete, select

from ...extensions import db
from ...models import User, utcnow
from ...models.meetings import CalendarFeed
from .. import audit

MAX_TOKEN_LENGTH = 100
USE_RECORDED_EVERY = timedelta(hours=1)  # when the feed was last fetched, without a write on every fetch


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def feed_of(user: User) -> CalendarFeed | None:
    return db.session.get(CalendarFeed, user.id)


def renew(user: User, *, actor: User) -> str:
    """Give `user` a new feed link (the old one stops working); returns the secret, the only time it is known."""
    raw = secrets.token_urlsafe(32)
    feed = feed_of(user)
    if feed is None:
        feed = CalendarFeed(user_id=user.id)
        db.session.add(feed)
    feed.token_hash, feed.created_at, feed.last_used_at = _digest(raw), utcnow(), None
    db.session.flush()
    audit.record_about(actor, "calendar_feed_renewed", "users", user.id)
    return raw


def revoke(user: User, *, actor: User) -> bool:
    """Stop `user`'s feed link; False when there was none."""
    gone = db.session.execute(delete(CalendarFeed).where(CalendarFeed.user_id == user.id)).rowcount
    if gone:
        audit.record_about(actor, "calendar_feed_revoked", "users", user.id)
    return bool(gone)


def user_for_token(raw: str | None) -> User | None:
    """The active user behind a feed secret; None for an unknown, replaced or revoked one, or an inactive user."""
    if not raw or len(raw) > MAX_TOKEN_LENGTH:
        return None
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.token_hash == _digest(raw)))
    if feed is None or not feed.user.active:
        return None
    now = utcnow()
    if feed.last_used_at is None or now - feed.last_used_at > USE_RECORDED_EVERY:
        feed.last_used_at = now
    return feed.user
