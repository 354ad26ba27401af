"""Placement pages: each loads what the user may see (else 404), validates, calls a service and
commits once; a refused change comes back on the form with the reasons."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from ...extensions import db
from ...models import CheckIn, Instrument, Intervention, Lead, Placement, Vacancy
from ...models.placements import (
    CHECKIN_WITH,
    CONTRACT_TYPES,
    INTERVENTION_KINDS,
    JOBCOACH_KINDS,
    LKS_TYPES,
    RISK_LEVELS,
)
from ...permissions import ADMIN, ADVISOR, acting_user, can_log_work, roles_required
from ...services import audit, reference
from ...services.calendar import today
from ...services.errors import DomainError
from ...services.placements import access as placement_access
from ...services.placements import checkins, risk
from ...services.placements import records as placement_service
from ...services.routing import queues
from ..forms import choices
from .blueprint import bp
from .forms import (
    CheckInForm,
    CloseCaseForm,
    EditPlacementForm,
    EndForm,
    FinishInterventionForm,
    InterventionForm,
    LkvForm,
    NewPlacementForm,
    PlacementForm,
)

PER_PAGE = 50
WORK = tuple(placement_access.WORK_PLACEMENTS)
LABELS = {"lks_types": LKS_TYPES, "contract_types": CONTRACT_TYPES, "jobcoach_kinds": JOBCOACH_KINDS,
          "checkin_with": CHECKIN_WITH, "risk_levels": RISK_LEVELS, "intervention_kinds": INTERVENTION_KINDS,
          "checkin_statuses": checkins.STATUS_LABELS, "case_sources": risk.CASE_SOURCES}


@bp.app_context_processor
def placement_helpers():
    """`placements_for_lead(lead)` for the lead page's placement section; `instrument_label(code)`."""
    return {"placements_for_lead": _placements_for_lead, "instrument_label": _instrument_label}


def _instrument_label(code: str) -> str:
    instrument = db.session.get(Instrument, code)  # the identity map answers repeats
    return instrument.name if instrument is not None else code


def _placements_for_lead(lead: Lead) -> dict:
    user = acting_user()
    found = placement_service.lead_placements(lead.id, user)
    return {
        "items": found,
        "at_risk": placement_service.open_risk_placement_ids([p.id for p in found]),
        "may_register": (user.role in placement_access.WORK_PLACEMENTS and lead.stage != "lost"
                         and can_log_work(user, lead)),
        "has_partner": user.partner_id is not None,
    }


def _visible_placement(placement_id: int) -> Placement:
    """The placement if this user may see it; for anyone else it does not exist. Locked for a change."""
    placement = placement_access.visible_placement(placement_id, acting_user(), lock=request.method == "POST")
    if placement is None:
        abort(404)
    return placement


def _refused(form, exc: DomainError) -> None:
    """Roll back, and put the service's reasons on the form's fields (others above the form)."""
    db.session.rollback()
    form.general = [] if exc.fields else [exc.message]
    for name, message in exc.fields.items():
        target = getattr(form, name, None)
        if target is None:
            form.general.append(message)
        else:
            target.errors = list(target.errors) + [message]


def _blank(value):
    return value if value not in ("", None) else None


# --- lists ------------------------------------------------------------------------------------------

@bp.route("/")
@roles_required(*WORK)
def list_placements():
    user = acting_user()
    status = request.args.get("status", "active")
    status = status if status in ("active", "ended", "all") else "active"
    instrument = request.args.get("instrument", "")
    mine = request.args.get("mijn") == "1"
    query = placement_service.list_query(user, status="" if status == "all" else status, instrument=instrument,
                                         q=request.args.get("q", "")[:100], advisor_id=user.id if mine else None)
    page = db.paginate(query, per_page=PER_PAGE, error_out=False)
    return render_template(
        "placements/list_placements.html", page=page, status=status, mine=mine,
        instrument=instrument, instruments=placement_service.instruments(),
        at_risk=placement_service.open_risk_placement_ids([p.id for p in page.items]),
        no_partner=user.partner_id is None and user.role != ADMIN, **LABELS,
    )


