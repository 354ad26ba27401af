"""Routing rules, declines and SLA escalations."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import NOT_PERSONAL, UTCDateTime, personal, utcnow

if TYPE_CHECKING:
    from .campaigns import Channel, Phase
    from .partners import Team
    from .reference import Municipality, Sector
    from .users import User


class RoutingRule(db.Model):
    """An ordered rule: when every filled-in condition matches, the lead goes to `team`."""

    __tablename__ = "routing_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    priority: Mapped[int] = mapped_column(default=100)
    active: Mapped[bool] = mapped_column(default=True)
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipalities.id"))
    sector_id: Mapped[int | None] = mapped_column(ForeignKey("sectors.id"))
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("channels.id"))
    phase_id: Mapped[int | None] = mapped_column(ForeignKey("phases.id"))
    size_class: Mapped[str | None] = mapped_column(ForeignKey("size_classes.code"))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    requires_skill: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    municipality: Mapped[Municipality | None] = relationship()
    sector: Mapped[Sector | None] = relationship()
    channel: Mapped[Channel | None] = relationship()
    phase: Mapped[Phase | None] = relationship()
    team: Mapped[Team] = relationship()

    @property
    def conditions(self) -> list[str]:
        """The rule's conditions in words, for the rules page and the lead's explanation."""
        parts = []
        if self.municipality:
            parts.append(f"gemeente {self.municipality.name}")
        if self.sector:
            parts.append(f"sector {self.sector.name}")
        if self.channel:
            parts.append(f"kanaal {self.channel.name}")
        if self.phase:
            parts.append(f"fase {self.phase.name}")
        if self.size_class:
            parts.append(f"grootte {self.size_class}")
        return parts or ["alle leads"]


class LeadDecline(db.Model):
    """An advisor turned a lead down; routing skips them for that lead."""

    __tablename__ = "lead_declines"

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    advisor_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    reason: Mapped[str] = mapped_column(Text, info=personal("vrije tekst", "retention_lead_text_months"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    advisor: Mapped[User] = relationship()


ESCALATION_LEVELS = {
    "due_soon": "Bijna te laat",
    "overdue": "Te laat (adviseur)",
    "team_lead": "Geëscaleerd naar teamleider",
    "coordinator": "Geëscaleerd naar campagnecoördinator",
}


class LeadEscalation(db.Model):
    """One step of the SLA ladder reached by a lead; recorded once (the sweep is idempotent)."""

    __tablename__ = "lead_escalations"

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    level: Mapped[str] = mapped_column(String(20), info=NOT_PERSONAL)
    notified_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    notified_user: Mapped[User | None] = relationship()

    __table_args__ = (UniqueConstraint("lead_id", "level", name="uq_lead_escalations_lead_level"),)

    @property
    def label(self) -> str:
        return ESCALATION_LEVELS.get(self.level, self.level)
