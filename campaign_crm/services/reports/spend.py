"""Campaign spend: recorded by hand, or imported from the spend exports of Meta Ads and LinkedIn Ads.

Amounts are whole euro cents. A typed amount is read the Dutch way ("1.234,56"); an export's amount
may use a decimal comma or point. An ad-platform ad (source + its id) is booked on an ad code, and so
on a channel and phase, through a mapping chosen once and remembered (`SpendMapping`).

    preview = preview_import(data, "meta")                      # reads, writes nothing
    result = apply_import(data, "meta", choices, actor=user)    # the same reading, then writes; flushes

Re-importing a file adds nothing: a row is keyed by source + external id + first day. A row that is
known with another amount (the platform corrected its figures) is updated; one with an error (a date,
an amount, a currency other than EUR) is reported with row, column and reason and never written.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Select, desc, func, select, tuple_

from ...extensions import db
from ...models import AdCode, Campaign, Channel, Phase, User
from ...models.spend import SPEND_SOURCES, SpendEntry, SpendMapping
from .. import audit
from ..calendar import long_date
from ..errors import ValidationError

IMPORT_SOURCES = {"meta": "Meta Ads (Ads Manager)", "linkedin": "LinkedIn Ads (Campaign Manager)"}
MAX_AMOUNT_CENTS = 100_000_000_00  # a hundred million euros: anything larger is a typing error
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)
NOTE_LENGTH = 200
HEADER_SEARCH_ROWS = 25  # LinkedIn puts a few lines about the report above the header


# --- amounts ------------------------------------------------------------------------------------------

_DUTCH_AMOUNT = re.compile(r"(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d{1,2})?")


def parse_euros(raw: str | None) -> int:
    """A typed amount in euros, the Dutch way ("1.234,56", "1234,5", "€ 80"), as whole cents.

    Refused, with a Dutch message: empty, negative, a decimal point ("1234.56", which a Dutch reader
    takes for 123.456 euros), more than two decimals, and anything else that is not an amount."""
    text = (raw or "").strip().replace("€", "").replace("\u00a0", "").replace(" ", "")
    if not text:
        raise ValidationError("Vul een bedrag in.")
    if text.startswith("-"):
        raise ValidationError(f"Het bedrag {raw.strip()!r} is negatief; vul een bedrag van 0 of meer in.")
    if re.fullmatch(r"\d+\.\d{1,2}", text) or re.fullmatch(r"[\d.]*,\d{3,}", text) or "e" in text.lower():
        raise ValidationError(f"Het bedrag {raw.strip()!r} is geen bedrag zoals wij het schrijven: gebruik een komma "
                              "voor de centen en hoogstens twee cijfers erachter, bijvoorbeeld 1.234,56.")
    if not _DUTCH_AMOUNT.fullmatch(text):
        raise ValidationError(f"Het bedrag {raw.strip()!r} is geen geldig bedrag in euro; schrijf bijvoorbeeld "
                              "1.234,56 of 80.")
    euros, _, cents = text.replace(".", "").partition(",")
    value = int(euros) * 100 + int((cents + "00")[:2])
    if value > MAX_AMOUNT_CENTS:
        raise ValidationError(f"Het bedrag {raw.strip()!r} is onwaarschijnlijk hoog; controleer het.")
    return value


def format_euros(cents: int | None) -> str:
    """Whole cents as "€ 1.234,56"; "–" for nothing."""
    if cents is None:
        return "–"
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(int(cents)), 100)
    return f"{sign}€ {euros:,}".replace(",", ".") + f",{rest:02d}"


def euros_input(cents: int) -> str:
    """Cents as the spend form shows them again: "1234,56"."""
    euros, rest = divmod(cents, 100)
    return f"{euros},{rest:02d}"


def parse_export_amount(raw: str) -> int:
    """An amount from an ad platform's export, with a decimal comma or point, as whole cents (half up).

    With both separators the last one is the decimal one ("1,234.56", "1.234,56"); a single separator
    followed by exactly three digits separates thousands ("1,234" and "1.234" are 1234 euros; "0.005" is not)."""
    text = raw.strip().replace("€", "").replace("\u00a0", "").replace(" ", "")
    if not text:
        raise ValueError("leeg")
    if text.startswith("-"):
        raise ValueError(f"{raw.strip()!r} is negatief")
    if "," in text and "." in text:
        decimal_sep = "," if text.rfind(",") > text.rfind(".") else "."
        thousands = "." if decimal_sep == "," else ","
        text = text.replace(thousands, "").replace(decimal_sep, ".")
    elif text.count(",") == 1 and not re.fullmatch(r"[1-9]\d{0,2},\d{3}", text):
        text = text.replace(",", ".")
    elif text.count(",") >= 1:
        text = text.replace(",", "")
    elif text.count(".") > 1 or re.fullmatch(r"[1-9]\d{0,2}\.\d{3}", text):
        text = text.replace(".", "")
    if not re.fullmatch(r"\d+(?:\.\d+)?", text):
        raise ValueError(f"{raw.strip()!r} is geen bedrag")
    try:
        cents = (Decimal(text) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        raise ValueError(f"{raw.strip()!r} is geen bedrag") from None
    if cents > MAX_AMOUNT_CENTS:
        raise ValueError(f"{raw.strip()!r} is onwaarschijnlijk hoog")
    return int(cents)


# --- recording by hand ----------------------------------------------------------------------------------

@dataclass
class SpendInput:
    """What the spend form sends: ids as chosen, the amount as typed."""

    channel_id: int | None
    phase_id: int | None
    ad_code_id: int | None
    starts_on: date | None
    ends_on: date | None
    amount: str
    note: str = ""


@dataclass
class _Checked:
    campaign_id: int
    channel_id: int
    phase_id: int | None
    ad_code_id: int | None
    starts_on: date
    ends_on: date
    amount_cents: int
    note: str


def _newest_active_campaign() -> int | None:
    return db.session.scalar(select(Campaign.id).where(Campaign.active.is_(True))
                             .order_by(desc(Campaign.starts_on), desc(Campaign.id)).limit(1))


def _check(data: SpendInput) -> _Checked:
    """Every problem with the input at once, per field, in Dutch."""
    errors: dict[str, str] = {}
    ad_code = db.session.get(AdCode, data.ad_code_id) if data.ad_code_id else None
    if data.ad_code_id and ad_code is None:
        errors["ad_code_id"] = "Onbekende advertentiecode."
    channel_id = data.channel_id or (ad_code.channel_id if ad_code else None)
    if channel_id is None:
        errors["channel_id"] = "Kies het kanaal waarop het geld is uitgegeven."
    elif db.session.get(Channel, channel_id) is None:
        errors["channel_id"] = "Onbekend kanaal."
    elif ad_code and ad_code.channel_id != channel_id:
        errors["ad_code_id"] = (f"Advertentiecode {ad_code.code} hoort bij een ander kanaal; kies dat kanaal "
                                "of laat het kanaal leeg.")
    phase_id = data.phase_id or (ad_code.phase_id if ad_code else None)
    phase = db.session.get(Phase, phase_id) if phase_id else None
    if phase_id and phase is None:
        errors["phase_id"] = "Onbekende fase."
    elif ad_code and ad_code.phase_id and phase_id != ad_code.phase_id:
        errors["ad_code_id"] = f"Advertentiecode {ad_code.code} hoort bij een andere fase; kies die fase."
    campaign_id = phase.campaign_id if phase else ad_code.campaign_id if ad_code else _newest_active_campaign()
    if campaign_id is None and "channel_id" not in errors:
        errors["phase_id"] = "Er is nog geen actieve campagne; maak er eerst een aan."
    for name, value in (("starts_on", data.starts_on), ("ends_on", data.ends_on)):
        if value is None:
            errors[name] = "Vul een datum in, bijvoorbeeld 1-6-2026."
        elif not EARLIEST <= value <= LATEST:
            errors[name] = f"De datum {long_date(value)} ligt buiten de jaren {EARLIEST.year}–{LATEST.year}."
    if data.starts_on and data.ends_on and data.ends_on < data.starts_on and "ends_on" not in errors:
        errors["ends_on"] = (f"De einddatum {long_date(data.ends_on)} ligt vóór de begindatum "
                             f"{long_date(data.starts_on)}.")
    amount = 0
    try:
        amount = parse_euros(data.amount)
    except ValidationError as exc:
        errors["amount"] = exc.message
    note = (data.note or "").strip()
    if len(note) > NOTE_LENGTH:
        errors["note"] = f"De toelichting is {len(note)} tekens; hoogstens {NOTE_LENGTH}."
    if errors:
        raise ValidationError("De uitgave is niet opgeslagen; controleer de gemarkeerde velden.", errors)
    return _Checked(campaign_id, channel_id, phase_id, data.ad_code_id, data.starts_on, data.ends_on, amount, note)


def spend_problems(data: SpendInput) -> dict[str, str]:
    """What is wrong with the input, per field (empty when nothing is), without writing anything."""
    try:
        _check(data)
    except ValidationError as exc:
        return dict(exc.fields)
    return {}


def _values(entry: SpendEntry) -> dict[str, Any]:
    """The fields of a spend row as the audit log keeps them (dates as ISO text)."""
    return {"campaign_id": entry.campaign_id, "channel_id": entry.channel_id, "phase_id": entry.phase_id,
            "ad_code_id": entry.ad_code_id, "starts_on": entry.starts_on.isoformat(),
            "ends_on": entry.ends_on.isoformat(), "amount_cents": entry.amount_cents, "note": entry.note}


def record_spend(data: SpendInput, *, actor: User) -> SpendEntry:
    """Record an amount spent by hand; audited; flushes."""
    checked = _check(data)
    entry = SpendEntry(source="manual", created_by_id=actor.id, **vars(checked))
    db.session.add(entry)
    db.session.flush()
    audit.record(actor, "spend_recorded", entry, **_values(entry))
    return entry


def update_spend(entry: SpendEntry, data: SpendInput, *, actor: User) -> SpendEntry:
    """Change a spend row (an imported one keeps its source and platform id); audited with the changes; flushes."""
    checked = _check(data)
    before = _values(entry)
    for name, value in vars(checked).items():
        setattr(entry, name, value)
    db.session.flush()
    audit.record(actor, "spend_updated", entry, changes=audit.diff(before, _values(entry)))
    return entry


def delete_spend(entry: SpendEntry, *, actor: User) -> None:
    """Delete a spend row; the audit entry keeps what it was; flushes."""
    audit.record(actor, "spend_deleted", entry, source=entry.source, external_id=entry.external_id,
                 **_values(entry))
    db.session.delete(entry)
    db.session.flush()


def spend_list_query() -> Select:
    """Every spend row, the latest period first (the caller paginates)."""
    return select(SpendEntry).order_by(SpendEntry.starts_on.desc(), SpendEntry.id.desc())


def spend_total_cents() -> int:
    """All spend recorded, in cents."""
    return int(db.session.scalar(select(func.coalesce(func.sum(SpendEntry.amount_cents), 0))))


# --- reading an export ----------------------------------------------------------------------------------

# Per source, the names each field goes by (English and Dutch interfaces); matched case-insensitively.
COLUMNS: dict[str, dict[str, tuple[str, ...]]] = {
    "meta": {
        "starts_on": ("Reporting starts", "Begin rapportage", "Day", "Dag"),
        "ends_on": ("Reporting ends", "Einde rapportage"),
        "name": ("Ad name", "Advertentienaam", "Campaign name", "Campagnenaam"),
        "external_id": ("Ad ID", "Advertentie-ID", "Campaign ID", "Campagne-ID"),
        "amount": ("Amount spent (EUR)", "Besteed bedrag (EUR)", "Amount spent", "Besteed bedrag"),
        "currency": ("Currency", "Valuta"),
    },
    "linkedin": {
        "starts_on": ("Start Date (in UTC)", "Start Date", "Startdatum (in UTC)", "Startdatum"),
        "ends_on": ("End Date (in UTC)", "End Date", "Einddatum (in UTC)", "Einddatum"),
        "name": ("Campaign Name", "Campagnenaam", "Ad Name"),
        "external_id": ("Campaign ID", "Campagne-ID", "Creative ID"),
        "amount": ("Total Spent", "Amount Spent", "Totaal besteed", "Totale uitgaven"),
        "currency": ("Currency", "Valuta"),
    },
}
COLUMN_LABELS = {"starts_on": "begindatum", "ends_on": "einddatum", "name": "advertentienaam",
                 "external_id": "advertentie-ID", "amount": "bedrag", "currency": "valuta"}
_CURRENCY_IN_HEADER = re.compile(r"\(([A-Z]{3})\)\s*$")


@dataclass(frozen=True)
class RowError:
    """A row that is not imported: the spreadsheet row, the column and why."""

    row: int
    column: str
    reason: str


@dataclass
class SpendRow:
    """One readable row of an export and what importing it would do."""

    row: int
    starts_on: date
    ends_on: date
    external_id: str
    name: str
    amount_cents: int
    ad_code_id: int | None = None
    status: str = "new"  # new, unchanged, updated, unmapped


@dataclass
class UnmappedAd:
    """An ad of the export that has no ad code yet: the preview asks for one."""

    external_id: str
    name: str
    rows: int
    amount_cents: int


@dataclass
class SpendPreview:
    """What importing a file would do; nothing is written to make it."""

    source: str
    rows: list[SpendRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    unmapped: list[UnmappedAd] = field(default_factory=list)  # no saved mapping and none chosen: blocks the import
    to_map: list[UnmappedAd] = field(default_factory=list)  # no saved mapping: the preview offers a choice
    skipped_zero: int = 0

    def count(self, status: str) -> int:
        return sum(1 for row in self.rows if row.status == status)

    @property
    def amount_new_cents(self) -> int:
        return sum(row.amount_cents for row in self.rows if row.status in ("new", "updated"))

    @property
    def ready(self) -> bool:
        """Whether every readable row has an ad code, so the import can be applied."""
        return not self.unmapped


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _rows(text: str) -> list[list[str]]:
    """The cells of every line; the separator (tab, semicolon or comma) is the one that splits the most lines."""
    lines = [line for line in text.splitlines() if line.strip()][:60]
    best, best_score = ",", -1
    for separator in ("\t", ";", ","):
        widths = [len(r) for r in csv.reader(io.StringIO("\n".join(lines)), delimiter=separator)]
        score = sum(1 for w in widths if w > 1) * 1000 + max(widths, default=0)
        if score > best_score:
            best, best_score = separator, score
    return list(csv.reader(io.StringIO(text), delimiter=best))


def _find_header(grid: list[list[str]], source: str) -> tuple[int, dict[str, int], list[str]]:
    """The header row's index, the column index of each field found, and the header's cells."""
    names = COLUMNS[source]
    for index, cells in enumerate(grid[:HEADER_SEARCH_ROWS]):
        lowered = [c.strip().lstrip("\ufeff").lower() for c in cells]
        found: dict[str, int] = {}
        for key, options in names.items():
            for option in options:
                if option.lower() in lowered:
                    found[key] = lowered.index(option.lower())
                    break
        if "starts_on" in found and "amount" in found:
            return index, found, [c.strip().lstrip("\ufeff") for c in cells]
    wanted = ", ".join(f"'{names[key][0]}'" for key in ("starts_on", "external_id", "amount"))
    raise ValidationError(
        f"Dit lijkt geen uitgavenexport van {SPEND_SOURCES[source]}: de kolommen {wanted} ontbreken.",
        {"file": f"Kies het juiste platform of exporteer opnieuw met de kolommen {wanted}."})


def _parse_date(raw: str, source: str) -> date:
    text = raw.strip()
    if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", text):
        return date.fromisoformat("-".join(part.zfill(2) for part in text.split("-")))
    match = re.fullmatch(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})", text)
    if match:
        first, second, year = (int(g) for g in match.groups())
        # LinkedIn writes American dates (month first) when it uses slashes; Dutch exports put the day first.
        month, day = (first, second) if source == "linkedin" and "/" in text else (second, first)
        return date(year, month, day)
    raise ValueError(text)


@dataclass
class _Layout:
    """Where a file's fields are: the column index of each, the header's cells, the currency in a header."""

    source: str
    found: dict[str, int]
    header: list[str]

    def cell(self, cells: list[str], key: str) -> str:
        index = self.found.get(key)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    def column(self, key: str) -> str:
        """The header of a field's column as the file names it (for error messages)."""
        index = self.found.get(key, self.found.get("name", self.found["amount"]))
        return self.header[index]

    @property
    def header_currency(self) -> str | None:
        match = _CURRENCY_IN_HEADER.search(self.column("amount"))
        return match.group(1) if match else None


