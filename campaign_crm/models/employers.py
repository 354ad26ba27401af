"""Employers (the shared regional record), their contacts, and touchpoints from outside."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import NOT_PERSONAL, UTCDateTime, personal, utcnow

if TYPE_CHECKING:
    from .campaigns import AdCode, Channel, Phase
    from .leads import Lead
    from .reference import Municipality, Sector
    from .users import User

TOUCHPOINT_KINDS = {
    "form": "Campagneformulier",
    "website": "Websiteformulier",
    "livestream_registration": "Aanmelding livestream",
    "livestream_attendance": "Deelname livestream",
    "import": "Import",
    "api": "API",
    "manual": "Handmatig",
}


class Employer(db.Model):
    __tablename__ = "employers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), info=NOT_PERSONAL)
    name_key: Mapped[str] = mapped_column(String(200), index=True, info=NOT_PERSONAL)
    kvk: Mapped[str | None] = mapped_column(String(8), unique=True, info=NOT_PERSONAL)
    vestigingsnummer: Mapped[str | None] = mapped_column(String(12), info=NOT_PERSONAL)
    sbi_code: Mapped[str | None] = mapped_column(String(10), info=NOT_PERSONAL)
    sector_id: Mapped[int | None] = mapped_column(ForeignKey("sectors.id"), index=True)
    size_class: Mapped[str | None] = mapped_column(ForeignKey("size_classes.code"), info=NOT_PERSONAL)
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipalities.id"), index=True)
    postcode: Mapped[str | None] = mapped_column(String(7), info=NOT_PERSONAL)
    website: Mapped[str | None] = mapped_column(String(200), info=NOT_PERSONAL)
    email_domain: Mapped[str | None] = mapped_column(String(200), index=True, info=NOT_PERSONAL)
    account_manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    sector: Mapped[Sector | None] = relationship()
    municipality: Mapped[Municipality | None] = relationship()
    account_manager: Mapped[User | None] = relationship()
    contacts: Mapped[list[Contact]] = relationship(back_populates="employer", order_by="Contact.id")

    __table_args__ = (
        Index("ix_employers_name_key_postcode", "name_key", "postcode"),
        # Name fragments for the search box (PostgreSQL; SQLite has an FTS5 table, migration 0016).
        Index("ix_employers_name_key_trgm", "name_key", postgresql_using="gin",
              postgresql_ops={"name_key": "gin_trgm_ops"}).ddl_if(dialect="postgresql"),
    )


class EmployerNonDuplicate(db.Model):
    """Two employers someone checked and declared to be different organisations."""

    __tablename__ = "employer_non_duplicates"

    employer_a_id: Mapped[int] = mapped_column(ForeignKey("employers.id", ondelete="CASCADE"), primary_key=True)
    employer_b_id: Mapped[int] = mapped_column(ForeignKey("employers.id", ondelete="CASCADE"), primary_key=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Contact(db.Model):
    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), index=True)
    name: Mapped[str] = mapped_column(String(160), default="", info=personal("naam", "retention_contact_months"))
    function: Mapped[str] = mapped_column(String(120), default="", info=personal("functie", "retention_contact_months"))
    email: Mapped[str | None] = mapped_column(String(254), index=True,
                                              info=personal("contactgegevens", "retention_contact_months"))
    phone: Mapped[str | None] = mapped_column(String(20), index=True,
                                              info=personal("contactgegevens", "retention_contact_months"))
    consent_basis: Mapped[str | None] = mapped_column(String(40), info=NOT_PERSONAL)
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consent_source: Mapped[str | None] = mapped_column(
        String(80), info=personal("herkomst toestemming", "retention_contact_months"))
    consent_text_version: Mapped[str | None] = mapped_column(String(40), info=NOT_PERSONAL)
    opted_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set by the retention purge: name, function, e-mail and phone are gone for good.
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    employer: Mapped[Employer] = relationship(back_populates="contacts")

    __table_args__ = (
        Index("ix_contacts_name_trgm", "name", postgresql_using="gin",
              postgresql_ops={"name": "gin_trgm_ops"}).ddl_if(dialect="postgresql"),
    )


class Touchpoint(db.Model):
    """One recorded interaction from outside, with its raw attribution values."""

    __tablename__ = "touchpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), info=NOT_PERSONAL)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"), index=True)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id"), index=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"))
    phase_id: Mapped[int | None] = mapped_column(ForeignKey("phases.id"))
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("channels.id"))
    utm_source: Mapped[str | None] = mapped_column(String(120), info=NOT_PERSONAL)
    utm_medium: Mapped[str | None] = mapped_column(String(120), info=NOT_PERSONAL)
    utm_campaign: Mapped[str | None] = mapped_column(String(200), info=NOT_PERSONAL)
    utm_content: Mapped[str | None] = mapped_column(String(200), info=NOT_PERSONAL)
    utm_term: Mapped[str | None] = mapped_column(String(200), info=NOT_PERSONAL)
    utm_id: Mapped[str | None] = mapped_column(String(120), info=NOT_PERSONAL)
    ad_code_id: Mapped[int | None] = mapped_column(ForeignKey("ad_codes.id"), index=True)
    how_heard: Mapped[str | None] = mapped_column(String(200), info=personal("vrije tekst", "retention_contact_months"))
    message: Mapped[str | None] = mapped_column(
        Text, info=personal("vrije tekst van de werkgever", "retention_contact_months"))
    # Who issued external_id (services.capture.intake.token_source, an import's platform): the id is unique within it.
    external_source: Mapped[str | None] = mapped_column(String(40), info=NOT_PERSONAL)
    external_id: Mapped[str | None] = mapped_column(String(160), info=NOT_PERSONAL)
    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    employer: Mapped[Employer] = relationship()
    ad_code: Mapped[AdCode | None] = relationship()
    contact: Mapped[Contact | None] = relationship()
    channel: Mapped[Channel | None] = relationship()
    phase: Mapped[Phase | None] = relationship()
    lead: Mapped[Lead | None] = relationship()

    __table_args__ = (
        UniqueConstraint("external_source", "external_id", name="uq_touchpoints_external_source_external_id"),
        # A lead's touchpoints in time order with their attribution: the last-touch funnel finds a lead's
        # last touch before the meeting in one backward index-only step (docs/benchmarks.md, "Reports").
        Index("ix_touchpoints_lead_last", "lead_id", "occurred_at", "id", "channel_id", "phase_id"),
    )

    @property
    def kind_label(self) -> str:
        return TOUCHPOINT_KINDS.get(self.kind, self.kind)
