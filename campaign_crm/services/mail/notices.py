"""The notices users get by e-mail, and which ones they want.

A notice is queued in the outbox in the transaction of the change that causes it. Single changes (routing one lead,
a reassignment) give one mail per lead; bulk work (an import, route-waiting, handing over an absent advisor's leads)
runs inside `grouped()`, and each user then gets one mail per kind for the whole run: the single notice when it is
about one lead, a summary when about more. A user who switched a kind off, or is inactive, gets nothing.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import select

from ...extensions import db
from ...models import Employer, Lead, LeadAssignment, NoticePreference, Placement, Touchpoint, User
from ..errors import ValidationError
from . import outbox

ASSIGNED, TAKEN, DIGEST, ANSWERED = "lead_assigned", "lead_taken", "daily_digest", "checkin_answered"


@dataclass(frozen=True)
class NoticeKind:
    label: str
    about: str


NOTICE_KINDS: dict[str, NoticeKind] = {
    ASSIGNED: NoticeKind("Een lead is aan mij toegewezen",
                         "Door de routering, een teamleider of als vervanger. Bij een import of het dagelijks verdelen "
                         "krijgt u één overzicht, niet een e-mail per lead."),
    TAKEN: NoticeKind("Een lead is bij mij weggehaald",
                      "Als een teamleider een lead van u aan een ander geeft, of als uw leads tijdens afwezigheid "
                      "naar een vervanger gaan."),
    ANSWERED: NoticeKind("Een check-in via de link vraagt aandacht",
                         "Als de werkgever, de jobcoach of de werknemer via de check-in-link twijfel of zorgen meldt, "
                         "of om contact vraagt, bij een plaatsing die u begeleidt."),
    DIGEST: NoticeKind("Dagelijks overzicht",
                       "Elke werkdag om 7.00 uur: uw volgende acties die vandaag of eerder moesten, check-ins die "
                       "moeten, en leads die bijna of al over de termijn voor eerste contact zijn. Alleen als er iets "
                       "in staat."),
}
DEFAULT_BASE_URL = "http://localhost:5000"
SUMMARY_LINES = 50  # a summary lists this many leads by name; the rest are in the queue


# --- preferences -----------------------------------------------------------------------------------------------

def preferences(user: User) -> dict[str, bool]:
    """Every notice kind with whether `user` wants it (on unless switched off)."""
    off = set(db.session.scalars(select(NoticePreference.kind).where(NoticePreference.user_id == user.id,
                                                                     NoticePreference.enabled.is_(False))))
    return {kind: kind not in off for kind in NOTICE_KINDS}


def set_preferences(user: User, choices: Mapping[str, bool]) -> None:
    """Switch notice kinds on or off for `user`; kinds not in `choices` stay as they are."""
    unknown = sorted(set(choices) - set(NOTICE_KINDS))
    if unknown:
        raise ValidationError(f"Onbekend soort melding: {', '.join(unknown)}.", {"kinds": "Onbekend soort melding."})
    rows = {row.kind: row for row in db.session.scalars(
        select(NoticePreference).where(NoticePreference.user_id == user.id))}
    for kind, enabled in choices.items():
        row = rows.get(kind)
        if row is None:
            db.session.add(NoticePreference(user_id=user.id, kind=kind, enabled=bool(enabled)))
        else:
            row.enabled = bool(enabled)
    db.session.flush()


def recipients(user_ids: Sequence[int], kind: str) -> dict[int, User]:
    """The users among `user_ids` who get notices of `kind`: active, and not switched off."""
    if not user_ids:
        return {}
    off = select(NoticePreference.user_id).where(NoticePreference.kind == kind, NoticePreference.enabled.is_(False))
    return {user.id: user for user in db.session.scalars(
        select(User).where(User.id.in_(set(user_ids)), User.active.is_(True), User.id.not_in(off)))}


# --- links and rendering ---------------------------------------------------------------------------------------

def base_url() -> str:
    """Where the links in a mail point: PUBLIC_BASE_URL, else the development address."""
    return (current_app.config.get("PUBLIC_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")


def link(endpoint: str, **values: Any) -> str:
    """An absolute link for a mail, on PUBLIC_BASE_URL (a mail is often made without a request)."""
    adapter = current_app.url_map.bind("localhost", script_name=current_app.config.get("APPLICATION_ROOT") or "/")
    return base_url() + adapter.build(endpoint, values)


def render(template: str, **context: Any) -> tuple[str, str]:
    """The plain text and the HTML of a mail, from templates/mail/<template>.txt and .html."""
    context = {"profile_url": link("account.profile"), "base_url": base_url(), **context}
    env = current_app.jinja_env
    return (env.get_template(f"mail/{template}.txt").render(context),
            env.get_template(f"mail/{template}.html").render(context))


# --- lead notices ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LeadNotice:
    """One lead in a notice: the key of its own mail, the lead, and what happened in a sentence."""

    key: str
    lead_id: int | None
    employer: str
    detail: str
    url: str
    reference: str | None = None  # what the mail is about (the outbox's reference); the lead when not given


_collecting: ContextVar[dict[tuple[int, str], list[LeadNotice]] | None] = ContextVar("mail_notices", default=None)
_silenced: ContextVar[bool] = ContextVar("mail_notices_silenced", default=False)


@contextmanager
def grouped() -> Iterator[None]:
    """Collect the lead notices made inside the block and queue them at its end: per user and kind one mail. A
    block inside another joins it; a block left by an exception queues nothing (its transaction rolls back)."""
    if _collecting.get() is not None:
        yield
        return
    collected: dict[tuple[int, str], list[LeadNotice]] = {}
    token = _collecting.set(collected)
    try:
        yield
    finally:
        _collecting.reset(token)
    _queue_all(collected)


@contextmanager
def silenced() -> Iterator[None]:
    """No lead notices for what happens inside the block (the demo region's made-up history)."""
    token = _silenced.set(True)
    try:
        yield
    finally:
        _silenced.reset(token)


def _notify(user_id: int, kind: str, notice: LeadNotice) -> None:
    if _silenced.get():
        return
    collected = _collecting.get()
    if collected is not None:
        collected.setdefault((user_id, kind), []).append(notice)
    else:
        _queue_all({(user_id, kind): [notice]})


SUBJECTS = {
    ASSIGNED: ("Lead aan u toegewezen: {employer}", "{count} leads aan u toegewezen"),
    TAKEN: ("Lead niet meer bij u: {employer}", "{count} leads niet meer bij u"),
    ANSWERED: ("Check-in vraagt aandacht: {employer}", "{count} check-ins vragen aandacht"),
}


def _queue_all(collected: Mapping[tuple[int, str], list[LeadNotice]]) -> None:
    for kind in NOTICE_KINDS:
        wanted = recipients([user_id for user_id, k in collected if k == kind], kind)
        for user_id in sorted(wanted):
            items = collected[(user_id, kind)]
            user = wanted[user_id]
            one, many = SUBJECTS[kind]
            if len(items) == 1:
                item = items[0]
                text, html = render(kind, user=user, item=item)
                outbox.queue([user.email], one.format(employer=item.employer), text, html, kind=kind, key=item.key,
                             reference=item.reference or f"lead:{item.lead_id}")
            else:
                text, html = render(f"{kind}_summary", user=user, items=items[:SUMMARY_LINES],
                                    more=max(len(items) - SUMMARY_LINES, 0), count=len(items),
                                    queue_url=link("leads.my_queue"))
                digest = hashlib.sha256("\n".join(sorted(i.key for i in items)).encode()).hexdigest()[:24]
                outbox.queue([user.email], many.format(count=len(items)), text, html, kind=kind,
                             key=f"{kind}:summary:{user_id}:{digest}")


def assignment_changed(assignment: LeadAssignment, *, previous_owner_id: int | None) -> None:
    """After an assignment: the new owner hears the lead is theirs, the previous owner that it is not any more
    (nobody is told about what they did themselves)."""
    lead, advisor = assignment.lead, assignment.advisor
    new_owner_id = advisor.id if advisor is not None else None
    if new_owner_id == previous_owner_id:
        return
    actor_id = assignment.actor.id if assignment.actor is not None else None
    employer, url = lead.employer.name, link("leads.detail", lead_id=lead.id)
    if new_owner_id is not None and new_owner_id != actor_id:
        _notify(new_owner_id, ASSIGNED, LeadNotice(f"lead-assigned:{assignment.id}", lead.id, employer,
                                                   assignment.reason, url))
    if previous_owner_id is not None and previous_owner_id != actor_id:
        now_with = f"De lead is nu van {advisor.name}." if advisor else "De lead wacht nu op een andere adviseur."
        _notify(previous_owner_id, TAKEN, LeadNotice(f"lead-taken:{assignment.id}", lead.id, employer,
                                                     f"{now_with} {assignment.reason}", url))


NAME_CHUNK = 5000  # lead ids per look-up of their employers' names


def leads_assigned(by_advisor: Mapping[int, Sequence[int]], *, key: str, why: str) -> None:
    """Bulk routing (route-waiting, an import): each advisor gets one mail about the leads they were given."""
    lead_ids = sorted({lead_id for ids in by_advisor.values() for lead_id in ids})
    if not lead_ids:
        return
    names: dict[int, str] = {}
    for start in range(0, len(lead_ids), NAME_CHUNK):  # an import routes 100,000 leads: stay under the bind limit
        names.update(db.session.execute(select(Lead.id, Employer.name).join(Employer, Employer.id == Lead.employer_id)
                                        .where(Lead.id.in_(lead_ids[start:start + NAME_CHUNK]))).all())
    with grouped():
        for advisor_id, ids in sorted(by_advisor.items()):
            for lead_id in sorted(ids):
                _notify(advisor_id, ASSIGNED, LeadNotice(f"{key}:{lead_id}", lead_id, names.get(lead_id, "–"), why,
                                                         link("leads.detail", lead_id=lead_id)))


def leads_imported(batch_id: int, *, since: datetime) -> None:
    """After an import: one mail per advisor about the leads the import routed to them (still theirs)."""
    rows = db.session.execute(
        select(LeadAssignment.advisor_id, LeadAssignment.lead_id).distinct()
        .join(Lead, Lead.id == LeadAssignment.lead_id)
        .where(LeadAssignment.lead_id.in_(select(Touchpoint.lead_id).where(Touchpoint.import_batch_id == batch_id)),
               LeadAssignment.kind == "route", LeadAssignment.at >= since,
               LeadAssignment.advisor_id == Lead.owner_id)
    ).all()
    by_advisor: dict[int, list[int]] = {}
    for advisor_id, lead_id in rows:
        by_advisor.setdefault(advisor_id, []).append(lead_id)
    leads_assigned(by_advisor, key=f"import-{batch_id}", why=f"Verdeeld door de routering bij import {batch_id}.")


def checkin_needs_attention(placement: Placement, *, key: str, who: str, what: str) -> None:
    """An answer by link that asks for the advisor: `who` (de werkgever, …) said `what` (in words, without the
    free text: that is about the employee and stays on the placement page)."""
    if placement.advisor_id is None:
        return
    _notify(placement.advisor_id, ANSWERED, LeadNotice(
        key, placement.lead_id, placement.employer.name, f"{who[:1].upper()}{who[1:]} {what}",
        link("placements.show_placement", placement_id=placement.id), reference=f"placement:{placement.id}"))
