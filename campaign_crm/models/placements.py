"""Lead work and lasting jobs: activities, vacancies, placements, check-ins, risk, interventions,
jobcoach organisations and their risk signals.

Placements and everything under them concern a jobseeker and belong to the partner that owns
the placement; the jobseeker appears only as `candidate_ref`, a pseudonym from that partner's
own system (never a BSN, never a name).
"""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import NOT_PERSONAL, UTCDateTime, personal, utcnow

if TYPE_CHECKING:
    from .employers import Employer
    from .leads import Lead
    from .partners import Partner
    from .reference import Sector
    from .users import User

NEXT_ACTION_NONE, NEXT_ACTION_OPEN, NEXT_ACTION_DONE, NEXT_ACTION_DROPPED = "none", "open", "done", "dropped"
NEXT_ACTION_STATUSES = {NEXT_ACTION_OPEN: "Open", NEXT_ACTION_DONE: "Gedaan", NEXT_ACTION_DROPPED: "Vervallen"}

ACTIVITY_KINDS = {
    "call": "Telefoongesprek",
    "email": "E-mail",
    "visit": "Bedrijfsbezoek",
    "adviesgesprek": "Adviesgesprek",
    "harrie": "Harrie-training",
    "note": "Notitie",
}
VACANCY_STATUSES = {"open": "Open", "filled": "Vervuld", "withdrawn": "Ingetrokken"}
LKS_TYPES = {"regular": "Reguliere LKS", "forfaitair": "Forfaitaire LKS", "tijdelijk": "Tijdelijke LKS"}
CONTRACT_TYPES = {"permanent": "Vast", "fixed_term": "Tijdelijk (bepaalde tijd)", "other": "Anders"}
JOBCOACH_KINDS = {"external": "Extern (jobcoachorganisatie)", "internal": "Intern (eigen medewerker)"}
CHECKIN_WITH = {"employer": "Werkgever", "employee": "Werknemer", "jobcoach": "Jobcoach"}
RISK_LEVELS = {"green": "Groen", "amber": "Oranje", "red": "Rood"}
INTERVENTION_KINDS = {
    "extra_jobcoach_hours": "Extra jobcoachuren",
    "new_loonwaarde": "Nieuwe loonwaardemeting",
    "adjusted_tasks": "Aangepaste taken",
    "other_work": "Begeleiding naar ander werk",
    "other": "Anders",
}


class Instrument(db.Model):
    __tablename__ = "instruments"

    code: Mapped[str] = mapped_column(String(30), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    sort_order: Mapped[int] = mapped_column(default=0)


class EndHow(db.Model):
    """How a job ended (fixed term not renewed, dismissal, …)."""

    __tablename__ = "end_hows"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    sort_order: Mapped[int] = mapped_column(default=0)


class EndWhy(db.Model):
    """Why a job ended; `influenceable` says whether better guidance could have kept it."""

    __tablename__ = "end_whys"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    influenceable: Mapped[bool]
    sort_order: Mapped[int] = mapped_column(default=0)


class Activity(db.Model):
    """Work logged on a lead: a call, e-mail, visit, adviesgesprek, Harrie training or note."""

    __tablename__ = "activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20), info=NOT_PERSONAL)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(Text, default="",
                                         info=personal("gespreksverslag (vrije tekst)", "retention_lead_text_months"))
    next_action: Mapped[str] = mapped_column(String(300), default="",
                                             info=personal("vrije tekst", "retention_lead_text_months"))
    next_action_due: Mapped[date | None]
    # A next action stays open until it is done or dropped (by anyone who works the lead); only then does it
    # leave "Mijn acties". Activities without a next action have status "none".
    next_action_status: Mapped[str] = mapped_column(String(10), default=NEXT_ACTION_NONE, server_default="none",
                                                    info=NOT_PERSONAL)
    next_action_closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_action_closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    next_action_closed_by: Mapped[User | None] = relationship(foreign_keys=[next_action_closed_by_id])

    __table_args__ = (Index("ix_activities_next_action_due", "actor_id", "next_action_due"),
                      Index("ix_activities_open_actions", "actor_id", "next_action_status", "next_action_due"))

    @property
    def next_action_label(self) -> str:
        return NEXT_ACTION_STATUSES.get(self.next_action_status, self.next_action_status)

    @property
    def kind_label(self) -> str:
        return ACTIVITY_KINDS.get(self.kind, self.kind)


class Vacancy(db.Model):
    __tablename__ = "vacancies"

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), index=True)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    sector_id: Mapped[int | None] = mapped_column(ForeignKey("sectors.id"))
    hours_per_week: Mapped[int | None]
    banenafspraak: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(20), default="open")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    employer: Mapped[Employer] = relationship()
    lead: Mapped[Lead | None] = relationship()
    sector: Mapped[Sector | None] = relationship()


class JobcoachOrganisation(db.Model):
    """A (UWV-recognised) jobcoach organisation, with one secret link for risk signals."""

    __tablename__ = "jobcoach_organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160), unique=True, info=NOT_PERSONAL)
    contact_name: Mapped[str] = mapped_column(String(160), default="",
                                              info=personal("naam", "zolang de organisatie jobcoach is"))
    email: Mapped[str | None] = mapped_column(String(254),
                                              info=personal("contactgegevens", "zolang de organisatie jobcoach is"))
    phone: Mapped[str | None] = mapped_column(String(20),
                                              info=personal("contactgegevens", "zolang de organisatie jobcoach is"))
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, info=NOT_PERSONAL)
    token_rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(default=True)


