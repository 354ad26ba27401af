"""Beheer → Taken shows the outbox and the e-mails that were given up, each with "Opnieuw proberen" (admins only)."""
from __future__ import annotations

from sqlalchemy import select

from campaign_crm.extensions import db
from campaign_crm.models import AuditEvent, OutboxMessage
from campaign_crm.services.mail import outbox
from tests.helpers import login


def dead_message(app) -> int:
    with app.app_context():
        message = outbox.queue(["adviseur@test.example"], "Opgegeven bericht", "tekst", kind="test", key="dead")
        message.status, message.attempts = "dead", 8
        message.last_error = "Poging 8: de mailserver is niet bereikbaar (ConnectionRefusedError)."
        db.session.commit()
        return message.id


def test_the_tasks_page_lists_given_up_mail_and_sends_it_again_on_request(app, client, factory, smtp_server):
    message_id = dead_message(app)
    admin = factory.user("admin")
    login(client, admin)
    html = client.get("/beheer/taken").get_data(as_text=True)
    assert '<h2 id="mail-kop" tabindex="-1">E-mail</h2>' in html
    assert "Opgegeven bericht" in html and "de mailserver is niet bereikbaar" in html
    assert f'action="/beheer/taken/mail/{message_id}/opnieuw"' in html
    assert "Opgegeven: 1" in html

    response = client.post(f"/beheer/taken/mail/{message_id}/opnieuw", follow_redirects=True)
    assert "staat weer in de wachtrij" in response.get_data(as_text=True)
    with app.app_context():
        message = db.session.get(OutboxMessage, message_id)
        assert (message.status, message.attempts, message.last_error) == ("queued", 0, None)
        assert db.session.scalar(select(AuditEvent.actor_id).where(AuditEvent.action == "mail_retried")) == admin.id
        outbox.send_due(app.config)
    assert [r.subject for r in smtp_server.received] == ["Opgegeven bericht"]


def test_a_message_that_is_not_dead_is_not_sent_again_and_others_may_not(app, client, factory):
    message_id = dead_message(app)
    login(client, factory.user("teamlead"))
    assert client.post(f"/beheer/taken/mail/{message_id}/opnieuw").status_code == 403
    client.post("/logout")
    login(client, factory.user("admin"))
    client.post(f"/beheer/taken/mail/{message_id}/opnieuw")
    again = client.post(f"/beheer/taken/mail/{message_id}/opnieuw", follow_redirects=True)
    assert "niet opgegeven" in again.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(OutboxMessage.status)) == "queued"
