"""Reassigning a selection of the team queue to one advisor: each lead judged on its own, every outcome listed."""
from __future__ import annotations

import re
from datetime import timedelta

from campaign_crm.extensions import db
from campaign_crm.models import Absence, Lead
from campaign_crm.services.calendar import today
from tests.helpers import intake_lead, login


def _outcome_rows(html: str) -> list[str]:
    return re.findall(r'<tr class="outcome-(?:assigned|refused)">.*?</tr>', html, flags=re.S)


def _owners(app, lead_ids: list[int]) -> dict[int, int | None]:
    with app.app_context():
        return {lead_id: db.session.get(Lead, lead_id).owner_id for lead_id in lead_ids}


def test_the_team_queue_offers_a_checkbox_per_lead_and_a_pick_list_of_the_teams_advisors(client, factory, desk,
                                                                                         make_lead):
    lead_id = make_lead("Selecteer BV")
    factory.user("advisor", name="Vera Vreemd", capacity=5)  # another team: not the team lead's to give to
    login(client, desk.boss)
    html = client.get("/leads/team").get_data(as_text=True)
    assert f'name="lead_ids" value="{lead_id}" id="select-lead-{lead_id}" form="bulk-assign"' in html
    assert f'<label for="select-lead-{lead_id}" class="visually-hidden">Selecteer lead {lead_id} (Selecteer BV)' in html
    form = html[html.index('id="bulk-assign"'):]
    assert "novalidate" in html[html.index('<form method="post" action="/leads/team/bulk-toewijzen"'):][:200]
    assert "Olga Eigenaar — Waterweg, Gemeente Schiedam" in form
    assert "Vera Vreemd" not in form
    assert "Geselecteerde leads toewijzen" in form


