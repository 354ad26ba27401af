"""Editing employers and contacts: values are normalised; a bad value, a taken KvK number or a BSN
is refused with a message at the field, and nothing is stored."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from campaign_crm.extensions import db
from campaign_crm.models import AuditEvent, Contact, Employer, Municipality
from tests.helpers import employer_form, login, touchpoint

BSN = "111222333"  # passes the 11-test


@pytest.fixture
def bakery(record):
    return record(touchpoint(kvk="24123456", postcode="3011 AB"))


@pytest.fixture
def advisor(client, factory):
    who = factory.user("advisor", name="Ada Adviseur")
    login(client, who)
    return who


def snapshot(in_app, employer_id: int):
    return in_app(lambda: (
        {c.name: getattr(db.session.get(Employer, employer_id), c.name) for c in Employer.__table__.columns},
        db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("employer%"))).all(),
    ))


def test_an_edit_is_normalised_stored_and_audited(client, advisor, bakery, in_app):
    rotterdam = in_app(lambda: db.session.scalar(select(Municipality.id).where(Municipality.name == "Rotterdam")))
    response = client.post(f"/werkgevers/{bakery.employer_id}/bewerken", data=employer_form(
        name="Bakkerij Jansen & Zn", kvk="1234 5678", vestigingsnummer="0000 1234 5678", postcode="3012cd",
        municipality_id=str(rotterdam), size_class="10-49", website="https://bakkerij-jansen.nl"))

    assert response.status_code == 302
    employer, actions = snapshot(in_app, bakery.employer_id)
    assert (employer["name"], employer["name_key"], employer["kvk"], employer["vestigingsnummer"],
            employer["postcode"]) == ("Bakkerij Jansen & Zn", "bakkerijjansenzn", "12345678", "000012345678", "3012 CD")
    assert employer["municipality_id"] == rotterdam
    assert actions == ["employer_updated"]


@pytest.mark.parametrize("field, value, message", [
    ("postcode", "3011 SS", "Verwacht 4 cijfers en 2 letters"),
    ("postcode", "301 AB", "Verwacht 4 cijfers en 2 letters"),
    ("kvk", "1234567", "8 cijfers"),
    ("vestigingsnummer", "12345", "12 cijfers"),
    ("name", f"Bakkerij {BSN}", "BSN"),
    ("kvk", BSN, "BSN"),
    ("name", "B.V.", "minstens één letter"),
])
def test_an_invalid_value_is_refused_at_its_field_and_nothing_is_stored(client, advisor, bakery, in_app, field, value,
                                                                        message):
    before = snapshot(in_app, bakery.employer_id)
    response = client.post(f"/werkgevers/{bakery.employer_id}/bewerken",
                           data=employer_form(**({"website": "https://nieuw.example"} | {field: value})))

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in html and 'aria-invalid="true"' in html
    assert snapshot(in_app, bakery.employer_id) == before  # not even the valid new website


def test_a_taken_kvk_number_is_refused_naming_the_employer_that_has_it(client, advisor, bakery, record, in_app):
    hotel = record(touchpoint("Hotel De Maas", email="info@hoteldemaas.nl"))
    before = snapshot(in_app, hotel.employer_id)

    response = client.post(f"/werkgevers/{hotel.employer_id}/bewerken",
                           data=employer_form(name="Hotel De Maas", kvk="2412.3456"))

    html = response.get_data(as_text=True)
    assert "KvK-nummer 24123456 hoort al bij werkgever Bakkerij Jansen" in html
    assert f"nummer {bakery.employer_id}" in html
    assert snapshot(in_app, hotel.employer_id) == before


def test_keeping_the_own_kvk_number_is_fine(client, advisor, bakery):
    assert client.post(f"/werkgevers/{bakery.employer_id}/bewerken", data=employer_form()).status_code == 302


def test_only_an_active_advisor_or_team_lead_can_be_account_manager(client, factory, bakery, in_app):
    campaign_user = factory.user("campaign")
    login(client, campaign_user)
    response = client.post(f"/werkgevers/{bakery.employer_id}/bewerken",
                           data=employer_form(account_manager_id=str(campaign_user.id)))
    assert response.status_code == 200  # not one of the choices
    assert in_app(lambda: db.session.get(Employer, bakery.employer_id).account_manager_id) is None


# --- contacts -----------------------------------------------------------------------------------------

def contact_state(in_app, contact_id: int):
    return in_app(lambda: (
        {c.name: getattr(db.session.get(Contact, contact_id), c.name) for c in Contact.__table__.columns},
        db.session.scalars(select(AuditEvent.action).where(AuditEvent.action == "contact_updated")).all(),
    ))


def test_a_contact_edit_is_normalised_and_audited_without_the_values(client, advisor, bakery, in_app):
    response = client.post(f"/werkgevers/contactpersonen/{bakery.contact_id}/bewerken", data={
        "name": "Jan Jansen", "function": "Eigenaar", "email": "JAN@Bakkerij-Jansen.nl ", "phone": "06 12345678",
        "opted_out": "y"})

    assert response.status_code == 302
    contact, actions = contact_state(in_app, bakery.contact_id)
    assert (contact["email"], contact["phone"], contact["function"]) == (
        "jan@bakkerij-jansen.nl", "+31612345678", "Eigenaar")
    assert contact["opted_out_at"] is not None
    assert actions == ["contact_updated"]
    detail = in_app(lambda: db.session.scalar(select(AuditEvent.detail).where(AuditEvent.action == "contact_updated")))
    assert detail == {"fields": ["function", "phone", "opted_out_at"], "changes": {"opted_out": [False, True]}}


@pytest.mark.parametrize("form, message", [
    ({"name": f"Jan {BSN}", "email": "jan@bakkerij-jansen.nl"}, "BSN"),
    ({"name": "Jan", "email": "jan@@bakkerij"}, "Geen geldig e-mailadres"),
    ({"name": "Jan", "email": "jan@bakkerij-jansen.nl", "phone": "12"}, "Geen geldig telefoonnummer"),
    ({"name": "Jan", "email": "", "phone": ""}, "Geef een e-mailadres of een telefoonnummer"),
])
def test_an_invalid_contact_edit_stores_nothing(client, advisor, bakery, in_app, form, message):
    before = contact_state(in_app, bakery.contact_id)
    response = client.post(f"/werkgevers/contactpersonen/{bakery.contact_id}/bewerken",
                           data={"function": "Chef"} | form)

    assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert contact_state(in_app, bakery.contact_id) == before


def test_two_contacts_of_one_employer_cannot_share_an_email_address(client, advisor, bakery, record, in_app):
    piet = record(touchpoint(email="piet@bakkerij-jansen.nl", contact_name="Piet"))
    before = contact_state(in_app, piet.contact_id)
    response = client.post(f"/werkgevers/contactpersonen/{piet.contact_id}/bewerken",
                           data={"name": "Piet", "email": "jan@bakkerij-jansen.nl"})
    assert "heeft dit e-mailadres al" in response.get_data(as_text=True)
    assert contact_state(in_app, piet.contact_id) == before
