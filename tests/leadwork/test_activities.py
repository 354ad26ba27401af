"""Logging activities on a lead (call, e-mail, visit, adviesgesprek, Harrie-training, note), with an
outcome and a next action; a BSN-like number is refused and nothing is stored; "my next actions"."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from campaign_crm.extensions import db
from campaign_crm.models import Activity, AuditEvent, Lead, LeadStageEvent, User
from campaign_crm.services.calendar import AMSTERDAM, today
from campaign_crm.services.errors import Conflict, ValidationError
from campaign_crm.services.leads import activities
from tests.helpers import count, login

BSN = "111222333"  # nine digits that pass the elfproef


def log(client, lead_id: int, **fields):
    data = {"activity-kind": "call", "activity-outcome": "Gebeld", **{f"activity-{k}": v for k, v in fields.items()}}
    return client.post(f"/leads/{lead_id}/activiteit", data=data)


def local(value: datetime) -> str:
    return value.astimezone(AMSTERDAM).strftime("%Y-%m-%dT%H:%M")


# --- logging ------------------------------------------------------------------------------------------

def test_a_logged_call_keeps_its_outcome_next_action_and_who_logged_it(app, client, desk, make_lead):
    lead_id = make_lead()
    login(client, desk.owner)
    due = today() + timedelta(days=3)

    response = log(client, lead_id, kind="call", outcome="Eigenaar wil een adviesgesprek",
                   next_action="Afspraak inplannen", next_action_due=due.isoformat())

    assert response.status_code == 302 and response.headers["Location"] == f"/leads/{lead_id}"
    with app.app_context():
        activity = db.session.scalar(select(Activity))
        assert (activity.lead_id, activity.kind, activity.outcome) == (
            lead_id, "call", "Eigenaar wil een adviesgesprek")
        assert (activity.next_action, activity.next_action_due, activity.actor_id) == (
            "Afspraak inplannen", due, desk.owner.id)
        assert datetime.now(UTC) - activity.occurred_at < timedelta(minutes=1)  # left empty: now
        assert db.session.get(Lead, lead_id).stage == "assigned"  # a call alone moves nothing
        audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "activity_logged"))
        assert (audit.actor_id, audit.object_id, audit.detail) == (
            desk.owner.id, activity.id, {"lead_id": lead_id, "kind": "call"})
    html = client.get(f"/leads/{lead_id}").get_data(as_text=True)
    assert "Telefoongesprek vastgelegd." in html
    assert "Afspraak inplannen, uiterlijk" in html  # the lead's next action, in its progress


def test_a_time_typed_in_the_form_is_dutch_local_time(app, client, desk, make_lead):
    lead_id = make_lead(hours_ago=48)
    login(client, desk.owner)
    when = datetime.now(AMSTERDAM).replace(second=0, microsecond=0) - timedelta(days=1)
    log(client, lead_id, kind="visit", outcome="Rondleiding in de werkplaats", occurred_at=local(when))
    with app.app_context():
        assert db.session.scalar(select(Activity.occurred_at)) == when.astimezone(UTC)


@pytest.mark.parametrize("kind", ["call", "email", "visit", "adviesgesprek", "harrie", "note"])
def test_every_kind_of_activity_can_be_logged(app, client, desk, make_lead, kind):
    lead_id = make_lead()
    login(client, desk.owner)
    assert log(client, lead_id, kind=kind, outcome=f"Gedaan: {kind}").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Activity.kind)) == kind


@pytest.mark.parametrize("field", ["outcome", "next_action"])
def test_a_bsn_in_the_outcome_or_next_action_is_refused_and_nothing_is_stored(app, client, desk, make_lead, field):
    lead_id = make_lead()
    login(client, desk.owner)
    fields = {"kind": "adviesgesprek", "outcome": "Gesprek gevoerd", "next_action": "Kandidaat voorstellen",
              "next_action_due": (today() + timedelta(days=2)).isoformat()}
    fields[field] = f"Kandidaat met BSN {BSN[:3]} {BSN[3:6]} {BSN[6:]} voorstellen"

    response = log(client, lead_id, **fields)

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Bevat een BSN-achtig nummer" in html
    assert f'id="activity-{field}"' in html and 'aria-invalid="true"' in html
    with app.app_context():
        assert count(Activity) == 0
        assert count(AuditEvent, AuditEvent.action == "activity_logged") == 0
        assert count(LeadStageEvent, LeadStageEvent.to_stage == "meeting") == 0
        assert db.session.get(Lead, lead_id).stage == "assigned"  # the adviesgesprek did not move it either


def test_a_refused_activity_says_what_is_wrong_with_each_field(app, client, desk, make_lead):
    lead_id = make_lead()
    login(client, desk.owner)
    future = datetime.now(AMSTERDAM) + timedelta(hours=3)
    html = log(client, lead_id, outcome="Gebeld", occurred_at=local(future),
               next_action="Terugbellen").get_data(as_text=True)
    assert "Mag niet in de toekomst liggen" in html
    assert "Geef aan wanneer de volgende actie moet gebeuren." in html
    yesterday = (today() - timedelta(days=1)).isoformat()
    html = log(client, lead_id, outcome="", next_action_due=yesterday).get_data(as_text=True)
    assert "Beschrijf wat er is gebeurd of afgesproken." in html
    html = log(client, lead_id, next_action="Bellen", next_action_due="morgen").get_data(as_text=True)
    assert "Ongeldige datum" in html  # WTForms' own message, in Dutch
    with app.app_context():
        assert count(Activity) == 0


def test_a_next_action_date_in_the_past_or_without_an_action_is_refused(ctx, app, desk, make_lead):
    lead = db.session.get(Lead, make_lead())
    with pytest.raises(ValidationError) as refused:
        activities.log_activity(lead, activities.ActivityInput(
            kind="call", outcome="Gebeld", next_action_due=today() - timedelta(days=1)), actor=None)
    assert refused.value.fields == {"next_action": "Beschrijf de volgende actie bij deze datum.",
                                    "next_action_due": "Ligt in het verleden."}
    with pytest.raises(ValidationError) as refused:
        activities.log_activity(lead, activities.ActivityInput(kind="fax", outcome="x"), actor=None)
    assert set(refused.value.fields) == {"kind"}
    assert count(Activity) == 0


def test_an_activity_before_the_lead_existed_is_refused(ctx, app, desk, make_lead):
    lead = db.session.get(Lead, make_lead(hours_ago=2))
    with pytest.raises(ValidationError) as refused:
        activities.log_activity(lead, activities.ActivityInput(
            kind="call", outcome="Gebeld", occurred_at=lead.created_at - timedelta(hours=1)), actor=None)
    assert refused.value.fields == {"occurred_at": "Ligt voor het ontstaan van de lead."}


# --- the adviesgesprek and the stage `meeting` -----------------------------------------------------------

def test_logging_an_adviesgesprek_moves_the_lead_to_meeting_at_that_time(app, client, desk, make_lead):
    lead_id = make_lead(hours_ago=30)
    login(client, desk.owner)
    held = datetime.now(AMSTERDAM).replace(second=0, microsecond=0) - timedelta(hours=4)

    response = log(client, lead_id, kind="adviesgesprek", outcome="LKS en jobcoaching uitgelegd",
                   occurred_at=local(held))

    assert response.status_code == 302
    with app.app_context():
        lead = db.session.get(Lead, lead_id)
        assert lead.stage == "meeting"
        assert lead.contacted_at == lead.meeting_at == held.astimezone(UTC)  # the skipped stage gets the same time
        event = lead.events[-1]
        assert (event.from_stage, event.to_stage, event.actor_id, event.note) == (
            "assigned", "meeting", desk.owner.id, "Adviesgesprek vastgelegd")
    assert "De lead staat nu op Adviesgesprek." in client.get(f"/leads/{lead_id}").get_data(as_text=True)


def test_an_adviesgesprek_on_a_lead_past_meeting_moves_nothing(app, client, desk, make_lead):
    lead_id = make_lead(stage="vacancy")
    login(client, desk.owner)
    log(client, lead_id, kind="adviesgesprek", outcome="Tweede gesprek over de vacature")
    with app.app_context():
        assert db.session.get(Lead, lead_id).stage == "vacancy"
        assert count(Activity) == 1 and count(LeadStageEvent, LeadStageEvent.to_stage == "meeting") == 0


def test_a_closed_lead_takes_no_more_activities(app, client, desk, make_lead):
    lead_id = make_lead(stage="lost")
    login(client, desk.owner)
    assert "Activiteit vastleggen" not in client.get(f"/leads/{lead_id}").get_data(as_text=True)
    html = client.post(f"/leads/{lead_id}/activiteit", data={"activity-kind": "note", "activity-outcome": "Nog iets"},
                       follow_redirects=True).get_data(as_text=True)
    assert "Deze lead is afgesloten (Vervallen); er kan geen activiteit meer bij." in html
    with app.app_context():
        assert count(Activity) == 0
        with pytest.raises(Conflict):
            activities.log_activity(db.session.get(Lead, lead_id), activities.ActivityInput("note", "x"), actor=None)


# --- my next actions ----------------------------------------------------------------------------------

def _due_in(app, lead_id: int, days: int) -> None:
    """Let time pass: the latest activity on the lead is now due `days` from today (negative: overdue)."""
    with app.app_context():
        activity_id = db.session.scalar(select(Activity.id).where(Activity.lead_id == lead_id)
                                        .order_by(Activity.id.desc()))
        db.session.execute(update(Activity).where(Activity.id == activity_id)
                           .values(next_action_due=today() + timedelta(days=days)))
        db.session.commit()


def test_my_next_actions_lists_open_ones_the_most_overdue_first(app, client, desk, make_lead):
    later, overdue, soon = make_lead("Later BV"), make_lead("Achter BV"), make_lead("Straks BV")
    login(client, desk.owner)
    for lead_id, action in ((later, "Offerte sturen"), (overdue, "Terugbellen"), (soon, "Bezoek plannen")):
        log(client, lead_id, next_action=action, next_action_due=(today() + timedelta(days=1)).isoformat())
    _due_in(app, later, 10)
    _due_in(app, overdue, -2)  # logged last week, due two days ago

    html = client.get("/leads/mijn/acties").get_data(as_text=True)

    assert html.index("Terugbellen") < html.index("Bezoek plannen") < html.index("Offerte sturen")
    assert html.count("te laat</span>") == 1
    assert "3 volgende acties" in html
    queue = client.get("/leads/mijn").get_data(as_text=True)
    assert "Mijn volgende acties" in queue and queue.index("Terugbellen") < queue.index("Bezoek plannen")


def test_a_next_action_stays_open_after_a_later_activity_until_one_completes_it_or_the_lead_closes(
        app, client, desk, make_lead):
    followed_up, lost, still_open = make_lead(), make_lead(), make_lead()
    login(client, desk.owner)
    tomorrow = (today() + timedelta(days=1)).isoformat()
    for lead_id, action in ((followed_up, "Offerte sturen"), (lost, "Terugbellen"), (still_open, "Bezoek plannen")):
        log(client, lead_id, next_action=action, next_action_due=tomorrow)
    log(client, followed_up, kind="email", outcome="Nog een vraag beantwoord")  # says nothing of the open action
    client.post(f"/leads/{lost}/fase", data={"stage-to_stage": "lost", "stage-lost_reason": "not_interested"})

    with app.app_context():
        owner = db.session.get(User, desk.owner.id)
        assert sorted(a.activity.next_action for a in activities.next_actions(owner)) == [
            "Bezoek plannen", "Offerte sturen"]
        lead = db.session.get(Lead, followed_up)
        offer = activities.open_actions_on(lead)[0]
        done = activities.log_activity(lead, activities.ActivityInput("email", "Offerte gestuurd",
                                                                      completes=(offer.id,)), actor=owner)
        db.session.commit()
        assert done.completed == (offer,) and offer.next_action_status == "done"
        assert offer.next_action_closed_by_id == owner.id and offer.next_action_closed_at == done.activity.occurred_at
        assert [a.activity.next_action for a in activities.next_actions(owner)] == ["Bezoek plannen"]


def test_a_next_action_is_marked_done_or_dropped_once_and_the_audit_trail_says_which(ctx, desk, make_lead):
    lead = db.session.get(Lead, make_lead())
    owner = db.session.get(User, desk.owner.id)
    for action in ("Bellen", "Mailen"):
        activities.log_activity(lead, activities.ActivityInput("call", "Gebeld", next_action=action,
                                                               next_action_due=today()), actor=owner)
    calling, mailing = activities.open_actions_on(lead)

    activities.close_next_action(calling, done=True, actor=owner)
    activities.close_next_action(mailing, done=False, actor=owner)

    assert (calling.next_action_status, mailing.next_action_status) == ("done", "dropped")
    assert activities.open_actions_on(lead) == []
    with pytest.raises(Conflict):
        activities.close_next_action(calling, done=False, actor=owner)
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "activities")).all()
    assert "next_action_done" in actions and "next_action_dropped" in actions


def test_an_activity_cannot_complete_an_action_of_another_lead_or_one_already_closed(ctx, desk, make_lead):
    lead, other = db.session.get(Lead, make_lead()), db.session.get(Lead, make_lead())
    owner = db.session.get(User, desk.owner.id)
    activities.log_activity(other, activities.ActivityInput("call", "Gebeld", next_action="Terugbellen",
                                                            next_action_due=today()), actor=owner)
    foreign = activities.open_actions_on(other)[0]
    before = count(Activity)

    with pytest.raises(ValidationError) as refused:
        activities.log_activity(lead, activities.ActivityInput("call", "Gebeld", completes=(foreign.id,)), actor=owner)

    assert "completes" in refused.value.fields and count(Activity) == before
    assert foreign.next_action_status == "open"


@pytest.mark.parametrize(("weekday", "due_in", "group"), [
    (0, -1, "overdue"), (0, 0, "today"), (0, 1, "week"), (0, 6, "week"), (0, 7, "later"),
    (6, 0, "today"), (6, 1, "later"), (4, 2, "week"), (4, 3, "later"),
])
def test_mijn_acties_groups_by_overdue_today_this_week_and_later(weekday, due_in, group):
    day = datetime(2026, 11, 30).date() + timedelta(days=weekday)  # 30 November 2026 is a Monday
    assert activities.due_group(day + timedelta(days=due_in), day) == group


def test_my_next_actions_are_mine_only(app, client, desk, make_lead):
    lead_id = make_lead()
    login(client, desk.boss)
    log(client, lead_id, next_action="Teamleider belt", next_action_due=(today() + timedelta(days=1)).isoformat())
    assert "Teamleider belt" in client.get("/leads/mijn/acties").get_data(as_text=True)
    client.post("/logout")
    login(client, desk.owner)
    html = client.get("/leads/mijn/acties").get_data(as_text=True)
    assert "Teamleider belt" not in html and "U heeft geen openstaande volgende acties." in html


def test_mijn_acties_shows_the_groups_and_a_button_marks_an_action_done_or_drops_it(app, client, desk, make_lead):
    first, second = make_lead("Eerste BV"), make_lead("Tweede BV")
    login(client, desk.owner)
    log(client, first, next_action="Offerte sturen", next_action_due=today().isoformat())
    log(client, second, next_action="Terugbellen", next_action_due=(today() + timedelta(days=30)).isoformat())
    html = client.get("/leads/mijn/acties").get_data(as_text=True)
    assert 'id="groep-today">Vandaag' in html and 'id="groep-later">Later' in html
    assert 'id="groep-overdue"' not in html  # an empty group is left out
    with app.app_context():
        offer, callback = (db.session.scalar(select(Activity.id).where(Activity.lead_id == lead_id))
                           for lead_id in (first, second))

    done = client.post(f"/leads/acties/{offer}/afronden", data={"uitkomst": "gedaan"})
    dropped = client.post(f"/leads/acties/{callback}/afronden", data={"uitkomst": "vervallen", "terug": "lead"})

    assert done.headers["Location"].endswith("/leads/mijn/acties")
    assert dropped.headers["Location"].endswith(f"/leads/{second}")
    with app.app_context():
        assert [db.session.get(Activity, i).next_action_status for i in (offer, callback)] == ["done", "dropped"]
    page = client.get("/leads/mijn/acties").get_data(as_text=True)
    assert "U heeft geen openstaande volgende acties." in page
    again = client.get(client.post(f"/leads/acties/{offer}/afronden", data={"uitkomst": "gedaan"})
                       .headers["Location"]).get_data(as_text=True)
    assert "al afgerond of vervallen" in again


def test_the_activity_form_asks_which_open_actions_it_completes(app, client, desk, make_lead):
    lead_id = make_lead()
    login(client, desk.owner)
    log(client, lead_id, next_action="Offerte sturen", next_action_due=today().isoformat())
    log(client, lead_id, next_action="Bezoek plannen", next_action_due=today().isoformat())
    page = client.get(f"/leads/{lead_id}").get_data(as_text=True)
    assert "Rondt deze activiteit een open actie af?" in page
    with app.app_context():
        offer = db.session.scalar(select(Activity.id).where(Activity.next_action == "Offerte sturen"))
    assert f'name="activity-completes" value="{offer}"' in page

    response = log(client, lead_id, kind="email", outcome="Offerte gestuurd", completes=str(offer))

    assert response.status_code == 302
    assert "De open actie is afgerond." in client.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        owner = db.session.get(User, desk.owner.id)
        assert [a.activity.next_action for a in activities.next_actions(owner)] == ["Bezoek plannen"]
