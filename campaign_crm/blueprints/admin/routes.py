"""Admin pages: users (with routing attributes and absences), partners, teams, settings, AVG rights."""
from __future__ import annotations

import json

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import select

from ...extensions import db
from ...models import ROLES, Absence, Contact, Municipality, Partner, Sector, Team, User
from ...models.partners import PARTNER_KINDS
from ...permissions import (
    ADMIN,
    CARRY_LEADS,
    MANAGE_ADVISORS,
    MANAGE_ORGANISATION,
    MANAGE_SETTINGS,
    MANAGE_USERS,
    REVIEW_AUDIT_LOG,
    acting_user,
    can_manage_advisor,
    roles_required,
)
from ...services import settings as app_settings
from ...services.accounts import auth as auth_service
from ...services.accounts import organisation, two_factor, users
from ...services.calendar import today
from ...services.errors import ValidationError
from ...services.privacy import retention as purge
from ...services.privacy import rights as privacy
from ...templating import nl_date
from ..forms import apply_errors, int_arg
from ..public.routes import public_url
from .blueprint import bp
from .forms import (
    AbsenceForm,
    ActionForm,
    AdvisorRoutingForm,
    PartnerForm,
    PasswordResetForm,
    TeamForm,
    UserCreateForm,
    UserEditForm,
    choices,
)

PER_PAGE = 50


def _pairs(model, empty: str | None = "— geen —", where=None) -> list[tuple[str, str]]:
    """(id, name) options for a select of `model` rows, with an optional empty first option."""
    query = select(model).order_by(model.name)
    if where is not None:
        query = query.where(where)
    options = [(str(obj.id), obj.name) for obj in db.session.scalars(query)]
    return ([("", empty)] if empty else []) + options


def _choices(model, empty: str | None = "— geen —", where=None):
    return choices(_pairs(model, empty, where))


@bp.route("/")
@roles_required(*(MANAGE_USERS | MANAGE_ORGANISATION | MANAGE_SETTINGS | REVIEW_AUDIT_LOG))
def index():
    return render_template("admin/index.html")


# --- users -------------------------------------------------------------------------------

@bp.route("/gebruikers")
@roles_required(*MANAGE_USERS)
def list_users():
    status = request.args.get("status", "active")
    query = users.users_query(
        q=request.args.get("q", ""), role=request.args.get("role", ""), team_id=int_arg("team"),
        partner_id=int_arg("partner"), active={"active": True, "inactive": False}.get(status),
    )
    page = db.paginate(query, per_page=PER_PAGE, error_out=False)
    open_counts = users.open_lead_counts([u.id for u in page.items])
    return render_template(
        "admin/list_users.html", page=page, open_counts=open_counts, roles=ROLES,
        teams=_pairs(Team, "Alle teams"), partners=_pairs(Partner, "Alle partners"), status=status,
    )


def _fill_user_choices(form) -> None:
    form.partner_id.choices = _choices(Partner)
    form.team_id.choices = _choices(Team)


@bp.route("/gebruikers/nieuw", methods=["GET", "POST"])
@roles_required(*MANAGE_USERS)
def new_user():
    form = UserCreateForm()
    _fill_user_choices(form)
    # In production a new account never gets a password from someone else: it gets a one-time set-up link.
    with_link = current_app.config["ENV_NAME"] == "production"
    if form.validate_on_submit():
        password = None if with_link else (form.password.data or None)
        try:
            user = users.create_user(
                email=form.email.data, name=form.name.data, role=form.role.data, password=password,
                partner=db.session.get(Partner, form.partner_id.data) if form.partner_id.data else None,
                team=db.session.get(Team, form.team_id.data) if form.team_id.data else None,
                capacity=form.capacity.data, actor=acting_user(),
            )
            token = auth_service.issue_setup_link(user, actor=acting_user()) if password is None else None
        except ValidationError as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            db.session.commit()
            if token is not None:
                return render_template("admin/setup_link.html", user=user,
                                       link=public_url("auth.account_setup", token=token)), 200, NO_STORE
            flash(f"Gebruiker {user.name} is aangemaakt.", "success")
            return redirect(url_for("admin.edit_user", user_id=user.id))
    return render_template("admin/new_user.html", form=form, with_link=with_link)


