"""What the timeline of the employer and contact pages says: every history entry as the cells of one row.

`services.employers.records` finds the entries (touchpoints, leads made, stage changes, changes to the
record) and decides what the viewer may see; this module only turns them into words and links, so
`employers/_timeline.html` loops over rows, cells and lines and prints them.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask import url_for

from ...models import STAGE_LABELS, AuditEvent, Contact, Lead, LeadStageEvent, Touchpoint
from ...services.employers.records import TimelineEntry
from ...templating import nl_datetime

ACTION_LABELS = {"employer_updated": "Gegevens gewijzigd", "employer_merged": "Samengevoegd",
                 "employer_not_duplicate": "Gemarkeerd als geen dubbel", "contact_updated": "Contactpersoon gewijzigd"}
FIELD_LABELS = {"name": "naam", "kvk": "KvK-nummer", "vestigingsnummer": "vestigingsnummer", "sector_id": "sector",
                "size_class": "grootte", "municipality_id": "gemeente", "postcode": "postcode", "website": "website",
                "account_manager_id": "accountmanager", "function": "functie", "email": "e-mailadres",
                "phone": "telefoonnummer", "opted_out_at": "afmelding"}
UTM_KEYS = ("source", "medium", "campaign", "content", "term", "id")
NO_NAME = "contactpersoon zonder naam"
HIDDEN_MESSAGE = "Bericht alleen voor wie de lead bewerkt."
NOTHING = "–"


@dataclass(frozen=True)
class Line:
    """One line of a cell: text, in a span of `style` (a CSS class) or as a link to `url`."""

    text: str
    style: str = ""
    url: str = ""


@dataclass(frozen=True)
class Cell:
    """The lines of one table cell (printed with a line break between them) and the cell's CSS class."""

    lines: tuple[Line, ...] = ()
    style: str = ""


EMPTY = Cell((Line(NOTHING),))


@dataclass(frozen=True)
class TimelineRow:
    """One row of the timeline: when, what happened, channel and phase, where it came from, details."""

    at: str
    event: Cell
    channel: Cell = EMPTY
    origin: Cell = EMPTY
    details: Cell = EMPTY


def contact_names(contacts: Iterable[Contact]) -> dict[int, str]:
    """Contact id → the name a change to that contact is shown under."""
    return {contact.id: contact.name or NO_NAME for contact in contacts}


def timeline_rows(entries: Iterable[TimelineEntry], *, show_contact: bool,
                  contact_names: dict[int, str] | None = None) -> list[TimelineRow]:
    """The rows for `employers/_timeline.html`, in the order of `entries` (newest first).

    `show_contact`: link each touchpoint to its contact (the employer page; the contact page is that contact).
    `contact_names`: the names of the employer's contacts, for changes to a contact.
    """
    rows = []
    for entry in entries:
        if entry.kind == "touchpoint":
            rows.append(_touchpoint_row(entry, show_contact=show_contact))
        elif entry.kind == "lead_created":
            rows.append(_lead_created_row(entry))
        elif entry.kind == "stage":
            rows.append(_stage_row(entry))
        else:
            rows.append(_change_row(entry, contact_names or {}))
    return rows


def _with_phase(channel: str, phase) -> Cell:
    return Cell((Line(channel), *((Line(phase.name, "small"),) if phase else ())))


def _actor(actor) -> Line:
    return Line(actor.name if actor else "systeem")


# --- the kinds of entry ----------------------------------------------------------------------------------

def _touchpoint_row(entry: TimelineEntry, *, show_contact: bool) -> TimelineRow:
    touchpoint: Touchpoint = entry.item
    event = [Line(touchpoint.kind_label)]
    if touchpoint.lead_id:
        event.append(Line(f"bij lead {touchpoint.lead_id}", "muted small"))
    details = []
    if touchpoint.contact and show_contact:
        details.append(Line(touchpoint.contact.name or NO_NAME,
                            url=url_for("employers.show_contact", contact_id=touchpoint.contact.id)))
    if touchpoint.message:
        details.append(Line(touchpoint.message) if entry.visible else Line(HIDDEN_MESSAGE, "muted small"))
    return TimelineRow(
        at=nl_datetime(entry.at), event=Cell(tuple(event)),
        channel=_with_phase(touchpoint.channel.name if touchpoint.channel else "kanaal onbekend", touchpoint.phase),
        origin=Cell(tuple(Line(line) for line in origin(touchpoint)) or (Line(NOTHING),), "small"),
        details=Cell(tuple(details)),
    )


def origin(touchpoint: Touchpoint) -> list[str]:
    """Where a touchpoint came from, in the order attribution uses: ad code, UTM values, the visitor's answer."""
    lines = []
    if touchpoint.ad_code:
        lines.append(f"Advertentiecode {touchpoint.ad_code.code} ({touchpoint.ad_code.title})")
    for key in UTM_KEYS:
        if value := getattr(touchpoint, f"utm_{key}"):
            lines.append(f"utm_{key}={value}")
    if touchpoint.how_heard:
        lines.append(f"Gehoord via: {touchpoint.how_heard}")
    return lines


def _lead_created_row(entry: TimelineEntry) -> TimelineRow:
    lead: Lead = entry.item
    return TimelineRow(at=nl_datetime(entry.at), event=Cell((Line(f"Lead {lead.id} aangemaakt"),)),
                       channel=_with_phase(lead.channel.name if lead.channel else NOTHING, lead.phase))


def _stage_row(entry: TimelineEntry) -> TimelineRow:
    event: LeadStageEvent = entry.item
    before = STAGE_LABELS[event.from_stage] if event.from_stage else "nieuw"
    details = [_actor(event.actor), *((Line(event.note, "small"),) if event.note else ())]
    return TimelineRow(at=nl_datetime(entry.at),
                       event=Cell((Line(f"Lead {event.lead_id}: {before} → {STAGE_LABELS[event.to_stage]}"),)),
                       details=Cell(tuple(details)))


def _change_row(entry: TimelineEntry, names: dict[int, str]) -> TimelineRow:
    change: AuditEvent = entry.item
    return TimelineRow(at=nl_datetime(entry.at), event=Cell((Line(ACTION_LABELS.get(change.action, change.action)),)),
                       details=Cell((_actor(change.actor), Line(change_summary(change, names), "small"))))


def change_summary(change: AuditEvent, names: dict[int, str]) -> str:
    """What a change to the record or a contact was: the fields changed, or what was merged or told apart."""
    detail = change.detail or {}
    if change.action in ("employer_updated", "contact_updated"):
        fields = ", ".join(FIELD_LABELS.get(name, name) for name in detail.get("fields", []))
        if change.action == "contact_updated":
            return f"{names.get(change.object_id, f'contactpersoon {change.object_id}')}: {fields}"
        return fields
    if change.action == "employer_merged":
        kvk = f", KvK {detail.get('merged_kvk')}" if detail.get("merged_kvk") else ""
        return (f"{detail.get('merged_name')} (nummer {detail.get('merged_employer_id')}{kvk}) "
                "is hierin opgegaan")
    if change.action == "employer_not_duplicate":
        return f"{detail.get('other_name')} (nummer {detail.get('other_employer_id')}) is een andere organisatie"
    return ""
