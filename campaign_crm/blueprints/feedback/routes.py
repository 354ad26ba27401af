"""Check-in questions by link: the public form (no login; the token in its URL is the only key) and its thank-you
page, and the employee-consent page of a placement.

An unknown, answered, expired or void link answers 404 with the Dutch unknown-link page and stores nothing. Bots
(a filled honeypot, a missing or forged start time, a form sent too fast) get the ordinary thank-you answer and
nothing is stored; every POST is rate limited per IP address like the campaign form.
"""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError

from ...extensions import db, limiter
from ...models import Placement, utcnow
from ...models.feedback import EMPLOYEE, CheckInLink
from ...permissions import acting_user, public, roles_required
from ...services import audit
from ...services.capture import public_form
from ...services.errors import Conflict, ValidationError
from ...services.feedback import links, voice
from ...services.placements import access as placement_access
from ..public.forms import start_token, started_at
from .blueprint import bp
from .forms import ActionForm, AnswerForm, ConsentForm

EXPIRED_FORM = "Het formulier was te lang open. Uw antwoord staat er nog: controleer het en verstuur opnieuw."
# Pages that carry a secret in their URL: never cached, never sent as referrer.
SECRET_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
WORK = tuple(placement_access.WORK_PLACEMENTS)

# The questions in two voices: formal for the employer and the jobcoach, plain Dutch (B1) for the employee.
LABELS = {
    "formal": {"risk": "Hoe gaat het met deze werknemer op het werk?", "help_text": "Wat zou helpen?",
               "wants_contact": "Wilt u dat de adviseur contact met u opneemt?"},
    "plain": {"risk": "Hoe gaat het op je werk?", "help_text": "Wat zou jou helpen?",
              "wants_contact": "Wil je dat je adviseur je belt of mailt?"},
}


def _form_limit() -> str:
    return current_app.config["FORM_RATE_LIMIT"]


@bp.app_context_processor
def feedback_helpers():
    """`checkin_links_at(checkin_ids)` and `employee_voice_of(placement)` for the placement and check-in pages,
    which only the placement's own partner sees."""
    return {"checkin_links_at": links.asked_at, "employee_voice_of": voice.voice_of,
            "checkin_answers": links.ANSWERS}


# --- the public question form -----------------------------------------------------------------------------

def _unknown_link(state: str | None = None):
    return render_template("feedback/unknown_link.html", state=state), 404, SECRET_HEADERS


def _answer_form(link: CheckInLink) -> AnswerForm:
    form = AnswerForm(**({"started": start_token(utcnow())} if request.method == "GET" else {}))
    for name, text in LABELS["plain" if link.role == EMPLOYEE else "formal"].items():
        form[name].label.text = text
    return form


def _render_answer_form(form: AnswerForm, token: str, link: CheckInLink, general: list[str], status: int = 200):
    placement = link.checkin.placement
    return render_template("feedback/answer.html", form=form, token=token, plain=link.role == EMPLOYEE,
                           employer=placement.employer.name, reference=placement.reference,
                           week=link.checkin.week, general_errors=general), status, SECRET_HEADERS


def _answer_input(form: AnswerForm) -> links.AnswerInput:
    contact = {"ja": True, "nee": False}.get(form.wants_contact.data or "")
    return links.AnswerInput(risk=form.risk.data or None, help_text=form.help_text.data or "", wants_contact=contact)


def _apply_errors(form, fields: dict[str, str]) -> list[str]:
    """Put the service's field errors on the form; return the ones that belong to no field."""
    general = []
    for name, message in fields.items():
        target = getattr(form, name, None)
        if target is None:
            general.append(message)
        elif message not in target.errors:
            target.errors = list(target.errors) + [message]
    return general


