"""A Router routing many leads chooses exactly as `choose` does lead by lead (the load of an advisor moving
with every assignment): the same advisor, team, rule and reason, for teams with mixed capacities, absences,
full advisors and account managers, and also when a huge capacity rules out the float comparison."""
from __future__ import annotations

import copy
import random
from datetime import UTC, datetime, timedelta

import pytest

from campaign_crm.services.routing import engine
from campaign_crm.services.routing.engine import AdvisorFacts, LeadFacts, Router, RuleFacts, choose

START = datetime(2026, 6, 8, 9, tzinfo=UTC)


def region(rng: random.Random, *, huge: bool = False) -> tuple[list[RuleFacts], dict[int, AdvisorFacts]]:
    advisors = {}
    for i in range(1, 41):
        capacity = 2**40 if huge and i == 7 else rng.choice([0, 1, 3, 5, 10, 20, 30])
        advisors[i] = AdvisorFacts(
            i, f"Adviseur {i}", team_id=rng.choice([1, 2, 3]), capacity=capacity,
            open_leads=rng.randrange(0, capacity + 1) if capacity < 100 else rng.randrange(0, 50),
            last_assigned_at=rng.choice([None, START - timedelta(hours=rng.randrange(1, 100))]),
            absent=rng.random() < 0.15, skill_ids=frozenset(rng.sample([1, 2, 3], rng.randrange(0, 3))),
            eligible_role=rng.random() < 0.95)
    rules = [RuleFacts(1, "Schiedam techniek", 2, "Team west", True, (("municipality_id", 1),)),
             RuleFacts(2, "Vlaardingen", 3, "Team zuid", False, (("municipality_id", 2),)),
             RuleFacts(3, "Vangnet", 1, "Regionale pool", False, ())]
    return rules, advisors


def router_on(rules: list[RuleFacts], advisors: dict[int, AdvisorFacts]) -> Router:
    router = Router()
    router.rules, router.advisors = rules, advisors
    return router


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("huge", [False, True])
def test_a_router_chooses_as_choose_does_lead_after_lead(seed, huge):
    rng = random.Random(seed)
    rules, advisors = region(rng, huge=huge)
    router, expected_advisors = router_on(rules, copy.deepcopy(advisors)), copy.deepcopy(advisors)
    chosen = []
    for n in range(400):
        facts = LeadFacts(rng.choice([1, 2, 3, None]), rng.choice([1, 2, 3, None]), "Techniek", "10-49", None, None,
                          rng.choice([None] * 8 + list(advisors)))
        at = START + timedelta(minutes=n)
        expected = choose(facts, rules, expected_advisors)
        if expected.advisor_id is not None:
            expected_advisors[expected.advisor_id].open_leads += 1
            expected_advisors[expected.advisor_id].last_assigned_at = at
        routed = router.decide(facts, stage="new", at=at)
        assert routed.choice == expected, n
        chosen.append(expected.advisor_id)
    assert len({a for a in chosen if a is not None}) > 5  # the leads really went round
    assert None in chosen or huge  # and some waited (full teams, absences, skills)


def test_a_full_team_waits_with_the_reason_choose_gives():
    rules = [RuleFacts(3, "Vangnet", 1, "Regionale pool", False, ())]
    advisors = {i: AdvisorFacts(i, f"A{i}", 1, 2, 0, None, False, frozenset(), True) for i in (1, 2)}
    router = router_on(rules, advisors)
    facts = LeadFacts(None, None, None, None, None, None, None)

    owners = [router.decide(facts, stage="new", at=START).choice.advisor_id for _ in range(5)]

    assert owners == [1, 2, 1, 2, None]
    assert router.decide(facts, stage="new", at=START).choice.reason == engine.ALL_FULL.format(team="Regionale pool")
