"""Importing lead files (Meta, LinkedIn, Zoom, Teams, any list): read, preview, apply, error file.

    parsed = runner.parse(data, filename, options)        # presets.py on readers.py
    report = runner.ImportRun(parsed, options, actor=…, batch_id=…, dry_run=True).run()

Every record goes through services/intake.record_touchpoint (or services/events.record_registration
for Zoom and Teams reports); this package only reads files and counts what the intake answered.
"""
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
    "batch_options", "check_options", "create_batch", "error_file", "file_columns", "finish", "mark_failed", "parse", "recent_batches",
    "save_mapping", "saved_mappings", "set_mapping", "start", "suggest_mapping",
]
