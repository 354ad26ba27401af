"""With the database unreachable, pages answer a static Dutch 503 page (no template, no logged-in user
looked up) and the API its JSON 503; never a stack trace. A web import that loses the database says it
stopped and that nothing was stored."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from campaign_crm import create_app
from campaign_crm.config import TestingConfig
from campaign_crm.extensions import db, login_manager
from campaign_crm.services import imports
from campaign_crm.services.imports import runner as import_runner
from tests.helpers import counts, login, multipart, nothing_stored, run_queued_tasks

UNREACHABLE = {
    "postgresql": "postgresql+psycopg://postgres@127.0.0.1:1/crm",
    "sqlite": "sqlite:////nonexistent-directory/for/sure/crm.db",
}


@pytest.fixture(params=sorted(UNREACHABLE))
def down_client(request, monkeypatch):
    """A client of a fresh app whose database cannot be reached, with a logged-in user's session cookie."""
    app = create_app(TestingConfig(UNREACHABLE[request.param]))

    def load_user_from_the_database(user_id):
        return db.session.execute(text("SELECT 1")).scalar()  # what every real user loader must do

    monkeypatch.setattr(login_manager, "_user_callback", load_user_from_the_database)
    monkeypatch.setattr(login_manager, "session_protection", None)  # the test's cookie carries no session id
    client = app.test_client()
    yield client
    with app.app_context():
        db.engine.dispose()


def assert_unavailable_page(response) -> None:
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert "Tijdelijk niet beschikbaar" in page and "Er is niets half opgeslagen" in page
    assert "Traceback" not in page and "OperationalError" not in page


@pytest.mark.parametrize("path", ["/aanmelden", "/a/VB-LOG-06"])
def test_a_page_answers_the_static_dutch_503_when_the_database_is_down(down_client, path):
    assert_unavailable_page(down_client.get(path))


@pytest.mark.parametrize("path", ["/", "/bestaat-niet"])
def test_the_503_page_needs_no_database_even_when_looking_up_the_logged_in_user_fails(down_client, path):
    with down_client.session_transaction() as session:
        session["_user_id"] = "1"

    assert_unavailable_page(down_client.get(path))
    assert_unavailable_page(down_client.get(path))  # and again: the process is still answering


def test_the_api_answers_a_json_503_when_the_database_is_down(down_client):
    response = down_client.get("/api/v1/leads", headers={"Authorization": "Bearer crm_test"})

    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "unavailable"


def test_a_web_import_that_loses_the_database_says_it_stopped_and_nothing_was_stored(app, client, factory, campaign,
                                                                                      monkeypatch):
    login(client, factory.user("campaign"))
    data = b"Bedrijfsnaam;E-mail\r\nBouw Noord;info@bouwnoord.example\r\nMetaal Zuid;info@metaalzuid.example\r\n"
    upload = client.post("/import/", data=multipart({"preset": "generic", "campaign": "aknp", "phase": "",
                                                     "channel": ""}, "werkgevers.csv", data),
                         content_type="multipart/form-data; boundary=grens")
    batch_id = int(re.search(r"/import/(\d+)", upload.headers["Location"]).group(1))
    client.get(f"/import/{batch_id}/kolommen")
    client.post(f"/import/{batch_id}/kolommen", data={"map_employer_name": "Bedrijfsnaam", "map_email": "E-mail"})
    client.get(f"/import/{batch_id}").get_data()
    lost = OperationalError("INSERT INTO touchpoints", {}, Exception("server closed the connection"))

    def lose_the_database(*args, **kwargs):
        raise lost

    monkeypatch.setattr(import_runner, "record_touchpoints", lose_the_database)
    monkeypatch.setattr(imports, "mark_failed", lose_the_database)  # and it stays gone

    assert client.post(f"/import/{batch_id}/inlezen", data={}).status_code == 302
    run_queued_tasks(app)  # the import task fails every attempt, and cannot even mark its batch
    response = client.get(f"/import/{batch_id}")
    page = response.get_data(as_text=True)

    assert response.status_code == 200
    assert "Inlezen mislukt" in page
    assert "het inlezen is gestopt en er is niets opgeslagen" in page
    assert "Traceback" not in page
    with app.app_context():
        assert counts() == nothing_stored()
