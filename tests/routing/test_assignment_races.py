"""Two people assigning one lead at the same moment: the first one counts, the other is told in Dutch
that a colleague was first, and nothing of the second attempt is stored.

The rules of the services run on both engines; the races themselves (threads, each with its own
client and login, released together by a barrier) need PostgreSQL, where requests run in parallel.
"""
from __future__ import annotations

import os
import threading
import time
from collections import Counter
from collections.abc import Callable
from functools import partial

import pytest
from sqlalchemy import func, select, update

from campaign_crm.extensions import db
from campaign_crm.models import Lead, LeadAssignment, LeadDecline, LeadStageEvent, User
from campaign_crm.models.leads import OPEN_STAGES
from campaign_crm.services.errors import Conflict
from campaign_crm.services.leads import lifecycle as lead_service
from campaign_crm.services.routing import engine as routing
from tests.helpers import NOW, advisor, count, lead, login, route, rule, team

FIRST = "Een collega was u voor"
FULL = "zit aan de capaciteit"


def parallel(test):
    """A race: it needs PostgreSQL (SQLite serialises writers)."""
    skip = pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                              reason="parallel writers need PostgreSQL (SQLite serialises them)")
    return pytest.mark.postgres(skip(test))


def stored(lead_id: int) -> tuple:
    """What the database holds of a lead's assignment: owner, team, stage, assignments, stage events."""
    row = db.session.execute(select(Lead.owner_id, Lead.team_id, Lead.stage).where(Lead.id == lead_id)).one()
    return (*row, count(LeadAssignment, LeadAssignment.lead_id == lead_id),
            count(LeadStageEvent, LeadStageEvent.lead_id == lead_id))


def behind_the_back(lead_id: int, **values) -> None:
    """Change a lead as a parallel request would: in the database, not in this session's objects."""
    db.session.execute(update(Lead).where(Lead.id == lead_id).values(**values)
                       .execution_options(synchronize_session=False))


# --- the rules, on both engines -------------------------------------------------------------------

def test_an_assignment_expecting_a_waiting_lead_that_a_colleague_has_is_refused_and_writes_nothing(ctx):
    home = team()
    rule(home)
    anna, bert = advisor(home, "Anna Eerst"), advisor(home, "Bert Later")
    taken = lead()
    route(taken)
    assert taken.owner_id == anna.id
    before = stored(taken.id)
    with pytest.raises(Conflict) as refused:
        lead_service.assign_lead(taken, bert, team=home, reason="zelf opgepakt", actor=bert, at=NOW, kind="manual",
                                 expected_owner_id=None)
    assert refused.value.message == "Een collega was u voor: deze lead is zojuist toegewezen aan Anna Eerst."
    db.session.expire_all()
    assert stored(taken.id) == before
    assert db.session.get(User, bert.id).last_assigned_at is None


def test_by_default_the_owner_this_session_read_is_expected_so_a_parallel_move_is_not_overruled(ctx):
    home = team()
    rule(home)
    anna, bert, carla = advisor(home, "Anna Eerst"), advisor(home, "Bert Later"), advisor(home, "Carla Sneller")
    boss = User(email="tl@test.example", name="Teamleider", password_hash="x", role="teamlead", team=home)
    db.session.add(boss)
    moved = lead()
    route(moved)
    behind_the_back(moved.id, owner_id=carla.id)
    assert moved.owner_id == anna.id  # what this session read
    before = stored(moved.id)
    with pytest.raises(Conflict, match=f"^{FIRST}: deze lead is zojuist toegewezen aan Carla Sneller"):
        routing.reassign_lead(moved, bert, "Spreekt Turks", actor=boss, at=NOW)
    assert stored(moved.id) == before


def test_a_lead_closed_meanwhile_is_not_assigned(ctx):
    home = team()
    rule(home)
    anna, bert = advisor(home, "Anna Eerst"), advisor(home, "Bert Later")
    closed = lead()
    route(closed)
    behind_the_back(closed.id, stage="lost")
    before = stored(closed.id)
    with pytest.raises(Conflict, match=f"^{FIRST}: deze lead is intussen afgesloten \\(Vervallen\\)"):
        lead_service.assign_lead(closed, bert, team=home, reason="handmatig", actor=None, at=NOW, kind="manual")
    assert stored(closed.id) == before and anna.id == before[0]


