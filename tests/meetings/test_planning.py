"""Planning, moving, cancelling and recording a meeting: the rules, the Dutch reasons for a refusal, the audit
trail, and a held adviesgesprek moving the lead to Adviesgesprek."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from campaign_crm.extensions import db
from campaign_crm.models import Activity, AuditEvent, Lead, User
from campaign_crm.models.meetings import Meeting, MeetingAttendee
from campaign_crm.services.errors import Conflict, ValidationError
from campaign_crm.services.meetings import records as meetings
from tests.helpers import count, login


def _lead_and_owner(lead_id: int, desk) -> tuple[Lead, User]:
    return db.session.get(Lead, lead_id), db.session.get(User, desk.owner.id)


# --- planning ----------------------------------------------------------------------------------------------------

def test_a_planned_meeting_keeps_its_time_place_attendees_and_organiser(app, desk, make_lead, plan, moments):
    lead_id = make_lead()
    meeting_id = plan(lead_id, kind="bedrijfsbezoek", note="Rondleiding door de bakkerij")

    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        day = moments.day(12)
        assert (meeting.kind, meeting.status, meeting.sequence) == ("bedrijfsbezoek", "planned", 0)
        assert meeting.starts_at == moments.at(day, 10) and meeting.starts_at.tzinfo is not None
        assert (meeting.place_kind, meeting.place, meeting.note) == (
            "address", "Coolsingel 40, Rotterdam", "Rondleiding door de bakkerij")
        assert meeting.organiser_id == desk.owner.id
        assert [(a.name, a.email) for a in meeting.attendees] == [("Jan Jansen", "jan@bakkerij-jansen.example")]
        assert meeting.uid.endswith("@campaign-crm.localhost") and len(meeting.uid) > 36
        entry = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "meeting_planned"))
        assert (entry.actor_id, entry.object_id, entry.detail["lead_id"]) == (desk.owner.id, meeting_id, lead_id)


def test_the_uid_carries_the_host_of_the_public_address(app, desk, make_lead, plan, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://werkgevers.example.nl")
    meeting_id = plan(make_lead())
    with app.app_context():
        assert db.session.get(Meeting, meeting_id).uid.endswith("@werkgevers.example.nl")


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"kind": "lunch"}, "kind", "Kies een soort afspraak uit de lijst."),
    ({"starts_at": None}, "starts_at", "Vul de datum en begintijd in."),
    ({"ends_at": None}, "ends_at", "Vul de eindtijd in."),
    ({"place_kind": "garden"}, "place_kind", "Kies of de afspraak op een adres, telefonisch of via een videolink is."),
    ({"place": "  "}, "place", "Vul het adres in, bijvoorbeeld Coolsingel 40, Rotterdam."),
    ({"place_kind": "phone", "place": "12345"}, "place",
     "Geen geldig telefoonnummer; gebruik bijvoorbeeld 010-1234567 of 06 12345678."),
    ({"place_kind": "video", "place": "teams.microsoft.com/l/meetup"}, "place",
     "Geen geldige videolink; een link begint met https:// en heeft geen spaties."),
    ({"place_kind": "video", "place": "http://meet.example.nl/abc"}, "place",
     "Geen geldige videolink; een link begint met https:// en heeft geen spaties."),
    ({"place_kind": "video", "place": "https://meet example.nl"}, "place",
     "Geen geldige videolink; een link begint met https:// en heeft geen spaties."),
    ({"place_kind": "video", "place": "javascript:alert(1)"}, "place",
     "Geen geldige videolink; een link begint met https:// en heeft geen spaties."),
    ({"note": "Kandidaat met BSN 111222333"}, "note", None),
])
def test_a_meeting_with_a_wrong_field_is_refused_with_a_dutch_reason_and_nothing_stored(
        app, desk, make_lead, meeting_input, overrides, field, message):
    lead_id = make_lead()
    with app.app_context():
        lead, owner = _lead_and_owner(lead_id, desk)
        with pytest.raises(ValidationError) as refused:
            meetings.plan_meeting(lead, meeting_input(**overrides), organiser=owner)
        db.session.rollback()
        assert refused.value.message == "De afspraak is niet gepland; controleer de gemarkeerde velden."
        assert field in refused.value.fields
        if message:
            assert refused.value.fields[field] == message
        assert count(Meeting) == 0


def test_a_meeting_cannot_start_in_the_past_or_end_before_it_starts(app, desk, make_lead, meeting_input, moments):
    lead_id = make_lead()
    now = datetime.now(UTC)
    with app.app_context():
        lead, owner = _lead_and_owner(lead_id, desk)
        problems = meetings.plan_problems(lead, meeting_input(starts_at=now - timedelta(hours=1), ends_at=now),
                                          organiser=owner)
        assert problems == {"starts_at": "Ligt in het verleden; een afspraak plant u vanaf nu."}
        day = moments.day(12)
        problems = meetings.plan_problems(lead, meeting_input(starts_at=moments.at(day, 11),
                                                              ends_at=moments.at(day, 10)), organiser=owner)
        assert problems == {"ends_at": "Moet na de begintijd liggen."}
        problems = meetings.plan_problems(lead, meeting_input(starts_at=moments.at(day, 8),
                                                              ends_at=moments.at(day, 21)), organiser=owner)
        assert problems == {"ends_at": "Een afspraak duurt hoogstens 12 uur."}


def test_a_phone_number_is_stored_in_international_form_and_a_video_link_as_given(
        app, desk, make_lead, plan):
    lead_id = make_lead()
    by_phone = plan(lead_id, kind="telefoongesprek", place_kind="phone", place="010-1234567")
    by_video = plan(lead_id, kind="videogesprek", place_kind="video",
                    place="https://teams.microsoft.com/l/meetup-join/19%3ameeting_abc")
    with app.app_context():
        assert db.session.get(Meeting, by_phone).place == "+31101234567"
        assert db.session.get(Meeting, by_video).place == "https://teams.microsoft.com/l/meetup-join/19%3ameeting_abc"


def test_only_contacts_of_the_employer_and_colleagues_from_the_list_can_be_invited(
        app, desk, make_lead, meeting_input):
    ours, theirs = make_lead("Bakkerij Jansen"), make_lead("Garage Pietersen")
    with app.app_context():
        lead, owner = _lead_and_owner(ours, desk)
        other_contact = db.session.get(Lead, theirs).contact_id
        problems = meetings.plan_problems(lead, meeting_input(contact_ids=(other_contact,)), organiser=owner)
        assert problems == {"contact_ids": "Kies alleen contactpersonen van deze werkgever."}
        problems = meetings.plan_problems(lead, meeting_input(colleague_ids=(desk.stranger.id,)), organiser=owner)
        assert problems == {"colleague_ids": "Kies alleen collega's uit de lijst."}
        assert {u.id for u in meetings.colleague_choices(lead, owner)} == {desk.mate.id, desk.boss.id}


def test_a_colleague_attends_and_the_organiser_is_not_invited_twice(app, desk, make_lead, plan):
    meeting_id = plan(make_lead(), colleague_ids=(desk.mate.id, desk.owner.id, desk.mate.id))
    with app.app_context():
        rows = db.session.scalars(select(MeetingAttendee).where(MeetingAttendee.meeting_id == meeting_id)).all()
        assert sorted((r.contact_id is not None, r.user_id) for r in rows) == [(False, desk.mate.id), (True, None)]


def test_no_meeting_is_planned_on_a_lost_lead(app, desk, make_lead, meeting_input):
    lead_id = make_lead(stage="lost")
    with app.app_context():
        lead, owner = _lead_and_owner(lead_id, desk)
        assert not meetings.may_plan(owner, lead)
        with pytest.raises(Conflict, match="vervallen"):
            meetings.plan_meeting(lead, meeting_input(), organiser=owner)


# --- moving and cancelling ------------------------------------------------------------------------------------------

def test_moving_keeps_the_uid_raises_the_sequence_and_audits_what_moved(app, desk, make_lead, plan, moments):
    meeting_id = plan(make_lead())
    day = moments.day(6)
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        uid = meeting.uid
        meetings.move_meeting(meeting, meetings.MoveInput(moments.at(day, 14), moments.at(day, 15), "video",
                                                          "https://meet.example.nl/abc"),
                              actor=db.session.get(User, desk.owner.id))
        db.session.commit()
        meeting = db.session.get(Meeting, meeting_id)
        assert (meeting.uid, meeting.sequence, meeting.status) == (uid, 1, "planned")
        assert (meeting.starts_at, meeting.place_kind) == (moments.at(day, 14), "video")
        entry = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "meeting_moved"))
        assert entry.detail["fields"] == ["starts_at", "ends_at", "place_kind", "place"]
        assert "https://meet.example.nl/abc" not in str(entry.detail)  # the place itself stays out of the trail


def test_a_move_to_the_same_time_and_place_is_refused(app, desk, make_lead, plan, moments):
    meeting_id = plan(make_lead())
    day = moments.day(12)
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        with pytest.raises(ValidationError, match="niet veranderd"):
            meetings.move_meeting(meeting, meetings.MoveInput(moments.at(day, 10), moments.at(day, 11), "address",
                                                              "Coolsingel  40, Rotterdam"),
                                  actor=db.session.get(User, desk.owner.id))


def test_a_cancelled_meeting_cannot_be_moved_cancelled_or_recorded_again(app, desk, make_lead, plan, moments):
    meeting_id = plan(make_lead())
    with app.app_context():
        owner = db.session.get(User, desk.owner.id)
        meeting = db.session.get(Meeting, meeting_id)
        meetings.cancel_meeting(meeting, actor=owner)
        db.session.commit()
        assert (meeting.status, meeting.sequence) == ("cancelled", 1)
        day = moments.day(6)
        with pytest.raises(Conflict, match="Deze afspraak is geannuleerd"):
            meetings.move_meeting(meeting, meetings.MoveInput(moments.at(day, 9), moments.at(day, 10), "address",
                                                              "Elders 1"), actor=owner)
        with pytest.raises(Conflict):
            meetings.cancel_meeting(meeting, actor=owner)
        with pytest.raises(Conflict):
            meetings.record_held(meeting, "Gesproken", actor=owner)


# --- held --------------------------------------------------------------------------------------------------------

def _started(meeting_id: int, hours_ago: float = 2) -> None:
    """Let a planned meeting lie in the past, as if its time had come (planning one in the past is refused)."""
    start = datetime.now(UTC) - timedelta(hours=hours_ago)
    db.session.execute(update(Meeting).where(Meeting.id == meeting_id)
                       .values(starts_at=start, ends_at=start + timedelta(hours=1)))
    db.session.commit()


def test_a_held_adviesgesprek_moves_the_lead_to_adviesgesprek_and_shows_on_its_timeline(app, desk, make_lead, plan):
    lead_id = make_lead(stage="contacted")
    meeting_id = plan(lead_id)
    with app.app_context():
        _started(meeting_id)
        meeting = db.session.get(Meeting, meeting_id)
        held = meetings.record_held(meeting, "Twee vacatures besproken", actor=db.session.get(User, desk.owner.id))
        db.session.commit()
        lead = db.session.get(Lead, lead_id)
        assert lead.stage == "meeting" and lead.meeting_at == meeting.starts_at
        assert (meeting.status, meeting.outcome, meeting.sequence) == ("held", "Twee vacatures besproken", 1)
        activity = db.session.scalar(select(Activity).where(Activity.lead_id == lead_id))
        assert (activity.kind, activity.outcome, activity.occurred_at) == (
            "adviesgesprek", "Twee vacatures besproken", meeting.starts_at)
        assert held.stage_event is not None and held.stage_event.to_stage == "meeting"
        assert db.session.scalar(select(AuditEvent.detail).where(AuditEvent.action == "meeting_held"))["moved_lead"]


def test_a_held_company_visit_is_logged_as_a_visit_and_leaves_the_stage(app, desk, make_lead, plan):
    lead_id = make_lead(stage="contacted")
    meeting_id = plan(lead_id, kind="bedrijfsbezoek")
    with app.app_context():
        _started(meeting_id)
        held = meetings.record_held(db.session.get(Meeting, meeting_id), "Werkplaats bekeken",
                                    actor=db.session.get(User, desk.owner.id))
        db.session.commit()
        assert held.stage_event is None and held.activity.kind == "visit"
        assert db.session.get(Lead, lead_id).stage == "contacted"


def test_a_held_adviesgesprek_leaves_a_lead_beyond_that_stage_where_it_is(app, desk, make_lead, plan):
    lead_id = make_lead(stage="vacancy")
    meeting_id = plan(lead_id)
    with app.app_context():
        _started(meeting_id)
        held = meetings.record_held(db.session.get(Meeting, meeting_id), "Vervolg besproken",
                                    actor=db.session.get(User, desk.owner.id))
        db.session.commit()
        assert held.stage_event is None
        assert db.session.get(Lead, lead_id).stage == "vacancy"


def test_a_harrie_training_after_a_placement_is_recorded_without_touching_the_closed_lead(
        app, desk, make_lead, plan):
    lead_id = make_lead(stage="placed")
    meeting_id = plan(lead_id, kind="harrie_training")
    with app.app_context():
        _started(meeting_id)
        held = meetings.record_held(db.session.get(Meeting, meeting_id), "Leidinggevende getraind",
                                    actor=db.session.get(User, desk.owner.id))
        db.session.commit()
        assert (held.activity, held.stage_event) == (None, None)
        assert db.session.get(Meeting, meeting_id).status == "held"
        assert db.session.get(Lead, lead_id).stage == "placed" and count(Activity) == 0


def test_a_meeting_is_recorded_as_held_only_after_it_began_and_with_an_outcome(app, desk, make_lead, plan):
    meeting_id = plan(make_lead())
    with app.app_context():
        owner = db.session.get(User, desk.owner.id)
        meeting = db.session.get(Meeting, meeting_id)
        with pytest.raises(Conflict, match="nog niet begonnen"):
            meetings.record_held(meeting, "Gesproken", actor=owner)
        db.session.rollback()
        _started(meeting_id)
        with pytest.raises(ValidationError) as refused:
            meetings.record_held(db.session.get(Meeting, meeting_id), "  ", actor=owner)
        assert refused.value.fields == {"outcome": "Beschrijf wat er is besproken of afgesproken."}
        with pytest.raises(ValidationError) as refused:
            meetings.record_held(db.session.get(Meeting, meeting_id), "BSN 111222333", actor=owner)
        assert "outcome" in refused.value.fields
        db.session.rollback()
        assert db.session.get(Meeting, meeting_id).status == "planned" and count(Activity) == 0


# --- through the pages ---------------------------------------------------------------------------------------------

def _form(moments, **overrides) -> dict:
    day = moments.day(12)
    return {"meeting-kind": "adviesgesprek", "meeting-day": day.isoformat(), "meeting-start_time": "10:00",
            "meeting-end_time": "11:00", "meeting-place_kind": "address", "meeting-place": "Coolsingel 40, Rotterdam",
            **overrides}


def test_an_advisor_plans_a_meeting_from_the_lead_in_dutch_local_time(app, client, desk, make_lead, moments):
    lead_id = make_lead()
    login(client, desk.owner)
    page = client.get(f"/leads/{lead_id}/afspraken/nieuw")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Afspraak plannen met Bakkerij Jansen" in html and "novalidate" in html
    with app.app_context():
        contact_id = db.session.get(Lead, lead_id).contact_id
    response = client.post(f"/leads/{lead_id}/afspraken/nieuw",
                           data=_form(moments, **{"meeting-contact_ids": str(contact_id)}))

    assert response.status_code == 302
    with app.app_context():
        meeting = db.session.scalar(select(Meeting))
        assert response.headers["Location"] == f"/afspraken/{meeting.id}"
        assert meeting.starts_at == moments.at(moments.day(12), 10)
        assert meeting.starts_at.astimezone(UTC).hour == 9  # 10:00 in winter is 09:00 UTC
        assert [a.contact_id for a in meeting.attendees] == [contact_id]
    shown = client.get(f"/afspraken/{meeting.id}").get_data(as_text=True)
    assert "Adviesgesprek gepland; de uitnodiging gaat naar u en 1 deelnemer." in shown
    assert "om 10:00 tot 11:00" in shown


def test_the_plan_form_reports_every_problem_at_once_in_dutch(app, client, desk, make_lead, moments):
    lead_id = make_lead()
    login(client, desk.owner)
    response = client.post(f"/leads/{lead_id}/afspraken/nieuw", data=_form(
        moments, **{"meeting-day": "", "meeting-end_time": "", "meeting-place_kind": "video",
                    "meeting-place": "www.example.nl"}))

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Controleer het formulier" in html
    for message in ("Vul de datum in.", "Vul de eindtijd in.",
                    "Geen geldige videolink; een link begint met https:// en heeft geen spaties."):
        assert message in html
    assert 'href="#meeting-day"' in html and 'aria-describedby="meeting-day-hint meeting-day-error"' in html
    with app.app_context():
        assert count(Meeting) == 0


def test_a_meeting_is_moved_cancelled_and_recorded_through_its_page(app, client, desk, make_lead, plan, moments):
    lead_id = make_lead(stage="contacted")
    first, second = plan(lead_id), plan(lead_id, kind="telefoongesprek", place_kind="phone", place="0612345678")
    login(client, desk.owner)
    day = moments.day(6)
    moved = client.post(f"/afspraken/{first}/verplaatsen", data={
        "move-day": day.isoformat(), "move-start_time": "09:30", "move-end_time": "10:30",
        "move-place_kind": "address", "move-place": "Stationsplein 1, Schiedam"})
    assert moved.status_code == 302
    assert client.post(f"/afspraken/{second}/annuleren").status_code == 302
    with app.app_context():
        assert db.session.get(Meeting, first).starts_at == moments.at(day, 9, 30)
        assert db.session.get(Meeting, second).status == "cancelled"
        _started(first)
    held = client.post(f"/afspraken/{first}/gehouden", data={"held-outcome": "Adviesgesprek gevoerd"},
                       follow_redirects=True)
    assert "Adviesgesprek vastgelegd als gehouden. De lead staat nu op Adviesgesprek." in held.get_data(as_text=True)


def test_a_move_into_the_past_comes_back_with_the_reason_on_the_field(app, client, desk, make_lead, plan):
    meeting_id = plan(make_lead())
    login(client, desk.owner)
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date()
    response = client.post(f"/afspraken/{meeting_id}/verplaatsen", data={
        "move-day": yesterday.isoformat(), "move-start_time": "09:30", "move-end_time": "10:30",
        "move-place_kind": "address", "move-place": "Stationsplein 1, Schiedam"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="move-start_time-error"' in html and "Ligt in het verleden; een afspraak plant u vanaf nu." in html
    with app.app_context():
        assert db.session.get(Meeting, meeting_id).sequence == 0