def _is_summary(cells: list[str]) -> bool:
    """A line that adds up the rows above it ("Total", "Results"), as a report may end with."""
    first = cells[0].strip().lower() if cells else ""
    return first.startswith(("total", "totaal", "results", "resultaten"))


def _read_dates(cells: list[str], number: int, layout: _Layout,
                problems: list[RowError]) -> tuple[date | None, date | None]:
    starts_on = ends_on = None
    try:
        starts_on = ends_on = _parse_date(layout.cell(cells, "starts_on"), layout.source)
    except ValueError:
        problems.append(RowError(number, layout.column("starts_on"),
                                 f"Geen geldige datum: {layout.cell(cells, 'starts_on')!r}."))
    ends_raw = layout.cell(cells, "ends_on")
    if ends_raw:
        try:
            ends_on = _parse_date(ends_raw, layout.source)
        except ValueError:
            problems.append(RowError(number, layout.column("ends_on"), f"Geen geldige datum: {ends_raw!r}."))
    if starts_on and ends_on and ends_on < starts_on:
        problems.append(RowError(number, layout.column("ends_on"), "De einddatum ligt vóór de begindatum."))
    return starts_on, ends_on


def _read_row(cells: list[str], number: int, layout: _Layout) -> SpendRow | list[RowError]:
    """One data row as a SpendRow (amount 0 included), or the reasons it cannot be read."""
    currency = layout.cell(cells, "currency").upper() or layout.header_currency or "EUR"
    if currency != "EUR":
        return [RowError(number, layout.column("currency" if "currency" in layout.found else "amount"),
                         f"Bedrag in {currency}: alleen uitgaven in euro (EUR) worden ingelezen. Exporteer het "
                         "account in euro of voer het bedrag met de hand in.")]
    problems: list[RowError] = []
    starts_on, ends_on = _read_dates(cells, number, layout, problems)
    external_id = layout.cell(cells, "external_id") or layout.cell(cells, "name")
    name = layout.cell(cells, "name") or external_id
    if not external_id:
        problems.append(RowError(number, layout.column("external_id"),
                                 "Geen advertentie of campagne (ID of naam) in deze rij."))
    elif len(external_id) > 80:
        problems.append(RowError(number, layout.column("external_id"), "Het ID is langer dan 80 tekens."))
    amount = 0
    try:
        amount = parse_export_amount(layout.cell(cells, "amount"))
    except ValueError as exc:
        problems.append(RowError(number, layout.column("amount"), f"Geen geldig bedrag: {exc}."))
    if problems:
        return problems
    return SpendRow(number, starts_on, ends_on, external_id, name[:200], amount)


