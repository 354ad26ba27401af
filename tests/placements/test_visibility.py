"""Placements and everything under them belong to the placing partner: for users and tokens of other
partners they do not exist (404) and appear in no list. Management sees none; admins see all."""
from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from campaign_crm.extensions import db
from campaign_crm.models import CheckIn, Intervention, Placement, RiskCase, RiskSignal
from campaign_crm.services.placements import access as placement_access
from campaign_crm.services.placements import risk
from tests.helpers import PLACEMENT_TABLES, a_day, bearer, count, counts, login


@dataclass
class Owned:
    lead_id: int
    placement_id: int
    reference: str
    checkin_id: int
    case_id: int
    intervention_id: int
    signal_id: int


@pytest.fixture
def owned(app, region, make_lead, make_placement) -> Owned:
    """Partner A's placement with a done amber check-in, an open risk case, an intervention and a signal."""
    lead_id = make_lead(region.advisor.id, name="Zorgcentrum De Haven")
    placement_id = make_placement(lead_id, region.advisor.id, jobcoach_org=region.coach_id)
    with app.app_context():
        placement = db.session.get(Placement, placement_id)
        checkin = db.session.scalar(select(CheckIn).where(CheckIn.placement_id == placement_id, CheckIn.week == 2))
        checkin.done_on, checkin.risk, checkin.with_whom = a_day(14), "amber", "employer"
        case = risk.open_case(placement, "amber", "checkin", None)
        intervention = risk.add_intervention(placement, risk.InterventionInput(kind="adjusted_tasks",
                                                                               started_on=a_day(15)), actor=None)
        signal = RiskSignal(placement_id=placement_id, jobcoach_org_id=region.coach_id, description="Vaak afwezig")
        db.session.add(signal)
        db.session.commit()
        return Owned(lead_id, placement_id, placement.reference, checkin.id, case.id, intervention.id, signal.id)


def _pages(o: Owned) -> list[str]:
    base = f"/plaatsingen/{o.placement_id}"
    return [base, f"{base}/wijzigen", f"{base}/check-ins/{o.checkin_id}", f"{base}/risico/{o.case_id}",
            f"{base}/interventies/{o.intervention_id}"]


def _posts(o: Owned) -> dict[str, dict[str, str]]:
    base = f"/plaatsingen/{o.placement_id}"
    return {
        f"{base}/check-ins": {"checkin-done_on": a_day(20).isoformat(), "checkin-with_whom": "employer",
                              "checkin-risk": "red"},
        f"{base}/interventies": {"intervention-kind": "other", "intervention-started_on": a_day(20).isoformat()},
        f"{base}/interventies/{o.intervention_id}": {"finish-ended_on": a_day(21).isoformat(),
                                                    "finish-outcome": "Klaar"},
        f"{base}/risico/{o.case_id}": {"case-outcome": "Opgelost"},
        f"{base}/lkv": {"lkv-lkv_requested_on": a_day(1).isoformat()},
        f"{base}/beeindigen": {"end-end_date": a_day(30).isoformat(), "end-end_how": "dismissal",
                               "end-end_why": "match"},
        f"{base}/wijzigen": {"placement-candidate_ref": "X-1", "placement-instrument": "other",
                             "placement-start_date": a_day(0).isoformat()},
    }


@pytest.mark.parametrize("who", ["outsider", "outsider_teamlead", "outsider_campaign", "no_partner"])
def test_users_of_another_partner_get_404_on_the_placement_its_check_ins_risk_cases_and_interventions(
        app, client, region, owned, who):
    login(client, getattr(region, who))
    for url in _pages(owned):
        assert client.get(url).status_code == 404, url
    with app.app_context():
        before = counts(PLACEMENT_TABLES)
    for url, data in _posts(owned).items():
        assert client.post(url, data=data).status_code == 404, url
    with app.app_context():
        assert counts(PLACEMENT_TABLES) == before
        placement = db.session.get(Placement, owned.placement_id)
        assert (placement.end_date, placement.lkv_requested_on, placement.candidate_ref) == (None, None, "KL-2026-0815")
        assert db.session.get(RiskCase, owned.case_id).closed_at is None
        assert db.session.get(Intervention, owned.intervention_id).ended_on is None


@pytest.mark.parametrize("who", ["outsider", "outsider_teamlead", "outsider_campaign", "no_partner"])
def test_users_of_another_partner_see_the_placement_in_no_list(app, client, region, owned, who):
    login(client, getattr(region, who))
    lists = [client.get("/plaatsingen/?status=all"), client.get("/plaatsingen/check-ins?mijn=0"),
             client.get("/plaatsingen/check-ins?mijn=1")]
    for response in lists:
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert owned.reference not in html and f"/plaatsingen/{owned.placement_id}" not in html
    for q in (owned.reference, "KL-2026-0815", "De Haven"):  # by reference, candidate_ref or employer
        html = client.get("/plaatsingen/", query_string={"status": "all", "q": q}).get_data(as_text=True)
        assert "Geen plaatsingen gevonden" in html and f"/plaatsingen/{owned.placement_id}" not in html
    if "jobcoach.list_signals" in app.view_functions:  # the signal queue of advisors and team leads
        response = client.get("/jobcoaches/signalen")
        assert response.status_code in (200, 403)
        assert "Vaak afwezig" not in response.get_data(as_text=True)
    lead_page = client.get(f"/leads/{owned.lead_id}")
    if lead_page.status_code == 200:  # the lead is visible to some of them (same team, campaign team)
        html = lead_page.get_data(as_text=True)
        assert owned.reference not in html and f"/plaatsingen/{owned.placement_id}" not in html


