"""Audit entries for changes and for reads of personal data."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ..extensions import db
from ..models import AuditEvent, User


def record(actor: User | None, action: str, obj: Any, **detail: Any) -> AuditEvent:
    """Add an audit entry for `obj` in the current transaction."""
    return record_about(actor, action, obj.__tablename__, getattr(obj, "id", None), **detail)


def record_about(actor: User | None, action: str, object_type: str, object_id: int | None = None,
                 **detail: Any) -> AuditEvent:
    """Add an audit entry about something that is not one row (the settings, a purge run)."""
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        action=action,
        object_type=object_type,
        object_id=object_id,
        detail=detail,
    )
    db.session.add(event)
    return event


def record_read(actor: User, obj: Any) -> AuditEvent:
    """Log that `actor` looked at a record with personal data."""
    return record(actor, "read", obj)


def recent_events(*, object_type: str | None = None, actor_id: int | None = None, action: str | None = None):
    """A query for the audit log, newest first (the caller paginates)."""
    query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if object_type:
        query = query.where(AuditEvent.object_type == object_type)
    if actor_id:
        query = query.where(AuditEvent.actor_id == actor_id)
    if action:
        query = query.where(AuditEvent.action == action)
    return query
