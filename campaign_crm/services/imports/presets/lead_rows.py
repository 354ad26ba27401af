"""Turning a lead-form row into a touchpoint for the intake: shared by Meta, LinkedIn and the generic list.

A field → column mapping says where each value is; the Excel checks drop or refuse damaged numbers.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import func, select

from ....extensions import db
from ....models import AdCode, Channel
from ... import normalise
from ...campaigns import ad_codes
from ...capture.intake import ContactInput, EmployerInput, TouchpointInput
from ...errors import ValidationError
from .. import fields as F
from ..readers import (
    DateColumn,
    Table,
    excel_damaged_kvk,
    excel_damaged_vestigingsnummer,
    excel_scientific,
)
from .base import ImportOptions, Record, clean_text, key_source

# Intake field names per mapped field, so the intake's errors point at the right column.
INTAKE_FIELDS = {
    "employer_name": "employer.name", "kvk": "employer.kvk", "vestigingsnummer": "employer.vestigingsnummer",
    "postcode": "employer.postcode", "municipality": "employer.municipality", "sbi": "employer.sbi",
    "sector": "employer.sector", "size": "employer.size", "website": "employer.website",
    "contact_name": "contact.name", "function": "contact.function", "email": "contact.email",
    "phone": "contact.phone", "channel": "channel", "occurred_at": "occurred_at", "interests": "interests",
    "how_heard": "how_heard", "ad_code": "ad_code",
}
UTM_PARTS = ("source", "medium", "campaign", "content", "term")

Getter = Callable[[str], str]  # a mapped field's value in the row being built ("" when not mapped)


def read_lead_id(value: str, prefix: str) -> tuple[str | None, str | None]:
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
        self.has_ad_codes = bool(db.session.scalar(
            select(func.count()).select_from(AdCode).where(AdCode.active.is_(True))))

    def get(self, row: dict[str, str], name: str) -> str:
        column = self.mapping.get(name)
        return clean_text(row.get(column)) if column else ""

    def build(self, number: int, row: dict[str, str], *, key: str | None, channel: str | None = None,
              occurred_at: datetime | None = None, utm: dict[str, str] | None = None,
              record_errors: list[tuple[str, str]] = ()) -> Record:
        # Each mapped cell cleaned once; a field without a column reads as "".
        cleaned = dict.fromkeys(F.FIELDS, "")
        cleaned.update((name, clean_text(row.get(column))) for name, column in self.mapping.items())
        get = cleaned.__getitem__
        record = Record(row=number, values=row, key=key)
        record.columns = {INTAKE_FIELDS[f]: c for f, c in self.mapping.items() if f in INTAKE_FIELDS}
        for column, message in record_errors:
            record.error(column, message)

        kvk, vestiging, phone = self._numbers(record, get)
        occurred_at = self._occurred_at(record, get, occurred_at)
        employer = self._employer(record, get, kvk=kvk, vestiging=vestiging)
        contact_name = self._contact_name(record, get)
        interests, message = self._interests_and_message(record, row, get)
        channel_value = self._channel(get, channel)
        ad_code = self._ad_code(record, get, message)
        utm = self._utm(record, get, utm)

        email_column, phone_column = self.mapping.get("email"), self.mapping.get("phone")
        record.columns["contact"] = " / ".join(filter(None, (email_column, phone_column))) or "contact"
        record.columns.setdefault("employer.name", "bedrijfsnaam")
        record.touchpoint = TouchpointInput(
            employer=employer,
            contact=ContactInput(name=contact_name, function=get("function"), email=get("email") or None,
                                 phone=phone or None),
            kind="import", campaign=self.options.campaign, channel=channel_value or None, phase=self.options.phase,
            utm=utm, interests=interests, message=message, how_heard=get("how_heard") or None,
            occurred_at=occurred_at, external_id=key, external_source=key_source(key), ad_code=ad_code,
        )
        record.label = " · ".join(filter(None, (get("employer_name") or "(geen bedrijfsnaam)",
                                                contact_name or get("email"))))
        return record

    # --- the parts of a row, in the order `build` reads them (warnings and errors keep that order) ---

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

    def _numbers(self, record: Record, get: Getter) -> tuple[str, str, str]:
        """(KvK, vestigingsnummer, phone) with Excel damage handled.

        An optional number Excel damaged is dropped with a warning rather than losing the lead (a BSN-like
        one is left for the intake, which refuses the row); a damaged phone costs the row only without an e-mail.
        """
        kvk = self._drop_damaged(record, "kvk", get("kvk"), excel_damaged_kvk)
        vestiging = self._drop_damaged(record, "vestigingsnummer", get("vestigingsnummer"),
                                       excel_damaged_vestigingsnummer)
        phone = get("phone")
        if phone and (message := excel_scientific(phone)):
            if get("email"):
                record.warn(self.mapping["phone"], f"{message} Het telefoonnummer is weggelaten.")
                phone = ""
            else:
                record.error(self.mapping["phone"], message)
        return kvk, vestiging, phone

    def _occurred_at(self, record: Record, get: Getter, occurred_at: datetime | None) -> datetime | None:
        """The time the export gave, else the mapped date column's (an unreadable date is an error)."""
        if occurred_at is None and self.dates is not None:
            try:
                return self.dates.parse(get("occurred_at"))
            except ValueError as exc:
                record.error(self.mapping["occurred_at"], str(exc))
        return occurred_at

    def _employer(self, record: Record, get: Getter, *, kvk: str, vestiging: str) -> EmployerInput:
        sector, sbi = get("sector"), get("sbi")
        if sector and re.fullmatch(r"[\d.\s]+", sector) and not sbi:
            sector, sbi = "", sector  # "52.10" in a sector column is an SBI code
        municipality = get("municipality") or get("city")
        if not get("municipality") and get("city"):
            record.columns["employer.municipality"] = self.mapping["city"]
        return EmployerInput(
            name=get("employer_name"), kvk=kvk or None, vestigingsnummer=vestiging or None,
            municipality=municipality or None, sector=sector or None, sbi=sbi or None, size=get("size") or None,
            postcode=get("postcode") or None, website=get("website") or None,
        )

    def _contact_name(self, record: Record, get: Getter) -> str:
        """The contact's name, or first and last name joined."""
        contact_name = get("contact_name") or clean_text(f"{get('first_name')} {get('last_name')}")
        if not get("contact_name") and (self.mapping.get("first_name") or self.mapping.get("last_name")):
            parts = (self.mapping.get("first_name"), self.mapping.get("last_name"))
            record.columns["contact.name"] = ", ".join(filter(None, parts))
        return contact_name

    def _interests_and_message(self, record: Record, row: dict[str, str],
                               get: Getter) -> tuple[list[str], str | None]:
        """Known interests; what else the interests column said, the message and the extra columns as message."""
        interests, rest = F.split_interests(get("interests"), self.words)
        message_columns = [c for c in (self.mapping.get("interests") if rest else None, self.mapping.get("message"))
                           if c]
        lines = [rest, (row.get(self.mapping["message"]) or "").strip() if "message" in self.mapping else ""]
        for column in self.extra_columns:
            value = clean_text(row.get(column))
            if value:
                lines.append(f"{column}: {value}")
                message_columns.append(column)
        record.columns["message"] = ", ".join(message_columns) or "message"
        return interests, "\n".join(line for line in lines if line) or None

    def _channel(self, get: Getter, channel: str | None) -> str | None:
        """The user's choice, the export's, the row's (a channel name read as its code) or the preset's default."""
        channel_value = self.options.channel or channel or get("channel") or self.default_channel
        if channel_value and not self.options.channel and not channel:
            channel_value = self.channels.get(F.header_key(channel_value), channel_value)
        return channel_value

    def _ad_code(self, record: Record, get: Getter, message: str | None) -> str | None:
        ad_code = get("ad_code") or None
        if not ad_code and message and self.has_ad_codes:
            found = ad_codes.find_in_text(message)  # "code VB-LOG-06" in a remark
            if found is not None:
                ad_code = found.code
                record.columns["ad_code"] = record.columns["message"]
        return ad_code

    def _utm(self, record: Record, get: Getter, utm: dict[str, str] | None) -> dict[str, str]:
        """The export's UTM values with the row's mapped utm_ columns over them."""
        utm = dict(utm or {})
        for part in UTM_PARTS:
            if get(f"utm_{part}"):
                utm[part] = get(f"utm_{part}")
                record.columns[f"utm.{part}"] = self.mapping[f"utm_{part}"]
        return utm
