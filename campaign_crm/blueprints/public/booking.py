"""The employer books an adviesgesprek on the thank-you page, or asks to be called back; the confirmation; and the
secret link to move or cancel the booking (no login).

The thank-you page knows the lead through the offer's secret in the session (set by the campaign form or the event
sign-up), never through an id in the URL. A bot's submission got no offer: its thank-you page is the one a person
sees when no time can be offered, and what it posts is answered like a person's post and stores nothing.
"""
from __future__ import annotations

from datetime import date
from itertools import groupby

from flask import Response, abort, current_app, flash, redirect, render_template, request, session, url_for

from ...extensions import db, limiter
from ...models import utcnow
from ...models.booking import BOOKED, BOOKING_PLACES, CALLBACK_PARTS, Booking
from ...services import reference
from ...services.booking import bookings
from ...services.booking.slots import Slot
from ...services.calendar import long_date
from ...services.capture import public_form
from ...services.errors import Conflict, DomainError, ValidationError
from .blueprint import bp
from .booking_forms import (
    BookForm,
    CallbackForm,
    CancelBookingForm,
    MoveBookingForm,
    slot_moment,
    slot_value,
)
from .forms import start_token, started_at
from .routes import OFFER_KEY, public_url

DONE_KEY = "booking_done"  # the move-or-cancel secret of the booking just made, for its confirmation page
DAYS_PER_PAGE = 5
LINK_LIMIT = "120 per hour"  # fetches of a booking's link per address: enough for a person, not for guessing
SECRET_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def _form_limit() -> str:
    return current_app.config["FORM_RATE_LIMIT"]


def _is_bot(form) -> bool:
    return public_form.looks_like_a_bot(honeypot=form.onderwerp.data, started_at=started_at(form.started.data))


def _offer():
    return bookings.offer_for(session.get(OFFER_KEY))


def _place_kind(value: str | None) -> str:
    return value if value in BOOKING_PLACES else "phone"


def _from_day() -> date | None:
    try:
        return date.fromisoformat(request.args.get("vanaf", "")[:10])
    except ValueError:
        return None


def slot_days(slots: list[Slot], from_day: date | None) -> tuple[list[tuple[str, list[tuple[str, str]]]], date | None]:
    """The slots grouped per day as (day label, [(value, "09:30"), ...]), DAYS_PER_PAGE days from `from_day`, and
    the first day of the next page (None when there is none)."""
    days = []
    for day, items in groupby((s for s in slots if from_day is None or s.local_start.date() >= from_day),
                              key=lambda s: s.local_start.date()):
        days.append((day, [(slot_value(s.starts_at), f"{s.local_start:%H:%M}") for s in items]))
    shown = days[:DAYS_PER_PAGE]
    later = days[DAYS_PER_PAGE][0] if len(days) > DAYS_PER_PAGE else None
    return [(f"{_weekday(day)} {long_date(day)}", times) for day, times in shown], later


def _weekday(day: date) -> str:
    return ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")[day.weekday()]


@bp.app_context_processor
def booking_helpers():
    """`booking_step()` for the thank-you pages (templates/public/_booking_step.html)."""
    return {"booking_step": _booking_step}


def _booking_step(form: BookForm | None = None, general: list[str] | None = None) -> dict:
    """What the booking step shows: the ways to meet, the free times of the chosen way, the forms."""
    offer = _offer()
    place_kind = _place_kind(form.place_kind.data if form is not None else request.args.get("vorm"))
    step = {"place_kind": place_kind, "places": BOOKING_PLACES, "days": [], "later": None, "booked": False,
            "advisors": False, "general_errors": general or [], "sla_days": reference.setting("sla_working_days"),
            "callback_form": CallbackForm(formdata=None, started=start_token(utcnow()))}
    if offer is not None:
        step["booked"] = bookings.booking_of_offer(offer) is not None
        candidates = bookings.candidate_advisors(offer.lead)
        step["advisors"] = bool(candidates)
        if candidates and not step["booked"]:
            step["days"], step["later"] = slot_days(bookings.offered_slots(offer, place_kind, candidates=candidates),
                                                    _from_day())
    if form is None:
        form = BookForm(formdata=None, place_kind=place_kind, started=start_token(utcnow()))
    step["form"] = form
    return step


def _thank_you_again(form: BookForm, general: list[str], status: int):
    return render_template("public/thank_you.html", sla_days=reference.setting("sla_working_days"),
                           booking_form=form, booking_general=general), status


