"""The export formats a campaign team brings, each turned into records for the one intake.

A preset reads a Grid (every cell as text) and yields Records: one touchpoint for the intake, or one
event registration/attendance for services/events.record_registration. Rows it cannot read are
records with errors (row, column, reason), never guesses.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from ...extensions import db
from ...models import AdCode, Channel, Contact, Employer
from .. import normalise
from ..campaigns import ad_codes
from ..capture.intake import ContactInput, EmployerInput, TouchpointInput
from ..errors import ValidationError
from . import fields as F
from .readers import (
    DMY,
    MDY,
    DateColumn,
    FileError,
    Grid,
    Table,
    excel_damaged_kvk,
    excel_damaged_vestigingsnummer,
    excel_scientific,
    form,
)

YES = {"ja", "yes", "j", "y", "true", "waar", "1"}
# Columns of our own error file: ignored when a corrected error file is imported again.
ERROR_FILE_COLUMNS = ("Rij", "Kolom", "Reden")


@dataclass
class ImportOptions:
    """What the user chose besides the file: defaults for rows that do not say."""

    preset: str
    campaign: str | None = None
    phase: str | None = None
    channel: str | None = None
    mapping: dict[str, str] | None = None  # generic preset: field → column


def key_source(key: str | None) -> str | None:
    """The source of an import key: the platform it starts with (meta, linkedin, zoom, teams, generic)."""
    return key.partition(":")[0] if key else None


@dataclass
class RowError:
    row: int
    column: str
    message: str


@dataclass
class Record:
    """One thing to record, from one file row (or several joins of one person)."""

    row: int
    values: dict[str, str]
    label: str = ""
    rows: tuple[int, ...] = ()
    key: str | None = None  # the idempotency key, stored as the touchpoint's external_id
    touchpoint: TouchpointInput | None = None
    registration: dict | None = None  # keyword arguments for events.record_registration
    columns: dict[str, str] = field(default_factory=dict)  # intake field → file column(s)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)  # dropped values; the row is still recorded

    def __post_init__(self) -> None:
        self.rows = self.rows or (self.row,)

    @property
    def source(self) -> str | None:
        """The platform the key starts with ("meta:…" → "meta"): the source its id is unique within."""
        return key_source(self.key)

    def error(self, column: str, message: str) -> None:
        self.errors.append(RowError(self.row, column, message))

    def warn(self, column: str, message: str) -> None:
        """A value of this row that was dropped; the row itself is recorded."""
        self.warnings.append(RowError(self.row, column, message))

    def column_for(self, intake_field: str) -> str:
        if intake_field in self.columns:
            return self.columns[intake_field]
        prefix = intake_field.split(".")[0]
        return self.columns.get(prefix, intake_field)


@dataclass
class EventSpec:
    """The livestream or meeting a report is about: found by its reference or made from these facts."""

    ref: str
    title: str
    starts_at: datetime
    kind: str = "livestream"
    ends_at: datetime | None = None
    match_title: bool = False  # also accept an existing event with this title on the same day


@dataclass
class ParsedFile:
    preset: str
    rows: int
    columns: list[str]
    records: Iterator[Record]
    format_label: str
    notes: list[str] = field(default_factory=list)
    event: EventSpec | None = None


def short_hash(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:40]


def _text(value: str | None) -> str:
    """Runs of whitespace as one space, trimmed (str.split splits on what `\\s` matches, and faster)."""
    return " ".join(value.split()) if value else ""


# --- turning a row into a touchpoint ---------------------------------------------------------------

# Intake field names per mapped field, so the intake's errors point at the right column.
INTAKE_FIELDS = {
    "employer_name": "employer.name", "kvk": "employer.kvk", "vestigingsnummer": "employer.vestigingsnummer",
    "postcode": "employer.postcode", "municipality": "employer.municipality", "sbi": "employer.sbi",
    "sector": "employer.sector", "size": "employer.size", "website": "employer.website",
    "contact_name": "contact.name", "function": "contact.function", "email": "contact.email",
    "phone": "contact.phone", "channel": "channel", "occurred_at": "occurred_at", "interests": "interests",
    "how_heard": "how_heard", "ad_code": "ad_code",
}


class LeadRows:
    """Builds a TouchpointInput from a row through a field → column mapping, with the Excel checks."""

    def __init__(self, table: Table, mapping: dict[str, str], options: ImportOptions, *, default_channel: str | None,
                 date_forms=(), extra_columns: tuple[str, ...] = ()) -> None:
        self.mapping = {f: c for f, c in mapping.items() if c}
        self.options = options
        self.default_channel = default_channel
        self.extra_columns = extra_columns
        date_column = self.mapping.get("occurred_at")
        self.dates = DateColumn(table.values(date_column), date_forms) if date_column else None
        self.words = F.interest_words()
        self.channels = {}
        for code, name in db.session.execute(select(Channel.code, Channel.name)):
            self.channels[F.header_key(code)] = code
            self.channels.setdefault(F.header_key(name), code)
        self.has_ad_codes = bool(db.session.scalar(select(func.count()).select_from(AdCode).where(AdCode.active.is_(True))))

    def get(self, row: dict[str, str], name: str) -> str:
        column = self.mapping.get(name)
        return _text(row.get(column)) if column else ""

    def _drop_damaged(self, record: Record, name: str, value: str, check: Callable[[str], str | None]) -> str:
        """`value`, or "" with a warning when Excel damaged it (unless it looks like a BSN)."""
        message = check(value) if value else None
        if message is None:
            return value
        try:
            normalise.refuse_bsn(value, name)
        except ValidationError:
            return value
        record.warn(self.mapping[name], f"{message} De waarde is weggelaten; de rij is wel ingelezen.")
        return ""

    def build(self, number: int, row: dict[str, str], *, key: str | None, channel: str | None = None,
              occurred_at: datetime | None = None, utm: dict[str, str] | None = None,
              record_errors: list[tuple[str, str]] = ()) -> Record:
        get = lambda name: self.get(row, name)
        record = Record(row=number, values=row, key=key)
        record.columns = {INTAKE_FIELDS[f]: c for f, c in self.mapping.items() if f in INTAKE_FIELDS}
        for column, message in record_errors:
            record.error(column, message)

        kvk, vestiging, phone = get("kvk"), get("vestigingsnummer"), get("phone")
        # An optional number Excel damaged is dropped with a warning rather than losing the lead (a BSN-like
        # one is left for the intake, which refuses the row); a damaged phone costs the row only without an e-mail.
        kvk = self._drop_damaged(record, "kvk", kvk, excel_damaged_kvk)
        vestiging = self._drop_damaged(record, "vestigingsnummer", vestiging, excel_damaged_vestigingsnummer)
        if phone and (message := excel_scientific(phone)):
            if get("email"):
                record.warn(self.mapping["phone"], f"{message} Het telefoonnummer is weggelaten.")
                phone = ""
            else:
                record.error(self.mapping["phone"], message)

        if occurred_at is None and self.dates is not None:
            try:
                occurred_at = self.dates.parse(get("occurred_at"))
            except ValueError as exc:
                record.error(self.mapping["occurred_at"], str(exc))

        sector, sbi = get("sector"), get("sbi")
        if sector and re.fullmatch(r"[\d.\s]+", sector) and not sbi:
            sector, sbi = "", sector  # "52.10" in a sector column is an SBI code

        municipality = get("municipality") or get("city")
        if not get("municipality") and get("city"):
            record.columns["employer.municipality"] = self.mapping["city"]

        contact_name = get("contact_name") or _text(f"{get('first_name')} {get('last_name')}")
        if not get("contact_name") and (self.mapping.get("first_name") or self.mapping.get("last_name")):
            parts = (self.mapping.get("first_name"), self.mapping.get("last_name"))
            record.columns["contact.name"] = ", ".join(filter(None, parts))

        interests, rest = F.split_interests(get("interests"), self.words)
        message_columns = [c for c in (self.mapping.get("interests") if rest else None, self.mapping.get("message")) if c]
        lines = [rest, (row.get(self.mapping["message"]) or "").strip() if "message" in self.mapping else ""]
        for column in self.extra_columns:
            value = _text(row.get(column))
            if value:
                lines.append(f"{column}: {value}")
                message_columns.append(column)
        message = "\n".join(line for line in lines if line) or None
        record.columns["message"] = ", ".join(message_columns) or "message"

        channel_value = self.options.channel or channel or get("channel") or self.default_channel
        if channel_value and not self.options.channel and not channel:
            channel_value = self.channels.get(F.header_key(channel_value), channel_value)

        ad_code = get("ad_code") or None
        if not ad_code and message and self.has_ad_codes:
            found = ad_codes.find_in_text(message)  # "code VB-LOG-06" in a remark
            if found is not None:
                ad_code = found.code
                record.columns["ad_code"] = record.columns["message"]
        utm = dict(utm or {})
        for part in ("source", "medium", "campaign", "content", "term"):
            if get(f"utm_{part}"):
                utm[part] = get(f"utm_{part}")
                record.columns[f"utm.{part}"] = self.mapping[f"utm_{part}"]

        email_column, phone_column = self.mapping.get("email"), self.mapping.get("phone")
        record.columns["contact"] = " / ".join(filter(None, (email_column, phone_column))) or "contact"
        record.columns.setdefault("employer.name", "bedrijfsnaam")
        record.touchpoint = TouchpointInput(
            employer=EmployerInput(
                name=get("employer_name"), kvk=kvk or None, vestigingsnummer=vestiging or None,
                municipality=municipality or None, sector=sector or None, sbi=sbi or None, size=get("size") or None,
                postcode=get("postcode") or None, website=get("website") or None,
            ),
            contact=ContactInput(name=contact_name, function=get("function"), email=get("email") or None,
                                 phone=phone or None),
            kind="import", campaign=self.options.campaign, channel=channel_value or None, phase=self.options.phase,
            utm=utm, interests=interests, message=message, how_heard=get("how_heard") or None,
            occurred_at=occurred_at, external_id=key, external_source=key_source(key), ad_code=ad_code,
        )
        record.label = " · ".join(filter(None, (get("employer_name") or "(geen bedrijfsnaam)", contact_name or get("email"))))
        return record


def _first_row(grid: Grid) -> int:
    """The first non-empty row: the header of a plain table."""
    for number in range(1, grid.height + 1):
        if any(c.strip() for c in grid.row(number)):
            return number
    raise FileError("Het bestand is leeg.", {"file": "Geen rijen."})


def _require(table: Table, columns: dict[str, tuple[str, ...]], source: str) -> dict[str, str]:
    """The file's column for each required name (by synonym); a FileError naming the missing ones."""
    by_key = {F.header_key(c): c for c in table.columns}
    found, missing = {}, []
    for name, synonyms in columns.items():
        column = next((by_key[s] for s in synonyms if s in by_key), None)
        if column is None:
            missing.append(synonyms[0])
        else:
            found[name] = column
    if missing:
        raise FileError(
            f"Dit lijkt geen {source}-bestand: de kolom(men) {', '.join(missing)} ontbreken. "
            f"Gevonden kolommen: {', '.join(table.columns[:12])}.",
            {"file": "Kolommen ontbreken."},
        )
    return found


