"""The notices: who gets which mail when a lead is assigned, reassigned, handed over or imported, the summaries of
bulk work (one mail per advisor per run), the daily digest, and the preferences that switch a kind off."""
from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from campaign_crm.extensions import db
from campaign_crm.models import Activity, CheckIn, Lead, OutboxMessage, TaskRun, User
from campaign_crm.services import imports
from campaign_crm.services.accounts import users
from campaign_crm.services.calendar import AMSTERDAM, is_working_day, today
from campaign_crm.services.mail import digest, notices
from campaign_crm.services.placements import records as placement_service
from campaign_crm.services.routing import engine as routing
from campaign_crm.tasks import schedule
from tests.helpers import deliver, intake_lead, login, placement_input, route_everything_to, run_queued_tasks

pytestmark = pytest.mark.usefixtures("campaign")


def switch_off(app, user_id: int, kind: str) -> None:
    with app.app_context():
        notices.set_preferences(db.session.get(User, user_id), {kind: False})
        db.session.commit()


def outbox_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(OutboxMessage))


def test_a_routed_lead_is_mailed_to_its_advisor_with_a_link_to_the_lead(app, smtp_server, factory, make_lead):
    anna = factory.user("advisor", name="Anna Smit")
    lead_id = make_lead("Bakkerij Jansen", owner_id=anna.id)
    mails = deliver(app, smtp_server)
    [mail] = mails[anna.email]
    assert mail.subject == "Lead aan u toegewezen: Bakkerij Jansen"
    assert f"https://crm.example.nl/leads/{lead_id}" in mail.part("text/plain")
    assert f'href="https://crm.example.nl/leads/{lead_id}"' in mail.part("text/html")
    assert "Beste Anna Smit" in mail.part("text/plain")
    assert "https://crm.example.nl/account/profiel" in mail.part("text/plain")


def test_a_reassignment_tells_the_new_owner_and_the_previous_one_not_the_team_lead(app, client, smtp_server, factory,
                                                                                 make_lead):
    team = factory.team()
    anna = factory.user("advisor", name="Anna Smit", team_id=team)
    bram = factory.user("advisor", name="Bram Kok", team_id=team)
    lead_of_team = factory.user("teamlead", name="Tess Leider", team_id=team)
    lead_id = make_lead("Bakkerij Jansen", owner_id=anna.id)
    deliver(app, smtp_server)
    smtp_server.handler.received.clear()

    login(client, lead_of_team)
    response = client.post(f"/leads/{lead_id}/toewijzen",
                           data={"advisor_id": bram.id, "reason": "Bram kent de sector", "seen_owner_id": anna.id})
    assert response.status_code == 302
    mails = deliver(app, smtp_server)
    assert set(mails) == {anna.email, bram.email}
    [to_bram] = mails[bram.email]
    assert to_bram.subject == "Lead aan u toegewezen: Bakkerij Jansen"
    assert "Bram kent de sector" in to_bram.part("text/plain")
    [to_anna] = mails[anna.email]
    assert to_anna.subject == "Lead niet meer bij u: Bakkerij Jansen"
    assert "De lead is nu van Bram Kok." in to_anna.part("text/plain")


def test_a_kind_switched_off_is_not_sent_and_the_other_kinds_still_are(app, smtp_server, factory, make_lead):
    team = factory.team()
    anna = factory.user("advisor", team_id=team)
    bram = factory.user("advisor", team_id=team)
    boss = factory.user("teamlead", team_id=team)
    switch_off(app, bram.id, notices.ASSIGNED)
    switch_off(app, anna.id, notices.ASSIGNED)  # Anna still hears the lead was taken
    lead_id = make_lead("Bakkerij Jansen", owner_id=anna.id)
    with app.app_context():
        routing.reassign_lead(db.session.get(Lead, lead_id), db.session.get(User, bram.id), "drukte",
                              actor=db.session.get(User, boss.id))
        db.session.commit()
    mails = deliver(app, smtp_server)
    assert set(mails) == {anna.email}
    assert [m.subject for m in mails[anna.email]] == ["Lead niet meer bij u: Bakkerij Jansen"]


def test_nobody_is_told_what_they_did_themselves_and_nothing_is_queued_when_the_change_rolls_back(app, factory,
                                                                                                  make_lead):
    team = factory.team()
    anna = factory.user("advisor", team_id=team)
    bram = factory.user("advisor", team_id=team)
    lead_id = make_lead("Bakkerij Jansen", owner_id=anna.id)
    before = outbox_count(app)
    with app.app_context():
        routing.reassign_lead(db.session.get(Lead, lead_id), db.session.get(User, bram.id), "even kijken",
                              actor=db.session.get(User, bram.id))
        db.session.flush()
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == before + 1  # only to Anna
        db.session.rollback()
    assert outbox_count(app) == before