def read_export(data: bytes, source: str) -> tuple[list[SpendRow], list[RowError], int]:
    """The readable rows of a spend export, the errors per row, and how many rows spent nothing (skipped)."""
    if source not in IMPORT_SOURCES:
        raise ValidationError(f"Onbekend platform {source!r}.", {"source": "Kies Meta Ads of LinkedIn Ads."})
    if not data.strip():
        raise ValidationError("Het bestand is leeg.", {"file": "Kies een CSV-export met uitgaven."})
    grid = _rows(_decode(data))
    header_index, found, header = _find_header(grid, source)
    if "external_id" not in found and "name" not in found:
        raise ValidationError("Het bestand heeft geen kolom met de advertentie of campagne (naam of ID).",
                              {"file": f"Voeg de kolom '{COLUMNS[source]['external_id'][0]}' toe aan de export."})
    layout = _Layout(source, found, header)
    rows: list[SpendRow] = []
    errors: list[RowError] = []
    skipped = 0
    seen: dict[tuple[str, date], int] = {}
    # Row numbers as a spreadsheet shows them: the header is row header_index + 1.
    for number, cells in enumerate(grid[header_index + 1:], start=header_index + 2):
        if not any(c.strip() for c in cells) or _is_summary(cells):
            continue
        read = _read_row(cells, number, layout)
        if isinstance(read, list):
            errors.extend(read)
        elif read.amount_cents == 0:
            skipped += 1
        elif (read.external_id, read.starts_on) in seen:
            errors.append(RowError(number, layout.column("starts_on"), "Dezelfde advertentie en dag als rij "
                                   f"{seen[(read.external_id, read.starts_on)]}; de rij wordt overgeslagen."))
        else:
            seen[(read.external_id, read.starts_on)] = number
            rows.append(read)
    return rows, errors, skipped


