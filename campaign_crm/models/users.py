"""Users with their role, capacity, skills, coverage and absences; login sessions; API tokens."""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Column, ForeignKey, Index, String, Table, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import NOT_PERSONAL, UTCDateTime, personal, utcnow

if TYPE_CHECKING:
    from .leads import Lead
    from .partners import Partner, Team
    from .reference import Municipality, Sector

# Each role with its label for people. Code names roles through the constants in permissions.py,
# which checks that they and these keys agree.
ROLES = {
    "admin": "Beheerder",
    "campaign": "Campagneteam",
    "teamlead": "Teamleider",
    "advisor": "Adviseur",
    "management": "Management",
}

user_skills = Table(
    "user_skills",
    db.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("sector_id", ForeignKey("sectors.id", ondelete="CASCADE"), primary_key=True),
)

user_municipalities = Table(
    "user_municipalities",
    db.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("municipality_id", ForeignKey("municipalities.id", ondelete="CASCADE"), primary_key=True),
)


class User(db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True,
                                       info=personal("contactgegevens medewerker", "zolang het account bestaat"))
    name: Mapped[str] = mapped_column(String(120), info=personal("naam medewerker", "zolang het account bestaat"))
    password_hash: Mapped[str] = mapped_column(String(255),
                                               info=personal("inloggegevens", "zolang het account bestaat"))
    role: Mapped[str] = mapped_column(String(20), index=True, info=NOT_PERSONAL)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    capacity: Mapped[int] = mapped_column(default=20)
    backup_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    active: Mapped[bool] = mapped_column(default=True)
    last_assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # TOTP two-factor login: the shared secret (base32), when it was switched on, and the last
    # time step accepted, so a code cannot be used twice.
    totp_secret: Mapped[str | None] = mapped_column(String(64),
                                                    info=personal("inloggegevens", "zolang het account bestaat"))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    partner: Mapped[Partner | None] = relationship(back_populates="users")
    team: Mapped[Team | None] = relationship(back_populates="members")
    backup: Mapped[User | None] = relationship(remote_side=[id], post_update=True)
    skills: Mapped[list[Sector]] = relationship(secondary=user_skills, order_by="Sector.sort_order")
    municipalities: Mapped[list[Municipality]] = relationship(
        secondary=user_municipalities, order_by="Municipality.name"
    )
    absences: Mapped[list[Absence]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="Absence.starts_on"
    )

    # Flask-Login protocol; authentication itself is checked against UserSession rows.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)

    @property
    def has_two_factor(self) -> bool:
        return self.totp_enabled_at is not None

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)

    def is_absent_on(self, day: date) -> bool:
        return any(a.starts_on <= day <= a.ends_on for a in self.absences)


class Absence(db.Model):
    __tablename__ = "absences"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    reason: Mapped[str] = mapped_column(
        String(120), default="", info=personal("afwezigheid medewerker (vrije tekst)", "zolang het account bestaat"))
    # The leads handed over because of this absence go back to the advisor once it has ended (and
    # `handed_back_at` says when that was done, so it is done once).
    hand_back: Mapped[bool] = mapped_column(default=False, server_default=false())
    handed_back_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="absences")
    handovers: Mapped[list[AbsenceHandover]] = relationship(
        back_populates="absence", cascade="all, delete-orphan", passive_deletes=True, order_by="AbsenceHandover.id")

    __table_args__ = (Index("ix_absences_user_dates", "user_id", "starts_on", "ends_on"),)


# What became of a lead handed over because of an absence, once the absence is over.
HANDBACK_OUTCOMES = {
    "returned": "teruggegeven",
    "closed": "niet teruggegeven: de lead is afgesloten",
    "moved_on": "niet teruggegeven: de lead is intussen bij iemand anders",
    "unavailable": "niet teruggegeven: de adviseur kan hem nu niet hebben",
}


class AbsenceHandover(db.Model):
    """A lead that an absence moved from the absent advisor (`from_user`) to someone else (`to_user`), so the absence
    can list them; for an absence that hands its leads back, `outcome` (HANDBACK_OUTCOMES) is set when that ran."""

    __tablename__ = "absence_handovers"
    __table_args__ = (UniqueConstraint("absence_id", "lead_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    absence_id: Mapped[int] = mapped_column(ForeignKey("absences.id", ondelete="CASCADE"))
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    from_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    to_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    handed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    outcome: Mapped[str | None] = mapped_column(String(20), info=NOT_PERSONAL)
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    absence: Mapped[Absence] = relationship(back_populates="handovers")
    lead: Mapped[Lead] = relationship()
    from_user: Mapped[User] = relationship(foreign_keys=[from_user_id])
    to_user: Mapped[User] = relationship(foreign_keys=[to_user_id])

    @property
    def outcome_label(self) -> str:
        return HANDBACK_OUTCOMES.get(self.outcome or "", "nog bij " + self.to_user.name)


class UserSession(db.Model):
    """A server-side login session; deleting the row logs the browser out."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, info=NOT_PERSONAL)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ip_address: Mapped[str] = mapped_column(String(45), default="",
                                            info=personal("IP-adres", "tot uitloggen of verlopen van de sessie"))
    user_agent: Mapped[str] = mapped_column(String(200), default="",
                                            info=personal("browsergegevens", "tot uitloggen of verlopen van de sessie"))

    user: Mapped[User] = relationship()


class ApiToken(db.Model):
    """A bearer token for the JSON API; only its hash is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True, info=NOT_PERSONAL)
    role: Mapped[str] = mapped_column(String(20), info=NOT_PERSONAL)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, info=NOT_PERSONAL)
    prefix: Mapped[str] = mapped_column(String(12), info=NOT_PERSONAL)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    partner: Mapped[Partner | None] = relationship()
