"""Routing of leads: the pure choice of an advisor, and the steps around it
(continuity, rules, eligibility, waiting with a reason), safe under concurrency.

Every path that assigns takes its locks in one order, the lead rows first and then the advisors'
rows (FOR UPDATE on PostgreSQL, until the transaction ends; SQLite has no row locks, so there the
transaction takes the database's write lock before it reads). Parallel requests therefore wait for
each other instead of deadlocking, and count an advisor's open leads one at a time, so nobody is
pushed over capacity. And `leads.lifecycle.assign_lead`, the one writer of assignments, writes only if the lead
still has the owner the caller's decision was based on: the loser of a race gets a Conflict that says
who was first, and writes nothing.
"""
from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from types import EllipsisType

from sqlalchemy import exists, func, or_, select, text

from ...extensions import db
from ...models import (
    OPEN_STAGES,
    Absence,
    AbsenceHandover,
    Employer,
    Lead,
    LeadAssignment,
    LeadDecline,
    LeadStageEvent,
    RoutingRule,
    Sector,
    Team,
    User,
    utcnow,
)
from ...models.leads import OPEN_STAGES_SQL
from ...models.users import user_skills
from ...permissions import ADVISOR, CARRY_LEADS
from .. import bulk
from ..calendar import AMSTERDAM
from ..errors import Conflict, ValidationError
from ..leads.lifecycle import assign_lead
from ..mail import notices

_NEVER = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Candidate:
    """What the choice needs to know of one eligible advisor."""

    id: int
    open_leads: int
    capacity: int
    last_assigned_at: datetime | None


def pick_advisor(candidates: Sequence[Candidate | AdvisorFacts]) -> Candidate | AdvisorFacts | None:
    """Lowest load ratio; ties: longest since last assignment; then lowest id.

    Candidates at or over capacity are not eligible. Anything with a Candidate's four attributes
    will do (route_many passes its AdvisorFacts as they are, without a copy per lead).
    """
    eligible = [c for c in candidates if c.capacity > 0 and c.open_leads < c.capacity]
    if not eligible:
        return None
    if all(c.capacity <= _EXACT_CAPACITY for c in eligible):
        return min(eligible, key=_load_order)
    # Compare ratios exactly (a/b < c/d ⇔ a·d < c·b) so 1/10 and 2/20 tie.
    best = eligible[0]
    for candidate in eligible[1:]:
        if _better(candidate, best):
            best = candidate
    return best


# Up to this capacity the load ratio as a float orders advisors exactly like the exact comparison: two
# different ratios below 1 with denominators under 2**26 differ by at least 2**-52, more than the rounding
# of a division can close, and equal ratios round to the same float.
_EXACT_CAPACITY = 2**26


def _load_order(c: Candidate) -> tuple[float, datetime, int]:
    return c.open_leads / c.capacity, c.last_assigned_at or _NEVER, c.id


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


def _day(at: datetime | None) -> date:
    return (at or utcnow()).astimezone(AMSTERDAM).date()


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


def on_postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _take_write_lock() -> None:
    """SQLite: start the write transaction now (BEGIN IMMEDIATE), before the reads a write depends on,
    so that no other writer can commit in between. A transaction that has written holds it already."""
    connection = db.session.connection()
    if connection.dialect.name == "sqlite" and not connection.connection.driver_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def lock_lead(lead_id: int) -> None:
    """Lock the lead's row until the transaction ends; taken before any advisor's row (see above)."""
    if on_postgresql():
        db.session.execute(select(Lead.id).where(Lead.id == lead_id).with_for_update())
    else:
        _take_write_lock()


def lock_users(ids: list[int]) -> None:
    """Lock these users' rows until the transaction ends, in id order (a fixed order avoids deadlocks)."""
    if ids:
        _take_write_lock()
        db.session.execute(select(User.id).where(User.id.in_(ids)).order_by(User.id).with_for_update())


@dataclass
class Decision:
    advisor: User | None
    team: Team | None
    rule: RoutingRule | None
    reason: str


