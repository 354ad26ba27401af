"""Preview and apply an import: every record through the one intake.

The preview runs exactly what the apply runs, inside a SAVEPOINT that is always rolled back, so
"create / attach / unchanged / rejected" in the preview are the intake's own answers (including rows
that attach to a lead an earlier row of the same file creates), and nothing is written. The apply
runs in the caller's transaction; the caller commits once, or rolls back and nothing is changed.

A resumable apply (the background task: `checkpoints` given) is the same pass in chunks that each run in a
transaction of their own: after every chunk `steps()` yields, `checkpoint` says what the chunk did, and the
caller stores it with the chunk and commits. Started again with the stored checkpoints, the run skips the
chunks already committed and rebuilds its report from them, so every row is applied once.
"""
from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from itertools import islice
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError

from ...extensions import db
from ...models import (
    AdCode,
    Campaign,
    Channel,
    ChannelUtm,
    Employer,
    Event,
    EventRegistration,
    ImportBatch,
    Interest,
    Lead,
    Municipality,
    Phase,
    RoutingRule,
    SbiMapping,
    Sector,
    Setting,
    Team,
    Touchpoint,
    User,
    utcnow,
)
from ...permissions import CARRY_LEADS
from .. import audit, normalise, reference
from ..calendar import AMSTERDAM
from ..capture import events
from ..capture.intake import (
    IntakeResult,
    Lookups,
    record_touchpoint,
    record_touchpoints,
)
from ..errors import Conflict, ValidationError
from ..mail import notices
from ..routing import engine as routing
from ..spreadsheets import dutch_csv
from .presets import (
    PRESETS,
    EventSpec,
    ImportOptions,
    ParsedFile,
    Record,
    RowError,
    generic_columns,
)
from .readers import read_grid

# One import at a time on PostgreSQL (a transaction-level advisory lock): two would each hold
# employer-identity locks the other needs, and PostgreSQL would end one of them as a deadlock.
IMPORT_LOCK_NAMESPACE = 4712  # advisory-lock namespace; the intake's employer identities use 4711
ALREADY_RUNNING = ("Er wordt al een ander bestand ingelezen. Er is niets opgeslagen; probeer het opnieuw "
                   "zodra dat klaar is.")
# Records per intake batch (and per look-up of known keys in event reports); a resumable apply commits each.
CHUNK = 1000
SAMPLE = 100  # rows per category kept for the preview page
MAX_WARNINGS = 1000
# Small reference tables the intake and routing read for every row. The session's identity map holds
# objects weakly, so without a reference of our own each row would load them again by primary key.
_PINNED = (Setting, Campaign, Phase, Channel, Interest, Municipality, Sector, RoutingRule, Team)
# Objects worth keeping in the session between chunks; everything else is flushed and let go.
_KEEP = (ImportBatch, User, Campaign, Phase, Channel, ChannelUtm, Setting, Interest, Municipality, Sector, SbiMapping,
         AdCode, RoutingRule, Team)
# The counters of a report that a checkpoint carries as differences.
_COUNTS = ("created_leads", "attached", "unchanged", "repeated_in_file", "recorded", "rejected_rows", "warnings_total")
# The tables an import fills in bulk: their statistics (and on PostgreSQL the visibility map) are refreshed after a
# large import, so the reports' index-only scans and the planner see the new rows.
BULK_TABLES = ("employers", "contacts", "leads", "touchpoints", "lead_assignments", "lead_stage_events",
               "event_registrations")