@bp.route("/gebruikers/<int:user_id>", methods=["GET", "POST"])
@roles_required(*MANAGE_USERS)
def edit_user(user_id: int):
    user = db.get_or_404(User, user_id)
    form = UserEditForm(obj=user if request.method == "GET" else None)
    _fill_user_choices(form)
    _routing_choices(form, user)
    if request.method == "GET":
        form.skills.data = [s.id for s in user.skills]
        form.municipalities.data = [m.id for m in user.municipalities]
    if form.validate_on_submit():
        try:
            users.update_user(
                user, actor=acting_user(), name=form.name.data, role=form.role.data,
                partner=db.session.get(Partner, form.partner_id.data) if form.partner_id.data else None,
                team=db.session.get(Team, form.team_id.data) if form.team_id.data else None,
                capacity=form.capacity.data,
                backup=db.session.get(User, form.backup_id.data) if form.backup_id.data else None,
                skills=list(db.session.scalars(select(Sector).where(Sector.id.in_(form.skills.data or [])))),
                municipalities=list(db.session.scalars(
                    select(Municipality).where(Municipality.id.in_(form.municipalities.data or [])))),
            )
        except ValidationError as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash("De wijzigingen zijn opgeslagen.", "success")
            return redirect(url_for("admin.edit_user", user_id=user.id))
    return render_template(
        "admin/edit_user.html", user=user, form=form, absence_form=AbsenceForm(prefix="absence"),
        handover=users.handover_preview(user),
        reset_form=PasswordResetForm(prefix="reset"), action_form=ActionForm(),
        open_leads=users.open_lead_counts([user.id]).get(user.id, 0),
    )


