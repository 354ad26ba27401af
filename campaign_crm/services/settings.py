"""The tunable settings (SLA, targets, schedules, retention periods): listing and validated changes."""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from ..extensions import db
from ..models import Setting, User
from . import audit
from .errors import ValidationError

# Whole-number settings and the range an admin may choose from; other numbers: 0 up to 1,000,000.
RANGES = {
    "sla_working_days": (1, 20),
    "sla_due_soon_hours": (1, 48),
    "sla_escalate_team_lead_days": (0, 30),
    "sla_escalate_coordinator_days": (0, 60),
    "lkv_request_months": (1, 12),
    "form_min_fill_seconds": (0, 60),
    "checkin_link_days": (1, 90),
    "checkin_link_reminder_days": (1, 20),
    "livestream_lead_min_minutes": (0, 600),
    "retention_import_file_months": (1, 120),
    "retention_contact_months": (1, 240),
    "retention_lead_text_months": (1, 240),
    "retention_placement_months": (1, 240),
    "retention_audit_months": (1, 240),
    "audit_unusual_reads_per_day": (1, 100_000),
    "booking_phone_minutes": (15, 240), "booking_video_minutes": (15, 240), "booking_visit_minutes": (15, 240),
    "booking_phone_buffer_minutes": (0, 120), "booking_video_buffer_minutes": (0, 120),
    "booking_visit_buffer_minutes": (0, 120), "booking_notice_working_days": (0, 10), "booking_weeks_ahead": (1, 12),
}
DEFAULT_RANGE = (0, 1_000_000)

# How the settings page groups them (a key not listed lands in "Overig").
GROUPS = (
    ("Eerste contact en escalatie", ("sla_working_days", "sla_due_soon_hours", "sla_escalate_team_lead_days",
                                     "sla_escalate_coordinator_days")),
    ("Doel LKS-banen", ("lks_baseline_value", "lks_baseline_date", "lks_target_value", "lks_target_date")),
    ("Plaatsingen", ("checkin_weeks", "lkv_request_months", "checkin_link_days", "checkin_link_reminder_days")),
    ("Aanmelden en livestream", ("form_min_fill_seconds", "livestream_lead_min_minutes",
                                 "livestream_lead_on_contact_request", "consent_text_version", "consent_text")),
    ("Adviesgesprek boeken", ("booking_phone_minutes", "booking_phone_buffer_minutes", "booking_video_minutes",
                              "booking_video_buffer_minutes", "booking_visit_minutes", "booking_visit_buffer_minutes",
                              "booking_notice_working_days", "booking_weeks_ahead", "booking_video_link",
                              "werkcentrum_contact")),
    ("Bewaartermijnen (maanden)", ("retention_contact_months", "retention_lead_text_months",
                                   "retention_placement_months", "retention_import_file_months",
                                   "retention_audit_months")),
    ("Logboek", ("audit_unusual_reads_per_day",)),
)


@dataclass(frozen=True)
class SettingGroup:
    title: str
    settings: list[Setting]


def grouped() -> list[SettingGroup]:
    """Every setting, in the groups of the settings page."""
    by_key = {row.key: row for row in db.session.scalars(select(Setting))}
    groups = []
    for title, keys in GROUPS:
        rows = [by_key.pop(key) for key in keys if key in by_key]
        if rows:
            groups.append(SettingGroup(title, rows))
    if by_key:
        groups.append(SettingGroup("Overig", sorted(by_key.values(), key=lambda row: row.key)))
    return groups


def as_text(value: Any) -> str:
    """A setting's value as the settings form shows it."""
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def update_settings(submitted: Mapping[str, str], *, actor: User | None) -> list[str]:
    """Change the settings whose submitted text differs; all or nothing. Returns the changed keys."""
    rows = {row.key: row for row in db.session.scalars(select(Setting))}
    errors: dict[str, str] = {}
    changes: dict[str, Any] = {}
    for key, text in submitted.items():
        row = rows.get(key)
        if row is None:
            errors[key] = "Onbekende instelling."
            continue
        try:
            value = _parse(key, row.value, text)
        except ValueError as exc:
            errors[key] = str(exc)
            continue
        if value != row.value:
            changes[key] = value
    if "consent_text" in changes and "consent_text_version" not in changes:
        errors["consent_text_version"] = ("Geef een nieuwe versie op als de toestemmingstekst verandert; "
                                          "opgeslagen toestemmingen verwijzen naar de oude versie.")
    start = changes.get("lks_baseline_date", rows["lks_baseline_date"].value if "lks_baseline_date" in rows else None)
    end = changes.get("lks_target_date", rows["lks_target_date"].value if "lks_target_date" in rows else None)
    if start and end and start >= end and not errors.keys() & {"lks_baseline_date", "lks_target_date"}:
        errors["lks_target_date"] = "De doeldatum moet na de datum van het vertrekpunt liggen."
    if errors:
        raise ValidationError("Niet opgeslagen: controleer de gemarkeerde instellingen.", errors)
    before = {key: rows[key].value for key in changes}
    for key, value in changes.items():
        rows[key].value = value
    if changes:
        audit.record_about(actor, "settings_updated", "settings",
                           changes={key: [as_text(before[key]), as_text(v)] for key, v in changes.items()})
    db.session.flush()
    return sorted(changes)


def _parse(key: str, current: Any, text: str) -> Any:
    """The submitted text as a value of the same kind as the current one, or ValueError in Dutch."""
    text = (text or "").strip()
    if isinstance(current, bool):
        return _parse_yes_no(text)
    if isinstance(current, int):
        return _parse_whole_number(key, text)
    if isinstance(current, list):
        return _parse_rising_numbers(text)
    if key.endswith("_date"):
        return _parse_date(text)
    if not text:
        raise ValueError("Mag niet leeg zijn.")
    return text


def _parse_yes_no(text: str) -> bool:
    if text.lower() in ("ja", "true", "1", "aan"):
        return True
    if text.lower() in ("nee", "false", "0", "uit", ""):
        return False
    raise ValueError("Kies ja of nee.")


def _parse_whole_number(key: str, text: str) -> int:
    """A whole number within the setting's range."""
    if not re.fullmatch(r"-?\d+", text):
        raise ValueError("Vul een heel getal in.")
    low, high = RANGES.get(key, DEFAULT_RANGE)
    value = int(text)
    if not low <= value <= high:
        raise ValueError(f"Kies een getal van {low} tot en met {high}.")
    return value


def _parse_rising_numbers(text: str) -> list[int]:
    """Comma-separated whole numbers, rising without repeats, from 1 (such as check-in weeks)."""
    parts = [part.strip() for part in text.split(",") if part.strip()]
    if not parts or not all(re.fullmatch(r"\d+", part) for part in parts):
        raise ValueError("Vul hele getallen in, gescheiden door komma's (bijv. 2, 6, 13).")
    values = [int(part) for part in parts]
    if values != sorted(set(values)) or values[0] < 1:
        raise ValueError("De getallen moeten oplopen, zonder dubbele, vanaf 1.")
    return values


def _parse_date(text: str) -> str:
    """An ISO date (stored as its text)."""
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise ValueError("Vul een datum in als JJJJ-MM-DD.") from None