class Placement(db.Model):
    """A person started in a job; owned by the placing partner."""

    __tablename__ = "placements"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True, info=NOT_PERSONAL)  # shared with the jobcoach
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    advisor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id"), index=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), index=True)
    vacancy_id: Mapped[int | None] = mapped_column(ForeignKey("vacancies.id"))
    candidate_ref: Mapped[str] = mapped_column(String(60),
                                               info=personal("pseudoniem werkzoekende", "retention_placement_months"))
    instrument: Mapped[str] = mapped_column(ForeignKey("instruments.code"), info=NOT_PERSONAL)
    lks_type: Mapped[str | None] = mapped_column(String(20), info=NOT_PERSONAL)
    loonwaarde_pct: Mapped[int | None]
    loonwaarde_assessed_on: Mapped[date | None]
    loonwaarde_reassess_on: Mapped[date | None]
    hours_per_week: Mapped[int | None]
    contract_type: Mapped[str | None] = mapped_column(String(20), info=NOT_PERSONAL)
    fixed_term_ends_on: Mapped[date | None]
    start_date: Mapped[date]
    jobcoach_org_id: Mapped[int | None] = mapped_column(ForeignKey("jobcoach_organisations.id"), index=True)
    jobcoach_kind: Mapped[str | None] = mapped_column(String(20), info=NOT_PERSONAL)
    jobcoach_hours: Mapped[int | None]
    jobcoach_funder: Mapped[str | None] = mapped_column(String(120), info=NOT_PERSONAL)
    doelgroepregister: Mapped[bool] = mapped_column(default=False)
    lkv_requested_on: Mapped[date | None]
    no_riskpolis: Mapped[bool] = mapped_column(default=False)
    end_date: Mapped[date | None]
    end_how: Mapped[str | None] = mapped_column(ForeignKey("end_hows.code"), info=NOT_PERSONAL)
    end_why: Mapped[str | None] = mapped_column(ForeignKey("end_whys.code"), info=NOT_PERSONAL)
    end_note: Mapped[str] = mapped_column(Text, default="",
                                          info=personal("vrije tekst over de werknemer", "retention_placement_months"))
    previous_placement_id: Mapped[int | None] = mapped_column(ForeignKey("placements.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    partner: Mapped[Partner] = relationship()
    advisor: Mapped[User | None] = relationship(foreign_keys=[advisor_id])
    lead: Mapped[Lead | None] = relationship()
    employer: Mapped[Employer] = relationship()
    vacancy: Mapped[Vacancy | None] = relationship()
    jobcoach_org: Mapped[JobcoachOrganisation | None] = relationship()
    end_how_code: Mapped[EndHow | None] = relationship()
    end_why_code: Mapped[EndWhy | None] = relationship()
    previous: Mapped[Placement | None] = relationship(remote_side=[id])
    checkins: Mapped[list[CheckIn]] = relationship(back_populates="placement", order_by="CheckIn.due_on",
                                                   cascade="all, delete-orphan")

    __table_args__ = (
        Index("ix_placements_instrument_dates", "instrument", "start_date", "end_date"),
    )

    @property
    def is_active(self) -> bool:
        return self.end_date is None


class CheckIn(db.Model):
    """A scheduled retention contact on a placement."""

    __tablename__ = "checkins"

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placements.id", ondelete="CASCADE"), index=True)
    week: Mapped[int]
    due_on: Mapped[date] = mapped_column(index=True)
    done_on: Mapped[date | None]
    with_whom: Mapped[str | None] = mapped_column(String(20), info=NOT_PERSONAL)
    risk: Mapped[str | None] = mapped_column(String(10), info=NOT_PERSONAL)
    note: Mapped[str] = mapped_column(Text, default="",
                                      info=personal("vrije tekst over de werknemer", "retention_placement_months"))
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    placement: Mapped[Placement] = relationship(back_populates="checkins")
    done_by: Mapped[User | None] = relationship()


class RiskCase(db.Model):
    """Opened when a check-in says amber or red, or a jobcoach signals a risk; closed with an outcome."""

    __tablename__ = "risk_cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placements.id", ondelete="CASCADE"), index=True)
    level: Mapped[str] = mapped_column(String(10), info=NOT_PERSONAL)
    source: Mapped[str] = mapped_column(String(20), info=NOT_PERSONAL)  # checkin or signal
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(Text, default="",
                                         info=personal("vrije tekst over de werknemer", "retention_placement_months"))

    placement: Mapped[Placement] = relationship()


class Intervention(db.Model):
    __tablename__ = "interventions"

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placements.id", ondelete="CASCADE"), index=True)
    risk_case_id: Mapped[int | None] = mapped_column(ForeignKey("risk_cases.id"))
    kind: Mapped[str] = mapped_column(String(30), info=NOT_PERSONAL)
    started_on: Mapped[date]
    ended_on: Mapped[date | None]
    outcome: Mapped[str] = mapped_column(Text, default="",
                                         info=personal("vrije tekst over de werknemer", "retention_placement_months"))
    note: Mapped[str] = mapped_column(Text, default="",
                                      info=personal("vrije tekst over de werknemer", "retention_placement_months"))
    new_placement_id: Mapped[int | None] = mapped_column(ForeignKey("placements.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def kind_label(self) -> str:
        return INTERVENTION_KINDS.get(self.kind, self.kind)


class RiskSignal(db.Model):
    """A jobcoach's report of a risk of dropout, sent through the organisation's secret link."""

    __tablename__ = "risk_signals"

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placements.id", ondelete="CASCADE"), index=True)
    jobcoach_org_id: Mapped[int] = mapped_column(ForeignKey("jobcoach_organisations.id"))
    description: Mapped[str] = mapped_column(
        Text, info=personal("vrije tekst over de werknemer", "retention_placement_months"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    placement: Mapped[Placement] = relationship()
    jobcoach_org: Mapped[JobcoachOrganisation] = relationship()
