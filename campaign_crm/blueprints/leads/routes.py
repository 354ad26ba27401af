"""Queues, the lead page, quick actions and lead work (activities, stage changes, vacancies, next actions);
every change goes through the routing, lead, activity and vacancy services."""
from __future__ import annotations

from datetime import datetime

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, literal, select, union_all
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import Length

from ...extensions import db
from ...models import (
    LOST,
    STAGE_LABELS,
    STAGES,
    Activity,
    Channel,
    Lead,
    LostReason,
    Partner,
    Phase,
    Sector,
    Team,
    User,
)
from ...models.placements import VACANCY_STATUSES
from ...permissions import (
    ADMIN,
    ADVISOR,
    CAMPAIGN,
    CARRY_LEADS,
    TEAMLEAD,
    WORK_LEADS,
    acting_user,
    can_log_work,
    can_reassign,
    can_take,
    roles_required,
)
from ...request_limits import database_id
from ...services import audit, normalise
from ...services.calendar import AMSTERDAM, today
from ...services.errors import Conflict, DomainError, ValidationError
from ...services.leads import activities, vacancies
from ...services.leads import lifecycle as lead_service
from ...services.leads import queries as lead_queries
from ...services.reports import exports
from ...services.routing import bulk as bulk_routing
from ...services.routing import engine as routing
from ...services.routing import queue_views, queues
from ...templating import nl_phone
from ..forms import Form, apply_errors, choices, optional_id
from . import fields
from .blueprint import bp
from .forms import (
    ActivityForm,
    BulkNextActionForm,
    BulkSelectionForm,
    ContactLoggedForm,
    DeclineForm,
    ReassignForm,
    RouteAgainForm,
    SaveViewForm,
    StageForm,
    TakeForm,
    VacancyForm,
)

PER_PAGE = 50
NEXT_ACTIONS_ON_QUEUE = 5
QUEUE_MANAGERS = (ADMIN, CAMPAIGN, TEAMLEAD)
CONTACT_STAGES = ("new", "assigned")  # first contact can be logged (the lead page's "Contact gelegd")


def _filters() -> queues.QueueFilters:
    def as_int(name: str) -> int | None:
        return database_id(request.args.get(name))

    stage = request.args.get("stage", "")
    return queues.QueueFilters(
        stage=stage if stage in STAGE_LABELS else "", channel_id=as_int("channel"), phase_id=as_int("phase"),
        overdue_only=request.args.get("te_laat") == "1", q=request.args.get("q", "")[:100],
        sort=request.args.get("sorteer", ""), direction=request.args.get("richting", ""),
    )


# The reference lists the pages offer, read on every page view; the statement is built once. Channels and phases
# come in one statement (each numbered in its own order), so a queue page reads no more for its saved views.
_FILTER_OPTIONS = union_all(
    select(literal("channel").label("kind"), Channel.id, Channel.name,
           func.row_number().over(order_by=(Channel.sort_order, Channel.id)).label("rank"))
    .where(Channel.active.is_(True)),
    select(literal("phase").label("kind"), Phase.id, Phase.name,
           func.row_number().over(order_by=(Phase.starts_on, Phase.id)).label("rank")),
).order_by("kind", "rank")
_LOST_REASON_OPTIONS = (select(LostReason.code, LostReason.name).where(LostReason.active.is_(True))
                        .order_by(LostReason.sort_order, LostReason.name))
_SECTOR_OPTIONS = select(Sector.id, Sector.name).where(Sector.active.is_(True)).order_by(Sector.sort_order, Sector.name)
_QUEUE_STAGES = [(code, label) for code, label in STAGE_LABELS.items() if code not in ("placed", "lost")]


def _filter_options():
    options = {"channel": [], "phase": []}
    for kind, option_id, name, _rank in db.session.execute(_FILTER_OPTIONS):
        options[kind].append((option_id, name))
    return {"channels": options["channel"], "phases": options["phase"], "stages": _QUEUE_STAGES}


