"""Check-in questions by link: who is asked, the mails with their secret links, the one reminder, the answer.

When a scheduled check-in falls due, the daily run (`send_due_links`) gives each person asked a link of their own:
the employer's contact of the placement's lead, the external jobcoach organisation (when it has an e-mail address)
and the employee when they consented (`voice`). Like the jobcoach's signal link, only the SHA-256 of a token is
kept; the raw token travels only in the mail. A link opens a form of three questions (how is it going, what would
help, would they like contact) that shows the employer's name, the placement's reference and the check-in week,
nothing else. It can be answered once; it expires after `checkin_link_days` and is void once the placement ended
(or, for the employee, once the consent was withdrawn). After `checkin_link_reminder_days` working days without an
answer the person gets one reminder, with a second token for the same link.
"""
from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import selectinload

from ...extensions import db
from ...models import CheckIn, Lead, Placement, utcnow
from ...models.feedback import ASKED_ROLES, EMPLOYEE, EMPLOYER, JOBCOACH, CheckInLink, EmployeeVoice
from .. import audit, normalise, reference
from ..calendar import AMSTERDAM, long_date, working_days_between
from ..errors import Conflict, ValidationError
from ..mail import notices, outbox
from ..placements import checkins, risk

LINK_DAYS = "checkin_link_days"
REMINDER_DAYS = "checkin_link_reminder_days"
# A check-in that fell due up to this many days ago still gets its links (a run that did not happen, a new start
# date); one overdue for longer is the advisor's to call.
CATCH_UP_DAYS = 7
HELP_MAX_LENGTH = 1000
# The answers to "how is it going", as the check-in outcome codes they are recorded as.
ANSWERS = {"green": "Goed", "amber": "Twijfel", "red": "Zorgen"}
OPEN, ANSWERED, EXPIRED, VOID = "open", "answered", "expired", "void"
STATE_LABELS = {OPEN: "Nog geen antwoord", ANSWERED: "Beantwoord", EXPIRED: "Verlopen zonder antwoord",
                VOID: "Vervallen"}
MAIL_KIND = "checkin_questions"


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _new_token() -> tuple[str, str]:
    raw = secrets.token_urlsafe(32)
    return raw, _digest(raw)


# --- who is asked -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Addressee:
    role: str
    name: str
    email: str
    contact_id: int | None = None


def _employer_addressee(placement: Placement) -> Addressee | None:
    """The contact person of the placement's lead, while they can be mailed (an address, not opted out)."""
    contact = placement.lead.contact if placement.lead is not None else None
    if contact is None or not contact.email or contact.anonymised_at is not None or contact.opted_out_at is not None:
        return None
    return Addressee(EMPLOYER, contact.name, contact.email, contact.id)


def _jobcoach_addressee(placement: Placement) -> Addressee | None:
    """The external jobcoach organisation, when it is active and has an e-mail address."""
    organisation = placement.jobcoach_org
    if organisation is None or not organisation.active or not organisation.email:
        return None
    return Addressee(JOBCOACH, organisation.contact_name, organisation.email)


def addressees(placement: Placement, voice: EmployeeVoice | None) -> list[Addressee]:
    """Everyone to ask at a check-in of this placement: employer, jobcoach, and the employee with consent."""
    found = [_employer_addressee(placement), _jobcoach_addressee(placement)]
    if voice is not None and voice.active:
        found.append(Addressee(EMPLOYEE, "", voice.email))
    return [one for one in found if one is not None]


def _voices(placement_ids: Iterable[int]) -> dict[int, EmployeeVoice]:
    ids = set(placement_ids)
    if not ids:
        return {}
    return {voice.placement_id: voice for voice in db.session.scalars(
        select(EmployeeVoice).where(EmployeeVoice.placement_id.in_(ids)))}


# --- the daily run ----------------------------------------------------------------------------------

@dataclass
class LinkReport:
    """What one run did, in counts (never names or addresses)."""

    sent: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ASKED_ROLES, 0))
    reminded: int = 0
    checkins: int = 0  # due check-ins looked at

    def summary(self) -> str:
        """The counts in one Dutch line (the CLI prints it, the task run keeps it)."""
        return (f"{self.checkins} check-ins bekeken; links verstuurd aan {self.sent[EMPLOYER]} werkgevers, "
                f"{self.sent[JOBCOACH]} jobcoaches en {self.sent[EMPLOYEE]} werknemers; "
                f"{self.reminded} herinneringen.")


