"""The audit log as people read it: filters, entries in Dutch words with names, the export, unusual access.

`services.audit` writes entries with codes (action, object type, field names, reference codes);
this module turns them into sentences an administrator understands: "Fase: Contact gehad →
Adviesgesprek", "Hoe beëindigd: Met wederzijds goedvinden", names of people and records instead
of numbers. Names are looked up per page in one query per kind of record, never per entry.
"""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.orm import aliased

from ...extensions import db
from ...models import (
    ROLES,
    STAGE_LABELS,
    AuditEvent,
    Contact,
    Employer,
    EndHow,
    EndWhy,
    Instrument,
    JobcoachOrganisation,
    Lead,
    LostReason,
    Municipality,
    Partner,
    Placement,
    Sector,
    Setting,
    SizeClass,
    Team,
    User,
)
from ...models.audit import ACTION_LABELS, OBJECT_LABELS, OUTCOME_LABELS
from ...models.campaigns import EVENT_KINDS
from ...models.leads import LOST
from ...models.meetings import MEETING_KINDS, PLACE_KINDS
from ...models.partners import PARTNER_KINDS
from ...models.placements import (
    ACTIVITY_KINDS,
    CHECKIN_WITH,
    CONTRACT_TYPES,
    INTERVENTION_KINDS,
    JOBCOACH_KINDS,
    LKS_TYPES,
    RISK_LEVELS,
)
from ...models.routing import ESCALATION_LEVELS
from ...models.types import MAX_DB_ID
from ...permissions import ADVISOR, MANAGE_USERS, TEAMLEAD, WORK_LEADS, visible_leads_clause
from .. import audit
from ..calendar import AMSTERDAM, long_date, long_datetime
from ..errors import ValidationError
from ..placements.access import visible_placements_clause
from ..reports.exports import Column, Table
from ..reports.period import Period
from ..reports.sqltime import local_date, years_for

# Actions and kinds of record the model's label lists do not name (yet); the model's labels win.
EXTRA_ACTION_LABELS = {
    "audit_log_exported": "Logboek gedownload (inzage)",
    "stage_changed": "Fase gewijzigd",
    "meeting_planned": "Afspraak gepland", "meeting_moved": "Afspraak verzet",
    "meeting_cancelled": "Afspraak geannuleerd", "meeting_held": "Afspraak gehouden",
    "calendar_feed_renewed": "Agendalink vernieuwd", "calendar_feed_revoked": "Agendalink ingetrokken",
    "mail_retried": "E-mail opnieuw verstuurd", "task_retried": "Taak opnieuw gestart",
    "availability_changed": "Beschikbaarheid gewijzigd", "booking_made": "Afspraak geboekt door werkgever",
    "booking_moved": "Geboekte afspraak verzet", "booking_cancelled": "Geboekte afspraak geannuleerd",
    "callback_requested": "Terugbelverzoek ontvangen", "checkin_link_sent": "Check-invragen verstuurd",
    "checkin_link_reminded": "Herinnering check-invragen verstuurd",
    "checkin_link_answered": "Check-invragen beantwoord",
    "spend_recorded": "Uitgave vastgelegd", "spend_updated": "Uitgave gewijzigd", "spend_deleted": "Uitgave verwijderd",
    "spend_imported": "Uitgaven ingelezen",
    "employee_voice_consented": "Toestemming werknemer voor eigen check-invragen vastgelegd",
    "employee_voice_withdrawn": "Toestemming werknemer voor eigen check-invragen ingetrokken",
}
EXTRA_OBJECT_LABELS = {
    "audit_events": "Logboek", "meetings": "Afspraak", "mail_outbox": "E-mailbericht", "task_runs": "Achtergrondtaak",
    "lead_stage_events": "Fasewijziging", "bookings": "Geboekte afspraak", "booking_offers": "Boekingslink",
    "checkin_links": "Check-invragenlink", "campaign_spend": "Uitgave", "calendar_feeds": "Agendalink",
}
ACTIONS = {**EXTRA_ACTION_LABELS, **ACTION_LABELS}
OBJECTS = {**EXTRA_OBJECT_LABELS, **OBJECT_LABELS}

