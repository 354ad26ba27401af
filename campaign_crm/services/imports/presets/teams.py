"""Microsoft Teams attendance reports: a summary, the participants and their activities, as sections.

Organisers and presenters are left out; a participant who joined twice is one person with the
minutes summed.
"""
from __future__ import annotations

import re
from datetime import datetime

from ... import normalise
from ...errors import ValidationError
from .. import fields as F
from ..readers import DMY, MDY, DateColumn, FileError, Grid, Table, form
from .base import EventSpec, ImportOptions, ParsedFile, RowError, clean_text, optional_columns, short_hash
from .people import Person, person_records

TEAMS_DATES = (
    form(r"^\d{1,2}/\d{1,2}/\d{2,4},? \d{1,2}:\d{2}(?::\d{2})? ?[AaPp][Mm]$", MDY, "M/D/JJ, U:MM:SS AM"),
    form(r"^\d{1,2}-\d{1,2}-\d{4},? \d{1,2}:\d{2}(?::\d{2})?$", DMY, "D-M-JJJJ UU:MM:SS"),
)
TEAMS_SUMMARY = {"title": ("meetingtitle", "titelvandevergadering", "vergadertitel", "titel"),
                 "start": ("starttime", "begintijd", "starttijd"), "end": ("endtime", "eindtijd")}
TEAMS_PEOPLE = {
    "name": ("name", "naam"), "first_join": ("firstjoin", "eerstedeelname", "eerstekeerdeelgenomen"),
    "duration": ("inmeetingduration", "duurindevergadering", "duur", "duration"),
    "email": ("email", "emailadres"), "upn": ("participantidupn", "deelnemeridupn", "participantid"),
    "role": ("role", "rol"), "organization": ("company", "organization", "organisation", "organisatie", "bedrijf",
                                               "companyname"),
    "job_title": ("jobtitle", "functie"), "join_time": ("jointime", "deelnametijd"),
}
TEAMS_STAFF_ROLES = {"organizer", "organiser", "co-organizer", "presenter", "organisator", "mede-organisator",
                     "presentator"}


def minutes_from_duration(raw: str) -> float:
    """Minutes in a Teams duration such as `1h 27m 51s`, `27m 5s` or `45s` (Dutch `u` for hours too)."""
    value = raw.strip().lower()
    match = re.fullmatch(r"(?:(\d+)\s*[hu]\s*)?(?:(\d+)\s*m(?:in)?\s*)?(?:(\d+)\s*s\s*)?", value)
    if not value or not match:
        clock = re.fullmatch(r"(\d+):(\d{2}):(\d{2})", value)
        if clock:
            return int(clock.group(1)) * 60 + int(clock.group(2)) + int(clock.group(3)) / 60
        raise ValueError(f"Duur {raw!r} is niet te lezen (verwacht zoiets als 1h 27m 51s).")
    hours, minutes, seconds = (int(g or 0) for g in match.groups())
    return hours * 60 + minutes + seconds / 60


def parse_teams(grid: Grid, options: ImportOptions) -> ParsedFile:
    """Microsoft Teams attendance report: tab-separated sections, durations like `1h 27m 51s`."""
    sections = _teams_sections(grid)
    summary = _teams_summary(grid, sections)
    title = summary["title"]
    header = next((n for n in range(sections[2] + 1, grid.height + 1) if any(c.strip() for c in grid.row(n))), None)
    if header is None:
        raise FileError("De sectie '2. Participants' is leeg.", {"file": "Geen deelnemers."})
    end = min([n for s, n in sections.items() if n > header] + [grid.height + 1])
    table = grid.table(header, end)
    cols = optional_columns(table, TEAMS_PEOPLE)
    if "email" not in cols and "upn" not in cols:
        raise FileError("In de deelnemerslijst van dit Teams-rapport staat geen kolom Email.", {"file": "Geen e-mail."})
    dates = DateColumn([summary["start"], summary["end"], *table.values(cols.get("first_join", ""))], TEAMS_DATES)
    try:
        starts_at, ends_at = dates.parse(summary["start"]), dates.parse(summary["end"])
    except ValueError as exc:
        raise FileError(f"Begin- of eindtijd van de vergadering: {exc}", {"file": "Tijd onleesbaar."}) from None
    if not title or starts_at is None:
        raise FileError("In de samenvatting van het Teams-rapport ontbreken de titel of de begintijd.",
                        {"file": "Geen titel of begintijd."})
    ref = "teams:" + short_hash(title.casefold(), starts_at.isoformat())[:20]

    people, staff = _teams_people(table, cols, dates, starts_at)
    notes = [f"{staff} organisator(en) of presentator(en) niet ingelezen."] if staff else []
    records = person_records(
        people, ref.removeprefix("teams:"), source="teams", kinds=("attendance",), attendance_report=True,
        org_column=cols.get("organization"),
        columns={"email": cols.get("email") or cols.get("upn", "Email"), "name": cols.get("name", "Name"),
                 "job_title": cols.get("job_title", "Job title"), "phone": "Phone"},
    )
    return ParsedFile("teams-attendance", len(table) - staff, table.columns, records, grid.format_label, notes=notes,
                      event=EventSpec(ref=ref, title=title, starts_at=starts_at, ends_at=ends_at, kind="meeting",
                                      match_title=True))


