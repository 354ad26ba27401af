"""The outbox and the sender against a real SMTP server: what arrives, outages, retries with back-off, giving up,
senders that die or run at the same time, and the idempotency key."""
from __future__ import annotations

import logging
import os
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from campaign_crm.extensions import db
from campaign_crm.models import MailAttachment, OutboxMessage, utcnow
from campaign_crm.services.errors import ValidationError
from campaign_crm.services.mail import outbox
from campaign_crm.services.mail.outbox import Attachment

ICS = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"


def queue_one(app, n: int = 1, *, to=("adviseur@test.example",), **extra) -> int:
    with app.app_context():
        message = outbox.queue(list(to), f"Bericht {n}", f"Tekst van bericht {n}", f"<p>HTML van bericht {n}</p>",
                               kind="test", key=f"test:{n}", **extra)
        db.session.commit()
        return message.id


def send(app, **kwargs) -> outbox.SendReport:
    with app.app_context():
        return outbox.send_due(app.config, **kwargs)


def row(app, message_id: int) -> OutboxMessage:
    with app.app_context():
        message = db.session.get(OutboxMessage, message_id)
        db.session.expunge(message)
        return message


def test_a_queued_message_arrives_with_its_recipients_subject_text_html_and_attachment(app, smtp_server):
    message_id = queue_one(app, to=["adviseur@test.example", "Teamleider@Test.example"],
                           attachments=[Attachment("uitnodiging.ics", "text/calendar", ICS)], reference="lead:7")
    report = send(app)
    assert (report.sent, report.retrying, report.dead) == (1, 0, 0)
    [received] = smtp_server.received
    assert received.recipients == ("adviseur@test.example", "teamleider@test.example")
    assert received.mail_from == "crm@test.example"
    assert received.subject == "Bericht 1"
    assert received.part("text/plain").strip() == "Tekst van bericht 1"
    assert received.part("text/html").strip() == "<p>HTML van bericht 1</p>"
    [ics] = [part for part in received.message.iter_attachments()]
    assert ics.get_filename() == "uitnodiging.ics" and ics.get_content_type() == "text/calendar"
    assert ics.get_content().replace("\r\n", "\n") == ICS.decode().replace("\r\n", "\n")
    sent = row(app, message_id)
    assert (sent.status, sent.attempts, sent.last_error) == ("sent", 1, None)
    assert sent.sent_at is not None
    assert send(app).sent == 0  # sent once, never again


def test_the_same_key_is_queued_once(app):
    with app.app_context():
        first = outbox.queue(["a@test.example"], "Eén", "tekst", kind="test", key="same")
        second = outbox.queue(["a@test.example"], "Twee", "tekst", kind="test", key="same")
        db.session.commit()
        assert first is not None and second is None
        assert db.session.scalars(select(OutboxMessage.subject)).all() == ["Eén"]


def test_a_message_is_part_of_the_callers_transaction(app):
    with app.app_context():
        outbox.queue(["a@test.example"], "Teruggedraaid", "tekst", kind="test", key="rolled-back")
        db.session.rollback()
        assert db.session.scalar(select(OutboxMessage.id)) is None


@pytest.mark.parametrize(("to", "subject"), [([], "Onderwerp"), (["geen-adres"], "Onderwerp"),
                                             (["a@test.example"], "   ")])
def test_a_message_without_valid_recipients_or_subject_is_refused_in_dutch(app, to, subject):
    with app.app_context(), pytest.raises(ValidationError) as refused:
        outbox.queue(to, subject, "tekst", kind="test", key="bad")
    assert any(word in refused.value.message for word in ("ontvangers", "ongeldig", "onderwerp"))


def test_an_outage_keeps_every_message_queued_and_once_the_server_is_back_all_go_out_once(app, smtp_server):
    ids = [queue_one(app, n) for n in range(1, 4)]
    smtp_server.stop()
    before = utcnow()
    report = send(app)
    after = utcnow()
    assert (report.sent, report.retrying, report.dead) == (0, 3, 0)
    for message_id in ids:
        waiting = row(app, message_id)
        assert (waiting.status, waiting.attempts) == ("retry", 1)
        assert before + timedelta(seconds=60) <= waiting.next_attempt_at <= after + timedelta(seconds=60)
        assert "niet bereikbaar" in waiting.last_error
    assert send(app).retrying == 0  # not due yet: nothing is tried

    smtp_server.start()
    report = send(app, now=utcnow() + timedelta(seconds=61))
    assert report.sent == 3
    assert sorted(r.subject for r in smtp_server.received) == ["Bericht 1", "Bericht 2", "Bericht 3"]
    assert send(app, now=utcnow() + timedelta(hours=1)).sent == 0
    assert len(smtp_server.received) == 3
    assert {row(app, i).attempts for i in ids} == {2}