@dataclass(frozen=True)
class LeadFacts:
    """What routing looks at on a lead and its employer."""

    municipality_id: int | None
    sector_id: int | None
    sector_name: str | None
    size_class: str | None
    channel_id: int | None
    phase_id: int | None
    account_manager_id: int | None

    @classmethod
    def of(cls, lead: Lead) -> LeadFacts:
        employer = lead.employer
        return cls(employer.municipality_id, employer.sector_id, employer.sector.name if employer.sector else None,
                   employer.size_class, lead.channel_id, lead.phase_id, employer.account_manager_id)


@dataclass(frozen=True)
class RuleFacts:
    id: int
    name: str
    team_id: int
    team_name: str
    requires_skill: bool
    conditions: tuple[tuple[str, object], ...]  # (LeadFacts attribute, required value), filled-in ones only

    def matches(self, facts: LeadFacts) -> bool:
        return all(getattr(facts, attribute) == value for attribute, value in self.conditions)


@dataclass
class AdvisorFacts:
    """An advisor as routing sees them; `open_leads` and `last_assigned_at` move as leads are assigned."""

    id: int
    name: str
    team_id: int | None
    capacity: int
    open_leads: int
    last_assigned_at: datetime | None
    absent: bool
    skill_ids: frozenset[int]
    eligible_role: bool  # an active advisor


@dataclass(frozen=True)
class Choice:
    advisor_id: int | None
    team_id: int | None
    rule_id: int | None
    reason: str


RULE_CONDITIONS = (("municipality_id", "municipality_id"), ("sector_id", "sector_id"), ("channel_id", "channel_id"),
                   ("phase_id", "phase_id"), ("size_class", "size_class"))


def load_rules() -> list[RuleFacts]:
    """Active rules in the order they are tried."""
    rows = db.session.execute(
        select(RoutingRule, Team.name).join(Team, Team.id == RoutingRule.team_id)
        .where(RoutingRule.active.is_(True)).order_by(RoutingRule.priority, RoutingRule.id)
    ).all()
    return [RuleFacts(rule.id, rule.name, rule.team_id, team_name, rule.requires_skill,
                      tuple((fact, getattr(rule, column)) for column, fact in RULE_CONDITIONS
                            if getattr(rule, column) is not None))
            for rule, team_name in rows]


def load_advisors(*, ids: Iterable[int] | None = None, team_ids: Iterable[int] | None = None,
                  day: date, lock: bool = True) -> dict[int, AdvisorFacts]:
    """Routing facts of advisors (by id and/or team), their rows locked on PostgreSQL first."""
    where = []
    if ids is not None:
        where.append(User.id.in_(list(ids)))
    if team_ids is not None:
        where.append((User.team_id.in_(list(team_ids))) & (User.role == ADVISOR) & User.active.is_(True))
    if not where:
        return {}
    condition = or_(*where)
    if lock:
        db.session.execute(select(User.id).where(condition).order_by(User.id).with_for_update())
    open_count = (select(func.count()).select_from(Lead)
                  .where(Lead.owner_id == User.id, text(OPEN_STAGES_SQL)).scalar_subquery())
    away = exists().where(Absence.user_id == User.id, Absence.starts_on <= day, Absence.ends_on >= day)
    rows = db.session.execute(
        select(User.id, User.name, User.team_id, User.capacity, User.last_assigned_at, User.role, User.active,
               open_count, away).where(condition)
    ).all()
    skills: dict[int, set[int]] = {}
    for user_id, sector_id in db.session.execute(
        select(user_skills.c.user_id, user_skills.c.sector_id).where(user_skills.c.user_id.in_([r.id for r in rows]))
    ):
        skills.setdefault(user_id, set()).add(sector_id)
    return {r.id: AdvisorFacts(r.id, r.name, r.team_id, r.capacity, r[7], r.last_assigned_at, bool(r[8]),
                               frozenset(skills.get(r.id, ())), r.active and r.role == ADVISOR)
            for r in rows}


