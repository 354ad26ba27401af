"""Public pages: the campaign form, ad-code short links and event registration (no login).

Bots (a filled honeypot, a missing or forged start time, a form sent too fast) get the ordinary
thank-you answer and nothing is stored; every POST is rate limited per IP address.
"""
from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, session, url_for
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import NotFound

from ...extensions import db, limiter
from ...models import Event, utcnow
from ...services import reference
from ...services.booking import bookings
from ...services.calendar import AMSTERDAM
from ...services.capture import events, public_form
from ...services.errors import ValidationError
from ...templating import nl_datetime
from ..forms import choices
from .blueprint import bp
from .forms import CampaignForm, EventRegistrationForm, start_token, started_at

OUTSIDE_REGION = "buiten"
EXPIRED = "Het formulier was te lang open en is verlopen. Uw gegevens staan er nog: controleer ze en verstuur opnieuw."
OFFER_KEY = "booking_offer"  # the secret of the offer to book an adviesgesprek, made by the last submission
# Event kinds in public URLs: /livestream/<slug>, /bijeenkomst/<slug>.
EVENT_PATHS = {"livestream": "livestream", "meeting": "bijeenkomst"}

# Intake's field names → the form's fields; anything else is shown above the form.
CAMPAIGN_FIELDS = {
    "employer.name": "employer_name", "employer.kvk": "kvk", "employer.municipality": "municipality",
    "employer.sector": "sector", "employer.size": "size", "contact.name": "contact_name",
    "contact.function": "function", "contact.email": "email", "contact.phone": "phone", "contact": "email",
    "message": "message", "how_heard": "how_heard_other", "interests": "interests", "consent": "consent",
}
EVENT_FIELDS = {
    "contact.name": "name", "employer.name": "organisation", "contact.email": "email", "contact": "email",
    "contact.phone": "phone",
}


def _form_limit() -> str:
    return current_app.config["FORM_RATE_LIMIT"]


def _apply_errors(form, exc: ValidationError, names: dict[str, str]) -> list[str]:
    """Put the service's field errors on the form; return the ones that belong to no field."""
    general = []
    for key, message in exc.fields.items():
        field = getattr(form, names.get(key, ""), None)
        if field is None:
            general.append(message)
        elif message not in field.errors:
            field.errors = list(field.errors) + [message]
    return general


def _is_bot(form) -> bool:
    if public_form.looks_like_a_bot(honeypot=form.onderwerp.data, started_at=started_at(form.started.data)):
        session.pop(OFFER_KEY, None)  # a bot's thank-you page offers nothing
        return True
    return False


def _offer_booking(result) -> None:
    """Let the employer of the lead just made or attached book an adviesgesprek on the thank-you page."""
    session.pop(OFFER_KEY, None)
    if result.lead_id is not None:
        session[OFFER_KEY] = bookings.open_offer(result.lead_id, result.contact_id)


# --- the campaign form -----------------------------------------------------------------------------

def _campaign_form() -> CampaignForm:
    """The form with its choices; on a first visit pre-filled from the landing URL (ad code, UTM)."""
    if request.method == "GET":
        landing_values = {f"utm_{key}": request.args.get(f"utm_{key}", "")[:200] for key in public_form.UTM_KEYS}
        form = CampaignForm(code=request.args.get("code", "")[:20], started=start_token(utcnow()), **landing_values)
    else:
        form = CampaignForm()  # hidden fields come back from the page, the start time included
    options = public_form.form_options()
    form.municipality.choices = choices(
        [("", "Kies een gemeente")] + [(m.cbs_code, m.name) for m in options.municipalities]
        + [(OUTSIDE_REGION, "Buiten de regio Rijnmond")])
    form.sector.choices = choices([("", "Kies een sector")] + [(s.code, s.name) for s in options.sectors])
    form.size.choices = choices([("", "Kies een aantal")] + [(c.code, c.name) for c in options.size_classes])
    form.interests.choices = choices((i.code, i.name) for i in options.interests)
    form.how_heard.choices = choices([("", "Maak een keuze")] + [(c.code, c.name) for c in options.channels]
                                     + [(public_form.OTHER_ANSWER, "Anders")])
    text, _ = public_form.consent_text()
    form.consent.label.text = text
    return form


def _render_campaign_form(form: CampaignForm, general: list[str], status: int = 200):
    landing = public_form.landing(form.code.data)
    if request.method == "GET" and landing.channel is not None:
        form.how_heard.data = landing.channel.code
    return render_template(
        "public/campaign_form.html", form=form, landing=landing, general_errors=general,
        sla_days=reference.setting("sla_working_days"),
    ), status


def _campaign_input(form: CampaignForm) -> public_form.CampaignFormInput:
    municipality = form.municipality.data
    return public_form.CampaignFormInput(
        employer_name=form.employer_name.data, kvk=form.kvk.data,
        municipality=None if municipality in ("", OUTSIDE_REGION) else municipality,
        sector=form.sector.data or None, size=form.size.data or None,
        contact_name=form.contact_name.data, function=form.function.data, email=form.email.data,
        phone=form.phone.data, interests=form.interests.data or [], message=form.message.data,
        how_heard=form.how_heard.data, how_heard_other=form.how_heard_other.data, consent=form.consent.data,
        ad_code=form.code.data or None,
        utm={key: form[f"utm_{key}"].data for key in public_form.UTM_KEYS if form[f"utm_{key}"].data},
    )


