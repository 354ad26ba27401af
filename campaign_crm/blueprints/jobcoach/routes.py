"""Jobcoach pages: organisations and their secret links (campaign team), the contact export, the
signal list for advisors and team leads, and the public signal form.

The signal form needs no login; the token in its URL is the only key. An unknown, rotated or
deactivated token answers 404 and stores nothing; every POST is rate limited per IP address.
The coach gets the same thank-you page whatever happens next: they see nothing of the placement.
"""
from __future__ import annotations

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
from flask_wtf.csrf import CSRFError

from ...extensions import db, limiter
from ...models import JobcoachOrganisation
from ...permissions import (
    ADMIN,
    ADVISOR,
    RUN_CAMPAIGNS,
    TEAMLEAD,
    acting_user,
    public,
    roles_required,
)
from ...services.errors import ValidationError
from ...services.placements import jobcoaches
from ..public.routes import public_url
from .blueprint import bp
from .forms import ActionForm, OrganisationForm, SignalForm

PER_PAGE = 50
HANDLE_SIGNALS = {ADMIN, TEAMLEAD, ADVISOR}
EXPIRED = "Het formulier was te lang open en is verlopen. Uw tekst staat er nog: controleer hem en verstuur opnieuw."
# Pages that carry a secret (the link itself, or the token in the URL): never cached, never sent as referrer.
SECRET_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def _signal_limit() -> str:
    return current_app.config["SIGNAL_RATE_LIMIT"]


def _apply_errors(form, exc: ValidationError) -> list[str]:
    """Put the service's field errors on the form; return the ones that belong to no field."""
    general = []
    for name, message in exc.fields.items():
        field = getattr(form, name, None)
        if field is None:
            general.append(message)
        elif message not in field.errors:
            field.errors = list(field.errors) + [message]
    return general


def _organisation_input(form: OrganisationForm) -> jobcoaches.OrganisationInput:
    return jobcoaches.OrganisationInput(name=form.name.data or "", contact_name=form.contact_name.data or "",
                                        email=form.email.data or None, phone=form.phone.data or None,
                                        active=form.active.data)


def _link_page(organisation: JobcoachOrganisation, raw: str, *, created: bool):
    """The one time the secret link is shown."""
    link = public_url("jobcoach.signal", token=raw)
    return render_template("jobcoach/link.html", organisation=organisation, link=link, created=created), 200, \
        SECRET_HEADERS


# --- organisations (campaign team and admins) -------------------------------------------------------

@bp.route("/jobcoaches")
@roles_required(*RUN_CAMPAIGNS)
def list_organisations():
    return render_template("jobcoach/list_organisations.html", rows=jobcoaches.organisation_overview())


@bp.route("/jobcoaches/nieuw", methods=["GET", "POST"])
@roles_required(*RUN_CAMPAIGNS)
def new_organisation():
    form = OrganisationForm()
    general: list[str] = []
    if form.validate_on_submit():
        try:
            organisation, raw = jobcoaches.create_organisation(_organisation_input(form), actor=acting_user())
        except ValidationError as exc:
            db.session.rollback()
            general = _apply_errors(form, exc)
        else:
            db.session.commit()
            return _link_page(organisation, raw, created=True)
    return render_template("jobcoach/edit_organisation.html", form=form, organisation=None, general_errors=general)


@bp.route("/jobcoaches/<int:organisation_id>", methods=["GET", "POST"])
@roles_required(*RUN_CAMPAIGNS)
def edit_organisation(organisation_id: int):
    organisation = db.get_or_404(JobcoachOrganisation, organisation_id)
    form = OrganisationForm(obj=organisation if request.method == "GET" else None)
    general: list[str] = []
    if form.validate_on_submit():
        try:
            jobcoaches.update_organisation(organisation, _organisation_input(form), actor=acting_user())
        except ValidationError as exc:
            db.session.rollback()
            general = _apply_errors(form, exc)
        else:
            db.session.commit()
            flash(f"Jobcoachorganisatie {organisation.name} is opgeslagen.", "success")
            return redirect(url_for(".list_organisations"))
    return render_template("jobcoach/edit_organisation.html", form=form, organisation=organisation,
                           general_errors=general)


@bp.route("/jobcoaches/<int:organisation_id>/link-vernieuwen", methods=["GET", "POST"])
@roles_required(*RUN_CAMPAIGNS)
def rotate_link(organisation_id: int):
    """GET asks for confirmation; POST makes a new link and shows it once (the old one stops working)."""
    organisation = db.get_or_404(JobcoachOrganisation, organisation_id)
    form = ActionForm()
    if form.validate_on_submit():
        raw = jobcoaches.rotate_link(organisation, actor=acting_user())
        db.session.commit()
        return _link_page(organisation, raw, created=False)
    return render_template("jobcoach/rotate_link.html", organisation=organisation, form=form)


