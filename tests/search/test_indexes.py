"""The search indexes stay in step with the records: a renamed employer or contact is found by the new name
and no longer by the old one, a merged-away employer and an erased contact are not found at all, and the
structures behind the name search exist at the head of the migrations on either database."""
from __future__ import annotations

from sqlalchemy import text

from campaign_crm.extensions import db
from campaign_crm.models import Contact, Employer, User
from campaign_crm.services.employers import merge
from campaign_crm.services.employers import records as employer_service
from campaign_crm.services.privacy import rights
from campaign_crm.services.search import finder
from tests.helpers import touchpoint


def found(query: str, viewer: User) -> tuple[list[int], list[int]]:
    """The ids of the employers and contacts `query` finds."""
    results = finder.search(query, viewer)
    db.session.rollback()  # the audit entries of the search
    return [hit.id for hit in results.employers.hits], [hit.id for hit in results.contacts.hits]


def test_the_name_search_has_its_indexes_and_triggers(app, ctx):
    if db.engine.dialect.name == "sqlite":
        names = set(db.session.scalars(text("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")))
        for fts in ("search_employer_names", "search_contact_names"):
            assert {fts, f"{fts}_insert", f"{fts}_update", f"{fts}_delete"} <= names
    else:
        definitions = dict(db.session.execute(text("SELECT indexname, indexdef FROM pg_indexes WHERE indexname IN "
                                                   "('ix_employers_name_key_trgm', 'ix_contacts_name_trgm')")).all())
        assert "gin (name_key gin_trgm_ops)" in definitions["ix_employers_name_key_trgm"]
        assert "gin (name gin_trgm_ops)" in definitions["ix_contacts_name_trgm"]


def test_a_renamed_employer_and_contact_are_found_by_the_new_name_only(app, ctx, factory, bakery):
    viewer = db.session.get(User, bakery["owner"].id)
    employer = db.session.get(Employer, bakery["employer_id"])
    contact = db.session.get(Contact, bakery["contact_id"])
    employer_service.update_employer(employer, employer_service.EmployerChanges(name="Patisserie Zonnebloem"),
                                     actor=None)
    employer_service.update_contact(contact, employer_service.ContactChanges(
        name="Marieke Zandvoort", email=contact.email, phone=contact.phone), actor=None)
    db.session.commit()

    assert found("zonnebloem", viewer) == ([bakery["employer_id"]], [])
    assert found("elegance", viewer) == ([], [])
    assert found("zandvoort", viewer) == ([], [bakery["contact_id"]])
    assert found("van den berg", viewer) == ([], [])


def test_a_merged_away_employer_is_no_longer_found(app, ctx, record, bakery):
    duplicate = record(touchpoint("Bakkerij Elegance Schiedam", email="info@elegance-schiedam.nl")).employer_id
    viewer = db.session.get(User, bakery["owner"].id)
    assert sorted(found("elegance", viewer)[0]) == [bakery["employer_id"], duplicate]

    merge.merge_employers(db.session.get(Employer, bakery["employer_id"]), db.session.get(Employer, duplicate),
                          actor=None)
    db.session.commit()

    assert found("elegance", viewer)[0] == [bakery["employer_id"]]
    assert found("elegance-schiedam.nl", viewer)[0] == []


def test_an_erased_contact_is_not_found_by_name_e_mail_or_phone(app, ctx, factory, bakery):
    admin = db.session.get(User, factory.user("admin").id)
    rights.erase_contact(db.session.get(Contact, bakery["contact_id"]), actor=admin)
    db.session.commit()

    for query in ("Marieke", "marieke@bakkerij-elegance.nl", "06-12345678"):
        assert found(query, admin)[1] == [], query
