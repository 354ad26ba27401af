"""The shared employer record: lists, the employer and contact pages, and edits of both."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, false, func, literal_column, or_, select, union_all
from sqlalchemy.orm import selectinload

from ...extensions import db
from ...models import (
    OPEN_STAGES,
    AuditEvent,
    Contact,
    Employer,
    Lead,
    LeadStageEvent,
    Municipality,
    Sector,
    SizeClass,
    Touchpoint,
    User,
    utcnow,
)
from ...permissions import ADVISOR, TEAMLEAD, can_set_account_manager, visible_leads_clause
from .. import audit, normalise
from ..errors import ValidationError

# Who can be an employer's account manager ("one face to the employer").
ACCOUNT_MANAGER_ROLES = (ADVISOR, TEAMLEAD)
# A page shows this many timeline entries of each kind; older ones are counted, not loaded.
TIMELINE_LIMIT = 200


def search(*, q: str = "", kvk: str = ""):
    """Employers matching a KvK number and/or a name fragment, ordered by name."""
    query = select(Employer).options(
        selectinload(Employer.sector), selectinload(Employer.municipality), selectinload(Employer.account_manager)
    ).order_by(Employer.name, Employer.id)
    if kvk:
        query = query.where(Employer.kvk == re.sub(r"[\s.]", "", kvk))
    if q.strip():
        query = query.where(Employer.name_key.contains(normalise.name_key(q)))
    return query


def find_by_reference(text: str) -> Employer | None:
    """An employer by its number in this CRM, or by KvK number (8 digits)."""
    value = re.sub(r"[\s.]", "", text or "")
    if not value.isdigit() or len(value) > 9:
        return None
    if len(value) == 8:
        found = db.session.scalar(select(Employer).where(Employer.kvk == value))
        if found is not None:
            return found
    return db.session.get(Employer, int(value))


# --- the list ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class EmployerFilters:
    """What the employer list is narrowed down by; empty values filter nothing."""

    q: str = ""
    municipality_id: int | None = None
    sector_id: int | None = None
    size_class: str | None = None
    has_open_lead: bool | None = None
    account_manager_id: int | None = None


def _search_clauses(text: str) -> list:
    """Ways `text` can identify an employer: a name fragment, a KvK number, a postcode, an e-mail domain."""
    clauses = []
    key = normalise.name_key(text)
    if key:
        clauses.append(Employer.name_key.contains(key, autoescape=True))
    digits = re.sub(r"[\s.]", "", text)
    if digits.isdigit() and len(digits) <= 8:
        clauses.append(Employer.kvk.startswith(digits))
    postcode = re.fullmatch(r"([1-9][0-9]{3})([A-Z]{0,2})", re.sub(r"\s", "", text).upper())
    if postcode:
        clauses.append(Employer.postcode.startswith(f"{postcode[1]} {postcode[2]}".strip()))
    domain = text.strip().lower().rsplit("@", 1)[-1]
    if ("@" in text or "." in text) and re.fullmatch(r"[a-z0-9][a-z0-9.-]*", domain):
        clauses.append(Employer.email_domain.startswith(domain, autoescape=True))
    return clauses


def list_query(filters: EmployerFilters) -> Select:
    """Employers matching the filters, ordered by name (the caller paginates)."""
    query = select(Employer).options(
        selectinload(Employer.sector), selectinload(Employer.municipality), selectinload(Employer.account_manager)
    ).order_by(Employer.name, Employer.id)
    if filters.q.strip():
        clauses = _search_clauses(filters.q)
        query = query.where(or_(*clauses) if clauses else false())
    if filters.municipality_id:
        query = query.where(Employer.municipality_id == filters.municipality_id)
    if filters.sector_id:
        query = query.where(Employer.sector_id == filters.sector_id)
    if filters.size_class:
        query = query.where(Employer.size_class == filters.size_class)
    if filters.account_manager_id:
        query = query.where(Employer.account_manager_id == filters.account_manager_id)
    if filters.has_open_lead is not None:
        open_lead = select(Lead.id).where(Lead.employer_id == Employer.id, Lead.stage.in_(OPEN_STAGES)).exists()
        query = query.where(open_lead if filters.has_open_lead else ~open_lead)
    return query


@dataclass
class EmployerCounts:
    contacts: int = 0
    leads: int = 0
    open_leads: int = 0
    touchpoints: int = 0


def employer_counts(employer_ids: list[int]) -> dict[int, EmployerCounts]:
    """Contacts, leads, open leads and touchpoints per employer, in one statement of grouped counts."""
    counts = {employer_id: EmployerCounts() for employer_id in employer_ids}
    if not employer_ids:
        return counts

    def grouped(column, what: str, *where):
        # The label is inlined, not bound: PostgreSQL cannot type a bare parameter inside a UNION.
        return (select(column.label("employer_id"), literal_column(f"'{what}'").label("what"), func.count().label("n"))
                .where(column.in_(employer_ids), *where).group_by(column))

    statement = union_all(
        grouped(Contact.employer_id, "contacts"),
        grouped(Lead.employer_id, "leads"),
        grouped(Lead.employer_id, "open_leads", Lead.stage.in_(OPEN_STAGES)),
        grouped(Touchpoint.employer_id, "touchpoints"),
    )
    for employer_id, what, n in db.session.execute(statement):
        setattr(counts[employer_id], what, n)
    return counts


def account_managers(current: User | None = None) -> list[User]:
    """Who can be picked as account manager: active advisors and team leads (plus the current one)."""
    eligible = User.role.in_(ACCOUNT_MANAGER_ROLES) & User.active.is_(True)
    if current is not None:
        eligible = eligible | (User.id == current.id)
    return list(db.session.scalars(select(User).where(eligible).order_by(User.name, User.id)))


# --- the employer and contact pages ----------------------------------------------------------------

@dataclass
class LeadRow:
    """A lead on an employer page; `visible` says whether the viewer may see its message and work."""

    lead: Lead
    visible: bool


@dataclass
class TimelineEntry:
    """One moment in an employer's history: a touchpoint, a lead stage change or a change to the record."""

    at: datetime
    kind: str  # "touchpoint", "lead_created", "stage", "change"
    item: object
    visible: bool = True  # False: the lead's work is not the viewer's to see (the message is left out)


