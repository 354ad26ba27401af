"""POST /api/v1/leads, part of the public API contract: the JSON entry to the one intake (201 with a
Location for a new lead, 200 for a touchpoint attached to an open lead or replayed by external_id).

Every answer is checked against the OpenAPI document, and every refusal against the database:
nothing is written unless the request succeeds.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from campaign_crm.blueprints.api import routes
from campaign_crm.extensions import db
from campaign_crm.models import Campaign, Channel, Lead, Touchpoint
from campaign_crm.services.campaigns import ad_codes
from campaign_crm.services.capture.intake import record_touchpoint
from tests.helpers import assert_documented, bearer, counts, is_valid, nothing_stored

pytestmark = pytest.mark.usefixtures("campaign")



def payload(**overrides) -> dict:
    """A complete, valid intake body; keyword arguments replace top-level fields (None removes one)."""
    body = {
        "employer": {"name": "Bakkerij Jansen", "kvk": "2412 3456", "vestigingsnummer": "000012345678",
                     "municipality": "GM0622", "sbi": "10.71", "size": "10-49", "postcode": "3131ab",
                     "website": "https://bakkerij-jansen.nl"},
        "contact": {"name": "Petra Jansen", "function": "Eigenaar", "email": "petra@bakkerij-jansen.nl",
                    "phone": "010-1234567"},
        "campaign": "aknp",
        "channel": "dagblad",
        "phase": "launch",
        "utm": {"source": "ad", "medium": "print", "campaign": "aknp-launch", "content": "12-mei", "term": "lks"},
        "interests": ["lks", "jobcoaching"],
        "message": "Wij zoeken twee productiemedewerkers.",
        "occurred_at": "2026-05-12T09:30:00+02:00",
        "external_id": "web-0001",
    }
    for key, value in overrides.items():
        if value is None:
            body.pop(key, None)
        else:
            body[key] = value
    return body


def post(client, token, body, **kwargs):
    return client.post("/api/v1/leads", json=body, headers=bearer(token), **kwargs)


# --- created, attached, replayed ------------------------------------------------------------------------

def test_a_new_employer_gets_a_new_lead_201_with_its_location(app, client, token, document):
    assert is_valid(document, "LeadInput", payload())
    response = post(client, token, payload())

    assert response.status_code == 201
    body = assert_documented(document, "post", "/leads", response)
    assert response.headers["Location"] == f"/api/v1/leads/{body['id']}"
    assert body["attached"] is False and body["warnings"] == []
    assert (body["stage"], body["channel"], body["phase"], body["interests"], body["external_id"]) == (
        "new", "dagblad", "launch", ["lks", "jobcoaching"], "web-0001")
    assert body["created_at"] == "2026-05-12T07:30:00Z"
    assert body["stage_times"] == {"new": "2026-05-12T07:30:00Z"}
    assert body["assigned_to"] is None and body["sla_due_at"] is not None
    with app.app_context():
        assert counts() == {"employers": 1, "contacts": 1, "leads": 1, "touchpoints": 1}
        touchpoint = db.session.scalar(select(Touchpoint))
        assert (touchpoint.kind, touchpoint.lead_id, touchpoint.utm_source, touchpoint.utm_term) == (
            "api", body["id"], "ad", "lks")
        assert touchpoint.employer.kvk == "24123456"
        assert touchpoint.contact.phone == "+31101234567"
    # The lead's own address answers with the same lead.
    again = client.get(response.headers["Location"], headers=bearer(token))
    assert {k: v for k, v in body.items() if k not in ("attached", "warnings")} == again.get_json()


def test_a_later_touchpoint_of_the_same_employer_attaches_200(app, client, token, document):
    first = post(client, token, payload()).get_json()
    later = payload(contact={"name": "Kees", "email": "kees@bakkerij-jansen.nl"}, interests=["vacature"],
                    external_id="web-0002", occurred_at="2026-05-20T14:00:00+02:00", channel="linkedin")

    response = post(client, token, later)

    assert response.status_code == 200
    body = assert_documented(document, "post", "/leads", response)
    assert body["attached"] is True
    assert body["id"] == first["id"]
    assert body["channel"] == "dagblad", "a lead keeps the channel of its first touchpoint"
    assert body["interests"] == ["lks", "jobcoaching", "vacature"]
    assert "Location" not in response.headers
    with app.app_context():
        assert counts() == {"employers": 1, "contacts": 2, "leads": 1, "touchpoints": 2}


def test_the_same_external_id_again_answers_200_with_the_same_lead_and_adds_nothing(app, client, token, document):
    first = post(client, token, payload()).get_json()
    with app.app_context():
        before = counts()

    response = post(client, token, payload(message="Tweede keer verstuurd", interests=["harrie"]))

    assert response.status_code == 200
    body = assert_documented(document, "post", "/leads", response)
    assert body["id"] == first["id"]
    assert body["attached"] is False
    assert body["interests"] == ["lks", "jobcoaching"]
    with app.app_context():
        assert counts() == before
        assert db.session.scalar(select(Lead.message)) == "Wij zoeken twee productiemedewerkers."


def test_a_replay_that_loses_a_race_on_the_unique_key_still_answers_with_the_one_lead(app, client, token, document,
                                                                                       monkeypatch):
    # A parallel request with the same external_id commits first; ours then hits the unique key.
    calls = []

    def racing(data, **kwargs):
        calls.append(data.external_id)
        if len(calls) == 1:
            record_touchpoint(data)
            db.session.commit()
            raise IntegrityError("INSERT INTO touchpoints", {}, Exception("UNIQUE constraint failed"))
        return record_touchpoint(data, **kwargs)

    monkeypatch.setattr(routes, "record_touchpoint", racing)
    response = post(client, token, payload())

    assert response.status_code == 200
    assert_documented(document, "post", "/leads", response)
    assert calls == ["web-0001", "web-0001"]
    with app.app_context():
        assert counts() == {"employers": 1, "contacts": 1, "leads": 1, "touchpoints": 1}


def test_campaign_defaults_to_the_active_one_and_phase_to_the_one_on_occurred_at(app, client, token):
    body = payload(campaign=None, phase=None, occurred_at="2026-09-15T11:00:00+02:00")
    response = post(client, token, body)
    assert response.status_code == 201
    assert response.get_json()["phase"] == "techniek"
    with app.app_context():
        assert db.session.scalar(select(Lead)).campaign.code == "aknp"


def test_the_smallest_body_is_a_name_and_a_way_to_reach_someone(app, client, token, document):
    response = post(client, token, {"employer": {"name": "Kapsalon Noord"}, "contact": {"phone": "0612345678"}})
    assert response.status_code == 201
    body = assert_documented(document, "post", "/leads", response)
    assert body["external_id"] is None
    # Without occurred_at the touchpoint happened now.
    created = datetime.fromisoformat(body["created_at"])
    assert abs(created - datetime.now(UTC)) < timedelta(minutes=1)


def test_an_ad_code_sets_channel_and_phase(app, client, token):
    with app.app_context():
        campaign = db.session.scalar(select(Campaign).where(Campaign.code == "aknp"))
        vakblad = db.session.scalar(select(Channel).where(Channel.code == "vakblad"))
        zorg = next(p for p in campaign.phases if p.code == "zorg")
        code = ad_codes.create_ad_code(title="Zorgvisie november", campaign=campaign, channel=vakblad, phase=zorg,
                                       code="ZV-NOV", actor=None).code
        db.session.commit()
    response = post(client, token, payload(ad_code=code.lower(), channel=None, phase=None))
    assert response.status_code == 201
    assert (response.get_json()["channel"], response.get_json()["phase"]) == ("vakblad", "zorg")


def test_invalid_optional_values_are_dropped_with_warnings(app, client, token, document):
    body = payload(employer={"name": "Bakkerij Jansen", "kvk": "1234", "postcode": "nope", "size": 25})
    response = post(client, token, body)
    assert response.status_code == 201
    answer = assert_documented(document, "post", "/leads", response)
    assert len(answer["warnings"]) == 2
    assert any(w.startswith("employer.kvk:") for w in answer["warnings"])
    assert any(w.startswith("employer.postcode:") for w in answer["warnings"])
    with app.app_context():
        lead = db.session.scalar(select(Lead))
        assert (lead.employer.kvk, lead.employer.postcode, lead.employer.size_class) == (None, None, "10-49")


# --- times ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("sent", "stored_utc"), [
    ("2026-06-12T10:00:00", datetime(2026, 6, 12, 8, 0, tzinfo=UTC)),    # summer time: UTC+2
    ("2026-11-02T10:00", datetime(2026, 11, 2, 9, 0, tzinfo=UTC)),       # winter time: UTC+1
    ("2026-06-12T10:00:00Z", datetime(2026, 6, 12, 10, 0, tzinfo=UTC)),  # an offset is kept
    ("2026-06-12T09:00:00-01:00", datetime(2026, 6, 12, 10, 0, tzinfo=UTC)),
])
def test_occurred_at_without_an_offset_is_amsterdam_time(app, client, token, sent, stored_utc):
    response = post(client, token, payload(occurred_at=sent))
    assert response.status_code == 201
    assert response.get_json()["created_at"] == stored_utc.strftime("%Y-%m-%dT%H:%M:%SZ")
    with app.app_context():
        assert db.session.scalar(select(Touchpoint.occurred_at)) == stored_utc
        assert db.session.scalar(select(Lead.created_at)) == stored_utc


def test_a_future_occurred_at_is_422_and_stores_nothing(app, client, token, document):
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    response = post(client, token, payload(occurred_at=tomorrow))
    assert response.status_code == 422
    body = assert_documented(document, "post", "/leads", response)
    assert set(body["error"]["fields"]) == {"occurred_at"}
    with app.app_context():
        assert counts() == nothing_stored()


def test_an_unreadable_occurred_at_is_422(app, client, token, document):
    response = post(client, token, payload(occurred_at="12-06-2026 10:00"))
    assert response.status_code == 422
    assert "occurred_at" in assert_documented(document, "post", "/leads", response)["error"]["fields"]
    with app.app_context():
        assert counts() == nothing_stored()


# --- refused: 422 with the fields -----------------------------------------------------------------------

@pytest.mark.parametrize(("change", "field"), [
    ({"employer": {"kvk": "24123456"}}, "employer.name"),
    ({"employer": {"name": "   "}}, "employer.name"),
    ({"contact": {"name": "Petra", "email": "petra@", "phone": None}}, "contact.email"),
    ({"contact": {"name": "Petra"}}, "contact"),
    ({"ad_code": "NOPE-404"}, "ad_code"),
    ({"interests": ["lks", "subsidie-x"]}, "interests"),
    ({"campaign": "onbekend"}, "campaign"),
    ({"phase": "winter"}, "phase"),
    ({"channel": "telegraaf-bord"}, "channel"),
    ({"message": "BSN van de kandidaat: 111222333"}, "message"),
    ({"external_id": "x" * 121}, "external_id"),
], ids=lambda value: value if isinstance(value, str) else None)
def test_an_invalid_value_is_422_naming_the_field_and_stores_nothing(app, client, token, document, change, field):
    response = post(client, token, payload(**change))
    assert response.status_code == 422
    body = assert_documented(document, "post", "/leads", response)
    assert body["error"]["code"] == "invalid"
    assert field in body["error"]["fields"], body
    with app.app_context():
        assert counts() == nothing_stored()


@pytest.mark.parametrize(("change", "field"), [
    ({"employer": "Bakkerij Jansen"}, "employer"),
    ({"contact": ["petra@bakkerij-jansen.nl"]}, "contact"),
    ({"utm": "ad"}, "utm"),
    ({"interests": "lks"}, "interests"),
    ({"interests": ["lks", 3]}, "interests"),
    ({"employer": {"name": "Bakkerij Jansen", "kvk": 24123456}}, "employer.kvk"),
    ({"employer": {"name": 42}}, "employer.name"),
    ({"employer": {"name": "Bakkerij Jansen", "size": True}}, "employer.size"),
    ({"contact": {"email": {"address": "petra@bakkerij-jansen.nl"}}}, "contact.email"),
    ({"occurred_at": 1781251200}, "occurred_at"),
    ({"external_id": 17}, "external_id"),
    ({"interest": ["lks"]}, "interest"),
    ({"employer": {"name": "Bakkerij Jansen", "adres": "Dorpsstraat 1"}}, "employer.adres"),
    ({"utm": {"id": "123"}}, "utm.id"),
], ids=lambda value: value if isinstance(value, str) else None)
def test_a_wrong_json_type_or_unknown_field_is_422_naming_it(app, client, token, document, change, field):
    body = payload(**change)
    assert not is_valid(document, "LeadInput", body), "the document must refuse what the API refuses"
    response = post(client, token, body)
    assert response.status_code == 422
    answer = assert_documented(document, "post", "/leads", response)
    assert field in answer["error"]["fields"], answer
    with app.app_context():
        assert counts() == nothing_stored()


def test_all_shape_errors_are_reported_at_once(client, token):
    response = post(client, token, {"employer": {"kvk": 1}, "contact": "x", "interests": {}})
    assert set(response.get_json()["error"]["fields"]) == {"employer.name", "employer.kvk", "contact", "interests"}


# --- refused before the intake: 400, 401, 403, 415 --------------------------------------------------------

@pytest.mark.parametrize("raw", ['{"employer": {"name": "Bakkerij"', "", "null x", b"\xff\xfe{}"])
def test_a_body_that_is_not_json_is_400(app, client, token, document, raw):
    response = client.post("/api/v1/leads", data=raw, content_type="application/json", headers=bearer(token))
    assert response.status_code == 400
    assert assert_documented(document, "post", "/leads", response)["error"]["code"] == "bad_request"
    with app.app_context():
        assert counts() == nothing_stored()


@pytest.mark.parametrize("raw", ["[]", '"lead"', "null", "42"])
def test_json_that_is_not_an_object_is_400(app, client, token, document, raw):
    response = client.post("/api/v1/leads", data=raw, content_type="application/json", headers=bearer(token))
    assert response.status_code == 400
    assert_documented(document, "post", "/leads", response)
    with app.app_context():
        assert counts() == nothing_stored()


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data",
                                          None])
def test_a_wrong_content_type_is_415(app, client, token, document, content_type):
    import json

    response = client.post("/api/v1/leads", data=json.dumps(payload()), headers={
        **bearer(token), **({"Content-Type": content_type} if content_type else {})})
    assert response.status_code == 415
    assert assert_documented(document, "post", "/leads", response)["error"]["code"] == "unsupported_media_type"
    with app.app_context():
        assert counts() == nothing_stored()


def test_json_with_a_charset_is_accepted(client, token):
    import json

    response = client.post("/api/v1/leads", data=json.dumps(payload()).encode(),
                           headers={**bearer(token), "Content-Type": "application/json; charset=utf-8"})
    assert response.status_code == 201


def test_without_a_token_it_is_401(app, client, document):
    response = client.post("/api/v1/leads", json=payload())
    assert response.status_code == 401
    assert assert_documented(document, "post", "/leads", response)["error"]["code"] == "unauthorized"
    with app.app_context():
        assert counts() == nothing_stored()


def test_a_management_token_may_not_create_leads_403(app, client, make_token, document):
    response = post(client, make_token("management"), payload())
    assert response.status_code == 403
    assert_documented(document, "post", "/leads", response)
    with app.app_context():
        assert counts() == nothing_stored()


@pytest.mark.parametrize("role", ["admin", "campaign", "teamlead", "advisor"])
def test_every_role_that_works_leads_may_create_them(client, make_token, role):
    assert post(client, make_token(role), payload()).status_code == 201


def test_a_failure_after_the_intake_leaves_nothing_half_written(app, client, token, monkeypatch):
    def broken(result):
        raise RuntimeError("serialising failed")

    monkeypatch.setattr(routes, "intake_json", broken)
    response = post(client, token, payload())
    assert response.status_code == 500
    assert response.get_json()["error"]["code"] == "server_error"
    assert "serialising" not in response.get_data(as_text=True)
    with app.app_context():
        assert counts() == nothing_stored()
