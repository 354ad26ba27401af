"""Retention: anonymise personal data whose retention period (a setting per record type) has passed.

Each rule is one set-based UPDATE (or DELETE) with a condition that also skips what an earlier
run already purged, so the purge is idempotent and a dry run counts exactly what a real run
would change. Counts, never contents, go to the audit trail.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import (
    ColumnElement,
    Table,
    and_,
    delete,
    exists,
    func,
    or_,
    select,
    update,
)

from ...extensions import db
from ...models import (
    Activity,
    AuditEvent,
    CheckIn,
    Contact,
    EventRegistration,
    ImportBatch,
    Intervention,
    Lead,
    LeadStageEvent,
    Meeting,
    Placement,
    RiskCase,
    RiskSignal,
    Touchpoint,
    User,
    utcnow,
)
from ...models.feedback import CheckInLink, EmployeeVoice
from ...models.leads import OPEN_STAGES
from .. import audit
from ..calendar import add_months
from ..errors import ValidationError
from ..reference import setting

PURGED_CANDIDATE_REF = "verwijderd"


@dataclass(frozen=True)
class Rule:
    """One kind of personal data: what it is, where it lives, when it expires, and what is left."""

    label: str
    setting: str
    table: Table
    where: Callable[[datetime, date], ColumnElement[bool]]  # (cut-off moment, cut-off date) -> rows to purge
    values: dict | None  # None: delete the rows


@dataclass(frozen=True)
class PurgeLine:
    label: str
    months: int
    cutoff: date
    rows: int


def _closed_before(moment: datetime) -> ColumnElement[bool]:
    """Leads that closed (lost or placed) before `moment`."""
    return or_(and_(Lead.stage == "lost", Lead.lost_at < moment), and_(Lead.stage == "placed", Lead.placed_at < moment))


def _closed_lead_ids(moment: datetime):
    return select(Lead.id).where(_closed_before(moment))


def _ended_placement_ids(day: date):
    return select(Placement.id).where(Placement.end_date.is_not(None), Placement.end_date < day)


def _contact_expired(moment: datetime) -> ColumnElement[bool]:
    """A contact not yet anonymised, not seen since `moment`, and without an open or recent lead."""
    recent_touch = exists().where(Touchpoint.contact_id == Contact.id, Touchpoint.occurred_at >= moment)
    live_lead = exists().where(
        Lead.contact_id == Contact.id, or_(Lead.stage.in_(OPEN_STAGES), Lead.updated_at >= moment)
    )
    return and_(Contact.anonymised_at.is_(None), Contact.created_at < moment, ~recent_touch, ~live_lead)


RULES: tuple[Rule, ...] = (
    Rule("Contactpersonen geanonimiseerd", "retention_contact_months", Contact.__table__,
         lambda moment, day: _contact_expired(moment),
         {"name": "", "function": "", "email": None, "phone": None}),
    Rule("Berichten bij contactmomenten gewist", "retention_contact_months", Touchpoint.__table__,
         lambda moment, day: and_(Touchpoint.occurred_at < moment,
                                  or_(Touchpoint.message.is_not(None), Touchpoint.how_heard.is_not(None)),
                                  or_(Touchpoint.lead_id.is_(None), Touchpoint.lead_id.in_(_closed_lead_ids(moment)))),
         {"message": None, "how_heard": None}),
    Rule("Livestream-aanmeldingen geanonimiseerd", "retention_contact_months", EventRegistration.__table__,
         lambda moment, day: and_(EventRegistration.created_at < moment, EventRegistration.email != ""),
         {"email": ""}),
    Rule("Berichten bij afgesloten leads gewist", "retention_lead_text_months", Lead.__table__,
         lambda moment, day: and_(_closed_before(moment), Lead.message.is_not(None)),
         {"message": None}),
    Rule("Gespreksverslagen bij afgesloten leads gewist", "retention_lead_text_months", Activity.__table__,
         lambda moment, day: and_(Activity.lead_id.in_(_closed_lead_ids(moment)),
                                  or_(Activity.outcome != "", Activity.next_action != "")),
         {"outcome": "", "next_action": ""}),
    Rule("Plaats, toelichting en verslag van afspraken bij afgesloten leads gewist", "retention_lead_text_months",
         Meeting.__table__,
         lambda moment, day: and_(Meeting.lead_id.in_(_closed_lead_ids(moment)), Meeting.ends_at < moment,
                                  or_(Meeting.place != "", Meeting.note != "", Meeting.outcome != "")),
         {"place": "", "note": "", "outcome": ""}),
    Rule("Toelichtingen bij fasewijzigingen gewist", "retention_lead_text_months", LeadStageEvent.__table__,
         lambda moment, day: and_(LeadStageEvent.lead_id.in_(_closed_lead_ids(moment)), LeadStageEvent.note != ""),
         {"note": ""}),
    Rule("Kandidaatreferenties van beëindigde plaatsingen gewist", "retention_placement_months", Placement.__table__,
         lambda moment, day: and_(Placement.end_date.is_not(None), Placement.end_date < day,
                                  or_(Placement.candidate_ref != PURGED_CANDIDATE_REF, Placement.end_note != "")),
         {"candidate_ref": PURGED_CANDIDATE_REF, "end_note": ""}),
    Rule("Check-in-notities van beëindigde plaatsingen gewist", "retention_placement_months", CheckIn.__table__,
         lambda moment, day: and_(CheckIn.placement_id.in_(_ended_placement_ids(day)), CheckIn.note != ""),
         {"note": ""}),
    Rule("Antwoorden via check-inlinks van beëindigde plaatsingen gewist", "retention_placement_months",
         CheckInLink.__table__,
         lambda moment, day: and_(
             CheckInLink.checkin_id.in_(select(CheckIn.id).where(CheckIn.placement_id.in_(_ended_placement_ids(day)))),
             CheckInLink.help_text != ""),
         {"help_text": ""}),
    Rule("E-mailadressen van werknemers van beëindigde plaatsingen gewist", "retention_placement_months",
         EmployeeVoice.__table__,
         lambda moment, day: and_(EmployeeVoice.placement_id.in_(_ended_placement_ids(day)),
                                  EmployeeVoice.email.is_not(None)),
         {"email": None}),
    Rule("Interventies van beëindigde plaatsingen gewist", "retention_placement_months", Intervention.__table__,
         lambda moment, day: and_(Intervention.placement_id.in_(_ended_placement_ids(day)),
                                  or_(Intervention.note != "", Intervention.outcome != "")),
         {"note": "", "outcome": ""}),
    Rule("Risicomeldingen van beëindigde plaatsingen gewist", "retention_placement_months", RiskSignal.__table__,
         lambda moment, day: and_(RiskSignal.placement_id.in_(_ended_placement_ids(day)), RiskSignal.description != ""),
         {"description": ""}),
    Rule("Uitkomsten van risicodossiers gewist", "retention_placement_months", RiskCase.__table__,
         lambda moment, day: and_(RiskCase.placement_id.in_(_ended_placement_ids(day)), RiskCase.outcome != ""),
         {"outcome": ""}),
    Rule("Importbestanden en foutregels gewist", "retention_import_file_months", ImportBatch.__table__,
         lambda moment, day: and_(ImportBatch.created_at < moment, ImportBatch.content.is_not(None)),
         {"content": None, "errors": []}),
    Rule("Logboekregels verwijderd", "retention_audit_months", AuditEvent.__table__,
         lambda moment, day: AuditEvent.at < moment, None),
)


def purge_personal_data(*, dry_run: bool = False, actor: User | None = None,
                        now: datetime | None = None) -> list[PurgeLine]:
    """Anonymise (or, dry run, count) every record past its retention period; the caller commits."""
    now = now or utcnow()
    lines = []
    for rule in RULES:
        months = _months(rule.setting)
        day = add_months(now.date(), -months)
        moment = datetime.combine(day, time(), tzinfo=UTC)
        where = rule.where(moment, day)
        if dry_run:
            rows = db.session.scalar(select(func.count()).select_from(rule.table).where(where))
        else:
            statement = delete(rule.table) if rule.values is None else update(rule.table).values(**_stamped(rule, now))
            rows = db.session.execute(statement.where(where), execution_options={"synchronize_session": False}).rowcount
        lines.append(PurgeLine(rule.label, months, day, int(rows or 0)))
    if not dry_run:
        db.session.expire_all()
        audit.record_about(actor, "personal_data_purged", "purge",
                           rows={line.label: line.rows for line in lines if line.rows})
    return lines


def _stamped(rule: Rule, now: datetime) -> dict:
    values = dict(rule.values or {})
    if rule.table is Contact.__table__:
        values["anonymised_at"] = now
    return values


def _months(key: str) -> int:
    value = setting(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValidationError(f"De bewaartermijn {key} is geen heel aantal maanden ({value!r}); "
                              "corrigeer hem onder Beheer → Instellingen.", {key: "Geen geldig aantal maanden."})
    return value

