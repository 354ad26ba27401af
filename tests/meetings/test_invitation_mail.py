"""Invitations by e-mail: planning queues one to each attendee with an address and to the organiser, with the
.ics attached; a move queues one update per attendee; a cancellation queues METHOD:CANCEL; all in Dutch."""
from __future__ import annotations

from icalendar import Calendar
from sqlalchemy import select

from campaign_crm.extensions import db
from campaign_crm.models import Contact, Lead, OutboxMessage, User
from campaign_crm.models.meetings import Meeting
from campaign_crm.services.meetings import records as meetings
from tests.helpers import login


def _messages() -> list[OutboxMessage]:
    """The meeting mails in the outbox (routing a lead queues a notice to its owner too)."""
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind.like("meeting%"))
                                   .order_by(OutboxMessage.id)))


def test_planning_queues_an_invitation_to_each_attendee_and_the_organiser_with_the_ics(
        app, desk, make_lead, plan):
    meeting_id = plan(make_lead(), colleague_ids=(desk.mate.id,))

    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        messages = _messages()
        assert sorted(m.recipients[0] for m in messages) == [
            "carl@schiedam.example", "jan@bakkerij-jansen.example", "olga@schiedam.example"]
        assert all(len(m.recipients) == 1 for m in messages)  # one message per person
        assert {m.kind for m in messages} == {"meeting_invitation"}
        assert {m.reference for m in messages} == {f"meeting:{meeting_id}"}
        assert {m.key for m in messages} == {f"meeting:{meeting_id}:0:organiser",
                                             f"meeting:{meeting_id}:0:contact-{meeting.attendees[0].contact_id}",
                                             f"meeting:{meeting_id}:0:user-{desk.mate.id}"}
        to_contact = next(m for m in messages if m.recipients == ["jan@bakkerij-jansen.example"])
        assert to_contact.subject.startswith("Uitnodiging: Adviesgesprek Bakkerij Jansen, ")
        assert to_contact.subject.endswith("om 10:00")
        assert "Beste Jan Jansen," in to_contact.text and "U bent uitgenodigd" in to_contact.text
        assert "Coolsingel 40, Rotterdam" in to_contact.text and "tot 11:00" in to_contact.text
        assert '<html lang="nl">' in to_contact.html and "Beste Jan Jansen," in to_contact.html
        [attachment] = to_contact.attachments
        assert (attachment.filename, attachment.content_type) == ("uitnodiging.ics", "text/calendar; method=REQUEST")
        calendar = Calendar.from_ical(attachment.content)
        assert calendar["METHOD"] == "REQUEST"
        assert str(calendar.walk("VEVENT")[0]["UID"]) == meeting.uid


def test_a_contact_without_an_email_address_attends_but_gets_no_mail(app, desk, make_lead, plan):
    lead_id = make_lead()
    with app.app_context():
        lead = db.session.get(Lead, lead_id)
        by_phone = Contact(employer_id=lead.employer_id, name="Piet Telefoon", phone="+31101234567")
        db.session.add(by_phone)
        db.session.commit()
        phone_contact = by_phone.id
    meeting_id = plan(lead_id, contact_ids=(phone_contact,))
    with app.app_context():
        assert [a.contact_id for a in db.session.get(Meeting, meeting_id).attendees] == [phone_contact]
        assert [m.recipients for m in _messages()] == [["olga@schiedam.example"]]


def test_a_move_queues_one_update_per_attendee_and_a_cancellation_says_cancel(app, desk, make_lead, plan, moments):
    meeting_id = plan(make_lead())
    day = moments.day(6)
    with app.app_context():
        owner = db.session.get(User, desk.owner.id)
        meetings.move_meeting(db.session.get(Meeting, meeting_id), meetings.MoveInput(
            moments.at(day, 9), moments.at(day, 10), "address", "Stationsplein 1, Schiedam"), actor=owner)
        db.session.commit()
        updates = [m for m in _messages() if m.kind == "meeting_update"]
        assert sorted(m.recipients[0] for m in updates) == ["jan@bakkerij-jansen.example", "olga@schiedam.example"]
        assert all(m.key.startswith(f"meeting:{meeting_id}:1:") for m in updates)
        assert all(m.subject.startswith("Gewijzigd: Adviesgesprek Bakkerij Jansen") for m in updates)
        assert "De afspraak is gewijzigd." in updates[0].text and "Stationsplein 1, Schiedam" in updates[0].text

        meetings.cancel_meeting(db.session.get(Meeting, meeting_id), actor=owner)
        db.session.commit()
        cancellations = [m for m in _messages() if m.kind == "meeting_cancellation"]
        assert len(cancellations) == 2 and len(_messages()) == 6
        [attachment] = cancellations[0].attachments
        assert (attachment.filename, attachment.content_type) == ("annulering.ics", "text/calendar; method=CANCEL")
        calendar = Calendar.from_ical(attachment.content)
        assert calendar["METHOD"] == "CANCEL"
        assert calendar.walk("VEVENT")[0]["SEQUENCE"] == 2
        assert "Deze afspraak gaat niet door." in cancellations[0].text


def test_recording_a_meeting_as_held_sends_nothing(app, desk, make_lead, plan):
    meeting_id = plan(make_lead())
    with app.app_context():
        before = len(_messages())
        meeting = db.session.get(Meeting, meeting_id)
        meeting.starts_at, meeting.ends_at = meeting.starts_at.replace(year=2020), meeting.ends_at.replace(year=2020)
        db.session.commit()
        meetings.record_held(meeting, "Gesproken", actor=db.session.get(User, desk.owner.id))
        db.session.commit()
        assert len(_messages()) == before


def test_a_refused_plan_queues_no_mail(app, client, desk, make_lead):
    lead_id = make_lead()
    login(client, desk.owner)
    client.post(f"/leads/{lead_id}/afspraken/nieuw", data={"meeting-kind": "adviesgesprek"})
    with app.app_context():
        assert _messages() == []
