"""Retention check-ins: the schedule made at the start, recording one, what is due, and reminders.

The schedule comes from the `checkin_weeks` setting (default weeks 2, 6, 13, 26, 39, 52 after
the start: denser in the first months, when most jobs that end are lost).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import selectinload

from ...extensions import db
from ...models import CheckIn, Placement
from ...models.placements import CHECKIN_WITH, RISK_LEVELS
from ...permissions import Actor
from .. import normalise, reference
from ..calendar import AMSTERDAM, add_months, long_date, today
from ..errors import Conflict, ValidationError
from . import access, risk

# "Mijn check-ins" shows what falls due in the next two weeks, beside everything overdue.
DUE_WINDOW_DAYS = 14
# The reminder run flags check-ins this many days before they fall due.
REMIND_DAYS_AHEAD = 7


def schedule_weeks() -> list[int]:
    """The weeks after the start at which a check-in is due, from the `checkin_weeks` setting."""
    return sorted({int(week) for week in reference.setting("checkin_weeks") if int(week) > 0})


def schedule_for(start_date: date, weeks: list[int] | None = None) -> list[tuple[int, date]]:
    """(week, due date) of each check-in of a placement starting on `start_date`."""
    return [(week, start_date + timedelta(weeks=week)) for week in (schedule_weeks() if weeks is None else weeks)]


def schedule_checkins(placement: Placement) -> list[CheckIn]:
    """Create the scheduled check-ins of a new placement."""
    made = [CheckIn(placement=placement, week=week, due_on=due) for week, due in schedule_for(placement.start_date)]
    db.session.add_all(made)
    db.session.flush()
    return made


def reschedule_open(placement: Placement) -> None:
    """Move the check-ins not yet done along with a changed start date."""
    for checkin in placement.checkins:
        if checkin.done_on is None:
            checkin.due_on = placement.start_date + timedelta(weeks=checkin.week)


# --- recording --------------------------------------------------------------------------------------

@dataclass
class CheckInInput:
    done_on: date | None
    with_whom: str | None
    risk: str | None
    note: str = ""


def record_checkin(placement: Placement, data: CheckInInput, *, actor: Actor,
                   checkin: CheckIn | None = None) -> CheckIn:
    """Record a check-in: a scheduled one, or an extra one when `checkin` is None.

    Amber or red opens a risk case on the placement (or raises the open one to red).
    """
    _check_open(placement, checkin)
    note = (data.note or "").strip()
    errors = _checkin_errors(placement, data, note)
    if errors:
        raise ValidationError("De check-in is niet opgeslagen; controleer: " + ", ".join(sorted(errors)) + ".", errors)
    if checkin is None:
        week = (data.done_on - placement.start_date).days // 7
        checkin = CheckIn(placement=placement, week=week, due_on=data.done_on)
        db.session.add(checkin)
    checkin.done_on, checkin.with_whom, checkin.risk, checkin.note = data.done_on, data.with_whom, data.risk, note
    checkin.done_by_id = access.user_of(actor).id if access.user_of(actor) else None
    db.session.flush()
    access.record_change(actor, "checkin_recorded", checkin, placement_id=placement.id, week=checkin.week,
                             risk=data.risk)
    if data.risk in risk.CASE_LEVELS:
        risk.open_case(placement, data.risk, "checkin", actor)
    db.session.flush()
    return checkin


def _check_open(placement: Placement, checkin: CheckIn | None) -> None:
    """A check-in is recorded on a running placement, once, and only on a check-in of that placement."""
    if placement.end_date is not None:
        raise Conflict(f"Plaatsing {placement.reference} is beëindigd; er vallen geen check-ins meer te doen.")
    if checkin is not None and checkin.placement_id != placement.id:
        raise ValidationError("Deze check-in hoort niet bij deze plaatsing.", {"checkin": "Onbekende check-in."})
    if checkin is not None and checkin.done_on is not None:
        raise Conflict(f"De check-in van week {checkin.week} is al vastgelegd op {long_date(checkin.done_on)}.")


def _checkin_errors(placement: Placement, data: CheckInInput, note: str) -> dict[str, str]:
    """Every field error: a contact date from the start until today, with whom, the risk, no BSN in the note."""
    errors: dict[str, str] = {}
    if data.done_on is None:
        errors["done_on"] = "Vul de datum van het contact in."
    elif data.done_on > today():
        errors["done_on"] = "Mag niet in de toekomst liggen."
    elif data.done_on < placement.start_date:
        errors["done_on"] = f"Ligt vóór de start van de plaatsing ({long_date(placement.start_date)})."
    if data.with_whom not in CHECKIN_WITH:
        errors["with_whom"] = "Kies met wie u sprak: werkgever, werknemer of jobcoach."
    if data.risk not in RISK_LEVELS:
        errors["risk"] = "Kies het risico: groen, oranje of rood."
    try:
        normalise.refuse_bsn(note, "note")
    except ValidationError as exc:
        errors.update(exc.fields)
    return errors


# --- what is due ------------------------------------------------------------------------------------

def status(checkin: CheckIn, placement: Placement, on: date) -> str:
    """done, lapsed (the placement ended first), overdue, due (within the window) or planned."""
    if checkin.done_on is not None:
        return "done"
    if placement.end_date is not None and checkin.due_on > placement.end_date:
        return "lapsed"
    if placement.end_date is not None:
        return "missed"
    if checkin.due_on < on:
        return "overdue"
    if checkin.due_on <= on + timedelta(days=DUE_WINDOW_DAYS):
        return "due"
    return "planned"


STATUS_LABELS = {"done": "Gedaan", "lapsed": "Vervallen (plaatsing beëindigd)", "missed": "Niet gedaan",
                 "overdue": "Te laat", "due": "Binnenkort", "planned": "Gepland"}


def due_query(actor: Actor, *, on: date, mine_only: bool) -> Select:
    """Open check-ins of running placements the actor may see, due by `on` + the window, earliest first.

    `mine_only` narrows it to the placements the actor is the advisor of."""
    query = (
        select(CheckIn).join(CheckIn.placement)
        .where(CheckIn.done_on.is_(None), Placement.end_date.is_(None),
               CheckIn.due_on <= on + timedelta(days=DUE_WINDOW_DAYS),
               access.visible_placements_clause(actor))
        .options(selectinload(CheckIn.placement).selectinload(Placement.employer))
        .order_by(CheckIn.due_on, CheckIn.id)
    )
    if mine_only:
        query = query.where(Placement.advisor_id == getattr(actor, "id", None))
    return query


# --- reminders --------------------------------------------------------------------------------------

@dataclass
class ReminderReport:
    reminded: int = 0  # newly flagged in this run
    already_reminded: int = 0  # still open, flagged by an earlier run
    overdue: int = 0  # open and past their due date (flagged or not)
    lkv_deadlines: int = 0  # running placements whose LKV request deadline is within the window and not yet met


def send_checkin_reminders(now: datetime) -> ReminderReport:
    """Flag open check-ins of running placements due within REMIND_DAYS_AHEAD days as reminded.

    Running it twice flags nothing new. The flags show on "Mijn check-ins"; the counts are for the
    operator (cron). LKV request deadlines in the same window are counted too.
    """
    on = now.astimezone(AMSTERDAM).date()
    horizon = on + timedelta(days=REMIND_DAYS_AHEAD)
    due = (CheckIn.done_on.is_(None), CheckIn.due_on <= horizon,
           CheckIn.placement_id.in_(select(Placement.id).where(Placement.end_date.is_(None))))
    report = ReminderReport()
    report.already_reminded = db.session.scalar(
        select(func.count()).select_from(CheckIn).where(*due, CheckIn.reminded_at.is_not(None))) or 0
    report.overdue = db.session.scalar(
        select(func.count()).select_from(CheckIn).where(*due, CheckIn.due_on < on)) or 0
    result = db.session.execute(update(CheckIn).where(*due, CheckIn.reminded_at.is_(None)).values(reminded_at=now)
                                .execution_options(synchronize_session=False))
    report.reminded = result.rowcount or 0
    report.lkv_deadlines = len(lkv_requests_due(on, days=REMIND_DAYS_AHEAD))
    db.session.expire_all()  # the bulk update bypassed the session
    return report


def lkv_requests_due(on: date, *, days: int, visible=None) -> list[tuple[Placement, date]]:
    """Running placements whose LKV doelgroepverklaring is still to be requested and due by `on` + `days`.

    Returns (placement, deadline) pairs, earliest deadline first; `visible` is an extra WHERE clause."""
    months = int(reference.setting("lkv_request_months"))
    # A deadline on or before `on` + days means a start on or before that day minus the months.
    latest_start = add_months(on + timedelta(days=days), -months)
    query = (select(Placement).where(Placement.end_date.is_(None), Placement.lkv_requested_on.is_(None),
                                     (Placement.instrument == "lkv") | Placement.doelgroepregister.is_(True),
                                     Placement.start_date <= latest_start + timedelta(days=3))
             .options(selectinload(Placement.employer)).order_by(Placement.start_date, Placement.id))
    if visible is not None:
        query = query.where(visible)
    pairs = [(p, lkv_deadline(p.start_date, months)) for p in db.session.scalars(query)]
    return [(p, deadline) for p, deadline in pairs if deadline <= on + timedelta(days=days)]


def lkv_deadline(start_date: date, months: int | None = None) -> date:
    """The last day to request the LKV doelgroepverklaring: start + `lkv_request_months` months."""
    return add_months(start_date, int(reference.setting("lkv_request_months") if months is None else months))
