"""The one intake path (services/capture/intake.py): recognising employers, attaching a touchpoint to the
employer's open lead or creating one, and refusing bad input with a Dutch message naming the field
without storing anything."""
from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from campaign_crm.extensions import db
from campaign_crm.models import Campaign, Contact, Employer, Lead, Phase, Touchpoint
from campaign_crm.services.calendar import AMSTERDAM
from campaign_crm.services.capture.intake import (
    record_touchpoint,
    record_touchpoints,
)
from campaign_crm.services.errors import ValidationError
from campaign_crm.services.leads import lifecycle as lead_service
from tests.helpers import FRIDAY, count, counts, nothing_stored, touchpoint

pytestmark = pytest.mark.usefixtures("ctx")


def make_campaign(code: str = "aknp") -> Campaign:
    """An active campaign with a launch phase (May-August 2026, so FRIDAY falls in it) and a zorg phase after it."""
    campaign = Campaign(code=code, name="Anders kijken naar personeel", starts_on=date(2026, 5, 11), ends_on=None)
    campaign.phases.append(Phase(code="launch", name="Lancering", starts_on=date(2026, 5, 11),
                                 ends_on=date(2026, 8, 31)))
    campaign.phases.append(Phase(code="zorg", name="Sectorfase zorg", starts_on=date(2026, 9, 1), ends_on=None))
    db.session.add(campaign)
    db.session.flush()
    return campaign


@pytest.fixture(autouse=True)
def campaign(ctx) -> Campaign:
    return make_campaign()


def assert_nothing_stored() -> None:
    assert counts() == nothing_stored()


# --- a new employer ---------------------------------------------------------------------------------

def test_a_first_touchpoint_makes_an_employer_a_contact_and_a_new_lead():
    result = record_touchpoint(touchpoint(kvk="2412 3456", postcode="3131ab", phone="010-1234567"))

    assert result.created and not result.attached and not result.unchanged
    lead = result.lead
    assert lead.stage == "new"
    assert lead.employer.name == "Bakkerij Jansen"
    assert lead.employer.kvk == "24123456"
    assert lead.employer.postcode == "3131 AB"
    assert lead.employer.email_domain == "bakkerij-jansen.nl"
    assert lead.contact.email == "jan@bakkerij-jansen.nl"
    assert lead.contact.phone == "+31101234567"
    assert lead.campaign.code == "aknp"
    assert lead.phase.code == "launch"  # the phase whose dates hold 12 June
    assert result.touchpoint.lead_id == lead.id
    assert (count(Employer), count(Contact), count(Lead), count(Touchpoint)) == (1, 1, 1, 1)


def test_the_sla_is_two_working_days_at_five_in_amsterdam():
    # Friday 12 June 2026 -> Monday 15, Tuesday 16 June, 17:00 CEST = 15:00 UTC.
    result = record_touchpoint(touchpoint(occurred_at=datetime(2026, 6, 12, 20, 30, tzinfo=AMSTERDAM)))
    assert result.lead.sla_due_at == datetime(2026, 6, 16, 15, 0, tzinfo=UTC)


# --- the same employer, written differently, is one employer with one open lead --------------------

def assert_attached_to_one_lead(first, second) -> None:
    assert first.created
    assert second.attached and not second.created
    assert second.lead.id == first.lead.id
    assert count(Employer) == 1
    assert count(Lead) == 1
    assert count(Touchpoint) == 2
    assert db.session.scalars(select(Touchpoint.lead_id)).all() == [first.lead.id, first.lead.id]


def test_the_same_kvk_written_with_a_space_is_the_same_employer():
    # Different names and free-mail addresses: only the KvK number ties them together.
    first = record_touchpoint(touchpoint("Bakkerij Jansen", kvk="24123456", email="jan.jansen@gmail.com"))
    second = record_touchpoint(touchpoint("Jansen Brood & Banket", kvk="2412 3456", email="marie1970@hotmail.com",
                                          contact_name="Marie Jansen", occurred_at=FRIDAY + timedelta(days=3)))
    assert_attached_to_one_lead(first, second)


def test_another_address_on_the_same_organisation_domain_is_the_same_employer():
    first = record_touchpoint(touchpoint("Jansen Bouw", email="jan@jansenbouw.nl"))
    second = record_touchpoint(touchpoint("Bouwbedrijf Jansen", email="Inkoop@JansenBouw.nl", contact_name="Piet",
                                          occurred_at=FRIDAY + timedelta(hours=2)))
    assert_attached_to_one_lead(first, second)
    assert count(Contact) == 2  # two people at the one employer


