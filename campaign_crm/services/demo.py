"""A realistic demo region, made through the same services the application uses.

Deterministic: the same seed (and the same `today`) gives the same data.
"""
from __future__ import annotations

import random
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..models import Campaign, Municipality, RoutingRule, Sector, Team, User, utcnow
from ..permissions import ADMIN, ADVISOR, CAMPAIGN, MANAGEMENT, TEAMLEAD
from .accounts import organisation, users
from .accounts.auth import hash_password
from .booking.availability import add_demo_availability
from .calendar import AMSTERDAM, add_working_days
from .campaigns import campaigns
from .campaigns.campaigns import PhaseInput
from .capture.intake import (
    ContactInput,
    EmployerInput,
    TouchpointInput,
    record_touchpoint,
)
from .errors import ValidationError
from .leads import lifecycle as lead_service
from .mail import notices
from .placements import checkins as checkins_service
from .placements import records as placement_service
from .reports.spend import seed_demo_spend
from .routing import engine as routing

DEMO_LOGINS = {
    ADMIN: "beheer@demo.example",
    CAMPAIGN: "campagne@demo.example",
    TEAMLEAD: "teamleider@demo.example",
    ADVISOR: "adviseur@demo.example",
    MANAGEMENT: "management@demo.example",
}

# The demo timeline ends here (or now, if that is earlier), so the same seed gives the same leads.
TIMELINE_END = datetime(2026, 11, 27, 17, 0, tzinfo=AMSTERDAM)

MUNICIPALITY_WEIGHTS = {
    "Rotterdam": 45, "Schiedam": 6, "Vlaardingen": 5, "Capelle aan den IJssel": 5, "Nissewaard": 6,
    "Hoeksche Waard": 6, "Ridderkerk": 3, "Barendrecht": 3, "Maassluis": 2, "Krimpen aan den IJssel": 2,
    "Albrandswaard": 2, "Goeree-Overflakkee": 3, "Voorne aan Zee": 4,
}
POSTCODES = {
    "Rotterdam": (3011, 3089), "Schiedam": (3111, 3125), "Vlaardingen": (3131, 3138), "Maassluis": (3141, 3146),
    "Capelle aan den IJssel": (2901, 2909), "Krimpen aan den IJssel": (2921, 2926), "Barendrecht": (2991, 2994),
    "Ridderkerk": (2981, 2988), "Albrandswaard": (3161, 3162), "Nissewaard": (3201, 3211),
    "Voorne aan Zee": (3221, 3237), "Goeree-Overflakkee": (3241, 3258), "Hoeksche Waard": (3261, 3299),
}

PARTNERS = [
    *[(f"Gemeente {m}", "gemeente", m) for m in MUNICIPALITY_WEIGHTS],
    ("UWV Rijnmond", "uwv", "Rotterdam"),
    ("Albeda", "roc", "Rotterdam"), ("Zadkine", "roc", "Rotterdam"), ("Hoornbeeck College", "roc", "Rotterdam"),
    ("Techniek College Rotterdam", "roc", "Rotterdam"), ("Hogeschool Rotterdam", "roc", "Rotterdam"),
    ("FNV Rotterdam", "vakbond", None), ("CNV Jongeren", "vakbond", None),
    ("VNO-NCW Rotterdam", "werkgeversorganisatie", None), ("MKB Rotterdam Rijnmond", "werkgeversorganisatie", None),
    ("Deltalinqs", "werkgeversorganisatie", None), ("Techniek Nederland Rijnmond", "werkgeversorganisatie", None),
    ("Zorgwerkgevers Rijnmond", "werkgeversorganisatie", None),
    ("Werkcentrum Rijnmond", "other", "Rotterdam"), ("WSP Rijnmond", "other", "Rotterdam"),
    ("Pameijer", "other", "Rotterdam"), ("Lucertis Werk", "other", "Schiedam"),
]

