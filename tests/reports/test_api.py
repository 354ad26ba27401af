"""The report endpoints: who may call them, 422 with field errors for a bad question, answers that match the
OpenAPI document, and the same numbers as the report pages."""
from __future__ import annotations

import pytest

from tests.helpers import assert_documented, bearer, page_table, report_login

ENDPOINTS = ("/reports/funnel", "/reports/retention", "/reports/lks-jobs")


def get(client, document, path: str, token: str | None, **query) -> tuple[int, dict]:
    """GET an endpoint with `token` (None: without one) and check the answer against the OpenAPI document;
    returns status and body."""
    response = client.get("/api/v1" + path, query_string=query, headers=bearer(token) if token else {})
    return response.status_code, assert_documented(document, "GET", path, response)


# --- who may ask ------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["admin", "campaign", "management"])
def test_admin_campaign_and_management_tokens_read_every_report(client, document, make_token, report_with_placements,
                                                                role):
    token = make_token(role)
    for path in ENDPOINTS:
        status, _ = get(client, document, path, token)
        assert status == 200, path


@pytest.mark.parametrize("role", ["teamlead", "advisor"])
def test_team_lead_and_advisor_tokens_get_403_since_a_token_is_no_team(client, document, make_token, role):
    token = make_token(role)
    for path in ENDPOINTS:
        status, body = get(client, document, path, token)
        assert status == 403 and body["error"]["code"] == "forbidden"


def test_without_a_token_the_answer_is_401(client, document):
    for path in ENDPOINTS:
        status, _ = get(client, document, path, None)
        assert status == 401


# --- a bad question ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("path", "query", "field"), [
    ("/reports/funnel", {"from": "2026-13-01"}, "from"),
    ("/reports/funnel", {"from": "2026-06-01", "to": "2026-05-01"}, "to"),
    ("/reports/funnel", {"tertaal": "2026-T4"}, "tertaal"),
    ("/reports/funnel", {"group_by": "postcode"}, "group_by"),
    ("/reports/funnel", {"touch": "middle"}, "touch"),
    ("/reports/funnel", {"channel": "fax"}, "channel"),
    ("/reports/funnel", {"municipality": "Amsterdam"}, "municipality"),
    ("/reports/funnel", {"partner": "x"}, "partner"),
    ("/reports/retention", {"as_of": "morgen"}, "as_of"),
    ("/reports/retention", {"cohort": "month"}, "cohort"),
    ("/reports/retention", {"instrument": "wajong"}, "instrument"),
    ("/reports/retention", {"team": "999999"}, "team"),
    ("/reports/lks-jobs", {"from": "2026-02-30"}, "from"),
    ("/reports/lks-jobs", {"from": "2026-06-01", "to": "2026-01-31"}, "to"),
    ("/reports/lks-jobs", {"sector": "ruimtevaart"}, "sector"),
])
def test_a_bad_parameter_is_422_naming_the_field_in_dutch(client, document, make_token, path, query, field):
    status, body = get(client, document, path, make_token("campaign"), **query)
    assert status == 422
    assert body["error"]["code"] == "invalid"
    assert field in body["error"]["fields"], body
    assert body["error"]["fields"][field]


def test_every_bad_parameter_is_named_at_once(client, document, make_token):
    status, body = get(client, document, "/reports/funnel", make_token("campaign"), **{
        "from": "gisteren", "group_by": "kleur", "touch": "x"})
    assert status == 422 and {"from", "group_by", "touch"} <= set(body["error"]["fields"])


# --- the numbers ------------------------------------------------------------------------------------

def test_the_funnel_answers_the_hand_built_cohort(client, document, make_token, report_with_placements):
    _, body = get(client, document, "/reports/funnel", make_token("campaign"), tertaal="2026-T2", group_by="channel")
    assert (body["from"], body["to"], body["group_by"]) == ("2026-05-01", "2026-08-31", "channel")
    assert [(r["group"], r["created"]) for r in body["rows"]] == [("linkedin", 5), ("dagblad", 4), (None, 1)]
    # 8 of the 10 were assigned (not 5 and 8), 5 of those were contacted (1, 2, 3, 6 and 9)
    assert body["total"]["stages"]["contacted"] == {"count": 5, "rate": 0.5, "step_rate": 0.625}


def test_management_sees_small_retention_cells_as_fewer_than_five(client, document, make_token,
                                                                  report_with_placements):
    _, everyone = get(client, document, "/reports/retention", make_token("campaign"), as_of="2026-11-01")
    _, management = get(client, document, "/reports/retention", make_token("management"), as_of="2026-11-01")
    small = {c["cohort"]: c for c in everyone["cohorts"] if c["n"] < 5}
    assert small, "the fixture has a cohort of fewer than five placements"
    for cohort in management["cohorts"]:
        if cohort["cohort"] in small:
            assert cohort["n"] == "< 5" and cohort["curve"] == []
    assert management["all"]["n"] == everyone["all"]["n"] == 13


def test_the_page_and_the_api_give_the_same_funnel(client, app, document, make_token, factory, report_with_placements):
    _, body = get(client, document, "/reports/funnel", make_token("management"), tertaal="2026-T2",
                  group_by="channel", touch="last")
    report_login(client, factory, "management")
    table = page_table(client, app, "reports.funnel_page", {"tertaal": "2026-T2", "group_by": "channel",
                                                             "touch": "last"}, "funnel-groepen")
    stages = ("assigned", "contacted", "meeting", "vacancy", "placed")
    table.assert_matches([
        [row["label"], row["created"], *[v for s in stages for v in (row["stages"][s]["count"],
                                                                      row["stages"][s]["rate"])], row["lost"]]
        for row in [*body["rows"], body["total"]]])


def test_the_page_and_the_api_give_the_same_retention(client, app, document, make_token, factory,
                                                      report_with_placements):
    token = make_token("management")
    report_login(client, factory, "management")
    query = {"as_of": "2026-11-01", "tertaal": "2026-T2"}
    for cohort, key in (("quarter", "behoud-kwartaal"), ("instrument", "behoud-instrument")):
        _, body = get(client, document, "/reports/retention", token, as_of="2026-11-01", cohort=cohort)
        table = page_table(client, app, "reports.retention_page", query, key)
        table.assert_matches([[c["label"], c["n"], c["ended"], c["s91"], c["s182"], c["s365"], c["first_year_dropout"]]
                              for c in body["cohorts"]] + [["Alle", *[body["all"][k] for k in (
                                  "n", "ended", "s91", "s182", "s365", "first_year_dropout")]]])


def test_the_page_and_the_api_give_the_same_lks_jobs(client, app, document, make_token, factory,
                                                     report_with_placements):
    _, body = get(client, document, "/reports/lks-jobs", make_token("management"), **{
        "from": "2026-01-01", "to": "2026-08-31"})
    report_login(client, factory, "management")
    table = page_table(client, app, "reports.lks_page", {"tertaal": "2026-T2"}, "lks-banen")
    table.assert_matches([[m["month_end"], m["active"], m["started"], m["ended"], m["target_line"]]
                          for m in body["months"]])
    assert body["target"] == {"value": 2400, "date": "2026-12-31"}


def test_the_lks_jobs_default_to_this_year_up_to_today(client, document, make_token):
    from campaign_crm.services.calendar import today

    _, body = get(client, document, "/reports/lks-jobs", make_token("admin"))
    assert body["from"] == f"{today().year}-01-01" and body["to"] == today().isoformat()
