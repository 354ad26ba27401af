"""Planning a meeting from a lead, the meeting's page and its changes, Mijn agenda, and the public calendar feed;
every change goes through the meeting service."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for

from ...extensions import db, limiter
from ...models import Lead, utcnow
from ...models.meetings import CANCELLED, PLANNED, Meeting
from ...permissions import WORK_LEADS, acting_user, public, roles_required
from ...services import audit
from ...services.calendar import AMSTERDAM
from ...services.errors import DomainError
from ...services.meetings import feeds, invitations
from ...services.meetings import records as meetings
from ...services.routing import queues
from ..forms import choices
from ..public.routes import public_url
from .blueprint import bp
from .forms import CancelForm, HeldForm, MoveForm, PlanForm, RenewFeedForm, RevokeFeedForm

# A calendar app fetches a feed every few hours; these allow for many devices, not for scraping.
FEED_LIMIT_PER_LINK = "60 per hour"
FEED_LIMIT_PER_ADDRESS = "600 per hour"  # Google and Outlook fetch every subscriber's feed from shared addresses
# Pages and files that carry a secret: never cached, never sent as referrer.
SECRET_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
ICS = "text/calendar; charset=utf-8"


# --- for the lead page -----------------------------------------------------------------------------------------

@bp.app_context_processor
def meeting_helpers():
    """`meetings_for_lead(lead)` for the lead page's meetings section (templates/meetings/_lead_meetings.html)."""
    return {"meetings_for_lead": _meetings_for_lead}


def _meetings_for_lead(lead: Lead) -> dict:
    found = meetings.lead_meetings(lead.id)
    return {"upcoming": found.upcoming, "past": found.past, "may_plan": meetings.may_plan(acting_user(), lead),
            "now": utcnow()}


# --- helpers ---------------------------------------------------------------------------------------------------

def _workable_lead(lead_id: int) -> Lead:
    """The lead, if this user may see it (else 404) and plan on it (else 403)."""
    user = acting_user()
    if not queues.is_visible(user, lead_id):
        abort(404)  # another team's lead does not exist for this user
    lead = db.get_or_404(Lead, lead_id)
    if not meetings.may_plan(user, lead):
        abort(403)
    return lead


def _visible_meeting(meeting_id: int, *, lock: bool = False) -> Meeting:
    meeting = meetings.visible_meeting(meeting_id, acting_user(), lock=lock)
    if meeting is None:
        abort(404)
    return meeting


def _workable_meeting(meeting_id: int) -> Meeting:
    """The meeting, locked for the change, if this user may see it (else 404) and change it (else 403)."""
    meeting = _visible_meeting(meeting_id, lock=True)
    if not meetings.may_change(acting_user(), meeting):
        abort(403)
    return meeting


def _moment(day: date | None, at: time | None) -> datetime | None:
    """A date and a time typed in a form are Dutch local time."""
    return datetime.combine(day, at, tzinfo=AMSTERDAM) if day is not None and at is not None else None


def _missing(form, errors: dict[str, str]) -> None:
    """Say which part of the time is missing (the service only knows that the moment is)."""
    if form.day.data is None and not form.day.errors:
        errors["day"] = "Vul de datum in."
    if form.start_time.data is None and not form.start_time.errors:
        errors["start_time"] = "Vul de begintijd in."
    if form.end_time.data is None and not form.end_time.errors:
        errors["end_time"] = "Vul de eindtijd in."


# The service names the moments; the forms ask for a date and two times.
FIELD_NAMES = {"starts_at": "start_time", "ends_at": "end_time"}


def _apply(form, problems: dict[str, str], general: list[str]) -> None:
    """Put the service's reasons on the form's fields (each once, beside the form's own); the rest goes above."""
    for name, message in problems.items():
        if name in ("starts_at", "ends_at") and (form.day.errors or form.start_time.errors or form.end_time.errors
                                                  or form.day.data is None or form.start_time.data is None
                                                  or form.end_time.data is None):
            continue  # the parts of the time are reported already
        field = getattr(form, FIELD_NAMES.get(name, name), None)
        if field is None:
            general.append(message)
        elif message not in field.errors:
            field.errors = list(field.errors) + [message]


def _refused(form, exc: DomainError, general: list[str]) -> None:
    """Roll back, and show the service's reasons on the form (or above it)."""
    db.session.rollback()
    if exc.fields:
        _apply(form, exc.fields, general)
    else:
        general.append(exc.message)


def _to_meeting(meeting: Meeting):
    return redirect(url_for("meetings.show_meeting", meeting_id=meeting.id))


# --- plan ------------------------------------------------------------------------------------------------------

def _plan_options(form: PlanForm, lead: Lead) -> None:
    user = acting_user()
    form.contact_ids.choices = choices(
        (c.id, f"{c.name or 'Naam onbekend'} ({c.email or 'geen e-mailadres: krijgt geen uitnodiging'})")
        for c in meetings.contact_choices(lead))
    form.colleague_ids.choices = choices((u.id, f"{u.name} ({u.email})")
                                         for u in meetings.colleague_choices(lead, user))