# name, municipalities covered, sector skill required of every member, advisors, is_pool
TEAMS = [
    ("Rotterdam Noord", ["Rotterdam"], None, 12, False),
    ("Rotterdam Zuid", ["Rotterdam"], None, 12, False),
    ("Rotterdam Centrum-West", ["Rotterdam"], None, 12, False),
    ("Waterweg", ["Schiedam", "Vlaardingen", "Maassluis"], None, 8, False),
    ("Oostflank", ["Capelle aan den IJssel", "Krimpen aan den IJssel"], None, 7, False),
    ("BAR-gemeenten", ["Barendrecht", "Albrandswaard", "Ridderkerk"], None, 7, False),
    ("Voorne-Putten", ["Nissewaard", "Voorne aan Zee"], None, 8, False),
    ("Eilanden", ["Goeree-Overflakkee", "Hoeksche Waard"], None, 4, False),  # understaffed: leads wait
    ("Sector Techniek", list(MUNICIPALITY_WEIGHTS), "techniek", 11, False),
    ("Sector Zorg", list(MUNICIPALITY_WEIGHTS), "zorg", 11, False),
    ("Regionale pool", list(MUNICIPALITY_WEIGHTS), None, 9, True),
]

PHASES = [
    ("launch", "Lancering: advertenties", date(2026, 5, 11), date(2026, 5, 31), None, 0.27),
    ("livestream", "Livestream voor werkgevers", date(2026, 6, 1), date(2026, 8, 31), None, 0.25),
    ("techniek", "Sectorfase techniek", date(2026, 9, 1), date(2026, 10, 31), "techniek", 0.28),
    ("zorg", "Sectorfase zorg", date(2026, 11, 1), date(2027, 1, 31), "zorg", 0.20),
]

CHANNEL_MIX = {
    "launch": {"dagblad": 30, "vakblad": 12, "facebook": 15, "instagram": 8, "linkedin": 15, "website": 12,
               "partner": 5, "telefoon": 3},
    "livestream": {"livestream": 40, "linkedin": 15, "website": 15, "facebook": 8, "partner": 10, "dagblad": 5,
                   "event": 4, "telefoon": 3},
    "techniek": {"vakblad": 30, "linkedin": 25, "website": 12, "event": 10, "partner": 10, "dagblad": 8, "facebook": 5},
    "zorg": {"vakblad": 25, "linkedin": 20, "facebook": 15, "website": 15, "partner": 10, "dagblad": 10,
             "instagram": 5},
}
UTM = {
    "facebook": ("facebook", "paid_social"), "instagram": ("instagram", "paid_social"),
    "linkedin": ("linkedin", "paid_social"), "website": ("werkcentrumrijnmond", "referral"),
}
# How willing leads from a channel are to go on (a warm referral beats a newspaper ad).
CHANNEL_WARMTH = {"partner": 1.25, "livestream": 1.2, "event": 1.15, "telefoon": 1.1, "website": 1.0,
                  "linkedin": 0.95, "vakblad": 0.95, "dagblad": 0.85, "facebook": 0.8, "instagram": 0.75}
SECTOR_WEIGHTS = {"techniek": 18, "zorg": 14, "logistiek": 14, "handel": 14, "horeca": 10, "schoonmaak": 8,
                  "zakelijk": 10, "overheid_onderwijs": 4, "groen": 5, "overig": 3}
SECTOR_SBI = {"techniek": ["25.11", "28.29", "33.12", "43.22", "71.12"], "zorg": ["86.10", "87.10", "88.10"],
              "logistiek": ["49.41", "52.10", "52.24"], "handel": ["46.90", "47.11", "45.20"],
              "horeca": ["55.10", "56.10"], "schoonmaak": ["81.21", "81.22"], "zakelijk": ["62.01", "69.20", "78.20"],
              "overheid_onderwijs": ["84.11", "85.31"], "groen": ["01.19", "81.30"], "overig": ["94.99", "96.02"]}
NAME_PATTERNS = {
    "techniek": ["Installatiebedrijf {s}", "{s} Metaal", "Constructiebedrijf {s}", "{s} Elektrotechniek",
                 "Machinefabriek {p}"],
    "zorg": ["Zorggroep {p}", "Thuiszorg {p}", "Zorgcentrum {p}", "{s} Zorg"],
    "logistiek": ["Transportbedrijf {s}", "Logistiek Centrum {p}", "{s} Distributie"],
    "handel": ["{s} Groothandel", "Supermarkt {s}", "Autobedrijf {s}"],
    "horeca": ["Restaurant {p}", "Hotel {p}", "Eetcafé {s}"],
    "schoonmaak": ["Schoonmaakbedrijf {s}", "{p} Facilitair"],
    "zakelijk": ["{s} Administratie", "{s} & Partners", "ICT-bureau {p}"],
    "overheid_onderwijs": ["Kindcentrum {p}", "Stichting {p} Onderwijs"],
    "groen": ["Hoveniersbedrijf {s}", "Kwekerij {s}"],
    "overig": ["{s} Diensten", "Stichting {p}"],
}
PLACES = ["De Maas", "Waalhaven", "Kralingen", "Het Park", "De Esch", "Hillegersberg", "Lombardijen", "De Waterkant",
          "Zuiderpark", "Rozenburg", "De Akkers", "Spijkenisse", "Oud-Beijerland", "Delfshaven", "Blijdorp", "Ommoord",
          "Charlois", "Feijenoord", "De Lier", "Middelharnis", "Schiehaven", "Heijplaat", "Katendrecht", "Prinsenland"]
