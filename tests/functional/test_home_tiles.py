"""The start page's tiles: every tile links to a list, and its number is that list's count."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from campaign_crm.extensions import db
from campaign_crm.models import Lead, User
from campaign_crm.services.calendar import today
from campaign_crm.services.leads import activities
from campaign_crm.services.leads.activities import ActivityInput
from tests.helpers import intake_lead, login

# What each list says it holds, as its page shows it (the caption of its table, or the count above the groups).
LIST_COUNT = {
    "/leads/mijn": r'id="mijn-caption">([\d.]+) open leads<',
    "/leads/team": r'id="team-caption">([\d.]+) open leads',
    "/leads/zonder-team": r'id="zonder-team-caption">([\d.]+) leads zonder team<',
    "/leads/te-laat": r'id="te-laat-caption">([\d.]+) leads te laat<',
    "/leads/mijn/acties": r"([\d.]+) volgende actie",
}
TILE = re.compile(r'<a href="([^"]+)" class="tile"><span class="tile-label">([^<]+)</span>\s*'
                  r'<span class="tile-count">([\d.]+)</span></a>')


@pytest.fixture
def region(app, factory, campaign):
    """Two teams: Waterweg with two advisors (the first owns two leads, each with a next action of hers; the
    second three, one of them overdue), a waiting lead, and Elders with a lead of its own; one lead that reached no
    team."""
    waterweg, elders = factory.team("Waterweg"), factory.team("Elders")
    people = {
        "advisor": factory.user("advisor", team_id=waterweg, name="Ada Adviseur"),
        "colleague": factory.user("advisor", team_id=waterweg, name="Cor Collega"),
        "elsewhere": factory.user("advisor", team_id=elders, name="Els Elders"),
        "teamlead": factory.user("teamlead", team_id=waterweg, name="Tim Teamlead"),
        "campaign": factory.user("campaign", name="Cas Campagne"),
        "admin": factory.user("admin", name="Adam Beheer"),
    }
    long_ago = datetime.now(UTC) - timedelta(days=30)
    owners = [("advisor", None), ("advisor", None), ("colleague", long_ago), ("colleague", None),
              ("colleague", None), ("elsewhere", long_ago)]
    with app.app_context():
        leads = [intake_lead(f"Werkgever {n} BV", f"info@werkgever{n}.example", owner_id=people[who].id,
                             **({"occurred_at": when} if when else {}))
                 for n, (who, when) in enumerate(owners)]
        for lead in leads[:2]:  # two next actions of the first advisor, on her own leads
            activities.log_activity(lead, ActivityInput("call", "Gebeld", next_action="Terugbellen",
                                                        next_action_due=today() + timedelta(days=2)),
                                    actor=db.session.get(User, people["advisor"].id))
        waiting = intake_lead("Wacht BV", "info@wacht.example")
        waiting.team_id = waterweg  # waits in Waterweg for an advisor
        intake_lead("Nergens BV", "info@nergens.example")  # no rule: no team
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(Lead)) == 8
    return people


def _tiles(client) -> list[tuple[str, str, int]]:
    html = client.get("/").get_data(as_text=True)
    return [(url, label, int(count.replace(".", ""))) for url, label, count in TILE.findall(html)]


def _list_count(client, url: str) -> int:
    html = client.get(url).get_data(as_text=True)
    found = re.search(LIST_COUNT[url], html)
    assert found, f"{url} shows no count"
    return int(found.group(1).replace(".", ""))


@pytest.mark.parametrize(("role", "expected"), [
    ("advisor", {"Mijn leads": 2, "Mijn acties": 2, "Eerste contact te laat": 1}),  # the team's, as its list
    ("colleague", {"Mijn leads": 3, "Mijn acties": 0, "Eerste contact te laat": 1}),
    ("teamlead", {"Mijn leads": 0, "Teamwachtrij": 6, "Mijn acties": 0, "Eerste contact te laat": 1}),
    ("campaign", {"Zonder team": 1, "Mijn acties": 0, "Eerste contact te laat": 2}),
    ("admin", {"Zonder team": 1, "Mijn acties": 0, "Eerste contact te laat": 2}),
])
def test_each_tile_counts_the_list_it_links_to(client, region, role, expected):
    login(client, region[role])
    tiles = _tiles(client)
    assert {label: count for _, label, count in tiles} == expected
    for url, label, count in tiles:
        assert _list_count(client, url) == count, f"{label}: the tile says {count}, {url} lists otherwise"


def test_an_advisors_lead_tile_counts_only_their_own_leads_not_the_teams(client, region):
    login(client, region["advisor"])
    tiles = {label: (url, count) for url, label, count in _tiles(client)}
    assert tiles["Mijn leads"] == ("/leads/mijn", 2)  # the team has six open leads; two are hers


def test_management_sees_region_figures_without_links_to_lists(client, factory, region):
    login(client, factory.user("management", name="Mia Management"))
    html = client.get("/").get_data(as_text=True)
    assert _tiles(client) == []
    assert re.search(r"<dt>Open leads</dt><dd>(\d+)</dd>", html).group(1) == "8"  # region-wide, all eight
