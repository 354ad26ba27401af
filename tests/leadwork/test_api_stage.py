"""POST /api/v1/leads/<id>/stage, part of the public API contract: a lead moves forward only, skipped
stages get the same time, `lost` needs a reason from the configured list; an illegal move is a 409 and
changes nothing. Every answer is checked against the OpenAPI document, and every refusal against the
database."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from campaign_crm.extensions import db
from campaign_crm.models import Lead, LeadStageEvent
from campaign_crm.services.calendar import AMSTERDAM
from tests.helpers import assert_documented, bearer, count, is_valid

PATH = "/leads/{lead_id}/stage"


def post(client, token, lead_id, body=None, **kwargs):
    if body is not None:
        kwargs["json"] = body
    return client.post(f"/api/v1/leads/{lead_id}/stage", headers=bearer(token), **kwargs)


def snapshot(app, lead_id: int) -> tuple:
    """What a refused request must leave as it was."""
    with app.app_context():
        lead = db.session.get(Lead, lead_id)
        return (lead.stage, lead.contacted_at, lead.meeting_at, lead.vacancy_at, lead.lost_at, lead.lost_reason_id,
                count(LeadStageEvent, LeadStageEvent.lead_id == lead_id))


# --- 200 -------------------------------------------------------------------------------------------------

def test_a_forward_move_answers_with_the_lead_in_its_new_stage(app, client, token, document, make_lead):
    lead_id = make_lead()
    body = {"stage": "contacted"}
    assert is_valid(document, "StageChange", body)

    response = post(client, token, lead_id, body)

    assert response.status_code == 200
    lead = assert_documented(document, "post", PATH, response)
    assert (lead["id"], lead["stage"]) == (lead_id, "contacted")
    assert set(lead["stage_times"]) == {"new", "assigned", "contacted"}
    with app.app_context():
        stored = db.session.get(Lead, lead_id)
        assert stored.stage == "contacted"
        assert datetime.now(UTC) - stored.contacted_at < timedelta(minutes=1)  # `at` left out: now
        event = stored.events[-1]
        assert (event.from_stage, event.to_stage, event.actor_id) == ("assigned", "contacted", None)
        assert event.note.startswith("Via API-token token-campaign")
    # The same shape as GET /leads/<id>.
    assert client.get(f"/api/v1/leads/{lead_id}", headers=bearer(token)).get_json() == lead


def test_a_skip_sets_the_skipped_stages_to_the_same_time_read_as_amsterdam_time(app, client, token, document,
                                                                                 make_lead):
    lead_id = make_lead(hours_ago=48)
    local = datetime.now(AMSTERDAM).replace(microsecond=0, tzinfo=None) - timedelta(hours=20)
    expected = local.replace(tzinfo=AMSTERDAM).astimezone(UTC)
    body = {"stage": "vacancy", "at": local.isoformat()}  # no offset: Europe/Amsterdam

    lead = assert_documented(document, "post", PATH, post(client, token, lead_id, body))

    at = expected.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert lead["stage"] == "vacancy"
    assert {k: v for k, v in lead["stage_times"].items() if k in ("contacted", "meeting", "vacancy")} == {
        "contacted": at, "meeting": at, "vacancy": at}
    with app.app_context():
        stored = db.session.get(Lead, lead_id)
        assert stored.contacted_at == stored.meeting_at == stored.vacancy_at == expected
        assert stored.placed_at is None


def test_lost_with_a_reason_closes_the_lead(app, client, token, document, make_lead):
    lead_id = make_lead(stage="meeting")
    body = {"stage": "lost", "lost_reason": "other_route", "at": "2026-01-01T00:00:00Z"}
    with app.app_context():  # a time after the lead came in
        body["at"] = (db.session.get(Lead, lead_id).created_at + timedelta(minutes=5)).isoformat()

    lead = assert_documented(document, "post", PATH, post(client, token, lead_id, body))

    assert lead["stage"] == "lost" and "lost" in lead["stage_times"]
    with app.app_context():
        stored = db.session.get(Lead, lead_id)
        assert (stored.stage, stored.lost_reason.code) == ("lost", "other_route")
        assert stored.vacancy_at is None  # lost does not fill in the stages it skipped


def test_an_advisor_token_moves_the_leads_of_its_partners_advisors(app, client, make_token, desk, document, make_lead):
    lead_id = make_lead()
    response = post(client, make_token("advisor", partner_id=desk.partner_id), lead_id, {"stage": "contacted"})
    assert assert_documented(document, "post", PATH, response)["stage"] == "contacted"


# --- 409 -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("stage", "to"), [("meeting", "contacted"), ("meeting", "meeting"), ("assigned", "new"),
                                           ("lost", "vacancy"), ("lost", "lost")])
def test_an_illegal_move_is_409_and_changes_nothing(app, client, token, document, make_lead, stage, to):
    lead_id = make_lead(stage=stage)
    before = snapshot(app, lead_id)
    body = {"stage": to, "lost_reason": "duplicate"} if to == "lost" else {"stage": to}

    response = post(client, token, lead_id, body)

    assert response.status_code == 409
    error = assert_documented(document, "post", PATH, response)["error"]
    assert error["code"] == "conflict"
    assert "alleen vooruit" in error["message"] or "al afgesloten" in error["message"]
    assert snapshot(app, lead_id) == before


# --- 422 -------------------------------------------------------------------------------------------------

FUTURE = (datetime.now(UTC) + timedelta(days=1)).isoformat()


@pytest.mark.parametrize(("body", "field"), [
    ({"stage": "gewonnen"}, "stage"),
    ({"stage": "lost"}, "lost_reason"),
    ({"stage": "lost", "lost_reason": "omdat"}, "lost_reason"),
    ({"stage": "contacted", "lost_reason": "duplicate"}, "lost_reason"),
    ({"stage": "contacted", "at": FUTURE}, "at"),
    ({"stage": "contacted", "at": "gisteren"}, "at"),
    ({"stage": "contacted", "at": "2020-01-01T10:00:00"}, "at"),  # before the lead came in
    ({"stage": "contacted", "note": "hallo"}, "note"),
    ({}, "stage"),
    ({"stage": 3}, "stage"),
])
def test_a_wrong_body_is_422_naming_the_field_and_changes_nothing(app, client, token, document, make_lead, body,
                                                                   field):
    lead_id = make_lead()
    before = snapshot(app, lead_id)

    response = post(client, token, lead_id, body)

    assert response.status_code == 422
    error = assert_documented(document, "post", PATH, response)["error"]
    assert error["code"] == "invalid" and field in error["fields"]
    assert snapshot(app, lead_id) == before


# --- 404, 403, 401, 415, 400 -------------------------------------------------------------------------------

def test_a_lead_the_token_may_not_see_is_404(app, client, make_token, factory, document, make_lead):
    lead_id = make_lead()
    before = snapshot(app, lead_id)
    other_partner = make_token("advisor", partner_id=factory.partner("UWV Rijnmond", "uwv"))
    for token, target in ((other_partner, lead_id), (make_token("campaign"), 999999)):
        response = post(client, token, target, {"stage": "contacted"})
        assert response.status_code == 404
        assert assert_documented(document, "post", PATH, response)["error"]["code"] == "not_found"
    assert snapshot(app, lead_id) == before


def test_management_tokens_are_403(app, client, make_token, desk, document, make_lead):
    lead_id = make_lead()
    before = snapshot(app, lead_id)
    response = post(client, make_token("management", partner_id=desk.partner_id), lead_id, {"stage": "contacted"})
    assert response.status_code == 403
    assert_documented(document, "post", PATH, response)
    assert snapshot(app, lead_id) == before


def test_no_token_is_401(app, client, document, make_lead):
    lead_id = make_lead()
    response = client.post(f"/api/v1/leads/{lead_id}/stage", json={"stage": "contacted"})
    assert response.status_code == 401
    assert_documented(document, "post", PATH, response)


def test_a_body_that_is_not_json_is_415_and_broken_json_400(app, client, token, document, make_lead):
    lead_id = make_lead()
    before = snapshot(app, lead_id)
    form = post(client, token, lead_id, data={"stage": "contacted"})
    broken = post(client, token, lead_id, data="{stage:", content_type="application/json")
    array = post(client, token, lead_id, ["contacted"])
    assert (form.status_code, broken.status_code, array.status_code) == (415, 400, 400)
    for response in (form, broken, array):
        assert_documented(document, "post", PATH, response)
    assert snapshot(app, lead_id) == before


def test_the_document_describes_the_request_body(document):
    assert is_valid(document, "StageChange", {"stage": "lost", "lost_reason": "duplicate", "at": None})
    assert not is_valid(document, "StageChange", {"stage": "contacted", "note": "x"})
    assert not is_valid(document, "StageChange", {"at": "2026-06-12T10:00:00+02:00"})
    with_stage = document["paths"][PATH]["post"]
    assert with_stage["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/StageChange"}
    assert set(with_stage["responses"]) >= {"200", "400", "401", "403", "404", "409", "415", "422", "429"}


def test_a_stage_change_counts_as_an_update_for_updated_since(app, client, token, make_lead):
    lead_id = make_lead(hours_ago=5)
    with app.app_context():
        before = db.session.scalar(select(Lead.updated_at).where(Lead.id == lead_id))
    post(client, token, lead_id, {"stage": "contacted"})
    with app.app_context():
        assert db.session.scalar(select(Lead.updated_at).where(Lead.id == lead_id)) > before
