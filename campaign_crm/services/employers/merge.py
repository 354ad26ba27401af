"""Merging two employer records that turn out to be one organisation, in one transaction."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Column, Table, and_, delete, func, or_, select, update

from ...extensions import db
from ...models import (
    OPEN_STAGES,
    Contact,
    Employer,
    EmployerNonDuplicate,
    EventRegistration,
    Lead,
    Touchpoint,
    User,
)
from .. import audit
from ..errors import Conflict, ValidationError
from ..leads import attribution
from ..leads import lifecycle as lead_service

# Filled from the merged-away employer when the survivor has no value; the survivor wins otherwise.
FILLED_FIELDS = ("kvk", "vestigingsnummer", "sbi_code", "sector_id", "size_class", "municipality_id", "postcode",
                 "website", "email_domain", "account_manager_id")
CONTACT_FIELDS = ("name", "function", "phone")
CONSENT_FIELDS = ("consent_basis", "consent_at", "consent_source", "consent_text_version")


@dataclass
class MergeResult:
    survivor: Employer
    merged_id: int
    moved: dict[str, int] = field(default_factory=dict)
    merged_contacts: int = 0
    closed_leads: list[int] = field(default_factory=list)


def _references(table: Table, *, skip: tuple[Table, ...] = ()) -> list[Column]:
    """Every column that points at `table`; found from the metadata, so tables added later move too."""
    return [fk.parent for other in db.metadata.sorted_tables if other not in skip
            for fk in other.foreign_keys if fk.column.table is table]


def _repoint(columns: list[Column], old_id: int, new_id: int) -> dict[str, int]:
    """Point every reference to `old_id` at `new_id`; returns the rows moved per table."""
    moved: dict[str, int] = {}
    for column in columns:
        result = db.session.execute(update(column.table).where(column == old_id).values({column.name: new_id}))
        moved[column.table.name] = moved.get(column.table.name, 0) + result.rowcount
    return moved


def merge_check(survivor: Employer, other: Employer) -> None:
    """Raise when the two records cannot be merged: the same record, or two different KvK numbers."""
    if survivor.id == other.id:
        raise ValidationError("Een werkgever kan niet met zichzelf worden samengevoegd.",
                              {"survivor": "Dezelfde werkgever."})
    if survivor.kvk and other.kvk and survivor.kvk != other.kvk:
        raise Conflict(
            f"{survivor.name} (KvK {survivor.kvk}) en {other.name} (KvK {other.kvk}) hebben verschillende "
            "KvK-nummers: het zijn twee rechtspersonen. Samenvoegen kan niet."
        )


def merge_employers(survivor: Employer, other: Employer, *, actor: User | None) -> MergeResult:
    """Fold `other` into `survivor` and delete it; an audit entry on the survivor keeps what was merged.

    Values: the survivor's win, its empty fields are filled from the other (the KvK number too).
    Contacts, leads, touchpoints and event registrations move; contacts with the same e-mail address
    become one. When both employers had an open lead, the older stays open and takes over the newer
    one's touchpoints and interests; the newer is closed as lost with reason `duplicate`.
    Only flushes: the caller commits.
    """
    merge_check(survivor, other)
    # Lock both rows, so a parallel merge or intake cannot work on the record we are deleting.
    db.session.execute(select(Employer.id).where(Employer.id.in_((survivor.id, other.id))).with_for_update())
    other_id, other_name, other_kvk = other.id, other.name, other.kvk
    both_had_open_lead = all(
        db.session.scalar(select(func.count()).select_from(Lead)
                          .where(Lead.employer_id == employer_id, Lead.stage.in_(OPEN_STAGES)))
        for employer_id in (survivor.id, other_id)
    )

    kvk_to_take = other.kvk if survivor.kvk is None else None
    for attr in FILLED_FIELDS:
        if attr != "kvk" and getattr(survivor, attr) in (None, "") and getattr(other, attr) not in (None, ""):
            setattr(survivor, attr, getattr(other, attr))
    if kvk_to_take:
        other.kvk = None
        db.session.flush()  # free the unique KvK number before the survivor takes it
        survivor.kvk = kvk_to_take
    db.session.flush()

    merged_contacts = _merge_same_email_contacts(survivor.id, other_id)
    moved = _repoint(_references(Employer.__table__, skip=(EmployerNonDuplicate.__table__,)), other_id, survivor.id)
    db.session.execute(delete(EmployerNonDuplicate).where(
        or_(EmployerNonDuplicate.employer_a_id == other_id, EmployerNonDuplicate.employer_b_id == other_id)))
    db.session.expire_all()  # the ORM objects must see what the bulk updates did

    closed = _fold_open_leads(survivor.id, actor) if both_had_open_lead else []
    db.session.delete(db.session.get(Employer, other_id))
    db.session.flush()
    audit.record(actor, "employer_merged", survivor, merged_employer_id=other_id, merged_name=other_name,
                 merged_kvk=other_kvk, moved=moved, merged_contacts=merged_contacts, closed_leads=closed)
    return MergeResult(survivor=survivor, merged_id=other_id, moved=moved, merged_contacts=merged_contacts,
                       closed_leads=closed)


def _merge_same_email_contacts(survivor_id: int, other_id: int) -> int:
    """Fold each contact of `other_id` into the survivor's contact with the same e-mail address."""
    kept, dup = Contact.__table__.alias("kept"), Contact.__table__.alias("dup")
    pairs = db.session.execute(
        select(dup.c.id, func.min(kept.c.id))
        .join(kept, and_(kept.c.email == dup.c.email, kept.c.employer_id == survivor_id))
        .where(dup.c.employer_id == other_id)
        .group_by(dup.c.id)
    ).all()
    references = _references(Contact.__table__)
    for dup_id, kept_id in pairs:
        keeper, duplicate = db.session.get(Contact, kept_id), db.session.get(Contact, dup_id)
        for attr in CONTACT_FIELDS:
            if not getattr(keeper, attr) and getattr(duplicate, attr):
                setattr(keeper, attr, getattr(duplicate, attr))
        if keeper.consent_basis is None and duplicate.consent_basis is not None:
            for attr in CONSENT_FIELDS:
                setattr(keeper, attr, getattr(duplicate, attr))
        # An opt-out on either record is the person's wish: it stays, from the earliest date.
        if duplicate.opted_out_at and (keeper.opted_out_at is None or duplicate.opted_out_at < keeper.opted_out_at):
            keeper.opted_out_at = duplicate.opted_out_at
        db.session.flush()
        _repoint(references, dup_id, kept_id)
        db.session.expunge(duplicate)
        db.session.execute(delete(Contact).where(Contact.id == dup_id))
    return len(pairs)


def _fold_open_leads(employer_id: int, actor: User | None) -> list[int]:
    """Keep the oldest open lead; fold the others into it and close them as lost (duplicate)."""
    open_leads = db.session.scalars(
        select(Lead).where(Lead.employer_id == employer_id, Lead.stage.in_(OPEN_STAGES))
        .order_by(Lead.created_at, Lead.id)
    ).all()
    keeper, closed = open_leads[0], []
    for lead in open_leads[1:]:
        for model in (Touchpoint, EventRegistration):
            db.session.execute(update(model).where(model.lead_id == lead.id).values(lead_id=keeper.id)
                               .execution_options(synchronize_session=False))
        for interest in lead.interests:
            if interest not in keeper.interests:
                keeper.interests.append(interest)
        keeper.contact_id = keeper.contact_id or lead.contact_id
        lead_service.change_stage(lead, "lost", actor=actor, lost_reason="duplicate",
                                  note=f"Dubbele lead: samengevoegd in lead {keeper.id} bij het samenvoegen van "
                                       "werkgevers.")
        closed.append(lead.id)
    # The keeper's last touch may now be one of the touchpoints it took over; the closed leads have none left.
    attribution.refresh_last_touch([keeper.id, *closed])
    return closed