@dataclass
class ImportReport:
    """What an import did (or, in a preview, would do), row by row."""

    preset: str
    rows: int = 0
    created_leads: int = 0
    attached: int = 0
    unchanged: int = 0
    repeated_in_file: int = 0  # of `unchanged`: a row whose key an earlier row of the same file had
    recorded: int = 0  # touchpoints that started no lead (e.g. a registration below the livestream rule)
    new_employers: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    warnings_total: int = 0
    samples: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    format_label: str = ""
    event: dict[str, Any] | None = None
    rejected_rows: int = 0
    seconds: float = 0.0

    @property
    def applied_anything(self) -> bool:
        """False when every row was rejected (or the file had none): nothing could be applied."""
        return self.rows > 0 and self.rejected_rows < self.rows

    def as_json(self) -> dict[str, Any]:
        """The CLI's `--json` shape (the CLI contract in the README)."""
        return {"rows": self.rows, "created_leads": self.created_leads, "attached": self.attached,
                "unchanged": self.unchanged,
                "errors": [{"row": e["row"], "column": e["column"], "message": e["message"]} for e in self.errors]}

    def summary(self) -> dict[str, Any]:
        """Everything but the errors, for ImportBatch.summary."""
        return {
            "rows": self.rows, "created_leads": self.created_leads, "attached": self.attached,
            "unchanged": self.unchanged, "repeated_in_file": self.repeated_in_file, "recorded": self.recorded,
            "new_employers": self.new_employers,
            "rejected_rows": self.rejected_rows, "warnings": self.warnings, "warnings_total": self.warnings_total,
            "samples": self.samples, "notes": self.notes, "columns": self.columns, "format": self.format_label,
            "event": self.event, "seconds": round(self.seconds, 2),
        }

    def sample(self, category: str, record: Record, detail: str = "") -> None:
        rows = self.samples.setdefault(category, [])
        if len(rows) < SAMPLE:
            rows.append({"row": record.row, "label": _scrub(record.label), "detail": detail})

    def reject(self, record: Record, errors: list[RowError]) -> None:
        self.rejected_rows += len(record.rows)
        values = {k: _scrub(v) for k, v in record.values.items()}
        for error in errors:
            self.errors.append({"row": error.row, "column": error.column, "message": _scrub(error.message),
                                "values": values})
            values = None  # the row's cells once, with its first error

    def mark(self) -> dict[str, Any]:
        """Where the report stands, for `since`."""
        return {"counts": {name: getattr(self, name) for name in _COUNTS}, "errors": len(self.errors),
                "warnings": len(self.warnings), "samples": {code: len(rows) for code, rows in self.samples.items()}}

    def since(self, mark: dict[str, Any]) -> dict[str, Any]:
        """What the report gained after `mark` (one chunk's share, as JSON), for `add` in a later run."""
        samples = {code: rows[mark["samples"].get(code, 0):] for code, rows in self.samples.items()}
        return {"counts": {name: getattr(self, name) - mark["counts"][name] for name in _COUNTS},
                "errors": self.errors[mark["errors"]:], "warnings": self.warnings[mark["warnings"]:],
                "samples": {code: rows for code, rows in samples.items() if rows}, "event": self.event}

    def add(self, part: dict[str, Any]) -> None:
        """Add one chunk's share (from `since`), as if this report had counted the chunk itself."""
        for name, value in part["counts"].items():
            setattr(self, name, getattr(self, name) + value)
        self.errors.extend(part["errors"])
        self.warnings.extend(part["warnings"])
        for code, rows in part["samples"].items():
            self.samples.setdefault(code, []).extend(rows)
        self.event = part.get("event") or self.event

    def warn(self, record: Record, message: str, *, column: str | None = None) -> None:
        """An intake warning ("field: text"), or one about a file `column` the preset already knows."""
        self.warnings_total += 1
        if len(self.warnings) >= MAX_WARNINGS:
            return
        match = None if column is not None else re.match(r"^([\w.]+): (.*)$", message, re.DOTALL)
        column, text = (record.column_for(match.group(1)), match.group(2)) if match else (column or "", message)
        self.warnings.append({"row": record.row, "column": column, "message": _scrub(text)})


def _scrub(text: str) -> str:
    """Text to keep in a summary or error file, without a BSN-like number (we never store one)."""
    try:
        normalise.refuse_bsn(text, "text")
    except ValidationError:
        return "[verwijderd: bevatte een BSN-achtig nummer]"
    return text