FIRST_NAMES = ["Sanne", "Daan", "Fatima", "Mohamed", "Emma", "Lucas", "Aylin", "Kees", "Noor", "Sem", "Yasmina",
               "Joost", "Petra", "Erik", "Anouk", "Bram", "Samira", "Thijs", "Lotte", "Youssef", "Inge", "Ruben",
               "Esra", "Mark", "Fleur", "Jeroen", "Naima", "Tim", "Marloes", "Hamza", "Sandra", "Rik", "Ilse", "Dennis",
               "Priya", "Wouter"]
SURNAMES = ["de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder", "de Groot", "Bos", "Vos",
            "Peters", "Hendriks", "van Leeuwen", "Dekker", "Brouwer", "de Wit", "Dijkstra", "Yılmaz", "El Amrani",
            "Bakkali", "Kaya", "Verhoeven", "van der Berg", "Koster", "Prins", "van Dijk", "Kok", "Huisman", "Willems",
            "Ouali", "Doğan", "Ramdin", "Sardjoe", "Martina", "Pinas"]
FUNCTIONS = ["Eigenaar", "Directeur", "HR-manager", "HR-adviseur", "Operationeel manager", "Teamleider",
             "Office manager", "Bedrijfsleider"]
POOL_GAPS = ("groen", "overig")  # sectors nobody in the regional pool covers
NO_MUNICIPALITY_SHARE = 0.05  # forms where the employer left the municipality empty
LOST_WEIGHTS = {"unreachable": 30, "no_vacancy": 28, "not_interested": 20, "other_route": 10, "duplicate": 5,
                "not_eligible": 7}
HOW_HEARD = {"dagblad": "Advertentie in de krant", "vakblad": "Vakblad", "partner": "Via mijn gemeente",
             "telefoon": "Gebeld door Werkcentrum", "event": "Bijeenkomst"}


@dataclass
class SeedReport:
    partners: int
    teams: int
    advisors: int
    leads: int