# Entries that record a look at personal data rather than a change; the "Inzages" tab shows these.
READ_ACTIONS = frozenset({"read", "search", "contact_exported", "import_errors_downloaded", "audit_log_exported"})
KINDS = {"changes": "Wijzigingen", "reads": "Inzages"}
EXPORT_LIMIT = 20_000  # rows in one download; narrow the filter for more
DEFAULT_READS_PER_DAY = 100  # when the setting below has no row yet
READS_PER_DAY_SETTING = "audit_unusual_reads_per_day"
# Roles that work inside a team or partner; admins and the campaign team read across the region by their role.
TEAM_BOUND_ROLES = (ADVISOR, TEAMLEAD)


# --- filtering ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LogFilter:
    """Which entries to show: changes or reads (or both), by whom, about which record, in which days."""

    kind: str | None = None  # "changes", "reads" or None for both
    actor_id: int | None = None
    object_type: str | None = None
    object_id: int | None = None
    start: date | None = None
    end: date | None = None
    action: str | None = None
    outcome: str | None = None

    @property
    def is_empty(self) -> bool:
        return self == LogFilter(kind=self.kind)


def _text(args: Mapping[str, str], name: str) -> str | None:
    value = str(args.get(name) or "").strip()
    return value or None


def _number(raw: str | None, name: str, what: str, errors: dict[str, str]) -> int | None:
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit() and 0 < int(raw) <= MAX_DB_ID):
        errors[name] = f"{what}: geef een geheel getal groter dan 0, niet {raw!r}."
        return None
    return int(raw)


def _day(raw: str | None, name: str, errors: dict[str, str]) -> date | None:
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors[name] = f"Geen geldige datum: {raw!r}. Gebruik jjjj-mm-dd, bijvoorbeeld 2026-05-01."
        return None


def parse_log_filter(args: Mapping[str, str]) -> LogFilter:
    """A LogFilter from query arguments (kind, actor, object_type, object_id, from, to, action, outcome);
    every bad value is named in one Dutch ValidationError."""
    errors: dict[str, str] = {}
    kind = _text(args, "kind")
    if kind is not None and kind not in KINDS:
        errors["kind"] = "Kies wijzigingen of inzages."
    actor_id = _number(_text(args, "actor"), "actor", "Persoon", errors)
    if actor_id is not None and db.session.get(User, actor_id) is None:
        errors["actor"] = f"Er is geen gebruiker met nummer {actor_id}."
    object_type = _text(args, "object_type")
    if object_type is not None and object_type not in OBJECTS:
        errors["object_type"] = "Kies een soort gegeven uit de lijst."
    object_id = _number(_text(args, "object_id"), "object_id", "Nummer van het gegeven", errors)
    if object_id is not None and object_type is None and "object_type" not in errors:
        errors["object_type"] = "Kies ook de soort gegeven bij het nummer."
    start, end = _day(_text(args, "from"), "from", errors), _day(_text(args, "to"), "to", errors)
    if start and end and start > end:
        errors["to"] = f"De einddatum {long_date(end)} ligt voor de begindatum {long_date(start)}."
    action = _text(args, "action")
    if action is not None and action not in ACTIONS:
        errors["action"] = "Kies een actie uit de lijst."
    outcome = _text(args, "outcome")
    if outcome is not None and outcome not in OUTCOME_LABELS:
        errors["outcome"] = "Kies een uitkomst uit de lijst."
    if errors:
        raise ValidationError("Het filter van het logboek klopt niet; controleer de gemarkeerde velden.", errors)
    return LogFilter(kind, actor_id, object_type, object_id, start, end, action, outcome)


def log_query(flt: LogFilter) -> Select:
    """The entries matching the filter, newest first (the caller paginates)."""
    query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if flt.kind == "reads":
        query = query.where(AuditEvent.action.in_(READ_ACTIONS))
    elif flt.kind == "changes":
        query = query.where(AuditEvent.action.not_in(READ_ACTIONS))
    if flt.actor_id:
        query = query.where(AuditEvent.actor_id == flt.actor_id)
    if flt.object_type:
        query = query.where(AuditEvent.object_type == flt.object_type)
    if flt.object_id:
        query = query.where(AuditEvent.object_id == flt.object_id)
    if flt.start:
        query = query.where(AuditEvent.at >= Period(flt.start, flt.start).start_utc)
    if flt.end:
        query = query.where(AuditEvent.at < Period(flt.end, flt.end).end_utc)
    if flt.action:
        query = query.where(AuditEvent.action == flt.action)
    if flt.outcome:
        query = query.where(AuditEvent.outcome == flt.outcome)
    return query