# --- saved views ----------------------------------------------------------------------------------------

def _view_url(view, endpoint: str) -> str:
    params = queue_views.view_params(view)
    team_id = params.pop(queue_views.TEAM_PARAMETER, None)
    if endpoint == "leads.team_queue" and team_id:
        params["team_id"] = team_id
    return url_for(endpoint, **params, weergave=view.id)


def _saved_views(page: str, endpoint: str, form: SaveViewForm | None = None) -> dict:
    """What the page shows of the user's saved views: the links (one statement) and the form to save one."""
    current = request.args.get("weergave", "")
    views = [(view, _view_url(view, endpoint), str(view.id) == current)
             for view in queue_views.views_for(acting_user(), page)]
    return {"saved_views": views, "view_form": form or SaveViewForm(formdata=None, prefix="view"), "view_page": page}


def _save_view(page: str, extra: dict[str, object] | None = None):
    """POST on a queue page: save its filters and sort order (the page's own query string) as a view. Returns
    (the form, a redirect once saved); a refusal leaves its reason on the form's name field."""
    if request.method != "POST":
        return SaveViewForm(formdata=None, prefix="view"), None
    form = SaveViewForm(prefix="view")
    if not form.validate_on_submit():
        flash("Het formulier is verlopen; probeer het opnieuw.", "error")
        return form, redirect(request.full_path)
    try:
        view = queue_views.save_view(acting_user(), page, form.name.data or "", {**request.args.to_dict(),
                                                                                   **(extra or {})})
    except ValidationError as exc:
        db.session.rollback()
        apply_errors(form, exc)
        return form, None
    db.session.commit()
    flash(f"Weergave “{view.name}” bewaard.", "success")
    return form, redirect(_view_url(view, request.endpoint))


@bp.route("/weergaven/<int:view_id>/verwijderen", methods=["POST"])
@roles_required(*WORK_LEADS)
def delete_view(view_id: int):
    if not SaveViewForm(prefix="view").validate_on_submit():
        abort(400)
    try:
        view = queue_views.delete_view(acting_user(), view_id)
    except DomainError:
        db.session.rollback()
        abort(404)  # another user's view does not exist for this one
    db.session.commit()
    flash(f"Weergave “{view.name}” verwijderd.", "success")
    target = request.form.get("next") or ""
    return redirect(target if target.startswith("/") and not target.startswith("//") else url_for("main.index"))


class _Page(Pagination):
    """A page of a `Listing` (services.leads.queries).

    It reads one row more than it shows. A page with nothing after it is the last, so its rows give the
    total; only a page with more after it (or one past the end) needs the count query.
    """

    def _query_items(self) -> list:
        rows = self._query_args["listing"].page(offset=self._query_offset, limit=self.per_page + 1)
        self.more = len(rows) > self.per_page
        return rows[:self.per_page]

    def _query_count(self) -> int:
        if self.more or (not self.items and self.page > 1):
            return self._query_args["listing"].count()
        return self._query_offset + len(self.items)


def _page(listing: lead_queries.Listing) -> _Page:
    return _Page(listing=listing, per_page=PER_PAGE, error_out=False)


def _queue_context(page: str, endpoint: str, view_form: SaveViewForm, filters: queues.QueueFilters) -> dict:
    return {"filters": _filter_options(), "sorting": filters.sorting, "sort_keys": queues.SORT_KEYS,
            **_saved_views(page, endpoint, view_form)}


@bp.route("/mijn", methods=["GET", "POST"])
@roles_required(ADVISOR, TEAMLEAD)
def my_queue():
    view_form, saved = _save_view("mine")
    if saved is not None:
        return saved
    user = acting_user()
    filters = _filters()
    page = _page(queues.my_queue(user, filters))
    waiting = _page(queues.team_queue(user.team_id, queues.QueueFilters(), waiting_only=True)) if user.team_id else None
    return render_template("leads/my_queue.html", page=page, waiting=waiting,
                           contact_form=ContactLoggedForm(), take_form=TakeForm(),
                           next_actions=activities.next_actions(user, limit=NEXT_ACTIONS_ON_QUEUE),
                           **_queue_context("mine", "leads.my_queue", view_form, filters))