@bp.route("/gebruikers/<int:user_id>/actief", methods=["POST"])
@roles_required(*MANAGE_USERS)
def toggle_user_active(user_id: int):
    user = db.get_or_404(User, user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        users.set_active(user, not user.active, actor=acting_user())
    except ValidationError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(f"{user.name} is {'geactiveerd' if user.active else 'gedeactiveerd en overal uitgelogd'}.", "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))


@bp.route("/gebruikers/<int:user_id>/wachtwoord", methods=["POST"])
@roles_required(*MANAGE_USERS)
def reset_user_password(user_id: int):
    user = db.get_or_404(User, user_id)
    form = PasswordResetForm(prefix="reset")
    if form.validate_on_submit():
        try:
            users.reset_password(user, form.password.data, actor=acting_user())
        except ValidationError as exc:
            db.session.rollback()
            flash("Wachtwoord niet ingesteld: " + " ".join(exc.fields.values()), "error")
        else:
            db.session.commit()
            flash("Het nieuwe wachtwoord is ingesteld; de gebruiker is overal uitgelogd.", "success")
    else:
        flash("Vul een nieuw wachtwoord in.", "error")
    return redirect(url_for("admin.edit_user", user_id=user.id))


@bp.route("/gebruikers/<int:user_id>/tweestaps", methods=["POST"])
@roles_required(*MANAGE_USERS)
def reset_two_factor(user_id: int):
    user = db.get_or_404(User, user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    two_factor.switch_off(user, actor=acting_user())
    auth_service.end_all_sessions(user)
    db.session.commit()
    flash(f"De tweede stap van {user.name} is gewist; bij de volgende keer inloggen stelt hij of zij die opnieuw in.",
          "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))


def _managed_advisor(user_id: int) -> User:
    """A user whose routing profile the actor may change; others do not exist for them."""
    user = db.get_or_404(User, user_id)
    if not can_manage_advisor(acting_user(), user):
        abort(404)
    return user


def _profile_url(user: User) -> str:
    endpoint = "admin.edit_user" if acting_user().role in MANAGE_USERS else "admin.edit_advisor"
    return url_for(endpoint, user_id=user.id) + "#afwezigheid"


def _routing_choices(form, user: User) -> None:
    form.backup_id.choices = _choices(
        User, where=(User.id != user.id) & User.active.is_(True) & User.role.in_(CARRY_LEADS))
    form.skills.choices = choices(
        (s.id, s.name) for s in db.session.scalars(select(Sector).order_by(Sector.sort_order)))
    form.municipalities.choices = choices(
        (m.id, m.name) for m in db.session.scalars(select(Municipality).order_by(Municipality.name))
    )


@bp.route("/adviseurs/<int:user_id>", methods=["GET", "POST"])
@roles_required(*MANAGE_ADVISORS)
def edit_advisor(user_id: int):
    """Capacity, backup, skills and municipalities of an advisor, for team leads (and admins)."""
    user = _managed_advisor(user_id)
    form = AdvisorRoutingForm(obj=user if request.method == "GET" else None)
    _routing_choices(form, user)
    if request.method == "GET":
        form.skills.data = [s.id for s in user.skills]
        form.municipalities.data = [m.id for m in user.municipalities]
    if form.validate_on_submit():
        try:
            users.update_routing_profile(
                user, actor=acting_user(), capacity=form.capacity.data,
                backup=db.session.get(User, form.backup_id.data) if form.backup_id.data else None,
                skills=list(db.session.scalars(select(Sector).where(Sector.id.in_(form.skills.data or [])))),
                municipalities=list(db.session.scalars(
                    select(Municipality).where(Municipality.id.in_(form.municipalities.data or [])))),
            )
        except ValidationError as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash("De wijzigingen zijn opgeslagen.", "success")
            return redirect(url_for("admin.edit_advisor", user_id=user.id))
    return render_template("admin/edit_advisor.html", user=user, form=form, absence_form=AbsenceForm(prefix="absence"),
                           handover=users.handover_preview(user), action_form=ActionForm(),
                           open_leads=users.open_lead_counts([user.id]).get(user.id, 0))


MOVED_SHOWN = 25  # leads named one by one after an absence hands them over


@bp.route("/gebruikers/<int:user_id>/afwezigheid", methods=["POST"])
@roles_required(*MANAGE_ADVISORS)
def add_absence(user_id: int):
    user = _managed_advisor(user_id)
    form = AbsenceForm(prefix="absence")
    if form.validate_on_submit():
        try:
            added = users.add_absence(user, form.starts_on.data, form.ends_on.data, form.reason.data or "",
                                      actor=acting_user(), hand_back=form.hand_back.data)
        except ValidationError as exc:
            db.session.rollback()
            flash("Afwezigheid niet toegevoegd: " + " ".join(exc.fields.values()), "error")
        else:
            moved = [(lead.id, lead.employer.name, lead.owner.name if lead.owner else None) for lead in added.moved]
            absence = added.absence
            db.session.commit()
            flash("De afwezigheid is toegevoegd." + (f" {len(moved)} open leads zijn overgedragen:" if len(moved) > 1
                  else " 1 open lead is overgedragen:" if moved else ""), "success")
            for lead_id, employer, owner in moved[:MOVED_SHOWN]:
                flash(f"Lead {lead_id} ({employer}) → {owner or 'wacht in de teamwachtrij'}", "success")
            if len(moved) > MOVED_SHOWN:
                flash(f"… en nog {len(moved) - MOVED_SHOWN}; zie de leads van de vervanger en de teamwachtrij.",
                      "success")
            _absence_follow_up(user, absence, moved=bool(moved))
    else:
        flash("Afwezigheid niet toegevoegd: " + " ".join(e for errs in form.errors.values() for e in errs), "error")
    return redirect(_profile_url(user))


@bp.route("/afwezigheid/<int:absence_id>/verwijderen", methods=["POST"])
@roles_required(*MANAGE_ADVISORS)
def remove_absence(absence_id: int):
    absence = db.get_or_404(Absence, absence_id)
    user = _managed_advisor(absence.user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    handed_back = users.remove_absence(absence, actor=acting_user())
    db.session.commit()
    flash("De afwezigheid is verwijderd." + (" De overgedragen leads zijn teruggegeven waar dat kon:"
                                             if handed_back else ""), "success")
    for result in handed_back[:MOVED_SHOWN]:
        flash(f"Lead {result.lead_id} ({result.employer_name}): {result.message}",
              "success" if result.returned else "info")
    if len(handed_back) > MOVED_SHOWN:
        flash(f"… en nog {len(handed_back) - MOVED_SHOWN}.", "info")
    return redirect(_profile_url(user))


def _absence_follow_up(user: User, absence: Absence, *, moved: bool) -> None:
    """What happens next with the leads of a saved absence, in words."""
    if absence.starts_on > today():
        flash(f"De open leads van {user.name} gaan op {nl_date(absence.starts_on)} 's ochtends over naar de "
              "vervanger (of terug naar de routering).", "info")
    if absence.hand_back and (moved or absence.starts_on > today()):
        flash(f"Na de afwezigheid (de ochtend na {nl_date(absence.ends_on)}) gaan de overgedragen leads terug naar "
              f"{user.name}, behalve wat intussen is afgesloten of bij iemand anders ligt.", "info")


# --- partners and teams ------------------------------------------------------------------

@bp.route("/partners")
@roles_required(*MANAGE_ORGANISATION)
def list_partners():
    return render_template("admin/list_partners.html", rows=organisation.partner_overview(), kinds=PARTNER_KINDS)


@bp.route("/partners/nieuw", methods=["GET", "POST"], defaults={"partner_id": None})
@bp.route("/partners/<int:partner_id>", methods=["GET", "POST"])
@roles_required(*MANAGE_ORGANISATION)
def edit_partner(partner_id: int | None):
    partner = db.get_or_404(Partner, partner_id) if partner_id else None
    form = PartnerForm(obj=partner if request.method == "GET" else None)
    form.municipality_id.choices = _choices(Municipality)
    if form.validate_on_submit():
        try:
            partner = organisation.save_partner(
                partner, name=form.name.data, kind=form.kind.data, active=form.active.data, actor=acting_user(),
                municipality=(db.session.get(Municipality, form.municipality_id.data)
                              if form.municipality_id.data else None),
            )
        except ValidationError as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(f"Partner {partner.name} is opgeslagen.", "success")
            return redirect(url_for("admin.list_partners"))
    return render_template("admin/edit_partner.html", form=form, partner=partner)


@bp.route("/teams")
@roles_required(*MANAGE_ORGANISATION)
def list_teams():
    return render_template("admin/list_teams.html", rows=organisation.team_overview())


@bp.route("/teams/nieuw", methods=["GET", "POST"], defaults={"team_id": None})
@bp.route("/teams/<int:team_id>", methods=["GET", "POST"])
@roles_required(*MANAGE_ORGANISATION)
def edit_team(team_id: int | None):
    team = db.get_or_404(Team, team_id) if team_id else None
    form = TeamForm(obj=team if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            team = organisation.save_team(
                team, name=form.name.data, description=form.description.data or "", is_pool=form.is_pool.data,
                active=form.active.data, actor=acting_user(),
            )
        except ValidationError as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(f"Team {team.name} is opgeslagen.", "success")
            return redirect(url_for("admin.list_teams"))
    members = users.users_query(team_id=team.id, active=True) if team else None
    return render_template("admin/edit_team.html", form=form, team=team,
                           members=db.session.scalars(members).all() if members is not None else [])


# --- AVG rights of a contact person --------------------------------------------------------

NO_STORE = {"Cache-Control": "no-store"}


@bp.route("/contactpersonen/<int:contact_id>/avg")
@roles_required(ADMIN)
def contact_privacy(contact_id: int):
    """Everything held about one contact person, readable, with the download and the erase action."""
    contact = db.get_or_404(Contact, contact_id)
    data = privacy.contact_export(contact)
    privacy.record_export(contact, actor=acting_user(), file_format="html")
    db.session.commit()
    return render_template("admin/contact_privacy.html", contact=contact, data=data, form=ActionForm()), 200, NO_STORE


@bp.route("/contactpersonen/<int:contact_id>/avg.json")
@roles_required(ADMIN)
def export_contact(contact_id: int):
    """The same as a JSON download (the inzage the person can take with them)."""
    contact = db.get_or_404(Contact, contact_id)
    data = privacy.contact_export(contact)
    privacy.record_export(contact, actor=acting_user(), file_format="json")
    db.session.commit()
    body = json.dumps(data, ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json", headers={
        **NO_STORE, "Content-Disposition": f'attachment; filename="contactpersoon-{contact.id}.json"'})


@bp.route("/contactpersonen/<int:contact_id>/wissen", methods=["POST"])
@roles_required(ADMIN)
def erase_contact(contact_id: int):
    contact = db.get_or_404(Contact, contact_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if request.form.get("confirm") != "ja":
        flash("Vink aan dat u de contactpersoon definitief wilt wissen.", "error")
        return redirect(url_for("admin.contact_privacy", contact_id=contact.id))
    try:
        privacy.erase_contact(contact, actor=acting_user())
    except ValidationError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash("De contactpersoon is gewist: naam en contactgegevens zijn weg, de aantallen blijven.", "success")
    return redirect(url_for("admin.contact_privacy", contact_id=contact.id))


# --- settings and retention ----------------------------------------------------------------

@bp.route("/instellingen", methods=["GET", "POST"])
@roles_required(*MANAGE_SETTINGS)
def edit_settings():
    form = ActionForm()
    errors: dict[str, str] = {}
    submitted: dict[str, str] = {}
    if form.validate_on_submit():
        rows = [row for group in app_settings.grouped() for row in group.settings]
        # A checkbox is absent from the form when unticked: read every yes/no setting explicitly.
        submitted = {row.key: ("ja" if request.form.get(row.key) else "nee") if isinstance(row.value, bool)
                     else request.form.get(row.key, "") for row in rows}
        try:
            changed = app_settings.update_settings(submitted, actor=acting_user())
        except ValidationError as exc:
            db.session.rollback()
            errors = exc.fields
            flash(exc.message, "error")
        else:
            db.session.commit()
            saved = f"{len(changed)} instellingen opgeslagen." if len(changed) > 1 else "1 instelling opgeslagen."
            flash(saved if changed else "Er was niets gewijzigd.", "success")
            return redirect(url_for("admin.edit_settings"))
    return render_template(
        "admin/settings.html", form=form, groups=app_settings.grouped(), errors=errors, submitted=submitted,
        as_text=app_settings.as_text, purge_preview=purge.purge_personal_data(dry_run=True),
    )
