"""Managing routing rules."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ...extensions import db
from ...models import (
    Channel,
    Municipality,
    Phase,
    RoutingRule,
    Sector,
    SizeClass,
    Team,
    User,
)
from .. import audit
from ..errors import ValidationError


def rules_in_order():
    """All rules in the order routing tries them."""
    return db.session.scalars(
        select(RoutingRule).options(
            selectinload(RoutingRule.team), selectinload(RoutingRule.municipality), selectinload(RoutingRule.sector),
            selectinload(RoutingRule.channel), selectinload(RoutingRule.phase),
        ).order_by(RoutingRule.active.desc(), RoutingRule.priority, RoutingRule.id)
    ).all()


def save_rule(rule: RoutingRule | None, *, name: str, priority: int, team_id: int | None,
              municipality_id: int | None = None, sector_id: int | None = None, channel_id: int | None = None,
              phase_id: int | None = None, size_class: str | None = None, requires_skill: bool = False,
              active: bool = True, actor: User | None) -> RoutingRule:
    """Create (rule=None) or change a rule; every id must exist, and a skill rule needs nothing more."""
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = "Geef de regel een naam."
    team = db.session.get(Team, team_id) if team_id else None
    if team is None or not team.active:
        errors["team_id"] = "Kies een actief team."
    for field, model, value in (("municipality_id", Municipality, municipality_id), ("sector_id", Sector, sector_id),
                                ("channel_id", Channel, channel_id), ("phase_id", Phase, phase_id)):
        if value is not None and db.session.get(model, value) is None:
            errors[field] = "Onbekende waarde."
    if size_class and db.session.get(SizeClass, size_class) is None:
        errors["size_class"] = "Onbekende grootteklasse."
    if errors:
        raise ValidationError("De regel is niet opgeslagen: " + " ".join(errors.values()), errors)
    created = rule is None
    if rule is None:
        rule = RoutingRule()
        db.session.add(rule)
    rule.name, rule.priority, rule.team = name.strip(), priority, team
    rule.municipality_id, rule.sector_id = municipality_id, sector_id
    rule.channel_id, rule.phase_id = channel_id, phase_id
    rule.size_class = size_class or None
    rule.requires_skill, rule.active = requires_skill, active
    db.session.flush()
    audit.record(actor, "routing_rule_created" if created else "routing_rule_updated", rule, name=rule.name)
    return rule