def check_options(options: ImportOptions) -> None:
    """Refuse an unknown preset, campaign, phase or channel before reading a single row."""
    errors: dict[str, str] = {}
    if options.preset not in PRESETS:
        errors["preset"] = f"Onbekende voorinstelling {options.preset!r}; kies uit {', '.join(PRESETS)}."
    try:
        campaign = reference.campaign(options.campaign)
        if options.phase:
            reference.phase(campaign, options.phase)
    except ValidationError as exc:
        errors.update(exc.fields)
    if options.channel:
        try:
            reference.channel(options.channel)
        except ValidationError as exc:
            errors.update(exc.fields)
    if errors:
        raise ValidationError("De importinstellingen kloppen niet: " + " ".join(errors.values()), errors)


def parse(data: bytes, filename: str, options: ImportOptions) -> ParsedFile:
    """Read the file with the chosen preset; raises FileError when the file as a whole is unreadable."""
    return PRESETS[options.preset].parse(read_grid(data, filename), options)


def file_columns(data: bytes, filename: str) -> tuple[list[str], list[dict[str, str]]]:
    """The header and first rows of a plain table, for the generic preset's mapping step."""
    return generic_columns(read_grid(data, filename))


class ImportRun:
    """One pass over a parsed file; `steps()` does the work and yields (rows done, rows total) per chunk.

    With `checkpoints` (a list, empty for a first run) the run is resumable: each chunk runs in its own
    transaction, which the caller commits after each yield together with `checkpoint`; the chunks those
    checkpoints describe were committed by an earlier run and are skipped.
    """

    def __init__(self, parsed: ParsedFile, options: ImportOptions, *, actor: User | None, batch_id: int | None,
                 dry_run: bool, checkpoints: list[dict[str, Any]] | None = None, chunk_size: int = CHUNK) -> None:
        self.parsed, self.options, self.dry_run = parsed, options, dry_run
        self.actor_id = actor.id if actor is not None else None
        self.batch_id = batch_id
        self.chunk_size = chunk_size
        self.resumable = checkpoints is not None
        self.report = ImportReport(preset=parsed.preset, rows=parsed.rows, columns=parsed.columns,
                                   format_label=parsed.format_label, notes=list(parsed.notes))
        self.checkpoint: dict[str, Any] | None = None  # the last chunk's, in a resumable run
        self.chunks_done = 0  # chunks committed by earlier runs (skipped)
        self._seen: dict[str, int] = {}
        self._event_id: int | None = None
        self._new_employers: set[int] = set()
        self._new_employer_order: list[int] = []
        self._max_employer: int | None = None
        self._done, self._last_row = 0, None
        self._lookups = Lookups()  # code look-ups, asked once for the whole file (once per chunk when resumable)
        self._router: routing.Router | None = None  # made when the run starts, inside its transaction
        if checkpoints:
            self._restore(checkpoints)

    @property
    def rows_done(self) -> int:
        return min(self._done, self.report.rows)

    def run(self) -> ImportReport:
        for _ in self.steps():
            pass
        return self.report

    def steps(self) -> Iterator[tuple[int, int]]:
        if self.resumable:
            yield from self._resumable_steps()
            return
        started = time.perf_counter()
        savepoint = db.session.begin_nested() if self.dry_run else None
        postgresql, driver, threshold = _unprepared()
        try:
            pinned = self._open(wait=False)
            records = iter(self.parsed.records)
            while chunk := list(islice(records, self.chunk_size)):
                self._process(chunk)
                db.session.flush()
                _let_go()
                yield self.rows_done, self.report.rows
        except BaseException:
            if savepoint is not None and savepoint.is_active:
                savepoint.rollback()
            raise
        finally:
            if postgresql:
                driver.prepare_threshold = threshold
        if savepoint is not None:
            savepoint.rollback()
        del pinned
        self._close(started)

    def _resumable_steps(self) -> Iterator[tuple[int, int]]:
        started = time.perf_counter()
        records = iter(self.parsed.records)
        for _ in islice(records, self.chunks_done * self.chunk_size):
            pass  # committed by an earlier run
        seq = self.chunks_done
        while chunk := list(islice(records, self.chunk_size)):
            self.checkpoint = self._chunk_in_its_own_transaction(chunk, seq)
            yield self.rows_done, self.report.rows
            seq += 1
        self._close(started)

    def _chunk_in_its_own_transaction(self, chunk: list[Record], seq: int) -> dict[str, Any]:
        """Apply one chunk in the current transaction (the caller commits it) and say what it did."""
        postgresql, driver, threshold = _unprepared()
        try:
            pinned = self._open(wait=True)
            self._lookups = Lookups()  # the code tables do not change under one transaction, but may between
            mark, seen, new = self.report.mark(), len(self._seen), len(self._new_employer_order)
            self._process(chunk)
            db.session.flush()
            _let_go()
            del pinned
        finally:
            if postgresql:
                driver.prepare_threshold = threshold
        return {"seq": seq, "chunk_size": self.chunk_size, "rows_done": self._done, "last_row": self._last_row,
                "max_employer": self._max_employer, "event_id": self._event_id, "report": self.report.since(mark),
                "seen": dict(islice(self._seen.items(), seen, None)), "new_employers": self._new_employer_order[new:]}

    def _restore(self, checkpoints: list[dict[str, Any]]) -> None:
        """Take over what the committed chunks did: report, keys seen, new employers, where the rows stand."""
        for seq, data in enumerate(checkpoints):
            if data["seq"] != seq or data["chunk_size"] != self.chunk_size:
                raise ValueError("the checkpoints do not describe consecutive chunks of this run")
            self.report.add(data["report"])
            self._seen.update(data["seen"])
            for employer_id in data["new_employers"]:
                self._note_new_employer(employer_id)
            self._max_employer = data["max_employer"]
            self._event_id = data["event_id"] or self._event_id
            self._done, self._last_row = data["rows_done"], data["last_row"]
        self.chunks_done = len(checkpoints)

    def _open(self, *, wait: bool) -> list[Any]:
        """Start work in the current transaction: the import lock, the reference rows pinned, a router, the
        event. Returns the pinned rows (keep them until the transaction's work is flushed)."""
        if db.session.get_bind().dialect.name == "postgresql":
            if wait:  # a resumable chunk waits its turn; it holds nothing yet, so it cannot deadlock
                db.session.execute(text("SELECT pg_advisory_xact_lock(:namespace, 0)"),
                                   {"namespace": IMPORT_LOCK_NAMESPACE})
            elif not db.session.scalar(text("SELECT pg_try_advisory_xact_lock(:namespace, 0)"),
                                       {"namespace": IMPORT_LOCK_NAMESPACE}):
                raise Conflict(ALREADY_RUNNING)
        pinned = [row for model in _PINNED for row in db.session.scalars(select(model))]
        pinned += db.session.scalars(select(User).where(User.role.in_(CARRY_LEADS), User.active.is_(True))).all()
        if self._max_employer is None:
            self._max_employer = db.session.scalar(select(func.max(Employer.id))) or 0
        # One router per transaction: every new lead is routed before it is written (from the first new lead
        # on, the advisors' rows stay locked until the transaction ends).
        self._router = routing.Router(actor=db.session.get(User, self.actor_id) if self.actor_id else None)
        if self.parsed.event is not None and self._event_id is None:
            self._event_id = self._find_or_create_event(self.parsed.event).id
        return pinned

    def _process(self, chunk: list[Record]) -> None:
        """One chunk of records through the intake, counted in the report and in the rows done."""
        actor = db.session.get(User, self.actor_id) if self.actor_id else None
        event = db.session.get(Event, self._event_id) if self._event_id else None
        if any(record.registration is not None for record in chunk):
            known = _known_keys([r for r in chunk if r.key and not r.errors])
            for record in chunk:
                self._one(record, known, actor, event)
        else:
            self._batch(chunk, actor)  # the intake itself answers "unchanged" for known keys
        for record in chunk:
            if record.row != self._last_row:  # a person's registration and attendance share their rows
                self._done, self._last_row = self._done + len(record.rows), record.row

    def _close(self, started: float) -> None:
        self.report.new_employers = len(self._new_employers)
        self.report.seconds = time.perf_counter() - started

    def _note_new_employer(self, employer_id: int) -> None:
        if employer_id not in self._new_employers:
            self._new_employers.add(employer_id)
            self._new_employer_order.append(employer_id)

    def _batch(self, chunk: list[Record], actor: User | None) -> None:
        """A chunk of touchpoints through the intake as one batch, then reported row by row, in order."""
        todo = [record for record in chunk if not record.errors and not (record.key and record.key in self._seen)]
        for record in todo:
            record.touchpoint.import_batch_id = self.batch_id  # records are read once, for this run
        results = record_touchpoints([r.touchpoint for r in todo], actor=actor, route=self._router,
                                     lookups=self._lookups)
        outcomes = dict(zip(map(id, todo), results, strict=True))
        for record in chunk:
            if not self._skipped(record):
                self._report(record, outcomes[id(record)])

    def _one(self, record: Record, known: set[str], actor: User | None, event: Event | None) -> None:
        if self._skipped(record, known):
            return
        try:
            if record.registration is not None:
                result = _record_registration(event, record, actor=actor, batch_id=self.batch_id, route=self._router)
            else:
                result = record_touchpoint(replace(record.touchpoint, import_batch_id=self.batch_id), actor=actor,
                                           route=self._router)
        except ValidationError as exc:
            result = exc
        self._report(record, result)

    def _skipped(self, record: Record, known: frozenset[str] | set[str] = frozenset()) -> bool:
        """Report a record that never reaches the intake: unreadable, or a key recorded before."""
        report = self.report
        if record.errors:
            report.reject(record, record.errors)
            return True
        if record.key and (record.key in known or record.key in self._seen):
            self._unchanged(record, self._seen.get(record.key))
            return True
        return False

    def _unchanged(self, record: Record, earlier_row: int | None) -> None:
        """A row that adds nothing: recorded by an earlier import, or the same as an earlier row of this file."""
        report = self.report
        report.unchanged += 1
        if earlier_row is None:
            report.sample("unchanged", record, "Al eerder ingelezen.")
        else:
            report.repeated_in_file += 1
            report.sample("unchanged", record, f"Zelfde als rij {earlier_row} in dit bestand.")

    def _report(self, record: Record, result: IntakeResult | ValidationError) -> None:
        """Count what the intake answered for one record."""
        report = self.report
        if isinstance(result, ValidationError):
            report.reject(record, [RowError(record.row, record.column_for(f), _explain(record, f, why))
                                   for f, why in result.fields.items()])
            return
        earlier_row = self._seen.get(record.key) if record.key else None
        if record.key and earlier_row is None:
            self._seen[record.key] = record.row
        for warning in record.warnings:
            report.warn(record, warning.message, column=warning.column)
        for warning in result.warnings:
            report.warn(record, warning)
        employer_id = result.employer_id
        existing = employer_id is not None and employer_id <= self._max_employer
        if employer_id is not None and not existing:
            self._note_new_employer(employer_id)
        if result.unchanged:
            self._unchanged(record, earlier_row)
        elif result.created:
            report.created_leads += 1
            report.sample("create", record, "Bestaande werkgever" if existing else "Nieuwe werkgever")
        elif result.attached:
            report.attached += 1
            report.sample("attach", record, "Open lead van een bestaande werkgever" if existing
                          else "Open lead van een eerdere rij in dit bestand")
        else:
            report.recorded += 1
            report.sample("recorded", record, "Vastgelegd zonder nieuwe lead (bestaande werkgever)" if existing
                          else "Vastgelegd zonder lead")

    def _find_or_create_event(self, spec: EventSpec) -> Event:
        """The event this report is about: by its reference, else by title on the same day, else a new one."""
        refs = {spec.ref}
        if spec.ref.isdigit():  # a Zoom webinar ID may have been entered with spaces: 812 3456 7890
            refs.add(f"{spec.ref[:3]} {spec.ref[3:7]} {spec.ref[7:]}")
        event = db.session.scalar(select(Event).where(Event.external_ref.in_(refs)).order_by(Event.id))
        if event is None and spec.match_title:
            same_title = db.session.scalars(select(Event).where(func.lower(Event.title) == spec.title.lower()))
            same_day = [e for e in same_title if _local_day(e.starts_at) == _local_day(spec.starts_at)]
            event = same_day[0] if same_day else None
        if event is not None:
            self.report.event = {"title": event.title, "new": False, "when": _local_label(event.starts_at)}
            return event
        campaign = reference.campaign(self.options.campaign)
        phase = (reference.phase(campaign, self.options.phase) if self.options.phase
                 else reference.phase_on(campaign, _local_day(spec.starts_at)))
        event = events.create_event(campaign, events.EventInput(
            kind=spec.kind, title=spec.title[:200], starts_at=spec.starts_at,
            ends_at=spec.ends_at if spec.ends_at and spec.ends_at > spec.starts_at else None, phase=phase,
            external_ref=spec.ref, registration_open=False,
            description="Aangemaakt bij het inlezen van een deelnemersrapport.",
        ), actor=db.session.get(User, self.actor_id) if self.actor_id else None)
        self.report.event = {"title": event.title, "new": True, "when": _local_label(event.starts_at)}
        return event