def _optional_columns(table: Table, columns: dict[str, tuple[str, ...]]) -> dict[str, str]:
    by_key = {F.header_key(c): c for c in table.columns}
    found = {}
    for name, synonyms in columns.items():
        column = next((by_key[s] for s in synonyms if s in by_key), None)
        if column:
            found[name] = column
    return found


def _lead_id(value: str, prefix: str) -> tuple[str | None, str | None]:
    """(digits, error) for an export's lead id like `l:1200…` or `7503…`; Excel damage is an error."""
    raw = value.strip()
    if not raw:
        return None, None
    if message := excel_scientific(raw):
        return None, message
    digits = re.sub(rf"^{prefix}", "", raw, flags=re.IGNORECASE) if prefix else raw
    if not re.fullmatch(r"[0-9A-Za-z_-]{1,100}", digits):
        return None, f"Id {raw!r} is niet te lezen."
    return digits, None


# --- Meta lead ads ---------------------------------------------------------------------------------

META_STANDARD = ("id", "created_time", "ad_id", "ad_name", "adset_id", "adset_name", "campaign_id", "campaign_name",
                 "form_id", "form_name", "is_organic", "platform")
META_PLATFORMS = {"fb": "facebook", "facebook": "facebook", "ig": "instagram", "instagram": "instagram",
                  "msg": "facebook", "messenger": "facebook", "an": "facebook"}


