"""Group keys and Dutch labels for report rows: reports group on small ids, labels come afterwards."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, select

from ...extensions import db
from ...models import (
    Channel,
    Employer,
    Lead,
    Municipality,
    Partner,
    Phase,
    Sector,
    Team,
    User,
)
from .filters import Owner

UNKNOWN = "Onbekend"
TOTAL = "Totaal"

# Per grouping: the table the id points at, its stable key column and its label column.
_LOOKUPS: dict[str, tuple[Any, Any, Any]] = {
    "channel": (Channel.id, Channel.code, Channel.name),
    "phase": (Phase.id, Phase.code, Phase.name),
    "sector": (Sector.id, Sector.code, Sector.name),
    "municipality": (Municipality.id, Municipality.cbs_code, Municipality.name),
    "partner": (Partner.id, Partner.id, Partner.name),
    "team": (Team.id, Team.id, Team.name),
    "advisor": (User.id, User.id, User.name),
}


def lead_group_column(group_by: str) -> ColumnElement[Any]:
    """The lead-side id column a funnel groups on (first touch for channel and phase)."""
    return {
        "channel": Lead.channel_id,
        "phase": Lead.phase_id,
        "sector": Employer.sector_id,
        "municipality": Employer.municipality_id,
        "partner": Owner.partner_id,
        "team": Lead.team_id,
        "advisor": Lead.owner_id,
    }[group_by]


def needs_employer(group_by: str | None) -> bool:
    """Whether grouping needs the employers table joined (sector, municipality)."""
    return group_by in ("sector", "municipality")


def needs_owner(group_by: str | None) -> bool:
    """Whether grouping needs the owning user joined (partner)."""
    return group_by == "partner"


def group_labels(group_by: str, ids: Iterable[int | None]) -> dict[int | None, tuple[str | None, str]]:
    """{id: (stable key, Dutch label)} for the ids a report found; None is the unknown group."""
    wanted = {i for i in ids if i is not None}
    out: dict[int | None, tuple[str | None, str]] = {None: (None, UNKNOWN)}
    if not wanted:
        return out
    id_col, key_col, label_col = _LOOKUPS[group_by]
    for row_id, key, label in db.session.execute(select(id_col, key_col, label_col).where(id_col.in_(wanted))):
        out[row_id] = (str(key), label)
    for missing in wanted - out.keys():  # a row deleted since: still shown, by id
        out[missing] = (str(missing), f"{UNKNOWN} ({missing})")
    return out


def ordered(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows by size (created) descending, then by label."""
    return sorted(rows, key=lambda row: (-row["created"], row["label"]))
