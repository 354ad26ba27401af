"""Likely duplicates: pairs found by name and place, e-mail domain or a shared contact, each with its
reason; pairs marked "not a duplicate" and pairs with two KvK numbers are left out."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from campaign_crm.extensions import db
from campaign_crm.models import AuditEvent, Contact, Employer, EmployerNonDuplicate
from campaign_crm.services.capture.intake import record_touchpoint
from campaign_crm.services.employers import duplicates
from campaign_crm.services.employers.records import (
    ContactChanges,
    EmployerChanges,
    update_contact,
    update_employer,
)
from tests.helpers import counting_statements, login, touchpoint


def employer(name: str, **fields) -> Employer:
    fields.setdefault("make_lead", False)
    return record_touchpoint(touchpoint(name, **fields)).touchpoint.employer


def reasons_by_pair() -> dict[tuple[str, str], list[str]]:
    return {(pair.first.name, pair.second.name): pair.reasons for pair in duplicates.likely_duplicates().items}


@pytest.fixture
def region(ctx, campaign):
    made = {
        "bakery": employer("Bakkerij Jansen", email="a@bakkerij-jansen.nl", postcode="3011 AB",
                           municipality="Rotterdam"),
        "bakery_bv": employer("Bakkerij Jansen B.V.", email="b@jansenbrood.nl", postcode="3012 CD",
                              municipality="Rotterdam"),
        "hotel": employer("Hotel De Maas", email="info@hoteldemaas.nl", postcode="3111 AA"),
        "hotel_2": employer("Hotel de Maas", email="info@demaas-hotel.nl", postcode="3112 BB"),
        "care": employer("Zorggroep Noord", email="x@zorg-rijnmond.nl"),
        "homecare": employer("Thuiszorg Zuid", email="zuid@gmail.com"),
        "painter": employer("Schilder Bos", email="bos.schilder@gmail.com", postcode="3011 AA"),
        "painter_2": employer("Bos Schilderwerken", email="bos.schilder@gmail.com", postcode="3013 AA"),
        "garage": employer("Autobedrijf Visser", kvk="11111111", email="a@visser-auto.nl"),
        "garage_2": employer("Autobedrijf Visser", kvk="22222222", email="b@autovisser.nl"),
        "alone": employer("Kwekerij De Akkers", email="info@akkers.nl"),
    }
    # Two employers can end up alike after edits, which the intake alone would never allow.
    hotel_2 = made["hotel_2"]
    update_employer(hotel_2, EmployerChanges(name=hotel_2.name, postcode="3111 AA"), actor=None)
    update_contact(made["homecare"].contacts[0], ContactChanges(name="Zuid", email="zuid@zorg-rijnmond.nl"), actor=None)
    db.session.flush()
    return made


def test_each_likely_pair_is_listed_once_with_its_reason(region):
    assert reasons_by_pair() == {
        ("Hotel De Maas", "Hotel de Maas"): ["Zelfde naam en postcode (3111 AA)"],
        ("Schilder Bos", "Bos Schilderwerken"): ["Een contactpersoon met hetzelfde e-mailadres"],
        ("Zorggroep Noord", "Thuiszorg Zuid"): ["Zelfde e-maildomein (zorg-rijnmond.nl)"],
        ("Bakkerij Jansen", "Bakkerij Jansen B.V."): ["Zelfde naam in gemeente Rotterdam"],
    }


def test_the_likeliest_pairs_come_first(region):
    names = [pair.first.name for pair in duplicates.likely_duplicates().items]
    assert names[0] == "Hotel De Maas" and names[-1] == "Bakkerij Jansen"


def test_two_kvk_numbers_are_two_legal_entities_and_never_a_likely_pair(region):
    assert ("Autobedrijf Visser", "Autobedrijf Visser") not in reasons_by_pair()


def test_a_pair_marked_not_a_duplicate_is_left_out_and_stored_lower_id_first(region):
    bakery, bakery_bv = region["bakery"], region["bakery_bv"]
    duplicates.mark_not_duplicate(bakery_bv, bakery, actor=None)

    assert ("Bakkerij Jansen", "Bakkerij Jansen B.V.") not in reasons_by_pair()
    stored = db.session.scalars(select(EmployerNonDuplicate)).one()
    assert (stored.employer_a_id, stored.employer_b_id) == (bakery.id, bakery_bv.id)
    entry = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "employer_not_duplicate"))
    assert entry.object_id == bakery.id and entry.detail["other_employer_id"] == bakery_bv.id


def test_marking_a_pair_twice_stores_it_once(region):
    duplicates.mark_not_duplicate(region["hotel"], region["hotel_2"], actor=None)
    duplicates.mark_not_duplicate(region["hotel_2"], region["hotel"], actor=None)
    assert len(db.session.scalars(select(EmployerNonDuplicate)).all()) == 1


def test_a_pair_with_several_reasons_shows_them_all(region):
    painter_2 = region["painter_2"]
    update_employer(painter_2, EmployerChanges(name="Schilder Bos", postcode="3011 AA"), actor=None)
    assert reasons_by_pair()[("Schilder Bos", "Schilder Bos")] == [
        "Zelfde naam en postcode (3011 AA)", "Een contactpersoon met hetzelfde e-mailadres"]


def test_finding_duplicates_takes_the_same_number_of_queries_for_more_pairs(region):
    with counting_statements(db.engine) as few:
        duplicates.likely_duplicates()
    for n in range(5):
        employer(f"Bouwbedrijf {n}", email=f"a{n}@bouw{n}.nl", municipality="Rotterdam", postcode=f"301{n} AB")
        employer(f"Bouwbedrijf {n} B.V.", email=f"b{n}@bouw-{n}.nl", municipality="Rotterdam", postcode=f"302{n} AB")
    db.session.flush()
    with counting_statements(db.engine) as more:
        page = duplicates.likely_duplicates()
    assert page.total == 9 and more[0] == few[0]


# --- the page ---------------------------------------------------------------------------------------

@pytest.fixture
def web_region(app, campaign):
    with app.app_context():
        made = {
            "bakery": employer("Bakkerij Jansen", email="a@bakkerij-jansen.nl", postcode="3011 AB",
                               municipality="Rotterdam"),
            "bakery_bv": employer("Bakkerij Jansen B.V.", email="b@jansenbrood.nl", postcode="3012 CD",
                                  municipality="Rotterdam"),
            "hotel": employer("Hotel De Maas", email="info@hoteldemaas.nl", municipality="Schiedam",
                              postcode="3111 AA"),
            "hotel_2": employer("Hotel De Maas", email="info@demaas-hotel.nl", municipality="Schiedam",
                                postcode="3112 BB"),
        }
        db.session.commit()
        return {key: e.id for key, e in made.items()}


def test_the_duplicates_page_lists_a_likely_pair_with_its_reason_and_omits_a_pair_marked_distinct(
        client, factory, web_region, in_app):
    login(client, factory.user("campaign"))
    response = client.post(f"/werkgevers/geen-dubbel/{web_region['hotel_2']}/{web_region['hotel']}")
    assert response.status_code == 302

    html = client.get("/werkgevers/dubbelen").get_data(as_text=True)

    assert "Bakkerij Jansen B.V." in html and "Zelfde naam in gemeente Rotterdam" in html
    assert "Hotel De Maas" not in html.split("<tbody>")[1]
    assert "1 mogelijke dubbelen" in html
    assert in_app(lambda: db.session.scalars(select(EmployerNonDuplicate.employer_a_id)).all()) == [web_region["hotel"]]


def test_the_duplicates_page_never_shows_contact_details(client, factory, app, campaign):
    with app.app_context():
        employer("Schilder Bos", email="bos.schilder@gmail.com", postcode="3011 AA")
        employer("Bos Schilderwerken", email="bos.schilder@gmail.com", postcode="3013 AA")
        db.session.commit()
    login(client, factory.user("teamlead"))
    html = client.get("/werkgevers/dubbelen").get_data(as_text=True)
    assert "Een contactpersoon met hetzelfde e-mailadres" in html and "bos.schilder@gmail.com" not in html


@pytest.mark.parametrize("role", ["advisor", "management"])
def test_only_those_who_may_merge_reach_the_duplicates(client, factory, web_region, role, in_app):
    login(client, factory.user(role))
    assert client.get("/werkgevers/dubbelen").status_code == 403
    assert client.post(f"/werkgevers/geen-dubbel/{web_region['hotel']}/{web_region['hotel_2']}").status_code == 403
    assert in_app(lambda: db.session.scalars(select(EmployerNonDuplicate)).all()) == []


def test_a_contact_shared_only_within_one_employer_is_no_pair(ctx, campaign):
    first = employer("Bakkerij Jansen", email="jan@bakkerij-jansen.nl")
    record_touchpoint(touchpoint("Bakkerij Jansen", email="piet@bakkerij-jansen.nl"))
    assert first.contacts and len(db.session.scalars(select(Contact)).all()) == 2
    assert duplicates.likely_duplicates().total == 0
