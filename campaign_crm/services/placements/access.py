"""Who sees which placement, and who acted on it: what placements, check-ins, risk cases and jobcoach
signals all build on.

A placement concerns a jobseeker and belongs to the partner that placed them: only that partner's
advisors, team leads and campaign staff (and admins) see it and everything under it. For everyone
else it does not exist.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, false, select, true

from ...extensions import db
from ...models import ApiToken, Placement, User
from ...permissions import ADMIN, ADVISOR, CAMPAIGN, TEAMLEAD, Actor
from .. import audit

# Roles that work placements; of these, everyone but an admin only sees their own partner's.
WORK_PLACEMENTS = {ADMIN, CAMPAIGN, TEAMLEAD, ADVISOR}
PARTNER_ROLES = {CAMPAIGN, TEAMLEAD, ADVISOR}


def visible_placements_clause(actor: Actor) -> ColumnElement[bool]:
    """A WHERE clause limiting placements to those this user or API token may see.

    Admins see every placement; advisors, team leads and campaign staff (users and tokens alike)
    the placements of their own partner; everyone else (management, an actor without a partner)
    none: management reads aggregates, never a person.
    """
    if actor.role == ADMIN:
        return true()
    if actor.role in PARTNER_ROLES and actor.partner_id is not None:
        return Placement.partner_id == actor.partner_id
    return false()


def visible_placement(placement_id: int, actor: Actor, *, lock: bool = False) -> Placement | None:
    """The placement if `actor` may see it; None otherwise (to the caller: not found).

    `lock` (for a change) makes parallel changes of one placement wait for each other and then
    see each other's result (PostgreSQL; SQLite serialises writers anyway)."""
    query = select(Placement).where(Placement.id == placement_id, visible_placements_clause(actor))
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return db.session.scalar(query)


def user_of(actor: Actor | None) -> User | None:
    """The acting user, or None for an API token or a jobcoach (no login)."""
    return actor if isinstance(actor, User) else None


def record_change(actor: Actor | None, action: str, obj: Any, **detail: Any) -> None:
    """An audit entry by a user, or by an API token (named in the detail; the log's actor is a user)."""
    if isinstance(actor, ApiToken):
        detail["api_token"] = actor.name
    audit.record(user_of(actor), action, obj, **detail)
