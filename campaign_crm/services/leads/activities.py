"""Work logged on a lead: activities with an outcome and a next action, and each user's open next actions
(the lead's timeline, which shows them, is read in `queries`).

An adviesgesprek that is logged *is* the stage `meeting` (the stage means "adviesgesprek
held"), so logging one on a lead before that stage moves the lead there, at the activity's time.

An activity may plan a next action (what, by when). It stays open until someone who works the lead
marks it done or drops it, or logs an activity that says it completes it; until then it is on its
author's "Mijn acties", grouped as overdue, today, this week and later. A closed lead's actions no
longer show.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import joinedload

from ...extensions import db
from ...models import (
    OPEN_STAGES,
    STAGES,
    Activity,
    Lead,
    LeadStageEvent,
    User,
    utcnow,
)
from ...models.placements import (
    ACTIVITY_KINDS,
    NEXT_ACTION_DONE,
    NEXT_ACTION_DROPPED,
    NEXT_ACTION_NONE,
    NEXT_ACTION_OPEN,
)
from ...permissions import visible_leads_clause
from .. import audit
from ..calendar import today
from ..errors import Conflict, ValidationError
from ..normalise import refuse_bsn
from . import lifecycle as lead_service
from . import queries

MAX_OUTCOME = 5000
MAX_NEXT_ACTION = 300  # the column's length


@dataclass(frozen=True)
class ActivityInput:
    """What a user logs; `occurred_at` None means now."""

    kind: str
    outcome: str = ""
    occurred_at: datetime | None = None
    next_action: str = ""
    next_action_due: date | None = None
    completes: tuple[int, ...] = ()  # ids of the lead's open next actions this activity completes


@dataclass(frozen=True)
class LoggedActivity:
    activity: Activity
    stage_event: LeadStageEvent | None  # set when the activity moved the lead on
    completed: tuple[Activity, ...] = ()  # the open next actions it closed


def log_activity(lead: Lead, data: ActivityInput, *, actor: User | None) -> LoggedActivity:
    """Record an activity on an open lead; an adviesgesprek moves the lead to `meeting` if it is not there yet.

    Every problem is reported at once, per field; a BSN-like number in the texts is refused and
    nothing is stored.
    """
    if not lead.is_open:
        raise Conflict(f"Deze lead is afgesloten ({lead.stage_label}); er kan geen activiteit meer bij.")
    at = data.occurred_at or utcnow()
    outcome, next_action = (data.outcome or "").strip(), (data.next_action or "").strip()
    errors: dict[str, str] = {}
    if data.kind not in ACTIVITY_KINDS:
        errors["kind"] = "Kies een soort activiteit uit de lijst."
    _check_time(at, lead, errors)
    _check_outcome(outcome, errors)
    _check_next_action(next_action, data.next_action_due, errors)
    completed = _completed_by(lead, data.completes, errors)
    bsn_found = _refuse_bsns({"outcome": outcome, "next_action": next_action}, errors)
    if errors:
        raise ValidationError(
            "Er staat een nummer in dat op een BSN lijkt; er is niets opgeslagen." if bsn_found
            else "De activiteit is niet opgeslagen; controleer de gemarkeerde velden.",
            errors,
        )

    activity = Activity(lead_id=lead.id, kind=data.kind, occurred_at=at, outcome=outcome, next_action=next_action,
                        next_action_due=data.next_action_due if next_action else None,
                        next_action_status=NEXT_ACTION_OPEN if next_action else NEXT_ACTION_NONE,
                        actor_id=actor.id if actor else None)
    db.session.add(activity)
    for action in completed:
        _close(action, NEXT_ACTION_DONE, actor=actor, at=at)
    event = None
    if data.kind == "adviesgesprek" and STAGES.index(lead.stage) < STAGES.index("meeting"):
        event = lead_service.change_stage(lead, "meeting", actor=actor, at=at, note="Adviesgesprek vastgelegd")
    db.session.flush()
    details = {"completes": [action.id for action in completed]} if completed else {}
    audit.record(actor, "activity_logged", activity, lead_id=lead.id, kind=data.kind, **details)
    return LoggedActivity(activity, event, tuple(completed))


def _completed_by(lead: Lead, ids: Iterable[int], errors: dict[str, str]) -> list[Activity]:
    """The open next actions of this lead that the new activity completes; anything else is refused."""
    wanted = set(ids)
    if not wanted:
        return []
    found = [action for action in open_actions_on(lead) if action.id in wanted]
    if len(found) != len(wanted):
        errors["completes"] = "Een van de gekozen acties is niet meer open; vernieuw de pagina."
    return found


def _close(action: Activity, status: str, *, actor: User | None, at: datetime | None = None) -> None:
    action.next_action_status = status
    action.next_action_closed_at = at or utcnow()
    action.next_action_closed_by_id = actor.id if actor else None


def close_next_action(action: Activity, *, done: bool, actor: User | None) -> None:
    """Mark an open next action done, or drop it (it will not happen); flushes and writes the audit trail."""
    if action.next_action_status != NEXT_ACTION_OPEN:
        raise Conflict("Deze actie is al afgerond of vervallen.")
    _close(action, NEXT_ACTION_DONE if done else NEXT_ACTION_DROPPED, actor=actor)
    db.session.flush()
    audit.record(actor, "next_action_done" if done else "next_action_dropped", action, lead_id=action.lead_id)


def open_actions_on(lead: Lead) -> list[Activity]:
    """The lead's open next actions, the earliest due first."""
    return list(db.session.scalars(
        select(Activity).where(Activity.lead_id == lead.id, Activity.next_action_status == NEXT_ACTION_OPEN)
        .options(joinedload(Activity.actor)).order_by(Activity.next_action_due, Activity.id)))


