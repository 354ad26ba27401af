"""Routing of leads (DESIGN.md, Routing): the pure choice of an advisor, and the steps around it
(continuity, rules, eligibility, waiting with a reason), safe under concurrency.

On PostgreSQL the lead row and the rows of the candidate advisors are locked (FOR UPDATE) for the
rest of the transaction, so parallel requests cannot assign one lead twice or push an advisor
over capacity; SQLite serialises writers.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import func, select, text
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Absence, Lead, LeadAssignment, LeadDecline, RoutingRule, Team, User, utcnow
from ..models.leads import OPEN_STAGES_SQL
from .calendar import AMSTERDAM
from .errors import Conflict, ValidationError

_NEVER = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Candidate:
    """What the choice needs to know of one eligible advisor."""

    id: int
    open_leads: int
    capacity: int
    last_assigned_at: datetime | None


def pick_advisor(candidates: list[Candidate]) -> Candidate | None:
    """Lowest load ratio; ties: longest since last assignment; then lowest id.

    Candidates at or over capacity are not eligible.
    """
    eligible = [c for c in candidates if c.capacity > 0 and c.open_leads < c.capacity]
    if not eligible:
        return None
    # Compare ratios exactly (a/b < c/d ⇔ a·d < c·b) so 1/10 and 2/20 tie.
    best = eligible[0]
    for candidate in eligible[1:]:
        if _better(candidate, best):
            best = candidate
    return best


def _better(a: Candidate, b: Candidate) -> bool:
    left, right = a.open_leads * b.capacity, b.open_leads * a.capacity
    if left != right:
        return left < right
    a_last, b_last = a.last_assigned_at or _NEVER, b.last_assigned_at or _NEVER
    if a_last != b_last:
        return a_last < b_last
    return a.id < b.id


# --- the database steps -------------------------------------------------------------------

NO_RULE = "Wacht: geen routeringsregel past op deze lead."
NOBODY_ACTIVE = "Wacht: team {team} heeft geen actieve adviseurs."
ALL_ABSENT = "Wacht: iedereen in team {team} is vandaag afwezig."
NO_SKILL = "Wacht: niemand in team {team} heeft de sector {sector} als vaardigheid."
ALL_FULL = "Wacht: iedereen in team {team} zit aan de capaciteit."
ALL_DECLINED = "Wacht: alle beschikbare adviseurs in team {team} hebben deze lead afgewezen."


@dataclass
class Decision:
    advisor: User | None
    team: Team | None
    rule: RoutingRule | None
    reason: str


def _day(at: datetime | None) -> date:
    return (at or utcnow()).astimezone(AMSTERDAM).date()


def matching_rule(lead: Lead) -> RoutingRule | None:
    """The first active rule (by priority, then id) whose filled-in conditions all match the lead."""
    employer = lead.employer
    values = {
        RoutingRule.municipality_id: employer.municipality_id,
        RoutingRule.sector_id: employer.sector_id,
        RoutingRule.channel_id: lead.channel_id,
        RoutingRule.phase_id: lead.phase_id,
        RoutingRule.size_class: employer.size_class,
    }
    query = select(RoutingRule).where(RoutingRule.active.is_(True))
    for column, value in values.items():
        query = query.where(column.is_(None) | (column == value) if value is not None else column.is_(None))
    return db.session.scalar(query.order_by(RoutingRule.priority, RoutingRule.id).limit(1))


def open_lead_counts(user_ids: Iterable[int]) -> dict[int, int]:
    """Open leads per advisor, counted in one grouped query."""
    ids = list(user_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(Lead.owner_id, func.count()).where(Lead.owner_id.in_(ids), text(OPEN_STAGES_SQL)).group_by(Lead.owner_id)
    )
    return dict(rows.all())


def absent_ids(user_ids: Iterable[int], day: date) -> set[int]:
    ids = list(user_ids)
    if not ids:
        return set()
    return set(db.session.scalars(
        select(Absence.user_id).where(Absence.user_id.in_(ids), Absence.starts_on <= day, Absence.ends_on >= day)
    ))


def _declined_by(lead: Lead) -> set[int]:
    if lead.id is None:
        return set()
    return set(db.session.scalars(select(LeadDecline.advisor_id).where(LeadDecline.lead_id == lead.id)))


def _lock_users(ids: list[int]) -> list[User]:
    """The users with these ids, locked in id order (a fixed order avoids deadlocks)."""
    if not ids:
        return []
    return list(db.session.scalars(
        select(User).where(User.id.in_(ids)).options(selectinload(User.skills)).order_by(User.id).with_for_update()
    ))


def decide(lead: Lead, *, exclude: Iterable[int] = (), at: datetime | None = None) -> Decision:
    """Who should get this lead, and why (DESIGN.md Routing steps 1–5). Locks the rows it counts on."""
    day = _day(at)
    excluded = set(exclude) | _declined_by(lead)

    manager_id = lead.employer.account_manager_id
    if manager_id and manager_id not in excluded:
        [manager] = _lock_users([manager_id]) or [None]
        if (manager is not None and manager.active and manager.role == "advisor"
                and manager.id not in absent_ids([manager.id], day)
                and open_lead_counts([manager.id]).get(manager.id, 0) < manager.capacity):
            return Decision(manager, manager.team, None,
                            f"Vast aanspreekpunt: {manager.name} is accountmanager van deze werkgever.")

    rule = matching_rule(lead)
    if rule is None:
        return Decision(None, None, None, NO_RULE)
    team = rule.team
    member_ids = list(db.session.scalars(
        select(User.id).where(User.team_id == team.id, User.role == "advisor", User.active.is_(True))
    ))
    members = _lock_users(member_ids)
    if not members:
        return Decision(None, team, rule, NOBODY_ACTIVE.format(team=team.name))
    away = absent_ids(member_ids, day)
    present = [m for m in members if m.id not in away]
    if not present:
        return Decision(None, team, rule, ALL_ABSENT.format(team=team.name))
    sector = lead.employer.sector
    if rule.requires_skill:
        present = [m for m in present if sector is not None and sector in m.skills]
        if not present:
            return Decision(None, team, rule, NO_SKILL.format(team=team.name, sector=sector.name if sector else "(onbekend)"))
    willing = [m for m in present if m.id not in excluded]
    if not willing:
        return Decision(None, team, rule, ALL_DECLINED.format(team=team.name))
    counts = open_lead_counts(m.id for m in willing)
    choice = pick_advisor([Candidate(m.id, counts.get(m.id, 0), m.capacity, m.last_assigned_at) for m in willing])
    if choice is None:
        return Decision(None, team, rule, ALL_FULL.format(team=team.name))
    advisor = next(m for m in willing if m.id == choice.id)
    return Decision(advisor, team, rule, (
        f"Regel '{rule.name}' → team {team.name}: {advisor.name} had de laagste belasting "
        f"({choice.open_leads}/{choice.capacity} open leads)."
    ))


def route_lead(lead: Lead, *, actor: User | None = None, kind: str = "route", exclude: Iterable[int] = (),
               at: datetime | None = None) -> LeadAssignment:
    """Route an open lead and store the decision; a lead nobody can take waits with the reason."""
    from .leads import assign_lead  # leads.py records stage changes; it does not route

    if lead.id is not None and db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(Lead.id).where(Lead.id == lead.id).with_for_update())
        db.session.refresh(lead)
    decision = decide(lead, exclude=exclude, at=at)
    assignment = assign_lead(lead, decision.advisor, team=decision.team, reason=decision.reason, actor=actor, at=at)
    assignment.rule = decision.rule
    assignment.kind = kind
    if decision.advisor is not None and lead.employer.account_manager_id is None:
        lead.employer.account_manager = decision.advisor  # one face to the employer from now on
    db.session.flush()
    return assignment


def route_waiting(*, actor: User | None = None, at: datetime | None = None) -> tuple[int, int]:
    """Route every open, unassigned lead again (oldest first); returns (assigned, still waiting)."""
    ids = list(db.session.scalars(
        select(Lead.id).where(Lead.owner_id.is_(None), text(OPEN_STAGES_SQL)).order_by(Lead.created_at, Lead.id)
    ))
    assigned = 0
    for lead_id in ids:
        lead = db.session.get(Lead, lead_id)
        if lead.owner_id is None and lead.is_open:
            assigned += route_lead(lead, actor=actor, kind="reroute", at=at).advisor_id is not None
    return assigned, len(ids) - assigned


def decline_lead(lead: Lead, advisor: User, reason: str, *, at: datetime | None = None) -> LeadAssignment:
    """The owner turns a lead down with a reason; it is routed again without them."""
    reason = reason.strip()
    if not reason:
        raise ValidationError("Geef een reden waarom u deze lead afwijst.", {"reason": "Verplicht."})
    if lead.owner_id != advisor.id:
        raise Conflict("Alleen de adviseur aan wie de lead is toegewezen kan hem afwijzen.")
    db.session.add(LeadDecline(lead_id=lead.id, advisor_id=advisor.id, reason=reason, at=at or utcnow()))
    db.session.flush()
    return route_lead(lead, actor=advisor, kind="reroute", exclude=[advisor.id], at=at)


def reassign_lead(lead: Lead, advisor: User, reason: str, *, actor: User, at: datetime | None = None) -> LeadAssignment:
    """A team lead (or the campaign team) moves a lead to another advisor, with a reason."""
    from .leads import assign_lead

    reason = reason.strip()
    errors = {}
    if not reason:
        errors["reason"] = "Geef een reden voor het handmatig toewijzen."
    if not advisor.active or advisor.role != "advisor":
        errors["advisor_id"] = "Kies een actieve adviseur."
    if errors:
        raise ValidationError("De lead is niet toegewezen: " + " ".join(errors.values()), errors)
    _lock_users([advisor.id])
    if open_lead_counts([advisor.id]).get(advisor.id, 0) >= advisor.capacity:
        raise Conflict(f"{advisor.name} zit aan de capaciteit ({advisor.capacity} open leads); kies iemand anders "
                       "of verhoog eerst de capaciteit.")
    assignment = assign_lead(lead, advisor, team=advisor.team, actor=actor, at=at,
                             reason=f"Handmatig toegewezen aan {advisor.name} door {actor.name}: {reason}")
    assignment.kind = "manual"
    return assignment


def hand_over_open_leads(advisor: User, *, why: str, actor: User | None, at: datetime | None = None) -> int:
    """Move an absent or deactivated advisor's open leads to their backup, or back through routing."""
    from .leads import assign_lead

    day = _day(at)
    leads = list(db.session.scalars(
        select(Lead).where(Lead.owner_id == advisor.id, text(OPEN_STAGES_SQL)).order_by(Lead.sla_due_at, Lead.id)
    ))
    for lead in leads:
        backup = advisor.backup
        if (backup is not None and backup.active and backup.role == "advisor"
                and backup.id not in absent_ids([backup.id], day)):
            _lock_users([backup.id])
            if open_lead_counts([backup.id]).get(backup.id, 0) < backup.capacity:
                assignment = assign_lead(lead, backup, team=backup.team, actor=actor, at=at,
                                         reason=f"{why}: overgedragen aan vervanger {backup.name}.")
                assignment.kind = "backup"
                continue
        route_lead(lead, actor=actor, kind="reroute", exclude=[advisor.id], at=at)
    return len(leads)


def hand_over_for_absences(*, actor: User | None = None, at: datetime | None = None) -> int:
    """Hand over the open leads of every advisor who is absent today (run daily, and after an absence is added)."""
    day = _day(at)
    owners = db.session.scalars(
        select(User).where(
            User.id.in_(select(Absence.user_id).where(Absence.starts_on <= day, Absence.ends_on >= day)),
            User.id.in_(select(Lead.owner_id).where(text(OPEN_STAGES_SQL))),
        ).order_by(User.id)
    ).all()
    return sum(hand_over_open_leads(owner, why=f"{owner.name} is afwezig", actor=actor, at=at) for owner in owners)
