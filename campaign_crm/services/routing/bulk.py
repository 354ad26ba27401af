"""Work on a selection of leads at once, every lead on its own so that one refusal leaves the others: reassign to
one advisor, take them oneself, plan a next action on each, or read them for an export. Each action takes at
most MAX_LEADS leads and answers with an outcome per lead, in the order selected."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import aliased, selectinload

from ...extensions import db
from ...models import Channel, Contact, Employer, Lead, Municipality, Phase, Sector, Team, User
from ...permissions import CARRY_LEADS, can_log_work, can_reassign, visible_leads_clause
from .. import audit
from ..calendar import AMSTERDAM, today
from ..errors import DomainError, ValidationError
from ..leads import activities
from ..mail import notices
from ..normalise import refuse_bsn
from .engine import absent_ids, open_lead_counts, reassign_lead

MAX_LEADS = 200  # per action: one request stays short, and the outcome fits on one page
NOT_VISIBLE = "geweigerd: deze lead bestaat niet of u heeft er geen toegang toe."


@dataclass(frozen=True)
class LeadOutcome:
    """What became of one selected lead."""

    lead_id: int
    employer_name: str
    done: bool
    message: str  # "toegewezen aan …", "opgepakt", "actie gepland …", "klaar voor export" or "geweigerd: …"

    @property
    def assigned(self) -> bool:
        return self.done


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


def _selection(lead_ids: list[int], actor: User) -> tuple[list[int], dict[int, Lead]]:
    """The selected ids (each once, in order), and those of their leads the actor may see; refuses an empty
    selection or one of more than MAX_LEADS before any lead is touched."""
    ids = list(dict.fromkeys(lead_ids))  # a lead selected twice is handled once
    if not ids:
        raise ValidationError("Selecteer ten minste één lead.", {"lead_ids": "Selecteer ten minste één lead."})
    if len(ids) > MAX_LEADS:
        message = f"Selecteer ten hoogste {MAX_LEADS} leads per keer; u selecteerde er {len(ids)}."
        raise ValidationError(message, {"lead_ids": message})
    leads = {lead.id: lead for lead in db.session.scalars(
        select(Lead).where(Lead.id.in_(ids), visible_leads_clause(actor)).options(selectinload(Lead.employer)))}
    return ids, leads


def _employer_name(lead: Lead) -> str:
    return lead.employer.name if lead.employer else "–"


def reassign_leads(lead_ids: list[int], advisor: User, reason: str, *, actor: User) -> BulkOutcome:
    """Reassign each lead to `advisor` as `engine.reassign_lead` does for one, each in its own savepoint.

    A lead the actor may not see or not reassign, a closed lead, or one the advisor has no room for is
    refused on its own line; the others are assigned. The caller commits once.
    """
    ids, leads = _selection(lead_ids, actor)
    if not reason.strip():
        raise ValidationError("Geef een reden voor het toewijzen.", {"reason": "Geef een reden."})
    result = BulkOutcome(advisor)
    with notices.grouped():  # the advisor gets one mail for all leads, not one per lead
        for lead_id in ids:
            result.leads.append(_reassign_one(leads.get(lead_id), lead_id, advisor, reason, actor))
    result.warnings = _advisor_warnings(advisor)
    return result


def _reassign_one(lead: Lead | None, lead_id: int, advisor: User, reason: str, actor: User) -> LeadOutcome:
    if lead is None:
        return LeadOutcome(lead_id, "–", False, NOT_VISIBLE)
    name = _employer_name(lead)
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


# --- take, plan a next action, export ---------------------------------------------------------------

@dataclass
class ActionOutcome:
    """Every selected lead's outcome of one bulk action, in the order selected."""

    title: str  # what was done, for the result page: "Leads oppakken"
    leads: list[LeadOutcome] = field(default_factory=list)

    @property
    def done(self) -> int:
        return sum(1 for outcome in self.leads if outcome.done)

    @property
    def refused(self) -> int:
        return len(self.leads) - self.done


TAKE_REASON = "zelf opgepakt uit de wachtrij van het team"


def take_leads(lead_ids: list[int], *, actor: User) -> ActionOutcome:
    """The actor takes each lead themselves, by the same reassignment as one lead (capacity, a lead closed or
    taken meanwhile), each in its own savepoint. Only someone who carries leads (an advisor or team lead) can;
    per lead they must be allowed to reassign it (a team lead: their own team's). The caller commits once."""
    if actor.role not in CARRY_LEADS:
        message = "Alleen wie zelf leads behandelt (adviseur of teamleider) kan leads oppakken."
        raise ValidationError(message, {"lead_ids": message})
    ids, leads = _selection(lead_ids, actor)
    result = ActionOutcome("Leads oppakken")
    with notices.grouped():  # whoever had the leads gets one mail about them
        for lead_id in ids:
            result.leads.append(_take_one(leads.get(lead_id), lead_id, actor))
    return result


def _take_one(lead: Lead | None, lead_id: int, actor: User) -> LeadOutcome:
    if lead is None:
        return LeadOutcome(lead_id, "–", False, NOT_VISIBLE)
    name = _employer_name(lead)
    if not can_reassign(actor, lead):
        return LeadOutcome(lead_id, name, False, "geweigerd: u mag deze lead niet oppakken (hij is niet van uw team).")
    if lead.owner_id == actor.id:
        return LeadOutcome(lead_id, name, False, "geweigerd: de lead is al van u.")
    try:
        with db.session.begin_nested():
            reassign_lead(lead, actor, TAKE_REASON, actor=actor, expected_owner_id=lead.owner_id)
    except DomainError as exc:
        return LeadOutcome(lead_id, name, False, "geweigerd: " + exc.message)
    return LeadOutcome(lead_id, name, True, "opgepakt: de lead is nu van u")