# --- the mapping to ad codes and the preview --------------------------------------------------------------

def saved_mappings(source: str, external_ids: list[str]) -> dict[str, int]:
    """{external id: ad code id} for the ads of `source` mapped before."""
    if not external_ids:
        return {}
    query = select(SpendMapping.external_id, SpendMapping.ad_code_id).where(
        SpendMapping.source == source, SpendMapping.external_id.in_(set(external_ids)))
    return dict(db.session.execute(query).all())


def mapping_choices(raw: Mapping[str, str]) -> dict[str, int]:
    """The ad codes chosen in a preview form: fields named `map-<external id>` holding an ad code id."""
    out: dict[str, int] = {}
    for name, value in raw.items():
        if name.startswith("map-") and str(value).strip().isdigit():
            out[name[4:]] = int(str(value).strip())
    return out


def _existing(source: str, rows: list[SpendRow]) -> dict[tuple[str, date], SpendEntry]:
    if not rows:
        return {}
    keys = {(row.external_id, row.starts_on) for row in rows}
    found: dict[tuple[str, date], SpendEntry] = {}
    ids = sorted({external_id for external_id, _ in keys})
    for start in range(0, len(ids), 500):
        query = select(SpendEntry).where(SpendEntry.source == source,
                                         SpendEntry.external_id.in_(ids[start:start + 500]),
                                         tuple_(SpendEntry.external_id, SpendEntry.starts_on).in_(
                                             [k for k in keys if k[0] in ids[start:start + 500]]))
        for entry in db.session.scalars(query):
            found[(entry.external_id, entry.starts_on)] = entry
    return found