def _plan_input(form: PlanForm) -> meetings.MeetingInput:
    day = form.day.data
    return meetings.MeetingInput(
        kind=form.kind.data or "", starts_at=_moment(day, form.start_time.data),
        ends_at=_moment(day, form.end_time.data), place_kind=form.place_kind.data or "",
        place=form.place.data or "", note=form.note.data or "",
        contact_ids=tuple(form.contact_ids.data or ()), colleague_ids=tuple(form.colleague_ids.data or ()))


@bp.route("/leads/<int:lead_id>/afspraken/nieuw", methods=["GET", "POST"])
@roles_required(*WORK_LEADS)
def new_meeting(lead_id: int):
    user = acting_user()
    lead = _workable_lead(lead_id)
    form = PlanForm()
    _plan_options(form, lead)
    general: list[str] = []
    if request.method == "GET":
        form.contact_ids.data = [lead.contact_id] if lead.contact_id else []
    else:
        form.validate()
        data = _plan_input(form)
        problems: dict[str, str] = {}
        _missing(form, problems)
        problems.update(meetings.plan_problems(lead, data, organiser=user))
        _apply(form, problems, general)
        if not form.errors and not general:
            try:
                meeting = meetings.plan_meeting(lead, data, organiser=user)
            except DomainError as exc:
                _refused(form, exc, general)
            else:
                db.session.commit()
                flash(f"{meeting.kind_label} gepland; de uitnodiging gaat naar {_people(meeting)}.", "success")
                return _to_meeting(meeting)
    return render_template("meetings/new_meeting.html", lead=lead, form=form, general_errors=general)


def _people(meeting: Meeting) -> str:
    count = len(invitations.recipients(meeting))
    return "u" if count == 1 else f"u en {count - 1} {'deelnemer' if count == 2 else 'deelnemers'}"


# --- the meeting page ------------------------------------------------------------------------------------------

@dataclass
class _Forms:
    move: MoveForm | None = None
    held: HeldForm | None = None
    cancel: CancelForm | None = None


def _render_meeting(meeting: Meeting, forms: _Forms | None = None, general: list[str] | None = None, status=200):
    user = acting_user()
    meeting = meetings.with_people(meeting.id)
    forms = forms or _Forms()
    may_change = meeting.status == PLANNED and meetings.may_change(user, meeting)
    if may_change:
        if forms.move is None:
            local_start, local_end = meeting.starts_at.astimezone(AMSTERDAM), meeting.ends_at.astimezone(AMSTERDAM)
            forms.move = MoveForm(formdata=None, day=local_start.date(), start_time=local_start.time(),
                                  end_time=local_end.time(), place_kind=meeting.place_kind, place=meeting.place)
        forms.held = forms.held or HeldForm(formdata=None)
        forms.cancel = forms.cancel or CancelForm(formdata=None)
    for person in meeting.attendees:
        if person.contact is not None:
            audit.record_read(user, person.contact)  # the page shows the contact's name and address
    page = render_template("meetings/show_meeting.html", meeting=meeting, forms=forms, may_change=may_change,
                           started=meeting.starts_at <= _now(), general_errors=general or [],
                           place_text=invitations.place_text(meeting), when_text=invitations.when_text(meeting))
    db.session.commit()
    return page, status


def _now() -> datetime:
    return datetime.now(AMSTERDAM)


@bp.route("/afspraken/<int:meeting_id>")
@roles_required(*WORK_LEADS)
def show_meeting(meeting_id: int):
    return _render_meeting(_visible_meeting(meeting_id))


@bp.route("/afspraken/<int:meeting_id>.ics")
@roles_required(*WORK_LEADS)
def download_meeting(meeting_id: int):
    """The meeting as its latest invitation (or cancellation), to open in one's own calendar."""
    meeting = meetings.with_people(_visible_meeting(meeting_id).id)
    method = invitations.CANCEL if meeting.status == CANCELLED else invitations.REQUEST
    body = invitations.invitation(meeting, method)
    return Response(body, content_type=f"{ICS}; method={method}",
                    headers={"Content-Disposition": f'attachment; filename="afspraak-{meeting.id}.ics"'})


@bp.route("/afspraken/<int:meeting_id>/verplaatsen", methods=["POST"])
@roles_required(*WORK_LEADS)
def move_meeting(meeting_id: int):
    user = acting_user()
    meeting = _workable_meeting(meeting_id)
    form = MoveForm()
    general: list[str] = []
    form.validate()
    data = meetings.MoveInput(_moment(form.day.data, form.start_time.data), _moment(form.day.data,
                              form.end_time.data), form.place_kind.data or "", form.place.data or "")
    problems: dict[str, str] = {}
    _missing(form, problems)
    problems.update(meetings.move_problems(data))
    _apply(form, problems, general)
    if not form.errors and not general:
        try:
            meetings.move_meeting(meeting, data, actor=user)
        except DomainError as exc:
            _refused(form, exc, general)
        else:
            db.session.commit()
            flash("Afspraak verplaatst; de deelnemers krijgen de gewijzigde uitnodiging.", "success")
            return _to_meeting(meeting)
    return _render_meeting(meeting, _Forms(move=form), general, 422)