def _record_registration(event: Event, record: Record, *, actor: User | None, batch_id: int | None,
                         route: routing.Router) -> IntakeResult:
    """events.record_registration for one person; an attendance without an earlier registration gets one first.

    record_registration compares minutes with those of the registration it finds or makes, and a
    registration it makes has no minutes until flushed; so a stub (0 minutes) is added first, inside
    a SAVEPOINT, so that a row the intake refuses leaves nothing behind.
    """
    data = record.registration
    email = (data["contact"].email or "").strip().lower()
    needs_stub = data.get("minutes_watched") is not None and not db.session.scalar(
        select(EventRegistration.id).where(EventRegistration.event_id == event.id, EventRegistration.email == email)
    )
    if not needs_stub:
        return events.record_registration(event, **data, external_id=record.key, external_source=record.source,
                                          actor=actor, import_batch_id=batch_id, route=route)[1]
    with db.session.begin_nested():
        db.session.add(EventRegistration(event_id=event.id, email=email, minutes_watched=0, attended=False,
                                         asked_for_contact=False))
        db.session.flush()
        return events.record_registration(event, **data, external_id=record.key, external_source=record.source,
                                          actor=actor, import_batch_id=batch_id, route=route)[1]


def _local_day(moment: datetime) -> date:
    return moment.astimezone(AMSTERDAM).date()