@bp.route("/team", defaults={"team_id": None}, methods=["GET", "POST"])
@bp.route("/team/<int:team_id>", methods=["GET", "POST"])
@roles_required(*QUEUE_MANAGERS)
def team_queue(team_id: int | None):
    user = acting_user()
    teams = queues.teams_led_by(user)
    if not teams:
        abort(404)
    team = next((t for t in teams if t.id == team_id), None) if team_id else teams[0]
    if team is None:
        abort(404)
    view_form, saved = _save_view("team", {queue_views.TEAM_PARAMETER: team.id})
    if saved is not None:
        return saved
    filters = _filters()
    page = _page(queues.team_queue(team.id, filters))
    return render_template(
        "leads/team_queue.html", team=team, teams=teams, page=page, load=queues.team_load(team.id),
        waiting=queues.waiting_count(team.id), route_form=RouteAgainForm(),
        bulk_form=_bulk_form(user), next_action_form=BulkNextActionForm(formdata=None),
        max_bulk=bulk_routing.MAX_LEADS, may_take=user.role in CARRY_LEADS,
        select_all=request.args.get("alles") == "1",
        **_queue_context("team", "leads.team_queue", view_form, filters),
    )


@bp.route("/zonder-team", methods=["GET", "POST"])
@roles_required(ADMIN, CAMPAIGN)
def unrouted():
    view_form, saved = _save_view("unrouted")
    if saved is not None:
        return saved
    filters = _filters()
    page = _page(queues.unrouted(filters))
    return render_template("leads/unrouted.html", page=page, route_form=RouteAgainForm(),
                           **_queue_context("unrouted", "leads.unrouted", view_form, filters))


@bp.route("/te-laat", methods=["GET", "POST"])
@roles_required(*WORK_LEADS)
def overdue():
    view_form, saved = _save_view("overdue")
    if saved is not None:
        return saved
    filters = _filters()
    page = _page(queues.overdue(acting_user(), filters))
    return render_template("leads/overdue.html", page=page,
                           **_queue_context("overdue", "leads.overdue", view_form, filters))


@bp.route("/verdeling", defaults={"team_id": None})
@bp.route("/verdeling/<int:team_id>")
@roles_required(*QUEUE_MANAGERS)
def equity(team_id: int | None):
    teams = queues.teams_led_by(acting_user())
    if team_id is not None and team_id not in {t.id for t in teams}:
        abort(404)
    if team_id is None and acting_user().role == TEAMLEAD:
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
    # One statement: the visibility check and everything the page shows of the lead itself.
    lead = lead_queries.lead_for_page(lead_id, acting_user())
    if lead is None:
        abort(404)  # another team's lead does not exist for this user
    return _render_detail(lead)


