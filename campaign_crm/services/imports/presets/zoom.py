"""Zoom webinar reports: the Registration Report and the Attendee Report.

A report opens with the webinar's metadata (topic, webinar ID, start time) and then lists people in
sections; a person who joined several times is one person with the minutes summed.
"""
from __future__ import annotations

import re

from ... import normalise
from ...errors import ValidationError
from .. import fields as F
from ..readers import MDY, DateColumn, FileError, Grid, Table, form
from .base import YES, EventSpec, ImportOptions, ParsedFile, RowError, clean_text, optional_columns
from .people import Person, person_records

ZOOM_DATES = (
    form(r"^\d{2}/\d{2}/\d{4} \d{1,2}:\d{2}(?::\d{2})?(?: ?[AaPp][Mm])?$", MDY, "MM/DD/JJJJ UU:MM"),
)
ZOOM_PEOPLE = {
    "email": ("email", "emailaddress"), "first_name": ("firstname",), "last_name": ("lastname",),
    "user_name": ("usernameoriginalname", "username", "name"), "organization": ("organization", "organisation",
                                                                                 "company", "organisatie", "bedrijf"),
    "job_title": ("jobtitle", "functie"), "phone": ("phone", "telefoon"), "registration_time": ("registrationtime",),
    "attended": ("attended",), "join_time": ("jointime",), "minutes": ("timeinsessionminutes", "timeinsession"),
    "approval": ("approvalstatus",),
}
ZOOM_KNOWN = {s for synonyms in ZOOM_PEOPLE.values() for s in synonyms} | {
    "leavetime", "isguest", "countryregionname", "country", "city", "zipcode", "state", "address", "industry",
    "purchasingtimeframe", "roleinpurchaseprocess", "noofemployees", "questionscomments", "sourcename",
    "attendeetype", "unsubscribed",
}
CONTACT_QUESTION = re.compile(r"gebeld|bellen|terugbel|contact", re.IGNORECASE)
SECTION_TITLES = ("host details", "panelist details", "attendee details", "registrant details", "registrants details",
                  "other attended", "registrant report", "attendee report", "registration report")


def parse_zoom_registrations(grid: Grid, options: ImportOptions) -> ParsedFile:
    """Zoom webinar registration report: one registration per e-mail address."""
    return _parse_zoom(grid, options, preset="zoom-registrations", registrations_only=True)


def parse_zoom_attendees(grid: Grid, options: ImportOptions) -> ParsedFile:
    """Zoom webinar attendee report: one row per join, minutes summed per e-mail.

    `--` is a registrant who stayed away.
    """
    return _parse_zoom(grid, options, preset="zoom-attendees", registrations_only=False)


def _parse_zoom(grid: Grid, options: ImportOptions, *, preset: str, registrations_only: bool) -> ParsedFile:
    meta_row, meta = _zoom_meta(grid)
    webinar_id = re.sub(r"\D", "", meta.get("webinarid") or meta.get("meetingid") or "")
    if not webinar_id:
        raise FileError(f"Rij {meta_row + 1}: het webinar-ID ontbreekt.", {"file": "Geen webinar-ID."})
    topic = meta.get("topic", "").strip() or f"Zoom-webinar {webinar_id}"
    start_raw = meta.get("actualstarttime") or meta.get("scheduledtime") or meta.get("starttime") or ""
    needs = ("email", "registration_time") if registrations_only else ("email", "join_time")
    titles = ("registrant details", "registrants details") if registrations_only else ("attendee details",)
    header, end = _zoom_section(grid, meta_row + 2, titles, needs)
    table = grid.table(header, end)
    cols = optional_columns(table, ZOOM_PEOPLE)
    date_values = [start_raw, *(v for key in ("registration_time", "join_time") if key in cols
                                for v in table.values(cols[key]))]
    dates = DateColumn(date_values, ZOOM_DATES)
    try:
        starts_at = dates.parse(start_raw)
    except ValueError as exc:
        raise FileError(f"Rij {meta_row + 1}: starttijd van het webinar: {exc}",
                        {"file": "Starttijd onleesbaar."}) from None
    if starts_at is None:
        raise FileError(f"Rij {meta_row + 1}: de starttijd van het webinar ontbreekt.", {"file": "Geen starttijd."})
    people = _group_people(table, cols, dates, registrations_only=registrations_only)
    columns = {"email": cols.get("email", "Email"), "phone": cols.get("phone", "Phone"),
               "name": cols.get("first_name") or cols.get("user_name") or "Name",
               "job_title": cols.get("job_title", "Job Title")}
    records = person_records(
        people, webinar_id, source="zoom",
        kinds=("registration",) if registrations_only else ("registration", "attendance"),
        attendance_report=not registrations_only, org_column=cols.get("organization", "Organization"), columns=columns,
    )
    return ParsedFile(preset, len(table), table.columns, records, grid.format_label,
                      event=EventSpec(ref=webinar_id, title=topic, starts_at=starts_at, kind="livestream"))


def _zoom_meta(grid: Grid) -> tuple[int, dict[str, str]]:
    """The row number and values of the metadata header (Topic, Webinar ID, start time)."""
    for number in range(1, min(grid.height, 40) + 1):
        cells = grid.row(number)
        keys = [F.header_key(c) for c in cells]
        if "webinarid" in keys or "meetingid" in keys:
            values = grid.row(number + 1) if number < grid.height else []
            return number, {k: (values[i].strip() if i < len(values) else "") for i, k in enumerate(keys)}
    raise FileError("Geen webinar-ID gevonden: is dit een Zoom-webinarrapport (Attendee of Registration Report)?",
                    {"file": "Geen Zoom-rapport."})


