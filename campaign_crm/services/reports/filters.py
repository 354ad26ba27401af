"""Report filters: parsed from query arguments into ids, and applied to lead and placement queries."""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import ColumnElement, FromClause, func, select
from sqlalchemy.orm import aliased

from ...extensions import db
from ...models import (
    Campaign,
    Channel,
    Employer,
    Lead,
    Municipality,
    Partner,
    Phase,
    Placement,
    Sector,
    Team,
    User,
)
from ...models.types import MAX_DB_ID
from .. import reference
from ..calendar import today
from ..errors import ValidationError
from .period import Period, tertaal, tertaal_of

GROUP_BYS = ("channel", "phase", "sector", "municipality", "partner", "team", "advisor")
GROUP_BY_LABELS = {
    "channel": "Kanaal", "phase": "Fase", "sector": "Sector", "municipality": "Gemeente",
    "partner": "Partner", "team": "Team", "advisor": "Adviseur",
}


@dataclass(frozen=True)
class ReportFilter:
    """What a report counts: a period of local dates and optional ids to narrow it down."""

    period: Period
    campaign_id: int | None = None
    phase_id: int | None = None
    channel_id: int | None = None
    sector_id: int | None = None
    municipality_id: int | None = None
    partner_id: int | None = None
    team_id: int | None = None


def _value(args: Mapping[str, str], name: str) -> str | None:
    raw = args.get(name)
    if raw is None:
        return None
    raw = str(raw).strip()
    return raw or None


def _date(raw: str, field: str, errors: dict[str, str]) -> date | None:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors[field] = f"Geen geldige datum: {raw!r}. Gebruik jjjj-mm-dd, bijvoorbeeld 2026-05-01."
        return None


def _tertaal(raw: str, errors: dict[str, str]) -> Period | None:
    match = re.fullmatch(r"([1-9][0-9]{3})-?T([123])", raw.strip().upper())
    if not match:
        errors["tertaal"] = (f"Geen geldig tertaal: {raw!r}. Gebruik bijvoorbeeld 2026-T1 "
                             "(T1 = jan–apr, T2 = mei–aug, T3 = sep–dec).")
        return None
    return tertaal(int(match.group(1)), int(match.group(2)))


def _period(args: Mapping[str, str], default: Period | None, errors: dict[str, str]) -> Period | None:
    start_raw, end_raw, tertaal_raw = _value(args, "from"), _value(args, "to"), _value(args, "tertaal")
    if tertaal_raw and (start_raw or end_raw):
        errors["tertaal"] = "Kies een tertaal of een van-/tot-datum, niet allebei."
        return None
    if tertaal_raw:
        return _tertaal(tertaal_raw, errors)
    if not start_raw and not end_raw:
        if default is not None:
            return default
        now = today()
        return Period(tertaal_of(now).start, now)
    if not start_raw:
        errors["from"] = "Geef ook een begindatum (van)."
        return None
    start = _date(start_raw, "from", errors)
    end = _date(end_raw, "to", errors) if end_raw else today()
    if start and end and start > end:
        errors["to"] = f"De einddatum {end.isoformat()} ligt voor de begindatum {start.isoformat()}."
        return None
    return Period(start, end) if start and end else None


def _id(args: Mapping[str, str], name: str, model, unknown: str, errors: dict[str, str]) -> int | None:
    raw = _value(args, name)
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit() and int(raw) <= MAX_DB_ID) or db.session.get(model, int(raw)) is None:
        errors[name] = f"{unknown}: {raw!r}."
        return None
    return int(raw)


def _lookup(raw: str | None, field: str, find, errors: dict[str, str]) -> int | None:
    if raw is None:
        return None
    try:
        return find(raw, field).id
    except ValidationError as exc:
        errors.update(exc.fields or {field: exc.message})
        return None


def _campaign(raw: str | None, errors: dict[str, str]) -> int | None:
    if raw is None:
        return None
    found = db.session.scalar(select(Campaign.id).where(Campaign.code == raw.lower()))
    if found is None:
        errors["campaign"] = f"Onbekende campagne: {raw!r}."
    return found