def _render_detail(lead: Lead, *, activity_form: ActivityForm | None = None, stage_form: StageForm | None = None,
                   vacancy_form: VacancyForm | None = None):
    """The lead page; a form that failed comes back with what was typed and why it was refused."""
    user = acting_user()
    if lead.contact is not None:
        audit.record_read(user, lead.contact)  # the page shows the contact's personal data: committed below
    reassign = None
    if can_reassign(user, lead) and lead.is_open:
        reassign = ReassignForm()
        reassign.advisor_id.choices = _advisor_choices(lead)
        reassign.seen_owner_id.data = str(lead.owner_id or "")
    may_work = can_log_work(user, lead) and lead.is_open
    for form in (activity_form, stage_form, vacancy_form):
        if form is not None and not may_work:  # the lead closed meanwhile: no form to show the reasons in
            for message in [*getattr(form, "general", []), *(m for ms in form.errors.values() for m in ms)]:
                flash(message, "error")
    if may_work:
        activity_form = activity_form or ActivityForm(formdata=None)
        stage_form = stage_form or StageForm(formdata=None)
        vacancy_form = vacancy_form or VacancyForm(formdata=None, sector_id=lead.employer.sector_id)
        _stage_options(stage_form, lead)
        _vacancy_options(vacancy_form)
    may_decline, may_take = lead.owner_id == user.id and lead.is_open, can_take(user, lead)
    open_actions = activities.open_actions_on(lead) if may_work else []
    page = render_template(
        "leads/detail.html", lead=lead, timeline=lead_queries.lead_timeline(lead.id),
        vacancy_statuses=VACANCY_STATUSES, may_work=may_work, may_decline=may_decline, may_take=may_take,
        # Only the forms the page shows are built.
        contact_form=ContactLoggedForm() if may_work and lead.stage in CONTACT_STAGES else None,
        decline_form=DeclineForm() if may_decline else None, reassign_form=reassign,
        take_form=TakeForm() if may_take else None,
        activity_form=activity_form, stage_form=stage_form, vacancy_form=vacancy_form, fields=fields,
        open_actions=open_actions, completes_checked=set(request.form.getlist("activity-completes")),
    )
    # The read of the contact's data is committed once the page is made, before it is sent (a commit earlier
    # would expire every object the page still has to show, and read each of them again).
    db.session.commit()
    return page


def _advisor_choices(lead: Lead):
    """The advisors a lead may go to, as "Naam — team, partner" (two people of one name are told apart), read in
    one statement."""
    query = (select(User.id, User.name, Team.name, Partner.name)
             .outerjoin(Team, User.team_id == Team.id).outerjoin(Partner, User.partner_id == Partner.id)
             .where(User.role == ADVISOR, User.active.is_(True)).order_by(User.name, User.id))
    user = acting_user()
    if user.role == TEAMLEAD and lead.team_id == user.team_id:
        query = query.where(User.team_id == user.team_id)
    return choices((advisor_id, _advisor_label(name, team, partner))
                   for advisor_id, name, team, partner in db.session.execute(query))


def _advisor_label(name: str, team: str | None, partner: str | None) -> str:
    return f"{name} — {team or 'geen team'}, {partner or 'geen partner'}"


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
            normalise.refuse_bsn(form.note.data, "note")
            lead_service.change_stage(lead, "contacted", actor=user, note=form.note.data or "Eerste contact gelegd")
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(f"Contact met {lead.employer.name} vastgelegd.", "success")
    return _back(lead)


# --- lead work: activities, stage changes, vacancies -------------------------------------------------

def _workable_lead(lead_id: int) -> Lead:
    """The lead, if this user may see it (else 404) and work on it (else 403); locked on PostgreSQL."""
    if not queues.is_visible(acting_user(), lead_id):
        abort(404)
    # Parallel changes of one lead wait for each other, then see each other (PostgreSQL; SQLite serialises writers).
    lead = db.session.get(Lead, lead_id, with_for_update=True, populate_existing=True)
    if lead is None:
        abort(404)
    if not can_log_work(acting_user(), lead):
        abort(403)  # a colleague of the team may read the lead, not work on it
    return lead


def _local_time(value: datetime | None) -> datetime | None:
    """A time typed in the form is Dutch local time."""
    return value.replace(tzinfo=AMSTERDAM) if value is not None else None


def _refused(form, exc: DomainError, *, field_names: dict[str, str] | None = None, field: str | None = None) -> None:
    """Roll back, and put a service's reasons on the form's fields (a service name may map to another
    field name); a refusal without fields goes on `field`, or on `form.general` above the form."""
    db.session.rollback()
    reasons = exc.fields or ({field: exc.message} if field else {})
    form.general = [] if reasons else [exc.message]
    for name, message in reasons.items():
        target = getattr(form, (field_names or {}).get(name, name), None)
        if target is None:
            form.general.append(message)
        else:
            target.errors = list(target.errors) + [message]