def test_a_decline_of_a_lead_moved_meanwhile_is_refused_and_leaves_no_decline_behind(ctx):
    home = team()
    rule(home)
    anna, carla = advisor(home, "Anna Eerst"), advisor(home, "Carla Sneller")
    advisor(home, "Bert Later")
    moved = lead()
    route(moved)
    assert moved.owner_id == anna.id
    behind_the_back(moved.id, owner_id=carla.id)
    before = stored(moved.id)
    with pytest.raises(Conflict, match=f"^{FIRST}: deze lead is zojuist toegewezen aan Carla Sneller"):
        routing.decline_lead(moved, anna, "Geen tijd deze week", at=NOW)
    assert stored(moved.id) == before
    assert count(LeadDecline) == 0


def test_route_many_leaves_alone_a_lead_taken_after_the_waiting_ones_were_listed(ctx):
    home = team()
    rule(home)
    waiting = lead()
    route(waiting)  # nobody in the team yet
    anna = advisor(home, "Anna Eerst")
    behind_the_back(waiting.id, owner_id=anna.id, stage="assigned")  # an advisor took it meanwhile
    before = stored(waiting.id)
    assert routing.route_many([waiting.id], at=NOW) == (0, 0)
    assert stored(waiting.id) == before


def test_a_reassignment_made_on_a_page_gone_stale_is_refused_with_who_was_first(app, client, factory, make_leads):
    team_id = factory.team()
    boss = factory.user("teamlead", team_id=team_id)
    first = factory.user("advisor", team_id=team_id, name="Eerste Adviseur")
    [lead_id] = make_leads(["Verouderd BV"], team_id=team_id)
    target = factory.user("advisor", team_id=team_id, name="Doel Adviseur")
    later = factory.user("advisor", team_id=team_id, name="Latere Adviseur")
    login(client, boss)
    page = client.get(f"/leads/{lead_id}").get_data(as_text=True)
    assert f'name="seen_owner_id" type="hidden" value="{first.id}"' in page
    with app.app_context():
        behind_the_back(lead_id, owner_id=later.id)  # a colleague moved it after the page was shown
        db.session.commit()
        before = stored(lead_id)
    html = client.post(f"/leads/{lead_id}/toewijzen", follow_redirects=True, data={
        "advisor_id": target.id, "reason": "Kent de sector", "seen_owner_id": str(first.id)}).get_data(as_text=True)
    assert f"{FIRST}: deze lead is zojuist toegewezen aan Latere Adviseur." in html
    with app.app_context():
        assert stored(lead_id) == before


def test_taking_a_lead_a_colleague_took_since_the_page_was_shown_says_so(app, client, factory, make_leads):
    team_id = factory.team()
    [lead_id] = make_leads(["Al Weg BV"], team_id=team_id)  # nobody in the team yet: it waits
    me = factory.user("advisor", team_id=team_id)
    colleague = factory.user("advisor", team_id=team_id, name="Snelle Collega")
    with app.app_context():
        routing.reassign_lead(db.session.get(Lead, lead_id), db.session.get(User, colleague.id), "zelf opgepakt",
                              actor=db.session.get(User, colleague.id), expected_owner_id=None)
        db.session.commit()
        before = stored(lead_id)
    login(client, me)
    response = client.post(f"/leads/{lead_id}/oppakken", follow_redirects=True)
    assert response.status_code == 200
    assert f"{FIRST}: deze lead is zojuist toegewezen aan Snelle Collega." in response.get_data(as_text=True)
    with app.app_context():
        assert stored(lead_id) == before


# --- the races, on PostgreSQL ---------------------------------------------------------------------

def logged_in(app, who):
    client = app.test_client()
    login(client, who)
    return client


def flashed(client, url: str, data: dict | None = None) -> tuple[str, str]:
    """POST as this client; the one message the next page shows, as (category, text)."""
    response = client.post(url, data=data or {})
    assert response.status_code == 302, (url, response.status_code)
    with client.session_transaction() as session:
        [message] = session.pop("_flashes", [])
    return message


