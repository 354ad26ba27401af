"""Risk cases (one open per placement, raised by a higher level), interventions, and ending a
placement: date, how and why required, and a move to other work linked to the new placement."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from campaign_crm.extensions import db
from campaign_crm.models import CheckIn, Intervention, Lead, Placement, RiskCase, User
from campaign_crm.services.calendar import today
from campaign_crm.services.errors import Conflict, ValidationError
from campaign_crm.services.placements import checkins, risk
from campaign_crm.services.placements import records as placement_service
from tests.helpers import a_day, count, login, placement_input


def _record(placement: Placement, week: int, risk_level: str, day: int) -> CheckIn:
    checkin = next(c for c in placement.checkins if c.week == week)
    return checkins.record_checkin(placement, checkins.CheckInInput(done_on=a_day(day), with_whom="employee",
                                                                    risk=risk_level), actor=None, checkin=checkin)


def test_amber_opens_one_case_a_second_amber_keeps_it_and_red_raises_it(app, region, make_lead, make_placement):
    placement_id = make_placement(make_lead(region.advisor.id), region.advisor.id)
    with app.app_context():
        placement = db.session.get(Placement, placement_id)
        _record(placement, 2, "green", 14)
        assert risk.open_case_of(placement) is None
        _record(placement, 6, "amber", 40)
        first = risk.open_case_of(placement)
        assert (first.level, first.source) == ("amber", "checkin")
        checkins.record_checkin(placement, checkins.CheckInInput(done_on=a_day(45), with_whom="jobcoach", risk="amber"),
                                actor=None)  # an extra, unscheduled check-in
        checkins.record_checkin(placement, checkins.CheckInInput(done_on=a_day(50), with_whom="employer", risk="red"),
                                actor=None)
        cases = db.session.scalars(select(RiskCase).where(RiskCase.placement_id == placement_id)).all()
        assert [(c.id, c.level, c.closed_at) for c in cases] == [(first.id, "red", None)]
        risk.open_case(placement, "amber", "signal", None)  # a lower level leaves the case red
        assert risk.open_case_of(placement).level == "red"
        extra = db.session.scalars(select(CheckIn).where(CheckIn.placement_id == placement_id,
                                                         CheckIn.week.in_([6, 7]))).all()
        assert sorted((c.week, c.due_on, c.risk) for c in extra) == [
            (6, a_day(42), "amber"), (6, a_day(45), "amber"), (7, a_day(50), "red")]


def test_a_closed_case_lets_the_next_amber_open_a_new_one(app, region, make_lead, make_placement):
    placement_id = make_placement(make_lead(region.advisor.id), region.advisor.id)
    with app.app_context():
        placement = db.session.get(Placement, placement_id)
        first = risk.open_case(placement, "amber", "signal", None)
        risk.close_case(first, outcome="Taken aangepast; gaat weer goed.", actor=None)
        second = risk.open_case(placement, "amber", "checkin", None)
        assert second.id != first.id and first.closed_at is not None


def test_interventions_link_to_the_open_case_and_get_an_outcome_later(app, client, region, make_lead,
                                                                     make_placement):
    placement_id = make_placement(make_lead(region.advisor.id), region.advisor.id)
    with app.app_context():
        placement = db.session.get(Placement, placement_id)
        before_case = risk.add_intervention(placement, risk.InterventionInput(kind="new_loonwaarde",
                                                                              started_on=a_day(5)), actor=None)
        case = risk.open_case(placement, "red", "checkin", None)
        db.session.commit()
        case_id, before_id = case.id, before_case.id
    login(client, region.advisor)
    client.post(f"/plaatsingen/{placement_id}/interventies", data={
        "intervention-kind": "adjusted_tasks", "intervention-started_on": a_day(20).isoformat()})
    with app.app_context():
        later = db.session.scalar(select(Intervention).where(Intervention.kind == "adjusted_tasks"))
        assert later.risk_case_id == case_id and db.session.get(Intervention, before_id).risk_case_id is None
        later_id = later.id
    response = client.post(f"/plaatsingen/{placement_id}/interventies/{later_id}", data={
        "finish-ended_on": a_day(30).isoformat(), "finish-outcome": "Minder klantcontact; gaat beter."})
    assert response.status_code == 302
    response = client.post(f"/plaatsingen/{placement_id}/risico/{case_id}", data={"case-outcome": "Opgelost."})
    assert response.status_code == 302
    with app.app_context():
        later = db.session.get(Intervention, later_id)
        assert (later.ended_on, later.outcome) == (a_day(30), "Minder klantcontact; gaat beter.")
        assert db.session.get(RiskCase, case_id).outcome == "Opgelost."


def test_an_intervention_needs_a_kind_and_a_start_not_before_the_placement(app, client, region, make_lead,
                                                                           make_placement):
    placement_id = make_placement(make_lead(region.advisor.id), region.advisor.id)
    login(client, region.advisor)
    response = client.post(f"/plaatsingen/{placement_id}/interventies", data={
        "intervention-kind": "", "intervention-started_on": a_day(-1).isoformat()})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Kies wat er gedaan wordt." in html and "Ligt vóór de start" in html
    with app.app_context():
        assert count(Intervention) == 0


@pytest.mark.parametrize("form, reason", [
    ({"end-end_how": "dismissal", "end-end_why": "match"}, "Vul de einddatum in."),
    ({"end-end_date": "TODAY", "end-end_why": "match"}, "Kies hoe de baan eindigde."),
    ({"end-end_date": "TODAY", "end-end_how": "dismissal"}, "Kies waarom de baan eindigde."),
    ({"end-end_date": "BEFORE", "end-end_how": "dismissal", "end-end_why": "match"}, "Ligt vóór de startdatum"),
    ({"end-end_date": "TOMORROW", "end-end_how": "dismissal", "end-end_why": "match"}, "Mag niet in de toekomst"),
])
def test_ending_needs_a_date_not_before_the_start_and_how_and_why(app, client, region, make_lead, make_placement,
                                                                  form, reason):
    placement_id = make_placement(make_lead(region.advisor.id), region.advisor.id)
    days = {"TODAY": today(), "BEFORE": a_day(-1), "TOMORROW": today() + timedelta(days=1)}
    data = {key: days[value].isoformat() if value in days else value for key, value in form.items()}
    login(client, region.advisor)
    response = client.post(f"/plaatsingen/{placement_id}/beeindigen", data=data)
    assert response.status_code == 422 and reason in response.get_data(as_text=True)
    with app.app_context():
        placement = db.session.get(Placement, placement_id)
        assert (placement.end_date, placement.end_how, placement.end_why) == (None, None, None)


def test_a_placement_ends_once_and_then_takes_no_more_check_ins(app, region, make_lead, make_placement):
    placement_id = make_placement(make_lead(region.advisor.id), region.advisor.id)
    with app.app_context():
        placement = db.session.get(Placement, placement_id)
        placement_service.end_placement(placement, end_date=a_day(30), end_how="retirement", end_why="move_personal",
                                        actor=None)
        with pytest.raises(Conflict):
            placement_service.end_placement(placement, end_date=a_day(31), end_how="dismissal", end_why="match",
                                            actor=None)
        with pytest.raises(Conflict):
            _record(placement, 6, "green", 40)
        with pytest.raises(Conflict):
            risk.open_case(placement, "amber", "signal", None)
        assert placement.end_why_code.influenceable is False
        statuses = [checkins.status(c, placement, today()) for c in placement.checkins]
        assert statuses == ["missed", "lapsed", "lapsed", "lapsed", "lapsed", "lapsed"]


def test_a_move_to_other_work_links_the_new_placement(app, client, region, make_lead, make_placement):
    old_id = make_placement(make_lead(region.advisor.id, name="Oude Werkgever"), region.advisor.id)
    with app.app_context():
        old = db.session.get(Placement, old_id)
        risk.open_case(old, "red", "checkin", None)
        move = risk.add_intervention(old, risk.InterventionInput(kind="other_work", started_on=a_day(20)), actor=None)
        db.session.commit()
        move_id = move.id
    new_lead = make_lead(region.advisor.id, name="Nieuwe Werkgever", stage="vacancy")
    login(client, region.advisor)
    assert client.post(f"/plaatsingen/nieuw/{new_lead}", data={
        "placement-candidate_ref": "KL-2026-0815", "placement-start_date": a_day(40).isoformat(),
        "placement-instrument": "lks", "placement-lks_type": "regular", "placement-loonwaarde_pct": "60",
    }).status_code == 302
    with app.app_context():
        new = db.session.scalar(select(Placement).where(Placement.lead_id == new_lead))
        new_id, new_reference = new.id, new.reference
    response = client.post(f"/plaatsingen/{old_id}/beeindigen", data={
        "end-end_date": a_day(39).isoformat(), "end-end_how": "mutual_agreement", "end-end_why": "match",
        "end-follow_up": new_reference.lower()})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Placement, new_id).previous_placement_id == old_id
        assert db.session.get(Intervention, move_id).new_placement_id == new_id
    page = client.get(f"/plaatsingen/{old_id}").get_data(as_text=True)
    assert f"Plaatsing {new_reference}" in page


def test_only_a_placement_of_the_same_partner_can_be_the_follow_up(app, client, region, make_lead, make_placement):
    old_id = make_placement(make_lead(region.advisor.id), region.advisor.id)
    theirs = make_placement(make_lead(region.outsider.id), region.outsider.id)
    with app.app_context():
        their_reference = db.session.get(Placement, theirs).reference
    login(client, region.advisor)
    response = client.post(f"/plaatsingen/{old_id}/beeindigen", data={
        "end-end_date": a_day(39).isoformat(), "end-end_how": "mutual_agreement", "end-end_why": "match",
        "end-follow_up": their_reference})
    assert response.status_code == 422 and "Geen plaatsing van uw partner" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Placement, old_id).end_date is None
        assert db.session.get(Placement, theirs).previous_placement_id is None


# --- registering ------------------------------------------------------------------------------------

def test_a_user_without_a_partner_cannot_register_a_placement(app, client, region, make_lead):
    lead_id = make_lead(region.no_partner.id)
    login(client, region.no_partner)
    page = client.get(f"/plaatsingen/nieuw/{lead_id}").get_data(as_text=True)
    assert "U hoort bij geen partner" in page and 'name="placement-candidate_ref"' not in page
    response = client.post(f"/plaatsingen/nieuw/{lead_id}", data={
        "placement-candidate_ref": "KL-1", "placement-start_date": a_day(0).isoformat(),
        "placement-instrument": "other"})
    assert response.status_code == 422 and "U hoort bij geen partner" in response.get_data(as_text=True)
    with app.app_context():
        assert count(Placement) == 0
        with pytest.raises(placement_service.NoPartner):
            placement_service.create_placement(db.session.get(Lead, lead_id), placement_input(),
                                               actor=db.session.get(User, region.no_partner.id))


def test_registering_checks_every_field_and_reports_them_all_at_once(app, region, make_lead):
    lead_id = make_lead(region.advisor.id)
    with app.app_context():
        lead = db.session.get(Lead, lead_id)
        with pytest.raises(ValidationError) as refused:
            placement_service.create_placement(lead, placement_input(
                lks_type=None, loonwaarde_pct=101, hours_per_week=0, contract_type="fixed_term",
                jobcoach_org="Onbekend BV", jobcoach_hours=50, start_date=today() + timedelta(days=400),
                loonwaarde_assessed_on=a_day(10), loonwaarde_reassess_on=a_day(5)),
                actor=db.session.get(User, region.advisor.id))
        assert set(refused.value.fields) == {"lks_type", "loonwaarde_pct", "hours_per_week", "fixed_term_ends_on",
                                             "jobcoach_org", "jobcoach_hours", "start_date", "loonwaarde_reassess_on"}
        db.session.rollback()
        assert db.session.get(Lead, lead_id).stage == "assigned"


def test_a_second_placement_from_a_placed_lead_leaves_the_stage_and_a_lost_lead_takes_none(
        app, region, make_lead, make_placement):
    lead_id = make_lead(region.advisor.id)
    make_placement(lead_id, region.advisor.id)
    make_placement(lead_id, region.advisor.id, candidate_ref="KL-2026-0816")
    lost = make_lead(region.advisor.id, stage="lost")
    with app.app_context():
        assert db.session.get(Lead, lead_id).stage == "placed"
        references = db.session.scalars(select(Placement.reference)).all()
        assert len(set(references)) == 2 and all(len(r) == 8 for r in references)
        with pytest.raises(Conflict):
            placement_service.create_placement(db.session.get(Lead, lost), placement_input(),
                                               actor=db.session.get(User, region.advisor.id))


def test_by_reference_finds_a_placement_as_a_jobcoach_types_it(app, region, make_lead, make_placement):
    placement_id = make_placement(make_lead(region.advisor.id), region.advisor.id)
    with app.app_context():
        reference = db.session.get(Placement, placement_id).reference
        typed = f" {reference[:4].lower()}-{reference[4:]} "
        assert placement_service.by_reference(typed).id == placement_id
        assert placement_service.by_reference("") is None and placement_service.by_reference("ZZZZZZZZ") is None


def test_editing_a_start_date_moves_the_open_check_ins(app, client, region, make_lead, make_placement):
    placement_id = make_placement(make_lead(region.advisor.id), region.advisor.id)
    login(client, region.advisor)
    form = client.get(f"/plaatsingen/{placement_id}/wijzigen").get_data(as_text=True)
    assert 'value="KL-2026-0815"' in form
    response = client.post(f"/plaatsingen/{placement_id}/wijzigen", data={
        "placement-candidate_ref": "KL-2026-0815", "placement-start_date": a_day(7).isoformat(),
        "placement-instrument": "lks", "placement-lks_type": "forfaitair", "placement-loonwaarde_pct": "60",
        "placement-hours_per_week": "24", "placement-contract_type": "permanent"})
    assert response.status_code == 302
    with app.app_context():
        placement = db.session.get(Placement, placement_id)
        assert placement.lks_type == "forfaitair"
        assert [c.due_on for c in placement.checkins][:2] == [a_day(21), a_day(49)]