@bp.route("/check-in/<token>", methods=["GET", "POST"])
@public
@limiter.limit(_form_limit, methods=["POST"])
def answer(token: str):
    link = links.find_link(token)
    if link is None:
        return _unknown_link()
    state = links.state_of(link)
    if state != links.OPEN:
        return _unknown_link(state)
    form = _answer_form(link)
    general: list[str] = []
    if request.method == "POST":
        if public_form.looks_like_a_bot(honeypot=form.onderwerp.data, started_at=started_at(form.started.data)):
            return redirect(url_for(".thank_you"))
        if form.validate_on_submit():
            try:
                links.record_answer(link, _answer_input(form))
            except ValidationError as exc:
                db.session.rollback()
                general = _apply_errors(form, exc.fields)
            except Conflict:  # answered a moment ago in another tab
                db.session.rollback()
                return _unknown_link(links.ANSWERED)
            else:
                db.session.commit()
                return redirect(url_for(".thank_you", voor="werknemer" if link.role == EMPLOYEE else None))
        else:
            general = _apply_errors(form, links.answer_problems(_answer_input(form)))
    return _render_answer_form(form, token, link, general)


@bp.route("/check-in/bedankt")
@public
def thank_you():
    return render_template("feedback/thank_you.html", plain=request.args.get("voor") == "werknemer"), 200, \
        SECRET_HEADERS


@bp.errorhandler(CSRFError)
def form_expired(exc: CSRFError):
    """A question form open longer than its session: show it again with what was typed."""
    if request.endpoint == "feedback.answer":
        token = request.view_args["token"]
        link = links.find_link(token)
        if link is None or links.state_of(link) != links.OPEN:
            return _unknown_link()
        form = _answer_form(link)
        form.started.data = start_token(utcnow())
        return _render_answer_form(form, token, link, [EXPIRED_FORM], 400)
    return render_template("errors/error.html", status=400, title="Ongeldig verzoek",
                           text="Het verzoek kon niet worden verwerkt. Ververs de pagina en probeer het opnieuw."), 400


# --- the employee's consent (the placement's partner) -----------------------------------------------------

def _visible_placement(placement_id: int) -> Placement:
    placement = placement_access.visible_placement(placement_id, acting_user(), lock=request.method == "POST")
    if placement is None:
        abort(404)  # another partner's placement does not exist for this user
    return placement


@bp.route("/plaatsingen/<int:placement_id>/vragen-werknemer", methods=["GET", "POST"])
@roles_required(*WORK)
def employee_consent(placement_id: int):
    """Record (or renew) the employee's consent and address; shows the standing consent and how to stop it."""
    user = acting_user()
    placement = _visible_placement(placement_id)
    form = ConsentForm()
    form.consent.label.text = voice.CONSENT_TEXT
    general: list[str] = []
    refused = False
    if request.method == "POST" and placement.end_date is None:
        data = voice.ConsentInput(email=form.email.data, consent=bool(form.consent.data))
        refused = True
        if form.validate_on_submit():
            try:
                voice.record_consent(placement, data, actor=user)
            except (ValidationError, Conflict) as exc:
                db.session.rollback()
                general = _apply_errors(form, exc.fields) if exc.fields else [exc.message]
            else:
                db.session.commit()
                flash("De toestemming van de werknemer is vastgelegd. Bij de volgende check-in krijgt hij of zij "
                      "de vragen ook.", "success")
                return redirect(url_for("placements.show_placement", placement_id=placement.id) + "#check-ins")
        else:
            general = _apply_errors(form, voice.consent_problems(placement, data))
    current = voice.voice_of(placement)
    if current is not None and current.active:
        audit.record_read(user, current.placement)  # the employee's address is shown
    html = render_template("feedback/employee_consent.html", placement=placement, form=form, current=current,
                           general_errors=general, withdraw_form=ActionForm(),
                           text_version=voice.CONSENT_TEXT_VERSION)
    db.session.commit()
    return html, 422 if refused else 200


@bp.route("/plaatsingen/<int:placement_id>/vragen-werknemer/stoppen", methods=["POST"])
@roles_required(*WORK)
def withdraw_consent(placement_id: int):
    placement = _visible_placement(placement_id)
    if ActionForm().validate_on_submit():
        if voice.withdraw_consent(placement, actor=acting_user()):
            db.session.commit()
            flash("De toestemming is ingetrokken en het e-mailadres van de werknemer is gewist.", "success")
        else:
            flash("Er was geen toestemming om in te trekken.", "info")
    return redirect(url_for(".employee_consent", placement_id=placement.id))
