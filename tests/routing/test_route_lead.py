"""Routing against the database: continuity, rules, eligibility, waiting reasons, fairness."""
from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from campaign_crm.extensions import db
from campaign_crm.models import (
    Absence,
    Lead,
    Team,
    User,
)
from campaign_crm.services.accounts import users
from campaign_crm.services.errors import Conflict, ValidationError
from campaign_crm.services.routing import engine as routing
from tests.helpers import NOW, advisor, lead, route, rule, team

TODAY = date(2026, 11, 26)


def test_no_rule_matching_leaves_the_lead_waiting_with_that_reason(ctx):
    rule(team(), municipality="Rotterdam")
    waiting = lead(municipality="Schiedam")
    assignment = route(waiting)
    assert assignment.advisor_id is None and waiting.owner_id is None
    assert waiting.waiting_reason == routing.NO_RULE
    assert waiting.stage == "new"


def test_first_matching_rule_by_priority_wins_and_the_reason_names_rule_team_and_advisor(ctx):
    general, special = team("Algemeen"), team("Sector Techniek")
    rule(general, name="Alles", priority=200)
    rule(special, name="Techniek Schiedam", priority=10, municipality="Schiedam", sector="techniek")
    anna = advisor(special, "Anna Smit")
    advisor(general, "Bert Bos")
    routed = lead()
    assignment = route(routed)
    assert routed.owner_id == anna.id and routed.team_id == special.id and routed.stage == "assigned"
    assert assignment.rule.name == "Techniek Schiedam"
    assert assignment.reason == ("Regel 'Techniek Schiedam' → team Sector Techniek: Anna Smit had de laagste "
                                 "belasting (0/20 open leads).")


def test_lowest_load_ratio_wins_then_longest_idle_then_lowest_id(ctx):
    home = team()
    rule(home)
    busy = advisor(home, "Busy", capacity=10)
    calm = advisor(home, "Calm", capacity=20)
    for _ in range(3):
        lead().owner = busy  # 3/10
    lead().owner = calm  # 1/20
    for one in db.session.scalars(select(Lead).where(Lead.owner_id.is_not(None))):
        one.stage = "assigned"
    assert route(lead()).advisor_id == calm.id  # 1/20 < 3/10
    # Equal ratios: the one idle longest goes first; never-assigned counts as longest.
    a, b = advisor(home, "A", capacity=10), advisor(home, "B", capacity=10)
    a.last_assigned_at = NOW - timedelta(days=1)
    busy.capacity = calm.capacity = 0  # out of the picture
    assert route(lead()).advisor_id == b.id
    # Both idle equally long: the lowest id.
    c, d = advisor(home, "C", capacity=10), advisor(home, "D", capacity=10)
    for user in (a, b):
        user.active = False
    c.last_assigned_at = d.last_assigned_at = NOW - timedelta(days=2)
    assert route(lead()).advisor_id == min(c.id, d.id)


def test_an_advisor_absent_today_is_skipped(ctx):
    home = team()
    rule(home)
    away, present = advisor(home, "Away"), advisor(home, "Present", capacity=5)
    db.session.add(Absence(user=away, starts_on=TODAY - timedelta(days=1), ends_on=TODAY, reason="Ziek"))
    assert route(lead()).advisor_id == present.id


def test_everybody_absent_or_full_or_without_the_skill_waits_with_the_reason(ctx):
    home = team("Zorgteam")
    rule(home, sector="zorg", requires_skill=True)
    nurse = advisor(home, "Zorg Expert", skills=("zorg",), capacity=1)
    generalist = advisor(home, "Generalist", skills=("techniek",))
    first = lead(sector="zorg")
    assert route(first).advisor_id == nurse.id
    second = lead(sector="zorg")
    assert route(second).advisor_id is None  # the generalist lacks the skill, the expert is full
    assert second.waiting_reason == routing.ALL_FULL.format(team="Zorgteam")
    nurse.skills = []
    third = lead(sector="zorg")
    route(third)
    assert third.waiting_reason == routing.NO_SKILL.format(team="Zorgteam", sector="Zorg en welzijn")
    for user in (nurse, generalist):
        db.session.add(Absence(user=user, starts_on=TODAY, ends_on=TODAY))
    fourth = lead(sector="zorg")
    route(fourth)
    assert fourth.waiting_reason == routing.ALL_ABSENT.format(team="Zorgteam")


def test_zero_capacity_is_never_chosen(ctx):
    home = team()
    rule(home)
    advisor(home, "Nul", capacity=0)
    waiting = lead()
    route(waiting)
    assert waiting.owner_id is None and waiting.waiting_reason == routing.ALL_FULL.format(team="Waterweg")


def test_continuity_goes_to_the_account_manager_unless_absent_or_full(ctx):
    home, other = team(), team("Elders")
    rule(home)
    manager = advisor(other, "Accountmanager", capacity=2)
    advisor(home, "Regulier")
    kept = route(lead(manager=manager))
    assert kept.advisor_id == manager.id and "Vast aanspreekpunt" in kept.reason
    db.session.add(Absence(user=manager, starts_on=TODAY, ends_on=TODAY + timedelta(days=3)))
    db.session.flush()
    moved = route(lead(manager=manager))
    assert moved.advisor_id != manager.id and moved.rule is not None