def test_a_team_lead_reassigns_fifty_leads_in_one_request(app, client, factory, desk, make_lead):
    lead_ids = [make_lead(f"Bulk {n} BV") for n in range(50)]
    target = factory.user("advisor", team_id=desk.team_id, partner_id=desk.partner_id, name="Tom Toegewezen",
                          capacity=60)
    login(client, desk.boss)
    response = client.post("/leads/team/bulk-toewijzen", data={
        "lead_ids": [str(i) for i in lead_ids], "bulk-advisor_id": str(target.id), "bulk-reason": "Herverdeling"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    rows = _outcome_rows(html)
    assert len(rows) == 50
    assert all("toegewezen aan Tom Toegewezen" in row for row in rows)
    assert "50 van 50 geselecteerde leads toegewezen aan Tom Toegewezen; 0 geweigerd." in html
    assert set(_owners(app, lead_ids).values()) == {target.id}
    with app.app_context():
        lead = db.session.get(Lead, lead_ids[0])
        assert lead.assignments[-1].kind == "manual" and "Herverdeling" in lead.assignments[-1].reason


def test_leads_of_another_team_or_closed_are_refused_one_by_one_and_the_others_reassigned(app, client, factory,
                                                                                           desk, make_lead):
    first, closed, second = make_lead("Eerste BV"), make_lead("Dicht BV", stage="lost"), make_lead("Tweede BV")
    target = factory.user("advisor", team_id=desk.team_id, name="Tom Toegewezen", capacity=10)
    stranger = factory.user("advisor", team_id=factory.team("Elders"), name="Sam Elders")
    with app.app_context():
        foreign = intake_lead("Elders BV", "info@elders.example", owner_id=stranger.id).id
        db.session.commit()
    login(client, desk.boss)
    html = client.post("/leads/team/bulk-toewijzen", data={
        "lead_ids": [str(first), str(foreign), str(closed), str(second)], "bulk-advisor_id": str(target.id),
        "bulk-reason": "Ziekte"}).get_data(as_text=True)
    rows = _outcome_rows(html)
    assert len(rows) == 4
    assert "Eerste BV" in rows[0] and "toegewezen aan Tom Toegewezen" in rows[0]
    assert "geweigerd: deze lead bestaat niet of u heeft er geen toegang toe." in rows[1]
    assert "Elders BV" not in html  # a lead the team lead may not see keeps its name to itself
    assert "Dicht BV" in rows[2] and "geweigerd: Een afgesloten lead kan niet worden toegewezen." in rows[2]
    assert "Tweede BV" in rows[3] and "toegewezen aan Tom Toegewezen" in rows[3]
    assert "2 van 4 geselecteerde leads toegewezen" in html
    owners = _owners(app, [first, foreign, closed, second])
    assert owners == {first: target.id, foreign: stranger.id, closed: desk.owner.id, second: target.id}


def test_leads_past_the_advisors_capacity_are_refused_and_the_outcome_warns(app, client, factory, desk, make_lead):
    lead_ids = [make_lead(f"Vol {n} BV") for n in range(3)]
    target = factory.user("advisor", team_id=desk.team_id, name="Kees Klein", capacity=2)
    with app.app_context():
        db.session.add(Absence(user_id=target.id, starts_on=today(), ends_on=today() + timedelta(days=1)))
        db.session.commit()
    login(client, desk.boss)
    html = client.post("/leads/team/bulk-toewijzen", data={
        "lead_ids": [str(i) for i in lead_ids], "bulk-advisor_id": str(target.id),
        "bulk-reason": "Drukte"}).get_data(as_text=True)
    rows = _outcome_rows(html)
    assert ["toegewezen aan Kees Klein" in row for row in rows] == [True, True, False]
    assert "geweigerd: Kees Klein zit aan de capaciteit (2 open leads)" in rows[2]
    assert "Let op: Kees Klein is vandaag afwezig." in html
    assert "Let op: Kees Klein zit aan de capaciteit (2 van 2 open leads)." in html
    assert list(_owners(app, lead_ids).values()) == [target.id, target.id, desk.owner.id]


def test_an_advisor_may_not_reassign_in_bulk(app, client, desk, make_lead):
    lead_id = make_lead("Niet Van Mij BV")
    login(client, desk.owner)
    response = client.post("/leads/team/bulk-toewijzen", data={
        "lead_ids": [str(lead_id)], "bulk-advisor_id": str(desk.owner.id), "bulk-reason": "Zelf"})
    assert response.status_code == 403


def test_nothing_selected_is_refused_with_a_dutch_message(app, client, factory, desk, make_lead):
    lead_id = make_lead("Blijft BV")
    target = factory.user("advisor", team_id=desk.team_id, name="Tom Toegewezen")  # after the lead: routing skips
    login(client, desk.boss)
    response = client.post("/leads/team/bulk-toewijzen", data={
        "bulk-advisor_id": str(target.id), "bulk-reason": "Herverdeling", "next": "/leads/team"},
        follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.request.path == "/leads/team"
    assert "Selecteer ten minste één lead om toe te wijzen." in html
    assert _owners(app, [lead_id]) == {lead_id: desk.owner.id}


def test_more_than_two_hundred_leads_or_no_advisor_are_refused_before_any_lead_is_touched(app, client, desk,
                                                                                          make_lead):
    lead_id = make_lead("Blijft BV")
    login(client, desk.boss)
    html = client.post("/leads/team/bulk-toewijzen", data={
        "lead_ids": [str(lead_id)] + [str(n) for n in range(100_000, 100_200)],
        "bulk-advisor_id": str(desk.colleague.id), "bulk-reason": "Te veel"}, follow_redirects=True).get_data(
        as_text=True)
    assert "Selecteer ten hoogste 200 leads per keer; u selecteerde er 201." in html
    html = client.post("/leads/team/bulk-toewijzen", data={
        "lead_ids": [str(lead_id)], "bulk-advisor_id": "", "bulk-reason": ""}, follow_redirects=True).get_data(
        as_text=True)
    assert "Kies de adviseur aan wie u de leads toewijst." in html and "Geef een reden voor het toewijzen." in html
    assert _owners(app, [lead_id]) == {lead_id: desk.owner.id}
