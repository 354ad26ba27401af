"""Ids beyond the database's integer range find nothing (404), and a NUL byte anywhere in a request is
refused with a Dutch message (400 on pages, 422 in the API): PostgreSQL cannot store one, and neither
may answer with a 500. The next request is answered normally."""
from __future__ import annotations

import pytest

from tests.helpers import bearer, counts, login, nothing_stored

HUGE = 2**31  # one past PostgreSQL's integer


@pytest.mark.parametrize("path", [f"/leads/{HUGE}", f"/werkgevers/{HUGE}", f"/import/{HUGE}",
                                  f"/leads/{10**30}", "/leads/" + "9" * 5000])
def test_a_page_id_beyond_the_database_range_is_not_found(client, factory, path):
    login(client, factory.user("admin"))

    response = client.get(path)

    assert response.status_code == 404
    assert "Niet gevonden" in response.get_data(as_text=True)
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("path, method", [(f"/api/v1/leads/{HUGE}", "get"),
                                          (f"/api/v1/leads/{HUGE}/stage", "post"),
                                          (f"/api/v1/placements/{HUGE}/end", "post")])
def test_an_api_id_beyond_the_database_range_is_not_found(client, token, path, method):
    response = getattr(client, method)(path, json={}, headers=bearer(token))

    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("url", [f"/leads/zonder-team?channel={HUGE}&phase={10**40}", f"/werkgevers/?sector={HUGE}",
                                 f"/werkgevers/?municipality={10**40}", f"/beheer/gebruikers?team={HUGE}"])
def test_an_id_in_a_query_string_beyond_the_database_range_filters_nothing_out(client, factory, url):
    login(client, factory.user("admin"))

    assert client.get(url).status_code == 200


@pytest.mark.parametrize("query", [f"partner={HUGE}", f"team={HUGE}"])
def test_a_report_filter_id_beyond_the_database_range_is_a_422_naming_it(client, make_token, query):
    response = client.get("/api/v1/reports/funnel?" + query, headers=bearer(make_token("admin")))

    assert response.status_code == 422
    assert query.split("=")[0] in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("path, data", [
    ("/aanmelden?utm_source=a%00b", None),
    ("/aanmelden", {"employer_name": "Bouw\x00 BV", "contact_name": "Jan", "email": "jan@bouw.example"}),
    ("/a/VB%00LOG", None),
])
def test_a_nul_byte_on_a_page_is_a_dutch_400_and_nothing_is_stored(app, client, campaign, path, data):
    response = client.post(path, data=data) if data else client.get(path)

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "NUL-teken" in page and "Traceback" not in page
    with app.app_context():
        assert counts() == nothing_stored()
    assert client.get("/aanmelden").status_code == 200


@pytest.mark.parametrize("request_args, field", [
    (("post", "/api/v1/leads", {"employer": {"name": "Bouw\x00 BV"}, "contact": {"email": "a@b.example"}}),
     "employer.name"),
    (("post", "/api/v1/leads", {"employer": {"name": "Bouw BV"}, "contact": {"email": "a@b.example"},
                                "interests": ["lks\x00"]}), "interests.0"),
    (("get", "/api/v1/employers?q=bouw%00", None), "q"),
    (("get", "/api/v1/leads?channel=%00", None), "channel"),
])
def test_a_nul_byte_in_the_api_is_a_422_naming_where_and_nothing_is_stored(app, client, token, campaign,
                                                                           request_args, field):
    method, path, body = request_args

    response = getattr(client, method)(path, json=body, headers=bearer(token))

    assert response.status_code == 422
    error = response.get_json()["error"]
    assert "NUL-teken" in error["message"]
    assert field in error["fields"]
    with app.app_context():
        assert counts() == nothing_stored()
    assert client.get("/api/v1/leads", headers=bearer(token)).status_code == 200
