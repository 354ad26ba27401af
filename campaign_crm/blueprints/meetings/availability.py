"""Mijn beschikbaarheid: the hours in which employers can book an adviesgesprek with an advisor. The advisor keeps
their own; their team lead and admins keep those of the team's advisors (anyone else: 404)."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for

from ...extensions import db
from ...models import User
from ...permissions import ADMIN, ADVISOR, TEAMLEAD, acting_user, roles_required
from ...services.booking import availability
from ...services.booking.slots import PLACE_SETTINGS, meeting_type
from ...services.errors import ValidationError
from ..forms import int_arg
from .availability_forms import ExceptionForm, RemoveForm, WeeklyHoursForm
from .blueprint import bp


def _advisor(user_id: int) -> User:
    """The advisor, if this user may keep their hours; 404 for anyone else (and for someone who is not there)."""
    advisor = db.session.get(User, user_id)
    if advisor is None or not availability.may_edit(acting_user(), advisor):
        abort(404)
    return advisor


def _apply(form, exc: ValidationError) -> list[str]:
    general = []
    for name, message in exc.fields.items():
        field = getattr(form, name, None)
        if field is None:
            general.append(message)
        elif message not in field.errors:
            field.errors = list(field.errors) + [message]
    return general


def _render(advisor: User, weekly_form=None, exception_form=None, general=None, status=200):
    user = acting_user()
    return render_template(
        "meetings/availability.html", advisor=advisor, own=advisor.id == user.id,
        choosable=availability.editable_advisors(user) if user.role in (TEAMLEAD, ADMIN) else [],
        current=availability.availability_of(advisor), general_errors=general or [],
        weekly_form=weekly_form or WeeklyHoursForm(formdata=None),
        exception_form=exception_form or ExceptionForm(formdata=None), remove_form=RemoveForm(),
        lengths=[(kind, meeting_type(kind)) for kind in PLACE_SETTINGS]), status


@bp.route("/mijn-beschikbaarheid")
@roles_required(ADVISOR, TEAMLEAD, ADMIN)
def my_availability():
    """An advisor's own hours; a team lead or admin picks one of their advisors."""
    user = acting_user()
    chosen = int_arg("adviseur")
    if chosen is not None:
        return redirect(url_for(".show_availability", user_id=chosen))
    if user.role == ADVISOR:
        return _render(user)
    return render_template("meetings/availability_choose.html", choosable=availability.editable_advisors(user))


@bp.route("/beschikbaarheid/<int:user_id>")
@roles_required(ADVISOR, TEAMLEAD, ADMIN)
def show_availability(user_id: int):
    return _render(_advisor(user_id))


@bp.route("/beschikbaarheid/<int:user_id>/uren", methods=["POST"])
@roles_required(ADVISOR, TEAMLEAD, ADMIN)
def add_weekly_hours(user_id: int):
    advisor = _advisor(user_id)
    form = WeeklyHoursForm()
    form.validate()
    weekday = int(form.weekday.data) if (form.weekday.data or "").isdigit() else None
    try:
        if form.starts_at.errors or form.ends_at.errors:
            raise ValidationError("", {})
        availability.add_weekly_hours(advisor, weekday, form.starts_at.data, form.ends_at.data, actor=acting_user())
    except ValidationError as exc:
        db.session.rollback()
        return _render(advisor, weekly_form=form, general=_apply(form, exc), status=422)
    db.session.commit()
    flash("De uren zijn toegevoegd.", "success")
    return redirect(url_for(".show_availability", user_id=advisor.id))


@bp.route("/beschikbaarheid/<int:user_id>/uitzondering", methods=["POST"])
@roles_required(ADVISOR, TEAMLEAD, ADMIN)
def add_exception(user_id: int):
    advisor = _advisor(user_id)
    form = ExceptionForm()
    form.validate()
    try:
        if form.day.errors or form.starts_at.errors or form.ends_at.errors:
            raise ValidationError("", {})
        availability.add_exception(advisor, form.day.data, form.kind.data or "", form.starts_at.data,
                                   form.ends_at.data, actor=acting_user())
    except ValidationError as exc:
        db.session.rollback()
        return _render(advisor, exception_form=form, general=_apply(form, exc), status=422)
    db.session.commit()
    flash("De uitzondering is toegevoegd.", "success")
    return redirect(url_for(".show_availability", user_id=advisor.id))


@bp.route("/beschikbaarheid/<int:user_id>/uren/<int:item_id>/verwijderen", methods=["POST"])
@roles_required(ADVISOR, TEAMLEAD, ADMIN)
def remove_weekly_hours(user_id: int, item_id: int):
    return _remove(_advisor(user_id), availability.remove_weekly_hours, item_id)


@bp.route("/beschikbaarheid/<int:user_id>/uitzondering/<int:item_id>/verwijderen", methods=["POST"])
@roles_required(ADVISOR, TEAMLEAD, ADMIN)
def remove_exception(user_id: int, item_id: int):
    return _remove(_advisor(user_id), availability.remove_exception, item_id)


def _remove(advisor: User, remove, item_id: int):
    if RemoveForm().validate_on_submit():
        try:
            remove(advisor, item_id, actor=acting_user())
        except ValidationError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash("Verwijderd.", "success")
    return redirect(url_for(".show_availability", user_id=advisor.id))