def test_decline_reroutes_without_the_decliner_and_needs_a_reason(ctx):
    home = team()
    rule(home)
    first, second = advisor(home, "Eerste"), advisor(home, "Tweede")
    routed = lead()
    route(routed)
    owner = first if routed.owner_id == first.id else second
    with pytest.raises(ValidationError):
        routing.decline_lead(routed, owner, "  ", at=NOW)
    again = routing.decline_lead(routed, owner, "Geen tijd deze week", at=NOW)
    assert again.advisor_id not in (None, owner.id) and again.kind == "reroute"
    other = db.session.get(User, again.advisor_id)
    routing.decline_lead(routed, other, "Ken dit bedrijf privé", at=NOW)
    assert routed.owner_id is None
    assert routed.waiting_reason == routing.ALL_DECLINED.format(team="Waterweg")
    with pytest.raises(Conflict):
        routing.decline_lead(routed, owner, "Nogmaals", at=NOW)


def test_manual_reassignment_needs_a_reason_and_respects_capacity(ctx):
    home = team()
    rule(home)
    lead_owner, target = advisor(home, "Eigenaar"), advisor(home, "Doel", capacity=1)
    boss = User(email="tl@test.example", name="Teamleider", password_hash="x", role="teamlead", team=home)
    db.session.add(boss)
    routed = lead()
    routed.owner, routed.stage = lead_owner, "assigned"
    with pytest.raises(ValidationError) as info:
        routing.reassign_lead(routed, target, "", actor=boss, at=NOW)
    assert "reason" in info.value.fields
    moved = routing.reassign_lead(routed, target, "Spreekt Turks", actor=boss, at=NOW)
    assert routed.owner_id == target.id and moved.kind == "manual" and "Spreekt Turks" in moved.reason
    other = lead()
    other.owner, other.stage = lead_owner, "assigned"
    with pytest.raises(Conflict):
        routing.reassign_lead(other, target, "Vol?", actor=boss, at=NOW)


def test_deactivation_hands_open_leads_to_the_backup_or_back_through_routing(ctx):
    home = team()
    rule(home)
    leaving, backup, third = advisor(home, "Vertrekt"), advisor(home, "Vervanger", capacity=1), advisor(home, "Derde")
    leaving.backup = backup
    mine = [lead() for _ in range(2)]
    for one in mine:
        one.owner, one.stage = leaving, "assigned"
    db.session.flush()
    users.set_active(leaving, False, actor=None)
    owners = sorted(one.owner_id for one in mine)
    assert owners == sorted([backup.id, third.id])  # backup takes one (capacity 1), routing the other


def test_an_absence_starting_today_hands_over_existing_work(ctx, monkeypatch):
    monkeypatch.setattr(users, "today", lambda: TODAY)
    home = team()
    rule(home)
    sick, colleague = advisor(home, "Ziek"), advisor(home, "Collega")
    open_lead = lead()
    open_lead.owner, open_lead.stage = sick, "contacted"
    db.session.flush()
    users.add_absence(sick, TODAY, TODAY + timedelta(days=5), "Ziek", actor=None)
    assert open_lead.owner_id == colleague.id and open_lead.stage == "contacted"


def _fill(home: Team, count: int) -> list[Lead]:
    return [lead() for _ in range(count)]


def test_a_thousand_leads_over_ten_equal_advisors_differ_by_at_most_one(ctx):
    home = team()
    rule(home)
    staff = [advisor(home, f"Adviseur {i}", capacity=200) for i in range(10)]
    for one in _fill(home, 1000):
        route(one)
    counts = Counter(db.session.scalars(select(Lead.owner_id)))
    assert set(counts) == {a.id for a in staff}
    assert max(counts.values()) - min(counts.values()) <= 1


@pytest.mark.parametrize("total", [60, 301, 600])
def test_shares_follow_capacity_within_one_lead(ctx, total):
    home = team()
    rule(home)
    staff = {advisor(home, f"Cap {c}", capacity=c).id: c for c in (100, 200, 300)}
    for one in _fill(home, total):
        route(one)
    counts = Counter(db.session.scalars(select(Lead.owner_id)))
    for advisor_id, capacity in staff.items():
        exact = total * capacity / 600
        assert abs(counts[advisor_id] - exact) <= 1, (capacity, counts[advisor_id], exact)


def test_route_waiting_assigns_leads_once_someone_is_available(ctx):
    home = team()
    rule(home)
    waiting = [lead() for _ in range(3)]
    for one in waiting:
        route(one)
    assert all(one.owner_id is None for one in waiting)
    advisor(home, "Nieuw", capacity=2)
    assigned, still = routing.route_waiting(at=NOW)
    assert (assigned, still) == (2, 1)


@pytest.mark.parametrize("total", [30, 59, 60])
def test_capacities_10_20_30_share_leads_in_proportion(ctx, total):
    home = team()
    rule(home)
    staff = {advisor(home, f"Cap {c}", capacity=c).id: c for c in (10, 20, 30)}
    for one in _fill(home, total):
        route(one)
    counts = Counter(db.session.scalars(select(Lead.owner_id)))
    for advisor_id, capacity in staff.items():
        assert abs(counts[advisor_id] - total * capacity / 60) <= 1, (capacity, counts[advisor_id])
