"""Choosing an advisor among the eligible ones: the lowest load (open leads / capacity) wins, then the
longest since the last assignment (never counts as longest), then the lowest id; an advisor at or over
capacity is never chosen."""
from __future__ import annotations

from datetime import UTC, datetime
from itertools import permutations

import pytest

from campaign_crm.services.routing.engine import Candidate, pick_advisor

MONDAY = datetime(2026, 6, 8, 9, 0, tzinfo=UTC)
TUESDAY = datetime(2026, 6, 9, 9, 0, tzinfo=UTC)


def advisor(id: int, open_leads: int, capacity: int, last_assigned_at: datetime | None = None) -> Candidate:
    return Candidate(id=id, open_leads=open_leads, capacity=capacity, last_assigned_at=last_assigned_at)


def picked(candidates: list[Candidate]) -> int | None:
    choice = pick_advisor(candidates)
    return choice.id if choice else None


def test_the_lowest_load_ratio_wins_not_the_fewest_open_leads():
    # 4/20 = 0.2 beats 3/10 = 0.3, though 3 < 4.
    assert picked([advisor(1, 3, 10), advisor(2, 4, 20)]) == 2


def test_an_advisor_without_leads_wins_over_one_with_some():
    assert picked([advisor(1, 1, 20), advisor(2, 0, 5)]) == 2


def test_equal_ratios_tie_exactly_and_the_longest_since_last_assignment_wins():
    # 1/10 and 2/20 are the same load; advisor 2 was last given a lead earlier.
    assert picked([advisor(1, 1, 10, TUESDAY), advisor(2, 2, 20, MONDAY)]) == 2
    assert picked([advisor(1, 1, 10, MONDAY), advisor(2, 2, 20, TUESDAY)]) == 1


def test_never_assigned_counts_as_longest_ago():
    assert picked([advisor(1, 1, 10, datetime(2000, 1, 1, tzinfo=UTC)), advisor(2, 2, 20, None)]) == 2


def test_full_tie_goes_to_the_lowest_id():
    assert picked([advisor(7, 1, 10, MONDAY), advisor(3, 2, 20, MONDAY), advisor(5, 3, 30, MONDAY)]) == 3
    assert picked([advisor(9, 0, 10), advisor(4, 0, 5)]) == 4


@pytest.mark.parametrize("order", list(permutations(range(4))))
def test_the_choice_does_not_depend_on_the_order_of_the_list(order):
    candidates = [
        advisor(1, 2, 10, MONDAY),  # 0.2
        advisor(2, 1, 10, TUESDAY),  # 0.1, assigned later
        advisor(3, 2, 20, MONDAY),  # 0.1, assigned earlier -> wins
        advisor(4, 1, 5, None),  # 0.2, never assigned
    ]
    assert picked([candidates[i] for i in order]) == 3


def test_zero_capacity_is_never_chosen():
    assert picked([advisor(1, 0, 0), advisor(2, 9, 10)]) == 2
    assert picked([advisor(1, 0, 0)]) is None


def test_an_advisor_at_or_over_capacity_is_never_chosen():
    assert picked([advisor(1, 10, 10), advisor(2, 12, 10), advisor(3, 19, 20)]) == 3


def test_everybody_full_means_nobody():
    assert picked([advisor(1, 10, 10), advisor(2, 5, 5, None), advisor(3, 0, 0)]) is None


def test_no_candidates_means_nobody():
    assert pick_advisor([]) is None