@dataclass
class EmployerPage:
    employer: Employer
    contacts: list[Contact]
    leads: list[LeadRow]
    timeline: list[TimelineEntry]
    counts: EmployerCounts = field(default_factory=EmployerCounts)


def _visible_lead_ids(viewer: User, where) -> set[int]:
    return set(db.session.scalars(select(Lead.id).where(where, visible_leads_clause(viewer))))


def _lead_rows(where, visible_ids: set[int]) -> list[LeadRow]:
    leads = db.session.scalars(
        select(Lead).where(where).options(
            selectinload(Lead.owner), selectinload(Lead.team), selectinload(Lead.channel), selectinload(Lead.phase),
            selectinload(Lead.interests), selectinload(Lead.lost_reason), selectinload(Lead.contact),
        ).order_by(Lead.created_at.desc(), Lead.id.desc())
    )
    return [LeadRow(lead, lead.id in visible_ids) for lead in leads]


def _touchpoint_entries(where, visible_ids: set[int]) -> list[TimelineEntry]:
    touchpoints = db.session.scalars(
        select(Touchpoint).where(where).options(
            selectinload(Touchpoint.channel), selectinload(Touchpoint.phase), selectinload(Touchpoint.ad_code),
            selectinload(Touchpoint.contact),
        ).order_by(Touchpoint.occurred_at.desc(), Touchpoint.id.desc()).limit(TIMELINE_LIMIT)
    )
    # A touchpoint's message is the lead's message: shown only to those who may see that lead's work.
    return [TimelineEntry(t.occurred_at, "touchpoint", t, t.lead_id is None or t.lead_id in visible_ids)
            for t in touchpoints]


