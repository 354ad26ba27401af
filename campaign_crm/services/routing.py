"""The pure choice of an advisor (DESIGN.md, Routing step 4), free of the database."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

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
