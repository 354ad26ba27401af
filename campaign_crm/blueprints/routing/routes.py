"""Routing rules: the ordered list, and a form to add or change one."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select

from ...extensions import db
from ...models import Channel, Municipality, Phase, RoutingRule, Sector, SizeClass, Team
from ...permissions import RUN_CAMPAIGNS, acting_user, roles_required
from ...services.errors import ValidationError
from ...services.routing import rules as routing_rules
from ..forms import choices
from .blueprint import bp
from .forms import RuleForm


def _options(model, label=lambda o: o.name, order=None, empty="— alle —"):
    rows = db.session.scalars(select(model).order_by(order if order is not None else model.name))
    return choices([("", empty)] + [(o.id, label(o)) for o in rows])


@bp.route("/")
@roles_required(*RUN_CAMPAIGNS)
def list_rules():
    return render_template("routing/list_rules.html", rules=routing_rules.rules_in_order())


@bp.route("/nieuw", methods=["GET", "POST"], defaults={"rule_id": None})
@bp.route("/<int:rule_id>", methods=["GET", "POST"])
@roles_required(*RUN_CAMPAIGNS)
def edit_rule(rule_id: int | None):
    rule = db.get_or_404(RoutingRule, rule_id) if rule_id else None
    form = RuleForm(obj=rule if request.method == "GET" else None)
    form.municipality_id.choices = _options(Municipality)
    form.sector_id.choices = _options(Sector, order=Sector.sort_order)
    form.channel_id.choices = _options(Channel, order=Channel.sort_order)
    form.phase_id.choices = _options(Phase, label=lambda p: f"{p.campaign.name}: {p.name}", order=Phase.starts_on)
    form.size_class.choices = choices([("", "— alle —")] + [
        (s.code, s.name) for s in db.session.scalars(select(SizeClass).order_by(SizeClass.sort_order))])
    form.team_id.choices = _options(Team, empty="— kies een team —")
    if request.method == "GET" and rule is not None:
        form.size_class.data = rule.size_class or ""
    if form.validate_on_submit():
        try:
            rule = routing_rules.save_rule(
                rule, name=form.name.data, priority=form.priority.data, team_id=form.team_id.data,
                municipality_id=form.municipality_id.data, sector_id=form.sector_id.data,
                channel_id=form.channel_id.data, phase_id=form.phase_id.data, size_class=form.size_class.data,
                requires_skill=form.requires_skill.data, active=form.active.data, actor=acting_user(),
            )
        except ValidationError as exc:
            db.session.rollback()
            for name, message in exc.fields.items():
                getattr(form, name).errors = list(getattr(form, name).errors) + [message]
        else:
            db.session.commit()
            flash(f"Regel '{rule.name}' is opgeslagen.", "success")
            return redirect(url_for("routing.list_rules"))
    return render_template("routing/edit_rule.html", form=form, rule=rule)