@bp.route("/afspraken/<int:meeting_id>/annuleren", methods=["POST"])
@roles_required(*WORK_LEADS)
def cancel_meeting(meeting_id: int):
    user = acting_user()
    meeting = _workable_meeting(meeting_id)
    form = CancelForm()
    if form.validate_on_submit():
        try:
            meetings.cancel_meeting(meeting, actor=user)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash("Afspraak geannuleerd; de deelnemers krijgen bericht.", "success")
    return _to_meeting(meeting)


@bp.route("/afspraken/<int:meeting_id>/gehouden", methods=["POST"])
@roles_required(*WORK_LEADS)
def record_held(meeting_id: int):
    user = acting_user()
    meeting = _workable_meeting(meeting_id)
    form = HeldForm()
    general: list[str] = []
    if form.validate():
        try:
            held = meetings.record_held(meeting, form.outcome.data or "", actor=user)
        except DomainError as exc:
            _refused(form, exc, general)
        else:
            db.session.commit()
            message = f"{meeting.kind_label} vastgelegd als gehouden."
            if held.stage_event is not None:
                message += f" De lead staat nu op {held.stage_event.lead.stage_label}."
            flash(message, "success")
            return _to_meeting(meeting)
    return _render_meeting(meeting, _Forms(held=form), general, 422)


# --- Mijn agenda -----------------------------------------------------------------------------------------------

def _grouped(upcoming: list[Meeting]) -> list[tuple[str, list[Meeting]]]:
    """Today, the rest of this week (to Sunday), later: the groups that have meetings."""
    today = _now().date()
    sunday = today + timedelta(days=6 - today.weekday())
    groups: dict[str, list[Meeting]] = {"Vandaag": [], "Deze week": [], "Later": []}
    for meeting in upcoming:
        day = meeting.starts_at.astimezone(AMSTERDAM).date()
        groups["Vandaag" if day <= today else "Deze week" if day <= sunday else "Later"].append(meeting)
    return [(label, items) for label, items in groups.items() if items]


def _render_agenda(feed_url: str | None = None):
    user = acting_user()
    page = render_template("meetings/my_agenda.html", groups=_grouped(meetings.upcoming_for(user)), now_utc=utcnow(),
                           feed=feeds.feed_of(user), feed_url=feed_url, renew_form=RenewFeedForm(),
                           revoke_form=RevokeFeedForm())
    return page, 200, SECRET_HEADERS if feed_url else {}


@bp.route("/mijn-agenda")
@roles_required(*WORK_LEADS)
def my_agenda():
    return _render_agenda()


@bp.route("/mijn-agenda/link", methods=["POST"])
@roles_required(*WORK_LEADS)
def renew_feed():
    """Make a new feed link and show it, once; the old one stops working."""
    user = acting_user()
    if not RenewFeedForm().validate_on_submit():
        return redirect(url_for(".my_agenda"))
    raw = feeds.renew(user, actor=user)
    db.session.commit()
    flash("Uw nieuwe agenda-link staat hieronder. Een eerdere link werkt niet meer.", "success")
    return _render_agenda(feed_url=public_url("meetings.feed", token=raw))


@bp.route("/mijn-agenda/link-intrekken", methods=["POST"])
@roles_required(*WORK_LEADS)
def revoke_feed():
    user = acting_user()
    if RevokeFeedForm().validate_on_submit():
        if feeds.revoke(user, actor=user):
            db.session.commit()
            flash("Uw agenda-link is ingetrokken; agenda's die hem gebruiken, krijgen geen afspraken meer.", "success")
    return redirect(url_for(".my_agenda"))


# --- the feed --------------------------------------------------------------------------------------------------

def _feed_link_key() -> str:
    """Count per link, not per address (calendar services fetch from shared addresses); only a hash of it."""
    token = (request.view_args or {}).get("token", "")
    return "agenda:" + hashlib.sha256(token.encode()).hexdigest()[:32]


def _feed_link_limit() -> str:
    return current_app.config.get("FEED_RATE_LIMIT", FEED_LIMIT_PER_LINK)


@bp.route("/agenda/<token>.ics")
@public
@limiter.limit(_feed_link_limit, key_func=_feed_link_key)
@limiter.limit(FEED_LIMIT_PER_ADDRESS)
def feed(token: str):
    """A user's meetings as a calendar to subscribe to; an unknown, replaced or revoked link does not exist."""
    user = feeds.user_for_token(token)
    if user is None:
        abort(404)
    body = invitations.feed(meetings.for_feed(user), name=f"Afspraken {user.name}",
                            link=lambda meeting: public_url("meetings.show_meeting", meeting_id=meeting.id))
    db.session.commit()  # when the link was last used
    return Response(body, content_type=ICS,
                    headers={"Content-Disposition": 'inline; filename="afspraken.ics"', **SECRET_HEADERS})