def preview_import(data: bytes, source: str, choices: Mapping[str, int] | None = None) -> SpendPreview:
    """What importing `data` would do: rows new, unchanged or updated, ads without an ad code, errors.

    `choices` are ad codes picked in the preview for ads not mapped yet. Writes nothing."""
    rows, errors, skipped = read_export(data, source)
    known = saved_mappings(source, [row.external_id for row in rows])
    valid_codes = set(db.session.scalars(select(AdCode.id).where(AdCode.id.in_(set((choices or {}).values())))))
    chosen = {key: value for key, value in (choices or {}).items() if value in valid_codes}
    existing = _existing(source, rows)
    to_map: dict[str, UnmappedAd] = {}
    for row in rows:
        row.ad_code_id = known.get(row.external_id) or chosen.get(row.external_id)
        entry = existing.get((row.external_id, row.starts_on))
        if entry is not None:
            same = entry.amount_cents == row.amount_cents and entry.ends_on == row.ends_on
            row.status = "unchanged" if same else "updated"
            row.ad_code_id = row.ad_code_id or entry.ad_code_id
            continue
        if row.external_id not in known:
            ad = to_map.setdefault(row.external_id, UnmappedAd(row.external_id, row.name, 0, 0))
            ad.rows += 1
            ad.amount_cents += row.amount_cents
        if row.ad_code_id is None:
            row.status = "unmapped"
    ads = sorted(to_map.values(), key=lambda ad: ad.name.lower())
    return SpendPreview(source, rows, errors, [ad for ad in ads if ad.external_id not in chosen], ads, skipped)