@bp.route("/aanmelden", methods=["GET", "POST"])
@limiter.limit(_form_limit, methods=["POST"])
def campaign_form():
    form = _campaign_form()
    general: list[str] = []
    if request.method == "POST":
        if _is_bot(form):
            return redirect(url_for(".thank_you"))
        if form.validate_on_submit():
            try:
                result = public_form.submit_campaign_form(_campaign_input(form))
                _offer_booking(result)
            except ValidationError as exc:
                db.session.rollback()
                general = _apply_errors(form, exc, CAMPAIGN_FIELDS)
            else:
                db.session.commit()
                return redirect(url_for(".thank_you"))
        else:
            # Everything to correct in one round: the service's checks (a BSN, a bad e-mail) beside the missing fields.
            general = _apply_errors(form, ValidationError("", public_form.problems(_campaign_input(form))),
                                    CAMPAIGN_FIELDS)
    return _render_campaign_form(form, general)


@bp.route("/aanmelden/bedankt")
def thank_you():
    return render_template("public/thank_you.html", sla_days=reference.setting("sla_working_days"))


@bp.route("/a/<code>")
def ad_code_link(code: str):
    """The short URL printed with an ad: opens the form with its code (and any UTM values passed along)."""
    ad = public_form.active_ad_code(code)
    if ad is None:
        return render_template("public/unknown_code.html"), 404
    utm = {key: value for key, value in request.args.items() if key.startswith("utm_")}
    return redirect(url_for(".campaign_form", code=ad.code, **utm))


def public_url(endpoint: str, **values) -> str:
    """An absolute URL to print or share: on PUBLIC_BASE_URL when set (behind a proxy), else this request's host."""
    base = current_app.config["PUBLIC_BASE_URL"]
    if base:
        return base.rstrip("/") + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def short_url(code: str) -> str:
    """The absolute short URL of an ad code, as printed and encoded in its QR code."""
    return public_url("public.ad_code_link", code=code)


# --- event registration ----------------------------------------------------------------------------

def event_url(event: Event, endpoint: str = "public.event_registration", **kwargs) -> str:
    """The path of an event's registration page (or its thank-you page)."""
    return url_for(endpoint, kind=EVENT_PATHS.get(event.kind, "livestream"), slug=event.slug, **kwargs)


def event_public_url(event: Event) -> str:
    """The absolute URL of an event's registration page, to share."""
    return public_url("public.event_registration", kind=EVENT_PATHS.get(event.kind, "livestream"), slug=event.slug)


def event_when(event: Event) -> str:
    """"12 jun 2026 10:00 – 11:30": the end's date only when the event runs past midnight."""
    if event.ends_at is None:
        return nl_datetime(event.starts_at)
    start, end = event.starts_at.astimezone(AMSTERDAM), event.ends_at.astimezone(AMSTERDAM)
    if start.date() == end.date():
        return f"{nl_datetime(start)} – {end:%H:%M}"
    return f"{nl_datetime(start)} – {nl_datetime(end)}"


def _event(kind: str, slug: str) -> Event:
    event = events.by_slug(slug)
    if event is None or EVENT_PATHS.get(event.kind) != kind:
        abort(404)
    return event


@bp.route("/<any(livestream, bijeenkomst):kind>/<slug>", methods=["GET", "POST"])
@limiter.limit(_form_limit, methods=["POST"])
def event_registration(kind: str, slug: str):
    event = _event(kind, slug)
    form = EventRegistrationForm(**({"started": start_token(utcnow())} if request.method == "GET" else {}))
    general: list[str] = []
    if request.method == "POST" and event.registration_open:
        if _is_bot(form):
            return redirect(event_url(event, "public.event_thank_you"))
        if form.validate_on_submit():
            try:
                _, result = events.register_for_event(
                    event, name=form.name.data, organisation=form.organisation.data, email=form.email.data,
                    phone=form.phone.data, call_me=form.call_me.data,
                )
                _offer_booking(result)
            except ValidationError as exc:
                db.session.rollback()
                general = _apply_errors(form, exc, EVENT_FIELDS)
            else:
                db.session.commit()
                return redirect(event_url(event, "public.event_thank_you"))
    return render_template("public/event_form.html", event=event, when=event_when(event), form=form,
                           general_errors=general)


@bp.route("/<any(livestream, bijeenkomst):kind>/<slug>/bedankt")
def event_thank_you(kind: str, slug: str):
    event = _event(kind, slug)
    return render_template("public/event_thank_you.html", event=event, when=event_when(event))


@bp.errorhandler(CSRFError)
def form_expired(exc: CSRFError):
    """A form open longer than its session: show it again with what was typed, instead of an empty error page."""
    if request.endpoint == "public.campaign_form":
        return _render_campaign_form(_campaign_form(), [EXPIRED], 400)
    if request.endpoint == "public.event_registration":
        try:
            event = _event(request.view_args["kind"], request.view_args["slug"])
        except NotFound as missing:  # an error handler may not raise: answer the unknown event as a 404 page
            return current_app.handle_http_exception(missing)
        return render_template("public/event_form.html", event=event, when=event_when(event),
                               form=EventRegistrationForm(), general_errors=[EXPIRED]), 400
    abort(400)