def _local_label(moment: datetime) -> str:
    local = moment.astimezone(AMSTERDAM)
    return f"{local.day}-{local.month}-{local.year} {local:%H:%M}"


def _known_keys(records: list[Record]) -> set[str]:
    """The keys of this chunk that a touchpoint or lead of the same source already carries (two queries
    per source; a file has one)."""
    by_source: dict[str, set[str]] = {}
    for record in records:
        by_source.setdefault(record.source, set()).add(record.key)
    known: set[str] = set()
    for source, keys in by_source.items():
        known |= set(db.session.scalars(select(Touchpoint.external_id).where(Touchpoint.external_source == source,
                                                                            Touchpoint.external_id.in_(keys))))
        known |= set(db.session.scalars(select(Lead.external_id).where(Lead.external_source == source,
                                                                      Lead.external_id.in_(keys))))
    return known


def _unprepared() -> tuple[bool, Any, Any]:
    """Send the current transaction's statements unprepared on PostgreSQL; returns (postgresql, the driver
    connection, its threshold before) so the caller can put the threshold back.

    psycopg prepares a statement run 5 times, and PostgreSQL may then keep one generic plan, made while this
    transaction's tables were still small: a sequential scan that gets slower with every chunk (seconds per
    look-up after some 50,000 rows). During the run, statements are sent unprepared, so each look-up is planned
    for its values. (Not `plan_cache_mode = force_custom_plan`: that also re-plans every foreign-key check of
    every row written.)
    """
    driver = db.session.connection().connection.driver_connection
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    threshold = driver.prepare_threshold if postgresql else None
    if postgresql:
        driver.prepare_threshold = None
    return postgresql, driver, threshold