def choose(facts: LeadFacts, rules: list[RuleFacts], advisors: dict[int, AdvisorFacts],
           excluded: set[int] = frozenset()) -> Choice:
    """Routing steps 1–5 on facts alone: continuity, first rule, eligibility, lowest load."""
    manager = advisors.get(facts.account_manager_id) if facts.account_manager_id else None
    if (manager is not None and manager.id not in excluded and manager.eligible_role and not manager.absent
            and manager.open_leads < manager.capacity):
        return Choice(manager.id, manager.team_id, None,
                      f"Vast aanspreekpunt: {manager.name} is accountmanager van deze werkgever.")
    rule = next((r for r in rules if r.matches(facts)), None)
    if rule is None:
        return Choice(None, None, None, NO_RULE)
    members = [a for a in advisors.values() if a.team_id == rule.team_id and a.eligible_role]
    if not members:
        return Choice(None, rule.team_id, rule.id, NOBODY_ACTIVE.format(team=rule.team_name))
    present = [a for a in members if not a.absent]
    if not present:
        return Choice(None, rule.team_id, rule.id, ALL_ABSENT.format(team=rule.team_name))
    if rule.requires_skill:
        present = [a for a in present if facts.sector_id is not None and facts.sector_id in a.skill_ids]
        if not present:
            return Choice(None, rule.team_id, rule.id,
                          NO_SKILL.format(team=rule.team_name, sector=facts.sector_name or "(onbekend)"))
    willing = [a for a in present if a.id not in excluded] if excluded else present
    if not willing:
        return Choice(None, rule.team_id, rule.id, ALL_DECLINED.format(team=rule.team_name))
    pick = pick_advisor(willing)
    if pick is None:
        return Choice(None, rule.team_id, rule.id, ALL_FULL.format(team=rule.team_name))
    return _picked(rule, advisors[pick.id])


def _picked(rule: RuleFacts, advisor: AdvisorFacts) -> Choice:
    return Choice(advisor.id, rule.team_id, rule.id, (
        f"Regel '{rule.name}' → team {rule.team_name}: {advisor.name} had de laagste belasting "
        f"({advisor.open_leads}/{advisor.capacity} open leads)."
    ))


def decide(lead: Lead, *, exclude: Iterable[int] = (), at: datetime | None = None) -> Decision:
    """Who should get this lead, and why. Locks the advisor rows it counts on."""
    day = _day(at)
    facts = LeadFacts.of(lead)
    rules = load_rules()
    rule = next((r for r in rules if r.matches(facts)), None)
    advisors = load_advisors(ids=[facts.account_manager_id] if facts.account_manager_id else [],
                             team_ids=[rule.team_id] if rule else [], day=day)
    choice = choose(facts, rules, advisors, set(exclude) | _declined_by(lead))
    return Decision(
        db.session.get(User, choice.advisor_id) if choice.advisor_id else None,
        db.session.get(Team, choice.team_id) if choice.team_id else None,
        db.session.get(RoutingRule, choice.rule_id) if choice.rule_id else None,
        choice.reason,
    )


def route_lead(lead: Lead, *, actor: User | None = None, kind: str = "route", exclude: Iterable[int] = (),
               at: datetime | None = None, expected_owner_id: int | None | EllipsisType = ...) -> LeadAssignment:
    """Route an open lead and store the decision; a lead nobody can take waits with the reason.

    The lead must still have `expected_owner_id` as its owner (left out: the owner as this session
    read it), else Conflict (see `leads.lifecycle.assign_lead`).
    """
    if lead.id is not None:
        db.session.flush()
        if expected_owner_id is ...:
            expected_owner_id = lead.owner_id  # as read, before the refresh below
        lock_lead(lead.id)
        db.session.refresh(lead)  # decide on the lead as it is now
    decision = decide(lead, exclude=exclude, at=at)
    assignment = assign_lead(lead, decision.advisor, team=decision.team, reason=decision.reason, actor=actor, at=at,
                             rule=decision.rule, kind=kind, expected_owner_id=expected_owner_id)
    if decision.advisor is not None and lead.employer.account_manager_id is None:
        lead.employer.account_manager = decision.advisor  # one face to the employer from now on
    return assignment