def test_retries_back_off_exponentially_and_give_up_after_the_last_attempt(app, smtp_server, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_MAX_ATTEMPTS", 4)
    monkeypatch.setitem(app.config, "MAIL_MAX_RETRY_SECONDS", 150)
    message_id = queue_one(app)
    smtp_server.stop()
    waits = []
    for _ in range(3):
        due = row(app, message_id).next_attempt_at
        start = utcnow()
        send(app, now=max(due, start))
        waits.append(round((row(app, message_id).next_attempt_at - start).total_seconds()))
    assert waits == [60, 120, 150]  # doubling, capped at MAIL_MAX_RETRY_SECONDS
    report = send(app, now=row(app, message_id).next_attempt_at)
    assert report.dead == 1
    dead = row(app, message_id)
    assert (dead.status, dead.attempts) == ("dead", 4)
    assert send(app, now=utcnow() + timedelta(days=1)).retrying == 0  # a dead message is left alone

    with app.app_context():
        outbox.retry(db.session.get(OutboxMessage, message_id), actor=None)
        db.session.commit()
    smtp_server.start()
    assert send(app).sent == 1
    assert [r.subject for r in smtp_server.received] == ["Bericht 1"]


def test_a_refused_recipient_fails_only_that_message(app, smtp_server):
    refused = queue_one(app, 1, to=["weiger@test.example"])
    accepted = queue_one(app, 2)
    report = send(app)
    assert (report.sent, report.retrying) == (1, 1)
    assert row(app, refused).status == "retry" and "ontvangers" in row(app, refused).last_error
    assert "weiger@test.example" not in row(app, refused).last_error  # no address in the error
    assert row(app, accepted).status == "sent"


def test_a_message_left_sending_by_a_dead_sender_is_sent_after_the_timeout(app, smtp_server):
    stale, fresh = queue_one(app, 1), queue_one(app, 2)
    with app.app_context():
        for message_id, minutes in ((stale, 11), (fresh, 1)):
            message = db.session.get(OutboxMessage, message_id)
            message.status, message.attempts = "sending", 1
            message.claimed_at = utcnow() - timedelta(minutes=minutes)
        db.session.commit()
    assert send(app).sent == 1
    assert [r.subject for r in smtp_server.received] == ["Bericht 1"]
    assert (row(app, stale).status, row(app, fresh).status) == ("sent", "sending")


def test_without_a_mail_server_messages_are_written_to_the_log(app, caplog, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "")
    message_id = queue_one(app)
    with caplog.at_level(logging.INFO, logger="campaign_crm.mail"):
        assert send(app).sent == 1
    assert "Bericht 1" in caplog.text and "Tekst van bericht 1" in caplog.text
    assert row(app, message_id).status == "sent"


def test_old_sent_messages_and_their_attachments_are_deleted(app, smtp_server):
    message_id = queue_one(app, attachments=[Attachment("a.ics", "text/calendar", ICS)])
    send(app)
    report = send(app, now=utcnow() + timedelta(days=31))
    assert report.purged == 1
    with app.app_context():
        assert db.session.get(OutboxMessage, message_id) is None
        assert db.session.scalar(select(MailAttachment.id)) is None


@pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                    reason="parallel senders need PostgreSQL's row locks")
def test_two_senders_at_once_send_every_message_exactly_once(app, smtp_server, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_BATCH_SIZE", 7)  # several rounds each, so the senders interleave
    ids = [queue_one(app, n) for n in range(1, 41)]
    smtp_server.stop()
    send(app)  # every message fails once: both senders then find all 40 due at the same moment
    smtp_server.start()
    later = utcnow() + timedelta(minutes=5)
    start = threading.Barrier(2)
    totals, errors = [], []

    def sender():
        try:
            start.wait()
            sent = 0
            while (report := send(app, now=later)).sent:
                sent += report.sent
            totals.append(sent)
        except Exception as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sum(totals) == 40
    subjects = [r.subject for r in smtp_server.received]
    assert len(subjects) == 40 and len(set(subjects)) == 40
    assert {row(app, i).status for i in ids} == {"sent"}