def _let_go() -> None:
    """Drop flushed rows from the session so memory stays flat over a long file."""
    for obj in list(db.session.identity_map.values()):
        if not isinstance(obj, _KEEP):
            db.session.expunge(obj)


def _explain(record: Record, intake_field: str, why: str) -> str:
    """Intake's message, with the value that made it fail where that helps to find it."""
    if intake_field == "contact" and record.touchpoint is not None and record.touchpoint.contact.email:
        return f"{why} ({record.touchpoint.contact.email!r} is geen geldig e-mailadres.)"
    return why


# --- batches: the web flow's stored upload ----------------------------------------------------------

def create_batch(data: bytes, filename: str, options: ImportOptions, *, actor: User | None,
                 keep_content: bool = True) -> ImportBatch:
    """Record an import; an upload keeps its bytes until applied, so preview and apply read the same file."""
    batch = ImportBatch(
        preset=options.preset, filename=(filename or "bestand")[-255:], sha256=hashlib.sha256(data).hexdigest(),
        content=data if keep_content else None, options=_options_dict(options), status="previewed", summary={},
        errors=[], created_by_id=actor.id if actor else None,
    )
    db.session.add(batch)
    db.session.flush()
    return batch


def batch_options(batch: ImportBatch) -> ImportOptions:
    return ImportOptions(preset=batch.preset, **batch.options)