@dataclass
class Routed:
    """One lead's route as a Router decided it: the lead's new column values, waiting to be written."""

    choice: Choice
    columns: dict[str, object]  # owner_id, team_id, waiting_reason; a new lead also stage and assigned_at
    at: datetime
    from_stage: str
    takes_employer: bool  # the advisor becomes the employer's account manager


class Router:
    """Routes many leads in one transaction (imports, route-waiting): the rules and every advisor
    (rows locked on PostgreSQL) are loaded once, each choice is `choose` in memory, and an advisor's
    load moves as leads are assigned, so later choices see the earlier ones.

    `decide` gives the columns for a lead that is about to be written or updated; once the lead has
    an id, `record` queues its assignment and stage event, and `write` stores what is queued. The
    facts are read (and the advisors locked) at the first `decide`: an import that makes no new lead
    locks nobody.
    """

    def __init__(self, *, actor: User | None = None, kind: str = "route", at: datetime | None = None) -> None:
        self.actor_id = actor.id if actor is not None else None
        self.kind = kind
        self._day = _day(at)
        self.rules: list[RuleFacts] | None = None
        self.advisors: dict[int, AdvisorFacts] = {}
        self._assignments: list[dict] = []
        self._events: list[dict] = []
        self._moved: set[int] = set()  # advisors whose last assignment moved since the last write
        self._pools: dict[int, list[tuple[float, datetime, int]] | None] = {}  # per team; None: use `choose`

    def decide(self, facts: LeadFacts, *, stage: str, at: datetime, excluded: set[int] = frozenset()) -> Routed:
        if self.rules is None:
            self.rules = load_rules()
            self.advisors = load_advisors(
                ids=db.session.scalars(select(User.id).where(User.role == ADVISOR)).all(), day=self._day)
        choice = self._from_pool(facts, excluded) or choose(facts, self.rules, self.advisors, excluded)
        columns: dict[str, object] = {"owner_id": choice.advisor_id, "team_id": choice.team_id,
                                      "waiting_reason": None if choice.advisor_id else choice.reason}
        if choice.advisor_id is not None:
            advisor = self.advisors[choice.advisor_id]
            advisor.open_leads += 1
            advisor.last_assigned_at = at
            self._moved.add(advisor.id)
        if stage == "new":  # the same columns either way, so that new leads can be written together
            assigned = choice.advisor_id is not None
            columns.update(stage="assigned" if assigned else "new", assigned_at=at if assigned else None)
        return Routed(choice, columns, at, stage, choice.advisor_id is not None and facts.account_manager_id is None)

    def _from_pool(self, facts: LeadFacts, excluded: set[int]) -> Choice | None:
        """`choose` for the common case (no account manager, a rule without a skill, nobody excluded), with the
        team's present advisors kept in a heap by load between leads instead of compared all again; None for
        every other case. An advisor's key only grows (an assignment raises the load), so an entry that is out
        of date is put back with its key of now until the least loaded one is on top."""
        if facts.account_manager_id is not None or excluded:
            return None
        rule = next((r for r in self.rules if r.matches(facts)), None)
        if rule is None or rule.requires_skill:
            return None
        if rule.team_id not in self._pools:
            self._pools[rule.team_id] = self._pool(rule)
        pool = self._pools[rule.team_id]
        if pool is None:
            return None
        while pool:
            advisor = self.advisors[pool[0][2]]
            now = _load_order(advisor)
            if now != pool[0]:
                heapq.heapreplace(pool, now)
            elif advisor.open_leads >= advisor.capacity:
                break  # the least loaded is full, so everyone is
            else:
                return _picked(rule, advisor)
        return Choice(None, rule.team_id, rule.id, ALL_FULL.format(team=rule.team_name))

    def _pool(self, rule: RuleFacts) -> list[tuple[float, datetime, int]] | None:
        members = [a for a in self.advisors.values() if a.team_id == rule.team_id and a.eligible_role]
        present = [a for a in members if not a.absent]
        if not members or not present:
            return None  # `choose` gives the reason to wait
        if any(a.capacity > _EXACT_CAPACITY for a in present):
            return None
        pool = [_load_order(a) for a in present if a.capacity > 0]
        heapq.heapify(pool)
        return pool

    def record(self, lead_id: int, routed: Routed) -> None:
        choice = routed.choice
        self._assignments.append({"lead_id": lead_id, "advisor_id": choice.advisor_id, "team_id": choice.team_id,
                                  "rule_id": choice.rule_id, "kind": self.kind, "reason": choice.reason,
                                  "actor_id": self.actor_id, "at": routed.at})
        if routed.columns.get("stage", routed.from_stage) != routed.from_stage:
            self._events.append({"lead_id": lead_id, "from_stage": routed.from_stage,
                                 "to_stage": routed.columns["stage"], "at": routed.at, "actor_id": self.actor_id,
                                 "note": choice.reason})

    def write(self) -> None:
        """Store the queued assignments and stage events and the advisors' last assignment times."""
        bulk.insert_rows(LeadAssignment, self._assignments, ids=False)
        bulk.insert_rows(LeadStageEvent, self._events, ids=False)
        bulk.update_rows(User, [{"id": i, "last_assigned_at": self.advisors[i].last_assigned_at}
                                for i in sorted(self._moved)])
        bulk.expire(User, self._moved)
        self._assignments, self._events, self._moved = [], [], set()


