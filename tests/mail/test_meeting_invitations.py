"""A meeting invitation end to end: planned through the service, sent by the outbox to a real SMTP server, and
received with a Dutch text, an HTML alternative and an .ics attachment that a calendar reads as METHOD:REQUEST."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from icalendar import Calendar

from campaign_crm.extensions import db
from campaign_crm.models import User
from campaign_crm.services.calendar import AMSTERDAM
from campaign_crm.services.mail import outbox
from campaign_crm.services.meetings import records as meetings
from tests.helpers import intake_lead


def test_an_invitation_arrives_with_its_ics_as_a_calendar_request(app, smtp_server, factory, campaign):
    advisor = factory.user("advisor", name="Olga Eigenaar", email="olga@schiedam.example")
    day = datetime.now(AMSTERDAM).date() + timedelta(days=7)
    with app.app_context():
        lead = intake_lead("Bakkerij Jansen", "jan@bakkerij-jansen.example", contact_name="Jan Jansen",
                           owner_id=advisor.id)
        meeting = meetings.plan_meeting(lead, meetings.MeetingInput(
            kind="adviesgesprek", starts_at=datetime.combine(day, time(10), tzinfo=AMSTERDAM),
            ends_at=datetime.combine(day, time(11), tzinfo=AMSTERDAM), place_kind="address",
            place="Coolsingel 40, Rotterdam", contact_ids=(lead.contact_id,)),
            organiser=db.session.get(User, advisor.id))
        db.session.commit()
        uid = meeting.uid
        outbox.send_due(app.config)

    [received] = smtp_server.to("jan@bakkerij-jansen.example")
    assert received.subject.startswith("Uitnodiging: Adviesgesprek Bakkerij Jansen, ")
    assert "U bent uitgenodigd voor deze afspraak." in received.part("text/plain")
    assert "Coolsingel 40, Rotterdam" in received.part("text/html")
    [attachment] = list(received.message.iter_attachments())
    assert attachment.get_filename() == "uitnodiging.ics"
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_param("method") == "REQUEST"
    calendar = Calendar.from_ical(attachment.get_payload(decode=True))
    [event] = calendar.walk("VEVENT")
    assert calendar["METHOD"] == "REQUEST" and str(event["UID"]) == uid
    assert event["DTSTART"].dt.time() == time(10) and event["DTSTART"].dt.date() == day
    own_copy = [r for r in smtp_server.to("olga@schiedam.example") if r.subject.startswith("Uitnodiging")]
    assert len(own_copy) == 1 and "U heeft deze afspraak gepland." in own_copy[0].part("text/plain")
