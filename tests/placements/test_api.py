"""POST /api/v1/placements and POST /api/v1/placements/<id>/end, checked against the OpenAPI document."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from campaign_crm.extensions import db
from campaign_crm.models import AuditEvent, CheckIn, Lead, Placement
from tests.helpers import PLACEMENT_TABLES, a_day, assert_documented, bearer, count, counts

CREATE = "/placements"
END = "/placements/{placement_id}/end"


def _body(lead_id: int, **overrides) -> dict:
    body = {"lead_id": lead_id, "candidate_ref": "UWV-2026-0042", "instrument": "lks", "lks_type": "regular",
            "start_date": a_day(0).isoformat(), "hours_per_week": 32, "loonwaarde_pct": 45,
            "contract_type": "permanent", "jobcoach_org": "jobcoach rijnmond bv"}
    body.update(overrides)
    return body


@pytest.fixture
def partner_token(make_token, region) -> str:
    return make_token("advisor", partner_id=region.partner_a)


def test_a_token_registers_a_placement_for_its_partner_and_the_lead_moves_to_placed(
        app, client, document, region, make_lead, partner_token):
    lead_id = make_lead(region.advisor.id, stage="vacancy")
    response = client.post("/api/v1/placements", headers=bearer(partner_token), json=_body(lead_id))
    assert response.status_code == 201
    body = assert_documented(document, "post", CREATE, response)
    assert body["partner"]["id"] == region.partner_a and body["advisor"]["id"] == region.advisor.id
    assert body["jobcoach_org"] == {"id": region.coach_id, "name": "Jobcoach Rijnmond BV"}
    assert body["jobcoach_kind"] == "external"
    assert [c["week"] for c in body["checkins"]] == [2, 6, 13, 26, 39, 52]
    assert body["checkins"][0]["due_on"] == a_day(14).isoformat()
    with app.app_context():
        placement = db.session.get(Placement, body["id"])
        assert (placement.reference, placement.partner_id, placement.created_by_id) == (
            body["reference"], region.partner_a, None)
        assert db.session.get(Lead, lead_id).stage == "placed"
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "placement_created"))
        assert event.actor_id is None and event.detail["api_token"].startswith("token-advisor")


def test_the_jobcoach_organisation_may_be_given_by_id_and_an_unknown_one_is_a_field_error(
        app, client, document, region, make_lead, partner_token):
    lead_id = make_lead(region.advisor.id)
    response = client.post("/api/v1/placements", headers=bearer(partner_token),
                           json=_body(lead_id, jobcoach_org=region.coach_id))
    assert response.status_code == 201 and response.get_json()["jobcoach_org"]["id"] == region.coach_id
    response = client.post("/api/v1/placements", headers=bearer(partner_token),
                           json=_body(make_lead(region.advisor.id), jobcoach_org="Nergens BV"))
    assert response.status_code == 422
    assert "jobcoach_org" in assert_documented(document, "post", CREATE, response)["error"]["fields"]


@pytest.mark.parametrize("changes, fields", [
    ({"candidate_ref": None, "start_date": None}, {"candidate_ref", "start_date"}),
    ({"lks_type": None, "loonwaarde_pct": None}, {"lks_type", "loonwaarde_pct"}),
    ({"instrument": "lkv"}, {"lks_type"}),  # a type only with LKS
    ({"instrument": "subsidie"}, {"instrument"}),
    ({"loonwaarde_pct": 120, "hours_per_week": 0}, {"loonwaarde_pct", "hours_per_week"}),
    ({"contract_type": "fixed_term"}, {"fixed_term_ends_on"}),
    ({"start_date": "15-06-2026", "hours_per_week": "32"}, {"start_date", "hours_per_week"}),
    ({"start_date": "2026-02-30"}, {"start_date"}),
    ({"colour": "blue"}, {"colour"}),
])
def test_an_invalid_placement_is_a_422_naming_each_field_and_stores_nothing(
        app, client, document, region, make_lead, partner_token, changes, fields):
    lead_id = make_lead(region.advisor.id)
    with app.app_context():
        before = counts(PLACEMENT_TABLES)
    response = client.post("/api/v1/placements", headers=bearer(partner_token), json=_body(lead_id, **changes))
    assert response.status_code == 422
    assert set(assert_documented(document, "post", CREATE, response)["error"]["fields"]) == fields
    with app.app_context():
        assert counts(PLACEMENT_TABLES) == before
        assert db.session.get(Lead, lead_id).stage == "assigned"


def test_a_lost_lead_takes_no_placement(client, document, region, make_lead, partner_token):
    lead_id = make_lead(region.advisor.id, stage="lost")
    response = client.post("/api/v1/placements", headers=bearer(partner_token), json=_body(lead_id))
    assert response.status_code == 409
    assert_documented(document, "post", CREATE, response)


def test_a_token_without_a_partner_or_of_management_may_not_register(app, client, document, region, make_lead,
                                                                     make_token):
    lead_id = make_lead(region.advisor.id)
    for raw in (make_token("campaign"), make_token("management", partner_id=region.partner_a)):
        response = client.post("/api/v1/placements", headers=bearer(raw), json=_body(lead_id))
        assert response.status_code == 403
        assert_documented(document, "post", CREATE, response)
    assert "partner" in client.post("/api/v1/placements", headers=bearer(make_token("admin")),
                                    json=_body(lead_id)).get_json()["error"]["message"]
    with app.app_context():
        assert count(Placement) == 0


def test_the_body_must_be_a_json_object(client, document, region, partner_token):
    assert client.post("/api/v1/placements", headers=bearer(partner_token), data="x").status_code == 415
    response = client.post("/api/v1/placements", headers=bearer(partner_token), json=[1])
    assert response.status_code == 400
    assert_documented(document, "post", CREATE, response)


def _placement(client, token: str, lead_id: int, **changes) -> int:
    response = client.post("/api/v1/placements", headers=bearer(token), json=_body(lead_id, **changes))
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def test_ending_a_placement_records_how_and_why_and_a_second_end_is_a_conflict(
        app, client, document, region, make_lead, partner_token):
    placement_id = _placement(client, partner_token, make_lead(region.advisor.id))
    end = {"end_date": a_day(50).isoformat(), "end_how": "dismissal", "end_why": "behaviour",
           "note": "Vaak te laat"}
    response = client.post(f"/api/v1/placements/{placement_id}/end", headers=bearer(partner_token), json=end)
    assert response.status_code == 200
    body = assert_documented(document, "post", END, response)
    assert (body["end_date"], body["end_how"], body["end_why"], body["end_influenceable"]) == (
        a_day(50).isoformat(), "dismissal", "behaviour", True)

    again = client.post(f"/api/v1/placements/{placement_id}/end", headers=bearer(partner_token),
                        json={**end, "end_why": "health"})
    assert again.status_code == 409
    assert_documented(document, "post", END, again)
    with app.app_context():
        placement = db.session.get(Placement, placement_id)
        assert (placement.end_why, placement.end_note) == ("behaviour", "Vaak te laat")
        assert db.session.scalar(select(CheckIn.id).where(CheckIn.placement_id == placement_id,
                                                          CheckIn.done_on.is_not(None))) is None


@pytest.mark.parametrize("end, fields", [
    ({}, {"end_date", "end_how", "end_why"}),
    ({"end_date": "DAY_BEFORE", "end_how": "dismissal", "end_why": "match"}, {"end_date"}),
    ({"end_date": "START", "end_how": "sacked", "end_why": "boredom"}, {"end_how", "end_why"}),
    ({"end_date": "START", "end_how": "dismissal", "end_why": "match", "note": "BSN 123456782"}, {"note"}),
    ({"end_date": 20260101, "end_how": "dismissal", "end_why": "match"}, {"end_date"}),
])
def test_an_invalid_end_is_a_422_and_the_placement_keeps_running(app, client, document, region, make_lead,
                                                                 partner_token, end, fields):
    placement_id = _placement(client, partner_token, make_lead(region.advisor.id))
    days = {"DAY_BEFORE": (a_day(0) - timedelta(days=1)).isoformat(), "START": a_day(0).isoformat()}
    body = {key: days.get(value, value) if isinstance(value, str) else value for key, value in end.items()}
    response = client.post(f"/api/v1/placements/{placement_id}/end", headers=bearer(partner_token), json=body)
    assert response.status_code == 422
    assert set(assert_documented(document, "post", END, response)["error"]["fields"]) == fields
    with app.app_context():
        assert db.session.get(Placement, placement_id).end_date is None


def test_ending_needs_a_visible_placement_and_a_working_role(client, document, region, make_lead, make_token,
                                                             partner_token):
    placement_id = _placement(client, partner_token, make_lead(region.advisor.id))
    end = {"end_date": a_day(10).isoformat(), "end_how": "trial_period", "end_why": "match"}
    response = client.post("/api/v1/placements/999999/end", headers=bearer(partner_token), json=end)
    assert response.status_code == 404
    assert_documented(document, "post", END, response)
    response = client.post(f"/api/v1/placements/{placement_id}/end",
                           headers=bearer(make_token("management", partner_id=region.partner_a)), json=end)
    assert response.status_code == 403
    response = client.post(f"/api/v1/placements/{placement_id}/end", headers=bearer(make_token("admin")), json=end)
    assert response.status_code == 200  # admins see every placement