def people() -> list[tuple[int, str]]:
    """(id, "name (role)") of every user, for the person filter."""
    rows = db.session.execute(select(User.id, User.name, User.role).order_by(User.name, User.id))
    return [(user_id, f"{name} ({ROLES.get(role, role).lower()})") for user_id, name, role in rows]


# --- names and links ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Ref:
    """A record in words ("Lead 12 · Bakkerij Jansen"), and the page it opens on when the viewer may open it."""

    label: str
    kind: str | None = None  # "users", "leads", "employers", "contacts", "placements": which page
    id: int | None = None

    @property
    def openable(self) -> bool:
        return self.kind is not None


@dataclass
class _Names:
    """Names of the records a page of entries mentions, looked up in one query per kind."""

    users: dict[int, str] = field(default_factory=dict)
    leads: dict[int, str] = field(default_factory=dict)
    employers: dict[int, str] = field(default_factory=dict)
    contacts: dict[int, str] = field(default_factory=dict)
    placements: dict[int, str] = field(default_factory=dict)
    teams: dict[int, str] = field(default_factory=dict)
    partners: dict[int, str] = field(default_factory=dict)
    jobcoach_organisations: dict[int, str] = field(default_factory=dict)
    visible_leads: set[int] = field(default_factory=set)
    visible_placements: set[int] = field(default_factory=set)
    settings: dict[str, str] = field(default_factory=dict)
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    ids: dict[str, dict[int, str]] = field(default_factory=dict)


# Detail keys that hold the id of another record, and the kind of record.
ID_KEYS = {"lead_id": "leads", "placement_id": "placements", "employer_id": "employers",
           "other_employer_id": "employers", "merged_employer_id": "employers",
           "jobcoach_org_id": "jobcoach_organisations"}
# Object types whose entries belong to a parent record named in the detail (an activity to its lead …).
PARENT_KEYS = ("placement_id", "lead_id")


def _wanted(events: Iterable[AuditEvent]) -> defaultdict[str, set[int]]:
    wanted: defaultdict[str, set[int]] = defaultdict(set)
    for event in events:
        if event.actor_id:
            wanted["users"].add(event.actor_id)
        if event.object_id is not None:
            wanted[event.object_type].add(event.object_id)
        detail = event.detail or {}
        for key, kind in ID_KEYS.items():
            value = detail.get(key)
            if isinstance(value, int) and not isinstance(value, bool):
                wanted[kind].add(value)
        for key, value in [*((k, v) for k, pair in (detail.get("changes") or {}).items() for v in pair),
                           *detail.items()]:
            if isinstance(value, int) and not isinstance(value, bool):
                if key in ("owner_id", "account_manager_id", "backup_id", "advisor_id"):
                    wanted["users"].add(value)
                elif key == "team_id":
                    wanted["teams"].add(value)
    return wanted


def _lookup(wanted: set[int], *columns) -> dict[int, Any]:
    if not wanted:
        return {}
    id_column = columns[0]
    return {row[0]: row[1] if len(row) == 2 else tuple(row[1:])
            for row in db.session.execute(select(*columns).where(id_column.in_(wanted)))}


def _names(wanted: dict[str, set[int]], viewer: User) -> _Names:
    names = _Names()
    names.users = _lookup(wanted["users"], User.id, User.name)
    names.leads = _lookup(wanted["leads"], Lead.id, select(Employer.name).where(Employer.id == Lead.employer_id)
                          .scalar_subquery())
    if wanted["leads"]:
        names.visible_leads = set(db.session.scalars(
            select(Lead.id).where(Lead.id.in_(wanted["leads"]), visible_leads_clause(viewer))))
    names.employers = _lookup(wanted["employers"], Employer.id, Employer.name)
    names.contacts = _lookup(wanted["contacts"], Contact.id,
                             select(Employer.name).where(Employer.id == Contact.employer_id).scalar_subquery())
    names.placements = _lookup(wanted["placements"], Placement.id, Placement.reference)
    if wanted["placements"]:
        names.visible_placements = set(db.session.scalars(
            select(Placement.id).where(Placement.id.in_(wanted["placements"]), visible_placements_clause(viewer))))
    names.teams = _lookup(wanted["teams"], Team.id, Team.name)
    names.partners = _lookup(wanted["partners"], Partner.id, Partner.name)
    names.jobcoach_organisations = _lookup(wanted["jobcoach_organisations"], JobcoachOrganisation.id,
                                           JobcoachOrganisation.name)
    names.settings = dict(db.session.execute(select(Setting.key, Setting.label)).all())
    names.codes = {
        "end_how": dict(db.session.execute(select(EndHow.code, EndHow.name)).all()),
        "end_why": dict(db.session.execute(select(EndWhy.code, EndWhy.name)).all()),
        "instrument": dict(db.session.execute(select(Instrument.code, Instrument.name)).all()),
        "lost_reason": dict(db.session.execute(select(LostReason.code, LostReason.name)).all()),
        "size_class": dict(db.session.execute(select(SizeClass.code, SizeClass.name)).all()),
    }
    names.ids = {
        "sector_id": dict(db.session.execute(select(Sector.id, Sector.name)).all()),
        "municipality_id": dict(db.session.execute(select(Municipality.id, Municipality.name)).all()),
    }
    return names


