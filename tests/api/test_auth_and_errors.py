"""The API's guard and error shape: bearer tokens, JSON errors only, rate limits."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from campaign_crm.extensions import db
from campaign_crm.models import ApiToken, utcnow
from tests.helpers import assert_documented, bearer, validate


def test_no_token_is_401_in_json(client):
    response = client.get("/api/v1/employers")
    assert response.status_code == 401
    assert response.is_json
    assert response.get_json()["error"]["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_an_unknown_token_is_401(client):
    response = client.get("/api/v1/employers", headers=bearer("crm_made-up"))
    assert response.status_code == 401
    assert "onbekend" in response.get_json()["error"]["message"]


def test_a_revoked_token_is_401(app, client, token):
    with app.app_context():
        db.session.scalar(select(ApiToken)).revoked_at = utcnow()
        db.session.commit()
    assert client.get("/api/v1/leads", headers=bearer(token)).status_code == 401


def test_a_token_records_when_it_was_last_used_at_most_once_a_minute(app, client, token):
    def last_used():
        with app.app_context():
            return db.session.scalar(select(ApiToken.last_used_at))

    assert last_used() is None
    client.get("/api/v1/leads", headers=bearer(token))
    first = last_used()
    assert first is not None
    client.get("/api/v1/leads", headers=bearer(token))
    assert last_used() == first
    with app.app_context():
        db.session.scalar(select(ApiToken)).last_used_at = first - timedelta(minutes=2)
        db.session.commit()
    client.get("/api/v1/leads", headers=bearer(token))
    assert last_used() > first


def test_error_answers_match_the_documented_error_shape(client, token, document):
    for response in (
        client.get("/api/v1/employers"),
        client.get("/api/v1/employers?page=0", headers=bearer(token)),
        client.get("/api/v1/does-not-exist", headers=bearer(token)),
        client.delete("/api/v1/employers", headers=bearer(token)),
        client.put("/api/v1/leads/1", headers=bearer(token)),
    ):
        assert response.is_json, response.status_code
        assert "Traceback" not in response.get_data(as_text=True)
        validate(document, "Error", response.get_json())


def test_the_api_is_rate_limited_per_token(app, client, token, document):
    app.config["API_RATE_LIMIT"] = "3 per minute"
    try:
        responses = [client.get("/api/v1/leads", headers=bearer(token)) for _ in range(4)]
    finally:
        app.config["API_RATE_LIMIT"] = "300 per minute"
    assert [r.status_code for r in responses] == [200, 200, 200, 429]
    body = assert_documented(document, "get", "/leads", responses[-1])
    assert body["error"]["code"] == "rate_limited"
    assert int(responses[-1].headers["Retry-After"]) > 0