def _check_time(at: datetime, lead: Lead, errors: dict[str, str]) -> None:
    """An activity happened: not in the future (that is a next action), not before the lead existed."""
    if at > utcnow():
        errors["occurred_at"] = "Mag niet in de toekomst liggen; een geplande stap is een volgende actie."
    elif at < lead.created_at:
        errors["occurred_at"] = "Ligt voor het ontstaan van de lead."


def _check_outcome(outcome: str, errors: dict[str, str]) -> None:
    if not outcome:
        errors["outcome"] = "Beschrijf wat er is gebeurd of afgesproken."
    elif len(outcome) > MAX_OUTCOME:
        errors["outcome"] = f"Hoogstens {MAX_OUTCOME} tekens."


def _check_next_action(next_action: str, due: date | None, errors: dict[str, str]) -> None:
    """A next action fits its column and comes with a due date, not in the past; a due date needs an action."""
    if len(next_action) > MAX_NEXT_ACTION:
        errors["next_action"] = f"Hoogstens {MAX_NEXT_ACTION} tekens."
    elif due and not next_action:
        errors["next_action"] = "Beschrijf de volgende actie bij deze datum."
    if next_action and due is None:
        errors["next_action_due"] = "Geef aan wanneer de volgende actie moet gebeuren."
    elif due and due < today():
        errors["next_action_due"] = "Ligt in het verleden."


def _refuse_bsns(texts: dict[str, str], errors: dict[str, str]) -> bool:
    """Refuse a BSN-like number in any of the texts (by field); True when one was found."""
    found = False
    for field, text in texts.items():
        try:
            refuse_bsn(text, field)
        except ValidationError as exc:
            errors.update(exc.fields)
            found = True
    return found

# --- next actions -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class NextAction:
    activity: Activity
    lead: Lead

    @property
    def overdue(self) -> bool:
        return self.activity.next_action_due is not None and self.activity.next_action_due < today()


def _open_next_actions(actor_id) -> Select[tuple[Activity]]:
    """The open next actions `actor_id` planned, while their lead is open (ix_activities_open_actions)."""
    return (
        select(Activity)
        .join(Lead, Lead.id == Activity.lead_id)
        .where(Activity.actor_id == actor_id, Activity.next_action_status == NEXT_ACTION_OPEN,
               Lead.stage.in_(OPEN_STAGES))
        .order_by(Activity.next_action_due, Activity.occurred_at, Activity.id)
    )


# The start queue shows a user's first next actions with their leads and employers on every visit: built once,
# the user bound at execution (building the statement took longer than running it).
_NEXT_ACTIONS_WITH_LEADS = (_open_next_actions(bindparam("actor_id")).add_columns(Lead)
                            .options(joinedload(Lead.employer)))


def next_actions_query(user: User) -> Select[tuple[Activity]]:
    """The user's open next actions, the most overdue first: from their activities that are the
    latest on an open lead they may still see."""
    return _open_next_actions(user.id).where(visible_leads_clause(user))


def with_leads(activities: list[Activity]) -> list[NextAction]:
    """Pair activities with their leads (and employers), in one query for the lot."""
    ids = {a.lead_id for a in activities}
    leads = {lead.id: lead for lead in db.session.scalars(
        select(Lead).where(Lead.id.in_(ids)).options(joinedload(Lead.employer)))} if ids else {}
    return [NextAction(activity, leads[activity.lead_id]) for activity in activities]


def next_actions(user: User, limit: int | None = None) -> list[NextAction]:
    """The user's open next actions with their leads and employers, in one statement."""
    if limit:
        query = queries.for_user("next_actions", user,
                                 lambda visible: _NEXT_ACTIONS_WITH_LEADS.where(visible).limit(bindparam("limit")))
    else:
        query = _NEXT_ACTIONS_WITH_LEADS.where(visible_leads_clause(user))
    rows = db.session.execute(query, {"actor_id": user.id, "limit": limit})
    return [NextAction(activity, lead) for activity, lead in rows]


DUE_GROUPS = (("overdue", "Te laat"), ("today", "Vandaag"), ("week", "Deze week"), ("later", "Later"))


def due_group(due: date, day: date | None = None) -> str:
    """Where a next action due on `due` belongs on "Mijn acties": overdue, today, this week (to Sunday), later."""
    day = day or today()
    if due < day:
        return "overdue"
    if due == day:
        return "today"
    return "week" if due <= day + timedelta(days=6 - day.weekday()) else "later"


def grouped(actions: list[NextAction], day: date | None = None) -> list[tuple[str, str, list[NextAction]]]:
    """The actions per due group, in the order of DUE_GROUPS: (key, Dutch label, actions); empty groups too."""
    groups: dict[str, list[NextAction]] = {key: [] for key, _ in DUE_GROUPS}
    for action in actions:
        groups[due_group(action.activity.next_action_due, day)].append(action)
    return [(key, label, groups[key]) for key, label in DUE_GROUPS]