@bp.route("/aanmelden/afspraak", methods=["POST"])
@limiter.limit(_form_limit)
def book_meeting():
    form = BookForm()
    offer = _offer()
    if _is_bot(form) or offer is None:
        return redirect(url_for(".thank_you"))
    form.validate()
    data = bookings.BookingInput(slot_moment(form.slot.data), _place_kind(form.place_kind.data),
                                 phone=form.phone.data or "", address=form.address.data or "")
    try:
        booked = bookings.book(offer, data, manage_link=lambda raw: public_url("public.manage_booking", token=raw))
    except ValidationError as exc:
        db.session.rollback()
        general = []
        for name, message in exc.fields.items():
            field = getattr(form, {"starts_at": "slot"}.get(name, name), None)
            if field is not None and name in ("starts_at", "phone", "address"):
                field.errors = list(field.errors) + [message]
            else:
                general.append(message)
        return _thank_you_again(form, general, 422)
    except Conflict as exc:
        db.session.rollback()
        form.slot.data = None
        return _thank_you_again(form, [exc.message], 409)
    db.session.commit()
    session[DONE_KEY] = booked.manage_token
    return redirect(url_for(".booking_confirmed"))


@bp.route("/aanmelden/afspraak/bevestigd")
def booking_confirmed():
    booking = bookings.booking_for(session.get(DONE_KEY))
    if booking is None:
        return redirect(url_for(".thank_you"))
    manage_url = public_url("public.manage_booking", token=session[DONE_KEY])
    return render_template("public/booking_confirmed.html", **bookings.confirmation_context(booking, manage_url),
                           ics_url=url_for(".download_booking", token=session[DONE_KEY])), 200, SECRET_HEADERS


@bp.route("/aanmelden/terugbellen", methods=["POST"])
@limiter.limit(_form_limit)
def request_callback():
    form = CallbackForm()
    offer = _offer()
    part = form.part.data
    if not _is_bot(form) and offer is not None:
        try:
            bookings.request_callback(offer, part or "")
        except ValidationError as exc:
            db.session.rollback()
            form.part.errors = [exc.fields.get("part", exc.message)]
            return render_template("public/thank_you.html", sla_days=reference.setting("sla_working_days"),
                                   callback_form=form), 422
        db.session.commit()
    return redirect(url_for(".callback_requested", deel=part if part in CALLBACK_PARTS else None))


@bp.route("/aanmelden/terugbellen/bedankt")
def callback_requested():
    part = request.args.get("deel")
    return render_template("public/callback_requested.html", part=CALLBACK_PARTS.get(part),
                           sla_days=reference.setting("sla_working_days"),
                           contact_details=bookings.contact_details())


# --- the move-or-cancel link ---------------------------------------------------------------------------------------

def _booking(token: str, *, lock: bool = False) -> Booking:
    booking = bookings.booking_for(token, lock=lock)
    if booking is None:
        abort(404)
    return booking


def _render_manage(token: str, booking: Booking, form: MoveBookingForm | None = None,
                   general: list[str] | None = None, status: int = 200):
    days, later = [], None
    if booking.status == BOOKED:
        days, later = slot_days(bookings.slots_for_move(booking), _from_day())
    context = bookings.confirmation_context(booking, None)
    page = render_template(
        "public/manage_booking.html", **context, token=token, days=days, later=later, general_errors=general or [],
        move_form=form or MoveBookingForm(formdata=None, started=start_token(utcnow())),
        cancel_form=CancelBookingForm(formdata=None, started=start_token(utcnow())))
    return page, status, SECRET_HEADERS


@bp.route("/afspraak/<token>")
@limiter.limit(LINK_LIMIT)
def manage_booking(token: str):
    return _render_manage(token, _booking(token))


@bp.route("/afspraak/<token>/agenda.ics")
@limiter.limit(LINK_LIMIT)
def download_booking(token: str):
    """The booked meeting as an .ics file, to open in one's own calendar."""
    booking = _booking(token)
    return Response(bookings.booking_ics(booking), content_type="text/calendar; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="adviesgesprek-{booking.reference}.ics"',
                             **SECRET_HEADERS})


@bp.route("/afspraak/<token>/verplaatsen", methods=["POST"])
@limiter.limit(_form_limit)
def move_booking(token: str):
    booking = _booking(token, lock=True)
    form = MoveBookingForm()
    if _is_bot(form):
        return redirect(url_for(".manage_booking", token=token))
    try:
        bookings.move_booking(booking, slot_moment(form.slot.data))
    except ValidationError as exc:
        db.session.rollback()
        form.slot.errors = [exc.fields.get("starts_at", exc.message)]
        return _render_manage(token, _booking(token), form, [], 422)
    except DomainError as exc:
        db.session.rollback()
        form.slot.data = None
        return _render_manage(token, _booking(token), form, [exc.message], 409)
    db.session.commit()
    flash("Uw afspraak is verplaatst. U en de adviseur krijgen de gewijzigde uitnodiging per e-mail.", "success")
    return redirect(url_for(".manage_booking", token=token))


@bp.route("/afspraak/<token>/annuleren", methods=["POST"])
@limiter.limit(_form_limit)
def cancel_booking(token: str):
    booking = _booking(token, lock=True)
    form = CancelBookingForm()
    if not _is_bot(form):
        try:
            bookings.cancel_booking(booking)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash("Uw afspraak is geannuleerd. U en de adviseur krijgen daarvan bericht per e-mail.", "success")
    return redirect(url_for(".manage_booking", token=token))
