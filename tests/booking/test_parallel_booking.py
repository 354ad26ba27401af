"""100 employers book at once, ten of them each of the same ten times of one advisor, on PostgreSQL: exactly ten
bookings are made, every other one is told in Dutch that the time was just booked and is offered other times, and
the advisor has no two meetings at once."""
from __future__ import annotations

import os
import threading
from datetime import time

import pytest
from sqlalchemy import select

from campaign_crm.extensions import db
from campaign_crm.models.booking import Booking
from campaign_crm.models.meetings import Meeting
from campaign_crm.services.booking import bookings, slots
from campaign_crm.services.booking.bookings import BookingInput, SlotTaken

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                       reason="parallel writers need PostgreSQL (SQLite serialises them)"),
]

EMPLOYERS = 100
TIMES = 10


def test_a_hundred_employers_booking_ten_times_at_once_get_ten_bookings(app, factory, weekly_hours, offered_lead):
    anna = factory.user("advisor", name="Anna Smit", email="anna@crm.example", capacity=200)
    weekly_hours(anna.id, {weekday: [(time(9), time(12))] for weekday in range(5)})
    offers = [offered_lead(f"Werkgever {n:03d}", owner_id=anna.id) for n in range(EMPLOYERS)]
    with app.app_context():
        on_the_hour = [s.starts_at for s in bookings.offered_slots(bookings.offer_for(offers[0].token), "video")
                       if s.local_start.minute == 0]
    wanted = on_the_hour[:TIMES]  # an hour apart: 45 minutes and the buffer never overlap the next one
    barrier = threading.Barrier(EMPLOYERS)
    outcomes: list = [None] * EMPLOYERS

    def book(n: int) -> None:
        barrier.wait()  # then each takes a connection of its own (those beyond the pool's wait for one)
        with app.app_context():
            offer = bookings.offer_for(offers[n].token)
            try:
                bookings.book(offer, BookingInput(wanted[n % TIMES], "video"), manage_link=lambda raw: raw)
                db.session.commit()
                outcomes[n] = "booked"
            except SlotTaken as exc:
                db.session.rollback()
                others = bookings.offered_slots(bookings.offer_for(offers[n].token), "video")
                outcomes[n] = (exc.message, others, wanted[n % TIMES])
            finally:
                db.session.remove()

    threads = [threading.Thread(target=book, args=(n,)) for n in range(EMPLOYERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert outcomes.count("booked") == TIMES
    refused = [outcome for outcome in outcomes if outcome != "booked"]
    assert len(refused) == EMPLOYERS - TIMES
    for message, others, asked in refused:
        assert "dit tijdstip is net geboekt" in message.lower()
        assert others and asked not in {s.starts_at for s in others}  # other times, without the one just booked
    with app.app_context():
        meetings = db.session.scalars(select(Meeting).where(Meeting.organiser_id == anna.id)
                                      .order_by(Meeting.starts_at)).all()
        assert sorted(m.starts_at for m in meetings) == sorted(wanted)
        buffer = slots.meeting_type("video").buffer
        assert all(later.starts_at >= earlier.ends_at + buffer for earlier, later in zip(meetings, meetings[1:],
                                                                                          strict=False))
        assert len(db.session.scalars(select(Booking)).all()) == TIMES