def route_many(lead_ids: list[int], *, actor: User | None = None, kind: str = "route",
               at: datetime | None = None) -> tuple[int, int]:
    """Route many open leads in one go (route-waiting, bulk work): the same choice as route_lead,
    with the facts loaded once and the writes done in bulk. Returns (assigned, waiting).

    Only leads that are still open and unassigned once locked are routed: a lead an advisor took in
    the meantime is left alone.
    """
    at = at or utcnow()
    if not lead_ids:
        return 0, 0
    router = Router(actor=actor, kind=kind, at=at)
    rows_query = (
        select(Lead.id, Lead.stage, Lead.owner_id, Lead.channel_id, Lead.phase_id, Employer.id.label("employer_id"),
               Employer.municipality_id, Employer.sector_id, Sector.name.label("sector_name"), Employer.size_class,
               Employer.account_manager_id)
        .join(Employer, Employer.id == Lead.employer_id).outerjoin(Sector, Sector.id == Employer.sector_id)
        .where(Lead.id.in_(lead_ids)).order_by(Lead.created_at, Lead.id)
    )
    if on_postgresql():
        # After waiting for a parallel writer, READ COMMITTED returns the row as that writer left it.
        rows_query = rows_query.with_for_update(of=Lead)
    else:
        _take_write_lock()
    lead_rows = db.session.execute(rows_query).all()
    declined: dict[int, set[int]] = {}
    for lead_id, advisor_id in db.session.execute(
        select(LeadDecline.lead_id, LeadDecline.advisor_id).where(LeadDecline.lead_id.in_(lead_ids))
    ):
        declined.setdefault(lead_id, set()).add(advisor_id)
    managers: dict[int, int] = {}  # employer → account manager set in this batch
    lead_updates, new_managers = [], []
    for row in lead_rows:
        if row.owner_id is not None or row.stage not in OPEN_STAGES:
            continue
        facts = LeadFacts(row.municipality_id, row.sector_id, row.sector_name, row.size_class, row.channel_id,
                          row.phase_id, row.account_manager_id or managers.get(row.employer_id))
        routed = router.decide(facts, stage=row.stage, at=at, excluded=declined.get(row.id, set()))
        router.record(row.id, routed)
        lead_updates.append({"id": row.id, **routed.columns})
        if routed.takes_employer:
            managers[row.employer_id] = routed.choice.advisor_id
            new_managers.append({"id": row.employer_id, "account_manager_id": routed.choice.advisor_id})
    # Core statements over lists of rows (one executemany each), without the ORM's work per row.
    bulk.update_rows(Lead, lead_updates)
    router.write()
    bulk.update_rows(Employer, new_managers)
    routed_to: dict[int, list[int]] = {}
    for change in lead_updates:
        if change["owner_id"] is not None:
            routed_to.setdefault(change["owner_id"], []).append(change["id"])
    notices.leads_assigned(routed_to, key=f"routed:{at:%Y%m%dT%H%M%S%f}", why="Verdeeld door de routering.")
    assigned = sum(1 for change in lead_updates if change["owner_id"] is not None)
    return assigned, len(lead_updates) - assigned


