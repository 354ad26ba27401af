"""Merging two employers: everything moves to the survivor in one transaction, contacts with the same
e-mail become one, two open leads become one, an audit entry remains; two KvK numbers are refused."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from campaign_crm.extensions import db
from campaign_crm.models import (
    AuditEvent,
    Campaign,
    Contact,
    Employer,
    EmployerNonDuplicate,
    EventRegistration,
    Lead,
    LeadStageEvent,
    Touchpoint,
)
from campaign_crm.services.capture import events
from campaign_crm.services.capture.intake import (
    ContactInput,
    EmployerInput,
    record_touchpoint,
)
from campaign_crm.services.employers import duplicates
from campaign_crm.services.employers.merge import merge_employers
from campaign_crm.services.errors import Conflict, ValidationError
from tests.helpers import FRIDAY, count, counts, login, touchpoint

TABLES = (Employer, Contact, Lead, Touchpoint, EventRegistration, LeadStageEvent)


def build_pair(*, other_kvk: str | None = None):
    """Bakkerij Jansen (KvK, two contacts, the older open lead) and Bakkerij Jansen B.V. (no KvK, a
    week later, its own open lead, a contact with the same private e-mail address, and a livestream
    registration). Returns (older, newer) employers."""
    older = record_touchpoint(touchpoint(kvk="24123456", postcode="3011 AB", email="jan.jansen@gmail.com",
                                         interests=["lks"], message="Eerste vraag")).lead.employer
    record_touchpoint(touchpoint(kvk="24123456", email="piet@bakkerij-jansen.nl", contact_name="Piet Jansen"))
    later = FRIDAY + timedelta(days=8)
    newer = record_touchpoint(touchpoint("Bakkerij Jansen B.V.", kvk=other_kvk, postcode="3012 CD", sector="handel",
                                         website="https://bakkerij.example", email="jan.jansen@gmail.com",
                                         phone="010-1234567", interests=["jobcoaching"],
                                         occurred_at=later)).lead.employer
    assert newer.id != older.id
    record_touchpoint(touchpoint("Bakkerij Jansen B.V.", postcode="3012 CD", email="kees@bakkerijjansen-bv.nl",
                                 contact_name="Kees", occurred_at=later + timedelta(hours=1)))
    event = events.create_event(db.session.scalar(select(Campaign)), events.EventInput(
        kind="livestream", title="Livestream juni", starts_at=later + timedelta(days=1)), actor=None)
    events.record_registration(event, employer=EmployerInput(name="Bakkerij Jansen B.V.", postcode="3012 CD"),
                               contact=ContactInput(name="Kees", email="kees@bakkerijjansen-bv.nl"),
                               registered_at=later + timedelta(hours=2))
    db.session.flush()
    return older, newer


@pytest.fixture
def pair(ctx, campaign):
    return build_pair()


def lead_of(employer_id: int) -> list[Lead]:
    return db.session.scalars(select(Lead).where(Lead.employer_id == employer_id).order_by(Lead.created_at)).all()


def test_a_merge_moves_contacts_leads_touchpoints_and_registrations_and_deletes_the_other(pair):
    older, newer = pair
    older_id, newer_id = older.id, newer.id
    before = counts(TABLES)
    moving = {model.__tablename__: count(model, model.employer_id == newer_id)
              for model in (Contact, Lead, Touchpoint, EventRegistration)}
    staying = {model.__tablename__: count(model, model.employer_id == older_id)
               for model in (Contact, Lead, Touchpoint, EventRegistration)}
    assert moving == {"contacts": 2, "leads": 1, "touchpoints": 3, "event_registrations": 1}

    merge_employers(older, newer, actor=None)

    assert db.session.get(Employer, newer_id) is None
    for model in (Contact, Lead, Touchpoint, EventRegistration):
        assert count(model, model.employer_id == newer_id) == 0
    after = {model.__tablename__: count(model, model.employer_id == older_id)
             for model in (Contact, Lead, Touchpoint, EventRegistration)}
    # One contact fewer: the two Jan Jansens with the same e-mail address became one.
    assert after == {"contacts": staying["contacts"] + moving["contacts"] - 1, "leads": 2,
                     "touchpoints": staying["touchpoints"] + moving["touchpoints"], "event_registrations": 1}
    assert counts(TABLES) == before | {"employers": before["employers"] - 1, "contacts": before["contacts"] - 1,
                                 "lead_stage_events": before["lead_stage_events"] + 1}


def test_contacts_with_the_same_email_become_one_and_their_references_move(pair):
    older, newer = pair
    jan_newer = db.session.scalar(select(Contact).where(Contact.employer_id == newer.id,
                                                        Contact.email == "jan.jansen@gmail.com"))
    jan_newer_id = jan_newer.id
    jan = db.session.scalar(select(Contact).where(Contact.employer_id == older.id,
                                                  Contact.email == "jan.jansen@gmail.com"))

    merge_employers(older, newer, actor=None)

    assert db.session.get(Contact, jan_newer_id) is None
    assert jan.phone == "+31101234567"  # the survivor's contact lacked a phone number
    assert count(Touchpoint, Touchpoint.contact_id == jan_newer_id) == 0
    assert count(Lead, Lead.contact_id == jan_newer_id) == 0
    assert count(Touchpoint, Touchpoint.contact_id == jan.id) == 2
    assert count(Contact, Contact.email == "jan.jansen@gmail.com") == 1


def test_the_survivor_keeps_its_values_and_fills_what_it_lacks(pair):
    older, newer = pair
    merge_employers(older, newer, actor=None)
    assert (older.name, older.kvk, older.postcode, older.email_domain) == (
        "Bakkerij Jansen", "24123456", "3011 AB", "bakkerij-jansen.nl")
    assert older.sector.code == "handel" and older.website == "https://bakkerij.example"


def test_the_kvk_number_is_taken_from_the_other_when_the_survivor_has_none(pair):
    older, newer = pair
    merge_employers(newer, older, actor=None)
    db.session.flush()
    assert newer.kvk == "24123456" and newer.name == "Bakkerij Jansen B.V."


def test_two_open_leads_become_one_the_newer_is_lost_as_duplicate_with_its_history(pair):
    older, newer = pair
    older_lead, newer_lead = lead_of(older.id)[0], lead_of(newer.id)[0]
    newer_lead_id = newer_lead.id

    merge_employers(older, newer, actor=None)

    assert older_lead.is_open and newer_lead.stage == "lost"
    assert newer_lead.lost_reason.code == "duplicate"
    event = db.session.scalar(select(LeadStageEvent).where(LeadStageEvent.lead_id == newer_lead_id,
                                                           LeadStageEvent.to_stage == "lost"))
    assert event is not None and f"lead {older_lead.id}" in event.note
    assert count(Touchpoint, Touchpoint.lead_id == newer_lead_id) == 0
    assert count(EventRegistration, EventRegistration.lead_id == older_lead.id) == 1
    assert {i.code for i in older_lead.interests} == {"lks", "jobcoaching"}
    assert count(Lead, Lead.employer_id == older.id, Lead.stage != "lost") == 1


def test_the_older_lead_stays_open_whichever_employer_survives(pair):
    older, newer = pair
    older_lead_id, newer_lead_id = lead_of(older.id)[0].id, lead_of(newer.id)[0].id
    merge_employers(newer, older, actor=None)
    assert db.session.get(Lead, older_lead_id).is_open
    assert db.session.get(Lead, newer_lead_id).stage == "lost"


def test_with_one_open_lead_nothing_is_closed(pair):
    from campaign_crm.services.leads import lifecycle as lead_service

    older, newer = pair
    lead_service.change_stage(lead_of(newer.id)[0], "lost", actor=None, lost_reason="no_vacancy")
    result = merge_employers(older, newer, actor=None)
    assert result.closed_leads == []
    assert [lead.stage for lead in lead_of(older.id)] == ["new", "lost"]


def test_an_audit_entry_on_the_survivor_records_the_merged_employer(pair):
    older, newer = pair
    newer_id = newer.id
    merge_employers(older, newer, actor=None)
    entry = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "employer_merged"))
    assert (entry.object_type, entry.object_id) == ("employers", older.id)
    assert entry.detail["merged_employer_id"] == newer_id
    assert entry.detail["merged_name"] == "Bakkerij Jansen B.V." and entry.detail["merged_kvk"] is None
    assert entry.detail["moved"]["touchpoints"] == 3 and entry.detail["merged_contacts"] == 1


def test_pairs_marked_not_a_duplicate_with_the_merged_employer_go_with_it(pair):
    older, newer = pair
    third = record_touchpoint(touchpoint("Hotel De Maas", email="info@hoteldemaas.nl")).lead.employer
    duplicates.mark_not_duplicate(newer, third, actor=None)
    merge_employers(older, newer, actor=None)
    db.session.flush()
    assert count(EmployerNonDuplicate) == 0


def test_two_different_kvk_numbers_are_two_legal_entities_and_are_refused(ctx, campaign):
    older, newer = build_pair(other_kvk="87654321")
    before = counts(TABLES)
    with pytest.raises(Conflict, match="twee rechtspersonen"):
        merge_employers(older, newer, actor=None)
    assert counts(TABLES) == before
    assert (older.kvk, newer.kvk) == ("24123456", "87654321")


def test_an_employer_cannot_be_merged_with_itself(pair):
    older, _ = pair
    with pytest.raises(ValidationError):
        merge_employers(older, older, actor=None)


# --- through the web --------------------------------------------------------------------------------

@pytest.fixture
def web_pair(app, campaign):
    with app.app_context():
        older, newer = build_pair()
        db.session.commit()
        return older.id, newer.id


def test_a_team_lead_merges_through_the_compare_page(client, factory, web_pair, in_app):
    older_id, newer_id = web_pair
    login(client, factory.user("teamlead"))
    page = client.get(f"/werkgevers/samenvoegen/{older_id}/{newer_id}").get_data(as_text=True)
    assert "Bakkerij Jansen B.V." in page and "Welke werkgever blijft bestaan?" in page

    response = client.post(f"/werkgevers/samenvoegen/{older_id}/{newer_id}", data={"survivor_id": str(newer_id)})

    assert response.status_code == 302 and response.headers["Location"].endswith(f"/werkgevers/{newer_id}")
    assert in_app(lambda: (db.session.get(Employer, older_id), db.session.get(Employer, newer_id).kvk)) == (
        None, "24123456")
    assert "Samengevoegd: Bakkerij Jansen is opgegaan in Bakkerij Jansen B.V." in client.get(
        f"/werkgevers/{newer_id}").get_data(as_text=True)


def test_a_refused_merge_changes_nothing_and_says_why(client, factory, app, campaign, in_app):
    with app.app_context():
        older, newer = build_pair(other_kvk="87654321")
        db.session.commit()
        ids = older.id, newer.id
    login(client, factory.user("campaign"))
    response = client.post(f"/werkgevers/samenvoegen/{ids[0]}/{ids[1]}", data={"survivor_id": str(ids[0])})
    assert "twee rechtspersonen" in response.get_data(as_text=True)
    assert in_app(lambda: count(Employer)) == 2


def test_advisors_may_not_merge(client, factory, web_pair, in_app):
    older_id, newer_id = web_pair
    login(client, factory.user("advisor"))
    assert client.get(f"/werkgevers/samenvoegen/{older_id}/{newer_id}").status_code == 403
    refused = client.post(f"/werkgevers/samenvoegen/{older_id}/{newer_id}", data={"survivor_id": str(older_id)})
    assert refused.status_code == 403
    assert in_app(lambda: count(Employer)) == 2


def test_the_employer_page_finds_a_merge_partner_by_kvk_number(client, factory, web_pair):
    older_id, newer_id = web_pair
    login(client, factory.user("teamlead"))
    response = client.get(f"/werkgevers/{newer_id}/samenvoegen", query_string={"with": "2412 3456"})
    assert response.headers["Location"].endswith(f"/werkgevers/samenvoegen/{newer_id}/{older_id}")
