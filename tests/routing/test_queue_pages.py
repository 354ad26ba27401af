"""Queues and the lead page: ordering, visibility, quick actions, waiting leads, equity."""
from __future__ import annotations

from sqlalchemy import select

from campaign_crm.extensions import db
from campaign_crm.models import AuditEvent, Lead, LeadDecline, User
from tests.helpers import login


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