@dataclass
class ImportResult:
    """What an import wrote."""

    added: int
    updated: int
    unchanged: int
    errors: int
    mappings_saved: int
    amount_cents: int


def apply_import(data: bytes, source: str, choices: Mapping[str, int] | None, *, actor: User,
                 filename: str = "") -> ImportResult:
    """Import a spend export: save the chosen mappings, add new rows, update changed ones; flushes.

    Refused as a whole (nothing written) while an ad of the file has no ad code. Rows with errors
    are left out and counted; every other row is written whole."""
    preview = preview_import(data, source, choices)
    if not preview.ready:
        names = ", ".join(ad.name for ad in preview.unmapped[:5])
        raise ValidationError(f"Kies eerst een advertentiecode voor {len(preview.unmapped)} advertentie(s) "
                              f"zonder koppeling: {names}.", {"mapping": "Kies voor elke advertentie een code."})
    codes = {code.id: code for code in db.session.scalars(
        select(AdCode).where(AdCode.id.in_({row.ad_code_id for row in preview.rows if row.ad_code_id})))}
    known = saved_mappings(source, [row.external_id for row in preview.rows])
    saved = 0
    for row in preview.rows:
        if row.external_id not in known and row.ad_code_id:
            mapping = SpendMapping(source=source, external_id=row.external_id, external_name=row.name,
                                   ad_code_id=row.ad_code_id, created_by_id=actor.id)
            db.session.add(mapping)
            known[row.external_id] = row.ad_code_id
            saved += 1
    existing = _existing(source, preview.rows)
    added = updated = 0
    amount = 0
    for row in preview.rows:
        if row.status == "unchanged":
            continue
        code = codes[row.ad_code_id]
        if row.status == "updated":
            entry = existing[(row.external_id, row.starts_on)]
            amount += row.amount_cents - entry.amount_cents
            entry.amount_cents, entry.ends_on = row.amount_cents, row.ends_on
            updated += 1
            continue
        db.session.add(SpendEntry(
            campaign_id=code.campaign_id, channel_id=code.channel_id, phase_id=code.phase_id, ad_code_id=code.id,
            starts_on=row.starts_on, ends_on=row.ends_on, amount_cents=row.amount_cents, source=source,
            external_id=row.external_id, external_name=row.name, created_by_id=actor.id))
        amount += row.amount_cents
        added += 1
    db.session.flush()
    result = ImportResult(added, updated, preview.count("unchanged"), len(preview.errors), saved, amount)
    audit.record_about(actor, "spend_imported", "campaign_spend", None, source=source, filename=filename[:120],
                       **vars(result))
    return result