def route_waiting(*, actor: User | None = None, at: datetime | None = None) -> tuple[int, int]:
    """Route every open, unassigned lead again (oldest first); returns (assigned, still waiting)."""
    ids = list(db.session.scalars(select(Lead.id).where(Lead.owner_id.is_(None), text(OPEN_STAGES_SQL))))
    db.session.flush()
    result = route_many(ids, actor=actor, kind="reroute", at=at)
    db.session.expire_all()  # the bulk writes went around the ORM's objects
    return result


def decline_lead(lead: Lead, advisor: User, reason: str, *, at: datetime | None = None) -> LeadAssignment:
    """The owner turns a lead down with a reason; it is routed again without them.

    If the lead was moved to someone else in the meantime, Conflict, and nothing is written.
    """
    reason = reason.strip()
    if not reason:
        raise ValidationError("Geef een reden waarom u deze lead afwijst.", {"reason": "Verplicht."})
    if lead.owner_id != advisor.id:
        raise Conflict("Deze lead is niet (meer) aan u toegewezen; alleen de adviseur die hem heeft kan hem afwijzen.")
    # Routed first (`exclude` keeps the decliner out), so that a refused reroute leaves no decline behind.
    assignment = route_lead(lead, actor=advisor, kind="reroute", exclude=[advisor.id], at=at,
                            expected_owner_id=advisor.id)
    db.session.add(LeadDecline(lead_id=lead.id, advisor_id=advisor.id, reason=reason, at=at or utcnow()))
    db.session.flush()
    return assignment


def reassign_lead(lead: Lead, advisor: User, reason: str, *, actor: User, at: datetime | None = None,
                  expected_owner_id: int | None | EllipsisType = ...) -> LeadAssignment:
    """A team lead (or the campaign team) moves a lead to another advisor, with a reason; an advisor
    takes a waiting lead (`expected_owner_id=None`).

    The lead must still have `expected_owner_id` as its owner (left out: the owner as this session
    read it), else Conflict (see `leads.lifecycle.assign_lead`).
    """
    reason = reason.strip()
    errors = {}
    if not reason:
        errors["reason"] = "Geef een reden voor het handmatig toewijzen."
    if not advisor.active or advisor.role not in CARRY_LEADS:  # a team lead may take leads of their own team
        errors["advisor_id"] = "Kies een actieve adviseur."
    if errors:
        raise ValidationError("De lead is niet toegewezen: " + " ".join(errors.values()), errors)
    lock_lead(lead.id)
    lock_users([advisor.id])  # parallel takes by one advisor count their open leads one after the other
    if open_lead_counts([advisor.id]).get(advisor.id, 0) >= advisor.capacity:
        raise Conflict(f"{advisor.name} zit aan de capaciteit ({advisor.capacity} open leads); kies iemand anders "
                       "of verhoog eerst de capaciteit.")
    return assign_lead(lead, advisor, team=advisor.team, actor=actor, at=at, kind="manual",
                       reason=f"Handmatig toegewezen aan {advisor.name} door {actor.name}: {reason}",
                       expected_owner_id=expected_owner_id)