def parse_meta(grid: Grid, options: ImportOptions) -> ParsedFile:
    """Meta lead ads: tab-separated (often UTF-16), ids `l:…`, phones `p:+31…`, platform fb/ig, ISO times."""
    table = grid.table(_first_row(grid))
    found = _require(table, {"id": ("id",), "created_time": ("createdtime",)}, "Meta-leadformulier")
    standard = {F.header_key(c) for c in META_STANDARD}
    questions = [c for c in table.columns if F.header_key(c) not in standard and c not in ERROR_FILE_COLUMNS]
    mapping = F.suggest_mapping(questions)
    extra = tuple(c for c in questions if c not in mapping.values())
    optional = _optional_columns(table, {"platform": ("platform",), "campaign_name": ("campaignname",),
                                         "ad_name": ("adname",)})
    builder = LeadRows(table, mapping, options, default_channel="facebook", extra_columns=extra)
    dates = DateColumn(table.values(found["created_time"]))

    def records() -> Iterator[Record]:
        for number, row in table.rows():
            errors = []
            lead_id, problem = _lead_id(row[found["id"]], "l:")
            if problem:
                errors.append((found["id"], problem))
            try:
                occurred_at = dates.parse(row[found["created_time"]])
            except ValueError as exc:
                occurred_at = None
                errors.append((found["created_time"], str(exc)))
            platform = row.get(optional.get("platform", ""), "").strip().lower()
            utm = {"source": META_PLATFORMS.get(platform, "facebook")}
            for part, name in (("campaign", "campaign_name"), ("content", "ad_name")):
                if _text(row.get(optional.get(name, ""))):
                    utm[part] = _text(row.get(optional[name]))[:200]
            key = f"meta:{lead_id}" if lead_id else (None if problem else f"meta:h:{short_hash(*row.values())}")
            record = builder.build(number, row, key=key, channel=META_PLATFORMS.get(platform),
                                   occurred_at=occurred_at, utm=utm, record_errors=errors)
            record.columns["occurred_at"] = found["created_time"]
            yield record

    return ParsedFile("meta-lead-ads", len(table), table.columns, records(), grid.format_label)