def test_route_waiting_sends_one_summary_per_advisor_for_the_whole_run(app, runner, smtp_server, factory, make_lead):
    team = factory.team()
    with app.app_context():
        route_everything_to(team, "Alles naar het team")
        db.session.commit()
    lead_ids = [make_lead(name) for name in ("Bakkerij Jansen", "Garage Smit", "Zorggroep Zuid")]
    assert outbox_count(app) == 0  # nobody to route to yet: the leads wait
    anna = factory.user("advisor", name="Anna Smit", team_id=team)

    result = runner.invoke(args=["route-waiting"])
    assert result.exit_code == 0, result.output
    assert "3 wachtende leads toegewezen" in result.output
    mails = deliver(app, smtp_server)
    [summary] = mails[anna.email]
    assert summary.subject == "3 leads aan u toegewezen"
    for lead_id, name in zip(lead_ids, ("Bakkerij Jansen", "Garage Smit", "Zorggroep Zuid"), strict=True):
        assert name in summary.part("text/plain")
        assert f"https://crm.example.nl/leads/{lead_id}" in summary.part("text/html")


def test_an_absence_hands_over_with_one_mail_to_the_backup_and_one_to_the_absent_advisor(app, smtp_server, factory,
                                                                                        make_lead):
    team = factory.team()
    anna = factory.user("advisor", name="Anna Smit", team_id=team)
    bram = factory.user("advisor", name="Bram Kok", team_id=team)
    admin = factory.user("admin")
    for name in ("Bakkerij Jansen", "Garage Smit", "Zorggroep Zuid"):
        make_lead(name, owner_id=anna.id)
    with app.app_context():
        db.session.get(User, anna.id).backup_id = bram.id
        db.session.commit()
    deliver(app, smtp_server)
    smtp_server.handler.received.clear()

    with app.app_context():
        users.add_absence(db.session.get(User, anna.id), today(), today() + timedelta(days=2), "verlof",
                          actor=db.session.get(User, admin.id))
        db.session.commit()
    mails = deliver(app, smtp_server)
    assert [m.subject for m in mails[bram.email]] == ["3 leads aan u toegewezen"]
    assert "overgedragen aan vervanger Bram Kok" in mails[bram.email][0].part("text/plain")
    assert [m.subject for m in mails[anna.email]] == ["3 leads niet meer bij u"]


def test_an_import_in_chunks_sends_one_summary_per_advisor(app, smtp_server, factory):
    team = factory.team()
    anna = factory.user("advisor", name="Anna Smit", team_id=team)
    data = ("Bedrijf;Naam;E-mail\nBakkerij Boven;Bea Boven;bea@bakkerij-boven.example\n"
            "Garage Smit;Sem Smit;sem@garage-smit.example\nZorggroep Zuid;Zoë Zuid;zoe@zorggroep-zuid.example\n")
    options = imports.ImportOptions(preset="generic", campaign="aknp",
                                    mapping={"employer_name": "Bedrijf", "contact_name": "Naam", "email": "E-mail"})
    with app.app_context():
        route_everything_to(team, "Alles naar het team")
        batch = imports.create_batch(data.encode(), "aanmeldingen.csv", options, actor=None)
        run = imports.start(batch, actor=None, apply=True, chunk_size=1)
        chunks = sum(1 for _ in run.steps())
        imports.finish(batch.id, run, actor=None)
        db.session.commit()
    assert chunks == 3
    mails = deliver(app, smtp_server)
    [summary] = mails[anna.email]
    assert summary.subject == "3 leads aan u toegewezen"
    assert "import" in summary.part("text/plain")


def _working_day_at_seven() -> datetime:
    day = today()
    while not is_working_day(day):
        day += timedelta(days=1)
    return datetime.combine(day, time(7), AMSTERDAM).astimezone(UTC)


def test_the_daily_digest_lists_due_work_and_goes_only_to_users_with_something_in_it(app, smtp_server, factory,
                                                                                   make_lead):
    partner = factory.partner()
    anna = factory.user("advisor", name="Anna Smit", partner_id=partner)
    idle = factory.user("advisor", name="Ivo Idle", partner_id=partner)
    late = make_lead("Garage Smit", owner_id=anna.id, occurred_at=datetime.now(UTC) - timedelta(days=12))
    worked = make_lead("Bakkerij Jansen", owner_id=anna.id, stage="contacted")
    placed = make_lead("Zorggroep Zuid", owner_id=anna.id, stage="vacancy")
    with app.app_context():
        db.session.add(Activity(lead_id=worked, kind="call", occurred_at=datetime.now(UTC), outcome="",
                                next_action="Offerte nabellen", next_action_due=today() - timedelta(days=1),
                                actor_id=anna.id, next_action_status="open"))
        placement = placement_service.create_placement(db.session.get(Lead, placed), placement_input(),
                                                       actor=db.session.get(User, anna.id))
        db.session.commit()
        assert placement.advisor_id == anna.id
        due_checkins = db.session.scalar(select(func.count()).select_from(CheckIn).where(
            CheckIn.placement_id == placement.id, CheckIn.done_on.is_(None), CheckIn.due_on <= today()))
    assert due_checkins >= 1
    now = _working_day_at_seven()
    with app.app_context():
        report = digest.queue_digests(now)
        db.session.commit()
        assert digest.queue_digests(now).queued == 0  # once a day
    assert report.queued == 1
    mails = deliver(app, smtp_server)
    assert idle.email not in mails
    [mail] = [m for m in mails[anna.email] if m.subject.startswith("Uw overzicht")]
    text, html = mail.part("text/plain"), mail.part("text/html")
    assert "Offerte nabellen" in text and "(te laat)" in text
    assert "Check-in week" in text and "Zorggroep Zuid" in text
    assert "Garage Smit: Eerste contact te laat" in text
    assert f"https://crm.example.nl/leads/{late}" in html
    assert "<h2" in html and "Check-ins die moeten" in html


