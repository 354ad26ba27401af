"""The export formats a campaign team brings, each turned into records for the one intake.

A preset reads a Grid (every cell as text) and yields Records: one touchpoint for the intake, or one
event registration/attendance for capture.events.record_registration. Rows it cannot read are
records with errors (row, column, reason), never guesses.

    base.py       what every preset shares: ImportOptions, Record, RowError, ParsedFile, EventSpec, Preset,
                  and finding the columns of a plain table
    lead_rows.py  a lead-form row → a touchpoint (LeadRows), for meta, linkedin and generic
    meta.py       Meta (Facebook/Instagram) lead ads
    linkedin.py   LinkedIn lead gen forms
    generic.py    any list (CSV or Excel) with a column mapping
    people.py     the people of an event report → registration records, for zoom and teams
    zoom.py       Zoom webinar registration and attendee reports
    teams.py      Microsoft Teams attendance reports

This module only assembles PRESETS; the modules import base.py (and lead_rows.py or people.py), never it.
"""
from .base import (
    ERROR_FILE_COLUMNS,
    YES,
    EventSpec,
    ImportOptions,
    ParsedFile,
    Preset,
    Record,
    RowError,
    key_source,
    short_hash,
)
from .generic import GENERIC_DATES, generic_columns, parse_generic
from .lead_rows import INTAKE_FIELDS, LeadRows
from .linkedin import LINKEDIN_DATES, LINKEDIN_STANDARD, parse_linkedin
from .meta import META_PLATFORMS, META_STANDARD, parse_meta
from .teams import TEAMS_DATES, TEAMS_PEOPLE, TEAMS_STAFF_ROLES, TEAMS_SUMMARY, minutes_from_duration, parse_teams
from .zoom import ZOOM_DATES, ZOOM_PEOPLE, parse_zoom_attendees, parse_zoom_registrations

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

__all__ = [
    "ERROR_FILE_COLUMNS", "GENERIC_DATES", "INTAKE_FIELDS", "LINKEDIN_DATES", "LINKEDIN_STANDARD", "META_PLATFORMS",
    "META_STANDARD", "PRESETS", "TEAMS_DATES", "TEAMS_PEOPLE", "TEAMS_STAFF_ROLES", "TEAMS_SUMMARY", "YES",
    "ZOOM_DATES", "ZOOM_PEOPLE", "EventSpec", "ImportOptions", "LeadRows", "ParsedFile", "Preset", "Record",
    "RowError", "generic_columns", "key_source", "minutes_from_duration", "parse_generic", "parse_linkedin",
    "parse_meta", "parse_teams", "parse_zoom_attendees", "parse_zoom_registrations", "short_hash",
]
