"""Work logged on a lead: activities with an outcome and a next action, the lead's timeline, and
each user's open next actions.

An adviesgesprek that is logged *is* the stage `meeting` (the stage means "adviesgesprek
held"), so logging one on a lead before that stage moves the lead there, at the activity's time.

A lead's next action is the one on its latest activity: logging the follow-up (by anyone) closes
the previous one, and a closed lead has none.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, and_, bindparam, exists, or_, select
from sqlalchemy.orm import aliased, joinedload

from ...extensions import db
from ...models import (
    OPEN_STAGES,
    STAGES,
    Activity,
    Lead,
    LeadAssignment,
    LeadEscalation,
    LeadStageEvent,
    Touchpoint,
    User,
    Vacancy,
    utcnow,
)
from ...models.placements import ACTIVITY_KINDS
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


@dataclass(frozen=True)
class LoggedActivity:
    activity: Activity
    stage_event: LeadStageEvent | None  # set when the activity moved the lead on


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
    bsn_found = _refuse_bsns({"outcome": outcome, "next_action": next_action}, errors)
    if errors:
        raise ValidationError(
            "Er staat een nummer in dat op een BSN lijkt; er is niets opgeslagen." if bsn_found
            else "De activiteit is niet opgeslagen; controleer de gemarkeerde velden.",
            errors,
        )

    activity = Activity(lead_id=lead.id, kind=data.kind, occurred_at=at, outcome=outcome, next_action=next_action,
                        next_action_due=data.next_action_due if next_action else None,
                        actor_id=actor.id if actor else None)
    db.session.add(activity)
    event = None
    if data.kind == "adviesgesprek" and STAGES.index(lead.stage) < STAGES.index("meeting"):
        event = lead_service.change_stage(lead, "meeting", actor=actor, at=at, note="Adviesgesprek vastgelegd")
    db.session.flush()
    audit.record(actor, "activity_logged", activity, lead_id=lead.id, kind=data.kind)
    return LoggedActivity(activity, event)


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
    """Next actions on activities by `actor_id` that are the latest on their lead, while the lead is open."""
    later = aliased(Activity)
    superseded = exists(select(later.id).where(
        later.lead_id == Activity.lead_id,
        or_(later.occurred_at > Activity.occurred_at,
            and_(later.occurred_at == Activity.occurred_at, later.id > Activity.id)),
    ))
    return (
        select(Activity)
        .join(Lead, Lead.id == Activity.lead_id)
        .where(Activity.actor_id == actor_id, Activity.next_action_due.is_not(None), Lead.stage.in_(OPEN_STAGES),
               ~superseded)
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


# --- the lead's timeline ----------------------------------------------------------------------------

# At the same moment, a cause comes before its effect: the touchpoint before the assignment it
# led to, an activity or vacancy before the stage change it made.
_ORDER = {"touchpoint": 0, "assignment": 1, "activity": 2, "vacancy": 3, "stage": 4, "escalation": 5}


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # touchpoint, assignment, activity, vacancy, stage, escalation
    item: object

    @property
    def sort_key(self) -> tuple:
        return self.at, _ORDER[self.kind], getattr(self.item, "id", 0)


# One statement per kind of entry, built once (the lead bound at execution); what an entry names (its channel,
# its actor) is joined into it, so a timeline of any length is these six statements.
_TIMELINE = (
    ("touchpoint", "occurred_at", select(Touchpoint).where(Touchpoint.lead_id == bindparam("lead_id")).options(
        joinedload(Touchpoint.channel), joinedload(Touchpoint.phase), joinedload(Touchpoint.ad_code))),
    ("assignment", "at", select(LeadAssignment).where(LeadAssignment.lead_id == bindparam("lead_id")).options(
        joinedload(LeadAssignment.actor))),
    ("activity", "occurred_at", select(Activity).where(Activity.lead_id == bindparam("lead_id")).options(
        joinedload(Activity.actor))),
    ("vacancy", "created_at", select(Vacancy).where(Vacancy.lead_id == bindparam("lead_id")).options(
        joinedload(Vacancy.sector))),
    ("stage", "at", select(LeadStageEvent).where(LeadStageEvent.lead_id == bindparam("lead_id")).options(
        joinedload(LeadStageEvent.actor))),
    ("escalation", "at", select(LeadEscalation).where(LeadEscalation.lead_id == bindparam("lead_id")).options(
        joinedload(LeadEscalation.notified_user))),
)


def lead_timeline(lead: Lead) -> list[TimelineEntry]:
    """Everything that happened on a lead, newest first: touchpoints, assignments, activities,
    vacancies, stage changes and SLA escalations (one query per kind)."""
    entries = [TimelineEntry(getattr(item, at), kind, item)
               for kind, at, query in _TIMELINE for item in db.session.scalars(query, {"lead_id": lead.id})]
    return sorted(entries, key=lambda entry: entry.sort_key, reverse=True)
