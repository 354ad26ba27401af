"""The search box in the header: one box finds an employer by any of its seven keys, shows only what the
searcher may see, refuses roles without lead access, explains a query it cannot use, and costs the same
number of statements however many hits it shows."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from campaign_crm.extensions import db
from campaign_crm.models import ROLES, AuditEvent
from tests.helpers import count, counting_statements, login, touchpoint


def hits(html: str) -> dict[str, list[str]]:
    """The links of each result group, by the group's heading id (employers, contacts, leads)."""
    found = {}
    for group, body in re.findall(r'<section aria-labelledby="hits-(\w+)".*?>(.*?)</section>', html, re.S):
        found[group] = re.findall(r'<li><a href="([^"]+)"', body)
    return found


def search(client, query: str):
    return client.get("/zoeken", query_string={"q": query})


EMPLOYER_KEYS = [
    ("employer name, part of it, accents and case ignored", "bakkerij ELEG"),
    ("employer name as written", "Élégance"),
    ("KvK number", "2412 3456"),
    ("e-mail domain", "bakkerij-elegance.nl"),
    ("e-mail domain with an at sign", "@Bakkerij-Elegance.nl"),
]
CONTACT_KEYS = [
    ("e-mail address", "Marieke@Bakkerij-Elegance.nl"),
    ("phone number as 06-", "06-12345678"),
    ("phone number international", "+31 6 1234 5678"),
    ("phone number as digits", "0612345678"),
]


@pytest.mark.parametrize("query", [q for _, q in EMPLOYER_KEYS], ids=[k for k, _ in EMPLOYER_KEYS])
def test_an_employer_key_finds_the_employer_and_its_lead(client, bakery, other_bakery, query):
    login(client, bakery["owner"])
    response = search(client, query)

    assert response.status_code == 200
    found = hits(response.get_data(as_text=True))
    assert found["employers"] == [f"/werkgevers/{bakery['employer_id']}"]
    assert found["leads"] == [f"/leads/{bakery['lead_id']}"]


@pytest.mark.parametrize("query", [q for _, q in CONTACT_KEYS], ids=[k for k, _ in CONTACT_KEYS])
def test_an_e_mail_address_or_phone_number_finds_the_contact_and_their_employer(client, bakery, other_bakery, query):
    login(client, bakery["owner"])
    found = hits(search(client, query).get_data(as_text=True))

    assert found["contacts"] == [f"/werkgevers/contactpersonen/{bakery['contact_id']}"]
    assert found["employers"] == [f"/werkgevers/{bakery['employer_id']}"]


def test_part_of_a_contact_name_finds_the_contact_with_their_employer_named(client, bakery, other_bakery):
    login(client, bakery["owner"])
    html = search(client, "VAN DEN berg").get_data(as_text=True)

    assert hits(html)["contacts"] == [f"/werkgevers/contactpersonen/{bakery['contact_id']}"]
    assert "Bakkerij Élégance B.V." in html and "Schiedam" in html


@pytest.mark.parametrize("reference", ["{id}", "#{id}", "Lead {id}", "lead #{id}"])
def test_a_lead_number_finds_the_lead_and_its_employer(client, bakery, other_bakery, reference):
    login(client, bakery["owner"])
    html = search(client, reference.format(id=bakery["lead_id"])).get_data(as_text=True)

    assert hits(html)["leads"][0] == f"/leads/{bakery['lead_id']}"
    assert hits(html)["employers"] == [f"/werkgevers/{bakery['employer_id']}"]
    assert "Toegewezen" in html and "Olga Eigenaar" in html and "Schiedam" in html  # stage, owner, municipality


def test_a_shared_word_finds_every_employer_those_whose_name_starts_with_it_first(client, factory, record, bakery,
                                                                                 other_bakery):
    aarts = record(touchpoint("Aarts Bakkerij", email="info@aarts.nl"))
    login(client, factory.user("campaign"))
    found = hits(search(client, "bakkerij").get_data(as_text=True))

    assert found["employers"] == [f"/werkgevers/{other_bakery['employer_id']}", f"/werkgevers/{bakery['employer_id']}",
                                  f"/werkgevers/{aarts.employer_id}"]
    assert sorted(found["leads"]) == sorted(f"/leads/{made['lead_id']}" for made in (bakery, other_bakery,
                                                                                   aarts.__dict__))


def test_an_advisor_of_another_team_finds_the_shared_employer_but_not_its_lead(client, factory, bakery):
    stranger = factory.user("advisor", team_id=factory.team("Zuid"))
    login(client, stranger)

    by_name = hits(search(client, "elegance").get_data(as_text=True))
    by_number = search(client, str(bakery["lead_id"])).get_data(as_text=True)

    assert by_name["employers"] == [f"/werkgevers/{bakery['employer_id']}"]  # employers are the shared record
    assert by_name["leads"] == []
    assert hits(by_number) == {"employers": [], "contacts": [], "leads": []}
    assert "Olga Eigenaar" not in by_number


