"""An advisor's bookable hours: recurring weekly hours and the dates that differ (blocked, or extra hours). The advisor
keeps their own; their team lead and admins may keep them for the team's advisors."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta

from sqlalchemy import select

from ...extensions import db
from ...models import User
from ...models.booking import BLOCKED, EXCEPTION_KINDS, EXTRA, AvailabilityException, AvailabilityHours
from ...permissions import ADVISOR, can_manage_advisor
from .. import audit
from ..calendar import today
from ..errors import ValidationError

MAX_HOURS_PER_ADVISOR = 50
EARLIEST, LATEST = time(7, 0), time(21, 0)


def may_edit(actor: User, advisor: User) -> bool:
    """The advisor themselves, their team lead, or an admin."""
    return advisor.role == ADVISOR and (actor.id == advisor.id or can_manage_advisor(actor, advisor))


def editable_advisors(actor: User) -> list[User]:
    """The advisors whose hours `actor` may keep: themselves, or the team's (team lead), or everyone (admin)."""
    query = select(User).where(User.role == ADVISOR, User.active.is_(True)).order_by(User.name, User.id)
    return [user for user in db.session.scalars(query) if may_edit(actor, user)]


@dataclass(frozen=True)
class Availability:
    weekly: list[AvailabilityHours]
    exceptions: list[AvailabilityException]  # from today on


def availability_of(advisor: User) -> Availability:
    """The advisor's weekly hours (by day and time) and their exceptions from today on."""
    weekly = db.session.scalars(select(AvailabilityHours).where(AvailabilityHours.user_id == advisor.id)
                                .order_by(AvailabilityHours.weekday, AvailabilityHours.starts_at)).all()
    exceptions = db.session.scalars(select(AvailabilityException).where(
        AvailabilityException.user_id == advisor.id, AvailabilityException.day >= today())
        .order_by(AvailabilityException.day, AvailabilityException.starts_at)).all()
    return Availability(list(weekly), list(exceptions))


def _check_times(starts_at: time | None, ends_at: time | None, errors: dict[str, str]) -> None:
    if starts_at is None:
        errors["starts_at"] = "Vul de begintijd in, bijvoorbeeld 09:00."
    elif not EARLIEST <= starts_at <= LATEST:
        errors["starts_at"] = "Kies een tijd tussen 07:00 en 21:00."
    elif starts_at.minute % 15 or starts_at.second:
        errors["starts_at"] = "Kies een tijd op een heel kwartier, bijvoorbeeld 09:00 of 09:15."
    if ends_at is None:
        errors["ends_at"] = "Vul de eindtijd in, bijvoorbeeld 12:00."
    elif not EARLIEST <= ends_at <= LATEST:
        errors["ends_at"] = "Kies een tijd tussen 07:00 en 21:00."
    elif ends_at.minute % 15 or ends_at.second:
        errors["ends_at"] = "Kies een tijd op een heel kwartier, bijvoorbeeld 12:00 of 12:15."
    elif starts_at is not None and ends_at <= starts_at:
        errors["ends_at"] = "Moet na de begintijd liggen."


def add_weekly_hours(advisor: User, weekday: int | None, starts_at: time | None, ends_at: time | None, *,
                     actor: User) -> AvailabilityHours:
    """Add recurring hours on a weekday; they may not overlap the advisor's other hours on that day."""
    errors: dict[str, str] = {}
    if weekday is None or not 0 <= weekday <= 6:
        errors["weekday"] = "Kies een dag van de week."
    _check_times(starts_at, ends_at, errors)
    if not errors:
        existing = availability_of(advisor).weekly
        if any(h.weekday == weekday and h.starts_at < ends_at and h.ends_at > starts_at for h in existing):
            errors["starts_at"] = "Deze uren overlappen met uren die u op die dag al heeft."
        elif len(existing) >= MAX_HOURS_PER_ADVISOR:
            errors["weekday"] = f"Hoogstens {MAX_HOURS_PER_ADVISOR} blokken per week."
    if errors:
        raise ValidationError("De uren zijn niet opgeslagen; controleer de gemarkeerde velden.", errors)
    hours = AvailabilityHours(user_id=advisor.id, weekday=weekday, starts_at=starts_at, ends_at=ends_at)
    db.session.add(hours)
    db.session.flush()
    audit.record(actor, "availability_changed", advisor, change="weekly_added", weekday=weekday)
    return hours


def add_exception(advisor: User, day: date | None, kind: str, starts_at: time | None, ends_at: time | None, *,
                  actor: User) -> AvailabilityException:
    """Block a date, or add extra hours on a date, from today up to a year ahead."""
    errors: dict[str, str] = {}
    if day is None:
        errors["day"] = "Vul de datum in."
    elif day < today():
        errors["day"] = "Ligt in het verleden."
    elif day > today() + timedelta(days=366):
        errors["day"] = "Ligt meer dan een jaar vooruit."
    if kind not in EXCEPTION_KINDS:
        errors["kind"] = "Kies of u die dag niet of juist extra beschikbaar bent."
    if kind == EXTRA:
        _check_times(starts_at, ends_at, errors)
    if errors:
        raise ValidationError("De uitzondering is niet opgeslagen; controleer de gemarkeerde velden.", errors)
    exception = AvailabilityException(user_id=advisor.id, day=day, kind=kind,
                                      starts_at=starts_at if kind == EXTRA else None,
                                      ends_at=ends_at if kind == EXTRA else None)
    db.session.add(exception)
    db.session.flush()
    audit.record(actor, "availability_changed", advisor, change=f"exception_{kind}", day=day.isoformat())
    return exception


def remove_weekly_hours(advisor: User, hours_id: int, *, actor: User) -> None:
    """Remove one block of weekly hours of this advisor (another advisor's id is refused)."""
    hours = db.session.get(AvailabilityHours, hours_id)
    if hours is None or hours.user_id != advisor.id:
        raise ValidationError("Deze uren bestaan niet (meer).", {"hours_id": "Onbekend blok."})
    db.session.delete(hours)
    db.session.flush()
    audit.record(actor, "availability_changed", advisor, change="weekly_removed", weekday=hours.weekday)


def remove_exception(advisor: User, exception_id: int, *, actor: User) -> None:
    """Remove one exception of this advisor."""
    exception = db.session.get(AvailabilityException, exception_id)
    if exception is None or exception.user_id != advisor.id:
        raise ValidationError("Deze uitzondering bestaat niet (meer).", {"exception_id": "Onbekende uitzondering."})
    db.session.delete(exception)
    db.session.flush()
    audit.record(actor, "availability_changed", advisor, change="exception_removed")


def add_demo_availability(advisors: list[User]) -> int:
    """Weekly hours for the demo region's advisors (mornings and afternoons, a free afternoon each), so the demo
    shows bookable times; returns how many blocks were added."""
    added = 0
    for position, advisor in enumerate(advisors):
        free_afternoon = position % 5
        for weekday in range(5):
            db.session.add(AvailabilityHours(user_id=advisor.id, weekday=weekday, starts_at=time(9), ends_at=time(12)))
            added += 1
            if weekday != free_afternoon:
                db.session.add(AvailabilityHours(user_id=advisor.id, weekday=weekday, starts_at=time(13),
                                                 ends_at=time(16, 30)))
                added += 1
    db.session.flush()
    return added


__all__ = ["BLOCKED", "EXTRA", "Availability", "add_demo_availability", "add_exception", "add_weekly_hours",
           "availability_of", "editable_advisors", "may_edit", "remove_exception", "remove_weekly_hours"]
