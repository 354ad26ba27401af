"""Audit entries for changes and for reads of personal data (how admins read them: `privacy.audit_log`)."""
from __future__ import annotations

from typing import Any

from limits import parse as parse_limit
from sqlalchemy import insert

from ..extensions import db, limiter
from ..models import AuditEvent, User

ORIGIN_KEY = "audit_origin"
OK, REFUSED, FAILED = "ok", "refused", "failed"


def set_origin(origin: str | None) -> None:
    """Stamp where the current unit of work comes from (an IP address, "cli"); entries written in it carry it.

    The request boundary or CLI command calls this, so services need not pass the origin along.
    """
    db.session.info[ORIGIN_KEY] = (origin or "")[:45] or None


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for the fields whose value differs, as JSON-safe values."""
    return {key: [_plain(before.get(key)), _plain(value)] for key, value in after.items()
            if before.get(key) != value}


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def record(actor: User | None, action: str, obj: Any, *, outcome: str = OK, origin: str | None = None,
           **detail: Any) -> AuditEvent:
    """Add an audit entry for `obj` in the current transaction."""
    return record_about(actor, action, obj.__tablename__, getattr(obj, "id", None), outcome=outcome, origin=origin,
                        **detail)


def record_about(actor: User | None, action: str, object_type: str, object_id: int | None = None, *,
                 outcome: str = OK, origin: str | None = None, **detail: Any) -> AuditEvent:
    """Add an audit entry about something that is not one row (the settings, a purge run).

    A `changes` detail is {field: [old, new]}; an empty one is left out.
    """
    if "changes" in detail and not detail["changes"]:
        del detail["changes"]
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        action=action,
        object_type=object_type,
        object_id=object_id,
        origin=origin or db.session.info.get(ORIGIN_KEY),
        outcome=outcome,
        detail=detail,
    )
    db.session.add(event)
    return event


def refusal_worth_recording(*key: str) -> bool:
    """True at most once a minute per key (user and path, account): refusals are logged, not flooded."""
    return limiter.limiter.hit(parse_limit("1 per minute"), "audit-refusal", *key)


def record_read(actor: User, obj: Any) -> AuditEvent:
    """Log that `actor` looked at a record with personal data."""
    return record(actor, "read", obj)


def record_reads(actor: User, object_type: str, object_ids: list[int]) -> None:
    """Log that `actor` saw these records with personal data: one read entry each, written in one statement
    (a list page costs the same number of statements however many records it shows)."""
    if object_ids:
        origin = db.session.info.get(ORIGIN_KEY)
        db.session.execute(insert(AuditEvent), [
            {"actor_id": actor.id, "action": "read", "object_type": object_type, "object_id": object_id,
             "origin": origin, "outcome": OK, "detail": {}} for object_id in object_ids])