def _zoom_section(grid: Grid, start: int, titles: tuple[str, ...], needs: tuple[str, ...]) -> tuple[int, int]:
    """(header row, end row) of the people section: after a title in `titles`, or the first header with `needs`."""
    candidates = []
    for number in range(start, grid.height + 1):
        cells = [c.strip() for c in grid.row(number)]
        if len(cells) == 1 and cells[0].lower() in titles:
            header = next((n for n in range(number + 1, grid.height + 1) if any(grid.row(n))), None)
            if header:
                candidates.insert(0, header)
        keys = {F.header_key(c) for c in cells}
        if all(any(s in keys for s in ZOOM_PEOPLE[n]) for n in needs) and number not in candidates:
            previous = [c.strip().lower() for c in grid.row(number - 1)] if number > 1 else []
            if not (len(previous) == 1 and previous[0] in ("host details", "panelist details")):
                candidates.append(number)
    if not candidates:
        raise FileError("In dit Zoom-rapport staat geen lijst met deelnemers of aanmeldingen.",
                        {"file": "Geen deelnemers."})
    header = candidates[0]
    end = header + 1
    while end <= grid.height and any(c.strip() for c in grid.row(end)):
        end += 1
    return header, end


# --- one person per e-mail address -----------------------------------------------------------------

def _group_people(table: Table, cols: dict[str, str], dates: DateColumn, *, registrations_only: bool) -> list[Person]:
    """One person per e-mail address: joins summed, the first registration and join kept."""
    people: dict[str, Person] = {}
    questions = [c for c in table.columns if F.header_key(c) not in ZOOM_KNOWN and c not in cols.values()]
    for number, row in table.rows():
        email, email_errors = _email(number, row, cols)
        person = people.get(email) if email else None
        if person is None:
            person = Person(email=email, rows=[], values=row)
            people[email or f"#{number}"] = person
        person.rows.append(number)
        person.errors += email_errors
        _add_details(person, row, cols, questions)
        _add_times(person, number, row, cols, dates)
        if not registrations_only:
            _add_attendance(person, number, row, cols)
    return list(people.values())


def _email(number: int, row: dict[str, str], cols: dict[str, str]) -> tuple[str, list[RowError]]:
    """The row's e-mail address, normalised, or "" and why it cannot be used."""
    raw_email = row.get(cols.get("email", ""), "").strip()
    if not raw_email:
        return "", [RowError(number, cols.get("email", "Email"),
                             "Geen e-mailadres: een aanmelding zonder e-mail kan niet worden vastgelegd.")]
    try:
        return normalise.email(raw_email, "email"), []
    except ValidationError:
        return "", [RowError(number, cols["email"], f"E-mailadres {raw_email!r} is ongeldig.")]


def _add_details(person: Person, row: dict[str, str], cols: dict[str, str], questions: list[str]) -> None:
    """Name, organisation, job title and phone as first given; the answers to the webinar's own questions."""
    name = clean_text(f"{row.get(cols.get('first_name', ''), '')} {row.get(cols.get('last_name', ''), '')}")
    if not name and "user_name" in cols:
        name = re.sub(r"\s*\(.*\)$", "", clean_text(row[cols["user_name"]]))
    person.name = person.name or name
    person.organization = person.organization or clean_text(row.get(cols.get("organization", ""), ""))
    person.job_title = person.job_title or clean_text(row.get(cols.get("job_title", ""), ""))
    person.phone = person.phone or clean_text(row.get(cols.get("phone", ""), ""))
    for question in questions:
        answer = clean_text(row.get(question))
        if not answer:
            continue
        if CONTACT_QUESTION.search(question):
            person.asked = person.asked or answer.lower() in YES
        else:
            person.answers.setdefault(question, answer)


def _add_times(person: Person, number: int, row: dict[str, str], cols: dict[str, str], dates: DateColumn) -> None:
    """The earliest registration and join time over the person's rows (`--`: none)."""
    for name, column in (("registration_time", cols.get("registration_time")), ("join_time", cols.get("join_time"))):
        if not column or row[column].strip() in ("", "--"):
            continue
        try:
            moment = dates.parse(row[column])
        except ValueError as exc:
            person.errors.append(RowError(number, column, str(exc)))
            continue
        if name == "registration_time":
            person.registered_at = min(filter(None, (person.registered_at, moment)))
        else:
            person.first_join = min(filter(None, (person.first_join, moment)))


def _add_attendance(person: Person, number: int, row: dict[str, str], cols: dict[str, str]) -> None:
    """Attended, and the minutes of this join added (`--`: a registrant who stayed away)."""
    attended = row.get(cols.get("attended", ""), "").strip().lower() in YES
    minutes = row.get(cols.get("minutes", ""), "").strip()
    if attended or (minutes and minutes != "--"):
        try:
            person.minutes += float(minutes.replace(",", ".")) if minutes and minutes != "--" else 0
            person.attended = True
        except ValueError:
            person.errors.append(RowError(number, cols["minutes"], f"Aantal minuten {minutes!r} is geen getal."))