def _stage_options(form: StageForm, lead: Lead) -> None:
    """Forward stages up to `vacancy`, then lost; `placed` follows from registering a placement."""
    forward = STAGES[STAGES.index(lead.stage) + 1:STAGES.index("placed")] if lead.is_open else ()
    form.to_stage.choices = choices([*((stage, STAGE_LABELS[stage]) for stage in forward), (LOST, STAGE_LABELS[LOST])])
    form.lost_reason.choices = choices([("", "— kies een reden —"), *db.session.execute(_LOST_REASON_OPTIONS)])


def _vacancy_options(form: VacancyForm) -> None:
    form.sector_id.choices = choices([("", "— onbekend —"), *db.session.execute(_SECTOR_OPTIONS)])


@bp.route("/<int:lead_id>/activiteit", methods=["POST"])
@roles_required(*WORK_LEADS)
def log_activity(lead_id: int):
    user = acting_user()
    lead = _workable_lead(lead_id)
    form = ActivityForm()
    if not form.validate_on_submit():
        return _render_detail(lead, activity_form=form)
    try:
        logged = activities.log_activity(lead, activities.ActivityInput(
            kind=form.kind.data, outcome=form.outcome.data or "", occurred_at=_local_time(form.occurred_at.data),
            next_action=form.next_action.data or "", next_action_due=form.next_action_due.data,
            completes=tuple(int(v) for v in request.form.getlist("activity-completes") if v.isdigit()),
        ), actor=user)
    except DomainError as exc:
        _refused(form, exc)
        return _render_detail(lead, activity_form=form)
    db.session.commit()
    message = f"{logged.activity.kind_label} vastgelegd."
    if logged.completed:
        message += " " + ("De open actie is afgerond." if len(logged.completed) == 1
                          else f"{len(logged.completed)} open acties zijn afgerond.")
    if logged.stage_event is not None:
        message += f" De lead staat nu op {STAGE_LABELS[logged.stage_event.to_stage]}."
    flash(message, "success")
    return redirect(url_for("leads.detail", lead_id=lead.id))


@bp.route("/<int:lead_id>/fase", methods=["POST"])
@roles_required(*WORK_LEADS)
def change_stage(lead_id: int):
    user = acting_user()
    lead = _workable_lead(lead_id)
    form = StageForm()
    if not form.validate_on_submit():
        return _render_detail(lead, stage_form=form)
    to_stage = form.to_stage.data or ""
    try:
        if to_stage == "placed":
            raise Conflict("Een lead komt op Geplaatst door er een plaatsing bij vast te leggen.")
        normalise.refuse_bsn(form.note.data, "note")
        lead_service.change_stage(lead, to_stage, actor=user, at=_local_time(form.at.data),
                                  lost_reason=form.lost_reason.data if to_stage == LOST else None,
                                  note=(form.note.data or "").strip())
    except DomainError as exc:
        # An illegal move names no field: its message belongs with the stage that was chosen.
        _refused(form, exc, field_names={"stage": "to_stage"}, field="to_stage")
        return _render_detail(lead, stage_form=form)
    db.session.commit()
    flash(f"De lead staat nu op {STAGE_LABELS[lead.stage]}.", "success")
    return redirect(url_for("leads.detail", lead_id=lead.id))