@bp.route("/check-ins")
@roles_required(*WORK)
def my_checkins():
    user = acting_user()
    # Advisors see their own placements by default; everyone can widen it to the whole partner.
    mine = request.args.get("mijn", "1" if user.role == ADVISOR else "0") == "1"
    on = today()
    due = db.paginate(checkins.due_query(user, on=on, mine_only=mine), per_page=PER_PAGE, error_out=False)
    cases = db.session.scalars(risk.open_cases_query(user, mine_only=mine)).all()
    visible = placement_access.visible_placements_clause(user)
    if mine:
        visible = visible & (Placement.advisor_id == user.id)
    lkv = checkins.lkv_requests_due(on, days=checkins.DUE_WINDOW_DAYS, visible=visible)
    return render_template(
        "placements/my_checkins.html", due=due, cases=cases, lkv=lkv, mine=mine, on=on,
        window=checkins.DUE_WINDOW_DAYS, no_partner=user.partner_id is None and user.role != ADMIN, **LABELS,
    )


# --- register and edit ------------------------------------------------------------------------------

def _placement_options(form: PlacementForm, employer_id: int) -> None:
    form.instrument.choices = choices([("", "— kies —"), *((i.code, i.name) for i in placement_service.instruments())])
    vacancies = db.session.execute(select(Vacancy.id, Vacancy.title).where(Vacancy.employer_id == employer_id)
                                   .order_by(Vacancy.created_at.desc(), Vacancy.id.desc())).all()
    form.vacancy_id.choices = choices([("", "— geen —"), *vacancies])
    form.jobcoach_org.choices = choices(
        [("", "— geen organisatie —"), *((o.id, o.name) for o in placement_service.jobcoach_organisations())])


def _placement_input(form: PlacementForm) -> placement_service.PlacementInput:
    return placement_service.PlacementInput(
        candidate_ref=form.candidate_ref.data or "", instrument=form.instrument.data or "",
        start_date=form.start_date.data, lks_type=_blank(form.lks_type.data),
        loonwaarde_pct=form.loonwaarde_pct.data, loonwaarde_assessed_on=form.loonwaarde_assessed_on.data,
        loonwaarde_reassess_on=form.loonwaarde_reassess_on.data, hours_per_week=form.hours_per_week.data,
        contract_type=_blank(form.contract_type.data), fixed_term_ends_on=form.fixed_term_ends_on.data,
        vacancy_id=form.vacancy_id.data, jobcoach_org=form.jobcoach_org.data,
        jobcoach_kind=_blank(form.jobcoach_kind.data), jobcoach_hours=form.jobcoach_hours.data,
        jobcoach_funder=_blank((form.jobcoach_funder.data or "").strip()),
        doelgroepregister=bool(form.doelgroepregister.data), lkv_requested_on=form.lkv_requested_on.data,
        no_riskpolis=bool(form.no_riskpolis.data),
    )


@bp.route("/nieuw/<int:lead_id>", methods=["GET", "POST"])
@roles_required(*WORK)
def new_placement(lead_id: int):
    user = acting_user()
    if not queues.is_visible(user, lead_id):
        abort(404)
    # Parallel registrations from one lead wait for each other (PostgreSQL), so the stage moves once.
    lead = db.get_or_404(Lead, lead_id, with_for_update=request.method == "POST", populate_existing=True)
    if not can_log_work(user, lead):
        abort(403)
    form = NewPlacementForm()
    _placement_options(form, lead.employer_id)
    refusal = None
    if user.partner_id is None:
        refusal = ("U hoort bij geen partner. Een plaatsing is van de partner die plaatst; vraag een beheerder "
                   "u aan uw partnerorganisatie te koppelen.")
    elif lead.stage == "lost":
        refusal = "Deze lead is vervallen; op een vervallen lead registreert u geen plaatsing."
    status = 200
    if request.method == "POST":
        status = 422  # unless it is stored below
    if refusal is None and form.validate_on_submit():
        try:
            placement = placement_service.create_placement(lead, _placement_input(form), actor=user)
            previous = placement_service.follow_up_by_reference(placement, form.previous_reference.data or "", user)
            if previous is not None:
                placement_service.link_previous(placement, previous, actor=user)
        except DomainError as exc:
            if "follow_up" in exc.fields:
                exc.fields["previous_reference"] = exc.fields.pop("follow_up")
            _refused(form, exc)
        else:
            db.session.commit()
            flash(f"Plaatsing {placement.reference} is geregistreerd; de check-ins staan gepland.", "success")
            return redirect(url_for("placements.show_placement", placement_id=placement.id))
    elif request.method == "GET" and not form.start_date.data:
        form.start_date.data = today()
    return render_template("placements/new_placement.html", form=form, lead=lead, refusal=refusal,
                           lkv_months=reference.setting("lkv_request_months"),
                           weeks=checkins.schedule_weeks()), status