def test_a_team_lead_of_another_team_does_not_see_the_lead_but_the_campaign_team_does(client, factory, bakery):
    login(client, factory.user("teamlead", team_id=factory.team("Zuid")))
    assert hits(search(client, "24123456").get_data(as_text=True))["leads"] == []

    client.post("/logout")
    login(client, factory.user("campaign"))
    assert hits(search(client, "24123456").get_data(as_text=True))["leads"] == [f"/leads/{bakery['lead_id']}"]


def test_management_has_no_search_box_and_is_refused_the_results_page(client, factory, bakery):
    login(client, factory.user("management"))

    start = client.get("/").get_data(as_text=True)
    refused = search(client, "elegance")

    assert 'role="search"' not in start
    assert refused.status_code == 403
    assert "Bakkerij" not in refused.get_data(as_text=True)


def test_every_role_that_sees_leads_has_a_labelled_search_box_in_the_header(client, factory):
    for role in ("admin", "campaign", "teamlead", "advisor"):
        login(client, factory.user(role))
        html = client.get("/").get_data(as_text=True)
        assert f"({ROLES[role]})" in html, role
        header = html.split("</header>")[0]
        assert '<form class="header-search" role="search" aria-label="Zoeken in het CRM"' in header, role
        assert '<label for="header-search-q"' in header and 'id="header-search-q"' in header, role
        client.post("/logout")


@pytest.mark.parametrize(("query", "message"), [
    ("", "Typ een zoekterm"),
    ("   ", "Typ een zoekterm"),
    ("ab", "Typ minstens 3 tekens, of een leadnummer."),
    ("x" * 101, "Een zoekterm heeft hoogstens 100 tekens."),
])
def test_an_empty_or_too_short_query_gets_a_dutch_message_and_is_not_logged(client, factory, app, query, message):
    login(client, factory.user("advisor"))
    response = search(client, query)

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    assert 'aria-describedby="search-error"' in html and 'id="search-error"' in html
    with app.app_context():
        assert count(AuditEvent, AuditEvent.action == "search") == 0


def test_a_search_is_logged_by_the_kind_of_key_and_every_contact_shown_as_read(client, bakery, app):
    login(client, bakery["owner"])
    search(client, "06-12345678")

    with app.app_context():
        entry = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "search")).one()
        reads = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "read")).all()
        assert entry.actor_id == bakery["owner"].id
        assert entry.detail == {"kinds": ["phone"], "shown": {"employers": 1, "contacts": 1, "leads": 1}}
        assert "12345678" not in str(entry.detail)  # the query itself is not kept
        assert [(r.object_type, r.object_id) for r in reads] == [("contacts", bakery["contact_id"])]


def test_nothing_found_says_so(client, bakery):
    login(client, bakery["owner"])
    html = search(client, "zzzqqq").get_data(as_text=True)

    assert "Niets gevonden dat u mag zien." in html
    assert hits(html) == {"employers": [], "contacts": [], "leads": []}


def test_the_statements_do_not_grow_with_the_hits_shown_and_more_than_twenty_are_noted(client, factory, app,
                                                                                      record):
    """Employers, contacts (each shown one logged as read) and leads: 2 of each, then 25 (20 shown)."""
    login(client, factory.user("campaign"))

    def add(numbers) -> None:
        for n in numbers:
            record(touchpoint(f"Drukkerij Klein {n}", contact_name=f"Dirk Drukkerij {n}", email=f"dirk@klein{n}.nl"))

    def statements(query: str) -> tuple[int, str]:
        with app.app_context(), counting_statements(db.engine) as seen:
            html = search(client, query).get_data(as_text=True)
        return seen[0], html

    add(range(2))
    statements("drukkerij")  # warm: the first request of a session loads more
    few, few_html = statements("drukkerij")
    add(range(2, 26))
    many, many_html = statements("drukkerij")

    assert [len(found) for found in hits(few_html).values()] == [2, 2, 2] and "Meer resultaten" not in few_html
    assert [len(found) for found in hits(many_html).values()] == [20, 20, 20]
    assert many_html.count("Meer resultaten") == 2  # employers and contacts; the leads are those of the 20 shown
    assert many == few
    with app.app_context():
        assert count(AuditEvent, AuditEvent.action == "read") == 2 + 2 + 20


def test_the_page_without_a_query_explains_how_to_search(client, factory, app):
    login(client, factory.user("advisor"))
    response = client.get("/zoeken")

    assert response.status_code == 200
    assert "Gebruik het zoekveld bovenaan de pagina" in response.get_data(as_text=True)
    assert 'aria-invalid' not in response.get_data(as_text=True)


@pytest.mark.parametrize("query", ["öztürk", "ÖZTÜRK", "Öztürk"])
def test_a_contact_name_with_accented_capitals_is_found_in_any_case(client, factory, record, query):
    made = record(touchpoint("Kapsalon Nova", contact_name="Ayşe Öztürk", email="ayse@kapsalon-nova.nl"))
    login(client, factory.user("advisor"))

    assert hits(search(client, query).get_data(as_text=True))["contacts"] == [
        f"/werkgevers/contactpersonen/{made.contact_id}"]