# --- LinkedIn lead gen forms -----------------------------------------------------------------------

LINKEDIN_STANDARD = ("First name", "Last name", "Email address", "Company name", "Job title", "Country/Region",
                     "Phone number", "created_date", "created_time", "lead_id", "form_id", "form_name",
                     "campaign_name", "campaign_id", "test_lead", "lead_type", "ad_name", "account_name")
LINKEDIN_DATES = (form(r"^\d{2}/\d{2}/\d{4}$", MDY, "MM/DD/JJJJ"),)


def parse_linkedin(grid: Grid, options: ImportOptions) -> ParsedFile:
    """LinkedIn lead gen forms: dates MM/DD/YYYY, custom questions as columns, test leads skipped."""
    table = grid.table(_first_row(grid))
    found = _require(table, {"lead_id": ("leadid",), "email": ("emailaddress", "email"),
                             "company": ("companyname", "company")}, "LinkedIn-leadformulier")
    optional = _optional_columns(table, {"created_date": ("createddate", "submittedat", "createdat"),
                                         "created_time": ("createdtime",), "test_lead": ("testlead",),
                                         "campaign_name": ("campaignname",)})
    standard = {F.header_key(c) for c in LINKEDIN_STANDARD}
    mapping = F.suggest_mapping([c for c in table.columns if F.header_key(c) not in standard])
    mapping.update({"employer_name": found["company"], "email": found["email"]})
    for name, synonym in (("first_name", "firstname"), ("last_name", "lastname"), ("function", "jobtitle"),
                          ("phone", "phonenumber")):
        column = next((c for c in table.columns if F.header_key(c) == synonym), None)
        if column:
            mapping[name] = column
    extra = tuple(c for c in table.columns if F.header_key(c) not in standard and c not in mapping.values()
                  and c not in ERROR_FILE_COLUMNS)
    builder = LeadRows(table, mapping, options, default_channel="linkedin", extra_columns=extra)
    dates = DateColumn(table.values(optional["created_date"]) if "created_date" in optional else [], LINKEDIN_DATES)

    def records() -> Iterator[Record]:
        for number, row in table.rows():
            errors = []
            if "test_lead" in optional and row[optional["test_lead"]].strip().lower() in YES:
                errors.append((optional["test_lead"], "Testlead van LinkedIn: niet ingelezen."))
            lead_id, problem = _lead_id(row[found["lead_id"]], "")
            if problem:
                errors.append((found["lead_id"], problem))
            occurred_at = None
            if "created_date" in optional:
                try:
                    occurred_at = _date_and_time(dates, row[optional["created_date"]],
                                                 row.get(optional.get("created_time", ""), ""))
                except ValueError as exc:
                    errors.append((optional["created_date"], str(exc)))
            campaign_name = _text(row.get(optional.get("campaign_name", "")))
            utm = {"source": "linkedin", **({"campaign": campaign_name[:200]} if campaign_name else {})}
            key = f"linkedin:{lead_id}" if lead_id else (None if problem else f"linkedin:h:{short_hash(*row.values())}")
            record = builder.build(number, row, key=key, occurred_at=occurred_at, utm=utm, record_errors=errors)
            if "created_date" in optional:
                record.columns["occurred_at"] = optional["created_date"]
            yield record

    return ParsedFile("linkedin-lead-gen", len(table), table.columns, records(), grid.format_label)