def _ref(kind: str, record_id: int | None, names: _Names, viewer: User) -> Ref:
    """A record in words, with a link kind when the viewer may open its page."""
    what = OBJECTS.get(kind, "Gegeven")
    if record_id is None:
        return Ref(what)
    if kind == "users":
        name = names.users.get(record_id)
        return Ref(f"{what} {name}" if name else f"{what} (verwijderd)",
                   "users" if name and viewer.role in MANAGE_USERS else None, record_id)
    if kind == "leads":
        employer = names.leads.get(record_id)
        return Ref(f"Lead {record_id}" + (f" · {employer}" if employer else ""),
                   "leads" if record_id in names.visible_leads else None, record_id)
    if kind == "employers":
        name = names.employers.get(record_id)
        return Ref(f"{what} {name}" if name else f"{what} {record_id}",
                   "employers" if name and viewer.role in WORK_LEADS else None, record_id)
    if kind == "contacts":
        # The contact's own name would make the log a second copy of personal data: the employer says enough.
        employer = names.contacts.get(record_id)
        return Ref(f"{what} {record_id}" + (f" bij {employer}" if employer else ""),
                   "contacts" if employer and viewer.role in WORK_LEADS else None, record_id)
    if kind == "placements":
        reference = names.placements.get(record_id)
        return Ref(f"{what} {reference}" if reference else f"{what} {record_id}",
                   "placements" if record_id in names.visible_placements else None, record_id)
    lookup = {"teams": names.teams, "partners": names.partners,
              "jobcoach_organisations": names.jobcoach_organisations}.get(kind, {})
    return Ref(f"{what} {lookup[record_id]}" if record_id in lookup else f"{what} {record_id}")


# --- values and fields in words ----------------------------------------------------------------------