@bp.route("/<int:lead_id>/vacature", methods=["POST"])
@roles_required(*WORK_LEADS)
def register_vacancy(lead_id: int):
    user = acting_user()
    lead = _workable_lead(lead_id)
    form = VacancyForm()
    _vacancy_options(form)
    if not form.validate_on_submit():
        return _render_detail(lead, vacancy_form=form)
    try:
        registered = vacancies.register_vacancy(lead, vacancies.VacancyInput(
            title=form.title.data or "", sector_id=form.sector_id.data, hours_per_week=form.hours_per_week.data,
            banenafspraak=form.banenafspraak.data,
        ), actor=user)
    except DomainError as exc:
        _refused(form, exc)
        return _render_detail(lead, vacancy_form=form)
    db.session.commit()
    message = f"Vacature {registered.vacancy.title!r} geregistreerd."
    if registered.stage_event is not None:
        message += f" De lead staat nu op {STAGE_LABELS['vacancy']}."
    flash(message, "success")
    return redirect(url_for("leads.detail", lead_id=lead.id))


@bp.route("/mijn/acties")
@roles_required(*WORK_LEADS)
def my_actions():
    user = acting_user()
    page = _page(lead_queries.listing(activities.next_actions_query(user), entities=True))
    actions = activities.with_leads(list(page.items))
    return render_template("leads/my_actions.html", page=page, actions=actions, groups=activities.grouped(actions))


@bp.route("/acties/<int:activity_id>/afronden", methods=["POST"])
@roles_required(*WORK_LEADS)
def close_action(activity_id: int):
    """Mark a next action done (`uitkomst=gedaan`) or drop it (`uitkomst=vervallen`); back to where it was done."""
    action = db.get_or_404(Activity, activity_id)
    lead = _workable_lead(action.lead_id)
    done = request.form.get("uitkomst") != "vervallen"
    try:
        activities.close_next_action(action, done=done, actor=acting_user())
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(f"Actie “{action.next_action}” {'afgerond' if done else 'laten vervallen'}.", "success")
    if request.form.get("terug") == "lead":
        return redirect(url_for("leads.detail", lead_id=lead.id))
    return redirect(url_for("leads.my_actions"))


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
        seen = form.seen_owner_id  # absent (a page from before the field): the owner as read now
        expected = optional_id(seen.data) if seen.raw_data else lead.owner_id
        try:
            routing.reassign_lead(lead, target, form.reason.data, actor=user, expected_owner_id=expected)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            away = target.id in routing.absent_ids([target.id], today())
            db.session.commit()
            flash(f"De lead is toegewezen aan {target.name}.", "success")
            if away:
                flash(f"Let op: {target.name} is vandaag afwezig. Is {target.name} morgenochtend nog afwezig, dan gaat "
                      "de lead naar de vervanger of terug naar de routering.", "info")
    else:
        flash("Kies een adviseur en geef een reden.", "error")
    return _back(lead)


@bp.route("/<int:lead_id>/oppakken", methods=["POST"])
@roles_required(ADVISOR)
def take(lead_id: int):
    user = acting_user()
    lead = _visible_lead(lead_id)
    # A lead of the team that a colleague took since the page was shown is no 403: the service says who was first.
    in_team = lead.team_id is not None and lead.team_id == user.team_id
    if not (can_take(user, lead) or in_team) or not TakeForm().validate_on_submit():
        abort(403)
    try:
        routing.reassign_lead(lead, user, "zelf opgepakt uit de wachtrij van het team", actor=user,
                              expected_owner_id=None)
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


class BulkReassignForm(Form):
    """The team queue's selection of leads, given to one advisor at once (the lead ids come as `lead_ids`)."""

    advisor_id = SelectField("Toewijzen aan", coerce=optional_id, validate_choice=False)
    reason = StringField("Reden", validators=[Length(max=300, message="Houd de reden onder 300 tekens.")])
    submit = SubmitField("Geselecteerde leads toewijzen")