def hand_over_open_leads(advisor: User, *, why: str, actor: User | None, at: datetime | None = None,
                         absence: Absence | None = None) -> list[Lead]:
    """Move an absent or deactivated advisor's open leads to their backup, or back through routing; returns the
    leads, each with its new owner (None: waiting in a team queue).

    For an `absence`, every lead that got a new owner is remembered (which lead, from whom, to whom): the absence
    lists them, and one that hands its leads back returns them when it is over (`hand_back_leads`)."""
    day = _day(at)
    query = select(Lead).where(Lead.owner_id == advisor.id, text(OPEN_STAGES_SQL)).order_by(Lead.sla_due_at, Lead.id)
    if on_postgresql():
        query = query.with_for_update().execution_options(populate_existing=True)
    else:
        _take_write_lock()
    leads = list(db.session.scalars(query))
    with notices.grouped():  # one mail per advisor, not one per lead
        for lead in leads:
            backup = advisor.backup
            if (backup is not None and backup.active and backup.role == ADVISOR
                    and backup.id not in absent_ids([backup.id], day)):
                lock_users([backup.id])
                if open_lead_counts([backup.id]).get(backup.id, 0) < backup.capacity:
                    assign_lead(lead, backup, team=backup.team, actor=actor, at=at, kind="backup",
                                reason=f"{why}: overgedragen aan vervanger {backup.name}.",
                                expected_owner_id=advisor.id)
                    continue
            route_lead(lead, actor=actor, kind="reroute", exclude=[advisor.id], at=at, expected_owner_id=advisor.id)
    if absence is not None:
        _remember_handovers(absence, advisor, leads, at or utcnow())
    return leads


def _remember_handovers(absence: Absence, advisor: User, leads: list[Lead], at: datetime) -> None:
    """Note each lead that went to someone (a lead handed over twice in one absence: its latest recipient)."""
    kept = {row.lead_id: row for row in db.session.scalars(
        select(AbsenceHandover).where(AbsenceHandover.absence_id == absence.id))}
    for lead in leads:
        if lead.owner_id is None:
            continue  # waiting in a team queue: nobody to take it back from
        row = kept.get(lead.id)
        if row is None:
            db.session.add(AbsenceHandover(absence_id=absence.id, lead_id=lead.id, from_user_id=advisor.id,
                                           to_user_id=lead.owner_id, handed_at=at))
        else:
            row.to_user_id, row.handed_at, row.outcome, row.returned_at = lead.owner_id, at, None, None
    db.session.flush()


def hand_over_for_absences(*, actor: User | None = None, at: datetime | None = None) -> int:
    """Hand over the open leads of every advisor who is absent today (run daily, and after an absence is added)."""
    day = _day(at)
    owners = db.session.scalars(
        select(User).where(
            User.id.in_(select(Absence.user_id).where(Absence.starts_on <= day, Absence.ends_on >= day)),
            User.id.in_(select(Lead.owner_id).where(text(OPEN_STAGES_SQL))),
        ).order_by(User.id)
    ).all()
    # Each owner's absence of today (of overlapping ones: one that hands its leads back, then the one that ends
    # last), which remembers the leads it moved.
    current = {absence.user_id: absence for absence in db.session.scalars(
        select(Absence).where(Absence.user_id.in_([owner.id for owner in owners]), Absence.starts_on <= day,
                              Absence.ends_on >= day)
        .order_by(Absence.hand_back, Absence.ends_on, Absence.id))} if owners else {}
    with notices.grouped():  # a backup of several absent advisors gets one mail
        return sum(len(hand_over_open_leads(owner, why=f"{owner.name} is afwezig", actor=actor, at=at,
                                            absence=current.get(owner.id)))
                   for owner in owners)


# --- handing leads back when an absence is over ---------------------------------------------------

@dataclass(frozen=True)
class HandedBack:
    """What became of one lead an absence handed over, when the absence was over."""

    lead_id: int
    employer_name: str
    returned: bool
    message: str  # "terug bij …" or "niet teruggegeven: …"