@bp.route("/<int:placement_id>/wijzigen", methods=["GET", "POST"])
@roles_required(*WORK)
def edit_placement(placement_id: int):
    user = acting_user()
    placement = _visible_placement(placement_id)
    form = EditPlacementForm(obj=placement if request.method == "GET" else None)
    if request.method == "GET":
        form.jobcoach_org.data = placement.jobcoach_org_id
    _placement_options(form, placement.employer_id)
    if form.validate_on_submit():
        try:
            changed = placement_service.update_placement(placement, _placement_input(form), actor=user)
        except DomainError as exc:
            _refused(form, exc)
        else:
            db.session.commit()
            flash("Gewijzigd." if changed else "Er was niets gewijzigd.", "success")
            return redirect(url_for("placements.show_placement", placement_id=placement.id))
    audit.record_read(user, placement)
    html = render_template("placements/edit_placement.html", form=form, placement=placement)
    db.session.commit()
    return html, 422 if request.method == "POST" else 200


# --- the placement page -----------------------------------------------------------------------------

def _render_placement(placement: Placement, *, checkin_form: CheckInForm | None = None,
                      intervention_form: InterventionForm | None = None, end_form: EndForm | None = None,
                      lkv_form: LkvForm | None = None, status: int = 200):
    """The placement page (and a read entry in the audit log); a refused form comes back with its reasons."""
    user = acting_user()
    on = today()
    running = placement.end_date is None
    if running:
        checkin_form = checkin_form or CheckInForm(formdata=None, done_on=on)
        _checkin_options(checkin_form, placement)
        if checkin_form.checkin_id.data is None and request.method == "GET":
            checkin_form.checkin_id.data = _next_open(placement)
        intervention_form = intervention_form or InterventionForm(formdata=None, started_on=on)
        end_form = end_form or EndForm(formdata=None)
        _end_options(end_form)
        lkv_form = lkv_form or LkvForm(formdata=None, lkv_requested_on=on)
    audit.record_read(user, placement)
    html = render_template(
        "placements/show_placement.html", placement=placement, on=on,
        statuses={c.id: checkins.status(c, placement, on) for c in placement.checkins},
        cases=risk.cases_of(placement), interventions=risk.interventions_of(placement),
        signals=risk.signals_of(placement), open_case=risk.open_case_of(placement),
        lkv_deadline=checkins.lkv_deadline(placement.start_date),
        needs_lkv=placement_service.needs_lkv_request(placement),
        follow_ups=db.session.scalars(select(Placement).where(Placement.previous_placement_id == placement.id,
                                                              placement_access.visible_placements_clause(user))).all(),
        checkin_form=checkin_form, intervention_form=intervention_form, end_form=end_form, lkv_form=lkv_form,
        **LABELS,
    )
    db.session.commit()  # the read entry
    return html, status


def _next_open(placement: Placement) -> int | None:
    return next((c.id for c in placement.checkins if c.done_on is None), None)