def _options_dict(options: ImportOptions) -> dict[str, Any]:
    return {"campaign": options.campaign, "phase": options.phase, "channel": options.channel,
            "mapping": options.mapping}


def set_mapping(batch: ImportBatch, mapping: dict[str, str]) -> None:
    """Store the generic preset's column mapping on the batch; the preview is then computed again."""
    batch.options = {**batch.options, "mapping": {f: c for f, c in mapping.items() if c}}
    batch.summary = {}


def start(batch: ImportBatch, *, actor: User | None, apply: bool, checkpoints: list[dict[str, Any]] | None = None,
          chunk_size: int = CHUNK) -> ImportRun:
    """An ImportRun over a stored batch: a preview (rolled back) or the apply (in the caller's transaction; with
    `checkpoints`, resumable in chunks that the caller commits one by one)."""
    if batch.status == "applied":
        raise ValidationError("Dit bestand is al ingelezen.", {"batch": "Al ingelezen."})
    options = batch_options(batch)
    check_options(options)
    parsed = parse(batch.content or b"", batch.filename, options)
    return ImportRun(parsed, options, actor=actor, batch_id=batch.id, dry_run=not apply, checkpoints=checkpoints,
                     chunk_size=chunk_size)


def finish(batch_id: int, run: ImportRun, *, actor: User | None) -> ImportBatch:
    """Store what a run found or did on its batch; an apply also drops the file's bytes and is audited."""
    batch = db.session.get(ImportBatch, batch_id)
    report = run.report
    batch.summary = report.summary()
    batch.errors = report.errors
    earlier = db.session.scalar(
        select(ImportBatch).where(ImportBatch.sha256 == batch.sha256, ImportBatch.status == "applied",
                                  ImportBatch.id != batch.id).order_by(ImportBatch.applied_at.desc())
    )
    if earlier is not None and earlier.applied_at is not None:
        batch.summary = {**batch.summary, "earlier_applied": _local_label(earlier.applied_at), "earlier_id": earlier.id}
    if not run.dry_run:
        batch.status = "applied"
        batch.applied_at = utcnow()
        batch.content = None  # personal data: keep only what the result page and error file need
        audit.record(actor, "import_applied", batch, preset=batch.preset, rows=report.rows,
                     created_leads=report.created_leads, attached=report.attached, unchanged=report.unchanged,
                     rejected_rows=report.rejected_rows)
        notices.leads_imported(batch.id, since=batch.created_at)
    db.session.flush()
    return batch


