"""People in an event report (Zoom, Teams): one per e-mail address, turned into registration records.

A report names people, not employers: a person's organisation, or the employer we already know for
their e-mail address, is the employer; without either the row is an error, never a guess.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from ....extensions import db
from ....models import Contact, Employer
from ...capture.intake import ContactInput, EmployerInput
from .base import Record, RowError, short_hash


@dataclass
class Person:
    """One person of a report, with the rows (joins) they appear on summed up."""

    email: str
    rows: list[int]
    values: dict[str, str]
    name: str = ""
    organization: str = ""
    job_title: str = ""
    phone: str = ""
    registered_at: datetime | None = None
    first_join: datetime | None = None
    attended: bool = False
    minutes: float = 0
    asked: bool = False
    answers: dict[str, str] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)


def _known_employers(emails: list[str]) -> dict[str, Employer]:
    """The employer of each e-mail address we already know as a contact (one query)."""
    if not emails:
        return {}
    rows = db.session.execute(
        select(Contact.email, Employer).join(Employer, Contact.employer_id == Employer.id)
        .where(Contact.email.in_(emails)).order_by(Contact.id)
    ).all()
    known: dict[str, Employer] = {}
    for email, employer in rows:
        known.setdefault(email, employer)
    return known


def _person_key(source: str, event_ref: str, email: str, kind: str) -> str:
    """`zoom:<webinar id>:<email>:<kind>`; a very long address is hashed so the key fits the column."""
    key = f"{source}:{event_ref}:{email}:{kind}"
    return key if len(key) <= 120 else f"{source}:{event_ref}:h{short_hash(email)[:24]}:{kind}"


def person_records(people: list[Person], event_ref: str, *, source: str, kinds: tuple[str, ...],
                   attendance_report: bool, org_column: str | None, columns: dict[str, str]) -> Iterator[Record]:
    """Registration and/or attendance records per person, through capture.events.record_registration."""
    known = _known_employers([p.email for p in people if not p.errors])
    for person in people:
        record_columns = {
            "contact.email": columns.get("email", "Email"), "employer.name": org_column or "Organisatie",
            "contact.phone": columns.get("phone", "Phone"), "contact.name": columns.get("name", "Name"),
            "contact.function": columns.get("job_title", "Job Title"), "contact": columns.get("email", "Email"),
            "message": ", ".join(person.answers) or "message",
        }
        label = " · ".join(filter(None, (person.organization or "(geen organisatie)", person.name or person.email)))
        base = {"row": person.rows[0], "rows": tuple(person.rows), "values": person.values, "columns": record_columns,
                "label": label}
        if person.errors:
            yield Record(**base, errors=person.errors)
            continue
        employer = EmployerInput(name=person.organization)
        if not person.organization and person.email in known:
            # A known contact: the employer we already have for this address, not a guess from the name.
            found = known[person.email]
            employer = EmployerInput(name=found.name, kvk=found.kvk, postcode=found.postcode)
            base["label"] = f"{found.name} · {person.name or person.email}"
        elif not person.organization:
            why = ("Organisatie ontbreekt en dit e-mailadres is nog niet bekend; vul de organisatie in." if org_column
                   else "Dit e-mailadres is nog niet bekend en het rapport noemt geen organisatie, dus de werkgever "
                        "is niet te bepalen. Leg deze deelnemer met zijn werkgever vast via een eigen lijst.")
            yield Record(**base, errors=[RowError(person.rows[0], org_column or record_columns["contact.email"], why)])
            continue
        contact = ContactInput(name=person.name, function=person.job_title, email=person.email,
                               phone=person.phone or None)
        message = "\n".join(f"{question}: {answer}" for question, answer in person.answers.items()) or None
        common = {"employer": employer, "contact": contact, "asked_for_contact": person.asked, "message": message}
        if "registration" in kinds and (person.registered_at is not None or not person.attended):
            yield Record(**base, key=_person_key(source, event_ref, person.email, "registration"), registration={
                **common, "registered_at": person.registered_at, "kind": "livestream_registration",
                "attended": False if attendance_report and not person.attended else None, "minutes_watched": None,
            })
        if "attendance" in kinds and person.attended:
            yield Record(**base, key=_person_key(source, event_ref, person.email, "attendance"), registration={
                **common, "registered_at": person.first_join, "kind": "livestream_attendance", "attended": True,
                "minutes_watched": int(person.minutes),
            })
