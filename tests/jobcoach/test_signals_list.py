"""The signals list: with the placement's advisor and the team lead of the owning partner, who mark them
"afgehandeld"; users of another partner do not see them, not even by id."""
from __future__ import annotations

from sqlalchemy import select

from campaign_crm.extensions import db
from campaign_crm.models import RiskSignal
from tests.helpers import add_employer, add_placement, audit_count, count, login, signal_url

TEXT_A = "Conflict met leidinggevende, werknemer wil stoppen."
TEXT_B = "Werknemer komt al twee weken niet opdagen."


def _signal(client, token: str, reference: str, text: str) -> None:
    response = client.post(signal_url(token), data={"reference": reference, "description": text})
    assert response.status_code == 302, response.get_data(as_text=True)


def _signal_id(app, text: str) -> int:
    with app.app_context():
        return db.session.scalar(select(RiskSignal.id).where(RiskSignal.description == text))


def test_each_user_sees_only_the_signals_of_their_own_partner_s_placements(client, region):
    _signal(client, region.coach_token, "RTM2A7KQ", TEXT_A)
    _signal(client, region.coach_token, "UWV3B8HN", TEXT_B)

    expected = [(region.advisor, True, False), (region.teamlead, True, False), (region.outsider, False, True),
                (region.outsider_teamlead, False, False), (region.colleague, False, False),
                (region.other_teamlead, False, False), (region.admin, True, True)]
    for who, sees_a, sees_b in expected:
        client.post("/logout")
        login(client, who)
        html = client.get("/jobcoaches/signalen").get_data(as_text=True)
        assert (TEXT_A in html, TEXT_B in html) == (sees_a, sees_b), who.email


def test_a_team_lead_also_gets_signals_on_the_partner_s_placements_without_an_advisor(app, client, region):
    with app.app_context():
        add_placement(reference="RTM6E3WY", partner_id=region.partner_a, advisor_id=None,
                      jobcoach_org_id=region.coach_id, employer_id=add_employer("Bouwbedrijf Zuid"))
        db.session.commit()
    _signal(client, region.coach_token, "RTM6E3WY", TEXT_A)

    for who, sees in ((region.teamlead, True), (region.other_teamlead, True), (region.advisor, False),
                      (region.outsider_teamlead, False)):
        client.post("/logout")
        login(client, who)
        assert (TEXT_A in client.get("/jobcoaches/signalen").get_data(as_text=True)) is sees, who.email


def test_showing_signals_logs_each_read(app, client, region):
    _signal(client, region.coach_token, "RTM2A7KQ", TEXT_A)
    login(client, region.advisor)
    with app.app_context():
        before = audit_count("read")

    client.get("/jobcoaches/signalen")

    with app.app_context():
        assert audit_count("read") == before + 1


def test_the_advisor_marks_a_signal_handled_and_it_moves_to_the_handled_list(app, client, region):
    _signal(client, region.coach_token, "RTM2A7KQ", TEXT_A)
    signal_id = _signal_id(app, TEXT_A)
    login(client, region.advisor)

    response = client.post(f"/jobcoaches/signalen/{signal_id}/afgehandeld", follow_redirects=True)

    html = response.get_data(as_text=True)
    assert "is afgehandeld" in html and TEXT_A not in html
    with app.app_context():
        signal = db.session.get(RiskSignal, signal_id)
        assert signal.handled_at is not None and signal.handled_by_id == region.advisor.id
    handled = client.get("/jobcoaches/signalen?status=afgehandeld").get_data(as_text=True)
    assert TEXT_A in handled and "door Advisor" in handled
    with app.app_context():
        assert audit_count("risk_signal_handled") == 1
    again = client.post(f"/jobcoaches/signalen/{signal_id}/afgehandeld", follow_redirects=True)
    assert "al afgehandeld" in again.get_data(as_text=True)
    with app.app_context():
        assert audit_count("risk_signal_handled") == 1


def test_another_partner_s_user_gets_404_on_the_signal_and_changes_nothing(app, client, region):
    _signal(client, region.coach_token, "RTM2A7KQ", TEXT_A)
    signal_id = _signal_id(app, TEXT_A)

    for who in (region.outsider, region.outsider_teamlead, region.colleague):
        client.post("/logout")
        login(client, who)
        assert client.post(f"/jobcoaches/signalen/{signal_id}/afgehandeld").status_code == 404, who.email
    assert client.post("/jobcoaches/signalen/999999/afgehandeld").status_code == 404
    with app.app_context():
        assert db.session.get(RiskSignal, signal_id).handled_at is None
        assert count(RiskSignal, RiskSignal.handled_at.is_not(None)) == 0


def test_roles_without_placements_get_403_on_the_signals_list(client, region):
    for who in (region.campaign_user, region.management):
        client.post("/logout")
        login(client, who)
        assert client.get("/jobcoaches/signalen").status_code == 403


def test_apart_from_the_signal_form_every_jobcoach_page_needs_a_login(client, region):
    for url in ("/jobcoaches", "/jobcoaches/signalen", "/jobcoaches/contacten.csv", f"/jobcoaches/{region.coach_id}"):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login?next="), url
    assert client.get(signal_url(region.coach_token)).status_code == 200