# Field and detail names in Dutch, for every key the services write into an entry.
FIELD_LABELS = {
    # people and organisation
    "name": "Naam", "role": "Rol", "capacity": "Capaciteit (open leads)", "partner": "Partner", "team": "Team",
    "backup": "Vervanger", "skills": "Sectoren", "municipalities": "Gemeenten", "description": "Omschrijving",
    "is_pool": "Vangnetteam", "active": "Actief", "municipality": "Gemeente", "starts_on": "Van",
    "ends_on": "Tot en met", "step": "Stap", "path": "Pagina", "method": "Verzoek", "status": "HTTP-status",
    # employers and contacts
    "kvk": "KvK-nummer", "vestigingsnummer": "Vestigingsnummer", "sbi_code": "SBI-code", "sector_id": "Sector",
    "size_class": "Grootteklasse", "municipality_id": "Gemeente", "postcode": "Postcode", "website": "Website",
    "email_domain": "E-maildomein", "account_manager_id": "Accountmanager", "account_manager": "Accountmanager",
    "function": "Functie", "email": "E-mailadres", "phone": "Telefoonnummer", "opted_out": "Afgemeld",
    "opted_out_at": "Afgemeld", "other_name": "Andere werkgever", "merged_name": "Opgegane werkgever",
    "merged_kvk": "KvK-nummer van de opgegane werkgever", "moved": "Verplaatst", "merged_contacts":
        "Samengevoegde contactpersonen", "closed_leads": "Gesloten leads", "counts": "Gewist",
    # leads and work
    "stage": "Fase", "from_stage": "Van fase", "to_stage": "Naar fase", "lost_reason": "Reden vervallen",
    "owner_id": "Adviseur", "team_id": "Team", "note": "Toelichting", "kind": "Soort", "completes":
        "Ook afgeronde acties", "lead_id": "Lead", "employer_id": "Werkgever", "other_employer_id": "Andere werkgever",
    "merged_employer_id": "Opgegane werkgever", "attendees": "Deelnemers", "sequence": "Versie van de uitnodiging",
    "moved_lead": "Lead naar Adviesgesprek gezet", "starts_at": "Begin", "ends_at": "Einde",
    "place_kind": "Soort plek",
    # placements
    "reference": "Kenmerk", "candidate_ref": "Kandidaatreferentie", "instrument": "Instrument", "start_date":
        "Startdatum", "end_date": "Einddatum", "end_how": "Hoe beëindigd", "end_why": "Waarom beëindigd",
    "influenceable": "Beïnvloedbare reden", "lks_type": "Soort LKS", "loonwaarde_pct": "Loonwaarde (%)",
    "loonwaarde_assessed_on": "Loonwaarde gemeten op", "loonwaarde_reassess_on": "Loonwaarde opnieuw meten op",
    "hours_per_week": "Uren per week", "contract_type": "Soort contract", "fixed_term_ends_on":
        "Einde tijdelijk contract", "vacancy_id": "Vacature", "jobcoach_org": "Jobcoachorganisatie",
    "jobcoach_org_id": "Jobcoachorganisatie", "jobcoach_kind": "Soort jobcoach", "jobcoach_hours": "Jobcoachuren",
    "jobcoach_funder": "Financier jobcoach", "doelgroepregister": "In het doelgroepregister",
    "lkv_requested_on": "Doelgroepverklaring aangevraagd op", "no_riskpolis": "No-riskpolis",
    "previous_placement_id": "Vorige plaatsing", "placement_id": "Plaatsing", "week": "Week", "level": "Niveau",
    "api_token": "Via API-sleutel",
    # campaigns, imports, settings, system
    "code": "Code", "title": "Titel", "slug": "Webadres", "registration_open": "Aanmelden open",
    "phase": "Fase", "utm_source": "UTM-bron", "utm_medium": "UTM-medium", "preset": "Soort import",
    "rows": "Regels", "created_leads": "Nieuwe leads", "attached": "Bij bestaande leads", "unchanged": "Ongewijzigd",
    "rejected_rows": "Afgewezen regels", "format": "Bestandsvorm", "key": "Instelling", "kinds": "Gezocht in",
    "shown": "Getoonde resultaten", "task": "Taak", "attempts": "Pogingen", "last_error": "Laatste fout",
    "filters": "Filter", "fields": "Gewijzigde velden",
    # meetings, bookings, check-in questions, availability
    "advisor_id": "Adviseur", "meeting_id": "Afspraak", "checkin_id": "Check-in", "part": "Dagdeel",
    "change": "Wijziging", "weekday": "Weekdag", "day": "Dag", "text_version": "Versie van de tekst",
    "source": "Bron", "filename": "Bestand", "external_id": "Kenmerk bij de bron",
}
# Values that are codes of a fixed list, per field (the reference tables are read per page, see _Names.codes).
CODE_LABELS: dict[str, Mapping[str, str]] = {
    "role": ROLES, "stage": {**STAGE_LABELS, LOST: "Vervallen"}, "from_stage": {**STAGE_LABELS, LOST: "Vervallen"},
    "to_stage": {**STAGE_LABELS, LOST: "Vervallen"}, "lks_type": LKS_TYPES, "contract_type": CONTRACT_TYPES,
    "jobcoach_kind": JOBCOACH_KINDS, "level": RISK_LEVELS, "place_kind": PLACE_KINDS,
    "with": CHECKIN_WITH, "escalation": ESCALATION_LEVELS,
    "kinds": {"employers": "werkgevers", "contacts": "contactpersonen", "leads": "leads"},
    "change": {"weekly_added": "vaste uren toegevoegd", "weekly_removed": "vaste uren verwijderd",
               "exception_removed": "uitzondering verwijderd", "exception_absent": "afwezig op een dag",
               "exception_extra": "extra uren op een dag"},
    "weekday": {str(n): day for n, day in enumerate(("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag",
                                                   "zaterdag", "zondag"))},
    "format": {"csv": "CSV", "xlsx": "XLSX (Excel)", "json": "JSON"},
    "shown": {"employers": "werkgevers", "contacts": "contactpersonen", "leads": "leads"},
}
# "kind" means a different list per action.
KIND_LABELS: dict[str, Mapping[str, str]] = {
    "activity_logged": ACTIVITY_KINDS, "intervention_added": INTERVENTION_KINDS, "event_created": EVENT_KINDS,
    "meeting_planned": MEETING_KINDS, "partner_created": PARTNER_KINDS, "partner_updated": PARTNER_KINDS,
}
ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
EMPTY = "(leeg)"


