"""The pipeline board: one's own open leads (a team lead also the team's) by stage, a card's move by the stage
rules of the lead page (forward only; Geplaatst and Afgevallen on the lead page), works without JavaScript."""
from __future__ import annotations

import re

from campaign_crm.extensions import db
from campaign_crm.models import Lead, LeadStageEvent
from tests.helpers import count, counting_statements, login


def column(html: str, stage: str) -> str:
    """The HTML of one column of the board."""
    start = html.index(f'data-stage="{stage}"')
    end = html.find("<section", start)
    return html[start:end if end != -1 else len(html)]


def move(client, lead_id: int, to_stage: str, **extra):
    return client.post(f"/bord/{lead_id}/verplaatsen", data={"to_stage": to_stage, **extra})


def test_the_board_shows_my_open_leads_in_their_stage_with_the_count_per_column(app, client, desk, make_lead):
    fresh, called = make_lead("Bakkerij Vers"), make_lead("Garage Gebeld")
    lost = make_lead("Weg BV")
    login(client, desk.owner)
    move(client, called, "contacted")
    client.post(f"/leads/{lost}/fase", data={"stage-to_stage": "lost", "stage-lost_reason": "not_interested"})

    html = client.get("/bord").get_data(as_text=True)

    assert "Bakkerij Vers" in column(html, "assigned") and "Garage Gebeld" not in column(html, "assigned")
    assert "Garage Gebeld" in column(html, "contacted")
    assert "Weg BV" not in html  # closed leads leave the board
    assert re.search(r'id="kolom-assigned">Toegewezen <span class="muted small">\(1\)', html)
    assert f'action="/bord/{fresh}/verplaatsen"' in html  # every card can move without JavaScript


def test_a_card_moves_forward_by_the_stage_rules_and_the_event_says_it_came_from_the_board(
        app, client, desk, make_lead):
    lead_id = make_lead()
    login(client, desk.owner)

    response = move(client, lead_id, "meeting")
    assert response.status_code == 302 and response.headers["Location"].endswith("/bord")

    with app.app_context():
        lead = db.session.get(Lead, lead_id)
        assert lead.stage == "meeting" and lead.contacted_at == lead.meeting_at  # a skipped stage gets the same time
        event = db.session.query(LeadStageEvent).filter_by(lead_id=lead_id, to_stage="meeting").one()
        assert event.note == "Verplaatst op het bord"
    page = client.get("/bord").get_data(as_text=True)
    assert "staat nu op Adviesgesprek" in page


def test_a_card_does_not_move_back_nor_to_placed_or_lost_and_the_board_says_why(app, client, desk, make_lead):
    lead_id = make_lead()
    login(client, desk.owner)
    move(client, lead_id, "vacancy")
    with app.app_context():
        before = count(LeadStageEvent)

    back = client.get(move(client, lead_id, "contacted").headers["Location"]).get_data(as_text=True)
    placed = client.get(move(client, lead_id, "placed").headers["Location"]).get_data(as_text=True)
    lost = client.get(move(client, lead_id, "lost").headers["Location"]).get_data(as_text=True)

    assert "fasen gaan alleen vooruit" in back
    assert "op de pagina van de lead" in placed and "op de pagina van de lead" in lost
    with app.app_context():
        assert count(LeadStageEvent) == before
        assert db.session.get(Lead, lead_id).stage == "vacancy"


def test_only_who_may_work_the_lead_moves_its_card(app, client, desk, make_lead, factory):
    lead_id = make_lead()
    stranger = factory.user("advisor", name="Vera Vreemd")  # another team: the lead does not exist for her
    login(client, desk.colleague)  # same team: may read the lead, not work it
    assert move(client, lead_id, "contacted").status_code == 403
    client.post("/logout")
    login(client, stranger)
    assert move(client, lead_id, "contacted").status_code == 404
    with app.app_context():
        assert db.session.get(Lead, lead_id).stage == "assigned"


def test_the_team_lead_sees_the_team_board_and_an_advisor_only_their_own(app, client, desk, make_lead):
    make_lead("Teamwerk BV")
    login(client, desk.boss)
    assert "Teamwerk BV" not in client.get("/bord").get_data(as_text=True)  # the lead is not his
    team = client.get("/bord?van=team").get_data(as_text=True)
    assert "Teamwerk BV" in team and 'aria-current="page">Mijn team' in team
    client.post("/logout")
    login(client, desk.colleague)
    assert "Teamwerk BV" not in client.get("/bord?van=team").get_data(as_text=True)  # no team board for him


def test_the_board_costs_the_same_statements_for_one_card_or_many(app, client, desk, make_lead):
    make_lead()
    login(client, desk.owner)
    client.get("/bord")
    with app.app_context(), counting_statements(db.engine) as one:
        client.get("/bord")
    for _ in range(6):
        make_lead()
    with app.app_context(), counting_statements(db.engine) as seven:
        html = client.get("/bord").get_data(as_text=True)
    assert html.count('data-lead=') == 7
    assert seven[0] == one[0]