def test_name_in_capitals_and_postcode_without_space_is_the_same_employer():
    first = record_touchpoint(touchpoint("BAKKERIJ JANSEN", postcode="3131ab", email="jan.jansen@gmail.com"))
    second = record_touchpoint(touchpoint("Bakkerij Jansen", postcode="3131 AB", email="bakkerijjansen@ziggo.nl",
                                          occurred_at=FRIDAY + timedelta(days=1)))
    assert_attached_to_one_lead(first, second)


def test_a_trailing_legal_form_does_not_make_another_employer():
    first = record_touchpoint(touchpoint("Installatiebedrijf Van der Berg B.V.", postcode="3011 AB",
                                         email="a@gmail.com"))
    second = record_touchpoint(touchpoint("installatiebedrijf van der berg", postcode="3011AB", email="b@gmail.com"))
    assert_attached_to_one_lead(first, second)


def test_interests_of_a_later_touchpoint_are_added_to_the_open_lead():
    first = record_touchpoint(touchpoint(interests=["lks"]))
    record_touchpoint(touchpoint(interests=["jobcoaching", "LKS"], occurred_at=FRIDAY + timedelta(hours=1)))
    assert sorted(i.code for i in first.lead.interests) == ["jobcoaching", "lks"]


def test_two_different_gmail_addresses_with_different_names_are_two_employers():
    first = record_touchpoint(touchpoint("Bakkerij Jansen", email="jan.jansen@gmail.com"))
    second = record_touchpoint(touchpoint("Schildersbedrijf De Vries", email="devries.schilders@gmail.com"))
    assert first.created and second.created
    assert first.lead.id != second.lead.id
    assert count(Employer) == 2
    assert count(Lead) == 2
    assert first.lead.employer.email_domain is None  # gmail.com says nothing about the employer


def test_the_same_name_without_a_postcode_on_free_mail_is_not_enough_to_merge():
    record_touchpoint(touchpoint("Bakkerij Jansen", email="jan@gmail.com"))
    record_touchpoint(touchpoint("Bakkerij Jansen", email="kees@gmail.com"))
    assert count(Employer) == 2


def test_the_same_name_and_postcode_with_a_different_kvk_is_another_employer():
    # Two KvK numbers are two legal entities; merging them would throw one number away.
    first = record_touchpoint(touchpoint("Bakkerij Jansen", kvk="24123456", postcode="3131 AB", email="a@gmail.com"))
    second = record_touchpoint(touchpoint("Bakkerij Jansen", kvk="87654321", postcode="3131 AB", email="b@gmail.com"))
    assert second.created and second.lead.id != first.lead.id
    assert sorted(db.session.scalars(select(Employer.kvk)).all()) == ["24123456", "87654321"]


def test_the_same_domain_and_postcode_with_a_different_kvk_is_another_employer():
    first = record_touchpoint(touchpoint("Jansen Groep", kvk="24123456", postcode="3131 AB",
                                         email="jan@jansengroep.nl"))
    second = record_touchpoint(touchpoint("Jansen Groep", kvk="87654321", postcode="3131 AB",
                                          email="piet@jansengroep.nl"))
    assert second.created and second.lead.employer_id != first.lead.employer_id


def test_a_closed_lead_is_not_reopened_a_new_touchpoint_makes_a_new_lead():
    first = record_touchpoint(touchpoint(kvk="24123456"))
    lead_service.change_stage(first.lead, "lost", actor=None, at=FRIDAY + timedelta(days=10),
                              lost_reason="no_vacancy")
    db.session.flush()

    second = record_touchpoint(touchpoint(kvk="24123456", occurred_at=FRIDAY + timedelta(days=30)))

    assert second.created and not second.attached
    assert second.lead.id != first.lead.id
    assert second.lead.employer_id == first.lead.employer_id
    assert first.lead.stage == "lost"
    assert count(Employer) == 1
    assert count(Lead) == 2
    assert db.session.scalar(select(Touchpoint.lead_id).where(Touchpoint.id == second.touchpoint.id)) == second.lead.id


# --- idempotent replays ---------------------------------------------------------------------------

