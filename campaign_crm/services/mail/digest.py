"""The daily digest: per user their next actions due today or earlier, retention check-ins due, and their leads near
or past the deadline for first contact. Three queries for all users together; a mail only when there is something
in it, once per user per day (key `digest:<user>:<day>`)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select

from ...extensions import db
from ...models import OPEN_STAGES, Activity, CheckIn, Employer, Lead, Placement
from ...models.placements import NEXT_ACTION_OPEN
from .. import reference
from ..calendar import AMSTERDAM, is_working_day
from . import notices, outbox

WAITING_FOR_CONTACT = ("new", "assigned")


@dataclass(frozen=True)
class DigestLine:
    employer: str
    what: str
    due: date | datetime
    overdue: bool
    url: str


@dataclass
class Digest:
    next_actions: list[DigestLine] = field(default_factory=list)
    checkins: list[DigestLine] = field(default_factory=list)
    sla: list[DigestLine] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.next_actions or self.checkins or self.sla)

    @property
    def count(self) -> int:
        return len(self.next_actions) + len(self.checkins) + len(self.sla)


@dataclass
class DigestReport:
    working_day: bool = True
    users_with_work: int = 0
    queued: int = 0

    def summary(self) -> str:
        if not self.working_day:
            return "Geen werkdag: geen dagelijkse overzichten."
        return (f"{self.queued} dagelijkse overzichten in de wachtrij gezet "
                f"({self.users_with_work} gebruikers met werk).")


def collect(now: datetime) -> dict[int, Digest]:
    """What each user's digest holds at `now` (users without anything are left out)."""
    day = now.astimezone(AMSTERDAM).date()
    digests: dict[int, Digest] = {}

    for row in db.session.execute(
        select(Activity.actor_id, Activity.lead_id, Activity.next_action, Activity.next_action_due, Employer.name)
        .join(Lead, Lead.id == Activity.lead_id).join(Employer, Employer.id == Lead.employer_id)
        .where(Activity.actor_id.is_not(None), Activity.next_action_status == NEXT_ACTION_OPEN,
               Activity.next_action_due <= day, Lead.stage.in_(OPEN_STAGES))
        .order_by(Activity.next_action_due, Activity.id)
    ):
        digests.setdefault(row.actor_id, Digest()).next_actions.append(DigestLine(
            row.name, row.next_action, row.next_action_due, row.next_action_due < day,
            notices.link("leads.detail", lead_id=row.lead_id)))

    for row in db.session.execute(
        select(Placement.advisor_id, Placement.id, Placement.reference, CheckIn.week, CheckIn.due_on, Employer.name)
        .join(Placement, Placement.id == CheckIn.placement_id).join(Employer, Employer.id == Placement.employer_id)
        .where(Placement.advisor_id.is_not(None), Placement.end_date.is_(None), CheckIn.done_on.is_(None),
               CheckIn.due_on <= day)
        .order_by(CheckIn.due_on, CheckIn.id)
    ):
        digests.setdefault(row.advisor_id, Digest()).checkins.append(DigestLine(
            row.name, f"Check-in week {row.week} (plaatsing {row.reference})", row.due_on, row.due_on < day,
            notices.link("placements.show_placement", placement_id=row.id)))

    soon = timedelta(hours=int(reference.setting("sla_due_soon_hours")))
    for row in db.session.execute(
        select(Lead.owner_id, Lead.id, Lead.sla_due_at, Employer.name).join(Employer, Employer.id == Lead.employer_id)
        .where(Lead.owner_id.is_not(None), Lead.stage.in_(WAITING_FOR_CONTACT), Lead.sla_due_at <= now + soon)
        .order_by(Lead.sla_due_at, Lead.id)
    ):
        overdue = row.sla_due_at < now
        digests.setdefault(row.owner_id, Digest()).sla.append(DigestLine(
            row.name, "Eerste contact te laat" if overdue else "Eerste contact bijna te laat", row.sla_due_at, overdue,
            notices.link("leads.detail", lead_id=row.id)))
    return digests


def queue_digests(now: datetime) -> DigestReport:
    """Queue today's digest for every user who has something in it and wants it, on working days (not on public
    holidays); a second run queues nothing."""
    day = now.astimezone(AMSTERDAM).date()
    if not is_working_day(day):
        return DigestReport(working_day=False)
    digests = collect(now)
    report = DigestReport(users_with_work=len(digests))
    wanted = notices.recipients(list(digests), notices.DIGEST)
    for user_id in sorted(wanted):
        user, digest = wanted[user_id], digests[user_id]
        text, html = notices.render("daily_digest", user=user, digest=digest, day=day)
        subject = f"Uw overzicht voor {day:%d-%m-%Y}: {digest.count} {'punt' if digest.count == 1 else 'punten'}"
        if outbox.queue([user.email], subject, text, html, kind=notices.DIGEST, key=f"digest:{user_id}:{day}"):
            report.queued += 1
    return report