def failure_message(exc: BaseException, *, preview: bool = False) -> str:
    """What to tell the user when a preview or the apply failed (it was rolled back: nothing is stored)."""
    if isinstance(exc, Conflict):
        return exc.message
    detail = str(getattr(exc, "orig", exc))
    if "max_locks_per_transaction" in detail or "out of shared memory" in detail:
        # PostgreSQL's lock table is full (the intake holds its employer-identity locks to the end).
        return ("Het bestand is te groot om in één keer in te lezen: de database kan niet zoveel werkgevers tegelijk "
                "vastzetten. Er is niets opgeslagen. Splits het bestand in kleinere delen, of vraag de beheerder "
                "max_locks_per_transaction van PostgreSQL te verhogen.")
    if isinstance(exc, OperationalError):
        return ("De verbinding met de database is verbroken; het " + ("voorbeeld" if preview else "inlezen")
                + " is gestopt en er is niets opgeslagen. Probeer het opnieuw als de database weer bereikbaar is.")
    return ("Het voorbeeld kon niet worden berekend; er is niets opgeslagen." if preview
            else "Het inlezen is mislukt; er is niets opgeslagen.")


def stopped_message(exc: BaseException, *, rows_done: int, rows: int) -> str:
    """What to tell the user when a resumable apply stopped for good: what was kept, and how to go on."""
    if not rows_done:
        if isinstance(exc, ValidationError):
            return f"{exc.message} Er is niets opgeslagen."
        return failure_message(exc)
    reason = ("De verbinding met de database is verbroken. " if isinstance(exc, OperationalError)
              else exc.message + " " if isinstance(exc, (Conflict, ValidationError)) else "")
    return (f"{reason}Het inlezen is gestopt na {rows_done} van {rows} rijen; die rijen zijn opgeslagen. Met "
            "'Opnieuw proberen' gaat het inlezen verder waar het stopte.")


def refresh_statistics(tables: tuple[str, ...] = BULK_TABLES) -> str:
    """After a large import: `VACUUM (ANALYZE)` the tables an import fills on PostgreSQL (planner statistics, and
    the visibility map that index-only scans need), plain `ANALYZE` on SQLite. VACUUM cannot run inside a
    transaction, so this uses a connection of its own in autocommit mode, outside the session. Returns what ran."""
    engine = db.engine
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            for table in tables:
                connection.execute(text(f'VACUUM (ANALYZE) "{table}"'))
        return f"VACUUM (ANALYZE) op {', '.join(tables)}"
    with engine.connect() as connection:
        connection.execute(text("ANALYZE"))
        connection.commit()
    return "ANALYZE"


def mark_failed(batch_id: int, message: str) -> None:
    """Record that an apply failed (in a new transaction, after the failed one was rolled back)."""
    batch = db.session.get(ImportBatch, batch_id)
    if batch is not None and batch.status != "applied":
        batch.status = "failed"
        batch.summary = {**(batch.summary or {}), "failure": message}
        db.session.flush()


def recent_batches(limit: int = 20) -> list[ImportBatch]:
    return list(db.session.scalars(select(ImportBatch).order_by(ImportBatch.created_at.desc(), ImportBatch.id.desc())
                                   .limit(limit)))


# --- the error file --------------------------------------------------------------------------------

def error_file(batch: ImportBatch) -> bytes:
    """The rejected rows as a Dutch Excel CSV (`;`, UTF-8 with BOM): row, column(s), reason(s), then the row."""
    columns = list((batch.summary or {}).get("columns") or [])
    by_row: dict[int, dict[str, Any]] = {}
    for error in batch.errors or []:
        entry = by_row.setdefault(error["row"], {"columns": [], "messages": [], "values": {}})
        entry["columns"].append(error["column"])
        entry["messages"].append(error["message"])
        if error.get("values"):
            entry["values"] = error["values"]
    return dutch_csv(["Rij", "Kolom", "Reden", *columns], (
        [row, ", ".join(dict.fromkeys(by_row[row]["columns"])), " | ".join(by_row[row]["messages"]),
         *(by_row[row]["values"].get(c, "") for c in columns)]
        for row in sorted(by_row)
    ))