def send_due_links(now: datetime | None = None) -> LinkReport:
    """Mail the questions of every check-in that fell due (within CATCH_UP_DAYS) to each person not yet asked, and
    the one reminder to whoever has not answered after `checkin_link_reminder_days` working days.

    Running it twice sends nothing new: one link per person per check-in, one mail per link and reminder."""
    now = now or utcnow()
    on = now.astimezone(AMSTERDAM).date()
    report = LinkReport()
    due = db.session.scalars(
        select(CheckIn).join(CheckIn.placement)
        .where(CheckIn.done_on.is_(None), CheckIn.due_on <= on, CheckIn.due_on > on - timedelta(days=CATCH_UP_DAYS),
               Placement.end_date.is_(None))
        .options(selectinload(CheckIn.placement).options(
            selectinload(Placement.employer), selectinload(Placement.jobcoach_org), selectinload(Placement.advisor),
            selectinload(Placement.lead).selectinload(Lead.contact)))
        .order_by(CheckIn.due_on, CheckIn.id)).all()
    report.checkins = len(due)
    asked = set(db.session.execute(select(CheckInLink.checkin_id, CheckInLink.role)
                                   .where(CheckInLink.checkin_id.in_([c.id for c in due]))).all()) if due else set()
    voices = _voices(c.placement_id for c in due)
    days = int(reference.setting(LINK_DAYS))
    for checkin in due:
        for person in addressees(checkin.placement, voices.get(checkin.placement_id)):
            if (checkin.id, person.role) in asked:
                continue
            raw, digest = _new_token()
            link = CheckInLink(checkin=checkin, role=person.role, contact_id=person.contact_id, token_hash=digest,
                               sent_at=now, expires_at=now + timedelta(days=days), help_text="")
            db.session.add(link)
            db.session.flush()
            _queue_mail(link, person, raw, reminder=False)
            audit.record(None, "checkin_link_sent", link, placement_id=checkin.placement_id, checkin_id=checkin.id,
                         role=person.role)
            report.sent[person.role] += 1
    report.reminded = send_reminders(now)
    return report


def send_reminders(now: datetime) -> int:
    """One reminder per unanswered, still valid link, `checkin_link_reminder_days` working days after it was sent;
    returns how many went out."""
    on = now.astimezone(AMSTERDAM).date()
    after = int(reference.setting(REMINDER_DAYS))
    candidates = db.session.scalars(
        select(CheckInLink).join(CheckInLink.checkin).join(CheckIn.placement)
        .where(CheckInLink.answered_at.is_(None), CheckInLink.reminded_at.is_(None), CheckInLink.expires_at > now,
               CheckInLink.sent_at <= now - timedelta(days=1), Placement.end_date.is_(None))
        .options(selectinload(CheckInLink.contact), selectinload(CheckInLink.checkin).selectinload(CheckIn.placement)
                 .options(selectinload(Placement.employer), selectinload(Placement.jobcoach_org),
                          selectinload(Placement.advisor)))
        .order_by(CheckInLink.sent_at, CheckInLink.id)).all()
    voices = _voices(link.checkin.placement_id for link in candidates)
    reminded = 0
    for link in candidates:
        if working_days_between(link.sent_at.astimezone(AMSTERDAM).date(), on) < after:
            continue
        person = _addressee_of(link, voices.get(link.checkin.placement_id))
        if person is None:  # the address is gone (opt-out, anonymised, consent withdrawn): nobody to remind
            continue
        raw, link.reminder_token_hash = _new_token()
        link.reminded_at = now
        db.session.flush()
        _queue_mail(link, person, raw, reminder=True)
        audit.record(None, "checkin_link_reminded", link, placement_id=link.checkin.placement_id,
                     checkin_id=link.checkin_id, role=link.role)
        reminded += 1
    return reminded