def _date_and_time(dates: DateColumn, day: str, clock: str) -> datetime | None:
    moment = dates.parse(day)
    clock = clock.strip()
    if moment is None or not clock:
        return moment
    match = re.fullmatch(r"(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?", clock)
    if not match:
        raise ValueError(f"Tijd {clock!r} is niet te lezen.")
    hour, minute, second = int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)
    if match.group(4):
        hour = hour % 12 + (12 if match.group(4).upper() == "PM" else 0)
    try:
        return moment.replace(hour=hour, minute=minute, second=second)
    except ValueError:
        raise ValueError(f"Tijd {clock!r} bestaat niet.") from None


# --- generic CSV/XLSX with a column mapping --------------------------------------------------------

GENERIC_DATES = (form(r"^\d{1,2}-\d{1,2}-\d{4}(?: \d{1,2}:\d{2}(?::\d{2})?)?$", DMY, "D-M-JJJJ"),)


def generic_columns(grid: Grid) -> tuple[list[str], list[dict[str, str]]]:
    """The header of a generic file and its first rows, for the mapping step."""
    table = grid.table(_first_row(grid))
    return table.columns, [row for _, row in zip(range(3), (r for _, r in table.rows()))]


def parse_generic(grid: Grid, options: ImportOptions) -> ParsedFile:
    """Any list of employers: CSV (`;` or `,`, any encoding) or XLSX, with a column mapping."""
    table = grid.table(_first_row(grid))
    mapping = {f: c for f, c in (options.mapping or F.suggest_mapping(table.columns)).items() if c}
    try:
        F.check_mapping(mapping, table.columns)
    except ValidationError as exc:
        raise FileError(exc.message, exc.fields) from None
    builder = LeadRows(table, mapping, options, default_channel=None, date_forms=GENERIC_DATES)
    mapped = sorted(mapping.items())

    def records() -> Iterator[Record]:
        for number, row in table.rows():
            # The same row (same mapped values, any case or spacing) is the same touchpoint.
            key = "generic:" + short_hash(*(f"{f}={_text(row.get(c)).casefold()}" for f, c in mapped))
            yield builder.build(number, row, key=key)

    return ParsedFile("generic", len(table), table.columns, records(), grid.format_label)


# --- Zoom webinar reports --------------------------------------------------------------------------

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
        raise FileError("In dit Zoom-rapport staat geen lijst met deelnemers of aanmeldingen.", {"file": "Geen deelnemers."})
    header = candidates[0]
    end = header + 1
    while end <= grid.height and any(c.strip() for c in grid.row(end)):
        end += 1
    return header, end


