"""Queues, the lead page and quick actions; every change goes through the routing and lead services."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ...extensions import db
from ...models import ESCALATION_LEVELS, STAGE_LABELS, Channel, Lead, LeadEscalation, Phase, Team, Touchpoint, User
from ...permissions import (ADVISOR, WORK_LEADS, acting_user, can_log_work, can_reassign, can_take, roles_required)
from ...services import audit, queues, routing
from ...services import leads as lead_service
from ...services.errors import Conflict, DomainError
from ..forms import choices
from . import bp
from .forms import ContactLoggedForm, DeclineForm, ReassignForm, RouteAgainForm, TakeForm

PER_PAGE = 50
QUEUE_MANAGERS = ("admin", "campaign", "teamlead")


def _filters() -> queues.QueueFilters:
    def as_int(name: str) -> int | None:
        value = request.args.get(name, "")
        return int(value) if value.isdigit() else None

    stage = request.args.get("stage", "")
    return queues.QueueFilters(
        stage=stage if stage in STAGE_LABELS else "", channel_id=as_int("channel"), phase_id=as_int("phase"),
        overdue_only=request.args.get("te_laat") == "1", q=request.args.get("q", "")[:100],
    )


def _filter_options():
    return {
        "channels": db.session.execute(select(Channel.id, Channel.name).where(Channel.active.is_(True))
                                       .order_by(Channel.sort_order)).all(),
        "phases": db.session.execute(select(Phase.id, Phase.name).order_by(Phase.starts_on)).all(),
        "stages": [(code, label) for code, label in STAGE_LABELS.items() if code not in ("placed", "lost")],
    }


def _page(query):
    return db.paginate(query, per_page=PER_PAGE, error_out=False)


@bp.route("/mijn")
@roles_required(ADVISOR, "teamlead")
def my_queue():
    user = acting_user()
    page = _page(queues.my_queue(user, _filters()))
    waiting = _page(queues.team_queue(user.team_id, queues.QueueFilters(), waiting_only=True)) if user.team_id else None
    return render_template("leads/my_queue.html", page=page, waiting=waiting, filters=_filter_options(),
                           contact_form=ContactLoggedForm(), take_form=TakeForm())


@bp.route("/team", defaults={"team_id": None})
@bp.route("/team/<int:team_id>")
@roles_required(*QUEUE_MANAGERS)
def team_queue(team_id: int | None):
    user = acting_user()
    teams = queues.teams_led_by(user)
    if not teams:
        abort(404)
    team = next((t for t in teams if t.id == team_id), None) if team_id else teams[0]
    if team is None:
        abort(404)
    page = _page(queues.team_queue(team.id, _filters()))
    return render_template(
        "leads/team_queue.html", team=team, teams=teams, page=page, load=queues.team_load(team.id),
        waiting=queues.waiting_count(team.id), filters=_filter_options(), route_form=RouteAgainForm(),
    )


@bp.route("/zonder-team")
@roles_required("admin", "campaign")
def unrouted():
    page = _page(queues.unrouted(_filters()))
    return render_template("leads/unrouted.html", page=page, filters=_filter_options(), route_form=RouteAgainForm())


@bp.route("/te-laat")
@roles_required(*WORK_LEADS)
def overdue():
    page = _page(queues.overdue(acting_user(), _filters()))
    return render_template("leads/overdue.html", page=page, filters=_filter_options())


@bp.route("/verdeling", defaults={"team_id": None})
@bp.route("/verdeling/<int:team_id>")
@roles_required(*QUEUE_MANAGERS)
def equity(team_id: int | None):
    teams = queues.teams_led_by(acting_user())
    if team_id is not None and team_id not in {t.id for t in teams}:
        abort(404)
    if team_id is None and acting_user().role == "teamlead":
        team_id = teams[0].id if teams else None
    return render_template("leads/equity.html", rows=queues.equity(team_id), teams=teams,
                           team=db.session.get(Team, team_id) if team_id else None)


def _visible_lead(lead_id: int) -> Lead:
    user = acting_user()
    if not queues.is_visible(user, lead_id):
        abort(404)  # another team's lead does not exist for this user
    return db.get_or_404(Lead, lead_id)


@bp.route("/<int:lead_id>")
@roles_required(*WORK_LEADS)
def detail(lead_id: int):
    user = acting_user()
    lead = _visible_lead(lead_id)
    touchpoints = db.session.scalars(
        select(Touchpoint).where(Touchpoint.lead_id == lead.id)
        .options(selectinload(Touchpoint.channel), selectinload(Touchpoint.phase), selectinload(Touchpoint.contact))
        .order_by(Touchpoint.occurred_at)
    ).all()
    escalations = db.session.scalars(
        select(LeadEscalation).where(LeadEscalation.lead_id == lead.id).order_by(LeadEscalation.at)
    ).all()
    if lead.contact is not None:
        audit.record_read(user, lead.contact)  # the page shows the contact's personal data
        db.session.commit()
    reassign = None
    if can_reassign(user, lead) and lead.is_open:
        reassign = ReassignForm()
        reassign.advisor_id.choices = _advisor_choices(lead)
    return render_template(
        "leads/detail.html", lead=lead, touchpoints=touchpoints, escalations=escalations,
        escalation_labels=ESCALATION_LEVELS, may_work=can_log_work(user, lead) and lead.is_open,
        may_decline=lead.owner_id == user.id and lead.is_open, may_take=can_take(user, lead),
        contact_form=ContactLoggedForm(), decline_form=DeclineForm(), reassign_form=reassign, take_form=TakeForm(),
    )


def _advisor_choices(lead: Lead):
    query = select(User).where(User.role == "advisor", User.active.is_(True)).order_by(User.name)
    user = acting_user()
    if user.role == "teamlead":
        query = query.where(User.team_id == user.team_id) if lead.team_id == user.team_id else query
    return choices((u.id, f"{u.name} ({u.team.name if u.team else 'geen team'})")
                   for u in db.session.scalars(query.options(selectinload(User.team))))


def _back(lead: Lead):
    target = request.form.get("next") or ""
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect(url_for("leads.detail", lead_id=lead.id))


@bp.route("/<int:lead_id>/contact", methods=["POST"])
@roles_required(*WORK_LEADS)
def log_contact(lead_id: int):
    user = acting_user()
    lead = _visible_lead(lead_id)
    form = ContactLoggedForm()
    if not can_log_work(user, lead):
        abort(403)
    if form.validate_on_submit():
        try:
            lead_service.change_stage(lead, "contacted", actor=user, note=form.note.data or "Eerste contact gelegd")
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(f"Contact met {lead.employer.name} vastgelegd.", "success")
    return _back(lead)


@bp.route("/<int:lead_id>/afwijzen", methods=["POST"])
@roles_required(ADVISOR)
def decline(lead_id: int):
    user = acting_user()
    lead = _visible_lead(lead_id)
    form = DeclineForm()
    if not form.validate_on_submit():
        flash("Geef een reden om de lead af te wijzen.", "error")
        return _back(lead)
    try:
        assignment = routing.decline_lead(lead, user, form.reason.data)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _back(lead)
    db.session.commit()
    flash("De lead is afgewezen en opnieuw verdeeld: " + assignment.reason, "success")
    return redirect(url_for("leads.my_queue"))


@bp.route("/<int:lead_id>/toewijzen", methods=["POST"])
@roles_required(*QUEUE_MANAGERS)
def reassign(lead_id: int):
    user = acting_user()
    lead = _visible_lead(lead_id)
    if not can_reassign(user, lead):
        abort(403)
    form = ReassignForm()
    form.advisor_id.choices = _advisor_choices(lead)
    if form.validate_on_submit():
        target = db.session.get(User, form.advisor_id.data)
        try:
            routing.reassign_lead(lead, target, form.reason.data, actor=user)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(f"De lead is toegewezen aan {target.name}.", "success")
    else:
        flash("Kies een adviseur en geef een reden.", "error")
    return _back(lead)


@bp.route("/<int:lead_id>/oppakken", methods=["POST"])
@roles_required(ADVISOR)
def take(lead_id: int):
    user = acting_user()
    lead = _visible_lead(lead_id)
    if not can_take(user, lead) or not TakeForm().validate_on_submit():
        abort(403)
    try:
        routing.reassign_lead(lead, user, "zelf opgepakt uit de wachtrij van het team", actor=user)
    except (Conflict, DomainError) as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(f"U heeft de lead van {lead.employer.name} opgepakt.", "success")
    return _back(lead)


@bp.route("/opnieuw-verdelen", methods=["POST"])
@roles_required(*QUEUE_MANAGERS)
def route_waiting():
    if not RouteAgainForm().validate_on_submit():
        abort(400)
    routing.hand_over_for_absences(actor=acting_user())
    assigned, waiting = routing.route_waiting(actor=acting_user())
    db.session.commit()
    flash(f"{assigned} wachtende leads toegewezen; {waiting} wachten nog (de reden staat bij elke lead).", "success")
    target = request.form.get("next") or url_for("leads.team_queue")
    return redirect(target if target.startswith("/") and not target.startswith("//") else url_for("leads.team_queue"))
