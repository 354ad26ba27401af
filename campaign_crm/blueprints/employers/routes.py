"""Employer and contact pages: list, detail, edit, likely duplicates, merge."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from ...extensions import db
from ...models import Contact, Employer, Municipality, Sector, SizeClass
from ...models.employers import TOUCHPOINT_KINDS
from ...permissions import (
    ADMIN,
    MERGE_EMPLOYERS,
    WORK_LEADS,
    acting_user,
    can_set_account_manager,
    has_role,
    roles_required,
)
from ...services import audit
from ...services.employers import duplicates, merge
from ...services.employers import records as employer_service
from ...services.errors import DomainError, ValidationError
from ..forms import apply_errors, int_arg
from . import presenters
from .blueprint import bp
from .forms import ActionForm, ContactForm, EmployerForm, MergeForm, choices

PER_PAGE = 50


def _reference_options():
    """(id, name) pairs for the municipality, sector and size class selects."""
    return {
        "municipalities": [(m.id, m.name) for m in db.session.scalars(
            select(Municipality).where(Municipality.active.is_(True)).order_by(Municipality.name))],
        "sectors": [(s.id, s.name) for s in db.session.scalars(
            select(Sector).order_by(Sector.sort_order, Sector.name))],
        "sizes": [(s.code, s.name) for s in db.session.scalars(select(SizeClass).order_by(SizeClass.sort_order))],
    }


# --- list and detail ------------------------------------------------------------------------------

@bp.route("/")
@roles_required(*WORK_LEADS)
def list_employers():
    filters = employer_service.EmployerFilters(
        q=request.args.get("q", ""), municipality_id=int_arg("municipality"), sector_id=int_arg("sector"),
        size_class=request.args.get("size") or None, account_manager_id=int_arg("account_manager"),
        has_open_lead={"yes": True, "no": False}.get(request.args.get("open_lead", "")),
    )
    page = db.paginate(employer_service.list_query(filters), per_page=PER_PAGE, error_out=False)
    return render_template(
        "employers/list_employers.html", page=page, counts=employer_service.employer_counts([e.id for e in page.items]),
        managers=[(u.id, u.name) for u in employer_service.account_managers()], **_reference_options(),
        may_merge=has_role(acting_user(), MERGE_EMPLOYERS),
    )


@bp.route("/<int:employer_id>")
@roles_required(*WORK_LEADS)
def show_employer(employer_id: int):
    employer = db.get_or_404(Employer, employer_id)
    page = employer_service.open_employer_page(employer, acting_user())
    timeline = presenters.timeline_rows(page.timeline, show_contact=True,
                                        contact_names=presenters.contact_names(page.contacts))
    html = render_template("employers/show_employer.html", page=page, employer=employer, kind_labels=TOUCHPOINT_KINDS,
                           may_merge=has_role(acting_user(), MERGE_EMPLOYERS), timeline=timeline)
    db.session.commit()  # the read entries for the contacts shown
    return html


@bp.route("/<int:employer_id>/bewerken", methods=["GET", "POST"])
@roles_required(*WORK_LEADS)
def edit_employer(employer_id: int):
    employer = db.get_or_404(Employer, employer_id)
    form = EmployerForm(obj=employer if request.method == "GET" else None)
    options = _reference_options()
    form.sector_id.choices = choices([("", "— onbekend —"), *options["sectors"]])
    form.size_class.choices = choices([("", "— onbekend —"), *options["sizes"]])
    form.municipality_id.choices = choices([("", "— onbekend —"), *options["municipalities"]])
    user = acting_user()
    if can_set_account_manager(user, employer, employer.account_manager):
        options = [(u.id, u.name) for u in employer_service.account_managers(employer.account_manager)
                   if can_set_account_manager(user, employer, u)]
        if can_set_account_manager(user, employer, None):
            options.insert(0, ("", "— geen —"))
        form.account_manager_id.choices = choices(options)
    else:
        del form.account_manager_id  # shown read-only; a posted value is ignored
    if request.method == "GET":
        form.size_class.data = employer.size_class or ""
    if form.validate_on_submit():
        try:
            employer_service.update_employer(employer, employer_service.EmployerChanges(
                name=form.name.data, kvk=form.kvk.data or "", vestigingsnummer=form.vestigingsnummer.data or "",
                sector_id=form.sector_id.data, size_class=form.size_class.data or None,
                municipality_id=form.municipality_id.data, postcode=form.postcode.data or "",
                website=form.website.data or "",
                account_manager_id=(form.account_manager_id.data if form.account_manager_id
                                    else employer.account_manager_id),
            ), actor=user)
        except ValidationError as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash("De gegevens van de werkgever zijn opgeslagen.", "success")
            return redirect(url_for("employers.show_employer", employer_id=employer.id))
    return render_template("employers/edit_employer.html", form=form, employer=employer)


# --- contacts -------------------------------------------------------------------------------------

@bp.route("/contactpersonen/<int:contact_id>")
@roles_required(*WORK_LEADS)
def show_contact(contact_id: int):
    contact = db.get_or_404(Contact, contact_id)
    page = employer_service.open_contact_page(contact, acting_user())
    html = render_template("employers/show_contact.html", page=page, contact=contact, kind_labels=TOUCHPOINT_KINDS,
                           timeline=presenters.timeline_rows(page.timeline, show_contact=False),
                           may_manage_privacy=has_role(acting_user(), {ADMIN}))  # admin.contact_privacy's roles
    db.session.commit()  # the read entry
    return html


@bp.route("/contactpersonen/<int:contact_id>/bewerken", methods=["GET", "POST"])
@roles_required(*WORK_LEADS)
def edit_contact(contact_id: int):
    contact = db.get_or_404(Contact, contact_id)
    form = ContactForm(obj=contact if request.method == "GET" else None)
    if request.method == "GET":
        form.opted_out.data = contact.opted_out_at is not None
    if form.validate_on_submit():
        try:
            employer_service.update_contact(contact, employer_service.ContactChanges(
                name=form.name.data or "", function=form.function.data or "", email=form.email.data or "",
                phone=form.phone.data or "", opted_out=form.opted_out.data,
            ), actor=acting_user())
        except ValidationError as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash("De contactpersoon is opgeslagen.", "success")
            return redirect(url_for("employers.show_contact", contact_id=contact.id))
    html = render_template("employers/edit_contact.html", form=form, contact=contact)
    # The form shows the stored personal data: log the read, and commit nothing else.
    audit.record_read(acting_user(), contact)
    db.session.commit()
    return html


# --- duplicates and merging -----------------------------------------------------------------------

@bp.route("/dubbelen")
@roles_required(*MERGE_EMPLOYERS)
def list_duplicates():
    page = duplicates.likely_duplicates(page=int_arg("page") or 1, per_page=PER_PAGE)
    return render_template("employers/list_duplicates.html", page=page, action_form=ActionForm())


@bp.route("/<int:employer_id>/samenvoegen")
@roles_required(*MERGE_EMPLOYERS)
def find_merge_partner(employer_id: int):
    employer = db.get_or_404(Employer, employer_id)
    other = employer_service.find_by_reference(request.args.get("with", ""))
    if other is None or other.id == employer.id:
        flash("Geen andere werkgever gevonden met dit nummer of KvK-nummer.", "error")
        return redirect(url_for("employers.show_employer", employer_id=employer.id) + "#samenvoegen")
    return redirect(url_for("employers.merge_employers", first_id=employer.id, second_id=other.id))


@bp.route("/samenvoegen/<int:first_id>/<int:second_id>", methods=["GET", "POST"])
@roles_required(*MERGE_EMPLOYERS)
def merge_employers(first_id: int, second_id: int):
    first, second = db.get_or_404(Employer, first_id), db.get_or_404(Employer, second_id)
    if first.id == second.id:
        abort(404)
    form = MergeForm()
    form.survivor_id.choices = choices([(first.id, first.name), (second.id, second.name)])
    if request.method == "GET":
        form.survivor_id.data = first.id
    if form.validate_on_submit():
        survivor, other = (first, second) if form.survivor_id.data == first.id else (second, first)
        other_name = other.name
        try:
            merge.merge_employers(survivor, other, actor=acting_user())
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(f"Samengevoegd: {other_name} is opgegaan in {survivor.name} (werkgever {survivor.id}).", "success")
            return redirect(url_for("employers.show_employer", employer_id=survivor.id))
    try:
        merge.merge_check(first, second)
        refusal = None
    except DomainError as exc:
        refusal = exc.message
    return render_template(
        "employers/merge_employers.html", form=form, first=first, second=second, refusal=refusal,
        counts=employer_service.employer_counts([first.id, second.id]), action_form=ActionForm(),
        marked_distinct=duplicates.is_marked_not_duplicate(first.id, second.id),
    )


@bp.route("/geen-dubbel/<int:first_id>/<int:second_id>", methods=["POST"])
@roles_required(*MERGE_EMPLOYERS)
def mark_not_duplicate(first_id: int, second_id: int):
    first, second = db.get_or_404(Employer, first_id), db.get_or_404(Employer, second_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        duplicates.mark_not_duplicate(first, second, actor=acting_user())
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(f"{first.name} en {second.name} staan niet meer in de lijst met mogelijke dubbelen.", "success")
    return redirect(url_for("employers.list_duplicates"))
