"""Stage changes and assignments of leads: one function each, for every caller."""
from __future__ import annotations

from datetime import datetime
from types import EllipsisType

from sqlalchemy import inspect, update

from ...extensions import db
from ...models import (
    LOST,
    OPEN_STAGES,
    STAGE_LABELS,
    STAGES,
    Lead,
    LeadAssignment,
    LeadStageEvent,
    RoutingRule,
    Team,
    User,
    utcnow,
)
from .. import audit, normalise, reference
from ..errors import Conflict, ValidationError
from ..mail import notices
from . import attribution


def change_stage(
    lead: Lead,
    to_stage: str,
    *,
    actor: User | None,
    at: datetime | None = None,
    lost_reason: str | None = None,
    note: str = "",
) -> LeadStageEvent:
    """Move a lead forward (or to lost, with a reason); skipped stages get the same time."""
    at = at or utcnow()
    if to_stage not in STAGES and to_stage != LOST:
        raise ValidationError(f"Onbekende fase {to_stage!r}.", {"stage": "Onbekende fase."})
    if at > utcnow():
        raise ValidationError("Het tijdstip ligt in de toekomst.", {"at": "Mag niet in de toekomst liggen."})
    if not lead.is_open:
        raise Conflict(f"Deze lead is al afgesloten ({STAGE_LABELS[lead.stage]}).")
    if at < lead.created_at:
        raise ValidationError("Het tijdstip ligt voor het ontstaan van de lead.", {"at": "Ligt voor de aanmaakdatum."})
    from_stage = lead.stage
    reached = lead.stage_time(from_stage)
    if reached is not None and at < reached:
        raise ValidationError(
            f"Het tijdstip ligt voor het bereiken van de huidige fase ({STAGE_LABELS[from_stage]}).",
            {"at": "Ligt voor het moment waarop de lead in de huidige fase kwam; fasen volgen elkaar op in de tijd."},
        )
    normalise.refuse_bsn(note, "note")
    meeting_set = False
    if to_stage == LOST:
        reason = reference.lost_reason(lost_reason or "")
        lead.lost_reason = reason
        lead.lost_at = at
        lead.escalation_level = None
    else:
        current, target = STAGES.index(from_stage), STAGES.index(to_stage)
        if target <= current:
            raise Conflict(
                f"Van {STAGE_LABELS[from_stage]} terug of stil naar {STAGE_LABELS[to_stage]} kan niet; "
                "fasen gaan alleen vooruit."
            )
        meeting_set = lead.meeting_at is None and target >= STAGES.index("meeting")
        for stage in STAGES[current + 1 : target + 1]:
            if getattr(lead, f"{stage}_at") is None:
                setattr(lead, f"{stage}_at", at)
        if target >= STAGES.index("contacted"):
            lead.escalation_level = None  # the SLA for first contact is met or moot
    lead.stage = to_stage
    event = LeadStageEvent(lead=lead, from_stage=from_stage, to_stage=to_stage, at=at, actor=actor, note=note)
    db.session.add(event)
    if lead.id is None:
        db.session.flush()  # a lead the intake is still creating: the audit entry needs its id
    lost_detail = {"lost_reason": lead.lost_reason.code} if to_stage == LOST else {}
    audit.record(actor, "stage_changed", lead, changes={"stage": [from_stage, to_stage]}, **lost_detail)
    if meeting_set:
        # Touchpoints after the meeting no longer count for the last touch (some may be recorded already).
        db.session.flush()
        attribution.refresh_last_touch([lead.id])
    return event


def assign_lead(
    lead: Lead,
    advisor: User | None,
    *,
    team: Team | None,
    reason: str,
    actor: User | None,
    at: datetime | None = None,
    rule: RoutingRule | None = None,
    kind: str = "route",
    expected_owner_id: int | None | EllipsisType = ...,
) -> LeadAssignment:
    """Give a lead to an advisor (or leave it waiting in `team` with `reason`), recording why.

    Every assignment is written here, as a compare-and-set, so that of two parallel ones only the
    first counts: the lead must still be open and still belong to `expected_owner_id` (None: it
    waits; left out: the owner as this session read the lead) when the UPDATE runs. If not, Conflict
    says who was first and nothing is written.
    """
    at = at or utcnow()
    if not lead.is_open:
        raise Conflict("Een afgesloten lead kan niet worden toegewezen.")
    team = team if team is not None else (advisor.team if advisor else None)
    waiting_reason = None if advisor else reason
    previous_owner_id = None  # whose lead it was, for the notices
    if inspect(lead).persistent:
        db.session.flush()  # the caller's own changes first: the comparison is with what the caller sees
        expected = lead.owner_id if expected_owner_id is ... else expected_owner_id
        # PostgreSQL: a parallel UPDATE of the row waits for this one and then finds its WHERE false
        # (READ COMMITTED re-checks it); SQLite: the UPDATE takes the database's write lock.
        claimed = db.session.execute(
            update(Lead)
            .where(Lead.id == lead.id, Lead.stage.in_(OPEN_STAGES),
                   Lead.owner_id.is_(None) if expected is None else Lead.owner_id == expected)
            .values(owner_id=advisor.id if advisor else None, team_id=team.id if team else None,
                    waiting_reason=waiting_reason)
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.refresh(lead)
        if not claimed:
            raise _assigned_meanwhile(lead, actor)
        previous_owner_id = expected
    else:  # a lead not written yet: nobody else can see it
        lead.owner, lead.team, lead.waiting_reason = advisor, team, waiting_reason
    assignment = LeadAssignment(lead=lead, advisor=advisor, team=team, reason=reason, actor=actor, at=at,
                                rule=rule, kind=kind)
    db.session.add(assignment)
    if advisor is not None:
        advisor.last_assigned_at = at
        if lead.stage == "new":
            change_stage(lead, "assigned", actor=actor, at=at, note=reason)
    db.session.flush()
    notices.assignment_changed(assignment, previous_owner_id=previous_owner_id)
    return assignment


def _assigned_meanwhile(lead: Lead, actor: User | None) -> Conflict:
    """The refusal of an assignment that was based on an owner the lead no longer has (`lead` is fresh)."""
    if not lead.is_open:
        return Conflict(f"Een collega was u voor: deze lead is intussen afgesloten ({STAGE_LABELS[lead.stage]}).")
    if lead.owner is None:
        return Conflict("Een collega was u voor: deze lead is intussen teruggezet en wacht op een adviseur.")
    if actor is not None and lead.owner_id == actor.id:
        return Conflict("Deze lead is intussen al aan u toegewezen.")
    return Conflict(f"Een collega was u voor: deze lead is zojuist toegewezen aan {lead.owner.name}.")