@dataclass
class _Person:
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


def _person_records(people: list[_Person], event_ref: str, *, source: str, kinds: tuple[str, ...],
                    attendance_report: bool, org_column: str | None, columns: dict[str, str]) -> Iterator[Record]:
    """Registration and/or attendance records per person, through services/events.record_registration."""
    known = _known_employers([p.email for p in people if not p.errors])
    for person in people:
        record_columns = {
            "contact.email": columns.get("email", "Email"), "employer.name": org_column or "Organisatie",
            "contact.phone": columns.get("phone", "Phone"), "contact.name": columns.get("name", "Name"),
            "contact.function": columns.get("job_title", "Job Title"), "contact": columns.get("email", "Email"),
            "message": ", ".join(person.answers) or "message",
        }
        base = {"row": person.rows[0], "rows": tuple(person.rows), "values": person.values, "columns": record_columns,
                "label": " · ".join(filter(None, (person.organization or "(geen organisatie)", person.name or person.email)))}
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
        contact = ContactInput(name=person.name, function=person.job_title, email=person.email, phone=person.phone or None)
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


def _group_people(table: Table, cols: dict[str, str], dates: DateColumn, *, registrations_only: bool) -> list[_Person]:
    """One person per e-mail address: joins summed, the first registration and join kept."""
    people: dict[str, _Person] = {}
    questions = [c for c in table.columns if F.header_key(c) not in ZOOM_KNOWN and c not in cols.values()]
    for number, row in table.rows():
        raw_email = row.get(cols.get("email", ""), "").strip()
        person_errors: list[RowError] = []
        email = ""
        if not raw_email:
            person_errors.append(RowError(number, cols.get("email", "Email"),
                                          "Geen e-mailadres: een aanmelding zonder e-mail kan niet worden vastgelegd."))
        else:
            try:
                email = normalise.email(raw_email, "email")
            except ValidationError:
                person_errors.append(RowError(number, cols["email"], f"E-mailadres {raw_email!r} is ongeldig."))
        person = people.get(email) if email else None
        if person is None:
            person = _Person(email=email, rows=[], values=row)
            people[email or f"#{number}"] = person
        person.rows.append(number)
        person.errors += person_errors
        name = _text(f"{row.get(cols.get('first_name', ''), '')} {row.get(cols.get('last_name', ''), '')}")
        if not name and "user_name" in cols:
            name = re.sub(r"\s*\(.*\)$", "", _text(row[cols["user_name"]]))
        person.name = person.name or name
        person.organization = person.organization or _text(row.get(cols.get("organization", ""), ""))
        person.job_title = person.job_title or _text(row.get(cols.get("job_title", ""), ""))
        person.phone = person.phone or _text(row.get(cols.get("phone", ""), ""))
        for question in questions:
            answer = _text(row.get(question))
            if not answer:
                continue
            if CONTACT_QUESTION.search(question):
                person.asked = person.asked or answer.lower() in YES
            else:
                person.answers.setdefault(question, answer)
        for name_, column in (("registration_time", cols.get("registration_time")), ("join_time", cols.get("join_time"))):
            if not column or row[column].strip() in ("", "--"):
                continue
            try:
                moment = dates.parse(row[column])
            except ValueError as exc:
                person.errors.append(RowError(number, column, str(exc)))
                continue
            if name_ == "registration_time":
                person.registered_at = min(filter(None, (person.registered_at, moment)))
            else:
                person.first_join = min(filter(None, (person.first_join, moment)))
        if registrations_only:
            continue
        attended = row.get(cols.get("attended", ""), "").strip().lower() in YES
        minutes = row.get(cols.get("minutes", ""), "").strip()
        if attended or (minutes and minutes != "--"):
            try:
                person.minutes += float(minutes.replace(",", ".")) if minutes and minutes != "--" else 0
                person.attended = True
            except ValueError:
                person.errors.append(RowError(number, cols["minutes"], f"Aantal minuten {minutes!r} is geen getal."))
    return list(people.values())


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
    cols = _optional_columns(table, ZOOM_PEOPLE)
    date_values = [start_raw, *(v for key in ("registration_time", "join_time") if key in cols
                                for v in table.values(cols[key]))]
    dates = DateColumn(date_values, ZOOM_DATES)
    try:
        starts_at = dates.parse(start_raw)
    except ValueError as exc:
        raise FileError(f"Rij {meta_row + 1}: starttijd van het webinar: {exc}", {"file": "Starttijd onleesbaar."}) from None
    if starts_at is None:
        raise FileError(f"Rij {meta_row + 1}: de starttijd van het webinar ontbreekt.", {"file": "Geen starttijd."})
    people = _group_people(table, cols, dates, registrations_only=registrations_only)
    columns = {"email": cols.get("email", "Email"), "phone": cols.get("phone", "Phone"),
               "name": cols.get("first_name") or cols.get("user_name") or "Name", "job_title": cols.get("job_title", "Job Title")}
    records = _person_records(
        people, webinar_id, source="zoom", kinds=("registration",) if registrations_only else ("registration", "attendance"),
        attendance_report=not registrations_only, org_column=cols.get("organization", "Organization"), columns=columns,
    )
    return ParsedFile(preset, len(table), table.columns, records, grid.format_label,
                      event=EventSpec(ref=webinar_id, title=topic, starts_at=starts_at, kind="livestream"))


