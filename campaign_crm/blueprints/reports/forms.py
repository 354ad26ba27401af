"""The report filter: a GET form whose fields are the query arguments `reports.filters.parse_filter` reads."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from flask import url_for
from sqlalchemy import select

from ...extensions import db
from ...models import Campaign, Channel, Municipality, Partner, Phase, Sector, Team
from ...services.reports.filters import GROUP_BY_LABELS
from ...services.reports.period import Period, tertaal

FILTER_ARGS = ("from", "to", "tertaal", "campaign", "phase", "channel", "sector", "municipality", "partner", "team")
TOUCHES = (("first", "Eerste contactmoment"), ("last", "Laatste contactmoment vóór het gesprek"))
TERTAAL_MONTHS = {1: "jan–apr", 2: "mei–aug", 3: "sep–dec"}


@dataclass(frozen=True)
class FilterOptions:
    """(value, label) pairs for each select of the filter form; values are what the query string carries."""

    campaigns: list[tuple[str, str]]
    phases: list[tuple[str, str]]
    channels: list[tuple[str, str]]
    sectors: list[tuple[str, str]]
    municipalities: list[tuple[str, str]]
    partners: list[tuple[str, str]]
    teams: list[tuple[str, str]]
    group_bys: list[tuple[str, str]]
    touches: tuple[tuple[str, str], ...] = TOUCHES


def filter_options(own_team_id: int | None = None) -> FilterOptions:
    """Every choice of the filter form; a team lead (`own_team_id`) is offered only his own team."""
    phases: dict[str, str] = {}
    for code, name, campaign in db.session.execute(
            select(Phase.code, Phase.name, Campaign.name).join(Campaign)
            .order_by(Campaign.active.desc(), Campaign.starts_on.desc(), Phase.starts_on)):
        phases.setdefault(code, f"{name} ({campaign})")
    teams = select(Team.id, Team.name).order_by(Team.name)
    if own_team_id is not None:
        teams = teams.where(Team.id == own_team_id)
    return FilterOptions(
        campaigns=[(c, n) for c, n in db.session.execute(
            select(Campaign.code, Campaign.name).order_by(Campaign.active.desc(), Campaign.starts_on.desc()))],
        phases=list(phases.items()),
        channels=[(c, n) for c, n in db.session.execute(
            select(Channel.code, Channel.name).order_by(Channel.sort_order, Channel.name))],
        sectors=[(c, n) for c, n in db.session.execute(
            select(Sector.code, Sector.name).order_by(Sector.sort_order, Sector.name))],
        municipalities=[(c, n) for c, n in db.session.execute(
            select(Municipality.cbs_code, Municipality.name).order_by(Municipality.name))],
        partners=[(str(i), n) for i, n in db.session.execute(select(Partner.id, Partner.name).order_by(Partner.name))],
        teams=[(str(i), n) for i, n in db.session.execute(teams)],
        group_bys=list(GROUP_BY_LABELS.items()),
    )


@dataclass(frozen=True)
class Shortcut:
    label: str
    url: str
    current: bool


def tertaal_shortcuts(endpoint: str, args: Mapping[str, str], chosen: Period | None, today: date) -> list[Shortcut]:
    """Links to the tertalen of last year and this year, keeping every other filter of the page."""
    kept = {key: value for key, value in args.items() if key not in ("from", "to", "tertaal") and value}
    out = []
    for year in (today.year - 1, today.year):
        for n in (1, 2, 3):
            period = tertaal(year, n)
            if period.start > today:
                continue
            out.append(Shortcut(f"T{n} {year} ({TERTAAL_MONTHS[n]})",
                                url_for(endpoint, **kept, tertaal=f"{year}-T{n}"),
                                chosen is not None and (chosen.start, chosen.end) == (period.start, period.end)))
    return out
