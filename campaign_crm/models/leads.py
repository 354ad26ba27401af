"""Leads, their stage history and assignments."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import NOT_PERSONAL, UTCDateTime, personal, utcnow

if TYPE_CHECKING:
    from .campaigns import Campaign, Channel, Phase
    from .employers import Contact, Employer
    from .partners import Team
    from .reference import Interest, LostReason
    from .routing import RoutingRule
    from .users import User

# The lifecycle is code, not data: each stage has its own timestamp column.
STAGES = ("new", "assigned", "contacted", "meeting", "vacancy", "placed")
LOST = "lost"
OPEN_STAGES = STAGES[:-1]
# Literal SQL for partial indexes and queue queries (SQLite skips a partial index for bound IN lists).
OPEN_STAGES_SQL = "stage IN (" + ", ".join(f"'{stage}'" for stage in OPEN_STAGES) + ")"
STAGE_LABELS = {
    "new": "Nieuw",
    "assigned": "Toegewezen",
    "contacted": "Contact gehad",
    "meeting": "Adviesgesprek",
    "vacancy": "Vacature",
    "placed": "Geplaatst",
    "lost": "Vervallen",
}

lead_interests = Table(
    "lead_interests",
    db.metadata,
    Column("lead_id", ForeignKey("leads.id", ondelete="CASCADE"), primary_key=True),
    Column("interest_id", ForeignKey("interests.id"), primary_key=True),
)


class Lead(db.Model):
    __tablename__ = "leads"

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"))
    phase_id: Mapped[int | None] = mapped_column(ForeignKey("phases.id"))
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("channels.id"))
    # The last touch before the adviesgesprek (phase_id and channel_id above are the first touch): the
    # phase and channel of the lead's last touchpoint that carries one, at or before meeting_at (without a
    # meeting: the last such touchpoint); None when no touchpoint carries one. Written only by
    # services.leads.attribution, whenever the lead's touchpoints or its meeting time change.
    last_touch_phase_id: Mapped[int | None] = mapped_column(ForeignKey("phases.id"))
    last_touch_channel_id: Mapped[int | None] = mapped_column(ForeignKey("channels.id"))
    stage: Mapped[str] = mapped_column(String(12), default="new", info=NOT_PERSONAL)
    message: Mapped[str | None] = mapped_column(
        Text, info=personal("vrije tekst van de werkgever", "retention_lead_text_months"))
    # The first touchpoint's external id and its source; unique within the source.
    external_source: Mapped[str | None] = mapped_column(String(40), info=NOT_PERSONAL)
    external_id: Mapped[str | None] = mapped_column(String(120), info=NOT_PERSONAL)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    waiting_reason: Mapped[str | None] = mapped_column(String(200), info=NOT_PERSONAL)
    sla_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    priority: Mapped[int] = mapped_column(default=0)
    # How the priority score was made up: [{"reason": "...", "points": n}], shown on the lead.
    priority_parts: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list, info=NOT_PERSONAL)
    escalation_level: Mapped[str | None] = mapped_column(String(20), info=NOT_PERSONAL)
    lost_reason_id: Mapped[int | None] = mapped_column(ForeignKey("lost_reasons.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the lead reached the CRM (the form, the API call, the import); created_at is the first touchpoint's
    # own time, which for an imported row can lie long before. Set by the intake; empty only for rows made
    # outside it, which the reports then read as arrived when created.
    arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    contacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    meeting_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    vacancy_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    placed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lost_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    employer: Mapped[Employer] = relationship()
    contact: Mapped[Contact | None] = relationship()
    campaign: Mapped[Campaign | None] = relationship()
    phase: Mapped[Phase | None] = relationship(foreign_keys=[phase_id])
    channel: Mapped[Channel | None] = relationship(foreign_keys=[channel_id])
    owner: Mapped[User | None] = relationship()
    team: Mapped[Team | None] = relationship()
    lost_reason: Mapped[LostReason | None] = relationship()
    interests: Mapped[list[Interest]] = relationship(secondary=lead_interests, order_by="Interest.sort_order")
    events: Mapped[list[LeadStageEvent]] = relationship(
        back_populates="lead", order_by="LeadStageEvent.at", cascade="all, delete-orphan"
    )
    assignments: Mapped[list[LeadAssignment]] = relationship(
        back_populates="lead", order_by="LeadAssignment.at", cascade="all, delete-orphan"
    )

    __table_args__ = (
        UniqueConstraint("external_source", "external_id", name="uq_leads_external_source_external_id"),
        # The report cohort: leads created in a period, with what the funnel and first-contact reports
        # count and group on (first and last touch), so SQLite and PostgreSQL answer them from the index
        # alone (10x faster at 1M leads, see docs/reports.md). It starts with created_at, so it also
        # serves every created_at range.
        Index("ix_leads_cohort", "created_at", "channel_id", "phase_id", "team_id", "owner_id", "assigned_at",
              "contacted_at", "meeting_at", "vacancy_at", "placed_at", "lost_at", "sla_due_at",
              "last_touch_channel_id", "last_touch_phase_id", "arrived_at"),
        Index("ix_leads_stage", "stage"),
        Index("ix_leads_owner_stage", "owner_id", "stage"),
        # Queues: an advisor's open leads by SLA due time, and a team's waiting leads. Partial
        # indexes; queries must spell the stage list literally for SQLite to use them.
        Index("ix_leads_owner_queue", "owner_id", "sla_due_at", "priority",
              sqlite_where=text(OPEN_STAGES_SQL), postgresql_where=text(OPEN_STAGES_SQL)),
        Index("ix_leads_team_waiting", "team_id", "sla_due_at",
              sqlite_where=text("owner_id IS NULL AND " + OPEN_STAGES_SQL),
              postgresql_where=text("owner_id IS NULL AND " + OPEN_STAGES_SQL)),
    )

    @property
    def stage_label(self) -> str:
        return STAGE_LABELS[self.stage]

    @property
    def is_open(self) -> bool:
        return self.stage in OPEN_STAGES

    def stage_time(self, stage: str) -> datetime | None:
        return self.created_at if stage == "new" else getattr(self, f"{stage}_at")


class LeadStageEvent(db.Model):
    __tablename__ = "lead_stage_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    from_stage: Mapped[str | None] = mapped_column(String(12), info=NOT_PERSONAL)
    to_stage: Mapped[str] = mapped_column(String(12), info=NOT_PERSONAL)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(Text, default="", info=personal("vrije tekst", "retention_lead_text_months"))

    lead: Mapped[Lead] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class LeadAssignment(db.Model):
    """Who a lead went to (or why it waits), by whom, and why: the explainable decision."""

    __tablename__ = "lead_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    advisor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("routing_rules.id"))
    # route (automatic), reroute (after a decline or absence), manual, backup
    kind: Mapped[str] = mapped_column(String(20), default="route", info=NOT_PERSONAL)
    reason: Mapped[str] = mapped_column(Text, info=NOT_PERSONAL)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    lead: Mapped[Lead] = relationship(back_populates="assignments")
    rule: Mapped[RoutingRule | None] = relationship()
    advisor: Mapped[User | None] = relationship(foreign_keys=[advisor_id])
    team: Mapped[Team | None] = relationship()
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