def _addressee_of(link: CheckInLink, voice: EmployeeVoice | None) -> Addressee | None:
    """Where a link's reminder goes now: the contact asked, the organisation, or the consenting employee."""
    placement = link.checkin.placement
    if link.role == EMPLOYER:
        contact = link.contact
        if contact is None or not contact.email or contact.anonymised_at or contact.opted_out_at:
            return None
        return Addressee(EMPLOYER, contact.name, contact.email, contact.id)
    if link.role == JOBCOACH:
        return _jobcoach_addressee(placement)
    return Addressee(EMPLOYEE, "", voice.email) if voice is not None and voice.active else None


def _queue_mail(link: CheckInLink, person: Addressee, raw: str, *, reminder: bool) -> None:
    """The mail with the link, queued in this transaction: plain Dutch for the employee, formal for the others."""
    checkin = link.checkin
    placement = checkin.placement
    employee = person.role == EMPLOYEE
    template = "checkin_questions_employee" if employee else "checkin_questions"
    context = {"name": person.name, "role": person.role, "employer": placement.employer.name,
               "reference": placement.reference, "week": checkin.week, "reminder": reminder,
               "url": notices.link("feedback.answer", token=raw), "expires": long_date(link.expires_at),
               "advisor": placement.advisor}
    text, html = notices.render(template, **context)
    if employee:
        subject = "Hoe gaat het op je werk?"
    else:
        subject = f"Hoe gaat het met plaatsing {placement.reference}? Check-in week {checkin.week}"
    if reminder:
        subject = f"Herinnering: {subject}"
    outbox.queue([person.email], subject, text, html, kind=MAIL_KIND,
                 key=f"checkin-link:{link.id}:{'reminder' if reminder else 'first'}",
                 reference=f"placement:{placement.id}")


# --- the link and its answer ------------------------------------------------------------------------

def find_link(raw: str | None) -> CheckInLink | None:
    """The link behind a token from a mail (the first or the reminder's), or None for an unknown one."""
    if not raw or len(raw) > 200:
        return None
    digest = _digest(raw)
    return db.session.scalar(select(CheckInLink).where(
        or_(CheckInLink.token_hash == digest, CheckInLink.reminder_token_hash == digest)))


def state_of(link: CheckInLink, now: datetime | None = None, *, voice: EmployeeVoice | None = None) -> str:
    """answered, void (the placement ended, or the employee withdrew), expired, or open."""
    if link.answered_at is not None:
        return ANSWERED
    placement = link.checkin.placement
    if placement.end_date is not None:
        return VOID
    if link.role == EMPLOYEE:
        voice = voice if voice is not None else db.session.get(EmployeeVoice, placement.id)
        if voice is None or not voice.active:
            return VOID
    if link.expires_at <= (now or utcnow()):
        return EXPIRED
    return OPEN


@dataclass
class AnswerInput:
    risk: str | None
    help_text: str | None = ""
    wants_contact: bool | None = None


def answer_problems(data: AnswerInput) -> dict[str, str]:
    """Every field error of an answer, without storing anything."""
    problems: dict[str, str] = {}
    if data.risk not in ANSWERS:
        problems["risk"] = "Kies hoe het gaat: goed, twijfel of zorgen."
    text = (data.help_text or "").strip()
    if len(text) > HELP_MAX_LENGTH:
        problems["help_text"] = f"Hoogstens {HELP_MAX_LENGTH} tekens (nu {len(text)})."
    else:
        try:
            normalise.refuse_bsn(text, "help_text")
        except ValidationError as exc:
            problems.update(exc.fields)
    if data.wants_contact is None:
        problems["wants_contact"] = "Kies ja of nee."
    return problems