def test_the_same_external_id_again_returns_the_same_lead_and_adds_nothing():
    first = record_touchpoint(touchpoint(external_id="meta:l:1234567890"))
    before = (count(Employer), count(Contact), count(Lead), count(Touchpoint))

    again = record_touchpoint(touchpoint("Iets Heel Anders", email="ander@elders.nl", external_id="meta:l:1234567890"))

    assert again.unchanged and not again.created and not again.attached
    assert again.lead.id == first.lead.id
    assert again.touchpoint is None
    assert (count(Employer), count(Contact), count(Lead), count(Touchpoint)) == before


def test_replaying_the_external_id_of_a_touchpoint_that_attached_adds_nothing():
    first = record_touchpoint(touchpoint(external_id="meta:l:1"))
    attached = record_touchpoint(touchpoint(external_id="meta:l:2", occurred_at=FRIDAY + timedelta(hours=1)))
    assert attached.attached and count(Touchpoint) == 2

    again = record_touchpoint(touchpoint(external_id="meta:l:2", occurred_at=FRIDAY + timedelta(hours=1)))

    assert again.unchanged
    assert again.lead.id == first.lead.id
    assert count(Touchpoint) == 2


def test_every_touchpoint_keeps_its_own_external_id_and_the_lead_keeps_the_first():
    first = record_touchpoint(touchpoint(external_id="meta:l:1"))
    record_touchpoint(touchpoint(external_id="meta:l:2", occurred_at=FRIDAY + timedelta(hours=1)))
    assert db.session.scalars(select(Touchpoint.external_id).order_by(Touchpoint.id)).all() == ["meta:l:1", "meta:l:2"]
    assert first.lead.external_id == "meta:l:1"


def test_the_same_external_id_from_another_source_is_a_touchpoint_of_its_own():
    first = record_touchpoint(touchpoint(external_id="42", external_source="partner:1"))

    other = record_touchpoint(touchpoint("Zorggroep Smit", email="info@zorggroep-smit.nl", external_id="42",
                                         external_source="partner:2"))

    assert other.created and not other.unchanged
    assert other.lead.id != first.lead.id and other.lead.employer.name == "Zorggroep Smit"
    assert (count(Lead), count(Touchpoint)) == (2, 2)


def test_an_external_id_without_its_source_is_a_programming_error_and_stores_nothing():
    with pytest.raises(ValueError):
        record_touchpoint(touchpoint(external_id="42", external_source=None))
    assert_nothing_stored()


# --- refused: nothing is stored -------------------------------------------------------------------

@pytest.mark.parametrize("name", ["", "   "])
def test_a_touchpoint_without_employer_name_is_refused_and_nothing_is_stored(name):
    with pytest.raises(ValidationError) as refused:
        record_touchpoint(touchpoint(name))
    assert set(refused.value.fields) == {"employer.name"}
    assert_nothing_stored()


@pytest.mark.parametrize(("email", "phone"), [(None, None), ("geen", None), ("", "06-1234"), ("jan@", "bel me")])
def test_a_touchpoint_without_a_valid_email_or_phone_is_refused_and_nothing_is_stored(email, phone):
    with pytest.raises(ValidationError) as refused:
        record_touchpoint(touchpoint(email=email, phone=phone))
    assert set(refused.value.fields) == {"contact"}
    assert "e-mailadres of telefoonnummer" in refused.value.fields["contact"]
    assert_nothing_stored()


def test_every_problem_is_reported_at_once_per_field():
    with pytest.raises(ValidationError) as refused:
        record_touchpoint(touchpoint("", email="geen", occurred_at=datetime.now(UTC) + timedelta(days=1)))
    assert set(refused.value.fields) == {"employer.name", "contact", "occurred_at"}
    assert_nothing_stored()


def test_a_phone_alone_is_enough_to_reach_the_contact():
    result = record_touchpoint(touchpoint(email=None, phone="06 12345678"))
    assert result.lead.contact.phone == "+31612345678"
    assert result.lead.contact.email is None


def test_an_invalid_optional_kvk_beside_a_valid_email_is_dropped_with_a_warning():
    result = record_touchpoint(touchpoint(kvk="1234567"))

    assert result.created
    assert result.lead.employer.kvk is None
    assert len(result.warnings) == 1
    assert "employer.kvk" in result.warnings[0]
    assert "1234567" in result.warnings[0]


def test_a_bad_phone_beside_a_valid_email_is_dropped_with_a_warning():
    result = record_touchpoint(touchpoint(phone="06-1234"))
    assert result.created
    assert result.lead.contact.phone is None
    assert [w for w in result.warnings if "contact.phone" in w]


