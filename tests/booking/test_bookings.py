"""Booking an adviesgesprek from the offer: the lead goes to the advisor, the meeting is planned with the contact,
the confirmation with the .ics is queued; a time booked by someone else is refused and nothing is stored; the
move-or-cancel link works until the meeting has ended; "Bel mij terug" becomes a next action."""
from __future__ import annotations

from datetime import time, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from campaign_crm.extensions import db
from campaign_crm.models import Activity, Lead, OutboxMessage
from campaign_crm.models.booking import Booking, SlotClaim
from campaign_crm.models.meetings import Meeting
from campaign_crm.services.booking import bookings
from campaign_crm.services.booking.bookings import BookingInput, SlotTaken
from tests.helpers import counts, route_everything_to

WORKDAYS = {weekday: [(time(9), time(12))] for weekday in range(5)}
ROWS = (Booking, SlotClaim, Meeting, OutboxMessage)


def link(token: str) -> str:
    return f"https://crm.example.nl/afspraak/{token}"


@pytest.fixture
def anna(factory, weekly_hours, app):
    """Anna Smit, the only advisor of team Waterweg, where every lead is routed; bookable mornings on working days."""
    team = factory.team("Waterweg")
    person = factory.user("advisor", name="Anna Smit", team_id=team, email="anna@crm.example")
    weekly_hours(person.id, WORKDAYS)
    with app.app_context():
        route_everything_to(team, "Alles naar Waterweg")
        db.session.commit()
    return person


def test_booking_assigns_the_lead_plans_the_meeting_and_queues_the_confirmation(app, factory, weekly_hours,
                                                                                offered_lead):
    team = factory.team("Waterweg")
    anna = factory.user("advisor", name="Anna Smit", team_id=team, email="anna@crm.example")
    weekly_hours(anna.id, WORKDAYS)
    offered = offered_lead()  # no routing rule yet: the lead waits
    with app.app_context():
        route_everything_to(team, "Alles naar Waterweg")  # from now on routing would choose Anna
        offer = bookings.offer_for(offered.token)
        assert offer.lead.owner_id is None
        [first, *_] = bookings.offered_slots(offer, "phone")

        booked = bookings.book(offer, BookingInput(first.starts_at, "phone", phone="010 123 45 67"), manage_link=link)
        db.session.commit()

        lead = db.session.get(Lead, offered.lead_id)
        meeting = booked.booking.meeting
        assert lead.owner_id == anna.id and lead.employer.account_manager_id == anna.id
        assert (meeting.kind, meeting.place_kind, meeting.place, meeting.organiser_id) == (
            "adviesgesprek", "phone", "+31101234567", anna.id)
        assert meeting.starts_at == first.starts_at and [a.contact_id for a in meeting.attendees] == [lead.contact_id]
        assert len(db.session.scalars(select(SlotClaim)).all()) == 4  # 45 minutes and 15 minutes buffer
        assert booked.booking.reference.startswith("AG-") and len(booked.booking.reference) == 9
        confirmation = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "booking_confirmation"))
        assert confirmation.recipients == [lead.contact.email]
        assert booked.booking.reference in confirmation.text and link(booked.manage_token) in confirmation.text
        assert "Anna Smit" in confirmation.html and "010 123 45 67" in confirmation.text  # the Werkcentrum's number
        event = Calendar.from_ical(confirmation.attachments[0].content).walk("VEVENT")[0]
        assert str(event["UID"]) == meeting.uid
        to_anna = {m.kind for m in db.session.scalars(select(OutboxMessage)) if m.recipients == ["anna@crm.example"]}
        assert to_anna == {"meeting_invitation", "lead_assigned"}


def test_a_time_booked_meanwhile_is_refused_and_other_times_are_offered(app, anna, offered_lead):
    first_employer, second_employer = offered_lead("Bakkerij Jansen"), offered_lead("Bouwbedrijf Maas")
    with app.app_context():
        [slot, *_] = bookings.offered_slots(bookings.offer_for(first_employer.token), "video")
        bookings.book(bookings.offer_for(first_employer.token), BookingInput(slot.starts_at, "video"), manage_link=link)
        db.session.commit()
        before = counts(ROWS)

        with pytest.raises(SlotTaken, match="net geboekt"):
            bookings.book(bookings.offer_for(second_employer.token), BookingInput(slot.starts_at, "video"),
                          manage_link=link)
        db.session.rollback()

        assert counts(ROWS) == before
        still_free = bookings.offered_slots(bookings.offer_for(second_employer.token), "video")
        assert still_free and slot.starts_at not in [s.starts_at for s in still_free]