def parse_zoom_registrations(grid: Grid, options: ImportOptions) -> ParsedFile:
    """Zoom webinar registration report: one registration per e-mail address."""
    return _parse_zoom(grid, options, preset="zoom-registrations", registrations_only=True)


def parse_zoom_attendees(grid: Grid, options: ImportOptions) -> ParsedFile:
    """Zoom webinar attendee report: one row per join, minutes summed per e-mail; `--` is a registrant who stayed away."""
    return _parse_zoom(grid, options, preset="zoom-attendees", registrations_only=False)


# --- Microsoft Teams attendance report -------------------------------------------------------------

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


def _teams_sections(grid: Grid) -> dict[int, int]:
    """Section number → title row: `1. Summary`, `2. Participants`, `3. In-Meeting Activities` (or Dutch)."""
    sections = {}
    for number in range(1, grid.height + 1):
        cells = [c.strip() for c in grid.row(number)]
        if len(cells) == 1 and (match := re.match(r"^(\d)\.\s*\S", cells[0])):
            sections.setdefault(int(match.group(1)), number)
    if 2 not in sections:
        raise FileError("Dit lijkt geen Teams-aanwezigheidsrapport: de sectie '2. Participants' (Deelnemers) ontbreekt.",
                        {"file": "Geen Teams-rapport."})
    return sections


