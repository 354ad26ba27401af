"""The audit trail records where an action came from, how it ended and, for an update, old → new;
refused access is recorded too, once a minute per user and page; admins read it all on the log page."""
from __future__ import annotations

from sqlalchemy import select

from campaign_crm.extensions import db
from campaign_crm.models import AuditEvent
from tests.helpers import audit_count, login


def _entries(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        entries = db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                     .order_by(AuditEvent.id)).all()
        db.session.expunge_all()
        return entries


def test_a_user_update_records_old_and_new_values_and_the_origin(app, client, factory):
    login(client, factory.user("admin"))
    team_id = factory.team()
    advisor = factory.user("advisor", team_id=team_id, name="Adviseur Een", capacity=20)
    client.post(f"/beheer/gebruikers/{advisor.id}", data={
        "name": "Adviseur Twee", "role": "advisor", "partner_id": "", "team_id": str(team_id), "capacity": "7",
        "backup_id": ""}, environ_base={"REMOTE_ADDR": "192.0.2.44"})
    [entry] = _entries(app, "user_updated")
    assert entry.detail["changes"] == {"name": ["Adviseur Een", "Adviseur Twee"], "capacity": [20, 7]}
    assert (entry.origin, entry.outcome) == ("192.0.2.44", "ok")


def test_a_team_update_records_old_and_new_values(app, client, factory):
    login(client, factory.user("admin"))
    team_id = factory.team(name="Team Noord")
    client.post(f"/beheer/teams/{team_id}", data={"name": "Team Noord-West", "description": "", "active": "y"})
    [entry] = _entries(app, "team_updated")
    assert entry.detail["changes"] == {"name": ["Team Noord", "Team Noord-West"]}


def test_the_audit_log_page_shows_origin_outcome_and_changes(app, client, factory):
    login(client, factory.user("admin"))
    team_id = factory.team(name="Team Zuid")
    client.post(f"/beheer/teams/{team_id}", data={"name": "Team Zuid-Oost", "description": "", "active": "y"},
                environ_base={"REMOTE_ADDR": "192.0.2.55"})
    html = client.get("/beheer/logboek?action=team_updated").get_data(as_text=True)
    assert "Herkomst" in html and "Uitkomst" in html
    assert "192.0.2.55" in html and "Gelukt" in html
    assert "Naam: Team Zuid → Team Zuid-Oost" in html


def test_a_refused_page_is_recorded_once_a_minute_per_user_and_page(app, client, factory):
    advisor = factory.user("advisor")
    login(client, advisor)
    for _ in range(3):
        assert client.get("/beheer/gebruikers", environ_base={"REMOTE_ADDR": "192.0.2.66"}).status_code == 403
    assert client.get("/beheer/teams").status_code == 403
    entries = _entries(app, "access_refused")
    assert [(e.actor_id, e.detail["path"], e.outcome, e.origin) for e in entries] == [
        (advisor.id, "/beheer/gebruikers", "refused", "192.0.2.66"),
        (advisor.id, "/beheer/teams", "refused", "127.0.0.1"),
    ]


def test_a_record_hidden_behind_a_404_is_recorded_as_refused(app, client, factory):
    login(client, factory.user("advisor"))
    assert client.get("/plaatsingen/424242").status_code == 404
    [entry] = _entries(app, "access_refused")
    assert entry.detail["status"] == 404 and entry.detail["path"] == "/plaatsingen/424242"


def test_anonymous_visitors_and_unknown_addresses_leave_no_refusal_rows(app, client, factory):
    assert client.get("/beheer/gebruikers").status_code == 302
    login(client, factory.user("advisor"))
    assert client.get("/bestaat-niet").status_code == 404
    with app.app_context():
        assert audit_count("access_refused") == 0


def test_every_stage_change_is_written_to_the_audit_log_with_its_lead_and_who_made_it(app, factory, campaign):
    from campaign_crm.models import User
    from campaign_crm.services.leads import lifecycle
    from tests.helpers import intake_lead

    team_id = factory.team()
    advisor_id = factory.user("advisor", team_id=team_id, name="Adviseur Een", capacity=20).id
    with app.app_context():
        lead = intake_lead("Bakkerij Jansen", "jan@bakkerij-jansen.nl", owner_id=advisor_id)
        advisor = db.session.get(User, advisor_id)
        lifecycle.change_stage(lead, "contacted", actor=advisor)
        lifecycle.change_stage(lead, "lost", actor=advisor, lost_reason="no_vacancy")
        db.session.commit()
        entries = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "stage_changed")
                                     .order_by(AuditEvent.id)).all()
        assert [(e.object_type, e.object_id, e.actor_id, e.detail["changes"]["stage"]) for e in entries] == [
            ("leads", lead.id, None, ["new", "assigned"]),
            ("leads", lead.id, advisor_id, ["assigned", "contacted"]),
            ("leads", lead.id, advisor_id, ["contacted", "lost"]),
        ]
        assert entries[-1].detail["lost_reason"] == "no_vacancy"