def test_an_offer_books_once_and_bad_input_stores_nothing(app, anna, offered_lead):
    offered = offered_lead()
    with app.app_context():
        offer = bookings.offer_for(offered.token)
        [slot, *_] = bookings.offered_slots(offer, "address")
        before = counts(ROWS)
        with pytest.raises(bookings.ValidationError) as refused:
            bookings.book(offer, BookingInput(None, "address", address=" "), manage_link=link)
        assert set(refused.value.fields) == {"starts_at", "address"}
        db.session.rollback()
        assert counts(ROWS) == before and before["bookings"] == 0

        bookings.book(bookings.offer_for(offered.token), BookingInput(slot.starts_at, "address",
                      address="Havenweg 12, Schiedam"), manage_link=link)
        db.session.commit()
        with pytest.raises(bookings.Conflict, match="al een adviesgesprek geboekt"):
            bookings.book(bookings.offer_for(offered.token), BookingInput(slot.starts_at + timedelta(days=1),
                          "address", address="Havenweg 12"), manage_link=link)


def test_the_link_works_until_the_meeting_has_ended(app, anna, offered_lead):
    offered = offered_lead()
    with app.app_context():
        offer = bookings.offer_for(offered.token)
        [slot, *_] = bookings.offered_slots(offer, "phone")
        booked = bookings.book(offer, BookingInput(slot.starts_at, "phone", phone="06 12345678"), manage_link=link)
        db.session.commit()

        assert bookings.booking_for(booked.manage_token, now=slot.ends_at - timedelta(minutes=1)) is not None
        assert bookings.booking_for(booked.manage_token, now=slot.ends_at) is None
        assert bookings.booking_for("onbekend-" + booked.manage_token[9:]) is None


def test_moving_keeps_the_uid_raises_the_sequence_and_frees_the_old_time(app, anna, offered_lead):
    offered, other = offered_lead("Bakkerij Jansen"), offered_lead("Bouwbedrijf Maas")
    with app.app_context():
        [first, second, *_] = bookings.offered_slots(bookings.offer_for(offered.token), "phone")
        booked = bookings.book(bookings.offer_for(offered.token), BookingInput(first.starts_at, "phone",
                               phone="06 12345678"), manage_link=link)
        db.session.commit()
        uid = booked.booking.meeting.uid
        later = [s for s in bookings.slots_for_move(booked.booking) if s.starts_at >= second.starts_at + timedelta(
            hours=1)][0]

        bookings.move_booking(bookings.booking_for(booked.manage_token), later.starts_at)
        db.session.commit()

        meeting = db.session.get(Meeting, booked.booking.meeting_id)
        assert (meeting.uid, meeting.sequence, meeting.starts_at) == (uid, 1, later.starts_at)
        updates = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "meeting_update")).all()
        assert sorted(r for m in updates for r in m.recipients) == ["anna@crm.example", "info@werkgever-1.example"]
        assert first.starts_at in [s.starts_at for s in bookings.offered_slots(bookings.offer_for(other.token),
                                                                                "phone")]


def test_cancelling_sends_a_cancel_and_frees_the_time(app, anna, offered_lead):
    offered = offered_lead()
    with app.app_context():
        [slot, *_] = bookings.offered_slots(bookings.offer_for(offered.token), "video")
        booked = bookings.book(bookings.offer_for(offered.token), BookingInput(slot.starts_at, "video"),
                               manage_link=link)
        db.session.commit()

        bookings.cancel_booking(bookings.booking_for(booked.manage_token))
        db.session.commit()

        meeting = db.session.get(Meeting, booked.booking.meeting_id)
        assert meeting.status == "cancelled" and meeting.sequence == 1
        cancels = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "meeting_cancellation")).all()
        assert len(cancels) == 2 and db.session.scalars(select(SlotClaim)).all() == []
        with pytest.raises(bookings.Conflict):
            bookings.cancel_booking(bookings.booking_for(booked.manage_token))


def test_call_me_back_is_a_next_action_for_the_owner(app, anna, offered_lead):
    offered = offered_lead()
    with app.app_context():
        assert db.session.get(Lead, offered.lead_id).owner_id == anna.id  # routed at intake

        bookings.request_callback(bookings.offer_for(offered.token), "middag")
        db.session.commit()

        action = db.session.scalars(select(Activity).where(Activity.lead_id == offered.lead_id)).one()
        assert action.actor_id == anna.id and action.next_action_status == "open"
        assert action.next_action == "Werkgever terugbellen (middag)" and "middag" in action.outcome
        assert action.next_action_due is not None


def test_call_me_back_on_a_waiting_lead_is_kept_on_the_lead_for_whoever_takes_it(app, offered_lead):
    offered = offered_lead()
    with app.app_context():
        offer = bookings.offer_for(offered.token)
        assert offer.lead.owner_id is None and bookings.offered_slots(offer, "phone") == []

        with pytest.raises(bookings.ValidationError):
            bookings.request_callback(offer, "avond")
        bookings.request_callback(offer, "ochtend")
        db.session.commit()

        action = db.session.scalars(select(Activity).where(Activity.lead_id == offered.lead_id)).one()
        assert action.actor_id is None and action.next_action == "Werkgever terugbellen (ochtend)"
        assert bookings.offer_for(offered.token).callback_part == "ochtend"