def _stage_entries(lead_ids: set[int]) -> list[TimelineEntry]:
    if not lead_ids:
        return []
    events = db.session.scalars(
        select(LeadStageEvent).where(LeadStageEvent.lead_id.in_(lead_ids)).options(selectinload(LeadStageEvent.actor))
        .order_by(LeadStageEvent.at.desc(), LeadStageEvent.id.desc()).limit(TIMELINE_LIMIT)
    )
    return [TimelineEntry(event.at, "stage", event) for event in events]


def _sorted(entries: list[TimelineEntry]) -> list[TimelineEntry]:
    return sorted(entries, key=lambda entry: entry.at, reverse=True)


def open_employer_page(employer: Employer, viewer: User) -> EmployerPage:
    """Everything the employer page shows, and a read entry in the audit log for every contact on it.

    Leads show stage, owner and team to everyone who works leads; their message, interests and
    stage history only to those whose work it is (permissions.visible_leads_clause).
    """
    contacts = list(db.session.scalars(
        select(Contact).where(Contact.employer_id == employer.id).order_by(Contact.name, Contact.id)
    ))
    visible_ids = _visible_lead_ids(viewer, Lead.employer_id == employer.id)
    leads = _lead_rows(Lead.employer_id == employer.id, visible_ids)
    # Changes to the record and to its contacts; reads are in the audit log, not in the history.
    changes = db.session.scalars(
        select(AuditEvent).where(
            or_((AuditEvent.object_type == Employer.__tablename__) & (AuditEvent.object_id == employer.id),
                (AuditEvent.object_type == Contact.__tablename__) & AuditEvent.object_id.in_([c.id for c in contacts])),
            AuditEvent.action != "read",
        ).options(selectinload(AuditEvent.actor)).order_by(AuditEvent.at.desc()).limit(TIMELINE_LIMIT)
    )
    timeline = _sorted(
        _touchpoint_entries(Touchpoint.employer_id == employer.id, visible_ids)
        + [TimelineEntry(row.lead.created_at, "lead_created", row.lead, row.visible) for row in leads]
        + _stage_entries(visible_ids)
        + [TimelineEntry(event.at, "change", event) for event in changes]
    )
    for contact in contacts:
        audit.record_read(viewer, contact)
    return EmployerPage(employer=employer, contacts=contacts, leads=leads, timeline=timeline,
                        counts=employer_counts([employer.id])[employer.id])


@dataclass
class ContactPage:
    contact: Contact
    leads: list[LeadRow]
    timeline: list[TimelineEntry]


def open_contact_page(contact: Contact, viewer: User) -> ContactPage:
    """A contact with their touchpoints and leads; logs the read in the audit log."""
    # Over the whole employer: a touchpoint of this person can sit on a lead made for a colleague.
    visible_ids = _visible_lead_ids(viewer, Lead.employer_id == contact.employer_id)
    leads = _lead_rows(Lead.contact_id == contact.id, visible_ids)
    timeline = _sorted(_touchpoint_entries(Touchpoint.contact_id == contact.id, visible_ids))
    audit.record_read(viewer, contact)
    return ContactPage(contact=contact, leads=leads, timeline=timeline)


# --- edits ------------------------------------------------------------------------------------------

@dataclass
class EmployerChanges:
    """An edit of the employer record as typed; the service normalises and checks it."""

    name: str
    kvk: str = ""
    vestigingsnummer: str = ""
    sector_id: int | None = None
    size_class: str | None = None
    municipality_id: int | None = None
    postcode: str = ""
    website: str = ""
    account_manager_id: int | None = None


def _max_length(column) -> int:
    return column.property.columns[0].type.length


def _normalised(fn, raw: str, field_name: str, errors: dict[str, str]) -> str | None:
    """The stored form of an optional value; an invalid one becomes a field error."""
    if not (raw or "").strip():
        return None
    try:
        return fn(raw, field_name)
    except ValidationError as exc:
        errors.update(exc.fields)
        return None