def _checkin_options(form: CheckInForm, placement: Placement) -> None:
    open_ones = [(c.id, f"Week {c.week} (gepland {c.due_on.strftime('%d-%m-%Y')})")
                 for c in placement.checkins if c.done_on is None]
    form.checkin_id.choices = choices([*open_ones, ("", "Extra check-in (niet gepland)")])


def _end_options(form: EndForm) -> None:
    hows, whys = placement_service.end_reason_options()
    form.end_how.choices = choices([("", "— kies —"), *((h.code, h.name) for h in hows)])
    form.end_why.choices = choices([("", "— kies —"), *(
        (w.code, f"{w.name} ({'beïnvloedbaar' if w.influenceable else 'niet beïnvloedbaar'})") for w in whys)])


@bp.route("/<int:placement_id>")
@roles_required(*WORK)
def show_placement(placement_id: int):
    return _render_placement(_visible_placement(placement_id))


@bp.route("/<int:placement_id>/check-ins", methods=["POST"])
@roles_required(*WORK)
def record_checkin(placement_id: int):
    user = acting_user()
    placement = _visible_placement(placement_id)
    form = CheckInForm()
    _checkin_options(form, placement)
    if form.validate_on_submit():
        checkin = None
        if form.checkin_id.data is not None:
            checkin = db.session.get(CheckIn, form.checkin_id.data)
            if checkin is None or checkin.placement_id != placement.id:
                abort(404)
        data = checkins.CheckInInput(done_on=form.done_on.data, with_whom=_blank(form.with_whom.data),
                                     risk=_blank(form.risk.data), note=form.note.data or "")
        try:
            recorded = checkins.record_checkin(placement, data, actor=user, checkin=checkin)
        except DomainError as exc:
            _refused(form, exc)
        else:
            db.session.commit()
            message = f"Check-in van week {recorded.week} vastgelegd."
            if recorded.risk in risk.CASE_LEVELS:
                message += " Er staat een risicodossier open: leg vast wat u eraan doet."
            flash(message, "success")
            return redirect(url_for("placements.show_placement", placement_id=placement.id) + "#check-ins")
    return _render_placement(placement, checkin_form=form, status=422)


@bp.route("/<int:placement_id>/check-ins/<int:checkin_id>")
@roles_required(*WORK)
def show_checkin(placement_id: int, checkin_id: int):
    user = acting_user()
    placement = _visible_placement(placement_id)
    checkin = db.session.get(CheckIn, checkin_id)
    if checkin is None or checkin.placement_id != placement.id:
        abort(404)
    form = None
    if checkin.done_on is None and placement.end_date is None:
        form = CheckInForm(formdata=None, done_on=today(), checkin_id=checkin.id)
        _checkin_options(form, placement)
    audit.record_read(user, placement)
    html = render_template("placements/show_checkin.html", placement=placement, checkin=checkin, form=form,
                           status=checkins.status(checkin, placement, today()), **LABELS)
    db.session.commit()
    return html


# --- risk and interventions -------------------------------------------------------------------------

@bp.route("/<int:placement_id>/interventies", methods=["POST"])
@roles_required(*WORK)
def add_intervention(placement_id: int):
    user = acting_user()
    placement = _visible_placement(placement_id)
    form = InterventionForm()
    if form.validate_on_submit():
        data = risk.InterventionInput(kind=_blank(form.kind.data), started_on=form.started_on.data,
                                      ended_on=form.ended_on.data, outcome=form.outcome.data or "",
                                      note=form.note.data or "")
        try:
            risk.add_intervention(placement, data, actor=user)
        except DomainError as exc:
            _refused(form, exc)
        else:
            db.session.commit()
            flash(f"Interventie '{INTERVENTION_KINDS[data.kind]}' vastgelegd.", "success")
            return redirect(url_for("placements.show_placement", placement_id=placement.id) + "#risico")
    return _render_placement(placement, intervention_form=form, status=422)


