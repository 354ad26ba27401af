"""Who may do what: the one place for role and visibility checks, for views and the API.

Every view needs a logged-in user unless it is marked `@public`; the API authenticates
with bearer tokens instead and marks its blueprint public for the login check.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, Protocol

from flask import Flask, abort, current_app, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import ColumnElement, false, or_, select, true

from .models import ROLES, ApiToken, Employer, Lead, User

# The roles; code names a role only through these. `models.ROLES` gives each its label for people
# (the models cannot import this module), so the two must name the same roles.
ADMIN = "admin"
CAMPAIGN = "campaign"
TEAMLEAD = "teamlead"
ADVISOR = "advisor"
MANAGEMENT = "management"
if set(ROLES) != {ADMIN, CAMPAIGN, TEAMLEAD, ADVISOR, MANAGEMENT}:
    raise RuntimeError(f"models.ROLES ({', '.join(ROLES)}) and the role constants in permissions.py differ.")

# Roles that carry leads themselves: a team, a capacity, open leads, continuity.
CARRY_LEADS = (ADVISOR, TEAMLEAD)

# What each area of the application needs.
MANAGE_USERS = {ADMIN}
MANAGE_ORGANISATION = {ADMIN}
MANAGE_SETTINGS = {ADMIN}  # SLA, targets, schedules, retention periods
MANAGE_ADVISORS = {ADMIN, TEAMLEAD}  # routing profile and absences; team leads for their own team
REVIEW_AUDIT_LOG = {ADMIN}
WORK_LEADS = {ADMIN, CAMPAIGN, TEAMLEAD, ADVISOR}
READ_REPORTS = {ADMIN, CAMPAIGN, TEAMLEAD, MANAGEMENT}
RUN_CAMPAIGNS = {ADMIN, CAMPAIGN}  # campaigns, phases, channels, ad codes, events, imports
MERGE_EMPLOYERS = {ADMIN, CAMPAIGN, TEAMLEAD}


class Actor(Protocol):
    """A user or an API token: anything with a role and a partner."""

    role: str
    partner_id: int | None


def acting_user() -> User:
    """The logged-in user as a plain object, to hand to services (not the request proxy)."""
    return current_user._get_current_object()


def public(view: Callable) -> Callable:
    """Mark a view as reachable without logging in."""
    view.is_public = True  # type: ignore[attr-defined]
    return view


def roles_required(*roles: str) -> Callable:
    """Allow only users with one of these roles; others get 403."""
    allowed = set(roles)

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any):
            if not has_role(current_user, allowed):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def has_role(actor: Actor | Any, roles: set[str]) -> bool:
    return bool(getattr(actor, "is_authenticated", True)) and getattr(actor, "role", None) in roles


def visible_leads_clause(actor: User | ApiToken) -> ColumnElement[bool]:
    """A WHERE clause limiting leads to those whose work (notes, history) this actor may see.

    Users: admins and the campaign team see every lead; team leads their team's; advisors the
    leads of their own team (the owner's team) and their own. Any other advisor sees only that
    an employer has an open lead and with whom (on the employer page), not the lead itself.

    API tokens act as a role and a partner, not as a person or a team: admin and campaign
    tokens see every lead; advisor and team-lead tokens the leads owned by an advisor of their
    partner (a partner's own system reading its advisors' work); others none.
    """
    if actor.role in {ADMIN, CAMPAIGN}:
        return true()
    if isinstance(actor, ApiToken):
        if actor.role in {TEAMLEAD, ADVISOR} and actor.partner_id is not None:
            return Lead.owner_id.in_(select(User.id).where(User.partner_id == actor.partner_id))
        return false()
    if actor.role == TEAMLEAD:
        return Lead.team_id == actor.team_id if actor.team_id else false()
    if actor.role == ADVISOR:
        if actor.team_id:
            return or_(Lead.owner_id == actor.id, Lead.team_id == actor.team_id)
        return Lead.owner_id == actor.id
    return false()


# Pages a logged-in user without a second factor may still use when one is required.
TWO_FACTOR_EXEMPT = {"auth.two_factor_setup", "auth.logout"}


def init_access_control(app: Flask) -> None:
    """Send anonymous visitors of every non-public page to the login page."""

    @app.before_request
    def require_login():
        if request.endpoint is None or request.endpoint == "static":
            return None
        view = current_app.view_functions.get(request.endpoint)
        blueprint = current_app.blueprints.get(request.blueprint or "")
        if getattr(view, "is_public", False) or getattr(blueprint, "is_public", False):
            return None
        if not current_user.is_authenticated:
            return current_app.login_manager.unauthorized()
        if (current_app.config["REQUIRE_TWO_FACTOR"] and not current_user.has_two_factor
                and request.endpoint not in TWO_FACTOR_EXEMPT):
            return redirect(url_for("auth.two_factor_setup"))
        return None


def can_log_work(user: User, lead: Lead) -> bool:
    """Log contacts and move stages: the owner, the team's lead, the campaign team, admins."""
    if user.role in {ADMIN, CAMPAIGN}:
        return True
    if user.role == TEAMLEAD:
        return lead.team_id is not None and lead.team_id == user.team_id
    return user.role == ADVISOR and lead.owner_id == user.id


def can_reassign(user: User, lead: Lead) -> bool:
    """(Re)assign within and out of the team: team leads for their team, the campaign team, admins."""
    return user.role in {ADMIN, CAMPAIGN} or (user.role == TEAMLEAD and lead.team_id == user.team_id)


def can_take(user: User, lead: Lead) -> bool:
    """An advisor may pick up a waiting lead of their own team."""
    return (user.role == ADVISOR and lead.owner_id is None and lead.is_open
            and lead.team_id is not None and lead.team_id == user.team_id)


def can_manage_advisor(actor: User, user: User) -> bool:
    """Capacity, skills, municipalities, absences and backup: admins for anyone, team leads for their advisors."""
    if actor.role == ADMIN:
        return True
    return (actor.role == TEAMLEAD and user.role == ADVISOR
            and user.team_id is not None and user.team_id == actor.team_id)


def can_set_account_manager(user: User, employer: Employer, advisor: User | None) -> bool:
    """Make `advisor` (None: nobody) the employer's account manager, who then gets its next leads first.

    Admins and the campaign team: anyone. Team leads: only within their own team, so both the current
    account manager (if any) and the new one (if any) are in it; they take no employer from another
    team and give none to it. Advisors (and everyone else): never, not even themselves.
    """
    if user.role in {ADMIN, CAMPAIGN}:
        return True
    if user.role != TEAMLEAD or user.team_id is None:
        return False
    current = employer.account_manager
    return all(member is None or member.team_id == user.team_id for member in (current, advisor))