def _bulk_form(user: User) -> BulkReassignForm:
    """The form with the advisors this user may give leads to (a team lead: their own team's; others: anyone),
    read in one statement with their team and partner."""
    query = (select(User.id, User.name, Team.name, Partner.name)
             .outerjoin(Team, User.team_id == Team.id).outerjoin(Partner, User.partner_id == Partner.id)
             .where(User.role == ADVISOR, User.active.is_(True)).order_by(User.name, User.id))
    if user.role == TEAMLEAD:
        query = query.where(User.team_id == user.team_id)
    form = BulkReassignForm(prefix="bulk")
    form.advisor_id.choices = choices([("", "Kies een adviseur")] + [
        (advisor_id, _advisor_label(name, team, partner))
        for advisor_id, name, team, partner in db.session.execute(query)])
    return form


def _team_queue_path() -> str:
    target = request.form.get("next") or ""
    return target if target.startswith("/") and not target.startswith("//") else url_for("leads.team_queue")


def _back_to_team_queue():
    return redirect(_team_queue_path())


@bp.route("/team/bulk-toewijzen", methods=["POST"])
@roles_required(*QUEUE_MANAGERS)
def bulk_reassign():
    user = acting_user()
    form = _bulk_form(user)
    if not form.validate_on_submit():
        flash(" ".join(message for messages in form.errors.values() for message in messages)
              or "Het formulier is verlopen; probeer het opnieuw.", "error")
        return _back_to_team_queue()
    lead_ids = [lead_id for lead_id in map(database_id, request.form.getlist("lead_ids")) if lead_id is not None]
    offered = {int(choice.value) for choice in form.advisor_id.choices if choice.value}
    target = db.session.get(User, form.advisor_id.data) if form.advisor_id.data in offered else None
    problems = []
    if not lead_ids:
        problems.append("Selecteer ten minste één lead om toe te wijzen.")
    if target is None:
        problems.append("Kies de adviseur aan wie u de leads toewijst.")
    if not (form.reason.data or "").strip():
        problems.append("Geef een reden voor het toewijzen.")
    if problems:
        flash(" ".join(problems), "error")
        return _back_to_team_queue()
    try:
        outcome = bulk_routing.reassign_leads(lead_ids, target, form.reason.data, actor=user)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _back_to_team_queue()
    db.session.commit()
    return render_template("leads/bulk_reassign.html", outcome=outcome, back=_team_queue_path())


# --- the team queue's other actions on a selection: take, plan a next action, export ------------------------

def _selected_ids() -> list[int]:
    return [lead_id for lead_id in map(database_id, request.form.getlist("lead_ids")) if lead_id is not None]


def _bulk_refused(exc: DomainError, labels: dict[str, str] | None = None):
    """Roll back and say why nothing was done, naming the field (the selection, the action, the date)."""
    db.session.rollback()
    names = {"lead_ids": "Selectie", **(labels or {})}
    flash(" ".join(f"{names.get(name, name)}: {message}" for name, message in exc.fields.items()) or exc.message,
          "error")
    return _back_to_team_queue()


@bp.route("/team/bulk-oppakken", methods=["POST"])
@roles_required(*QUEUE_MANAGERS)
def bulk_take():
    if not BulkSelectionForm(prefix="bulk").validate_on_submit():
        flash("Het formulier is verlopen; probeer het opnieuw.", "error")
        return _back_to_team_queue()
    try:
        outcome = bulk_routing.take_leads(_selected_ids(), actor=acting_user())
    except DomainError as exc:
        return _bulk_refused(exc)
    db.session.commit()
    return render_template("leads/bulk_outcome.html", outcome=outcome, back=_team_queue_path(),
                           summary=f"{outcome.done} van {len(outcome.leads)} geselecteerde leads opgepakt; "
                                   f"{outcome.refused} geweigerd.")