def at_once(*requests: Callable[[], tuple[str, str]]) -> list[tuple[str, str]]:
    """Run the requests at the same moment, each in its own thread; their results in order."""
    barrier = threading.Barrier(len(requests))
    results: list = [None] * len(requests)

    def run(i: int) -> None:
        barrier.wait()
        results[i] = requests[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert None not in results, results
    return results


def open_leads(advisor_ids: list[int]) -> dict[int, int]:
    return dict(db.session.execute(
        select(Lead.owner_id, func.count()).where(Lead.owner_id.in_(advisor_ids), Lead.stage.in_(OPEN_STAGES))
        .group_by(Lead.owner_id)).all())


RACES, ADVISORS, CAPACITY = 180, 3, 70  # 3 × 70 = 210 places for 180 leads: some advisor is always free


@parallel
def test_advisors_taking_one_waiting_lead_at_once_give_it_exactly_one_owner(app, factory, make_leads):
    team_id = factory.team("Waterweg")
    lead_ids = make_leads([f"Gelijktijdig {n} BV" for n in range(RACES)], team_id=team_id)
    advisors = [factory.user("advisor", team_id=team_id, capacity=CAPACITY) for _ in range(ADVISORS)]
    clients = [logged_in(app, who) for who in advisors]  # the leads waited: nobody was in the team
    winners: dict[int, int] = {}
    refusals: Counter = Counter()
    started = time.perf_counter()
    for lead_id in lead_ids:
        results = at_once(*(partial(flashed, client, f"/leads/{lead_id}/oppakken") for client in clients))
        won = [who.id for who, (category, _) in zip(advisors, results, strict=True) if category == "success"]
        assert len(won) == 1, (lead_id, results)
        winners[lead_id] = won[0]
        for category, text in results:
            if category != "success":
                assert category == "error" and (text.startswith(FIRST) or FULL in text), text
                refusals[FULL if FULL in text else FIRST] += 1
    elapsed = time.perf_counter() - started

    with app.app_context():
        takes = Counter(db.session.scalars(select(LeadAssignment.lead_id).where(LeadAssignment.kind == "manual")))
        doubles = sum(n - 1 for n in takes.values())
        print(f"\n{RACES} races of {ADVISORS} advisors in {elapsed:.1f}s: {doubles} double assignments; "
              f"refused: {dict(refusals)}; won per advisor: {Counter(winners.values())}")
        assert takes == Counter(lead_ids)  # every lead taken exactly once, by one request
        assert dict(db.session.execute(select(Lead.id, Lead.owner_id).where(Lead.id.in_(lead_ids))).all()) == winners
        assigned = Counter(db.session.scalars(select(LeadStageEvent.lead_id)
                                              .where(LeadStageEvent.to_stage == "assigned")))
        assert assigned == Counter(lead_ids)
        assert all(n <= CAPACITY for n in open_leads([who.id for who in advisors]).values())
    assert refusals.total() == RACES * (ADVISORS - 1)


ROUNDS = 15


@parallel
def test_a_take_and_a_reassignment_at_once_end_with_exactly_one_of_them(app, factory, make_leads):
    team_id = factory.team("Waterweg")
    lead_ids = make_leads([f"Oppakken of toewijzen {n} BV" for n in range(ROUNDS)], team_id=team_id)
    taker = factory.user("advisor", team_id=team_id, name="Tess Taker", capacity=ROUNDS)
    target = factory.user("advisor", team_id=team_id, name="Tom Toegewezen", capacity=ROUNDS)
    boss = factory.user("teamlead", team_id=team_id)
    as_taker, as_boss = logged_in(app, taker), logged_in(app, boss)
    winners = {}
    for lead_id in lead_ids:
        take, reassign = at_once(
            partial(flashed, as_taker, f"/leads/{lead_id}/oppakken"),
            partial(flashed, as_boss, f"/leads/{lead_id}/toewijzen",
                    {"advisor_id": target.id, "reason": "Kent de sector", "seen_owner_id": ""}))
        assert sorted([take[0], reassign[0]]) == ["error", "success"], (take, reassign)
        loser = reassign if take[0] == "success" else take
        assert loser[1].startswith(FIRST), loser
        winners[lead_id] = taker.id if take[0] == "success" else target.id
    with app.app_context():
        assert dict(db.session.execute(select(Lead.id, Lead.owner_id).where(Lead.id.in_(lead_ids))).all()) == winners
        manual = Counter(db.session.scalars(select(LeadAssignment.lead_id).where(LeadAssignment.kind == "manual")))
        assert manual == Counter(lead_ids)


@parallel
def test_a_decline_and_a_reassignment_at_once_end_with_exactly_one_of_them(app, factory, make_leads):
    team_id = factory.team("Waterweg")
    owner = factory.user("advisor", team_id=team_id, name="Olga Eigenaar", capacity=ROUNDS)
    lead_ids = make_leads([f"Afwijzen of toewijzen {n} BV" for n in range(ROUNDS)], team_id=team_id)
    other = factory.user("advisor", team_id=team_id, name="Bas Ander", capacity=ROUNDS)
    target = factory.user("advisor", team_id=team_id, name="Tom Toegewezen", capacity=ROUNDS)
    boss = factory.user("teamlead", team_id=team_id)
    as_owner, as_boss = logged_in(app, owner), logged_in(app, boss)
    declined = set()
    for lead_id in lead_ids:
        decline, reassign = at_once(
            partial(flashed, as_owner, f"/leads/{lead_id}/afwijzen", {"reason": "Geen tijd deze week"}),
            partial(flashed, as_boss, f"/leads/{lead_id}/toewijzen",
                    {"advisor_id": target.id, "reason": "Kent de sector", "seen_owner_id": str(owner.id)}))
        assert sorted([decline[0], reassign[0]]) == ["error", "success"], (decline, reassign)
        if decline[0] == "success":
            declined.add(lead_id)
            assert reassign[1].startswith(FIRST), reassign
        else:  # the page went stale before the decline was read, or during it
            assert decline[1].startswith(FIRST) or "niet (meer) aan u toegewezen" in decline[1], decline
    with app.app_context():
        for lead_id in lead_ids:
            owner_id, _, stage, assignments, _ = stored(lead_id)
            assert assignments == 2 and stage == "assigned"  # routed to Olga, then one move
            if lead_id in declined:
                assert owner_id in (other.id, target.id)
            else:
                assert owner_id == target.id
        assert set(db.session.scalars(select(LeadDecline.lead_id))) == declined
        assert count(LeadDecline) == len(declined)


@parallel
def test_routing_the_waiting_leads_while_an_advisor_takes_one_assigns_it_once(app, factory, make_leads):
    team_id = factory.team("Waterweg")
    other = factory.user("advisor", team_id=team_id, name="Bas Ander", capacity=ROUNDS)
    taker = factory.user("advisor", team_id=team_id, name="Tess Taker", capacity=ROUNDS)
    boss = factory.user("teamlead", team_id=team_id)
    as_taker, as_boss = logged_in(app, taker), logged_in(app, boss)
    taken = set()
    for n in range(ROUNDS):
        with app.app_context():  # both full while the lead comes in, so that it waits
            db.session.execute(update(User).where(User.id.in_([other.id, taker.id])).values(capacity=0))
            db.session.commit()
        [lead_id] = make_leads([f"Wachtend {n} BV"], team_id=team_id)
        with app.app_context():
            db.session.execute(update(User).where(User.id.in_([other.id, taker.id])).values(capacity=ROUNDS))
            db.session.commit()
        take, again = at_once(partial(flashed, as_taker, f"/leads/{lead_id}/oppakken"),
                              partial(flashed, as_boss, "/leads/opnieuw-verdelen", {"next": "/leads/team"}))
        assert again[0] == "success", again
        if take[0] == "success":
            taken.add(lead_id)
            assert again[1].startswith("0 wachtende leads toegewezen"), again
        else:
            assert take[1].startswith(FIRST) or take[1] == "Deze lead is intussen al aan u toegewezen.", take
            assert again[1].startswith("1 wachtende leads toegewezen"), again
        with app.app_context():
            owner_id, _, stage, _, events = stored(lead_id)
            kinds = db.session.scalars(select(LeadAssignment.kind).where(LeadAssignment.lead_id == lead_id)
                                       .order_by(LeadAssignment.id)).all()
            assert kinds == ["route", "manual" if lead_id in taken else "reroute"]
            assert stage == "assigned" and events == 1
            assert owner_id == taker.id if lead_id in taken else owner_id in (other.id, taker.id)


@parallel
def test_one_advisor_taking_two_leads_at_once_is_not_pushed_over_capacity(app, factory, make_leads):
    team_id = factory.team("Waterweg")
    lead_ids = make_leads([f"Capaciteit {n} BV" for n in range(2 * ROUNDS)], team_id=team_id)
    me = factory.user("advisor", team_id=team_id, capacity=0)
    tabs = [logged_in(app, me), logged_in(app, me)]
    for n in range(ROUNDS):
        with app.app_context():  # room for exactly one more lead
            db.session.execute(update(User).where(User.id == me.id).values(capacity=n + 1))
            db.session.commit()
        results = at_once(*(partial(flashed, tab, f"/leads/{lead_id}/oppakken")
                            for tab, lead_id in zip(tabs, lead_ids[2 * n:2 * n + 2], strict=True)))
        assert sorted(category for category, _ in results) == ["error", "success"], results
        assert any(FULL in text for _, text in results), results
        with app.app_context():
            assert open_leads([me.id]) == {me.id: n + 1}

