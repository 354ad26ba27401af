"""A meeting's free text is personal data: the retention purge clears place, note and outcome of meetings on leads
closed longer ago than the retention period, and erasing a contact takes their name and number out of them."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from campaign_crm.extensions import db
from campaign_crm.models import Contact, Lead, Meeting, User
from campaign_crm.services.leads import lifecycle
from campaign_crm.services.privacy import retention, rights


def test_the_purge_clears_the_free_text_of_meetings_on_leads_closed_long_ago_only(app, desk, make_lead, plan):
    old, recent = make_lead("Oud BV"), make_lead("Nieuw BV")
    old_meeting = plan(old, note="Vraag naar Jan, achteringang", with_contact=False)
    recent_meeting = plan(recent, note="Parkeren bij de poort", with_contact=False)
    with app.app_context():
        for lead_id in (old, recent):
            lifecycle.change_stage(db.session.get(Lead, lead_id), "lost", actor=None, lost_reason="not_interested")
        db.session.commit()
        # Three years on, both leads closed long ago by now, and the meetings over.
        later = datetime.now(UTC) + timedelta(days=3 * 365)
        db.session.get(Lead, recent).lost_at = later - timedelta(days=30)  # closed a month before "now"
        db.session.commit()

        lines = retention.purge_personal_data(now=later)
        db.session.commit()

        line = next(line for line in lines if line.label.startswith("Plaats, toelichting en verslag van afspraken"))
        assert line.rows == 1
        cleared, kept = db.session.get(Meeting, old_meeting), db.session.get(Meeting, recent_meeting)
        assert (cleared.place, cleared.note, cleared.outcome) == ("", "", "")
        assert kept.note == "Parkeren bij de poort" and kept.place != ""


def test_erasing_a_contact_takes_their_name_and_number_out_of_the_meetings_on_their_leads(app, desk, make_lead,
                                                                                            plan):
    lead_id = make_lead()
    meeting_id = plan(lead_id, place_kind="phone", place="06 12345678", note="Jan Jansen belt zelf terug",
                      with_contact=False)
    with app.app_context():
        lead = db.session.get(Lead, lead_id)
        contact = db.session.get(Contact, lead.contact_id)
        contact.phone = db.session.get(Meeting, meeting_id).place  # the number the meeting is held on is theirs
        db.session.commit()

        rights.erase_contact(contact, actor=db.session.get(User, desk.owner.id))
        db.session.commit()

        meeting = db.session.get(Meeting, meeting_id)
        assert "Jan" not in meeting.note and "Jansen" not in meeting.note and "belt zelf terug" in meeting.note
        assert "12345678" not in meeting.place
