"""Queues and the lead page: ordering, visibility, quick actions, waiting leads, equity."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from campaign_crm.extensions import db
from campaign_crm.models import AuditEvent, Lead, LeadDecline, User
from campaign_crm.services.accounts import users
from campaign_crm.services.calendar import today
from campaign_crm.services.leads import activities
from tests.helpers import counting_statements, login


def test_my_queue_lists_own_open_leads_most_urgent_first(app, client, factory, make_leads):
    team_id = factory.team("Waterweg")
    me = factory.user("advisor", team_id=team_id, capacity=10)
    ids = make_leads(["Later BV", "Eerder BV"], team_id=team_id, hours_ago=[1, 100])
    login(client, me)
    html = client.get("/leads/mijn").get_data(as_text=True)
    assert html.index("Eerder BV") < html.index("Later BV")  # the older one is due first
    assert f"/leads/{ids[0]}" in html


def test_logging_contact_from_the_queue_moves_the_lead_to_contacted(app, client, factory, make_leads):
    team_id = factory.team()
    me = factory.user("advisor", team_id=team_id)
    [lead_id] = make_leads(["Bakkerij Jansen"], team_id=team_id)
    login(client, me)
    response = client.post(f"/leads/{lead_id}/contact", data={"note": "Gebeld, afspraak volgt", "next": "/leads/mijn"})
    assert response.headers["Location"] == "/leads/mijn"
    with app.app_context():
        lead = db.session.get(Lead, lead_id)
        assert lead.stage == "contacted" and lead.contacted_at is not None
        assert lead.events[-1].note == "Gebeld, afspraak volgt"


def test_an_advisor_of_another_team_gets_404_on_the_lead(app, client, factory, make_leads):
    mine, other = factory.team("Mijn team"), factory.team("Ander team")
    factory.user("advisor", team_id=mine)
    stranger = factory.user("advisor", team_id=other)
    [lead_id] = make_leads(["Geheim BV"], team_id=mine)
    login(client, stranger)
    assert client.get(f"/leads/{lead_id}").status_code == 404
    assert client.post(f"/leads/{lead_id}/contact").status_code == 404
    assert "Geheim BV" not in client.get("/leads/mijn").get_data(as_text=True)


def test_the_lead_page_explains_the_routing_and_the_priority_and_logs_the_read(app, client, factory, make_leads):
    team_id = factory.team("Waterweg")
    me = factory.user("advisor", team_id=team_id, name="Anna Smit")
    [lead_id] = make_leads(["Uitleg BV"], team_id=team_id)
    login(client, me)
    html = client.get(f"/leads/{lead_id}").get_data(as_text=True)
    assert "Regel &#39;Alles naar het team&#39; → team Waterweg: Anna Smit had de laagste belasting" in html
    assert "Prioriteit" in html and "Stuurde een bericht mee: +5" in html
    with app.app_context():
        assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.object_type == "contacts")) == "read"


def test_declining_from_the_lead_page_reroutes_to_a_colleague(app, client, factory, make_leads):
    team_id = factory.team()
    first = factory.user("advisor", team_id=team_id)
    second = factory.user("advisor", team_id=team_id)
    [lead_id] = make_leads(["Afwijs BV"], team_id=team_id)
    with app.app_context():
        owner_id = db.session.get(Lead, lead_id).owner_id
    owner = first if owner_id == first.id else second
    other = second if owner is first else first
    login(client, owner)
    assert "Geef een reden" in client.post(f"/leads/{lead_id}/afwijzen", data={"reason": ""},
                                           follow_redirects=True).get_data(as_text=True)
    client.post(f"/leads/{lead_id}/afwijzen", data={"reason": "Ken de eigenaar privé"})
    with app.app_context():
        assert db.session.get(Lead, lead_id).owner_id == other.id
        assert db.session.scalar(select(LeadDecline.reason)) == "Ken de eigenaar privé"


def test_team_lead_sees_waiting_leads_with_their_reason_and_can_route_again(app, client, factory, make_leads):
    team_id = factory.team("Eilanden")
    boss = factory.user("teamlead", team_id=team_id)
    [lead_id] = make_leads(["Wacht BV"], team_id=team_id)  # nobody in the team yet
    login(client, boss)
    html = client.get("/leads/team").get_data(as_text=True)
    assert "Wacht BV" in html and "Wacht: team Eilanden heeft geen actieve adviseurs." in html
    newcomer = factory.user("advisor", team_id=team_id)
    client.post("/leads/opnieuw-verdelen", data={"next": "/leads/team"})
    with app.app_context():
        assert db.session.get(Lead, lead_id).owner_id == newcomer.id


def test_team_lead_reassigns_with_a_reason(app, client, factory, make_leads):
    team_id = factory.team()
    boss = factory.user("teamlead", team_id=team_id)
    factory.user("advisor", team_id=team_id)
    target = factory.user("advisor", team_id=team_id, name="Doel Adviseur")
    [lead_id] = make_leads(["Toewijs BV"], team_id=team_id)
    login(client, boss)
    client.post(f"/leads/{lead_id}/toewijzen", data={"advisor_id": target.id, "reason": "Kent de sector"})
    with app.app_context():
        lead = db.session.get(Lead, lead_id)
        assert lead.owner_id == target.id
        assert "Kent de sector" in lead.assignments[-1].reason and lead.assignments[-1].kind == "manual"


def test_the_pick_list_tells_namesakes_apart_and_a_lead_given_to_an_absent_advisor_comes_with_a_warning(
        app, client, factory, make_leads):
    team_id, other_team = factory.team("Waterweg"), factory.team("Noord")
    boss = factory.user("campaign", partner_id=factory.partner("Werkcentrum"))
    away = factory.user("advisor", team_id=team_id, name="Sam de Vries",
                        partner_id=factory.partner("Gemeente Vlaardingen"))
    factory.user("advisor", team_id=other_team, name="Sam de Vries", partner_id=factory.partner("UWV"))
    [lead_id] = make_leads(["Afwezig BV"], team_id=team_id)
    with app.app_context():
        users.add_absence(db.session.get(User, away.id), today(), today() + timedelta(days=2), actor=None)
        db.session.commit()
    login(client, boss)

    page = client.get(f"/leads/{lead_id}").get_data(as_text=True)
    assert "Sam de Vries — Waterweg, Gemeente Vlaardingen" in page and "Sam de Vries — Noord, UWV" in page

    response = client.post(f"/leads/{lead_id}/toewijzen", data={"advisor_id": away.id, "reason": "Kent de sector"},
                           follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "De lead is toegewezen aan Sam de Vries." in html and "Sam de Vries is vandaag afwezig" in html


def test_an_advisor_picks_up_a_waiting_lead_of_the_team(app, client, factory, make_leads):
    team_id = factory.team()
    [lead_id] = make_leads(["Oppak BV"], team_id=team_id)
    me = factory.user("advisor", team_id=team_id)
    login(client, me)
    assert "Oppak BV" in client.get("/leads/mijn").get_data(as_text=True)  # in the team's waiting list
    client.post(f"/leads/{lead_id}/oppakken", data={})
    with app.app_context():
        assert db.session.get(Lead, lead_id).owner_id == me.id


def test_equity_view_shows_assigned_open_capacity_and_declines(app, client, factory, make_leads):
    team_id = factory.team("Waterweg")
    boss = factory.user("teamlead", team_id=team_id)
    factory.user("advisor", team_id=team_id, name="Eva Eerlijk", capacity=4)
    make_leads(["A BV", "B BV"], team_id=team_id)
    login(client, boss)
    html = client.get("/leads/verdeling").get_data(as_text=True)
    row = html[html.index("Eva Eerlijk"):].split("</tr>")[0]
    cells = [c.split(">")[-1] for c in row.split("</td>")[:-1]]
    assert cells[1:6] == ["2", "2", "4", "50%", "–"]


def test_overdue_list_shows_leads_past_their_sla(app, client, factory, make_leads):
    team_id = factory.team()
    me = factory.user("advisor", team_id=team_id)
    make_leads(["Oud BV", "Vers BV"], team_id=team_id, hours_ago=[24 * 8, 1])
    login(client, me)
    html = client.get("/leads/te-laat").get_data(as_text=True)
    assert "Oud BV" in html and "Vers BV" not in html


def test_management_has_no_queue(client, factory):
    login(client, factory.user("management"))
    assert client.get("/leads/mijn").status_code == 403
    assert client.get("/leads/te-laat").status_code == 403
    with client.application.app_context():
        assert db.session.scalar(select(User.role)) == "management"


def test_an_advisor_declines_from_the_queue_without_leaving_it(app, client, factory, make_leads):
    team_id = factory.team()
    first = factory.user("advisor", team_id=team_id)
    second = factory.user("advisor", team_id=team_id)
    [lead_id] = make_leads(["Wachtrij BV"], team_id=team_id)
    with app.app_context():
        owner_id = db.session.get(Lead, lead_id).owner_id
    owner, other = (first, second) if owner_id == first.id else (second, first)
    login(client, owner)
    queue = client.get("/leads/mijn").get_data(as_text=True)
    assert f'action="/leads/{lead_id}/afwijzen"' in queue and f'for="reason-{lead_id}"' in queue
    response = client.post(f"/leads/{lead_id}/afwijzen", data={"reason": "Geen Engels"})
    assert response.headers["Location"] == "/leads/mijn"
    with app.app_context():
        assert db.session.get(Lead, lead_id).owner_id == other.id


# --- what a queue page costs: the same SQL statements for a short queue and a long one ---------------------

def statements(app, client, path: str) -> int:
    with app.app_context(), counting_statements(db.engine) as seen:
        assert client.get(path).status_code == 200
    return seen[0]


def plan_next_actions(app, advisor_id: int, lead_ids: list[int]) -> None:
    """A call with a next action on each lead, by the advisor (the queue shows the first five)."""
    with app.app_context():
        advisor = db.session.get(User, advisor_id)
        for n, lead_id in enumerate(lead_ids):
            planned = activities.ActivityInput(kind="call", outcome="Gebeld", next_action=f"Terugbellen {n}",
                                               next_action_due=today() + timedelta(days=n))
            activities.log_activity(db.session.get(Lead, lead_id), planned, actor=advisor)
        db.session.commit()


# Besides the login check: the page of own leads, the team's waiting leads, the next actions (with their leads
# and employers), and the channels and phases of the filters.
MY_QUEUE_STATEMENTS = 5
# Besides the login check: the team lead's team, the page of the team's leads, the load per advisor (advisors
# with their open leads and who is away, in one), the number waiting, the channels and phases of the filters, and
# the advisors of the bulk pick list (with team and partner, in one).
TEAM_QUEUE_STATEMENTS = 7


def test_my_queue_costs_the_same_statements_for_10_or_50_leads(app, client, factory, make_leads):
    team_id = factory.team("Waterweg")
    make_leads([f"Wacht {n} BV" for n in range(3)], team_id=team_id)  # nobody in the team yet: these wait
    me = factory.user("advisor", team_id=team_id, capacity=60)
    first = make_leads([f"Eerste {n} BV" for n in range(10)], team_id=team_id)
    plan_next_actions(app, me.id, first[:2])
    login(client, me)
    login_check = statements(app, client, "/toegankelijkheid")  # finding the logged-in user
    short = statements(app, client, "/leads/mijn")

    more = make_leads([f"Later {n} BV" for n in range(40)], team_id=team_id)
    plan_next_actions(app, me.id, more[:8])
    html = client.get("/leads/mijn").get_data(as_text=True)
    assert "50 open leads" in html and "3 wachtende leads" in html and html.count("Terugbellen") == 5

    assert short == statements(app, client, "/leads/mijn") == login_check + MY_QUEUE_STATEMENTS


def test_the_team_queue_costs_the_same_statements_for_10_or_50_leads(app, client, factory, make_leads):
    team_id = factory.team("Waterweg")
    boss = factory.user("teamlead", team_id=team_id)
    for n in range(3):
        factory.user("advisor", team_id=team_id, name=f"Adviseur {n}", capacity=20)
    make_leads([f"Eerste {n} BV" for n in range(10)], team_id=team_id)
    login(client, boss)
    login_check = statements(app, client, "/toegankelijkheid")
    short = statements(app, client, "/leads/team")

    make_leads([f"Later {n} BV" for n in range(40)], team_id=team_id)
    html = client.get("/leads/team").get_data(as_text=True)
    assert "50 open leads, wachtende eerst" in html and all(f"Adviseur {n}" in html for n in range(3))

    assert short == statements(app, client, "/leads/team") == login_check + TEAM_QUEUE_STATEMENTS


def test_a_long_queue_is_paged_and_counted(app, client, factory, make_leads):
    team_id = factory.team("Waterweg")
    me = factory.user("advisor", team_id=team_id, capacity=60)
    make_leads([f"Werkgever {n:02d} BV" for n in range(53)], team_id=team_id)
    login(client, me)
    first = client.get("/leads/mijn").get_data(as_text=True)
    second = client.get("/leads/mijn?page=2").get_data(as_text=True)
    past_the_end = client.get("/leads/mijn?page=3").get_data(as_text=True)
    assert "53 open leads" in first and "Pagina 1 van 2 (53 in totaal)" in first and 'rel="next"' in first
    assert "53 open leads" in second and "Pagina 2 van 2 (53 in totaal)" in second and second.count("/afwijzen") == 3
    assert "53 open leads" in past_the_end and "U heeft geen open leads met deze filters." in past_the_end
    filtered = client.get("/leads/mijn?q=werkgever 0").get_data(as_text=True)
    assert "10 open leads" in filtered and "Pagina" not in filtered