def _refuse_bsn(fields: dict[str, str | None], errors: dict[str, str]) -> None:
    for field_name, text in fields.items():
        try:
            normalise.refuse_bsn(text, field_name)
        except ValidationError as exc:
            errors.update(exc.fields)


def update_employer(employer: Employer, data: EmployerChanges, *, actor: User | None) -> Employer:
    """Change the employer record; refuses a taken KvK number (naming its holder), bad formats and a BSN,
    and an account manager the actor may not set (permissions.can_set_account_manager; no actor: the system).

    Nothing changes unless every field is valid. A new account manager is audited as [old, new].
    """
    errors: dict[str, str] = {}
    _refuse_bsn({"name": data.name, "kvk": data.kvk, "vestigingsnummer": data.vestigingsnummer,
                 "website": data.website}, errors)
    name = (data.name or "").strip()
    _check_employer_name(name, errors)
    kvk = None if "kvk" in errors else _normalised(normalise.kvk, data.kvk, "kvk", errors)
    vestiging = (None if "vestigingsnummer" in errors
                 else _normalised(normalise.vestigingsnummer, data.vestigingsnummer, "vestigingsnummer", errors))
    postcode = _normalised(normalise.postcode, data.postcode, "postcode", errors)
    website = (data.website or "").strip() or None
    _check_website(website, errors)
    _check_kvk_free(kvk, employer, errors)
    sector = _known(Sector, data.sector_id, "sector_id", "Onbekende sector.", errors)
    municipality = _known(Municipality, data.municipality_id, "municipality_id", "Onbekende gemeente.", errors)
    _known(SizeClass, data.size_class, "size_class", "Onbekende grootteklasse.", errors)
    manager = _new_account_manager(employer, data.account_manager_id, actor, errors)
    if errors:
        raise ValidationError("De werkgever is niet opgeslagen: " + " ".join(errors.values()), errors)

    _apply_employer_changes(employer, {
        "name": name, "name_key": normalise.name_key(name), "kvk": kvk, "vestigingsnummer": vestiging,
        "sector_id": sector.id if sector else None, "size_class": data.size_class or None,
        "municipality_id": municipality.id if municipality else None, "postcode": postcode, "website": website,
        "account_manager_id": manager.id if manager else None,
    }, manager=manager, actor=actor)
    return employer


def _check_employer_name(name: str, errors: dict[str, str]) -> None:
    """A name is required, fits its column and has a letter or digit besides the legal form."""
    if not name:
        errors.setdefault("name", "Vul de naam van de werkgever in.")
    elif len(name) > _max_length(Employer.name):
        errors.setdefault("name", f"Een naam heeft hoogstens {_max_length(Employer.name)} tekens.")
    elif not normalise.name_key(name):
        errors.setdefault("name", "Een naam heeft minstens één letter of cijfer naast de rechtsvorm.")


def _check_website(website: str | None, errors: dict[str, str]) -> None:
    if website and "website" not in errors and len(website) > _max_length(Employer.website):
        errors["website"] = f"Een webadres heeft hoogstens {_max_length(Employer.website)} tekens."


def _check_kvk_free(kvk: str | None, employer: Employer, errors: dict[str, str]) -> None:
    """A KvK number belongs to one employer: a taken one names its holder and suggests merging."""
    if not kvk:
        return
    holder = db.session.scalar(select(Employer).where(Employer.kvk == kvk, Employer.id != employer.id))
    if holder is not None:
        errors["kvk"] = (f"KvK-nummer {kvk} hoort al bij werkgever {holder.name} (nummer {holder.id}). "
                         "Is het dezelfde organisatie? Voeg de twee dan samen.")


def _known(model, key, field_name: str, message: str, errors: dict[str, str]):
    """The reference row with this key (None for no key); an unknown key becomes a field error."""
    if not key:
        return None
    row = db.session.get(model, key)
    if row is None:
        errors[field_name] = message
    return row