def plan_next_actions(lead_ids: list[int], description: str, due: date | None, *, actor: User) -> ActionOutcome:
    """Plan the same next action (what, by when) on each lead, logged as a note through the service of the lead
    page (`activities.log_activity`), each in its own savepoint. The action and date are checked once, per field,
    before any lead is touched; per lead the actor must be allowed to work it and it must be open."""
    description = " ".join((description or "").split())
    errors: dict[str, str] = {}
    if not description:
        errors["next_action"] = "Beschrijf de volgende actie."
    elif len(description) > activities.MAX_NEXT_ACTION:
        errors["next_action"] = f"Hoogstens {activities.MAX_NEXT_ACTION} tekens."
    else:
        try:
            refuse_bsn(description, "next_action")
        except ValidationError as exc:
            errors.update(exc.fields)
    if due is None:
        errors["next_action_due"] = "Geef aan wanneer de volgende actie moet gebeuren."
    elif due < today():
        errors["next_action_due"] = "Ligt in het verleden."
    ids, leads = _selection(lead_ids, actor)
    if errors:
        raise ValidationError("Er is geen actie gepland: " + " ".join(errors.values()), errors)
    planned = activities.ActivityInput(kind="note", outcome=f"Volgende actie gepland: {description}",
                                       next_action=description, next_action_due=due)
    result = ActionOutcome("Volgende actie plannen")
    for lead_id in ids:
        result.leads.append(_plan_one(leads.get(lead_id), lead_id, planned, actor))
    return result


def _plan_one(lead: Lead | None, lead_id: int, planned: activities.ActivityInput, actor: User) -> LeadOutcome:
    if lead is None:
        return LeadOutcome(lead_id, "–", False, NOT_VISIBLE)
    name = _employer_name(lead)
    if not can_log_work(actor, lead):
        return LeadOutcome(lead_id, name, False, "geweigerd: u mag op deze lead geen werk vastleggen.")
    try:
        with db.session.begin_nested():
            activities.log_activity(lead, planned, actor=actor)
    except DomainError as exc:
        return LeadOutcome(lead_id, name, False, "geweigerd: " + exc.message)
    return LeadOutcome(lead_id, name, True, f"actie gepland: {planned.next_action}")


@dataclass(frozen=True)
class ExportRow:
    """One exported lead, as plain values (the caller writes them as CSV or XLSX)."""

    lead_id: int
    employer: str
    municipality: str | None
    sector: str | None
    channel: str | None
    phase: str | None
    stage: str
    created_on: date
    first_contact_due: date | None
    priority: int
    owner: str | None
    team: str | None
    contact_name: str | None
    contact_email: str | None
    contact_phone: str | None


@dataclass
class ExportOutcome(ActionOutcome):
    rows: list[ExportRow] = field(default_factory=list)


def export_leads(lead_ids: list[int], *, actor: User, with_rows: bool = True) -> ExportOutcome:
    """The selected leads the actor may work on, for an export, read in one statement; a lead they may not see
    or not work on is refused on its own line. The export shows contact persons, so each one in it is logged as
    read (one audit statement for all). `with_rows=False` only says which leads may go in, and reads and logs
    nothing. The caller commits."""
    ids, visible = _selection(lead_ids, actor)
    by_id = {row.lead_id: row for row in _export_rows([i for i in ids if i in visible])} if with_rows else {}
    result = ExportOutcome("Leads exporteren")
    contact_ids = []
    for lead_id in ids:
        lead = visible.get(lead_id)
        if lead is None:
            result.leads.append(LeadOutcome(lead_id, "–", False, NOT_VISIBLE))
        elif not can_log_work(actor, lead):
            result.leads.append(LeadOutcome(lead_id, _employer_name(lead), False,
                                            "geweigerd: u mag deze lead niet exporteren (hij is niet van uw team)."))
        else:
            result.leads.append(LeadOutcome(lead_id, _employer_name(lead), True,
                                            "geëxporteerd" if with_rows else "kan mee in het bestand"))
            if with_rows:
                result.rows.append(by_id[lead_id])
                if lead.contact_id is not None:
                    contact_ids.append(lead.contact_id)
    audit.record_reads(actor, Contact.__tablename__, contact_ids)
    return result


def _local_date(value: datetime | None) -> date | None:
    return value.astimezone(AMSTERDAM).date() if value is not None else None


def _export_rows(lead_ids: list[int]) -> list[ExportRow]:
    if not lead_ids:
        return []
    owner = aliased(User)
    rows = db.session.execute(
        select(Lead.id, Employer.name, Municipality.name, Sector.name, Channel.name, Phase.name, Lead.stage,
               Lead.created_at, Lead.sla_due_at, Lead.priority, owner.name, Team.name, Contact.name, Contact.email,
               Contact.phone)
        .join(Employer, Employer.id == Lead.employer_id)
        .outerjoin(Municipality, Municipality.id == Employer.municipality_id)
        .outerjoin(Sector, Sector.id == Employer.sector_id)
        .outerjoin(Channel, Channel.id == Lead.channel_id).outerjoin(Phase, Phase.id == Lead.phase_id)
        .outerjoin(owner, owner.id == Lead.owner_id).outerjoin(Team, Team.id == Lead.team_id)
        .outerjoin(Contact, Contact.id == Lead.contact_id)
        .where(Lead.id.in_(lead_ids)))
    return [ExportRow(lead_id, employer, municipality, sector, channel, phase, stage, _local_date(created),
                      _local_date(due) if stage in ("new", "assigned") else None, priority, owner_name, team,
                      contact, email, phone)
            for (lead_id, employer, municipality, sector, channel, phase, stage, created, due, priority, owner_name,
                 team, contact, email, phone) in rows]