def field_label(key: str, object_type: str = "", names: _Names | None = None) -> str:
    """A field or detail key in Dutch; a setting by its own label."""
    if object_type == "settings" and names and key in names.settings:
        return names.settings[key]
    if key in FIELD_LABELS:
        return FIELD_LABELS[key]
    return key.replace("_", " ").capitalize()  # a key added since: still readable words, not an identifier


def value_text(key: str, value: Any, *, action: str = "", names: _Names | None = None) -> str:
    """A stored value in words: codes by their Dutch name, yes/no, dates written out, ids by name."""
    if value is None or value == "" or value == []:
        return EMPTY
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, list):
        return ", ".join(value_text(key, item, action=action, names=names) for item in value)
    if isinstance(value, dict):
        return ", ".join(f"{value_text(key, k, action=action, names=names)}: {value_text('', v)}"
                         for k, v in value.items())
    named = _named(key, value, action, names)
    if named is not None:
        return named
    if isinstance(value, str) and ISO_MOMENT.match(value):
        try:
            return long_datetime(datetime.fromisoformat(value.replace("Z", "+00:00")))
        except ValueError:
            return value
    if isinstance(value, str) and ISO_DAY.fullmatch(value):
        return long_date(date.fromisoformat(value))
    if isinstance(value, float):
        return f"{value:g}".replace(".", ",")
    return str(value)


def _named(key: str, value: Any, action: str, names: _Names | None) -> str | None:
    """A code or id by its Dutch name (fixed lists, reference tables, people, teams), or None."""
    text = str(value)
    lists = [KIND_LABELS.get(action, {})] if key == "kind" else [CODE_LABELS.get(key, {})]
    if names is not None:
        lists += [names.codes.get(key, {}), {str(k): v for k, v in names.ids.get(key, {}).items()}]
        if key in ("owner_id", "account_manager_id", "backup_id", "advisor_id"):
            lists.append({str(k): v for k, v in names.users.items()})
        if key == "team_id":
            lists.append({str(k): v for k, v in names.teams.items()})
    for labels in lists:
        if text in labels:
            return labels[text]
    return None


@dataclass(frozen=True)
class LogLine:
    """One entry as the log page and the export show it."""

    id: int
    at: datetime
    actor: Ref
    action: str  # in Dutch
    outcome: str  # in Dutch
    ok: bool
    is_read: bool
    subject: Ref
    origin: str
    details: list[str]


def _details(event: AuditEvent, names: _Names, viewer: User) -> tuple[list[str], Ref | None]:
    """The entry's detail as sentences, and the parent record it belongs to (an activity's lead), if any."""
    detail = dict(event.detail or {})
    lines = []
    parent = None
    for key in PARENT_KEYS:
        value = detail.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and event.object_type not in ("leads", "placements"):
            parent = _ref(ID_KEYS[key], value, names, viewer)
            detail.pop(key)
            break
    for old_new_key, (old, new) in (detail.pop("changes", None) or {}).items():
        label = field_label(old_new_key, event.object_type, names)
        lines.append(f"{label}: {value_text(old_new_key, old, action=event.action, names=names)} → "
                     f"{value_text(old_new_key, new, action=event.action, names=names)}")
    changed = detail.pop("fields", None)
    if changed:
        shown = {line.split(":")[0] for line in lines}
        rest = [field_label(name, event.object_type, names) for name in changed]
        rest = [label for label in rest if label not in shown]
        if rest:
            lines.append("Gewijzigd: " + ", ".join(dict.fromkeys(rest)))
    if event.action == "setting_changed":
        detail.pop("key", None)  # the change above already names the setting
    for key, value in detail.items():
        if key in ID_KEYS:
            lines.append(f"{field_label(key)}: {_ref(ID_KEYS[key], value, names, viewer).label}")
        elif key == "completes":
            lines.append(f"Ook afgeronde acties: {len(value)}" if isinstance(value, list) else f"Ook afgerond: {value}")
        else:
            lines.append(f"{field_label(key, event.object_type, names)}: "
                         f"{value_text(key, value, action=event.action, names=names)}")
    return lines, parent


