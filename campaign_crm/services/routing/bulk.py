"""Reassigning many leads at once to one advisor: every lead on its own, so one refusal leaves the others."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ...extensions import db
from ...models import Lead, User
from ...permissions import can_reassign, visible_leads_clause
from ..calendar import today
from ..errors import DomainError, ValidationError
from ..mail import notices
from .engine import absent_ids, open_lead_counts, reassign_lead

MAX_LEADS = 200  # per action: one request stays short, and the outcome fits on one page


@dataclass(frozen=True)
class LeadOutcome:
    """What became of one selected lead."""

    lead_id: int
    employer_name: str
    assigned: bool
    message: str  # "toegewezen aan …" or "geweigerd: …"


@dataclass
class BulkOutcome:
    """Every selected lead's outcome, in the order selected, and warnings about the advisor."""

    advisor: User
    leads: list[LeadOutcome] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def assigned(self) -> int:
        return sum(1 for outcome in self.leads if outcome.assigned)

    @property
    def refused(self) -> int:
        return len(self.leads) - self.assigned


def reassign_leads(lead_ids: list[int], advisor: User, reason: str, *, actor: User) -> BulkOutcome:
    """Reassign each lead to `advisor` as `engine.reassign_lead` does for one, each in its own savepoint.

    A lead the actor may not see or not reassign, a closed lead, or one the advisor has no room for is
    refused on its own line; the others are assigned. The caller commits once.
    """
    ids = list(dict.fromkeys(lead_ids))  # a lead selected twice is handled once
    if not ids:
        raise ValidationError("Selecteer ten minste één lead.", {"lead_ids": "Selecteer ten minste één lead."})
    if len(ids) > MAX_LEADS:
        message = f"Selecteer ten hoogste {MAX_LEADS} leads per keer; u selecteerde er {len(ids)}."
        raise ValidationError(message, {"lead_ids": message})
    if not reason.strip():
        raise ValidationError("Geef een reden voor het toewijzen.", {"reason": "Geef een reden."})
    leads = {lead.id: lead for lead in db.session.scalars(
        select(Lead).where(Lead.id.in_(ids)).options(selectinload(Lead.employer)))}
    visible = set(db.session.scalars(select(Lead.id).where(Lead.id.in_(ids), visible_leads_clause(actor))))
    result = BulkOutcome(advisor)
    with notices.grouped():  # the advisor gets one mail for all leads, not one per lead
        for lead_id in ids:
            result.leads.append(_reassign_one(leads.get(lead_id) if lead_id in visible else None, lead_id,
                                              advisor, reason, actor))
    result.warnings = _advisor_warnings(advisor)
    return result


def _reassign_one(lead: Lead | None, lead_id: int, advisor: User, reason: str, actor: User) -> LeadOutcome:
    if lead is None:
        return LeadOutcome(lead_id, "–", False, "geweigerd: deze lead bestaat niet of u heeft er geen toegang toe.")
    name = lead.employer.name if lead.employer else "–"
    if not can_reassign(actor, lead):
        return LeadOutcome(lead_id, name, False, "geweigerd: u mag deze lead niet toewijzen (hij is niet van uw team).")
    if lead.owner_id == advisor.id:
        return LeadOutcome(lead_id, name, False, f"geweigerd: de lead is al toegewezen aan {advisor.name}.")
    try:
        with db.session.begin_nested():
            reassign_lead(lead, advisor, reason, actor=actor)
    except DomainError as exc:
        return LeadOutcome(lead_id, name, False, "geweigerd: " + exc.message)
    return LeadOutcome(lead_id, name, True, f"toegewezen aan {advisor.name}")


def _advisor_warnings(advisor: User) -> list[str]:
    warnings = []
    if advisor.id in absent_ids([advisor.id], today()):
        warnings.append(f"Let op: {advisor.name} is vandaag afwezig.")
    open_leads = open_lead_counts([advisor.id]).get(advisor.id, 0)
    if open_leads >= advisor.capacity:
        warnings.append(f"Let op: {advisor.name} zit aan de capaciteit ({open_leads} van {advisor.capacity} "
                        "open leads).")
    return warnings
