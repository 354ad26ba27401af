"""The employer and contact pages: touchpoints, leads and history; who sees a lead's work;
every view of a contact's personal data is logged; management sees none of it."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from campaign_crm.extensions import db
from campaign_crm.models import AuditEvent
from tests.helpers import login, touchpoint

MESSAGE = "Wij zoeken een monteur voor de nachtdienst."


@pytest.fixture
def bakery(record, factory):
    """An employer whose open lead belongs to an advisor of team Noord, with two touchpoints."""
    noord = factory.team("Noord")
    owner = factory.user("advisor", name="Olga Eigenaar", team_id=noord)
    first = record(touchpoint(kvk="24123456", message=MESSAGE, interests=["lks"], channel="dagblad",
                              utm={"source": "ad", "campaign": "aknp-juni"}), owner_id=owner.id)
    record(touchpoint(email="piet@bakkerij-jansen.nl", contact_name="Piet Jansen", phone="010-1234567",
                      channel="linkedin"))
    return {"owner": owner, "team": noord, **first.__dict__}


def reads_of(in_app, actor_id: int) -> list[tuple[str, int]]:
    return in_app(lambda: [(e.object_type, e.object_id) for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "read", AuditEvent.actor_id == actor_id)
        .order_by(AuditEvent.id))])


def test_the_employer_page_shows_fields_contacts_leads_and_a_timeline_of_touchpoints(client, factory, bakery):
    login(client, bakery["owner"])
    html = client.get(f"/werkgevers/{bakery['employer_id']}").get_data(as_text=True)

    assert "Bakkerij Jansen" in html and "24123456" in html
    assert "jan@bakkerij-jansen.nl" in html and "010 123 4567" in html  # both contacts, the phone as the Dutch write it
    assert "Olga Eigenaar" in html and "Noord" in html and "Toegewezen" in html
    assert MESSAGE in html and "Loonkostensubsidie (LKS)" in html
    assert html.count("Campagneformulier") == 2  # one row per touchpoint
    assert "utm_source=ad" in html and "utm_campaign=aknp-juni" in html
    assert "Dagblad" in html and "LinkedIn" in html
    assert f"Lead {bakery['lead_id']} aangemaakt" in html
    assert "Nieuw → Toegewezen" in html  # the stage history of the lead


def test_an_advisor_of_another_team_sees_the_open_lead_and_its_owner_but_not_its_message(client, factory, bakery):
    login(client, factory.user("advisor", team_id=factory.team("Zuid")))
    html = client.get(f"/werkgevers/{bakery['employer_id']}").get_data(as_text=True)

    assert "Olga Eigenaar" in html and "Noord" in html and "Toegewezen" in html
    assert MESSAGE not in html
    assert "Nieuw → Toegewezen" not in html  # the lead's work is not theirs to see
    assert "Alleen voor de eigenaar" in html


@pytest.mark.parametrize("role", ["campaign", "admin"])
def test_the_campaign_team_and_admins_see_every_lead_message(client, factory, bakery, role):
    login(client, factory.user(role))
    assert MESSAGE in client.get(f"/werkgevers/{bakery['employer_id']}").get_data(as_text=True)


def test_a_team_lead_of_the_owners_team_sees_the_message(client, factory, bakery):
    login(client, factory.user("teamlead", team_id=bakery["team"]))
    assert MESSAGE in client.get(f"/werkgevers/{bakery['employer_id']}").get_data(as_text=True)


def test_showing_an_employer_logs_a_read_of_every_contact_on_the_page(client, factory, bakery, in_app):
    viewer = factory.user("advisor")
    login(client, viewer)
    client.get(f"/werkgevers/{bakery['employer_id']}")

    reads = reads_of(in_app, viewer.id)
    assert len(reads) == 2 and {kind for kind, _ in reads} == {"contacts"}
    assert ("contacts", bakery["contact_id"]) in reads


def test_the_contact_page_shows_consent_and_logs_the_read(client, factory, record, in_app):
    data = touchpoint(consent_basis="toestemming", consent_text_version="aknp-2026-05")
    made = record(data)
    viewer = factory.user("advisor")
    login(client, viewer)

    html = client.get(f"/werkgevers/contactpersonen/{made.contact_id}").get_data(as_text=True)

    assert "jan@bakkerij-jansen.nl" in html and "toestemming" in html and "aknp-2026-05" in html
    assert reads_of(in_app, viewer.id) == [("contacts", made.contact_id)]


def test_opening_the_contact_edit_form_is_a_read_too(client, factory, record, in_app):
    made = record(touchpoint())
    viewer = factory.user("advisor")
    login(client, viewer)
    client.get(f"/werkgevers/contactpersonen/{made.contact_id}/bewerken")
    assert reads_of(in_app, viewer.id) == [("contacts", made.contact_id)]


def test_management_gets_403_on_every_employer_page(client, factory, record):
    made = record(touchpoint())
    other = record(touchpoint("Hotel De Maas", email="info@hoteldemaas.nl"))
    login(client, factory.user("management"))
    for url in ["/werkgevers/", f"/werkgevers/{made.employer_id}", f"/werkgevers/{made.employer_id}/bewerken",
                f"/werkgevers/contactpersonen/{made.contact_id}",
                f"/werkgevers/contactpersonen/{made.contact_id}/bewerken",
                "/werkgevers/dubbelen", f"/werkgevers/samenvoegen/{made.employer_id}/{other.employer_id}"]:
        response = client.get(url)
        assert response.status_code == 403, url
        assert "jan@bakkerij-jansen.nl" not in response.get_data(as_text=True)


def test_management_leaves_no_read_entry(client, factory, record, in_app):
    made = record(touchpoint())
    viewer = factory.user("management")
    login(client, viewer)
    client.get(f"/werkgevers/{made.employer_id}")
    assert reads_of(in_app, viewer.id) == []


def test_an_unknown_employer_is_a_404(client, factory):
    login(client, factory.user("advisor"))
    assert client.get("/werkgevers/999999").status_code == 404


def test_the_history_shows_who_changed_the_record_and_its_contacts(client, factory, record):
    made = record(touchpoint())
    login(client, factory.user("advisor", name="Ada Adviseur"))
    client.post(f"/werkgevers/{made.employer_id}/bewerken", data={
        "name": "Bakkerij Jansen", "kvk": "", "vestigingsnummer": "", "sector_id": "", "size_class": "",
        "municipality_id": "", "postcode": "3011 AB", "website": "", "account_manager_id": ""})
    client.post(f"/werkgevers/contactpersonen/{made.contact_id}/bewerken",
                data={"name": "Jan Jansen", "function": "Eigenaar", "email": "jan@bakkerij-jansen.nl"})

    html = client.get(f"/werkgevers/{made.employer_id}").get_data(as_text=True)

    assert "Gegevens gewijzigd" in html and "postcode" in html
    assert "Contactpersoon gewijzigd" in html and "Jan Jansen: " in html and "functie" in html
    assert html.count("Ada Adviseur") >= 3  # the user box and both changes


def test_the_contact_page_keeps_the_lead_message_from_an_advisor_of_another_team(client, factory, bakery):
    login(client, factory.user("advisor", team_id=factory.team("Zuid")))
    html = client.get(f"/werkgevers/contactpersonen/{bakery['contact_id']}").get_data(as_text=True)
    assert "Olga Eigenaar" in html and MESSAGE not in html
    assert "jan@bakkerij-jansen.nl" in html  # the contact itself is the shared regional record
