"""AVG rights of one contact person: everything held about them (inzage), and erasure (vergetelheid).

Erasure anonymises instead of deleting: touchpoints, leads, activities and registrations stay, so
the campaign's counts do not change, but none of them identifies the person any more.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, Column, MetaData, String, Table, Text, or_, select, update

from ...extensions import db
from ...models import (
    STAGE_LABELS,
    Activity,
    AuditEvent,
    Contact,
    EventRegistration,
    Lead,
    LeadStageEvent,
    Meeting,
    Touchpoint,
    User,
    utcnow,
)
from ...models.audit import ACTION_LABELS
from .. import audit
from ..errors import ValidationError

ERASED = "[gewist]"
# Name parts shorter than this are not scrubbed from free text ("de", "van", initials).
MIN_NAME_PART = 3


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def contact_export(contact: Contact) -> dict[str, Any]:
    """Everything the CRM holds about `contact`, as plain JSON-ready data."""
    touchpoints = db.session.scalars(select(Touchpoint).where(Touchpoint.contact_id == contact.id)
                                     .order_by(Touchpoint.occurred_at)).all()
    leads = db.session.scalars(select(Lead).where(Lead.contact_id == contact.id).order_by(Lead.created_at)).all()
    lead_ids = [lead.id for lead in leads]
    activities = db.session.scalars(select(Activity).where(Activity.lead_id.in_(lead_ids))
                                    .order_by(Activity.occurred_at)).all() if lead_ids else []
    registrations = db.session.scalars(select(EventRegistration).where(EventRegistration.contact_id == contact.id)
                                       .order_by(EventRegistration.id)).all()
    reads = db.session.execute(
        select(AuditEvent.at, AuditEvent.action, User.name).outerjoin(User, AuditEvent.actor_id == User.id)
        .where(AuditEvent.object_type == "contacts", AuditEvent.object_id == contact.id)
        .order_by(AuditEvent.at)).all()
    return {
        "contactpersoon": {
            "id": contact.id, "naam": contact.name, "functie": contact.function, "e_mail": contact.email,
            "telefoon": contact.phone, "werkgever": contact.employer.name,
            "grondslag": contact.consent_basis, "toestemming_op": _iso(contact.consent_at),
            "toestemming_via": contact.consent_source, "toestemmingstekst_versie": contact.consent_text_version,
            "afgemeld_op": _iso(contact.opted_out_at), "geanonimiseerd_op": _iso(contact.anonymised_at),
            "in_crm_sinds": _iso(contact.created_at),
        },
        "contactmomenten": [
            {"id": t.id, "soort": t.kind_label, "op": _iso(t.occurred_at), "bericht": t.message,
             "hoe_gehoord": t.how_heard, "utm_source": t.utm_source, "utm_medium": t.utm_medium,
             "utm_campaign": t.utm_campaign}
            for t in touchpoints
        ],
        "leads": [
            {"id": lead.id, "fase": STAGE_LABELS.get(lead.stage, lead.stage), "aangemaakt": _iso(lead.created_at),
             "bericht": lead.message, "eigenaar": lead.owner.name if lead.owner else None}
            for lead in leads
        ],
        "activiteiten": [
            {"id": a.id, "lead_id": a.lead_id, "soort": a.kind_label, "op": _iso(a.occurred_at), "uitkomst": a.outcome,
             "volgende_actie": a.next_action}
            for a in activities
        ],
        "aanmeldingen": [
            {"id": r.id, "evenement": r.event.title, "e_mail": r.email, "aangemeld_op": _iso(r.registered_at),
             "aanwezig": r.attended, "minuten_gekeken": r.minutes_watched}
            for r in registrations
        ],
        "logboek": [{"op": _iso(at), "actie": ACTION_LABELS.get(action, action), "door": name or "systeem"}
                    for at, action, name in reads],
    }


def record_export(contact: Contact, *, actor: User, file_format: str) -> None:
    """Audit that `actor` produced the inzage of `contact` (as a page or a download)."""
    audit.record(actor, "contact_exported", contact, format=file_format)


def _identifiers(contact: Contact) -> list[str]:
    """The strings that identify the person in free text: full name, name parts, e-mail, phone."""
    found = [contact.name.strip()] if contact.name and contact.name.strip() else []
    found += [part for part in re.split(r"[\s,.]+", contact.name or "") if len(part) >= MIN_NAME_PART]
    found += [value for value in (contact.email, contact.phone) if value]
    if contact.phone and contact.phone.startswith("+31"):
        found.append("0" + contact.phone[3:])
    return sorted(set(found), key=len, reverse=True)


def _scrub(text: str | None, identifiers: list[str]) -> str | None:
    if not text or not identifiers:
        return text
    pattern = re.compile("|".join(rf"(?<!\w){re.escape(value)}(?!\w)" for value in identifiers), re.IGNORECASE)
    return pattern.sub(ERASED, text)


def erase_contact(contact: Contact, *, actor: User) -> dict[str, int]:
    """Anonymise `contact` and every trace of them in free text; the rows and counts stay. Returns what was touched."""
    if contact.anonymised_at is not None:
        raise ValidationError("Deze contactpersoon is al gewist.", {"contact": "Al geanonimiseerd."})
    identifiers = _identifiers(contact)
    lead_ids = list(db.session.scalars(select(Lead.id).where(Lead.contact_id == contact.id)))
    counts = {"contactmomenten": 0, "leads": len(lead_ids), "activiteiten": 0, "aanmeldingen": 0}

    # What the person wrote themselves goes entirely; what advisors wrote loses the identifiers only.
    counts["contactmomenten"] = db.session.execute(
        update(Touchpoint).where(Touchpoint.contact_id == contact.id).values(message=None, how_heard=None),
        execution_options={"synchronize_session": False}).rowcount or 0
    if lead_ids:
        db.session.execute(update(Lead).where(Lead.id.in_(lead_ids)).values(message=None),
                           execution_options={"synchronize_session": False})
        for activity in db.session.scalars(select(Activity).where(
                Activity.lead_id.in_(lead_ids), or_(Activity.outcome != "", Activity.next_action != ""))):
            activity.outcome = _scrub(activity.outcome, identifiers) or ""
            activity.next_action = _scrub(activity.next_action, identifiers) or ""
            counts["activiteiten"] += 1
        for event in db.session.scalars(select(LeadStageEvent).where(
                LeadStageEvent.lead_id.in_(lead_ids), LeadStageEvent.note != "")):
            event.note = _scrub(event.note, identifiers) or ""
        for meeting in db.session.scalars(select(Meeting).where(Meeting.lead_id.in_(lead_ids))):
            meeting.place = _scrub(meeting.place, identifiers) or ""  # a phone meeting's place is the contact's number
            meeting.note = _scrub(meeting.note, identifiers) or ""
            meeting.outcome = _scrub(meeting.outcome, identifiers) or ""
    for registration in db.session.scalars(select(EventRegistration).where(EventRegistration.contact_id == contact.id)):
        # The e-mail is unique per event: keep the row unique without identifying anyone.
        registration.email = f"gewist-{registration.id}"
        counts["aanmeldingen"] += 1

    contact.name, contact.function, contact.email, contact.phone = "", "", None, None
    contact.consent_source = None
    contact.anonymised_at = utcnow()
    db.session.flush()
    db.session.expire_all()
    audit.record(actor, "contact_erased", contact, counts=counts)
    return counts


# --- the processing register ---------------------------------------------------------------------------

# Tables of configuration and reference data: names of codes, campaigns, teams and partner
# organisations, never a person. Every other table's text columns must say whether they hold
# personal data (column info, see models.types.personal / NOT_PERSONAL).
REFERENCE_TABLES = frozenset({
    "ad_codes", "campaigns", "channel_utm", "channels", "end_hows", "end_whys", "events", "instruments", "interests",
    "lost_reasons", "municipalities", "partners", "phases", "routing_rules", "sbi_mappings", "sectors", "settings",
    "size_classes", "teams", "vacancies",
})


@dataclass(frozen=True)
class RegisterRow:
    table: str
    column: str
    category: str
    retention: str


def _text_columns(table: Table) -> list[Column]:
    return [column for column in table.columns if isinstance(column.type, (String, Text, JSON))]


def untagged_columns(metadata: MetaData | None = None) -> list[str]:
    """'table.column' for every text column outside the reference tables that says nothing about personal data."""
    tables = (metadata or db.metadata).sorted_tables
    return [f"{table.name}.{column.name}" for table in tables if table.name not in REFERENCE_TABLES
            for column in _text_columns(table) if "personal_data" not in column.info]


def processing_register() -> list[RegisterRow]:
    """Every column that holds personal data, with its category and retention, read from the models."""
    rows = []
    for table in sorted(db.metadata.sorted_tables, key=lambda t: t.name):
        for column in table.columns:
            category = column.info.get("personal_data")
            if category:
                rows.append(RegisterRow(table.name, column.name, category, column.info.get("retention", "")))
    return rows


def register_markdown(settings: Mapping[str, Any] | None = None) -> str:
    """The register as a Markdown table; a retention setting is shown with its value when `settings` has it."""
    settings = settings or {}
    lines = ["| tabel | kolom | soort persoonsgegeven | bewaartermijn |", "| --- | --- | --- | --- |"]
    for row in processing_register():
        retention = row.retention
        if retention in settings:
            retention = f"{settings[retention]} maanden (instelling `{retention}`)"
        elif retention.startswith("retention_"):
            retention = f"instelling `{retention}`"
        lines.append(f"| {row.table} | {row.column} | {row.category} | {retention} |")
    return "\n".join(lines) + "\n"
