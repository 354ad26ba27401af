"""LinkedIn lead gen forms: the CSV export of Campaign Manager."""
from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime

from .. import fields as F
from ..readers import MDY, DateColumn, Grid, form
from .base import (
    ERROR_FILE_COLUMNS,
    YES,
    ImportOptions,
    ParsedFile,
    Record,
    clean_text,
    first_row,
    optional_columns,
    require_columns,
    short_hash,
)
from .lead_rows import LeadRows, read_lead_id

LINKEDIN_STANDARD = ("First name", "Last name", "Email address", "Company name", "Job title", "Country/Region",
                     "Phone number", "created_date", "created_time", "lead_id", "form_id", "form_name",
                     "campaign_name", "campaign_id", "test_lead", "lead_type", "ad_name", "account_name")
LINKEDIN_DATES = (form(r"^\d{2}/\d{2}/\d{4}$", MDY, "MM/DD/JJJJ"),)


def parse_linkedin(grid: Grid, options: ImportOptions) -> ParsedFile:
    """LinkedIn lead gen forms: dates MM/DD/YYYY, custom questions as columns, test leads skipped."""
    table = grid.table(first_row(grid))
    found = require_columns(table, {"lead_id": ("leadid",), "email": ("emailaddress", "email"),
                                    "company": ("companyname", "company")}, "LinkedIn-leadformulier")
    optional = optional_columns(table, {"created_date": ("createddate", "submittedat", "createdat"),
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
            lead_id, problem = read_lead_id(row[found["lead_id"]], "")
            if problem:
                errors.append((found["lead_id"], problem))
            occurred_at = None
            if "created_date" in optional:
                try:
                    occurred_at = _date_and_time(dates, row[optional["created_date"]],
                                                 row.get(optional.get("created_time", ""), ""))
                except ValueError as exc:
                    errors.append((optional["created_date"], str(exc)))
            campaign_name = clean_text(row.get(optional.get("campaign_name", "")))
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