def test_no_digest_on_a_public_holiday_or_for_someone_who_switched_it_off(app, factory, make_lead):
    anna = factory.user("advisor")
    make_lead("Garage Smit", owner_id=anna.id, occurred_at=datetime.now(UTC) - timedelta(days=12))
    christmas = datetime(2026, 12, 25, 7, tzinfo=AMSTERDAM)
    with app.app_context():
        assert not digest.queue_digests(christmas).working_day
        switch_off(app, anna.id, notices.DIGEST)
        assert digest.queue_digests(_working_day_at_seven()).queued == 0
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.kind == notices.DIGEST)) == 0


def test_the_periodic_send_mail_task_sends_the_outbox(app, smtp_server, factory, make_lead):
    anna = factory.user("advisor")
    make_lead("Bakkerij Jansen", owner_id=anna.id)
    engine = app.extensions["tasks"]
    assert schedule.DEFAULT_SCHEDULE["send-mail"] == "* * * * *"
    assert schedule.DEFAULT_SCHEDULE["daily-digest"] == "0 7 * * mon-fri"
    engine.enqueue_scheduled("send-mail", schedule.trigger(schedule.DEFAULT_SCHEDULE["send-mail"]))
    run_queued_tasks(app)
    assert [m.subject for m in smtp_server.to(anna.email)] == ["Lead aan u toegewezen: Bakkerij Jansen"]
    with app.app_context():
        run = db.session.scalar(select(TaskRun).where(TaskRun.task == "send-mail"))
        assert (run.status, run.summary.split(",")[0]) == ("done", "1 e-mails verstuurd")


def test_send_mail_prints_its_counts_in_dutch(app, runner, smtp_server, factory, make_lead):
    anna = factory.user("advisor")
    make_lead("Bakkerij Jansen", owner_id=anna.id)
    result = runner.invoke(args=["send-mail"])
    assert result.exit_code == 0, result.output
    assert "1 e-mails verstuurd, 0 mislukt" in result.output
    looped = runner.invoke(args=["send-mail", "--loop", "--rounds", "1"])
    assert looped.exit_code == 0, looped.output
    assert "0 e-mails verstuurd" in looped.output
    assert len(smtp_server.to(anna.email)) == 1


def test_the_daily_digest_command_queues_and_says_so(app, runner):
    result = runner.invoke(args=["daily-digest"])
    assert result.exit_code == 0, result.output
    assert "Verstuur ze met send-mail" in result.output or "Geen werkdag" in result.output


def test_notice_kinds_have_dutch_labels(app):
    assert set(notices.NOTICE_KINDS) == {"lead_assigned", "lead_taken", "checkin_answered", "daily_digest"}
    assert all(kind.label and kind.about for kind in notices.NOTICE_KINDS.values())


def test_assignments_made_while_notices_are_silenced_queue_nothing(app, factory, campaign):
    anna = factory.user("advisor")
    with app.app_context(), notices.silenced():
        lead = intake_lead("Bakkerij Jansen", "info@bakkerij-jansen.example", owner_id=anna.id)
        db.session.commit()
        assert lead.owner_id == anna.id
    assert outbox_count(app) == 0


def test_a_long_summary_names_the_first_fifty_leads_and_points_to_the_queue_for_the_rest(app, smtp_server, factory,
                                                                                         make_lead, monkeypatch):
    monkeypatch.setattr(notices, "NAME_CHUNK", 7)  # the employers' names come in several look-ups, as for an import
    anna = factory.user("advisor")
    lead_ids = [make_lead(f"Werkgever {n}") for n in range(1, 56)]
    with app.app_context():
        db.session.execute(OutboxMessage.__table__.delete())
        notices.leads_assigned({anna.id: lead_ids}, key="test-bulk", why="Verdeeld door de routering.")
        db.session.commit()
    [mail] = deliver(app, smtp_server)[anna.email]
    text = mail.part("text/plain")
    assert mail.subject == "55 leads aan u toegewezen"
    named = [lead_id for lead_id in lead_ids if f"https://crm.example.nl/leads/{lead_id}\r\n" in text]
    assert named == lead_ids[:50]
    assert "Werkgever 50" in text and "Werkgever 51" not in text and "–" not in text.split("… en nog")[0]
    assert "… en nog 5 andere leads: https://crm.example.nl/leads/mijn" in text
