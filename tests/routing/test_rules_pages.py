"""Routing rules are managed by admins and the campaign team, and routing uses them at once."""
from __future__ import annotations

from sqlalchemy import select

from campaign_crm.extensions import db
from campaign_crm.models import Lead, Municipality, RoutingRule
from campaign_crm.services.capture.intake import (
    ContactInput,
    EmployerInput,
    TouchpointInput,
    record_touchpoint,
)
from tests.helpers import login


def test_campaign_team_adds_a_rule_and_new_leads_follow_it(app, client, factory, campaign):
    team_id = factory.team("Waterweg")
    advisor = factory.user("advisor", team_id=team_id)
    login(client, factory.user("campaign"))
    with app.app_context():
        schiedam = db.session.scalar(select(Municipality.id).where(Municipality.name == "Schiedam"))
    response = client.post("/routering/nieuw", data={
        "name": "Schiedam naar Waterweg", "priority": "40", "municipality_id": str(schiedam), "sector_id": "",
        "channel_id": "", "phase_id": "", "size_class": "", "team_id": str(team_id), "active": "y",
    }, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Regel &#39;Schiedam naar Waterweg&#39; is opgeslagen." in html
    assert "gemeente Schiedam" in html
    with app.app_context():
        result = record_touchpoint(TouchpointInput(
            employer=EmployerInput(name="Haven BV", municipality="Schiedam"),
            contact=ContactInput(email="info@haven.example")))
        db.session.commit()
        lead = db.session.get(Lead, result.lead.id)
        assert lead.owner_id == advisor.id
        assert lead.assignments[0].rule.name == "Schiedam naar Waterweg"


def test_a_rule_needs_a_team(app, client, factory):
    login(client, factory.user("admin"))
    response = client.post("/routering/nieuw", data={"name": "Zonder team", "priority": "10", "team_id": "",
                                                     "municipality_id": "", "sector_id": "", "channel_id": "",
                                                     "phase_id": "", "size_class": ""})
    assert "Kies een actief team." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(RoutingRule.id)) is None


def test_advisors_and_management_cannot_manage_rules(client, factory):
    for role in ("advisor", "teamlead", "management"):
        login(client, factory.user(role))
        assert client.get("/routering/").status_code == 403
        client.post("/logout")