def readable(events: list[AuditEvent], viewer: User) -> list[LogLine]:
    """The entries in words, with names and (where the viewer may open them) links; a few queries per page."""
    names = _names(_wanted(events), viewer)
    out = []
    for event in events:
        lines, parent = _details(event, names, viewer)
        subject = _ref(event.object_type, event.object_id, names, viewer)
        if event.object_type == "settings":
            subject = Ref("Instellingen")
        elif event.object_type == "search":
            subject = Ref("Zoekvak")
        elif event.object_type == "purge":
            subject = Ref("Bewaartermijnen")
        if parent is not None and not subject.openable:
            subject = Ref(f"{subject.label} ({parent.label})", parent.kind, parent.id)
        actor = _person(event.actor_id, names, viewer) if event.actor_id else Ref("Systeem")
        out.append(LogLine(event.id, event.at, actor, ACTIONS.get(event.action, _words(event.action)),
                           OUTCOME_LABELS.get(event.outcome, event.outcome), event.outcome == audit.OK,
                           event.action in READ_ACTIONS, subject, event.origin or "–", lines))
    return out


def _words(code: str) -> str:
    """An action added since without a label: its code as words (a test keeps the label list complete)."""
    return code.replace("_", " ").capitalize()


# --- the export --------------------------------------------------------------------------------------

def export_table(flt: LogFilter, viewer: User) -> tuple[Table, bool]:
    """The filtered entries (at most EXPORT_LIMIT, newest first) as a table; True when the limit cut it off.

    The caller records the export itself as a read (`record_export`): the file holds who read what."""
    events = list(db.session.scalars(log_query(flt).limit(EXPORT_LIMIT + 1)))
    cut = len(events) > EXPORT_LIMIT
    lines = readable(events[:EXPORT_LIMIT], viewer)
    rows = [[line.at.astimezone(AMSTERDAM).replace(tzinfo=None), line.actor.label, line.action,
             "Inzage" if line.is_read else "Wijziging", line.outcome, line.subject.label, line.origin,
             "; ".join(line.details)] for line in lines]
    table = Table("logboek", "Logboek", [
        Column("Tijd", "datetime"), Column("Wie", "text"), Column("Actie", "text"), Column("Soort", "text"),
        Column("Uitkomst", "text"), Column("Gegeven", "text"), Column("Herkomst", "text"),
        Column("Wijzigingen en details", "text")], rows, sheet="Logboek",
        note=f"Alleen de nieuwste {EXPORT_LIMIT:,} regels; maak het filter kleiner voor de rest.".replace(",", ".")
        if cut else "")
    return table, cut


def describe_filter(flt: LogFilter) -> str:
    """The filter in words, for the export's explanation and its own log entry."""
    parts = []
    if flt.kind:
        parts.append(KINDS[flt.kind].lower())
    if flt.actor_id:
        parts.append(f"persoon: {db.session.scalar(select(User.name).where(User.id == flt.actor_id))}")
    if flt.object_type:
        parts.append(f"gegeven: {OBJECTS[flt.object_type].lower()}"
                     + (f" {flt.object_id}" if flt.object_id else ""))
    if flt.start or flt.end:
        parts.append(f"van {long_date(flt.start) if flt.start else 'het begin'} "
                     f"tot en met {long_date(flt.end) if flt.end else 'vandaag'}")
    if flt.action:
        parts.append(f"actie: {ACTIONS[flt.action].lower()}")
    if flt.outcome:
        parts.append(f"uitkomst: {OUTCOME_LABELS[flt.outcome].lower()}")
    return "; ".join(parts) or "geen"


def record_export(viewer: User, flt: LogFilter, file_format: str, rows: int) -> AuditEvent:
    """Log the export of the log as a read: it hands over who read and changed what."""
    return audit.record_about(viewer, "audit_log_exported", "audit_events", None, format=file_format, rows=rows,
                              filters=describe_filter(flt))


# --- unusual access ----------------------------------------------------------------------------------

def reads_per_day_threshold() -> int:
    """How many reads in one day make a person stand out (the setting; a default until it is seeded)."""
    value = db.session.scalar(select(Setting.value).where(Setting.key == READS_PER_DAY_SETTING))
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else DEFAULT_READS_PER_DAY


@dataclass(frozen=True)
class HeavyReader:
    actor: Ref
    day: date
    reads: int


@dataclass(frozen=True)
class CrossRead:
    actor: Ref
    subject: Ref
    why: str
    reads: int
    last: datetime