def hand_back_leads(absence: Absence, *, actor: User | None, at: datetime | None = None) -> list[HandedBack]:
    """Give the leads this absence handed over back to the advisor who was away: each one that is still open and
    still with the colleague it went to, as a compare-and-set on that colleague (`assign_lead`, which also sends
    the notices). A lead closed or moved on meanwhile stays where it is and is reported with the reason, as is
    every lead while the advisor is inactive, away again or at capacity. Done once per absence."""
    at = at or utcnow()
    day = _day(at)
    advisor = absence.user
    absence.handed_back_at = at
    rows = list(db.session.scalars(
        select(AbsenceHandover).where(AbsenceHandover.absence_id == absence.id, AbsenceHandover.outcome.is_(None))
        .order_by(AbsenceHandover.id)))
    if not rows:
        db.session.flush()
        return []
    ids = sorted(row.lead_id for row in rows)
    if on_postgresql():
        db.session.execute(select(Lead.id).where(Lead.id.in_(ids)).order_by(Lead.id).with_for_update())
    else:
        _take_write_lock()
    leads = {lead.id: lead for lead in db.session.scalars(
        select(Lead).where(Lead.id.in_(ids)).execution_options(populate_existing=True))}
    lock_users([advisor.id])
    unavailable = _why_unavailable(advisor, absence, day)
    open_leads = open_lead_counts([advisor.id]).get(advisor.id, 0)
    results = []
    with notices.grouped():  # the advisor gets one mail for every lead that came back
        for row in rows:
            lead = leads[row.lead_id]
            had_it = lead.owner_id == advisor.id
            outcome, message = _hand_back_one(lead, row, advisor, unavailable, open_leads, actor=actor, at=at)
            open_leads += outcome == "returned" and not had_it
            row.outcome, row.returned_at = outcome, at
            results.append(HandedBack(lead.id, lead.employer.name, outcome == "returned", message))
    db.session.flush()
    return results


def _why_unavailable(advisor: User, absence: Absence, day: date) -> str | None:
    """Why the advisor cannot have their leads back today (None: they can)."""
    if not advisor.active or advisor.role not in CARRY_LEADS:
        return f"{advisor.name} is niet meer actief als adviseur"
    away_again = db.session.scalar(select(Absence.id).where(
        Absence.user_id == advisor.id, Absence.id != absence.id, Absence.starts_on <= day, Absence.ends_on >= day))
    if away_again is not None:
        return f"{advisor.name} is opnieuw afwezig"
    return None


def _hand_back_one(lead: Lead, row: AbsenceHandover, advisor: User, unavailable: str | None, open_leads: int, *,
                   actor: User | None, at: datetime) -> tuple[str, str]:
    if not lead.is_open:
        return "closed", f"niet teruggegeven: de lead is afgesloten ({lead.stage_label})"
    if lead.owner_id == advisor.id:  # a team lead gave it back already
        return "returned", f"al terug bij {advisor.name}"
    if lead.owner_id != row.to_user_id:
        holder = lead.owner.name if lead.owner is not None else "niemand (hij wacht in een teamwachtrij)"
        return "moved_on", f"niet teruggegeven: de lead is intussen bij {holder}"
    if unavailable:
        return "unavailable", f"niet teruggegeven: {unavailable}"
    if open_leads >= advisor.capacity:
        return "unavailable", f"niet teruggegeven: {advisor.name} zit aan de capaciteit ({advisor.capacity} open leads)"
    try:
        with db.session.begin_nested():
            assign_lead(lead, advisor, team=advisor.team, actor=actor, at=at, kind="backup",
                        reason=f"Terug na de afwezigheid van {advisor.name}: van {row.to_user.name} terug naar "
                               f"{advisor.name}.", expected_owner_id=row.to_user_id)
    except Conflict as exc:
        return "moved_on", "niet teruggegeven: " + exc.message
    return "returned", f"terug bij {advisor.name} (was bij {row.to_user.name})"


@dataclass
class HandBackReport:
    """A run of the hand-back: per absence that ended, what became of each lead it had handed over."""

    absences: list[tuple[Absence, list[HandedBack]]]

    @property
    def returned(self) -> int:
        return sum(1 for _, results in self.absences for result in results if result.returned)

    @property
    def kept(self) -> int:
        return sum(1 for _, results in self.absences for result in results if not result.returned)


def hand_back_ended_absences(*, actor: User | None = None, at: datetime | None = None) -> HandBackReport:
    """Hand back the leads of every absence that hands them back and ended before today (run daily)."""
    day = _day(at)
    ended = db.session.scalars(
        select(Absence).where(Absence.hand_back.is_(True), Absence.handed_back_at.is_(None), Absence.ends_on < day)
        .order_by(Absence.ends_on, Absence.id)).all()
    with notices.grouped():
        return HandBackReport([(absence, hand_back_leads(absence, actor=actor, at=at)) for absence in ended])