def _weighted(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _slug(text: str) -> str:
    text = text.lower().replace("ı", "i").replace("ğ", "g").replace("&", "en")
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def seed_demo(*, seed: int = 2026, lead_count: int = 2000, today: date | None = None,
              progress: Callable[[int], None] | None = None) -> SeedReport:
    """Create partners, teams, ~100 advisors, the campaign and `lead_count` leads with a plausible history."""
    if current_app.config["ENV_NAME"] == "production":
        # The demo logins share one published password: never on a production system.
        raise ValidationError("Demo-data (met het demowachtwoord) kan niet in productie worden aangemaakt.",
                              {"CRM_ENV": "production"})
    rng = random.Random(seed)
    today = today or date.today()
    password_hash = hash_password(current_app.config["DEMO_PASSWORD"])
    municipalities = {m.name: m for m in db.session.scalars(select(Municipality))}
    sectors = {s.code: s for s in db.session.scalars(select(Sector))}

    partners = {
        name: organisation.save_partner(None, name=name, kind=kind,
                                        municipality=municipalities.get(muni) if muni else None, actor=None)
        for name, kind, muni in PARTNERS
    }
    staff = _create_staff(rng, partners, municipalities, sectors, password_hash, today)
    add_demo_availability(staff.advisors)  # bookable hours, so the thank-you page offers times
    campaign = _create_campaign(sectors)
    _create_rules(staff, campaign, municipalities, sectors)
    seed_demo_spend(campaign, until=today)
    with notices.silenced():  # a made-up history: nobody is mailed about it
        lead_total = _create_leads(rng, lead_count, staff, progress)
    db.session.flush()
    return SeedReport(partners=len(partners), teams=len(staff.teams), advisors=len(staff.advisors), leads=lead_total)


@dataclass
class _Staff:
    teams: dict[str, Team]
    team_municipalities: dict[str, list[str]]
    team_sector: dict[str, str | None]
    advisors: list[User]
    by_team: dict[str, list[User]]


def _create_staff(rng, partners, municipalities, sectors, password_hash, today) -> _Staff:
    staff = _Staff(teams={}, team_municipalities={}, team_sector={}, advisors=[], by_team=defaultdict(list))
    used_emails: set[str] = set(DEMO_LOGINS.values())
    gemeente_of = {m: partners[f"Gemeente {m}"] for m in MUNICIPALITY_WEIGHTS}
    other_partners = [p for p in partners.values() if p.kind != "gemeente"]

    def person_email(name: str, partner) -> str:
        base = f"{_slug(name).replace('-', '.')}@{_slug(partner.name)}.example"
        email, n = base, 1
        while email in used_emails:
            n += 1
            email = base.replace("@", f"{n}@")
        used_emails.add(email)
        return email

    coordinator = partners["Werkcentrum Rijnmond"]
    for role, label in ((ADMIN, "Ruben Dekker"), (CAMPAIGN, "Samira Ouali"), (MANAGEMENT, "Wouter van Dijk")):
        users.create_user(email=DEMO_LOGINS[role], name=label, role=role, partner=coordinator,
                          password="", password_hash=password_hash, actor=None)

    for index, (name, covered, skill, size, is_pool) in enumerate(TEAMS):
        team = organisation.save_team(
            None, name=name, is_pool=is_pool, actor=None,
            description=("Vangt leads op die geen andere regel heeft." if is_pool
                         else f"Werkgevers in {', '.join(covered[:3])}" + ("…" if len(covered) > 3 else "")),
        )
        staff.teams[name] = team
        staff.team_municipalities[name] = covered
        staff.team_sector[name] = skill
        home_partner = gemeente_of.get(covered[0], coordinator) if len(covered) < 5 else coordinator
        lead_name = f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"
        users.create_user(
            email=DEMO_LOGINS[TEAMLEAD] if index == 0 else person_email(lead_name, home_partner), name=lead_name,
            role=TEAMLEAD, partner=home_partner, team=team, capacity=10, password="", password_hash=password_hash,
        )
        for member in range(size):
            partner = home_partner if rng.random() < 0.6 else rng.choice(other_partners)
            person = f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"
            capacity = rng.choice([10, 15, 20, 20, 25, 25, 30, 35, 40]) if name != "Eilanden" else 10
            advisor = users.create_user(
                email=DEMO_LOGINS[ADVISOR] if index == 0 and member == 0 else person_email(person, partner),
                name=person, role=ADVISOR, partner=partner, team=team,
                capacity=capacity, password="", password_hash=password_hash,
            )
            advisor.municipalities = [municipalities[m] for m in covered]
            skills = {skill} if skill else set()
            skills.update(rng.sample([s for s in SECTOR_WEIGHTS if not (is_pool and s in POOL_GAPS)],
                                     rng.randint(1, 3)))
            advisor.skills = [sectors[s] for s in sorted(skills)]
            staff.advisors.append(advisor)
            staff.by_team[name].append(advisor)

    for team_members in staff.by_team.values():
        for advisor in team_members:
            advisor.backup = rng.choice([m for m in team_members if m is not advisor])
            roll = rng.random()
            if roll < 0.07:  # away now: sick or on holiday
                start = today - timedelta(days=rng.randint(0, 6))
                users.add_absence(advisor, start, start + timedelta(days=rng.randint(7, 20)),
                                  rng.choice(["Vakantie", "Ziek", "Verlof"]), actor=None)
            elif roll < 0.20:  # a holiday planned
                start = today + timedelta(days=rng.randint(5, 40))
                users.add_absence(advisor, start, start + timedelta(days=rng.randint(3, 14)), "Vakantie", actor=None,
                                  hand_back=True)  # the leads come back after the holiday
    db.session.flush()
    return staff


def _create_campaign(sectors) -> Campaign:
    return campaigns.create_campaign(
        code="aknp", name="Anders kijken naar personeel", starts_on=PHASES[0][2], ends_on=date(2027, 4, 30),
        phases=[PhaseInput(code, name, starts, ends, sectors.get(sector))
                for code, name, starts, ends, sector, _ in PHASES],
    )


def _create_rules(staff: _Staff, campaign: Campaign, municipalities, sectors) -> None:
    """Routing rules as a region would set them up: sector phases first, then Rotterdam by sector,
    then each municipality to its regional team, and a catch-all to the regional pool."""
    phase = {p.code: p for p in campaign.phases}
    teams = staff.teams

    def add(name, team, priority, *, municipality=None, sector=None, phase_code=None, requires_skill=False):
        db.session.add(RoutingRule(
            name=name, team=teams[team], priority=priority, requires_skill=requires_skill,
            municipality=municipalities.get(municipality), sector=sectors.get(sector),
            phase=phase.get(phase_code),
        ))

    add("Techniekfase: techniekbedrijven", "Sector Techniek", 10, sector="techniek", phase_code="techniek",
        requires_skill=True)
    add("Zorgfase: zorgorganisaties", "Sector Zorg", 10, sector="zorg", phase_code="zorg", requires_skill=True)
    add("Rotterdam techniek", "Rotterdam Noord", 20, municipality="Rotterdam", sector="techniek")
    add("Rotterdam logistiek", "Rotterdam Noord", 20, municipality="Rotterdam", sector="logistiek")
    add("Rotterdam zorg", "Rotterdam Zuid", 20, municipality="Rotterdam", sector="zorg")
    add("Rotterdam schoonmaak", "Rotterdam Zuid", 20, municipality="Rotterdam", sector="schoonmaak")
    add("Rotterdam overig", "Rotterdam Centrum-West", 30, municipality="Rotterdam")
    for team_name, covered, _, _, _ in TEAMS:
        if len(covered) < 5 and covered != ["Rotterdam"]:
            for municipality in covered:
                add(f"{municipality}", team_name, 40, municipality=municipality)
    add("Vangnet: regionale pool", "Regionale pool", 1000, requires_skill=True)
    db.session.flush()


def _create_leads(rng, lead_count, staff: _Staff, progress) -> int:
    end = min(TIMELINE_END, utcnow())
    used_kvk: set[str] = set()
    created = 0
    for code, _, starts, phase_end, focus, share in PHASES:
        phase_start = datetime.combine(starts, time(8, 0), tzinfo=AMSTERDAM)
        phase_stop = min(datetime.combine(phase_end, time(18, 0), tzinfo=AMSTERDAM), end)
        if phase_stop <= phase_start:
            continue
        n = round(lead_count * share) if code != PHASES[-1][0] else lead_count - created
        span = (phase_stop - phase_start).total_seconds()
        # Response comes in a burst after each phase opens, then tails off.
        moments = sorted(phase_start + timedelta(seconds=span * rng.betavariate(1.1, 2.6)) for _ in range(n))
        for occurred in moments:
            occurred = _office_hours(rng, occurred)
            if occurred > end:
                occurred = end - timedelta(minutes=rng.randint(5, 600))
            channel = _weighted(rng, CHANNEL_MIX[code])
            sector = focus if focus and rng.random() < 0.55 else _weighted(rng, SECTOR_WEIGHTS)
            data = replace(_touchpoint(rng, code, channel, sector, occurred, used_kvk),
                           arrived_at=_arrival(rng, channel, occurred, end))
            touchpoints = [data]
            if rng.random() < 0.06:  # the same employer reacts again, through another channel
                again = occurred + timedelta(days=rng.randint(1, 20))
                if again < end:
                    touchpoints.append(replace(data, occurred_at=again, arrived_at=again, kind="form", utm={},
                                               channel=_weighted(rng, CHANNEL_MIX[code])))
            for touchpoint in touchpoints:
                result = record_touchpoint(touchpoint, route=False)  # routed below, once it reached a desk
                if result.created:  # new, or the employer's earlier lead was already closed
                    _route(rng, result.lead, touchpoint.arrived_at, end)
                    _progress(rng, result.lead, touchpoint.channel, end)
                    created += 1
            if progress:
                progress(1)
            if created % 200 == 0:
                # Keep the unit of work small: flushed rows stay in the transaction, the ORM forgets them.
                db.session.flush()
                db.session.expunge_all()
    return created


# Where a lead waits before an advisor has it: lead ads and webinar registrations come in with the next
# morning's import, and now and then a lead waits in a team queue until a team lead assigns it.
IMPORTED_CHANNELS = {"livestream": 1.0, "linkedin": 0.6, "facebook": 0.6, "instagram": 0.6, "event": 0.8}
ROUTING_DELAY_SHARE = 0.12


def _arrival(rng, channel, occurred: datetime, end: datetime) -> datetime:
    """When the touchpoint reached the CRM: at once from the web form, the next working morning by import."""
    if rng.random() >= IMPORTED_CHANNELS.get(channel, 0.0):
        return occurred + timedelta(seconds=rng.randint(2, 90))
    day = add_working_days(occurred.astimezone(AMSTERDAM).date(), 1)
    moment = datetime.combine(day, time(rng.randint(8, 10), rng.randint(0, 59)), tzinfo=AMSTERDAM)
    return min(moment.astimezone(UTC), end)


def _route(rng, lead, arrived: datetime, end: datetime) -> None:
    """Route a new lead when it arrived; some wait in the queue for hours before a team lead assigns them."""
    at = arrived
    if rng.random() < ROUTING_DELAY_SHARE:
        at = arrived + timedelta(hours=rng.choice([2, 4, 6, 20, 26, 48, 70]), minutes=rng.randint(0, 59))
    if at <= end:
        routing.route_lead(lead, at=at)


def _office_hours(rng, moment: datetime) -> datetime:
    local = moment.astimezone(AMSTERDAM)
    if local.weekday() >= 5 and rng.random() < 0.8:
        local += timedelta(days=7 - local.weekday())
    hour = rng.choices([rng.randint(8, 17), rng.randint(18, 22), rng.randint(6, 7)], weights=[80, 15, 5])[0]
    return local.replace(hour=hour, minute=rng.randint(0, 59), second=rng.randint(0, 59)).astimezone(UTC)


def _touchpoint(rng, phase_code, channel, sector, occurred, used_kvk) -> TouchpointInput:
    municipality = _weighted(rng, MUNICIPALITY_WEIGHTS)
    given_municipality = None if rng.random() < NO_MUNICIPALITY_SHARE else municipality
    surname = rng.choice(SURNAMES).split()[-1].capitalize()
    name = rng.choice(NAME_PATTERNS[sector]).format(s=surname, p=rng.choice(PLACES))
    if rng.random() < 0.3:
        name += " B.V."
    kvk = None
    if rng.random() < 0.7:
        kvk = str(rng.randint(10_000_000, 99_999_999))
        while kvk in used_kvk:
            kvk = str(rng.randint(10_000_000, 99_999_999))
        used_kvk.add(kvk)
    low, high = POSTCODES[municipality]
    letters = "".join(rng.choice("ABCEGHJKLMNPRTVWXZ") for _ in range(2))
    contact_name = f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"
    domain = f"{_slug(name)}-{rng.randint(10, 99)}.example"
    phone = (f"06{rng.randint(10_000_000, 99_999_999)}" if rng.random() < 0.6
             else f"010{rng.randint(2_000_000, 4_999_999)}")
    interests = rng.sample(["lks", "loondispensatie", "lkv", "jobcoaching", "adviesgesprek", "harrie", "vacature"],
                           rng.choice([1, 1, 2, 2, 3]))
    source_medium = UTM.get(channel)
    return TouchpointInput(
        kind="livestream_registration" if channel == "livestream" else "form",
        employer=EmployerInput(
            name=name, kvk=kvk, municipality=given_municipality, sbi=rng.choice(SECTOR_SBI[sector]),
            size=str(int(rng.lognormvariate(2.8, 1.2)) + 1), postcode=f"{rng.randint(low, high)} {letters}",
            website=f"https://www.{domain}",
        ),
        contact=ContactInput(name=contact_name, function=rng.choice(FUNCTIONS),
                             email=f"{_slug(contact_name).split('-')[0]}@{domain}", phone=phone),
        campaign="aknp", channel=channel, phase=phase_code,
        utm=({"source": source_medium[0], "medium": source_medium[1], "campaign": f"aknp-{phase_code}"}
             if source_medium else {}),
        interests=interests, how_heard=HOW_HEARD.get(channel), occurred_at=occurred,
        message=rng.choice([None, None, "Graag contact over de mogelijkheden.", "Wij zoeken iemand voor de productie.",
                            "Kunt u mij bellen?", "Interesse in loonkostensubsidie."]),
        consent_basis="toestemming", consent_text_version="aknp-2026-05",
    )


def _progress(rng, lead, channel, end) -> None:
    """Work a routed lead through the stages, as far as its age and luck allow."""
    advisor = lead.owner
    if advisor is None:
        return  # waiting, with the reason routing gave
    warmth = CHANNEL_WARMTH.get(channel, 1.0)
    steps = [("contacted", 0.88, (0, 6)), ("meeting", 0.55 * warmth, (3, 20)), ("vacancy", 0.5 * warmth, (5, 30)),
             ("placed", 0.45, (14, 60))]
    at = lead.assigned_at
    for stage, chance, (low, high) in steps:
        if stage == "contacted":
            day = add_working_days(at.astimezone(AMSTERDAM).date(), rng.choice([0, 1, 1, 1, 2, 2, 3, 4, 6]))
            next_at = datetime.combine(day, time(rng.randint(9, 16), rng.randint(0, 59)), tzinfo=AMSTERDAM)
            next_at = max(next_at, at + timedelta(minutes=30))
        else:
            next_at = at + timedelta(days=rng.randint(low, high), hours=rng.randint(0, 8))
        if next_at > end:
            return  # still working on it
        if rng.random() > min(chance, 0.95):
            if (end - at).days > 21 and rng.random() < 0.75:
                lost_at = at + timedelta(days=rng.randint(7, 21))
                lead_service.change_stage(lead, "lost", actor=advisor, at=min(lost_at, end),
                                          lost_reason=_weighted(rng, LOST_WEIGHTS))
            return
        if stage == "placed":
            _place(rng, lead, advisor, next_at, end)
        else:
            lead_service.change_stage(lead, stage, actor=advisor, at=next_at)
        at = next_at


def _place(rng, lead, advisor, at, end) -> None:
    """Register a placement (which moves the lead to `placed`), do the check-ins that are due, and end
    some jobs with a how and a why: the retention picture the campaign is about."""
    start = (at + timedelta(days=rng.randint(3, 21))).astimezone(AMSTERDAM).date()
    last_day = end.astimezone(AMSTERDAM).date()
    start = min(start, last_day)
    instrument = _weighted(rng, {"lks": 70, "loondispensatie": 10, "lkv": 12, "other": 8})
    fixed_term = rng.random() < 0.55
    placement = placement_service.create_placement(lead, placement_service.PlacementInput(
        candidate_ref=f"KL-{rng.randint(100000, 999999)}", instrument=instrument, start_date=start,
        lks_type=_weighted(rng, {"regular": 80, "forfaitair": 12, "tijdelijk": 8}) if instrument == "lks" else None,
        loonwaarde_pct=rng.randint(35, 85) if instrument == "lks" else None,
        loonwaarde_assessed_on=start - timedelta(days=rng.randint(5, 30)) if instrument == "lks" else None,
        hours_per_week=rng.choice([16, 20, 24, 28, 32, 36]),
        contract_type="fixed_term" if fixed_term else _weighted(rng, {"permanent": 80, "other": 20}),
        fixed_term_ends_on=start + timedelta(days=rng.choice([182, 365])) if fixed_term else None,
        jobcoach_kind=_weighted(rng, {"external": 60, "internal": 40}), jobcoach_hours=rng.choice([2, 4, 6, 8]),
        doelgroepregister=rng.random() < 0.6, no_riskpolis=rng.random() < 0.4,
    ), actor=advisor, at=at)
    ends_on = None
    if rng.random() < 0.18:  # more than half of the endings come in the first year
        ends_on = start + timedelta(days=rng.randint(14, 160))
    for checkin in placement.checkins:
        done = checkin.due_on + timedelta(days=rng.randint(0, 4))
        if done > last_day or (ends_on and done >= ends_on) or rng.random() < 0.1:
            break
        level = _weighted(rng, {"green": 85, "amber": 12, "red": 3}) if not ends_on else _weighted(
            rng, {"green": 50, "amber": 35, "red": 15})
        checkins_service.record_checkin(placement, checkins_service.CheckInInput(
            done_on=done, with_whom=_weighted(rng, {"employer": 50, "employee": 30, "jobcoach": 20}), risk=level,
        ), actor=advisor, checkin=checkin)
    if ends_on and ends_on <= last_day:
        placement_service.end_placement(
            placement, end_date=ends_on, actor=advisor,
            end_how=_weighted(rng, {"trial_period": 20, "fixed_term_not_renewed": 30, "dismissal": 15,
                                    "resignation": 15, "mutual_agreement": 15, "other": 5}),
            end_why=_weighted(rng, {"match": 28, "health": 18, "behaviour": 12, "guidance": 8, "subsidy_issue": 4,
                                    "employer_economic": 10, "regular_job": 10, "move_personal": 6, "unknown": 4}),
        )
