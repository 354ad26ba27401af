"""Importing lead files (Meta, LinkedIn, Zoom, Teams, any list): read, preview, apply, error file.

    parsed = imports.parse(data, filename, options)    # readers.py + presets/
    report = imports.ImportRun(parsed, options, actor=…, batch_id=…, dry_run=True).run()   # runner.py

Every record goes through the one intake: a chunk of touchpoints at a time through
`capture.intake.record_touchpoints` (Zoom and Teams reports one person at a time through
`capture.events.record_registration`); this package reads files and counts what the intake answered.

May import: the kernel, `campaigns`, `capture`, `routing` and `mail` (one notice per advisor per import).
"""
from . import fields
from .fields import FIELDS, save_mapping, saved_mappings, suggest_mapping
from .presets import PRESETS, ImportOptions, ParsedFile, Record, RowError
from .readers import FileError
from .runner import (
    ImportReport,
    ImportRun,
    batch_options,
    check_options,
    create_batch,
    error_file,
    failure_message,
    file_columns,
    finish,
    mark_failed,
    parse,
    recent_batches,
    set_mapping,
    start,
)

__all__ = [
    "FIELDS", "PRESETS", "FileError", "ImportOptions", "ImportReport", "ImportRun", "ParsedFile", "Record", "RowError",
    "batch_options", "check_options", "create_batch", "error_file", "failure_message", "fields", "file_columns",
    "finish", "mark_failed", "parse", "recent_batches", "save_mapping", "saved_mappings", "set_mapping", "start",
    "suggest_mapping",
]
