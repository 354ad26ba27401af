"""`report_dataset`: a small region built by hand with exact timestamps, whose report answers the
tests in this folder work out on paper. Plain model inserts, because reports read stored
timestamps and the services would stamp "now".

The leads (local Europe/Amsterdam times; cohort = tertaal T2 2026, 1 May – 31 Aug):

| lead | created (local)  | first touch | phase      | reached   | lost | owner | sector   | municipality |
| ---- | ---------------- | ----------- | ---------- | --------- | ---- | ----- | -------- | ------------ |
| 1    | Wed 13 May 10:00 | linkedin    | launch     | placed    |      | anna  | techniek | Rotterdam    |
| 2    | Fri 22 May 16:00 | linkedin    | launch     | meeting   |      | anna  | techniek | Rotterdam    |
| 3    | Mon  1 Jun 10:00 | linkedin    | livestream | contacted | yes  | bram  | zorg     | Schiedam     |
| 4    | Tue  2 Jun 10:00 | linkedin    | livestream | assigned  |      | bram  | zorg     | Rotterdam    |
| 5    | Wed  3 Jun 10:00 | linkedin    | launch     | new       |      | -     | techniek | Rotterdam    |
| 6    | Mon  8 Jun 10:00 | dagblad     | launch     | vacancy   |      | anna  | zorg     | Schiedam     |
| 7    | Tue  9 Jun 10:00 | dagblad     | livestream | assigned  | yes  | bram  | techniek | Schiedam     |
| 8    | Wed 10 Jun 10:00 | dagblad     | livestream | new       |      | -     | zorg     | Rotterdam    |
| 9    | Thu  2 Jul 23:30 | (none)      | (none)     | contacted |      | anna  | (none)   | (none)       |
| 12   | Fri  1 May 00:30 | dagblad     | launch     | assigned  |      | anna  | techniek | Rotterdam    |
| 10   | Thu 30 Apr 23:30 | linkedin    | launch     | assigned  |      | anna  | techniek | Rotterdam    | (T1: outside)
| 11   | Tue  1 Sep 00:30 | linkedin    | launch     | assigned  |      | anna  | techniek | Rotterdam    | (T3: outside)

Lead 12 is 30 April 22:30 UTC and lead 11 is 31 August 22:30 UTC: only local dates decide.
Anna Smit works for partner "Gemeente Rotterdam" in team "Waterweg", Bram Kok for "UWV Rijnmond"
in team "Noord"; a lead's team is its owner's team.

First contact (contacted_at, local): lead 1 Fri 15 May 09:00, lead 2 Tue 26 May 10:00, lead 3
Mon 1 Jun 15:00, lead 6 Mon 15 Jun 10:00, lead 9 Fri 3 Jul 00:30. The other stages follow:
assigned 30 min after created, meeting 7 days after contact, vacancy 7 days after the meeting,
placed 14 days after the vacancy, lost 3 days after the last stage reached. sla_due_at is
`calendar.sla_due(created, 2)`.

Later touchpoints (for last-touch attribution):
- lead 1: facebook on 1 Jul, after its meeting (22 May) — does not count;
- lead 2: dagblad on 25 May, before its meeting (2 Jun) — its last touch is dagblad;
- lead 4: a touchpoint without a channel on 5 Jun — skipped, its last touch stays linkedin;
- lead 8: linkedin on 20 Jun, no meeting — its last touch is linkedin.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from campaign_crm.extensions import db
from campaign_crm.models import (
    Channel,
    Employer,
    Lead,
    Municipality,
    Partner,
    Phase,
    Placement,
    Sector,
    Team,
    Touchpoint,
    User,
)
from campaign_crm.services.calendar import sla_due

AMS = ZoneInfo("Europe/Amsterdam")


def local(*args: int) -> datetime:
    """A Europe/Amsterdam wall-clock time as an aware UTC datetime."""
    return datetime(*args, tzinfo=AMS).astimezone(UTC)


# key: (created, channel, phase, reached, lost, owner, sector, municipality, contacted)
LEADS = {
    1: (local(2026, 5, 13, 10), "linkedin", "launch", "placed", False, "anna", "techniek", "GM0599", local(2026, 5, 15, 9)),
    2: (local(2026, 5, 22, 16), "linkedin", "launch", "meeting", False, "anna", "techniek", "GM0599", local(2026, 5, 26, 10)),
    3: (local(2026, 6, 1, 10), "linkedin", "livestream", "contacted", True, "bram", "zorg", "GM0606", local(2026, 6, 1, 15)),
    4: (local(2026, 6, 2, 10), "linkedin", "livestream", "assigned", False, "bram", "zorg", "GM0599", None),
    5: (local(2026, 6, 3, 10), "linkedin", "launch", "new", False, None, "techniek", "GM0599", None),
    6: (local(2026, 6, 8, 10), "dagblad", "launch", "vacancy", False, "anna", "zorg", "GM0606", local(2026, 6, 15, 10)),
    7: (local(2026, 6, 9, 10), "dagblad", "livestream", "assigned", True, "bram", "techniek", "GM0606", None),
    8: (local(2026, 6, 10, 10), "dagblad", "livestream", "new", False, None, "zorg", "GM0599", None),
    9: (local(2026, 7, 2, 23, 30), None, None, "contacted", False, "anna", None, None, local(2026, 7, 3, 0, 30)),
    12: (local(2026, 5, 1, 0, 30), "dagblad", "launch", "assigned", False, "anna", "techniek", "GM0599", None),
    10: (local(2026, 4, 30, 23, 30), "linkedin", "launch", "assigned", False, "anna", "techniek", "GM0599", None),
    11: (local(2026, 9, 1, 0, 30), "linkedin", "launch", "assigned", False, "anna", "techniek", "GM0599", None),
}
LATER_TOUCHES = [(1, local(2026, 7, 1, 12), "facebook"), (2, local(2026, 5, 25, 12), "dagblad"),
                 (4, local(2026, 6, 5, 12), None), (8, local(2026, 6, 20, 12), "linkedin")]
ORDER = ("new", "assigned", "contacted", "meeting", "vacancy", "placed")


@dataclass
class ReportDataset:
    """Ids of what `report_dataset` built, by the names used in its docstring."""

    leads: dict[int, int]
    partners: dict[str, int]
    teams: dict[str, int]
    advisors: dict[str, int]
    channels: dict[str, int]
    phases: dict[str, int]
    sectors: dict[str, int]
    municipalities: dict[str, int]
    employers: dict[int, int] = field(default_factory=dict)


def _stage_times(created: datetime, reached: str, lost: bool, contacted: datetime | None) -> dict[str, datetime]:
    times: dict[str, datetime] = {}
    level = ORDER.index(reached)
    if level >= 1:
        times["assigned_at"] = created + timedelta(minutes=30)
    if level >= 2:
        times["contacted_at"] = contacted
    if level >= 3:
        times["meeting_at"] = contacted + timedelta(days=7)
    if level >= 4:
        times["vacancy_at"] = times["meeting_at"] + timedelta(days=7)
    if level >= 5:
        times["placed_at"] = times["vacancy_at"] + timedelta(days=14)
    if lost:
        times["lost_at"] = max([created, *times.values()]) + timedelta(days=3)
    return times


@pytest.fixture
def report_dataset(app, campaign) -> ReportDataset:
    """The hand-built region described in this module's docstring; returns the ids."""
    with app.app_context():
        ids = lambda model, key: {getattr(row, key): row.id for row in db.session.scalars(select(model))}
        channels, sectors = ids(Channel, "code"), ids(Sector, "code")
        municipalities = ids(Municipality, "cbs_code")
        phases = {row.code: row.id for row in db.session.scalars(select(Phase).where(Phase.campaign_id == campaign))}
        partners = {"rotterdam": Partner(name="Gemeente Rotterdam", kind="gemeente"),
                    "uwv": Partner(name="UWV Rijnmond", kind="uwv")}
        teams = {"waterweg": Team(name="Waterweg"), "noord": Team(name="Noord")}
        advisors = {
            "anna": User(email="anna@test.example", name="Anna Smit", password_hash="x", role="advisor",
                         partner=partners["rotterdam"], team=teams["waterweg"]),
            "bram": User(email="bram@test.example", name="Bram Kok", password_hash="x", role="advisor",
                         partner=partners["uwv"], team=teams["noord"]),
        }
        db.session.add_all([*partners.values(), *teams.values(), *advisors.values()])
        db.session.flush()
        leads: dict[int, Lead] = {}
        employers: dict[int, Employer] = {}
        for key, (created, channel, phase, reached, lost, owner, sector, municipality, contacted) in LEADS.items():
            employer = Employer(name=f"Werkgever {key}", name_key=f"werkgever {key}",
                                sector_id=sectors.get(sector), municipality_id=municipalities.get(municipality))
            advisor = advisors.get(owner)
            lead = Lead(employer=employer, campaign_id=campaign, channel_id=channels.get(channel),
                        phase_id=phases.get(phase), stage="lost" if lost else reached, owner=advisor,
                        team=advisor.team if advisor else None, created_at=created, sla_due_at=sla_due(created, 2),
                        **_stage_times(created, reached, lost, contacted))
            first = Touchpoint(kind="form", occurred_at=created, employer=employer, lead=lead, campaign_id=campaign,
                               channel_id=channels.get(channel), phase_id=phases.get(phase))
            db.session.add_all([employer, lead, first])
            leads[key], employers[key] = lead, employer
        for key, when, channel in LATER_TOUCHES:
            db.session.add(Touchpoint(kind="form", occurred_at=when, employer=employers[key], lead=leads[key],
                                      campaign_id=campaign, channel_id=channels.get(channel)))
        db.session.commit()
        return ReportDataset(
            leads={k: v.id for k, v in leads.items()}, partners={k: v.id for k, v in partners.items()},
            teams={k: v.id for k, v in teams.items()}, advisors={k: v.id for k, v in advisors.items()},
            channels=channels, phases=phases, sectors=sectors, municipalities=municipalities,
            employers={k: v.id for k, v in employers.items()},
        )



@pytest.fixture
def make_report_placement(app, report_dataset):
    """make_report_placement(start, end=None, instrument="lks", ...) -> id: a plain placement insert on
    an employer of `report_dataset` (lead 1's by default), owned by Anna's partner unless told."""
    made = []

    def make(start: date, end: date | None = None, *, instrument: str = "lks", end_how: str | None = None,
             end_why: str | None = None, lead: int = 1, advisor: str = "anna") -> int:
        made.append(start)
        with app.app_context():
            owner = db.session.get(User, report_dataset.advisors[advisor])
            placement = Placement(
                reference=f"RPT-{len(made):04d}", partner_id=owner.partner_id, advisor_id=owner.id,
                lead_id=report_dataset.leads[lead], employer_id=report_dataset.employers[lead],
                candidate_ref=f"KL-{len(made):04d}", instrument=instrument, start_date=start, end_date=end,
                end_how=end_how or ("other" if end else None), end_why=end_why or ("unknown" if end else None),
            )
            db.session.add(placement)
            db.session.commit()
            return placement.id

    return make
