"""The employer list: search by name, KvK, postcode or e-mail domain; filters; counts per row in one query."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from campaign_crm.extensions import db
from campaign_crm.models import Employer, Lead, Municipality, Sector
from campaign_crm.services.employers.records import EmployerChanges, update_employer
from campaign_crm.services.leads import lifecycle as lead_service
from tests.helpers import counting_statements, login, touchpoint


def listed(html: str) -> dict[str, tuple[int, int]]:
    """Employer name → (contacts, open leads) as the list shows them."""
    rows = {}
    for row in re.findall(r"<tr>\s*<th scope=\"row\">.*?</tr>", html, re.DOTALL):
        name = re.search(r'<a href="/werkgevers/\d+">([^<]+)</a>', row).group(1)
        numbers = re.findall(r'<td class="num">(?:<span class="badge">)?(\d+)', row)
        rows[name] = tuple(int(n) for n in numbers)
    return rows


@pytest.fixture
def region(record, factory):
    """Three employers: a bakery in Rotterdam with an open lead and two contacts, a hotel in Schiedam
    whose lead was lost, and an installer in Rotterdam without a lead of its own."""
    advisor = factory.user("advisor", name="Ada Adviseur")
    bakery = record(touchpoint("Bakkerij Jansen", kvk="2412 3456", postcode="3011ab", municipality="Rotterdam",
                               sector="handel", size="12"), owner_id=advisor.id)
    record(touchpoint("Bakkerij Jansen", email="piet@bakkerij-jansen.nl", contact_name="Piet Jansen"))
    hotel = record(touchpoint("Hotel De Maas", email="info@hoteldemaas.nl", postcode="3111 AA", municipality="Schiedam",
                              sector="horeca", size="60"))
    installer = record(touchpoint("Installatiebedrijf Visser", email="kees@visser-installatie.nl",
                                  municipality="Rotterdam", sector="techniek", size="5", make_lead=False))
    return {"advisor": advisor, "bakery": bakery, "hotel": hotel, "installer": installer}


@pytest.fixture
def logged_in(client, factory):
    login(client, factory.user("advisor"))
    return client


def test_the_list_shows_every_employer_with_its_contacts_and_open_leads(logged_in, region, app):
    with app.app_context():
        lead = db.session.get(Lead, region["hotel"].lead_id)
        lead_service.change_stage(lead, "lost", actor=None, lost_reason="not_interested")
        db.session.commit()

    rows = listed(logged_in.get("/werkgevers/").get_data(as_text=True))

    assert rows == {"Bakkerij Jansen": (2, 1), "Hotel De Maas": (1, 0), "Installatiebedrijf Visser": (1, 0)}


@pytest.mark.parametrize("q, expected", [
    ("jansen", {"Bakkerij Jansen"}),
    ("BAKKERIJ jansen b.v.", {"Bakkerij Jansen"}),
    ("2412 3456", {"Bakkerij Jansen"}),
    ("3011ab", {"Bakkerij Jansen"}),
    ("3111", {"Hotel De Maas"}),
    ("hoteldemaas.nl", {"Hotel De Maas"}),
    ("@visser-installatie.nl", {"Installatiebedrijf Visser"}),
    ("zzz-nergens", set()),
])
def test_search_finds_an_employer_by_name_kvk_postcode_or_email_domain(logged_in, region, q, expected):
    html = logged_in.get("/werkgevers/", query_string={"q": q}).get_data(as_text=True)
    assert set(listed(html)) == expected


def test_filters_narrow_the_list_by_municipality_sector_size_and_open_lead(logged_in, region, app):
    with app.app_context():
        rotterdam = db.session.scalar(select(Municipality.id).where(Municipality.name == "Rotterdam"))
        techniek = db.session.scalar(select(Sector.id).where(Sector.code == "techniek"))

    def names(**args):
        return set(listed(logged_in.get("/werkgevers/", query_string=args).get_data(as_text=True)))

    assert names(municipality=rotterdam) == {"Bakkerij Jansen", "Installatiebedrijf Visser"}
    assert names(sector=techniek) == {"Installatiebedrijf Visser"}
    assert names(size="50-249") == {"Hotel De Maas"}
    assert names(open_lead="yes") == {"Bakkerij Jansen", "Hotel De Maas"}
    assert names(open_lead="no") == {"Installatiebedrijf Visser"}
    assert names(municipality=rotterdam, open_lead="yes") == {"Bakkerij Jansen"}


def test_the_account_manager_filter_shows_the_employers_they_manage(logged_in, region, app):
    with app.app_context():
        hotel = db.session.get(Employer, region["hotel"].employer_id)
        update_employer(hotel, EmployerChanges(name=hotel.name, account_manager_id=region["advisor"].id), actor=None)
        db.session.commit()

    html = logged_in.get("/werkgevers/", query_string={"account_manager": region["advisor"].id}).get_data(as_text=True)

    assert set(listed(html)) == {"Hotel De Maas"}
    assert "Ada Adviseur" in html


def test_the_list_is_paginated(logged_in, record):
    for n in range(53):
        record(touchpoint(f"Werkgever {n:02d}", email=f"info@werkgever{n}.nl", make_lead=False))

    first = logged_in.get("/werkgevers/").get_data(as_text=True)
    second = logged_in.get("/werkgevers/", query_string={"page": 2}).get_data(as_text=True)

    assert len(listed(first)) == 50 and len(listed(second)) == 3
    assert "Pagina 1 van 2" in first


def test_the_list_costs_the_same_number_of_queries_for_3_or_30_employers(logged_in, record, app):
    def statements() -> int:
        with app.app_context(), counting_statements(db.engine) as seen:
            assert logged_in.get("/werkgevers/").status_code == 200
        return seen[0]

    for n in range(3):
        record(touchpoint(f"Eerste {n}", email=f"a@eerste{n}.nl"))
    few = statements()
    for n in range(27):
        record(touchpoint(f"Later {n}", email=f"a@later{n}.nl"))

    assert statements() == few


def test_one_employer_written_four_ways_is_one_row_with_all_its_touchpoints(logged_in, record):
    """Recognition as the pages show it: KvK with spaces, another address on the same domain,
    and name case and postcode spacing changed all land on one employer."""
    first = record(touchpoint("Bakkerij Jansen", kvk="24123456", postcode="3011AB"))
    record(touchpoint("Bakkerij Jansen", kvk="2412 3456", email="info@bakkerij-jansen.nl", contact_name="Info"))
    record(touchpoint("Bakkerij Jansen", email="piet@bakkerij-jansen.nl", contact_name="Piet Jansen"))
    record(touchpoint("BAKKERIJ JANSEN b.v.", postcode="3011 ab", email="jansen.bakker@gmail.com", contact_name="Kees"))

    assert listed(logged_in.get("/werkgevers/").get_data(as_text=True)) == {"Bakkerij Jansen": (4, 1)}
    detail = logged_in.get(f"/werkgevers/{first.employer_id}").get_data(as_text=True)
    assert detail.count("Campagneformulier") == 4