def parse_teams(grid: Grid, options: ImportOptions) -> ParsedFile:
    """Microsoft Teams attendance report: tab-separated sections, durations like `1h 27m 51s`."""
    sections = _teams_sections(grid)
    summary: dict[str, str] = {}
    for number in range(sections.get(1, 0) + 1, sections[2]):
        cells = grid.row(number)
        if len(cells) >= 2:
            summary[F.header_key(cells[0])] = cells[1].strip()
    pick = lambda name: next((summary[k] for k in TEAMS_SUMMARY[name] if summary.get(k)), "")
    title = pick("title")
    header = next((n for n in range(sections[2] + 1, grid.height + 1) if any(c.strip() for c in grid.row(n))), None)
    if header is None:
        raise FileError("De sectie '2. Participants' is leeg.", {"file": "Geen deelnemers."})
    end = min([n for s, n in sections.items() if n > header] + [grid.height + 1])
    table = grid.table(header, end)
    cols = _optional_columns(table, TEAMS_PEOPLE)
    if "email" not in cols and "upn" not in cols:
        raise FileError("In de deelnemerslijst van dit Teams-rapport staat geen kolom Email.", {"file": "Geen e-mail."})
    dates = DateColumn([pick("start"), pick("end"), *table.values(cols.get("first_join", ""))], TEAMS_DATES)
    try:
        starts_at, ends_at = dates.parse(pick("start")), dates.parse(pick("end"))
    except ValueError as exc:
        raise FileError(f"Begin- of eindtijd van de vergadering: {exc}", {"file": "Tijd onleesbaar."}) from None
    if not title or starts_at is None:
        raise FileError("In de samenvatting van het Teams-rapport ontbreken de titel of de begintijd.",
                        {"file": "Geen titel of begintijd."})
    ref = "teams:" + short_hash(title.casefold(), starts_at.isoformat())[:20]

    people: dict[str, _Person] = {}
    staff = 0
    for number, row in table.rows():
        if row.get(cols.get("role", ""), "").strip().lower() in TEAMS_STAFF_ROLES:
            staff += 1
            continue
        raw_email = row.get(cols.get("email", ""), "").strip() or row.get(cols.get("upn", ""), "").strip()
        column = cols.get("email") or cols["upn"]
        name = re.sub(r"\((?:gast|guest|extern|external)\)", "", row.get(cols.get("name", ""), ""), flags=re.IGNORECASE)
        person = _Person(email="", rows=[number], values=row, name=_text(name),
                         organization=_text(row.get(cols.get("organization", ""), "")),
                         job_title=_text(row.get(cols.get("job_title", ""), "")), attended=True)
        try:
            person.email = normalise.email(raw_email, "email") if raw_email else ""
        except ValidationError:
            person.errors.append(RowError(number, column, f"E-mailadres {raw_email!r} is ongeldig."))
        if not raw_email:
            person.errors.append(RowError(number, column, "Geen e-mailadres: deze deelnemer kan niet worden vastgelegd."))
        try:
            person.minutes = minutes_from_duration(row.get(cols.get("duration", ""), "") or "0s")
        except ValueError as exc:
            person.errors.append(RowError(number, cols.get("duration", "In-Meeting Duration"), str(exc)))
        try:
            person.first_join = dates.parse(row.get(cols.get("first_join", ""), "")) or starts_at
        except ValueError as exc:
            person.errors.append(RowError(number, cols["first_join"], str(exc)))
        earlier = people.get(person.email) if person.email else None
        if earlier is not None and not person.errors:
            earlier.rows.append(number)
            earlier.minutes += person.minutes
            earlier.first_join = min(filter(None, (earlier.first_join, person.first_join)))
        else:
            people[person.email or f"#{number}"] = person
    notes = [f"{staff} organisator(en) of presentator(en) niet ingelezen."] if staff else []
    records = _person_records(
        list(people.values()), ref.removeprefix("teams:"), source="teams", kinds=("attendance",), attendance_report=True,
        org_column=cols.get("organization"),
        columns={"email": cols.get("email") or cols.get("upn", "Email"), "name": cols.get("name", "Name"),
                 "job_title": cols.get("job_title", "Job title"), "phone": "Phone"},
    )
    return ParsedFile("teams-attendance", len(table) - staff, table.columns, records, grid.format_label, notes=notes,
                      event=EventSpec(ref=ref, title=title, starts_at=starts_at, ends_at=ends_at, kind="meeting",
                                      match_title=True))


# --- the registry ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Preset:
    code: str
    label: str
    parse: Callable[[Grid, ImportOptions], ParsedFile]
    hint: str


PRESETS: dict[str, Preset] = {p.code: p for p in (
    Preset("meta-lead-ads", "Meta (Facebook/Instagram) leadformulieren", parse_meta,
           "De download van Meta: tab-gescheiden, vaak UTF-16."),
    Preset("linkedin-lead-gen", "LinkedIn leadformulieren", parse_linkedin,
           "De CSV-export van LinkedIn Campaign Manager; testleads worden overgeslagen."),
    Preset("zoom-registrations", "Zoom-webinar: aanmeldingen (Registration Report)", parse_zoom_registrations,
           "Het registratierapport van het webinar."),
    Preset("zoom-attendees", "Zoom-webinar: deelnemers (Attendee Report)", parse_zoom_attendees,
           "Het deelnemersrapport; minuten worden per e-mailadres opgeteld."),
    Preset("teams-attendance", "Microsoft Teams: aanwezigheidsrapport", parse_teams,
           "Het aanwezigheidsrapport (.csv) van een Teams-vergadering of -webinar."),
    Preset("generic", "Eigen lijst (CSV of Excel) met kolomkoppeling", parse_generic,
           "Elke lijst met werkgevers; u koppelt daarna de kolommen."),
)}
