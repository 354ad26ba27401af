"""Stage changes and assignments of leads: one function each, for every caller."""
from __future__ import annotations

from datetime import datetime

from ..extensions import db
from ..models import (LOST, OPEN_STAGES, STAGE_LABELS, STAGES, Lead, LeadAssignment, LeadStageEvent, RoutingRule, Team,
                      User, utcnow)
from . import normalise, reference
from .errors import Conflict, ValidationError


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
    if to_stage == LOST:
        reason = reference.lost_reason(lost_reason or "")
        lead.lost_reason = reason
        lead.lost_at = at
        lead.escalation_level = None
    else:
        current, target = STAGES.index(from_stage), STAGES.index(to_stage)
        if target <= current:
            raise Conflict(
                f"Van {STAGE_LABELS[from_stage]} terug of stil naar {STAGE_LABELS[to_stage]} kan niet; fasen gaan alleen vooruit."
            )
        for stage in STAGES[current + 1 : target + 1]:
            if getattr(lead, f"{stage}_at") is None:
                setattr(lead, f"{stage}_at", at)
        if target >= STAGES.index("contacted"):
            lead.escalation_level = None  # the SLA for first contact is met or moot
    lead.stage = to_stage
    event = LeadStageEvent(lead=lead, from_stage=from_stage, to_stage=to_stage, at=at, actor=actor, note=note)
    db.session.add(event)
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
) -> LeadAssignment:
    """Give a lead to an advisor (or leave it waiting in `team` with `reason`), recording why."""
    at = at or utcnow()
    if not lead.is_open:
        raise Conflict("Een afgesloten lead kan niet worden toegewezen.")
    lead.owner = advisor
    lead.team = team if team is not None else (advisor.team if advisor else None)
    lead.waiting_reason = None if advisor else reason
    assignment = LeadAssignment(lead=lead, advisor=advisor, team=lead.team, reason=reason, actor=actor, at=at,
                                rule=rule, kind=kind)
    db.session.add(assignment)
    if advisor is not None:
        advisor.last_assigned_at = at
        if lead.stage == "new":
            change_stage(lead, "assigned", actor=actor, at=at, note=reason)
    db.session.flush()
    return assignment


def is_open_stage(stage: str) -> bool:
    return stage in OPEN_STAGES