@pytest.mark.parametrize(("where", "value"), [
    ("message", "Graag contact. Kandidaat heeft BSN 123456782."),  # 123456782 passes the elfproef (see unit tests)
    ("how_heard", "via 111 222 333"),
    ("contact_name", "Jan 111222333"),
])
def test_a_bsn_in_free_text_is_refused_and_nothing_is_stored(where, value):
    with pytest.raises(ValidationError) as refused:
        record_touchpoint(touchpoint(**{where: value}))
    field = "contact.name" if where == "contact_name" else where
    assert set(refused.value.fields) == {field}
    assert "BSN" in refused.value.fields[field]
    assert_nothing_stored()


def test_a_bsn_typed_into_the_kvk_field_is_refused_not_echoed_back_in_a_warning():
    with pytest.raises(ValidationError) as refused:
        record_touchpoint(touchpoint(kvk="123456782"))
    assert set(refused.value.fields) == {"employer.kvk"}
    assert "123456782" not in refused.value.message
    assert_nothing_stored()


def test_a_nine_digit_kvk_that_is_not_bsn_like_is_only_dropped():
    # 123456783 fails the elfproef: just a mistyped KvK number.
    result = record_touchpoint(touchpoint(kvk="123456783"))
    assert result.created and result.lead.employer.kvk is None
    assert [w for w in result.warnings if "employer.kvk" in w]


def test_a_touchpoint_in_the_future_is_refused():
    with pytest.raises(ValidationError) as refused:
        record_touchpoint(touchpoint(occurred_at=datetime.now(UTC) + timedelta(minutes=5)))
    assert set(refused.value.fields) == {"occurred_at"}
    assert_nothing_stored()


def test_a_time_without_timezone_is_refused():
    with pytest.raises(ValidationError) as refused:
        record_touchpoint(touchpoint(occurred_at=datetime(2026, 6, 12, 10, 0)))
    assert set(refused.value.fields) == {"occurred_at"}


def test_no_time_means_now():
    before = datetime.now(UTC)
    result = record_touchpoint(touchpoint(occurred_at=None))
    assert before <= result.lead.created_at <= datetime.now(UTC)
    assert result.lead.phase.code == "zorg"  # the phase open today


def test_an_over_long_employer_name_is_refused_with_a_field_message_not_a_database_error():
    with pytest.raises(ValidationError) as refused:
        record_touchpoint(touchpoint("Bakkerij " * 30))
    assert set(refused.value.fields) == {"employer.name"}
    assert_nothing_stored()


def test_an_over_long_optional_value_is_dropped_with_a_warning():
    result = record_touchpoint(touchpoint(sbi="86.10 Algemene ziekenhuizen",
                                          utm={"source": "linkedin", "campaign": "x" * 300}))
    assert result.created
    assert result.lead.employer.sbi_code is None
    assert result.touchpoint.utm_campaign is None
    assert result.touchpoint.utm_source == "linkedin"
    assert {w.split(":")[0] for w in result.warnings} == {"employer.sbi", "utm.campaign"}


# --- attribution and sector -----------------------------------------------------------------------

@pytest.mark.parametrize("source", ["LinkedIn", "linkedin", " LINKEDIN "])
def test_the_channel_follows_the_utm_source_case_insensitively(source):
    result = record_touchpoint(touchpoint(utm={"source": source, "medium": "Paid_Social", "campaign": "aknp-launch"}))
    assert result.lead.channel.code == "linkedin"
    assert result.touchpoint.channel.code == "linkedin"
    assert result.touchpoint.utm_source == source.strip()  # the raw value is kept for reports
    assert result.touchpoint.utm_campaign == "aknp-launch"


def test_a_named_channel_wins_over_the_utm_source():
    result = record_touchpoint(touchpoint(channel="vakblad", utm={"source": "linkedin"}))
    assert result.lead.channel.code == "vakblad"


def test_an_unknown_utm_source_leaves_the_channel_empty():
    result = record_touchpoint(touchpoint(utm={"source": "nieuwsbrief-x"}))
    assert result.lead.channel is None


def test_every_utm_value_is_kept_on_the_touchpoint():
    utm = {"source": "linkedin", "medium": "paid_social", "campaign": "aknp-launch", "content": "video-1",
           "term": "lks", "id": "cmp-42"}
    stored = record_touchpoint(touchpoint(utm=utm)).touchpoint
    assert {key: getattr(stored, f"utm_{key}") for key in utm} == utm