def _phase(raw: str | None, campaign_id: int | None, errors: dict[str, str]) -> int | None:
    """A phase by code: within the chosen campaign, or the only (or the active campaign's) phase with that code."""
    if raw is None:
        return None
    query = select(Phase.id, Campaign.active).join(Campaign).where(Phase.code == raw.lower())
    if campaign_id is not None:
        query = query.where(Phase.campaign_id == campaign_id)
    found = db.session.execute(query).all()
    if len(found) > 1:
        found = [row for row in found if row.active]
    if len(found) == 1:
        return found[0].id
    errors["phase"] = (f"Onbekende fase: {raw!r}." if not found
                       else f"Fase {raw!r} bestaat in meer campagnes; kies ook de campagne.")
    return None


def parse_filter(args: Mapping[str, str], *, default: Period | None = None) -> ReportFilter:
    """A ReportFilter from query arguments; every bad value is named in one Dutch ValidationError."""
    errors: dict[str, str] = {}
    period = _period(args, default, errors)
    campaign_id = _campaign(_value(args, "campaign"), errors)
    found = ReportFilter(
        period=period or Period(date.min, date.min),
        campaign_id=campaign_id,
        phase_id=_phase(_value(args, "phase"), campaign_id, errors),
        channel_id=_lookup(_value(args, "channel"), "channel", reference.channel, errors),
        sector_id=_lookup(_value(args, "sector"), "sector", reference.sector, errors),
        municipality_id=_lookup(_value(args, "municipality"), "municipality", reference.municipality, errors),
        partner_id=_id(args, "partner", Partner, "Onbekende partner", errors),
        team_id=_id(args, "team", Team, "Onbekend team", errors),
    )
    if errors:
        raise ValidationError("Het rapportfilter klopt niet; controleer: " + ", ".join(errors) + ".", errors)
    return found


def parse_group_by(value: str | None) -> str | None:
    """The grouping a report is split by, or None for totals only."""
    value = (value or "").strip().lower()
    if not value:
        return None
    if value not in GROUP_BYS:
        raise ValidationError(f"Onbekende indeling {value!r}.",
                              {"group_by": "Kies uit: " + ", ".join(GROUP_BYS) + "."})
    return value


def scoped_to_team(flt: ReportFilter, team_id: int) -> ReportFilter:
    """The same filter narrowed to one team (what a team lead may see)."""
    return replace(flt, team_id=team_id)


# Applying a filter. Each function returns the FROM clause (with only the joins the filter needs)
# and the WHERE conditions; the reports add their own columns and grouping.

Owner = aliased(User, name="owner")
Advisor = aliased(User, name="advisor")


def lead_from(flt: ReportFilter | None, *, employer: bool = False, owner: bool = False) -> FromClause:
    """leads, joined to employers and to the owning user when the filter or the grouping needs them."""
    frm: FromClause = Lead.__table__
    if employer or (flt and (flt.sector_id or flt.municipality_id)):
        frm = frm.join(Employer, Employer.id == Lead.employer_id)
    if owner or (flt and flt.partner_id):
        frm = frm.outerjoin(Owner, Owner.id == Lead.owner_id)
    return frm


def lead_conditions(flt: ReportFilter | None, *, period: bool = True,
                    touch_columns: bool = True) -> list[ColumnElement[bool]]:
    """WHERE conditions for the lead cohort: created in the period and matching every filter.

    `touch_columns=False` leaves the channel and phase out, for a caller that applies them to
    another touch (last touch before the meeting).
    """
    if flt is None:
        return []
    out: list[ColumnElement[bool]] = []
    if period:
        out += [Lead.created_at >= flt.period.start_utc, Lead.created_at < flt.period.end_utc]
    if flt.campaign_id:
        out.append(Lead.campaign_id == flt.campaign_id)
    if touch_columns and flt.phase_id:
        out.append(Lead.phase_id == flt.phase_id)
    if touch_columns and flt.channel_id:
        out.append(Lead.channel_id == flt.channel_id)
    if flt.sector_id:
        out.append(Employer.sector_id == flt.sector_id)
    if flt.municipality_id:
        out.append(Employer.municipality_id == flt.municipality_id)
    if flt.partner_id:
        out.append(Owner.partner_id == flt.partner_id)
    if flt.team_id:
        out.append(Lead.team_id == flt.team_id)
    return out


def placement_from(flt: ReportFilter | None) -> FromClause:
    """placements, joined to what the filter needs: the employer, the lead, the advisor."""
    frm: FromClause = Placement.__table__
    if flt and (flt.sector_id or flt.municipality_id):
        frm = frm.join(Employer, Employer.id == Placement.employer_id)
    if flt and (flt.campaign_id or flt.phase_id or flt.channel_id):
        frm = frm.join(Lead, Lead.id == Placement.lead_id)
    if flt and flt.team_id:
        frm = frm.join(Advisor, Advisor.id == Placement.advisor_id)
    return frm