def _teams_sections(grid: Grid) -> dict[int, int]:
    """Section number → title row: `1. Summary`, `2. Participants`, `3. In-Meeting Activities` (or Dutch)."""
    sections = {}
    for number in range(1, grid.height + 1):
        cells = [c.strip() for c in grid.row(number)]
        if len(cells) == 1 and (match := re.match(r"^(\d)\.\s*\S", cells[0])):
            sections.setdefault(int(match.group(1)), number)
    if 2 not in sections:
        raise FileError(
            "Dit lijkt geen Teams-aanwezigheidsrapport: de sectie '2. Participants' (Deelnemers) ontbreekt.",
            {"file": "Geen Teams-rapport."})
    return sections


def _teams_summary(grid: Grid, sections: dict[int, int]) -> dict[str, str]:
    """The meeting's title, start and end time from the summary section ("" when not given)."""
    summary: dict[str, str] = {}
    for number in range(sections.get(1, 0) + 1, sections[2]):
        cells = grid.row(number)
        if len(cells) >= 2:
            summary[F.header_key(cells[0])] = cells[1].strip()
    return {name: next((summary[k] for k in keys if summary.get(k)), "") for name, keys in TEAMS_SUMMARY.items()}


def _teams_people(table: Table, cols: dict[str, str], dates: DateColumn,
                  starts_at: datetime) -> tuple[list[Person], int]:
    """The participants, one per e-mail address, and how many organisers and presenters were left out."""
    people: dict[str, Person] = {}
    staff = 0
    for number, row in table.rows():
        if row.get(cols.get("role", ""), "").strip().lower() in TEAMS_STAFF_ROLES:
            staff += 1
            continue
        person = _teams_person(number, row, cols, dates, starts_at)
        earlier = people.get(person.email) if person.email else None
        if earlier is not None and not person.errors:
            earlier.rows.append(number)
            earlier.minutes += person.minutes
            earlier.first_join = min(filter(None, (earlier.first_join, person.first_join)))
        else:
            people[person.email or f"#{number}"] = person
    return list(people.values()), staff


def _teams_person(number: int, row: dict[str, str], cols: dict[str, str], dates: DateColumn,
                  starts_at: datetime) -> Person:
    """One participant row: e-mail (or UPN), name without "(guest)", minutes and first join."""
    raw_email = row.get(cols.get("email", ""), "").strip() or row.get(cols.get("upn", ""), "").strip()
    column = cols.get("email") or cols["upn"]
    name = re.sub(r"\((?:gast|guest|extern|external)\)", "", row.get(cols.get("name", ""), ""), flags=re.IGNORECASE)
    person = Person(email="", rows=[number], values=row, name=clean_text(name),
                    organization=clean_text(row.get(cols.get("organization", ""), "")),
                    job_title=clean_text(row.get(cols.get("job_title", ""), "")), attended=True)
    try:
        person.email = normalise.email(raw_email, "email") if raw_email else ""
    except ValidationError:
        person.errors.append(RowError(number, column, f"E-mailadres {raw_email!r} is ongeldig."))
    if not raw_email:
        person.errors.append(RowError(number, column,
                                      "Geen e-mailadres: deze deelnemer kan niet worden vastgelegd."))
    try:
        person.minutes = minutes_from_duration(row.get(cols.get("duration", ""), "") or "0s")
    except ValueError as exc:
        person.errors.append(RowError(number, cols.get("duration", "In-Meeting Duration"), str(exc)))
    try:
        person.first_join = dates.parse(row.get(cols.get("first_join", ""), "")) or starts_at
    except ValueError as exc:
        person.errors.append(RowError(number, cols["first_join"], str(exc)))
    return person
