"""The last touch before the adviesgesprek, kept on the lead (`last_touch_channel_id`, `last_touch_phase_id`).

The first touch is the lead's own channel and phase, set when the intake creates it. The last touch is the
channel (and, on its own, the phase) of the lead's last touchpoint that carries one, at or before the
meeting (a lead without a meeting: its last such touchpoint); ties in time go to the touchpoint recorded
last (highest id). It depends on the lead's touchpoints and its meeting time, so whoever changes either
calls `refresh_last_touch` for the leads concerned: the intake, a stage change that sets the meeting, the
employer merge. The funnel then groups on a column of the lead instead of looking the touch up per lead.
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ScalarSelect, or_, select, update
from sqlalchemy.orm import aliased
from sqlalchemy.orm.util import identity_key

from ...extensions import db
from ...models import Lead, Touchpoint

LAST_TOUCH_COLUMNS = {"channel_id": "last_touch_channel_id", "phase_id": "last_touch_phase_id"}


def last_touch_lookup(column: str) -> ScalarSelect:
    """The `column` (channel_id or phase_id) of the last touch of the lead in the enclosing statement,
    or NULL when none of its touchpoints carries one: the definition, as a correlated scalar subquery.

    One backward step in ix_touchpoints_lead_last (lead_id, occurred_at, id, channel_id, phase_id),
    read from the index alone, on SQLite and PostgreSQL."""
    touch = aliased(Touchpoint, name=f"last_{column}")
    value = getattr(touch, column)
    return (select(value)
            .where(touch.lead_id == Lead.id, value.is_not(None),
                   or_(Lead.meeting_at.is_(None), touch.occurred_at <= Lead.meeting_at))
            .order_by(touch.occurred_at.desc(), touch.id.desc())
            .limit(1)
            .correlate(Lead)
            .scalar_subquery())


def refresh_last_touch(lead_ids: Iterable[int | None]) -> None:
    """Work out the last touch of these leads again, in one UPDATE (None ids are skipped); only flushes.

    Pending changes go to the database first (the touchpoints and meeting times it reads). Only leads
    whose last touch changes are written (no new row version, no `updated_at`, for the others); the
    leads the session holds read the two columns again on next use."""
    ids = sorted({lead_id for lead_id in lead_ids if lead_id is not None})
    if not ids:
        return
    db.session.flush()
    found = {target: last_touch_lookup(column) for column, target in LAST_TOUCH_COLUMNS.items()}
    changed = or_(*(getattr(Lead, target).is_distinct_from(value) for target, value in found.items()))
    db.session.execute(update(Lead).where(Lead.id.in_(ids), changed).values(found)
                       .execution_options(synchronize_session=False))
    for lead_id in ids:
        lead = db.session.identity_map.get(identity_key(Lead, lead_id))
        if lead is not None:
            db.session.expire(lead, list(LAST_TOUCH_COLUMNS.values()))
