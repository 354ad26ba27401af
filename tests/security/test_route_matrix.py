"""Every route, as every kind of user: the declared answer and nothing else.

The tables below name, for each rule of the URL map and each method, what each actor gets:
the page (`ok`), the login page (`login`), a refusal (`forbidden`, 403), a record that does
not exist for them (`hidden`, 404) or, for the API, a request without a usable token
(`unauthorized`, 401). A new route fails the test until its row is declared here.

The world: partner A with team A (advisor A, its team lead and a spare advisor), partner B
with team B (advisor B); a campaign user of partner B, a management user of partner A and an
admin. Advisor A owns a lead and partner A a placement (with a check-in, an intervention, a
risk case and a jobcoach signal); a waiting lead sits in team A's queue.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from campaign_crm.extensions import db
from campaign_crm.models import (
    Campaign,
    Channel,
    CheckIn,
    Lead,
    Partner,
    Team,
    User,
)
from campaign_crm.services import imports
from campaign_crm.services.accounts import auth as auth_service
from campaign_crm.services.accounts import users
from campaign_crm.services.campaigns import ad_codes
from campaign_crm.services.campaigns import campaigns as campaign_service
from campaign_crm.services.capture import events
from campaign_crm.services.leads import activities
from campaign_crm.services.leads import lifecycle as lead_service
from campaign_crm.services.mail import outbox
from campaign_crm.services.meetings import feeds
from campaign_crm.services.meetings import records as meetings
from campaign_crm.services.placements import jobcoaches, risk
from campaign_crm.services.placements import records as placement_service
from campaign_crm.services.routing import rules as routing_rules
from tests.helpers import Login, add_task_run, bearer, intake_lead, login, placement_input

OK, LOGIN, FORBIDDEN, HIDDEN, UNAUTHORIZED = "ok", "login", "forbidden", "hidden", "unauthorized"
# One letter each, so that the tables below read as a grid (O is the letter of ok, never a zero).
O, L, F, H, U = OK, LOGIN, FORBIDDEN, HIDDEN, UNAUTHORIZED  # noqa: E741

WEB_ACTORS = ("anonymous", "advisor_a", "advisor_b", "teamlead_a", "campaign", "management", "admin")
# `session` is a logged-in admin without a token: a browser session never opens the API.
API_ACTORS = ("no_token", "session", "admin", "campaign", "management", "advisor_a", "advisor_b", "teamlead_a")


def public():
    return (O, O, O, O, O, O, O)


def logged_in():
    return (L, O, O, O, O, O, O)


def roles(*allowed: str):
    """Anonymous visitors go to the login page; the named actors get the page; the rest 403."""
    return tuple(L if actor == "anonymous" else O if actor in allowed else F for actor in WEB_ACTORS)


ADMIN_ONLY = roles("admin")
CAMPAIGN_TEAM = roles("campaign", "admin")
WORKERS = roles("advisor_a", "advisor_b", "teamlead_a", "campaign", "admin")
QUEUE_MANAGERS = roles("teamlead_a", "campaign", "admin")
MERGERS = roles("teamlead_a", "campaign", "admin")
REPORT_READERS = roles("teamlead_a", "campaign", "management", "admin")

# Advisor A's lead (team A): its owner, team A's lead, the campaign team and admins; advisor B
# does not see it, management works no leads.
#                 anonymous advisor_a advisor_b teamlead_a campaign management admin
LEAD_WORK = (L, O, H, O, O, F, O)
# Partner A's placement: partner A's advisor and team lead; the campaign user works for
# partner B, so it does not exist for them either; management never sees a person.
PLACEMENT = (L, O, H, O, H, F, O)
# The jobcoach signal on partner A's placement: for the advisor who advises it and the team lead.
SIGNAL = (L, O, H, O, F, F, O)
# Team A's advisors' routing profile and absences: admins, and team A's lead.
ADVISOR_PROFILE = roles("teamlead_a", "admin")

WEB = {
    ("GET", "/"): logged_in(),
    ("GET", "/health"): public(),
    ("GET", "/healthz"): public(),
    ("GET", "/readyz"): public(),
    ("GET", "/toegankelijkheid"): public(),
    # Public pages for employers and jobcoaches.
    ("GET", "/aanmelden"): public(),
    ("POST", "/aanmelden"): public(),
    ("GET", "/aanmelden/bedankt"): public(),
    ("GET", "/a/<code>"): public(),
    ("GET", "/<any(livestream, bijeenkomst):kind>/<slug>"): public(),
    ("POST", "/<any(livestream, bijeenkomst):kind>/<slug>"): public(),
    ("GET", "/<any(livestream, bijeenkomst):kind>/<slug>/bedankt"): public(),
    ("GET", "/signaal/<token>"): public(),
    ("POST", "/signaal/<token>"): public(),
    ("GET", "/signaal/<token>/bedankt"): public(),
    # Booking an adviesgesprek: without the offer in the session the step offers nothing and stores nothing; the
    # world's `token` is no booking's link, and an unknown link is found by nobody.
    ("POST", "/aanmelden/afspraak"): public(),
    ("GET", "/aanmelden/afspraak/bevestigd"): public(),
    ("POST", "/aanmelden/terugbellen"): public(),
    ("GET", "/aanmelden/terugbellen/bedankt"): public(),
    ("GET", "/afspraak/<token>"): (H, H, H, H, H, H, H),
    ("GET", "/afspraak/<token>/agenda.ics"): (H, H, H, H, H, H, H),
    ("POST", "/afspraak/<token>/verplaatsen"): (H, H, H, H, H, H, H),
    ("POST", "/afspraak/<token>/annuleren"): (H, H, H, H, H, H, H),
    # Bookable hours: an advisor's own, their team lead's and admins'; the world's `user_id` is team A's spare advisor.
    ("GET", "/mijn-beschikbaarheid"): roles("advisor_a", "advisor_b", "teamlead_a", "admin"),
    ("GET", "/beschikbaarheid/<int:user_id>"): (L, H, H, O, F, F, O),
    ("POST", "/beschikbaarheid/<int:user_id>/uren"): (L, H, H, O, F, F, O),
    ("POST", "/beschikbaarheid/<int:user_id>/uitzondering"): (L, H, H, O, F, F, O),
    ("POST", "/beschikbaarheid/<int:user_id>/uren/<int:item_id>/verwijderen"): (L, H, H, O, F, F, O),
    ("POST", "/beschikbaarheid/<int:user_id>/uitzondering/<int:item_id>/verwijderen"): (L, H, H, O, F, F, O),
    # A check-in's question link: the world's `token` is no check-in link, and an unknown link is found by nobody.
    ("GET", "/check-in/<token>"): (H, H, H, H, H, H, H),
    ("POST", "/check-in/<token>"): (H, H, H, H, H, H, H),
    ("GET", "/check-in/bedankt"): public(),
    # Logging in and one's own account.
    ("GET", "/login"): public(),
    ("POST", "/login"): public(),
    ("GET", "/login/code"): public(),
    ("POST", "/login/code"): public(),
    ("POST", "/logout"): logged_in(),
    ("GET", "/account/tweestaps"): logged_in(),
    ("POST", "/account/tweestaps"): logged_in(),
    ("POST", "/account/tweestaps/uit"): logged_in(),
    ("GET", "/account/wachtwoord"): logged_in(),
    ("POST", "/account/wachtwoord"): logged_in(),
    ("GET", "/account/profiel"): logged_in(),
    ("POST", "/account/profiel"): logged_in(),
    # A new account's one-time set-up link.
    ("GET", "/account/instellen/<token>"): public(),
    ("POST", "/account/instellen/<token>"): public(),
    # Administration.
    ("GET", "/beheer/"): ADMIN_ONLY,
    ("GET", "/beheer/gebruikers"): ADMIN_ONLY,
    ("GET", "/beheer/gebruikers/nieuw"): ADMIN_ONLY,
    ("POST", "/beheer/gebruikers/nieuw"): ADMIN_ONLY,
    ("GET", "/beheer/gebruikers/<int:user_id>"): ADMIN_ONLY,
    ("POST", "/beheer/gebruikers/<int:user_id>"): ADMIN_ONLY,
    ("POST", "/beheer/gebruikers/<int:user_id>/actief"): ADMIN_ONLY,
    ("POST", "/beheer/gebruikers/<int:user_id>/tweestaps"): ADMIN_ONLY,
    ("POST", "/beheer/gebruikers/<int:user_id>/wachtwoord"): ADMIN_ONLY,
    ("GET", "/beheer/adviseurs/<int:user_id>"): ADVISOR_PROFILE,
    ("POST", "/beheer/adviseurs/<int:user_id>"): ADVISOR_PROFILE,
    ("POST", "/beheer/gebruikers/<int:user_id>/afwezigheid"): ADVISOR_PROFILE,
    ("POST", "/beheer/afwezigheid/<int:absence_id>/verwijderen"): ADVISOR_PROFILE,
    ("GET", "/beheer/instellingen"): ADMIN_ONLY,
    ("POST", "/beheer/instellingen"): ADMIN_ONLY,
    ("GET", "/beheer/logboek"): ADMIN_ONLY,
    ("GET", "/beheer/logboek/export.<fmt>"): ADMIN_ONLY,
    ("GET", "/beheer/logboek/ongebruikelijk"): ADMIN_ONLY,
    # Background work: the task runs and starting a failed one again.
    ("GET", "/beheer/taken"): ADMIN_ONLY,
    ("POST", "/beheer/taken/<int:run_id>/opnieuw"): ADMIN_ONLY,
    ("POST", "/beheer/taken/mail/<int:message_id>/opnieuw"): ADMIN_ONLY,
    # A contact's AVG (GDPR) inzage and erasure.
    ("GET", "/beheer/contactpersonen/<int:contact_id>/avg"): ADMIN_ONLY,
    ("GET", "/beheer/contactpersonen/<int:contact_id>/avg.json"): ADMIN_ONLY,
    ("POST", "/beheer/contactpersonen/<int:contact_id>/wissen"): ADMIN_ONLY,
    ("GET", "/beheer/partners"): ADMIN_ONLY,
    ("GET", "/beheer/partners/nieuw"): ADMIN_ONLY,
    ("POST", "/beheer/partners/nieuw"): ADMIN_ONLY,
    ("GET", "/beheer/partners/<int:partner_id>"): ADMIN_ONLY,
    ("POST", "/beheer/partners/<int:partner_id>"): ADMIN_ONLY,
    ("GET", "/beheer/teams"): ADMIN_ONLY,
    ("GET", "/beheer/teams/nieuw"): ADMIN_ONLY,
    ("POST", "/beheer/teams/nieuw"): ADMIN_ONLY,
    ("GET", "/beheer/teams/<int:team_id>"): ADMIN_ONLY,
    ("POST", "/beheer/teams/<int:team_id>"): ADMIN_ONLY,
    # Campaigns, channels, ad codes, events.
    ("GET", "/campagne/"): CAMPAIGN_TEAM,
    ("GET", "/campagne/nieuw"): CAMPAIGN_TEAM,
    ("POST", "/campagne/nieuw"): CAMPAIGN_TEAM,
    ("GET", "/campagne/<int:campaign_id>"): CAMPAIGN_TEAM,
    ("GET", "/campagne/<int:campaign_id>/bewerken"): CAMPAIGN_TEAM,
    ("POST", "/campagne/<int:campaign_id>/bewerken"): CAMPAIGN_TEAM,
    ("POST", "/campagne/<int:campaign_id>/fasen"): CAMPAIGN_TEAM,
    ("GET", "/campagne/<int:campaign_id>/advertenties/nieuw"): CAMPAIGN_TEAM,
    ("POST", "/campagne/<int:campaign_id>/advertenties/nieuw"): CAMPAIGN_TEAM,
    ("GET", "/campagne/<int:campaign_id>/evenementen/nieuw"): CAMPAIGN_TEAM,
    ("POST", "/campagne/<int:campaign_id>/evenementen/nieuw"): CAMPAIGN_TEAM,
    ("GET", "/campagne/advertenties/<int:ad_code_id>"): CAMPAIGN_TEAM,
    ("POST", "/campagne/advertenties/<int:ad_code_id>/actief"): CAMPAIGN_TEAM,
    ("GET", "/campagne/advertenties/<int:ad_code_id>/qr.png"): CAMPAIGN_TEAM,
    ("GET", "/campagne/advertenties/<int:ad_code_id>/qr.svg"): CAMPAIGN_TEAM,
    ("GET", "/campagne/evenementen/<int:event_id>"): CAMPAIGN_TEAM,
    ("GET", "/campagne/evenementen/<int:event_id>/bewerken"): CAMPAIGN_TEAM,
    ("POST", "/campagne/evenementen/<int:event_id>/bewerken"): CAMPAIGN_TEAM,
    ("GET", "/campagne/kanalen"): CAMPAIGN_TEAM,
    ("POST", "/campagne/kanalen"): CAMPAIGN_TEAM,
    ("POST", "/campagne/kanalen/<int:channel_id>/actief"): CAMPAIGN_TEAM,
    ("POST", "/campagne/kanalen/utm"): CAMPAIGN_TEAM,
    ("POST", "/campagne/kanalen/utm/<int:mapping_id>/verwijderen"): CAMPAIGN_TEAM,
    ("POST", "/campagne/leadregel"): CAMPAIGN_TEAM,
    # Imports.
    ("GET", "/import/"): CAMPAIGN_TEAM,
    ("POST", "/import/"): CAMPAIGN_TEAM,
    ("GET", "/import/<int:batch_id>"): CAMPAIGN_TEAM,
    ("GET", "/import/<int:batch_id>/kolommen"): CAMPAIGN_TEAM,
    ("POST", "/import/<int:batch_id>/kolommen"): CAMPAIGN_TEAM,
    ("POST", "/import/<int:batch_id>/inlezen"): CAMPAIGN_TEAM,
    ("GET", "/import/<int:batch_id>/afgewezen.csv"): CAMPAIGN_TEAM,
    # Routing rules.
    ("GET", "/routering/"): CAMPAIGN_TEAM,
    ("GET", "/routering/nieuw"): CAMPAIGN_TEAM,
    ("POST", "/routering/nieuw"): CAMPAIGN_TEAM,
    ("GET", "/routering/<int:rule_id>"): CAMPAIGN_TEAM,
    ("POST", "/routering/<int:rule_id>"): CAMPAIGN_TEAM,
    # Jobcoach organisations (campaign team) and their signals (the advisors who handle them).
    ("GET", "/jobcoaches"): CAMPAIGN_TEAM,
    ("GET", "/jobcoaches/nieuw"): CAMPAIGN_TEAM,
    ("POST", "/jobcoaches/nieuw"): CAMPAIGN_TEAM,
    ("GET", "/jobcoaches/<int:organisation_id>"): CAMPAIGN_TEAM,
    ("POST", "/jobcoaches/<int:organisation_id>"): CAMPAIGN_TEAM,
    ("GET", "/jobcoaches/<int:organisation_id>/link-vernieuwen"): CAMPAIGN_TEAM,
    ("POST", "/jobcoaches/<int:organisation_id>/link-vernieuwen"): CAMPAIGN_TEAM,
    ("GET", "/jobcoaches/contacten.csv"): CAMPAIGN_TEAM,
    ("GET", "/jobcoaches/signalen"): roles("advisor_a", "advisor_b", "teamlead_a", "admin"),
    ("POST", "/jobcoaches/signalen/<int:signal_id>/afgehandeld"): SIGNAL,
    # Leads and queues.
    ("GET", "/leads/mijn"): roles("advisor_a", "advisor_b", "teamlead_a"),
    # The pipeline board of those who carry leads; a card moves as the lead's stage does (advisor A's lead).
    ("GET", "/bord"): roles("advisor_a", "advisor_b", "teamlead_a"),
    ("POST", "/bord/<int:lead_id>/verplaatsen"): (L, O, H, O, F, F, F),
    ("GET", "/leads/mijn/acties"): WORKERS,
    ("GET", "/leads/te-laat"): WORKERS,
    ("GET", "/leads/team"): QUEUE_MANAGERS,
    ("GET", "/leads/team/<int:team_id>"): QUEUE_MANAGERS,
    ("GET", "/leads/verdeling"): QUEUE_MANAGERS,
    ("GET", "/leads/verdeling/<int:team_id>"): QUEUE_MANAGERS,
    ("GET", "/leads/zonder-team"): CAMPAIGN_TEAM,
    ("POST", "/leads/opnieuw-verdelen"): QUEUE_MANAGERS,
    ("POST", "/leads/team/bulk-toewijzen"): QUEUE_MANAGERS,
    # The team queue's other actions on a selection (nothing selected: refused with a message, after the check).
    ("POST", "/leads/team/bulk-oppakken"): QUEUE_MANAGERS,
    ("POST", "/leads/team/bulk-actie"): QUEUE_MANAGERS,
    ("POST", "/leads/team/bulk-exporteren"): QUEUE_MANAGERS,
    ("POST", "/leads/team/bulk-exporteren/bestand"): QUEUE_MANAGERS,
    # Saving a queue page's filters as a view posts to the page itself (an empty name: refused on the form).
    ("POST", "/leads/mijn"): roles("advisor_a", "advisor_b", "teamlead_a"),
    ("POST", "/leads/te-laat"): WORKERS,
    ("POST", "/leads/team"): QUEUE_MANAGERS,
    ("POST", "/leads/team/<int:team_id>"): QUEUE_MANAGERS,
    ("POST", "/leads/zonder-team"): CAMPAIGN_TEAM,
    # A saved view is its owner's only; the world holds none, so the id exists for nobody.
    ("POST", "/leads/weergaven/<int:view_id>/verwijderen"): (L, H, H, H, H, F, H),
    ("GET", "/leads/<int:lead_id>"): LEAD_WORK,
    ("POST", "/leads/<int:lead_id>/activiteit"): LEAD_WORK,
    ("POST", "/leads/<int:lead_id>/contact"): LEAD_WORK,
    ("POST", "/leads/<int:lead_id>/fase"): LEAD_WORK,
    # A next action on advisor A's lead: done or dropped by whoever works the lead.
    ("POST", "/leads/acties/<int:activity_id>/afronden"): LEAD_WORK,
    ("POST", "/leads/<int:lead_id>/vacature"): LEAD_WORK,
    # Only the owner declines; only a team-mate takes a waiting lead (the waiting lead of team A).
    ("POST", "/leads/<int:lead_id>/afwijzen"): (L, O, H, F, F, F, F),
    ("POST", "/leads/<int:lead_id>/oppakken"): (L, O, H, F, F, F, F),
    ("POST", "/leads/<int:lead_id>/toewijzen"): QUEUE_MANAGERS,
    # Meetings: planned and changed by whoever works the lead, seen with the lead; each worker's agenda and its
    # feed link, which a calendar app reads without a login.
    ("GET", "/leads/<int:lead_id>/afspraken/nieuw"): LEAD_WORK,
    ("POST", "/leads/<int:lead_id>/afspraken/nieuw"): LEAD_WORK,
    ("GET", "/afspraken/<int:meeting_id>"): LEAD_WORK,
    ("GET", "/afspraken/<int:meeting_id>.ics"): LEAD_WORK,
    ("POST", "/afspraken/<int:meeting_id>/verplaatsen"): LEAD_WORK,
    ("POST", "/afspraken/<int:meeting_id>/gehouden"): LEAD_WORK,
    ("POST", "/afspraken/<int:meeting_id>/annuleren"): LEAD_WORK,
    ("GET", "/mijn-agenda"): WORKERS,
    ("POST", "/mijn-agenda/link"): WORKERS,
    ("POST", "/mijn-agenda/link-intrekken"): WORKERS,
    ("GET", "/agenda/<token>.ics"): public(),
    # Placements.
    ("GET", "/plaatsingen/"): WORKERS,
    ("GET", "/plaatsingen/check-ins"): WORKERS,
    ("GET", "/plaatsingen/nieuw/<int:lead_id>"): LEAD_WORK,
    ("POST", "/plaatsingen/nieuw/<int:lead_id>"): LEAD_WORK,
    ("GET", "/plaatsingen/<int:placement_id>"): PLACEMENT,
    ("GET", "/plaatsingen/<int:placement_id>/wijzigen"): PLACEMENT,
    ("POST", "/plaatsingen/<int:placement_id>/wijzigen"): PLACEMENT,
    ("POST", "/plaatsingen/<int:placement_id>/check-ins"): PLACEMENT,
    ("GET", "/plaatsingen/<int:placement_id>/check-ins/<int:checkin_id>"): PLACEMENT,
    ("POST", "/plaatsingen/<int:placement_id>/interventies"): PLACEMENT,
    ("GET", "/plaatsingen/<int:placement_id>/interventies/<int:intervention_id>"): PLACEMENT,
    ("POST", "/plaatsingen/<int:placement_id>/interventies/<int:intervention_id>"): PLACEMENT,
    ("GET", "/plaatsingen/<int:placement_id>/risico/<int:case_id>"): PLACEMENT,
    ("POST", "/plaatsingen/<int:placement_id>/risico/<int:case_id>"): PLACEMENT,
    ("POST", "/plaatsingen/<int:placement_id>/lkv"): PLACEMENT,
    ("POST", "/plaatsingen/<int:placement_id>/beeindigen"): PLACEMENT,
    # The employee's consent to get the check-in questions (partner A's placement).
    ("GET", "/plaatsingen/<int:placement_id>/vragen-werknemer"): PLACEMENT,
    ("POST", "/plaatsingen/<int:placement_id>/vragen-werknemer"): PLACEMENT,
    ("POST", "/plaatsingen/<int:placement_id>/vragen-werknemer/stoppen"): PLACEMENT,
    # Reports: aggregates only, so management reads them; advisors work, they do not report.
    ("GET", "/rapportages/"): REPORT_READERS,
    ("GET", "/rapportages/funnel"): REPORT_READERS,
    ("GET", "/rapportages/lks-banen"): REPORT_READERS,
    ("GET", "/rapportages/baanbehoud"): REPORT_READERS,
    ("GET", "/rapportages/export/<name>.<fmt>"): REPORT_READERS,
    ("GET", "/rapportages/tertaalmonitor.xlsx"): REPORT_READERS,
    ("GET", "/rapportages/kosten-per-uitkomst"): roles("campaign", "management", "admin"),
    ("GET", "/rapportages/prognose"): roles("campaign", "management", "admin"),
    ("GET", "/rapportages/reactietijd"): REPORT_READERS,
    ("GET", "/rapportages/uitgaven"): CAMPAIGN_TEAM,
    ("GET", "/rapportages/uitgaven/nieuw"): CAMPAIGN_TEAM,
    ("POST", "/rapportages/uitgaven/nieuw"): CAMPAIGN_TEAM,
    ("GET", "/rapportages/uitgaven/<int:entry_id>/wijzigen"): (L, F, F, F, H, F, H),
    ("POST", "/rapportages/uitgaven/<int:entry_id>/wijzigen"): (L, F, F, F, H, F, H),
    ("POST", "/rapportages/uitgaven/<int:entry_id>/verwijderen"): (L, F, F, F, H, F, H),
    ("GET", "/rapportages/uitgaven/importeren"): CAMPAIGN_TEAM,
    ("POST", "/rapportages/uitgaven/importeren"): CAMPAIGN_TEAM,
    ("POST", "/rapportages/uitgaven/importeren/inlezen"): CAMPAIGN_TEAM,
    # Employers and contacts: one shared regional record for everyone who works leads.
    ("GET", "/zoeken"): WORKERS,
    ("GET", "/werkgevers/"): WORKERS,
    ("GET", "/werkgevers/<int:employer_id>"): WORKERS,
    ("GET", "/werkgevers/<int:employer_id>/bewerken"): WORKERS,
    ("POST", "/werkgevers/<int:employer_id>/bewerken"): WORKERS,
    ("GET", "/werkgevers/contactpersonen/<int:contact_id>"): WORKERS,
    ("GET", "/werkgevers/contactpersonen/<int:contact_id>/bewerken"): WORKERS,
    ("POST", "/werkgevers/contactpersonen/<int:contact_id>/bewerken"): WORKERS,
    ("GET", "/werkgevers/dubbelen"): MERGERS,
    ("GET", "/werkgevers/<int:employer_id>/samenvoegen"): MERGERS,
    ("GET", "/werkgevers/samenvoegen/<int:first_id>/<int:second_id>"): MERGERS,
    ("POST", "/werkgevers/samenvoegen/<int:first_id>/<int:second_id>"): MERGERS,
    ("POST", "/werkgevers/geen-dubbel/<int:first_id>/<int:second_id>"): MERGERS,
}

#                 no_token session admin campaign management advisor_a advisor_b teamlead_a
API_LEAD_WORK = (U, U, O, O, F, O, H, O)
API_WORKERS = (U, U, O, O, F, O, O, O)
API_REPORT_READERS = (U, U, O, O, O, F, F, F)
API = {
    ("GET", "/api/v1/openapi.json"): (O, O, O, O, O, O, O, O),
    ("GET", "/api/v1/employers"): API_WORKERS,
    ("POST", "/api/v1/leads"): API_WORKERS,
    ("GET", "/api/v1/leads"): API_WORKERS,
    ("GET", "/api/v1/leads/<int:lead_id>"): API_LEAD_WORK,
    ("POST", "/api/v1/leads/<int:lead_id>/stage"): API_LEAD_WORK,
    # A placement belongs to the token's partner: a token of no partner (the admin's) cannot register one.
    ("POST", "/api/v1/placements"): (U, U, F, O, F, O, O, O),
    # Partner A's placement: the campaign token acts for partner B.
    ("POST", "/api/v1/placements/<int:placement_id>/end"): (U, U, O, H, F, O, H, O),
    # A token acts as a role and a partner, never as a team: a team lead's own-team rule cannot
    # hold for it, so team leads read their figures on the report pages only.
    ("GET", "/api/v1/reports/funnel"): API_REPORT_READERS,
    ("GET", "/api/v1/reports/lks-jobs"): API_REPORT_READERS,
    ("GET", "/api/v1/reports/retention"): API_REPORT_READERS,
}

# Which world value fills a URL argument, when it is not the one of the same name.
ARGUMENTS = {
    ("GET", "/account/instellen/<token>"): {"token": "setup_token"},
    ("POST", "/account/instellen/<token>"): {"token": "setup_token"},
    ("POST", "/leads/<int:lead_id>/oppakken"): {"lead_id": "waiting_lead_id"},
    ("POST", "/leads/weergaven/<int:view_id>/verwijderen"): {"view_id": "lead_id"},  # no view has this id
    ("GET", "/agenda/<token>.ics"): {"token": "feed_token"},
    ("POST", "/beschikbaarheid/<int:user_id>/uren/<int:item_id>/verwijderen"): {"item_id": "lead_id"},  # none has it
    ("POST", "/beschikbaarheid/<int:user_id>/uitzondering/<int:item_id>/verwijderen"): {"item_id": "lead_id"},
    ("GET", "/import/<int:batch_id>/afgewezen.csv"): {"batch_id": "applied_batch_id"},
    ("GET", "/rapportages/uitgaven/<int:entry_id>/wijzigen"): {"entry_id": "lead_id"},  # no spend has this id
    ("POST", "/rapportages/uitgaven/<int:entry_id>/wijzigen"): {"entry_id": "lead_id"},
    ("POST", "/rapportages/uitgaven/<int:entry_id>/verwijderen"): {"entry_id": "lead_id"},
    ("GET", "/werkgevers/<int:employer_id>/samenvoegen"): {"employer_id": "employer_id"},
}
# Requests that change what later requests of the same actor would find: they go last, in this order.
LAST = (
    ("POST", "/leads/<int:lead_id>/oppakken"),
    ("POST", "/leads/<int:lead_id>/afwijzen"),
    ("POST", "/plaatsingen/<int:placement_id>/beeindigen"),
    ("POST", "/werkgevers/samenvoegen/<int:first_id>/<int:second_id>"),
    ("POST", "/beheer/contactpersonen/<int:contact_id>/wissen"),
    ("POST", "/import/<int:batch_id>/inlezen"),
    ("POST", "/campagne/advertenties/<int:ad_code_id>/actief"),
    ("POST", "/campagne/kanalen/utm/<int:mapping_id>/verwijderen"),
    ("POST", "/beheer/afwezigheid/<int:absence_id>/verwijderen"),
    ("POST", "/beheer/gebruikers/<int:user_id>/actief"),
    ("POST", "/jobcoaches/<int:organisation_id>/link-vernieuwen"),
    ("POST", "/logout"),
)


@dataclass
class World:
    logins: dict[str, Login]
    tokens: dict[str, str]
    values: dict[str, object] = field(default_factory=dict)


def _lead(name: str, email: str) -> Lead:
    """A new lead of an employer in Schiedam, through the intake."""
    return intake_lead(name, email, contact_name=f"Contact {name}", municipality="Schiedam")


def _applied_batch_id() -> int:
    """A generic import applied with one good and one rejected row, so it has an error file."""
    data = b"Bedrijf;Naam;E-mail\nBakkerij Boven;Bea Boven;bea@bakkerij-boven.example\nZonder Contact;;\n"
    options = imports.ImportOptions(preset="generic", campaign="aknp",
                                    mapping={"employer_name": "Bedrijf", "contact_name": "Naam", "email": "E-mail"})
    batch = imports.create_batch(data, "aanmeldingen.csv", options, actor=None)
    run = imports.start(batch, actor=None, apply=True)
    for _ in run.steps():
        pass
    imports.finish(batch.id, run, actor=None)
    assert batch.errors, "the applied batch should have a rejected row"
    return batch.id


@pytest.fixture
def world(app, factory, campaign) -> World:
    """The two partners and one record of every kind, made through the services."""
    partner_a, partner_b = factory.partner("Gemeente Rotterdam"), factory.partner("UWV Rijnmond", kind="uwv")
    team_a, team_b = factory.team("Waterweg"), factory.team("Noord")
    logins = {
        "advisor_a": factory.user("advisor", name="Anna Smit", partner_id=partner_a, team_id=team_a),
        "advisor_b": factory.user("advisor", name="Bram Kok", partner_id=partner_b, team_id=team_b),
        "teamlead_a": factory.user("teamlead", name="Tess Leider", partner_id=partner_a, team_id=team_a),
        "campaign": factory.user("campaign", name="Cas Campagne", partner_id=partner_b),
        "management": factory.user("management", name="Mia Manager", partner_id=partner_a),
        "admin": factory.user("admin", name="Ada Beheer"),
    }
    spare = factory.user("advisor", name="Sam Reserve", partner_id=partner_a, team_id=team_a)
    newcomer = factory.user("advisor", name="Nina Nieuw", partner_id=partner_a, team_id=team_a)
    values: dict[str, object] = {"partner_id": partner_a, "team_id": team_a, "campaign_id": campaign,
                                 "user_id": spare.id, "name": "funnel", "fmt": "csv"}
    with app.app_context():
        advisor = db.session.get(User, logins["advisor_a"].id)
        team = db.session.get(Team, team_a)
        worked = _lead("Metaalbedrijf De Haven", "info@dehaven.example")
        lead_service.assign_lead(worked, advisor, team=team, reason="test", actor=None)
        lead_service.change_stage(worked, "contacted", actor=None)
        waiting = _lead("Zorggroep Zuid", "info@zorggroep-zuid.example")
        lead_service.assign_lead(waiting, None, team=team, reason="Niemand beschikbaar", actor=None)
        placed = _lead("Schoonmaak Snel", "info@snel.example")
        lead_service.assign_lead(placed, advisor, team=team, reason="test", actor=None)
        coach, coach_token = jobcoaches.create_organisation(
            jobcoaches.OrganisationInput(name="Jobcoach Rijnmond", contact_name="Ans", email="ans@coach.example"),
            actor=None)
        placement = placement_service.create_placement(placed, placement_input(jobcoach_org=coach), actor=advisor)
        checkin = db.session.scalars(select(CheckIn).where(CheckIn.placement_id == placement.id)).first()
        intervention = risk.add_intervention(placement, risk.InterventionInput(
            kind="extra_jobcoach_hours", started_on=placement.start_date + timedelta(days=10)), actor=advisor)
        signal = jobcoaches.record_signal(coach, reference=placement.reference, description="Valt vaak uit.")
        case = risk.open_case_of(placement)
        campaign_row = db.session.get(Campaign, campaign)
        channel = db.session.scalar(select(Channel).where(Channel.code == "dagblad"))
        event = events.create_event(campaign_row, events.EventInput(
            kind="livestream", title="Livestream techniek", starts_at=datetime.now(UTC) + timedelta(days=30)),
            actor=None)
        ad = ad_codes.create_ad_code(title="AD zaterdag", campaign=campaign_row, channel=channel, phase=None,
                                     actor=None)
        mapping = campaign_service.add_utm_mapping(channel, source="krant-regio", actor=None)
        absence = users.add_absence(db.session.get(User, spare.id), date.today() + timedelta(days=30),
                                    date.today() + timedelta(days=35), actor=None).absence
        rule = routing_rules.save_rule(None, name="Alles naar Waterweg", priority=1, team_id=team_a, actor=None)
        previewed = imports.create_batch(
            b"Bedrijf;E-mail\nBakkerij Jansen;jan@bakkerij-jansen.example\n", "werkgevers.csv",
            imports.ImportOptions(preset="generic", campaign="aknp"), actor=None)
        applied_batch_id = _applied_batch_id()
        failed_run = add_task_run("sla-sweep", status="failed")
        mail = outbox.queue(["beheer@test.example"], "Testbericht", "Tekst", kind="test", key="matrix-mail")
        tokens = {}
        for actor, role, partner in (("admin", "admin", None), ("campaign", "campaign", partner_b),
                                     ("management", "management", partner_a), ("advisor_a", "advisor", partner_a),
                                     ("advisor_b", "advisor", partner_b), ("teamlead_a", "teamlead", partner_a)):
            _, tokens[actor] = auth_service.create_api_token(
                f"matrix-{actor}", role, db.session.get(Partner, partner) if partner else None)
        setup_token = auth_service.setup_token(db.session.get(User, newcomer.id))
        meeting = meetings.plan_meeting(worked, meetings.MeetingInput(
            kind="adviesgesprek", starts_at=datetime.now(UTC) + timedelta(days=7),
            ends_at=datetime.now(UTC) + timedelta(days=7, hours=1), place_kind="address", place="Havenweg 1"),
            organiser=advisor)
        feed_token = feeds.renew(advisor, actor=advisor)
        action = activities.log_activity(worked, activities.ActivityInput(
            "call", "Gebeld", next_action="Offerte sturen", next_action_due=date.today() + timedelta(days=3)),
            actor=advisor).activity
        db.session.commit()
        values.update(setup_token=setup_token, meeting_id=meeting.id, feed_token=feed_token,
            lead_id=worked.id, waiting_lead_id=waiting.id, employer_id=worked.employer_id,
            contact_id=worked.contact_id, first_id=worked.employer_id, second_id=placed.employer_id,
            placement_id=placement.id, checkin_id=checkin.id, intervention_id=intervention.id, case_id=case.id,
            signal_id=signal.id, organisation_id=coach.id, token=coach_token, kind="livestream", slug=event.slug,
            event_id=event.id, code=ad.code, ad_code_id=ad.id, channel_id=channel.id, mapping_id=mapping.id,
            absence_id=absence.id, rule_id=rule.id, batch_id=previewed.id, applied_batch_id=applied_batch_id,
            run_id=failed_run.id, message_id=mail.id, activity_id=action.id,
        )
    return World(logins, tokens, values)


def url_for_rule(rule: str, method: str, values: dict[str, object]) -> str:
    names = ARGUMENTS.get((method, rule), {})
    return re.sub(r"<(?:[^>]*:)?(\w+)>", lambda m: str(values[names.get(m.group(1), m.group(1))]), rule)


def outcome(response, method: str) -> str:
    """The access decision a response shows."""
    status = response.status_code
    if status in (301, 302, 303, 307, 308):
        location = urlsplit(response.headers["Location"])
        if location.path == "/login" and "next" in parse_qs(location.query):
            return LOGIN
        return OK
    if status == 401:
        return UNAUTHORIZED
    if status == 403:
        return FORBIDDEN
    if status == 404:
        return HIDDEN
    if 200 <= status < 300:
        return OK
    # A refused harmless POST (a form or body that does not validate) passed the access check.
    if method == "POST" and status in (400, 409, 415, 422):
        return OK
    return f"status {status}"


def declared_rules() -> set[tuple[str, str]]:
    return set(WEB) | set(API)


def routed_rules(app) -> set[tuple[str, str]]:
    return {(method, rule.rule) for rule in app.url_map.iter_rules() if rule.endpoint != "static"
            for method in rule.methods - {"HEAD", "OPTIONS"}}


def in_order(table: dict) -> list[tuple[str, str]]:
    """GETs first, then POSTs, then the requests that change what later ones find."""
    return sorted(table, key=lambda key: (LAST.index(key) if key in LAST else -1, key[0] != "GET", key))


def mismatches(client, table: dict, column: int, actor: str, values: dict, headers: dict) -> list[str]:
    found = []
    for method, rule in in_order(table):
        url = url_for_rule(rule, method, values)
        if method == "GET":
            response = client.get(url, headers=headers)
        elif rule.startswith("/api/"):
            response = client.post(url, json={}, headers=headers)
        else:
            response = client.post(url, data={}, headers=headers)
        response.get_data()  # a streamed page runs to its end
        response.close()
        got, expected = outcome(response, method), table[(method, rule)][column]
        if got != expected:
            found.append(f"{method} {url} ({rule}) as {actor}: expected {expected}, got {got}")
    return found


def test_every_route_has_a_declared_answer_for_every_actor(app):
    routed, declared = routed_rules(app), declared_rules()
    assert not set(WEB) & set(API), "a rule is declared for the web and the API"
    assert all(rule.startswith("/api/") for _, rule in API) and not any(rule.startswith("/api/") for _, rule in WEB)
    assert all(len(row) == len(WEB_ACTORS) for row in WEB.values())
    assert all(len(row) == len(API_ACTORS) for row in API.values())
    missing, stale = sorted(routed - declared), sorted(declared - routed)
    assert not missing and not stale, f"routes without a declared answer: {missing}; declared but not routed: {stale}"


@pytest.mark.parametrize("actor", WEB_ACTORS)
def test_every_page_answers_each_actor_as_declared(app, client, world, actor):
    if actor != "anonymous":
        assert login(client, world.logins[actor]).status_code == 200
    found = mismatches(client, WEB, WEB_ACTORS.index(actor), actor, world.values, {})
    assert not found, f"{len(found)} routes answered otherwise:\n" + "\n".join(found)


@pytest.mark.parametrize("actor", API_ACTORS)
def test_every_api_endpoint_answers_each_token_as_declared(app, client, world, actor):
    headers = {}
    if actor == "session":
        assert login(client, world.logins["admin"]).status_code == 200
    elif actor != "no_token":
        headers = bearer(world.tokens[actor])
    found = mismatches(client, API, API_ACTORS.index(actor), actor, world.values, headers)
    assert not found, f"{len(found)} endpoints answered otherwise:\n" + "\n".join(found)