def record_answer(link: CheckInLink, data: AnswerInput, *, now: datetime | None = None) -> CheckInLink:
    """Store the answer on the link and on the placement's check-in; amber or red opens the risk case.

    The check-in, if nobody recorded it yet, is recorded through `checkins.record_checkin` (with whom: the role
    that answered); if it was recorded already, an amber or red answer still opens (or raises) the risk case. A
    link answers once: of two answers sent at the same moment, the second is refused and stores nothing."""
    now = now or utcnow()
    if state_of(link, now) != OPEN:
        raise Conflict("Deze link werkt niet meer: de vragen zijn al beantwoord, of de link is verlopen.")
    problems = answer_problems(data)
    if problems:
        raise ValidationError("Uw antwoord is niet verstuurd. Controleer het formulier.", problems)
    help_text = (data.help_text or "").strip()
    taken = db.session.execute(
        update(CheckInLink).where(CheckInLink.id == link.id, CheckInLink.answered_at.is_(None))
        .values(answered_at=now, risk=data.risk, help_text=help_text, wants_contact=data.wants_contact)
        .execution_options(synchronize_session=False)).rowcount
    if not taken:
        raise Conflict("Deze vragen zijn al beantwoord.")
    db.session.refresh(link)
    checkin = link.checkin
    # Answers of others on the same placement (and the advisor's own changes) wait for this one, as the placement
    # pages do, so two amber answers open one risk case.
    placement = db.session.scalars(select(Placement).where(Placement.id == checkin.placement_id).with_for_update()
                                   .execution_options(populate_existing=True)).one()
    if checkin.done_on is None:
        checkins.record_checkin(placement, checkins.CheckInInput(
            done_on=now.astimezone(AMSTERDAM).date(), with_whom=link.role, risk=data.risk,
            note=_note(link.role, help_text, data.wants_contact)), actor=None, checkin=checkin)
    elif data.risk in risk.CASE_LEVELS:
        risk.open_case(placement, data.risk, "checkin", None)
    # The free text is about the employee: it stays out of the audit trail.
    audit.record(None, "checkin_link_answered", link, placement_id=placement.id, checkin_id=checkin.id,
                 role=link.role, risk=data.risk)
    _tell_the_advisor(placement, link, data)
    db.session.flush()
    return link


ATTENTION = {"amber": "twijfelt", "red": "maakt zich zorgen"}


def _tell_the_advisor(placement: Placement, link: CheckInLink, data: AnswerInput) -> None:
    """Doubt, worry or a wish for contact is mailed to the placement's advisor (a notice they can switch off)."""
    what = [f"{ATTENTION[data.risk]} over hoe het gaat"] if data.risk in ATTENTION else []
    if data.wants_contact:
        what.append("wil graag contact")
    if what:
        notices.checkin_needs_attention(placement, key=f"checkin-answered:{link.id}",
                                        who=f"de {ASKED_ROLES[link.role].lower()}", what=" en ".join(what) + ".")


def _note(role: str, help_text: str, wants_contact: bool | None) -> str:
    """The check-in's note for an answer by link, in the words the advisor reads on the placement page."""
    parts = [f"Beantwoord via de link door: {ASKED_ROLES[role].lower()}."]
    if help_text:
        parts.append(f"Wat zou helpen: {help_text}")
    parts.append("Wil contact met de adviseur." if wants_contact else "Wil geen contact.")
    return " ".join(parts)


# --- what the advisor sees --------------------------------------------------------------------------

@dataclass(frozen=True)
class AskedRow:
    """One person asked at a check-in, and where their answer stands."""

    link: CheckInLink
    state: str

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def answer_label(self) -> str:
        return ANSWERS.get(self.link.risk or "", "")


def asked_at(checkin_ids: Sequence[int], *, now: datetime | None = None) -> dict[int, list[AskedRow]]:
    """Check-in id → who was asked and whether they answered (employer, jobcoach, employee), in one query."""
    if not checkin_ids:
        return {}
    links = db.session.scalars(
        select(CheckInLink).where(CheckInLink.checkin_id.in_(checkin_ids))
        .options(selectinload(CheckInLink.checkin).selectinload(CheckIn.placement))
        .order_by(CheckInLink.checkin_id, CheckInLink.id)).all()
    voices = _voices(link.checkin.placement_id for link in links if link.role == EMPLOYEE)
    order = list(ASKED_ROLES)
    rows: dict[int, list[AskedRow]] = {}
    for link in sorted(links, key=lambda one: (one.checkin_id, order.index(one.role))):
        state = state_of(link, now, voice=voices.get(link.checkin.placement_id))
        rows.setdefault(link.checkin_id, []).append(AskedRow(link, state))
    return rows