@bp.route("/jobcoaches/contacten.csv")
@roles_required(*RUN_CAMPAIGNS)
def export_contacts():
    """Contact details of the active organisations for the mail-merge letter (never their links)."""
    body = jobcoaches.contact_export(actor=acting_user())
    db.session.commit()  # the reads were logged
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": 'attachment; filename="jobcoachorganisaties-contactgegevens.csv"',
        "Cache-Control": "no-store",
    })


# --- signals for the owning advisor and team lead ---------------------------------------------------

@bp.route("/jobcoaches/signalen")
@roles_required(*HANDLE_SIGNALS)
def list_signals():
    user = acting_user()
    handled = request.args.get("status") == "afgehandeld"
    page = db.paginate(jobcoaches.signals_query(user, handled=handled), per_page=PER_PAGE, error_out=False)
    jobcoaches.log_reads(user, page.items)
    db.session.commit()
    return render_template("jobcoach/list_signals.html", page=page, handled=handled,
                           handlers=jobcoaches.handler_names(page.items), action_form=ActionForm())


@bp.route("/jobcoaches/signalen/<int:signal_id>/afgehandeld", methods=["POST"])
@roles_required(*HANDLE_SIGNALS)
def handle_signal(signal_id: int):
    user = acting_user()
    signal = jobcoaches.visible_signal(user, signal_id)
    if signal is None:
        abort(404)  # another partner's signal does not exist for this user
    if ActionForm().validate_on_submit():
        if jobcoaches.mark_handled(signal, actor=user):
            db.session.commit()
            flash(f"Het signaal over plaatsing {signal.placement.reference} is afgehandeld.", "success")
        else:
            flash("Dit signaal was al afgehandeld.", "info")
    return redirect(url_for(".list_signals"))


# --- the public signal form -------------------------------------------------------------------------

def _unknown_link():
    return render_template("jobcoach/unknown_link.html"), 404, SECRET_HEADERS


def _render_signal_form(form: SignalForm, token: str, organisation: JobcoachOrganisation, general: list[str],
                        status: int = 200):
    return render_template("jobcoach/signal.html", form=form, token=token, organisation=organisation,
                           general_errors=general), status, SECRET_HEADERS


@bp.route("/signaal/<token>", methods=["GET", "POST"])
@public
@limiter.limit(_signal_limit, methods=["POST"])
def signal(token: str):
    organisation = jobcoaches.organisation_for_token(token)
    if organisation is None:
        return _unknown_link()
    form = SignalForm()
    general: list[str] = []
    if request.method == "POST":
        if form.onderwerp.data and form.onderwerp.data.strip():  # a bot: the usual answer, nothing stored
            return redirect(url_for(".signal_thank_you", token=token))
        if form.validate_on_submit():
            try:
                jobcoaches.record_signal(organisation, reference=form.reference.data,
                                         description=form.description.data)
            except ValidationError as exc:
                db.session.rollback()
                general = _apply_errors(form, exc)
            else:
                db.session.commit()
                return redirect(url_for(".signal_thank_you", token=token))
        else:
            # Everything to correct in one round: the service's checks (a BSN, an unknown reference) beside the form's.
            general = _apply_errors(form, ValidationError("", jobcoaches.signal_problems(
                organisation, reference=form.reference.data or "", description=form.description.data or "")))
    return _render_signal_form(form, token, organisation, general)


@bp.route("/signaal/<token>/bedankt")
@public
def signal_thank_you(token: str):
    organisation = jobcoaches.organisation_for_token(token)
    if organisation is None:
        return _unknown_link()
    return render_template("jobcoach/signal_thank_you.html", token=token), 200, SECRET_HEADERS


@bp.errorhandler(CSRFError)
def form_expired(exc: CSRFError):
    """A signal form open longer than its session: show it again with what was typed."""
    if request.endpoint == "jobcoach.signal":
        token = request.view_args["token"]
        organisation = jobcoaches.organisation_for_token(token)
        if organisation is None:
            return _unknown_link()
        return _render_signal_form(SignalForm(), token, organisation, [EXPIRED], 400)
    return render_template("errors/error.html", status=400, title="Ongeldig verzoek",
                           text="Het verzoek kon niet worden verwerkt. Ververs de pagina en probeer het opnieuw."), 400