def placement_conditions(flt: ReportFilter | None) -> list[ColumnElement[bool]]:
    """WHERE conditions for placements matching every filter but the period (each report dates its own way).

    Campaign, phase and channel are the lead's (first touch); sector and municipality the
    employer's; the partner is the placement's owner; the team is the advisor's team.
    """
    if flt is None:
        return []
    out: list[ColumnElement[bool]] = []
    if flt.partner_id:
        out.append(Placement.partner_id == flt.partner_id)
    if flt.sector_id:
        out.append(Employer.sector_id == flt.sector_id)
    if flt.municipality_id:
        out.append(Employer.municipality_id == flt.municipality_id)
    if flt.campaign_id:
        out.append(Lead.campaign_id == flt.campaign_id)
    if flt.phase_id:
        out.append(Lead.phase_id == flt.phase_id)
    if flt.channel_id:
        out.append(Lead.channel_id == flt.channel_id)
    if flt.team_id:
        out.append(Advisor.team_id == flt.team_id)
    return out


# Filters in words, and which one empties a cohort. ------------------------------------------------

# The narrowing filters (not the period) as (field of ReportFilter, query argument, Dutch name, model, label column).
NARROWING = (
    ("campaign_id", "campaign", "Campagne", Campaign, Campaign.name),
    ("phase_id", "phase", "Fase", Phase, Phase.name),
    ("channel_id", "channel", "Kanaal", Channel, Channel.name),
    ("sector_id", "sector", "Sector", Sector, Sector.name),
    ("municipality_id", "municipality", "Gemeente", Municipality, Municipality.name),
    ("partner_id", "partner", "Partner", Partner, Partner.name),
    ("team_id", "team", "Team", Team, Team.name),
)


def describe(flt: ReportFilter | None) -> dict[str, str]:
    """The narrowing filters that are set, in words, by query argument: {"phase": "Fase: Zorg"}."""
    if flt is None:
        return {}
    out = {}
    for attr, arg, name, model, label in NARROWING:
        chosen = getattr(flt, attr)
        if chosen is not None:
            out[arg] = f"{name}: {db.session.scalar(select(label).where(model.id == chosen)) or chosen}"
    return out


def count_leads(flt: ReportFilter) -> int:
    """How many leads the filter's cohort holds (created in the period, every filter applied)."""
    return db.session.scalar(select(func.count()).select_from(lead_from(flt)).where(*lead_conditions(flt))) or 0


def empty_cohort_reason(flt: ReportFilter, *, fixed: frozenset[str] = frozenset()) -> str | None:
    """Why a cohort is empty, in Dutch: the filters whose removal brings leads back. None when the cohort
    has leads or no filter (but a fixed one) is set.

    `fixed` are query arguments the viewer cannot change (a team lead's own team); they are never
    offered as the cause. Costs one count per filter that is set, and only runs for an empty cohort.
    """
    words = describe(flt)
    if not words.keys() - fixed or count_leads(flt) > 0:
        return None
    period = flt.period.label
    if count_leads(ReportFilter(flt.period, **({"team_id": flt.team_id} if "team" in fixed else {}))) == 0:
        return "In deze periode kwamen er geen nieuwe leads binnen, ook niet zonder de filters."
    culprits = []
    for attr, arg, *_ in NARROWING:
        if getattr(flt, attr) is not None and arg not in fixed and count_leads(replace(flt, **{attr: None})) > 0:
            culprits.append(f"'{words[arg]}'")
    if len(culprits) == 1:
        return f"Geen leads: het filter {culprits[0]} sluit alles uit in deze periode ({period})."
    if culprits:
        return (f"Geen leads: elk van de filters {', '.join(culprits[:-1])} en {culprits[-1]} sluit alles uit in "
                f"deze periode ({period}); laat er één weg om weer leads te zien.")
    chosen = [f"'{text}'" for arg, text in words.items() if arg not in fixed]
    return (f"Geen leads: de filters {', '.join(chosen)} sluiten samen alles uit in deze periode ({period}); "
            "geen van de filters alleen weglaten brengt leads terug.")