def test_an_empty_utm_value_is_stored_as_nothing():
    result = record_touchpoint(touchpoint(utm={"source": "linkedin", "medium": "   "}))
    assert result.touchpoint.utm_medium is None


def test_an_unknown_channel_code_is_refused():
    with pytest.raises(ValidationError) as refused:
        record_touchpoint(touchpoint(channel="tiktok"))
    assert set(refused.value.fields) == {"channel"}
    assert_nothing_stored()


@pytest.mark.parametrize(("sbi", "sector"), [
    ("86.10", "zorg"),  # hospitals
    ("8710", "zorg"),  # nursing homes
    ("81.30", "groen"),  # landscaping: green work, though division 81
    ("81.21", "schoonmaak"),  # general cleaning
    ("43.22", "techniek"),  # installation work
])
def test_the_sector_follows_the_sbi_division(sbi, sector):
    result = record_touchpoint(touchpoint(sbi=sbi))
    assert result.lead.employer.sector.code == sector
    assert result.lead.employer.sbi_code == sbi


def test_a_named_sector_wins_over_the_sbi_code():
    result = record_touchpoint(touchpoint(sector="horeca", sbi="86.10"))
    assert result.lead.employer.sector.code == "horeca"


def test_without_an_active_campaign_the_touchpoint_is_refused(campaign):
    campaign.active = False
    db.session.flush()
    with pytest.raises(ValidationError) as refused:
        record_touchpoint(touchpoint())
    assert set(refused.value.fields) == {"campaign"}


def test_a_touchpoint_replayed_with_a_new_time_is_stored_as_its_own_touchpoint():
    # Without an external_id nothing tells two sign-ups apart: both are kept, on the one lead.
    data = touchpoint()
    record_touchpoint(data)
    record_touchpoint(replace(data, occurred_at=FRIDAY + timedelta(minutes=1)))
    assert count(Lead) == 1 and count(Touchpoint) == 2


# --- a batch (imports) is the same intake, record by record ------------------------------------------

def test_a_batch_is_stored_as_if_one_by_one_later_records_find_what_earlier_ones_made():
    results = record_touchpoints([
        touchpoint("Bakkerij Jansen", kvk="24123456", email="jan@gmail.com"),
        touchpoint("Jansen Brood", kvk="2412 3456", email="marie@gmail.com", contact_name="Marie",
                   occurred_at=FRIDAY + timedelta(hours=1)),  # the KvK of the record before
        touchpoint("Jansen Bouw", email="jan@jansenbouw.nl"),
        touchpoint("Bouwbedrijf Jansen", email="inkoop@jansenbouw.nl", interests=["lks"],
                   occurred_at=FRIDAY + timedelta(hours=2)),  # the domain of the record before
    ], route=False)

    assert [(r.created, r.attached) for r in results] == [(True, False), (False, True), (True, False), (False, True)]
    assert results[1].lead_id == results[0].lead_id and results[3].lead_id == results[2].lead_id
    assert (count(Employer), count(Contact), count(Lead), count(Touchpoint)) == (2, 4, 2, 4)
    assert [i.code for i in results[3].lead.interests] == ["lks"]


def test_a_refused_record_in_a_batch_writes_nothing_and_the_others_are_stored():
    results = record_touchpoints([
        touchpoint("Bakkerij Jansen"),
        touchpoint("Schilder De Vries", email="geen"),
        touchpoint("Hovenier Bos", email="info@hovenierbos.nl", message="BSN 123456782"),
        touchpoint("Zorggroep Smit", email="info@zorggroepsmit.nl"),
    ], route=False)

    assert isinstance(results[1], ValidationError) and set(results[1].fields) == {"contact"}
    assert isinstance(results[2], ValidationError) and set(results[2].fields) == {"message"}
    assert results[0].created and results[3].created
    assert sorted(db.session.scalars(select(Employer.name))) == ["Bakkerij Jansen", "Zorggroep Smit"]
    assert (count(Contact), count(Lead), count(Touchpoint)) == (2, 2, 2)


def test_the_same_external_id_twice_in_one_batch_is_stored_once():
    results = record_touchpoints([touchpoint(external_id="meta:l:1"), touchpoint(external_id="meta:l:1")], route=False)

    assert results[0].created and results[1].unchanged
    assert results[1].lead_id == results[0].lead_id
    assert (count(Lead), count(Touchpoint)) == (1, 1)


