"""GET /api/v1/leads and /api/v1/leads/<id>: what a token may see, filters, paging, one lead's shape."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import event, update

from campaign_crm.extensions import db
from campaign_crm.models import Lead
from tests.helpers import assert_documented, bearer

LAUNCH_DAY = datetime(2026, 5, 12, 9, 30, tzinfo=UTC)


def get(client, token, url):
    return client.get(url, headers=bearer(token))


# --- one lead -------------------------------------------------------------------------------------------

def test_a_lead_shows_its_owner_team_stage_times_and_interests(app, client, token, document, factory, make_lead):
    team_id = factory.team("Team Techniek Rotterdam")
    advisor = factory.user("advisor", name="Sanne de Vries", team_id=team_id)
    lead_id = make_lead("Metaalbedrijf Botlek", owner_id=advisor.id, stage="contacted", channel="linkedin",
                        phase="launch", occurred_at=LAUNCH_DAY, interests=("lkv", "lks"), external_id="crm-77")

    response = get(client, token, f"/api/v1/leads/{lead_id}")

    assert response.status_code == 200
    lead = assert_documented(document, "get", "/leads/{lead_id}", response)
    assert lead == {
        "id": lead_id,
        "employer_id": lead["employer_id"],
        "stage": "contacted",
        "channel": "linkedin",
        "phase": "launch",
        "created_at": "2026-05-12T09:30:00Z",
        "stage_times": {"new": "2026-05-12T09:30:00Z", "assigned": "2026-05-12T09:30:00Z",
                        "contacted": "2026-05-12T09:30:00Z"},
        "assigned_to": {"id": advisor.id, "name": "Sanne de Vries"},
        "team": {"id": team_id, "name": "Team Techniek Rotterdam"},
        "waiting_reason": None,
        "sla_due_at": lead["sla_due_at"],
        "priority": lead["priority"],
        "interests": ["lks", "lkv"],
        "external_id": "crm-77",
    }
    assert lead["sla_due_at"].endswith("Z")
    with app.app_context():
        assert lead["priority"] == db.session.get(Lead, lead_id).priority


def test_a_lost_lead_shows_when_it_was_lost(client, token, document, make_lead):
    lead_id = make_lead(stage="lost", occurred_at=LAUNCH_DAY)
    lead = assert_documented(document, "get", "/leads/{lead_id}", get(client, token, f"/api/v1/leads/{lead_id}"))
    assert lead["stage"] == "lost"
    assert lead["stage_times"] == {"new": "2026-05-12T09:30:00Z", "lost": "2026-05-12T09:30:00Z"}


def test_an_unknown_lead_is_404(client, token, document, make_lead):
    make_lead()
    response = get(client, token, "/api/v1/leads/999999")
    assert response.status_code == 404
    assert assert_documented(document, "get", "/leads/{lead_id}", response)["error"]["code"] == "not_found"
    assert get(client, token, "/api/v1/leads/abc").status_code == 404
    assert get(client, token, "/api/v1/leads/abc").is_json


def test_reading_a_lead_needs_a_token(client, document, make_lead):
    response = client.get(f"/api/v1/leads/{make_lead()}")
    assert response.status_code == 401
    assert_documented(document, "get", "/leads/{lead_id}", response)


# --- who sees what --------------------------------------------------------------------------------------

@pytest.fixture
def two_partners(factory, make_lead):
    """Leads of an advisor at UWV, of one at a gemeente, and one waiting unassigned."""
    uwv, gemeente = factory.partner("UWV Rijnmond", "uwv"), factory.partner("Gemeente Schiedam")
    uwv_advisor = factory.user("advisor", partner_id=uwv)
    gemeente_advisor = factory.user("advisor", partner_id=gemeente)
    return {
        "uwv": uwv, "gemeente": gemeente,
        "uwv_lead": make_lead(owner_id=uwv_advisor.id),
        "gemeente_lead": make_lead(owner_id=gemeente_advisor.id),
        "waiting_lead": make_lead(),
    }


def ids(response) -> list[int]:
    return [item["id"] for item in response.get_json()["items"]]


@pytest.mark.parametrize("role", ["admin", "campaign"])
def test_admin_and_campaign_tokens_see_every_lead(client, make_token, two_partners, role):
    token = make_token(role)
    assert ids(get(client, token, "/api/v1/leads")) == [
        two_partners["uwv_lead"], two_partners["gemeente_lead"], two_partners["waiting_lead"]]


@pytest.mark.parametrize("role", ["advisor", "teamlead"])
def test_advisor_and_teamlead_tokens_see_the_leads_of_their_partners_advisors(client, make_token, two_partners,
                                                                               document, role):
    token = make_token(role, partner_id=two_partners["uwv"])
    response = get(client, token, "/api/v1/leads")
    assert_documented(document, "get", "/leads", response)
    assert ids(response) == [two_partners["uwv_lead"]]
    assert response.get_json()["total"] == 1
    assert get(client, token, f"/api/v1/leads/{two_partners['uwv_lead']}").status_code == 200
    for hidden in (two_partners["gemeente_lead"], two_partners["waiting_lead"]):
        response = get(client, token, f"/api/v1/leads/{hidden}")
        assert response.status_code == 404, "another partner's lead is not found, not forbidden"
        assert_documented(document, "get", "/leads/{lead_id}", response)


def test_an_advisor_token_without_a_partner_sees_no_leads(client, make_token, two_partners):
    token = make_token("advisor")
    assert get(client, token, "/api/v1/leads").get_json()["total"] == 0
    assert get(client, token, f"/api/v1/leads/{two_partners['uwv_lead']}").status_code == 404


def test_management_tokens_get_no_leads_at_all(client, make_token, two_partners, document):
    token = make_token("management", partner_id=two_partners["uwv"])
    listed = get(client, token, "/api/v1/leads")
    one = get(client, token, f"/api/v1/leads/{two_partners['uwv_lead']}")
    assert (listed.status_code, one.status_code) == (403, 403)
    assert_documented(document, "get", "/leads", listed)
    assert_documented(document, "get", "/leads/{lead_id}", one)


# --- the list: filters and pages ------------------------------------------------------------------------

def test_leads_are_paged_oldest_first(client, token, document, make_lead):
    made = [make_lead() for _ in range(5)]
    first = get(client, token, "/api/v1/leads?per_page=2")
    last = get(client, token, "/api/v1/leads?per_page=2&page=3")
    beyond = get(client, token, "/api/v1/leads?per_page=2&page=4")
    for response in (first, last, beyond):
        assert response.status_code == 200
        assert_documented(document, "get", "/leads", response)
    assert (ids(first), first.get_json()["total"], first.get_json()["page"]) == (made[:2], 5, 1)
    assert (ids(last), last.get_json()["per_page"]) == (made[4:], 2)
    assert ids(beyond) == []
    assert get(client, token, "/api/v1/leads").get_json()["per_page"] == 50


def test_leads_are_filtered_on_stage_channel_and_phase(app, client, token, factory, make_lead):
    advisor = factory.user("advisor")
    dagblad_launch = make_lead(channel="dagblad", phase="launch", occurred_at=LAUNCH_DAY)
    linkedin_launch = make_lead(channel="linkedin", phase="launch", occurred_at=LAUNCH_DAY, owner_id=advisor.id)
    linkedin_zorg = make_lead(channel="linkedin", phase="zorg", occurred_at=LAUNCH_DAY, owner_id=advisor.id,
                              stage="meeting")

    assert ids(get(client, token, "/api/v1/leads?channel=linkedin")) == [linkedin_launch, linkedin_zorg]
    assert ids(get(client, token, "/api/v1/leads?phase=launch")) == [dagblad_launch, linkedin_launch]
    assert ids(get(client, token, "/api/v1/leads?stage=assigned")) == [linkedin_launch]
    assert ids(get(client, token, "/api/v1/leads?stage=meeting&channel=linkedin&phase=zorg")) == [linkedin_zorg]
    assert ids(get(client, token, "/api/v1/leads?stage=new&channel=linkedin")) == []
    assert ids(get(client, token, "/api/v1/leads?channel=LinkedIn&stage=MEETING")) == [linkedin_zorg]


def test_updated_since_reads_a_time_without_offset_as_amsterdam_time(app, client, token, make_lead):
    old, recent = make_lead(), make_lead()
    with app.app_context():
        for lead_id, at in ((old, datetime(2026, 6, 12, 7, 59, tzinfo=UTC)),
                            (recent, datetime(2026, 6, 12, 8, 0, tzinfo=UTC))):
            db.session.execute(update(Lead).where(Lead.id == lead_id).values(updated_at=at))
        db.session.commit()

    # 10:00 in Amsterdam on 12 June is 08:00 UTC; "since" includes that moment.
    assert ids(get(client, token, "/api/v1/leads?updated_since=2026-06-12T10:00:00")) == [recent]
    assert ids(get(client, token, "/api/v1/leads?updated_since=2026-06-12T08:00:00Z")) == [recent]
    assert ids(get(client, token, "/api/v1/leads?updated_since=2026-06-12T09:59:00%2B02:00")) == [old, recent]
    # A `+` that was not encoded arrives as a space; it is still read as the offset.
    assert ids(get(client, token, "/api/v1/leads?updated_since=2026-06-12T10:00:00+02:00")) == [recent]


@pytest.mark.parametrize(("query", "field"), [
    ("stage=open", "stage"),
    ("channel=krant", "channel"),
    ("phase=winter", "phase"),
    ("updated_since=gisteren", "updated_since"),
    ("page=0", "page"),
    ("page=abc", "page"),
    ("page=-1", "page"),
    ("per_page=201", "per_page"),
    ("per_page=0", "per_page"),
])
def test_a_bad_filter_or_page_value_is_400_naming_it(client, token, document, make_lead, query, field):
    make_lead()
    response = get(client, token, f"/api/v1/leads?{query}")
    assert response.status_code == 400
    body = assert_documented(document, "get", "/leads", response)
    assert list(body["error"]["fields"]) == [field]


def test_the_list_takes_the_same_number_of_queries_for_2_or_12_leads(app, client, token, factory, make_lead):
    team_id = factory.team()
    advisors = [factory.user("advisor", team_id=team_id).id for _ in range(3)]

    def queries_for_list() -> int:
        statements = []

        def count(conn, cursor, statement, *args):
            statements.append(statement)

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", count)
        try:
            assert get(client, token, "/api/v1/leads").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(statements)

    for n in range(2):
        make_lead(owner_id=advisors[n % 3], channel="dagblad", interests=("lks",))
    get(client, token, "/api/v1/leads")  # the token's last-used time is written once, not per request
    few = queries_for_list()
    assert few <= 5, "token, count, the page of leads with their joins, their interests"
    for n in range(10):
        make_lead(owner_id=advisors[n % 3], channel=("dagblad", "linkedin")[n % 2], phase="zorg",
                  interests=("lks", "vacature"))
    assert queries_for_list() == few
    assert get(client, token, "/api/v1/leads").get_json()["total"] == 12