@bp.route("/<int:placement_id>/interventies/<int:intervention_id>", methods=["GET", "POST"])
@roles_required(*WORK)
def show_intervention(placement_id: int, intervention_id: int):
    user = acting_user()
    placement = _visible_placement(placement_id)
    intervention = db.session.get(Intervention, intervention_id)
    if intervention is None or intervention.placement_id != placement.id:
        abort(404)
    form = FinishInterventionForm(formdata=request.form if request.method == "POST" else None,
                                  ended_on=intervention.ended_on or today(), outcome=intervention.outcome)
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                risk.finish_intervention(intervention, ended_on=form.ended_on.data, outcome=form.outcome.data,
                                         actor=user)
            except DomainError as exc:
                _refused(form, exc)
            else:
                db.session.commit()
                flash("De uitkomst van de interventie is opgeslagen.", "success")
                return redirect(url_for("placements.show_placement", placement_id=placement.id) + "#risico")
        status = 422
    audit.record_read(user, placement)
    html = render_template("placements/show_intervention.html", placement=placement, intervention=intervention,
                           form=form, **LABELS)
    db.session.commit()
    return html, status


@bp.route("/<int:placement_id>/risico/<int:case_id>", methods=["GET", "POST"])
@roles_required(*WORK)
def show_risk_case(placement_id: int, case_id: int):
    user = acting_user()
    placement = _visible_placement(placement_id)
    case = risk.visible_case(placement, case_id)
    if case is None:
        abort(404)
    form = CloseCaseForm(formdata=request.form if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if case.closed_at is None and form.validate_on_submit():
            try:
                risk.close_case(case, outcome=form.outcome.data, actor=user)
            except DomainError as exc:
                _refused(form, exc)
            else:
                db.session.commit()
                flash("Het risicodossier is gesloten.", "success")
                return redirect(url_for("placements.show_placement", placement_id=placement.id) + "#risico")
        status = 422
    audit.record_read(user, placement)
    interventions = [i for i in risk.interventions_of(placement) if i.risk_case_id == case.id]
    html = render_template("placements/show_risk_case.html", placement=placement, case=case, form=form,
                           interventions=interventions, signals=risk.signals_of(placement), **LABELS)
    db.session.commit()
    return html, status


# --- LKV and ending ---------------------------------------------------------------------------------

@bp.route("/<int:placement_id>/lkv", methods=["POST"])
@roles_required(*WORK)
def record_lkv(placement_id: int):
    user = acting_user()
    placement = _visible_placement(placement_id)
    form = LkvForm()
    if form.validate_on_submit():
        try:
            placement_service.record_lkv_requested(placement, form.lkv_requested_on.data, actor=user)
        except DomainError as exc:
            _refused(form, exc)
        else:
            db.session.commit()
            flash("De aanvraag van de doelgroepverklaring is vastgelegd.", "success")
            return redirect(url_for("placements.show_placement", placement_id=placement.id))
    return _render_placement(placement, lkv_form=form, status=422)


@bp.route("/<int:placement_id>/beeindigen", methods=["POST"])
@roles_required(*WORK)
def end_placement(placement_id: int):
    user = acting_user()
    placement = _visible_placement(placement_id)
    if placement.end_date is not None:
        flash(f"Deze plaatsing is al beëindigd op {placement.end_date.strftime('%d-%m-%Y')}.", "error")
        return redirect(url_for("placements.show_placement", placement_id=placement.id))
    form = EndForm()
    _end_options(form)
    if form.validate_on_submit():
        try:
            follow_up = placement_service.follow_up_by_reference(placement, form.follow_up.data or "", user)
            placement_service.end_placement(
                placement, end_date=form.end_date.data, end_how=_blank(form.end_how.data),
                end_why=_blank(form.end_why.data), note=form.end_note.data or "", actor=user, follow_up=follow_up)
        except DomainError as exc:
            _refused(form, exc)
        else:
            db.session.commit()
            flash(f"Plaatsing {placement.reference} is beëindigd.", "success")
            return redirect(url_for("placements.show_placement", placement_id=placement.id))
    return _render_placement(placement, end_form=form, status=422)
