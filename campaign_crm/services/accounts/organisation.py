"""Partners and teams."""
from __future__ import annotations

from sqlalchemy import func, select

from ...extensions import db
from ...models import Municipality, Partner, Team, User
from ...models.partners import PARTNER_KINDS
from ...permissions import ADVISOR
from .. import audit
from ..errors import ValidationError


def _unique_name(model, name: str, exclude_id: int | None = None) -> str:
    name = name.strip()
    if not name:
        raise ValidationError("Vul een naam in.", {"name": "Verplicht."})
    query = select(model.id).where(func.lower(model.name) == name.lower())
    if exclude_id is not None:
        query = query.where(model.id != exclude_id)
    if db.session.scalar(query):
        raise ValidationError(f"De naam {name!r} is al in gebruik.", {"name": "Deze naam bestaat al."})
    return name


def _partner_values(partner: Partner) -> dict[str, object]:
    return {"name": partner.name, "kind": partner.kind, "active": partner.active,
            "municipality": partner.municipality.name if partner.municipality else None}


def _team_values(team: Team) -> dict[str, object]:
    return {"name": team.name, "description": team.description, "is_pool": team.is_pool, "active": team.active}


def save_partner(partner: Partner | None, *, name: str, kind: str, municipality: Municipality | None,
                 active: bool = True, actor: User | None) -> Partner:
    """Create (partner=None) or update a partner organisation."""
    if kind not in PARTNER_KINDS:
        raise ValidationError(f"Onbekend soort partner {kind!r}.", {"kind": f"Kies uit {', '.join(PARTNER_KINDS)}."})
    name = _unique_name(Partner, name, partner.id if partner else None)
    created = partner is None
    if partner is None:
        partner = Partner()
        db.session.add(partner)
    before = {} if created else _partner_values(partner)
    partner.name, partner.kind, partner.municipality, partner.active = name, kind, municipality, active
    db.session.flush()
    if created:
        audit.record(actor, "partner_created", partner, name=name)
    else:
        audit.record(actor, "partner_updated", partner, name=name, changes=audit.diff(before, _partner_values(partner)))
    return partner


def save_team(team: Team | None, *, name: str, description: str = "", is_pool: bool = False,
              active: bool = True, actor: User | None) -> Team:
    """Create (team=None) or update a team."""
    name = _unique_name(Team, name, team.id if team else None)
    created = team is None
    if team is None:
        team = Team()
        db.session.add(team)
    before = {} if created else _team_values(team)
    team.name, team.description, team.is_pool, team.active = name, description.strip(), is_pool, active
    db.session.flush()
    if created:
        audit.record(actor, "team_created", team, name=name)
    else:
        audit.record(actor, "team_updated", team, name=name, changes=audit.diff(before, _team_values(team)))
    return team


def partner_by_name(name: str) -> Partner:
    """The partner with this name (case-insensitive), or a ValidationError naming the field."""
    partner = db.session.scalar(select(Partner).where(func.lower(Partner.name) == name.strip().lower()))
    if partner is None:
        raise ValidationError(f"Onbekende partner {name!r}.", {"partner": "Geen partner met deze naam."})
    return partner


def team_by_name(name: str) -> Team:
    team = db.session.scalar(select(Team).where(func.lower(Team.name) == name.strip().lower()))
    if team is None:
        raise ValidationError(f"Onbekend team {name!r}.", {"team": "Geen team met deze naam."})
    return team


def team_overview():
    """Teams with member count and summed advisor capacity, in one query."""
    members = (
        select(User.team_id, func.count(User.id).label("members"),
               func.coalesce(func.sum(User.capacity), 0).label("capacity"))
        .where(User.active.is_(True), User.role == ADVISOR)
        .group_by(User.team_id)
        .subquery()
    )
    return db.session.execute(
        select(Team, func.coalesce(members.c.members, 0), func.coalesce(members.c.capacity, 0))
        .outerjoin(members, members.c.team_id == Team.id)
        .order_by(Team.name)
    ).all()


def partner_overview():
    """Partners with their number of active users, in one query."""
    counts = (
        select(User.partner_id, func.count(User.id).label("users"))
        .where(User.active.is_(True))
        .group_by(User.partner_id)
        .subquery()
    )
    return db.session.execute(
        select(Partner, func.coalesce(counts.c.users, 0))
        .outerjoin(counts, counts.c.partner_id == Partner.id)
        .order_by(Partner.name)
    ).all()
