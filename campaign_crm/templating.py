"""Template filters and globals: Dutch dates, numbers, plurals and phone numbers, and the navigation per role."""
from __future__ import annotations

from datetime import date, datetime
from types import SimpleNamespace

import phonenumbers
from flask import Flask, current_app, request, url_for
from flask_login import current_user

from .models import ESCALATION_LEVELS, STAGE_LABELS
from .permissions import (
    ADMIN,
    ADVISOR,
    CAMPAIGN,
    CARRY_LEADS,
    MANAGE_ORGANISATION,
    MANAGE_SETTINGS,
    MANAGE_USERS,
    MANAGEMENT,
    READ_REPORTS,
    REVIEW_AUDIT_LOG,
    RUN_CAMPAIGNS,
    TEAMLEAD,
    WORK_LEADS,
)
from .services.calendar import AMSTERDAM, long_date, today


def nl_date(value: date | datetime | None) -> str:
    """`3 december 2026`."""
    return "–" if value is None else long_date(value)


def nl_datetime(value: datetime | None) -> str:
    """`3 december 2026 14:05`, in Amsterdam time."""
    if value is None:
        return "–"
    local = value.astimezone(AMSTERDAM)
    return f"{long_date(local.date())} {local:%H:%M}"


def nl_count(value: int, one: str, many: str) -> str:
    """A count with its noun in the right form: `1 campagne`, `2 campagnes`, `1.250 leads`."""
    return f"{nl_number(value)} {one if value == 1 else many}"


def nl_phone(value: str | None) -> str:
    """A stored (E.164) phone number as the Dutch write it: `06 12345678`, `010 123 4567`; foreign numbers in
    international form; anything unparsable as stored."""
    if not value:
        return "–"
    try:
        number = phonenumbers.parse(value, "NL")
    except phonenumbers.NumberParseException:
        return value
    style = (phonenumbers.PhoneNumberFormat.NATIONAL if number.country_code == 31
             else phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return phonenumbers.format_number(number, style)


def nl_value(value: object) -> str:
    """A value of an export (ISO time text, yes/no, empty) as a person reads it."""
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return "Ja" if value else "Nee"
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] == "T":
        try:
            return nl_datetime(datetime.fromisoformat(value))
        except ValueError:
            return value
    return str(value)


def nl_number(value: float | int | None, decimals: int = 0) -> str:
    if value is None:
        return "–"
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\u00a0").replace(".", ",") if decimals else text.replace(",", ".")


def admin_sections() -> list[tuple[str, str, str]]:
    """The administration pages the current user may use: (label, endpoint, what it is for)."""
    role = current_user.role
    sections = [
        ("Gebruikers", "admin.list_users", "Accounts, rollen, teams, capaciteit en afwezigheid.", MANAGE_USERS),
        ("Partners", "admin.list_partners", "De organisaties in het samenwerkingsverband.", MANAGE_ORGANISATION),
        ("Teams", "admin.list_teams", "Teams en hun teamleiders; routeringsregels wijzen naar teams.",
         MANAGE_ORGANISATION),
        ("Instellingen", "admin.edit_settings", "Termijnen, het doel voor LKS-banen en bewaartermijnen.",
         MANAGE_SETTINGS),
        ("Logboek", "admin.audit_log", "Wie wat wijzigde en wie persoonsgegevens inzag.", REVIEW_AUDIT_LOG),
        ("Taken", "admin.task_runs", "Achtergrondtaken: planning, fouten en lopende imports.", {ADMIN}),
    ]
    return [(label, endpoint, about) for label, endpoint, about, roles in sections if role in roles]


def navigation() -> list[tuple[str, str, bool]]:
    """Menu items (label, url, is_current) the current user may use."""
    if not current_user.is_authenticated:
        return []
    items = [("Overzicht", "main.index")]
    if current_user.role in CARRY_LEADS:
        items += [("Mijn leads", "leads.my_queue"), ("Bord", "pipeline.show_board")]
    if current_user.role in WORK_LEADS:
        items += [("Mijn acties", "leads.my_actions"), ("Mijn agenda", "meetings.my_agenda"),
                  ("Plaatsingen", "placements.list_placements")]
    if current_user.role in (ADVISOR, TEAMLEAD, ADMIN):
        items += [("Check-ins", "placements.my_checkins"), ("Signalen", "jobcoach.list_signals")]
        items.append(("Mijn beschikbaarheid" if current_user.role == ADVISOR else "Beschikbaarheid",
                      "meetings.my_availability"))
    if current_user.role in (TEAMLEAD, CAMPAIGN, ADMIN):
        items += [("Teamwachtrij", "leads.team_queue"), ("Verdeling", "leads.equity")]
    if current_user.role in WORK_LEADS:
        items.append(("Te laat", "leads.overdue"))
    if current_user.role in WORK_LEADS:
        items.append(("Werkgevers", "employers.list_employers"))
    if current_user.role in READ_REPORTS:
        items.append(("Rapportages", "reports.dashboard"))
    if current_user.role in RUN_CAMPAIGNS:
        items += [("Campagnes", "campaigns.list_campaigns"), ("Import", "imports.new_import"),
                  ("Routering", "routing.list_rules"), ("Zonder team", "leads.unrouted"),
                  ("Jobcoaches", "jobcoach.list_organisations")]
    if admin_sections():
        items.append(("Beheer", "admin.index"))  # users, partners, teams, settings, audit log
    items = [(label, endpoint) for label, endpoint in items if endpoint in current_app.view_functions]
    here = request.endpoint or ""
    blueprints = [endpoint.split(".")[0] for _, endpoint in items]

    def is_current(endpoint: str) -> bool:
        # An area with one menu item is current on all its pages; otherwise only the page itself.
        blueprint = endpoint.split(".")[0]
        return here == endpoint or (here.startswith(blueprint + ".") and blueprints.count(blueprint) == 1)

    return [(label, url_for(endpoint), is_current(endpoint)) for label, endpoint in items]


# Templates compare roles through these names (`current_user.role == roles.ADVISOR`), never through strings.
ROLE_NAMES = SimpleNamespace(ADMIN=ADMIN, CAMPAIGN=CAMPAIGN, TEAMLEAD=TEAMLEAD, ADVISOR=ADVISOR, MANAGEMENT=MANAGEMENT,
                             CARRY_LEADS=CARRY_LEADS)


def init_templating(app: Flask) -> None:
    app.jinja_env.filters.update(nl_date=nl_date, nl_datetime=nl_datetime, nl_number=nl_number, nl_value=nl_value,
                                 nl_count=nl_count, nl_phone=nl_phone)
    app.jinja_env.globals.update(navigation=navigation, admin_sections=admin_sections, stage_labels=STAGE_LABELS,
                                 escalation_labels=ESCALATION_LEVELS, today=today, roles=ROLE_NAMES)