def test_a_batch_routes_nothing_when_asked_not_to_and_one_record_routes_at_once():
    unrouted = record_touchpoints([touchpoint(kvk="24123456")], route=False)[0]
    routed = record_touchpoint(touchpoint("Schilder De Vries", email="info@schilderdevries.nl"))

    assert unrouted.lead.stage == "new" and not unrouted.lead.assignments
    assert routed.lead.assignments  # routed (here: waiting, no rules in this test) by the single path


# --- a bulk caller's Router decides the route before a lead is written ------------------------------

def _pool(*capacities: int) -> list:
    from campaign_crm.models import RoutingRule, Team, User

    pool = Team(name="Regionale pool", is_pool=True)
    advisors = [User(email=f"adviseur{i}@test.example", name=f"Adviseur {i}", password_hash="x", role="advisor",
                     team=pool, capacity=capacity) for i, capacity in enumerate(capacities)]
    db.session.add_all([pool, *advisors, RoutingRule(name="Vangnet", priority=1000, team=pool)])
    db.session.flush()
    return advisors


def test_a_router_writes_each_new_lead_with_its_owner_assignment_stage_event_and_account_manager():
    from campaign_crm.models import LeadAssignment, LeadStageEvent
    from campaign_crm.services.routing import engine as routing

    anna, bert = _pool(1, 1)
    results = record_touchpoints([
        touchpoint("Bakkerij Jansen", email="jan@bakkerij-jansen.nl"),
        touchpoint("Schilder De Vries", email="info@schilderdevries.nl"),
        touchpoint("Bakkerij Jansen", email="marie@bakkerij-jansen.nl"),  # attaches: no second route
        touchpoint("Hovenier Bos", email="info@hovenierbos.nl"),  # both advisors are full by now
    ], route=routing.Router())

    first, second, attached, third = (r.lead for r in results)
    assert attached is first and results[2].attached
    assert {first.owner_id, second.owner_id} == {anna.id, bert.id}
    assert [lead.stage for lead in (first, second, third)] == ["assigned", "assigned", "new"]
    assert first.assigned_at is not None and third.assigned_at is None
    assert third.owner_id is None and third.waiting_reason == routing.ALL_FULL.format(team="Regionale pool")
    assert first.employer.account_manager_id == first.owner_id and third.employer.account_manager_id is None
    # One assignment per new lead (the waiting one too, with its reason); a stage event per assigned one.
    assignments = db.session.scalars(select(LeadAssignment).order_by(LeadAssignment.lead_id)).all()
    assert [(a.lead_id, a.advisor_id) for a in assignments] == [
        (first.id, first.owner_id), (second.id, second.owner_id), (third.id, None)]
    events = db.session.scalars(select(LeadStageEvent).order_by(LeadStageEvent.lead_id)).all()
    assert [(e.lead_id, e.from_stage, e.to_stage) for e in events] == [
        (first.id, "new", "assigned"), (second.id, "new", "assigned")]
    assert anna.last_assigned_at is not None and bert.last_assigned_at is not None


def test_one_router_over_several_batches_keeps_count_and_sends_an_employer_back_to_its_account_manager():
    from campaign_crm.services.routing import engine as routing

    anna, bert = _pool(2, 2)
    router = routing.Router()
    jansen = record_touchpoints([touchpoint("Bakkerij Jansen", email="jan@bakkerij-jansen.nl")], route=router)[0].lead
    lead_service.change_stage(jansen, "lost", actor=None, lost_reason="not_interested")
    db.session.flush()
    later = record_touchpoints([
        touchpoint("Bakkerij Jansen", email="jan@bakkerij-jansen.nl", occurred_at=FRIDAY + timedelta(days=1)),
        *(touchpoint(name, email=f"info@{domain}", occurred_at=FRIDAY + timedelta(days=2))
          for name, domain in (("Schilder De Vries", "schilderdevries.nl"), ("Hovenier Bos", "hovenierbos.nl"),
                               ("Zorggroep Smit", "zorggroepsmit.nl"))),
    ], route=router)  # routed oldest first: Jansen's new lead before the others

    again = later[0].lead
    assert again.id != jansen.id and again.owner_id == jansen.owner_id  # continuity
    assert again.assignments[0].reason.startswith("Vast aanspreekpunt")
    # The router counts what it assigned in the earlier batch: nobody gets more than their capacity of 2.
    owners = [jansen.owner_id] + [r.lead.owner_id for r in later]
    assert all(owners.count(advisor.id) <= 2 for advisor in (anna, bert))
    assert later[3].lead.owner_id is None and later[3].lead.waiting_reason.startswith("Wacht: iedereen")
