"""Request bodies are bounded before they are read: an import file up to MAX_UPLOAD_MB, the API and every
other form up to MAX_REQUEST_KB; a larger one gets a Dutch 413 naming the limit, and nothing is stored."""
from __future__ import annotations

import json

import pytest

from tests.helpers import bearer, counts, login, multipart, nothing_stored


def test_the_body_limits_are_settings_with_a_large_one_for_import_files(app):
    assert app.config["MAX_UPLOAD_MB"] == 20
    assert app.config["MAX_REQUEST_KB"] == 1024


def test_an_api_body_over_the_limit_is_refused_with_413_naming_the_limit_and_nothing_is_stored(
        app, client, token, campaign):
    body = json.dumps({"employer": {"name": "Groot BV"}, "contact": {"email": "info@groot.example"},
                       "message": "x" * (60 * 1024 * 1024)})

    response = client.post("/api/v1/leads", data=body, content_type="application/json", headers=bearer(token))

    assert response.status_code == 413
    error = response.get_json()["error"]
    assert error["code"] == "too_large"
    assert "hoogstens 1 MB" in error["message"]
    with app.app_context():
        assert counts() == nothing_stored()
    assert client.get("/api/v1/leads", headers=bearer(token)).status_code == 200


def test_a_form_body_over_the_limit_is_refused_with_a_dutch_413_page(app, client, campaign):
    response = client.post("/aanmelden", data={"employer_name": "Groot BV", "message": "x" * (2 * 1024 * 1024)})

    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "groter dan toegestaan: hoogstens 1 MB" in page
    assert "Traceback" not in page
    with app.app_context():
        assert counts() == nothing_stored()
    assert client.get("/aanmelden").status_code == 200


@pytest.mark.parametrize("upload_mb, refused", [(3, True), (5, False)])
def test_an_import_file_is_bounded_by_its_own_larger_setting(app, client, factory, campaign, monkeypatch, upload_mb,
                                                             refused):
    monkeypatch.setitem(app.config, "MAX_UPLOAD_MB", upload_mb)
    login(client, factory.user("campaign"))
    big = b"Bedrijfsnaam;E-mail\r\n" + b"Bouw BV;info@bouw.example\r\n" * (4 * 1024 * 1024 // 27)  # ~4 MB

    body = multipart({"preset": "generic", "campaign": "aknp", "phase": "", "channel": ""}, "groot.csv", big)
    response = client.post("/import/", data=body, content_type="multipart/form-data; boundary=grens")

    assert (response.status_code == 413) is refused
    assert response.status_code < 500
    if refused:
        assert f"hoogstens {upload_mb} MB" in response.get_data(as_text=True)
    with app.app_context():
        assert counts() == nothing_stored()  # an accepted upload is only previewed