def _new_account_manager(employer: Employer, manager_id: int | None, actor: User | None,
                         errors: dict[str, str]) -> User | None:
    """The account manager asked for. A change needs an active advisor or team lead (or nobody), and an
    actor allowed to make it (no actor: the system)."""
    manager = db.session.get(User, manager_id) if manager_id else None
    if manager_id == employer.account_manager_id:
        return manager
    if manager_id and not _may_be_account_manager(manager):
        errors["account_manager_id"] = "Kies een actieve adviseur of teamleider als accountmanager."
    elif actor is not None and not can_set_account_manager(actor, employer, manager):
        errors["account_manager_id"] = ("U mag deze accountmanager niet instellen: een teamleider kiest binnen het "
                                        "eigen team, adviseurs wijzigen de accountmanager niet.")
    return manager


def _may_be_account_manager(user: User | None) -> bool:
    return user is not None and user.role in ACCOUNT_MANAGER_ROLES and user.active


def _apply_employer_changes(employer: Employer, values: dict, *, manager: User | None, actor: User | None) -> None:
    """Set the values that differ and audit them (the name key follows the name, unaudited)."""
    changed = []
    changes: dict[str, list] = {}
    old_manager = employer.account_manager
    for attr, value in values.items():
        if getattr(employer, attr) != value:
            if attr != "name_key":
                changed.append(attr)
                changes.update(audit.diff({attr: getattr(employer, attr)}, {attr: value}))
            setattr(employer, attr, value)
    if changed:
        db.session.flush()
        detail = {}
        if "account_manager_id" in changed:
            detail["account_manager"] = [old_manager.name if old_manager else None, manager.name if manager else None]
        audit.record(actor, "employer_updated", employer, fields=changed, changes=changes, **detail)


@dataclass
class ContactChanges:
    """An edit of a contact as typed."""

    name: str = ""
    function: str = ""
    email: str = ""
    phone: str = ""
    opted_out: bool = False


def update_contact(contact: Contact, data: ContactChanges, *, actor: User | None) -> Contact:
    """Change a contact; needs a valid e-mail address or phone number, refuses a BSN.

    The audit entry names the fields that changed, not their values: the log is no second copy of
    personal data (and erasing a contact leaves no copy behind). Only the opt-out, no personal data,
    is recorded as [old, new].
    """
    errors: dict[str, str] = {}
    _refuse_bsn({"name": data.name, "function": data.function}, errors)
    name, function = (data.name or "").strip(), (data.function or "").strip()
    for field_name, value, column in (("name", name, Contact.name), ("function", function, Contact.function)):
        if field_name not in errors and len(value) > _max_length(column):
            errors[field_name] = f"Hoogstens {_max_length(column)} tekens."
    email = _normalised(normalise.email, data.email, "email", errors)
    phone = _normalised(normalise.phone, data.phone, "phone", errors)
    if email is None and phone is None and "email" not in errors and "phone" not in errors:
        errors["email"] = "Geef een e-mailadres of een telefoonnummer, zodat de contactpersoon bereikbaar is."
    if email and email != contact.email:
        other = db.session.scalar(select(Contact).where(
            Contact.employer_id == contact.employer_id, Contact.email == email, Contact.id != contact.id))
        if other is not None:
            errors["email"] = "Een andere contactpersoon van deze werkgever heeft dit e-mailadres al."
    if errors:
        raise ValidationError("De contactpersoon is niet opgeslagen: " + " ".join(errors.values()), errors)

    changed = []
    changes: dict[str, list] = {}
    for attr, value in {"name": name, "function": function, "email": email, "phone": phone}.items():
        if getattr(contact, attr) != value:
            setattr(contact, attr, value)
            changed.append(attr)
    if data.opted_out != (contact.opted_out_at is not None):
        changes["opted_out"] = [not data.opted_out, data.opted_out]
        contact.opted_out_at = utcnow() if data.opted_out else None
        changed.append("opted_out_at")
    if email and contact.employer.email_domain is None:
        contact.employer.email_domain = normalise.email_domain(email)
    if changed:
        db.session.flush()
        audit.record(actor, "contact_updated", contact, fields=changed, changes=changes)
    return contact
