"""An absence that hands its leads back: the leads that moved are remembered (which lead, from whom, to whom); when
the absence is over (the morning job, or removing it early) each one still open and still with that colleague goes
back to the advisor, and the others are reported with the reason."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from campaign_crm.extensions import db
from campaign_crm.models import Absence, AbsenceHandover, Lead, OutboxMessage, TaskRun, User
from campaign_crm.services.accounts import users
from campaign_crm.services.calendar import today
from campaign_crm.services.leads import lifecycle
from campaign_crm.services.routing import engine
from tests.helpers import login, run_queued_tasks


@pytest.fixture
def away(app, factory, make_leads):
    """Anna has four open leads; Bert is her backup (in her team, with room); Bea leads the team."""
    team_id = factory.team("Waterweg")
    anna = factory.user("advisor", team_id=team_id, name="Anna Afwezig", capacity=10)
    ids = make_leads([f"Terug {n} BV" for n in range(4)], team_id=team_id)  # Anna is the only advisor: hers
    bert = factory.user("advisor", team_id=team_id, name="Bert Vervanger", capacity=10)
    carl = factory.user("advisor", team_id=team_id, name="Carl Collega", capacity=10)
    boss = factory.user("teamlead", team_id=team_id, name="Bea Baas")
    with app.app_context():
        db.session.get(User, anna.id).backup = db.session.get(User, bert.id)
        db.session.commit()
    return {"anna": anna, "bert": bert, "carl": carl, "boss": boss, "leads": ids}


def _owners(app, lead_ids):
    with app.app_context():
        return [db.session.get(Lead, lead_id).owner_id for lead_id in lead_ids]


def test_leads_go_to_the_backup_and_come_back_after_the_absence_except_those_closed_or_moved_on(
        app, client, away):
    anna, bert, carl, leads = away["anna"], away["bert"], away["carl"], away["leads"]
    login(client, away["boss"])
    response = client.post(f"/beheer/gebruikers/{anna.id}/afwezigheid", data={
        "absence-starts_on": today().isoformat(), "absence-ends_on": (today() + timedelta(days=2)).isoformat(),
        "absence-reason": "Vakantie", "absence-hand_back": "y"}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "4 open leads zijn overgedragen:" in html
    assert all(f"Lead {lead_id} (Terug {n} BV) → Bert Vervanger" in html for n, lead_id in enumerate(leads))
    assert html.count("→ Bert Vervanger: nog bij Bert Vervanger") == 4  # and in the absence's own list
    assert "gaan de overgedragen leads terug naar Anna Afwezig" in html
    assert _owners(app, leads) == [bert.id] * 4
    with app.app_context():
        kept = db.session.execute(select(AbsenceHandover.lead_id, AbsenceHandover.from_user_id,
                                         AbsenceHandover.to_user_id, AbsenceHandover.outcome)).all()
        assert sorted(kept) == sorted((lead_id, anna.id, bert.id, None) for lead_id in leads)
        # Meanwhile Bert closes one lead and the team lead gives another to Carl.
        lifecycle.change_stage(db.session.get(Lead, leads[2]), "lost", actor=db.session.get(User, bert.id),
                               lost_reason="not_interested")
        engine.reassign_lead(db.session.get(Lead, leads[3]), db.session.get(User, carl.id), "Kent de sector",
                             actor=db.session.get(User, away["boss"].id))
        db.session.commit()
        mails_before = db.session.scalar(select(OutboxMessage.id).order_by(OutboxMessage.id.desc()).limit(1)) or 0

    # The morning job, as on the day after the last day of the absence (before it nothing happens).
    with app.app_context():
        app.extensions["tasks"].enqueue("hand-back-leads", "hand-back-leads:laatste-dag",
                                        {"day": (today() + timedelta(days=2)).isoformat()})
    run_queued_tasks(app)
    assert _owners(app, leads) == [bert.id, bert.id, bert.id, carl.id]
    with app.app_context():
        app.extensions["tasks"].enqueue("hand-back-leads", "hand-back-leads:erna",
                                        {"day": (today() + timedelta(days=3)).isoformat()})
    run_queued_tasks(app)

    assert _owners(app, leads) == [anna.id, anna.id, bert.id, carl.id]
    with app.app_context():
        runs = db.session.scalars(select(TaskRun).where(TaskRun.task == "hand-back-leads").order_by(TaskRun.id)).all()
        assert [run.status for run in runs] == ["done", "done"]
        assert runs[0].summary.startswith("0 afgelopen afwezigheden")
        assert runs[1].summary == ("1 afgelopen afwezigheden: 2 leads teruggegeven, 2 niet (afgesloten of intussen "
                                   "elders).")
        back = db.session.get(Lead, leads[0]).assignments[-1]
        assert back.kind == "backup" and back.reason == ("Terug na de afwezigheid van Anna Afwezig: van Bert "
                                                         "Vervanger terug naar Anna Afwezig.")
        outcomes = dict(db.session.execute(select(AbsenceHandover.lead_id, AbsenceHandover.outcome)).all())
        assert outcomes == {leads[0]: "returned", leads[1]: "returned", leads[2]: "closed", leads[3]: "moved_on"}
        assert db.session.scalar(select(Absence.handed_back_at)) is not None
        # Anna hears the leads are hers again (one mail for the run), Bert that they are not his any more.
        mails = db.session.scalars(select(OutboxMessage).where(OutboxMessage.id > mails_before)).all()
        assert {recipient for mail in mails for recipient in mail.recipients} >= {anna.email, bert.email}

    # The profile lists what became of each lead; a second run changes nothing.
    page = client.get(f"/beheer/adviseurs/{anna.id}").get_data(as_text=True)
    assert "4 overgedragen leads" in page and page.count(": teruggegeven") == 2
    assert "niet teruggegeven: de lead is afgesloten" in page
    assert "niet teruggegeven: de lead is intussen bij iemand anders" in page
    with app.app_context():
        assert engine.hand_back_ended_absences().absences == []


def test_removing_an_absence_early_hands_the_leads_back_at_once(app, client, away):
    anna, bert, leads = away["anna"], away["bert"], away["leads"]
    with app.app_context():
        added = users.add_absence(db.session.get(User, anna.id), today(), today() + timedelta(days=10),
                                  actor=None, hand_back=True)
        absence_id = added.absence.id
        lifecycle.change_stage(db.session.get(Lead, leads[0]), "contacted", actor=None)  # worked on: still open
        db.session.commit()
    assert _owners(app, leads) == [bert.id] * 4
    login(client, away["boss"])
    html = client.post(f"/beheer/afwezigheid/{absence_id}/verwijderen", follow_redirects=True).get_data(as_text=True)
    assert "De overgedragen leads zijn teruggegeven waar dat kon:" in html
    assert html.count("terug bij Anna Afwezig (was bij Bert Vervanger)") == 4
    assert _owners(app, leads) == [anna.id] * 4
    with app.app_context():
        assert db.session.scalar(select(Absence.id)) is None


def test_without_the_tick_the_moves_are_listed_but_nothing_comes_back(app, client, away):
    anna, bert, leads = away["anna"], away["bert"], away["leads"]
    with app.app_context():
        users.add_absence(db.session.get(User, anna.id), today(), today(), actor=None)
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(AbsenceHandover)) == 4
        report = engine.hand_back_ended_absences(at=engine.utcnow() + timedelta(days=2))
        assert report.absences == []
    assert _owners(app, leads) == [bert.id] * 4
    login(client, away["boss"])
    page = client.get(f"/beheer/adviseurs/{anna.id}").get_data(as_text=True)
    assert "4 overgedragen leads" in page and page.count("→ Bert Vervanger</li>") == 4


def test_an_absence_from_tomorrow_hands_over_in_the_morning_round_and_back_when_it_is_over(app, away):
    anna, bert, leads = away["anna"], away["bert"], away["leads"]
    tomorrow = engine.utcnow() + timedelta(days=1)
    with app.app_context():
        users.add_absence(db.session.get(User, anna.id), today() + timedelta(days=1), today() + timedelta(days=1),
                          actor=None, hand_back=True)
        assert engine.hand_over_for_absences() == 0  # not away today
        assert engine.hand_over_for_absences(at=tomorrow) == 4
        db.session.commit()
    assert _owners(app, leads) == [bert.id] * 4
    with app.app_context():
        report = engine.hand_back_ended_absences(at=tomorrow + timedelta(days=1))
        assert (report.returned, report.kept) == (4, 0)
        db.session.commit()
    assert _owners(app, leads) == [anna.id] * 4


def test_a_hand_back_for_an_absence_in_the_past_is_refused_with_a_dutch_message(app, client, away):
    login(client, away["boss"])
    html = client.post(f"/beheer/gebruikers/{away['anna'].id}/afwezigheid", data={
        "absence-starts_on": (today() - timedelta(days=5)).isoformat(),
        "absence-ends_on": (today() - timedelta(days=3)).isoformat(), "absence-hand_back": "y"},
        follow_redirects=True).get_data(as_text=True)
    assert "Afwezigheid niet toegevoegd: De afwezigheid is al voorbij; zet dit vinkje uit." in html
    with app.app_context():
        assert db.session.scalar(select(Absence.id)) is None