def test_the_outsiders_who_may_read_the_lead_still_do_not_see_its_placement(client, region, owned):
    for who in (region.outsider, region.outsider_campaign):
        login(client, who)
        assert client.get(f"/leads/{owned.lead_id}").status_code == 200  # the lead page itself is theirs to read


@pytest.mark.parametrize("who", ["advisor", "colleague", "teamlead", "admin"])
def test_the_owning_partner_and_admins_see_the_placement_and_everything_under_it(client, region, owned, who):
    login(client, getattr(region, who))
    for url in _pages(owned):
        assert client.get(url).status_code == 200, url
    html = client.get("/plaatsingen/?status=all").get_data(as_text=True)
    assert owned.reference in html
    risk_page = client.get(f"/plaatsingen/{owned.placement_id}/risico/{owned.case_id}").get_data(as_text=True)
    assert "Vaak afwezig" in risk_page  # the jobcoach's signal


def test_management_sees_no_placement_pages(client, region, owned):
    login(client, region.management)  # of the owning partner, even
    for url in [*_pages(owned), "/plaatsingen/", "/plaatsingen/check-ins"]:
        assert client.get(url).status_code == 403, url


def test_a_check_in_or_risk_case_of_another_placement_is_not_found_under_this_one(app, client, region, owned,
                                                                                  make_lead, make_placement):
    other = make_placement(make_lead(region.advisor.id), region.advisor.id)
    login(client, region.advisor)
    assert client.get(f"/plaatsingen/{other}/check-ins/{owned.checkin_id}").status_code == 404
    assert client.get(f"/plaatsingen/{other}/risico/{owned.case_id}").status_code == 404
    assert client.get(f"/plaatsingen/{other}/interventies/{owned.intervention_id}").status_code == 404
    response = client.post(f"/plaatsingen/{other}/check-ins", data={
        "checkin-checkin_id": str(owned.checkin_id), "checkin-done_on": a_day(20).isoformat(),
        "checkin-with_whom": "employer", "checkin-risk": "green"})
    assert response.status_code in (404, 422)  # not one of this placement's check-ins
    with app.app_context():
        assert db.session.get(CheckIn, owned.checkin_id).risk == "amber"


# --- the API ---------------------------------------------------------------------------------------

def test_a_token_of_another_partner_gets_404_when_ending_the_placement(app, client, region, owned, make_token):
    for raw in (make_token("advisor", partner_id=region.partner_b), make_token("campaign", partner_id=region.partner_b),
                make_token("advisor")):
        response = client.post(f"/api/v1/placements/{owned.placement_id}/end", headers=bearer(raw), json={
            "end_date": a_day(30).isoformat(), "end_how": "dismissal", "end_why": "match"})
        assert response.status_code == 404
        assert response.get_json()["error"]["code"] == "not_found"
    with app.app_context():
        assert db.session.get(Placement, owned.placement_id).end_date is None


def test_a_token_of_another_partner_gets_404_for_a_placement_on_a_lead_it_cannot_see(app, client, region, owned,
                                                                                    make_lead, make_token):
    lead_id = make_lead(region.advisor.id)
    raw = make_token("advisor", partner_id=region.partner_b)
    response = client.post("/api/v1/placements", headers=bearer(raw), json={
        "lead_id": lead_id, "candidate_ref": "UWV-77", "instrument": "other", "start_date": a_day(0).isoformat()})
    assert response.status_code == 404
    with app.app_context():
        assert count(Placement) == 1


def test_the_clause_gives_each_actor_its_own_partners_placements(app, region, owned, make_lead, make_placement):
    b_lead = make_lead(region.outsider.id)
    b_placement = make_placement(b_lead, region.outsider.id)
    with app.app_context():
        from campaign_crm.models import User

        def visible(user_id: int) -> set[int]:
            actor = db.session.get(User, user_id)
            return set(db.session.scalars(select(Placement.id).where(
                placement_access.visible_placements_clause(actor))))

        assert visible(region.advisor.id) == visible(region.teamlead.id) == {owned.placement_id}
        assert visible(region.outsider.id) == visible(region.outsider_campaign.id) == {b_placement}
        assert visible(region.admin.id) == {owned.placement_id, b_placement}
        assert visible(region.management.id) == visible(region.no_partner.id) == set()
