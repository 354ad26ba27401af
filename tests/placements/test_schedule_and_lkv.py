"""The check-in schedule made at the start, the LKV request deadline, and the reminder run."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from campaign_crm.extensions import db
from campaign_crm.models import CheckIn, Placement, Setting
from campaign_crm.services.calendar import add_months, today
from campaign_crm.services.placements import checkins
from campaign_crm.services.placements import records as placement_service
from tests.helpers import a_day, login

MONDAY = date(2026, 3, 2)


def _set(app, key: str, value) -> None:
    with app.app_context():
        db.session.get(Setting, key).value = value
        db.session.commit()


def test_a_placement_started_on_a_monday_gets_check_ins_in_weeks_2_6_13_26_39_and_52(app, region, make_lead,
                                                                                     make_placement):
    placement_id = make_placement(make_lead(region.advisor.id), region.advisor.id, start_date=MONDAY)
    with app.app_context():
        rows = db.session.scalars(select(CheckIn).where(CheckIn.placement_id == placement_id)
                                  .order_by(CheckIn.due_on)).all()
        assert [(c.week, c.due_on) for c in rows] == [
            (2, date(2026, 3, 16)), (6, date(2026, 4, 13)), (13, date(2026, 6, 1)),
            (26, date(2026, 8, 31)), (39, date(2026, 11, 30)), (52, date(2027, 3, 1)),
        ]
        assert all(c.done_on is None and c.risk is None for c in rows)


def test_the_schedule_follows_the_checkin_weeks_setting(app, region, make_lead, make_placement):
    _set(app, "checkin_weeks", [1, 4, 4, 8])
    placement_id = make_placement(make_lead(region.advisor.id), region.advisor.id, start_date=MONDAY)
    with app.app_context():
        assert list(db.session.scalars(select(CheckIn.due_on).where(CheckIn.placement_id == placement_id)
                                       .order_by(CheckIn.due_on))) == [
            date(2026, 3, 9), date(2026, 3, 30), date(2026, 4, 27)]


def test_the_lkv_deadline_is_three_months_after_the_start(ctx):
    assert checkins.lkv_deadline(MONDAY) == date(2026, 6, 2)
    assert checkins.lkv_deadline(date(2025, 11, 30)) == date(2026, 2, 28)  # no 30 February
    assert checkins.lkv_deadline(date(2026, 10, 31)) == date(2027, 1, 31)


def test_the_lkv_deadline_follows_the_lkv_request_months_setting(app, ctx):
    db.session.get(Setting, "lkv_request_months").value = 6
    db.session.flush()
    assert checkins.lkv_deadline(MONDAY) == date(2026, 9, 2)


def test_the_placement_page_shows_the_lkv_deadline_and_whether_it_was_requested(app, client, region, make_lead,
                                                                              make_placement):
    placement_id = make_placement(make_lead(region.advisor.id), region.advisor.id, instrument="lkv", lks_type=None,
                                  loonwaarde_pct=None, start_date=MONDAY)
    login(client, region.advisor)
    page = client.get(f"/plaatsingen/{placement_id}").get_data(as_text=True)
    assert "aanvragen vóór" in page and "2 juni 2026" in page and "termijn verstreken" in page

    response = client.post(f"/plaatsingen/{placement_id}/lkv", data={"lkv-lkv_requested_on": "2026-05-20"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Placement, placement_id).lkv_requested_on == date(2026, 5, 20)
    page = client.get(f"/plaatsingen/{placement_id}").get_data(as_text=True)
    assert "aangevraagd 20 mei 2026" in page and "termijn verstreken" not in page


def test_my_checkins_lists_overdue_and_soon_due_check_ins_and_lkv_requests_to_do(app, client, region, make_lead,
                                                                             make_placement):
    # week 2 is overdue, week 6 falls due within the two-week window, week 13 is later
    lks = make_placement(make_lead(region.advisor.id), region.advisor.id, start_date=today() - timedelta(days=35))
    # an LKV placement whose doelgroepverklaring must be requested within five days
    lkv = make_placement(make_lead(region.advisor.id), region.advisor.id, instrument="lkv", lks_type=None,
                         loonwaarde_pct=None, start_date=add_months(today(), -3) + timedelta(days=5))
    login(client, region.advisor)
    html = client.get("/plaatsingen/check-ins").get_data(as_text=True)
    with app.app_context():
        weeks = {c.week: c.id for c in db.session.scalars(select(CheckIn).where(CheckIn.placement_id == lks))}
        lkv_reference = db.session.get(Placement, lkv).reference
    assert f"/plaatsingen/{lks}/check-ins/{weeks[2]}" in html and f"/plaatsingen/{lks}/check-ins/{weeks[6]}" in html
    assert f"/plaatsingen/{lks}/check-ins/{weeks[13]}" not in html
    assert "Te laat" in html and "Binnenkort" in html
    assert f"{lkv_reference} bij" in html and "aanvragen vóór" in html


def test_the_reminder_run_flags_check_ins_due_within_a_week_once(app, region, make_lead, make_placement):
    now = datetime.now(UTC)
    started = today() - timedelta(days=10)  # week 2 falls due in 4 days; the rest later
    running = make_placement(make_lead(region.advisor.id), region.advisor.id, start_date=started)
    ended = make_placement(make_lead(region.advisor.id), region.advisor.id, start_date=started)
    with app.app_context():
        placement_service.end_placement(db.session.get(Placement, ended), end_date=today(), end_how="resignation",
                                        end_why="regular_job", actor=None)
        db.session.commit()
        first = checkins.send_checkin_reminders(now)
        db.session.commit()
        assert (first.reminded, first.already_reminded, first.overdue) == (1, 0, 0)
        flagged = db.session.scalars(select(CheckIn).where(CheckIn.reminded_at.is_not(None))).all()
        assert [(c.placement_id, c.week) for c in flagged] == [(running, 2)]

        second = checkins.send_checkin_reminders(now + timedelta(hours=1))
        db.session.commit()
        assert (second.reminded, second.already_reminded) == (0, 1)
        assert db.session.scalar(select(CheckIn.reminded_at).where(CheckIn.id == flagged[0].id)) == now


def test_the_reminder_run_counts_lkv_requests_whose_deadline_is_near(app, region, make_lead, make_placement):
    # started almost three months ago: the deadline is within the week
    make_placement(make_lead(region.advisor.id), region.advisor.id, instrument="lkv", lks_type=None,
                   loonwaarde_pct=None, start_date=add_months(today(), -3) + timedelta(days=3))
    make_placement(make_lead(region.advisor.id), region.advisor.id, start_date=a_day(0))  # LKS, no LKV
    with app.app_context():
        report = checkins.send_checkin_reminders(datetime.now(UTC))
        assert report.lkv_deadlines == 1