def heavy_readers(period: Period, threshold: int, viewer: User) -> list[HeavyReader]:
    """People who read at least `threshold` records with personal data on one day of the period (Dutch days)."""
    day = local_date(AuditEvent.at, years_for(period.start, period.end)).label("day")
    counted = (select(AuditEvent.actor_id, day, func.count().label("reads"))
               .where(AuditEvent.action == "read", AuditEvent.actor_id.is_not(None),
                      AuditEvent.at >= period.start_utc, AuditEvent.at < period.end_utc)
               .group_by(AuditEvent.actor_id, day).subquery())
    rows = db.session.execute(select(counted).where(counted.c.reads >= threshold)
                              .order_by(counted.c.reads.desc(), counted.c.day.desc()).limit(200)).all()
    names = _Names(users=_lookup({row.actor_id for row in rows}, User.id, User.name))
    return [HeavyReader(_person(row.actor_id, names, viewer),
                        row.day if isinstance(row.day, date) else date.fromisoformat(str(row.day)), row.reads)
            for row in rows]


def _person(user_id: int, names: _Names, viewer: User) -> Ref:
    """A person by name (no "Gebruiker" before it), linked to their admin page for those who manage users."""
    name = names.users.get(user_id)
    return Ref(name or f"Gebruiker {user_id} (verwijderd)", "users" if name and viewer.role in MANAGE_USERS else None,
               user_id)


def cross_reads(period: Period, viewer: User) -> list[CrossRead]:
    """Reads by advisors and team leads outside their own team and partner, per person and record.

    A contact person belongs to the teams and partners working the employer's leads: a read is
    outside when the employer has leads and none of them is the reader's own, in the reader's
    team, or with an advisor of the reader's partner. A placement belongs to its partner.
    """
    reader = aliased(User, name="reader")
    owner = aliased(User, name="lead_owner")
    in_period = [AuditEvent.action == "read", AuditEvent.at >= period.start_utc, AuditEvent.at < period.end_utc,
                 reader.role.in_(TEAM_BOUND_ROLES)]
    employer_leads = select(Lead.id).where(Lead.employer_id == Contact.employer_id)
    own_lead = (select(Lead.id).outerjoin(owner, owner.id == Lead.owner_id)
                .where(Lead.employer_id == Contact.employer_id,
                       or_(Lead.owner_id == reader.id,
                           and_(reader.team_id.is_not(None), Lead.team_id == reader.team_id),
                           and_(reader.partner_id.is_not(None), owner.partner_id == reader.partner_id))))
    contacts = (select(AuditEvent.actor_id, AuditEvent.object_type, AuditEvent.object_id,
                       func.count().label("reads"), func.max(AuditEvent.at).label("last"))
                .join(reader, reader.id == AuditEvent.actor_id)
                .join(Contact, and_(AuditEvent.object_type == "contacts", Contact.id == AuditEvent.object_id))
                .where(*in_period, exists(employer_leads), ~exists(own_lead))
                .group_by(AuditEvent.actor_id, AuditEvent.object_type, AuditEvent.object_id))
    placements = (select(AuditEvent.actor_id, AuditEvent.object_type, AuditEvent.object_id,
                         func.count().label("reads"), func.max(AuditEvent.at).label("last"))
                  .join(reader, reader.id == AuditEvent.actor_id)
                  .join(Placement, and_(AuditEvent.object_type == "placements", Placement.id == AuditEvent.object_id))
                  .where(*in_period, or_(reader.partner_id.is_(None), Placement.partner_id != reader.partner_id))
                  .group_by(AuditEvent.actor_id, AuditEvent.object_type, AuditEvent.object_id))
    rows = [*db.session.execute(contacts.limit(200)).all(), *db.session.execute(placements.limit(200)).all()]
    rows.sort(key=lambda row: row.last, reverse=True)
    wanted: defaultdict[str, set[int]] = defaultdict(set)
    for row in rows:
        wanted["users"].add(row.actor_id)
        wanted[row.object_type].add(row.object_id)
    names = _names(wanted, viewer)
    why = {"contacts": "Geen lead van deze werkgever ligt bij het eigen team of de eigen partner.",
           "placements": "De plaatsing hoort bij een andere partner."}
    return [CrossRead(_person(row.actor_id, names, viewer), _ref(row.object_type, row.object_id, names, viewer),
                      why[row.object_type], row.reads, row.last) for row in rows]