def mappings_query() -> Select:
    """Every remembered mapping of an ad-platform ad to an ad code, by platform and name."""
    return select(SpendMapping).order_by(SpendMapping.source, SpendMapping.external_name, SpendMapping.id)


# --- demo data ----------------------------------------------------------------------------------------

# (channel, phase, euros per week) for the demo campaign; a week's spend is one row, as an agency invoices it.
DEMO_WEEKLY_EUROS = [
    ("linkedin", "launch", 900), ("facebook", "launch", 600), ("instagram", "launch", 350),
    ("dagblad", "launch", 2400), ("linkedin", "livestream", 700), ("facebook", "livestream", 450),
    ("website", "livestream", 150), ("linkedin", "techniek", 800), ("vakblad", "techniek", 1100),
    ("facebook", "zorg", 650), ("instagram", "zorg", 400), ("dagblad", "zorg", 1800),
]


def seed_demo_spend(campaign: Campaign, *, until: date) -> int:
    """A week-by-week spend per channel and phase of `campaign` up to `until` (demo data); flushes.

    Skipped when the campaign already has spend or a channel is missing. Returns the rows added."""
    if db.session.scalar(select(SpendEntry.id).where(SpendEntry.campaign_id == campaign.id).limit(1)):
        return 0
    channels = dict(db.session.execute(select(Channel.code, Channel.id)).all())
    phases = {phase.code: phase for phase in campaign.phases}
    added = 0
    for number, (channel, phase_code, weekly) in enumerate(DEMO_WEEKLY_EUROS):
        phase = phases.get(phase_code)
        if phase is None or channel not in channels:
            continue
        day = phase.starts_on
        last = min(phase.ends_on or until, until)
        while day <= last:
            week_end = min(day + timedelta(days=6), last)
            # A little variation per week, so the figures look like real invoices.
            days = (week_end - day).days + 1
            cents = weekly * 100 * days // 7 + (number * 1373 + day.toordinal() * 17) % 9000
            db.session.add(SpendEntry(campaign_id=campaign.id, channel_id=channels[channel], phase_id=phase.id,
                                      starts_on=day, ends_on=week_end, amount_cents=cents, source="manual",
                                      note="Demo: weekfactuur"))
            added += 1
            day = week_end + timedelta(days=1)
    db.session.flush()
    return added