@bp.route("/team/bulk-actie", methods=["POST"])
@roles_required(*QUEUE_MANAGERS)
def bulk_next_action():
    form = BulkNextActionForm()
    if not form.validate_on_submit():
        flash(" ".join(f"{getattr(form, name).label.text}: {' '.join(messages)}" if name != "csrf_token"
                       else "Het formulier is verlopen; probeer het opnieuw."
                       for name, messages in form.errors.items()), "error")
        return _back_to_team_queue()
    try:
        outcome = bulk_routing.plan_next_actions(_selected_ids(), form.next_action.data or "",
                                                 form.next_action_due.data, actor=acting_user())
    except DomainError as exc:
        return _bulk_refused(exc, {"next_action": form.next_action.label.text,
                                   "next_action_due": form.next_action_due.label.text})
    db.session.commit()
    return render_template("leads/bulk_outcome.html", outcome=outcome, back=_team_queue_path(),
                           summary=f"Bij {outcome.done} van {len(outcome.leads)} geselecteerde leads is de actie "
                                   f"gepland; {outcome.refused} geweigerd.")


EXPORT_FORMATS = ("csv", "xlsx")


@bp.route("/team/bulk-exporteren", methods=["POST"])
@roles_required(*QUEUE_MANAGERS)
def bulk_export():
    """Step one of an export: which selected leads may go into the file and which not (and why); nothing is
    read of the contacts yet. The page offers the file as CSV and as XLSX."""
    if not BulkSelectionForm(prefix="bulk").validate_on_submit():
        flash("Het formulier is verlopen; probeer het opnieuw.", "error")
        return _back_to_team_queue()
    try:
        outcome = bulk_routing.export_leads(_selected_ids(), actor=acting_user(), with_rows=False)
    except DomainError as exc:
        return _bulk_refused(exc)
    db.session.rollback()  # nothing was written
    return render_template("leads/bulk_outcome.html", outcome=outcome, back=_team_queue_path(),
                           download_form=BulkSelectionForm(prefix="bulk"), export_formats=EXPORT_FORMATS,
                           summary=f"{outcome.done} van {len(outcome.leads)} geselecteerde leads kunnen mee in het "
                                   f"bestand; {outcome.refused} geweigerd.")


EXPORT_COLUMNS = (("Lead", "count"), ("Werkgever", "text"), ("Gemeente", "text"), ("Sector", "text"),
                  ("Kanaal", "text"), ("Fase", "text"), ("Stand", "text"), ("Binnengekomen", "date"),
                  ("Eerste contact vóór", "date"), ("Prioriteit", "count"), ("Adviseur", "text"), ("Team", "text"),
                  ("Contactpersoon", "text"), ("E-mail", "text"), ("Telefoon", "text"))


@bp.route("/team/bulk-exporteren/bestand", methods=["POST"])
@roles_required(*QUEUE_MANAGERS)
def bulk_export_file():
    """Step two: the file, in Dutch (CSV with dates as "3 december 2026", XLSX with real dates); every contact in
    it is logged as read."""
    file_format = request.form.get("formaat", "")
    if not BulkSelectionForm(prefix="bulk").validate_on_submit() or file_format not in EXPORT_FORMATS:
        flash("Kies CSV of XLSX; het formulier is misschien verlopen.", "error")
        return _back_to_team_queue()
    try:
        outcome = bulk_routing.export_leads(_selected_ids(), actor=acting_user())
    except DomainError as exc:
        return _bulk_refused(exc)
    db.session.commit()  # the reads were logged
    table = exports.Table("leads", "Leads", [exports.Column(label, kind) for label, kind in EXPORT_COLUMNS], [
        [row.lead_id, row.employer, row.municipality, row.sector, row.channel, row.phase, STAGE_LABELS[row.stage],
         row.created_on, row.first_contact_due, row.priority, row.owner, row.team, row.contact_name,
         row.contact_email, nl_phone(row.contact_phone) if row.contact_phone else None]
        for row in outcome.rows])
    name = f"leads-{today():%Y-%m-%d}.{file_format}"
    body, mimetype = ((exports.table_csv(table), exports.CSV_MIME) if file_format == "csv"
                      else (exports.table_xlsx(table), exports.XLSX_MIME))
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"',
                                                       "Cache-Control": "no-store"})
