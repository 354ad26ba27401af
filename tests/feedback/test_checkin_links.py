"""Check-ins answered by link: who gets the questions, what an answer does, when a link stops working, and the one
reminder after N working days."""
from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from campaign_crm.extensions import db
from campaign_crm.models import CheckIn, OutboxMessage, Placement, RiskCase, User, utcnow
from campaign_crm.models.feedback import CheckInLink, EmployeeVoice
from campaign_crm.security import mask_secrets
from campaign_crm.services.calendar import AMSTERDAM, today
from campaign_crm.services.errors import ValidationError
from campaign_crm.services.feedback import links, voice
from campaign_crm.services.placements import records as placement_service
from campaign_crm.services.privacy import retention
from tests.helpers import count, counts, start_time

LINK = re.compile(r"/check-in/([A-Za-z0-9_-]{20,})")
COACH_EMAIL, CONTACT_EMAIL, EMPLOYEE_EMAIL = "ans@jobcoach-rijnmond.nl", "jan@bakkerij-jansen.nl", "sam@example.nl"
# Friday 20 November 2026, 09:00 in Rotterdam: the week-2 check-in of the reminder tests falls due that day.
FRIDAY = datetime(2026, 11, 20, 9, 0, tzinfo=AMSTERDAM).astimezone(UTC)
ANSWER_TABLES = (CheckInLink, CheckIn, RiskCase)


def mails_to(address: str) -> list[OutboxMessage]:
    return [m for m in db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)) if address in m.recipients]


def token_in(message: OutboxMessage) -> str:
    """The secret token of the link in a mail (the text and the HTML carry the same one)."""
    [token] = set(LINK.findall(message.text))
    assert LINK.findall(message.html) and set(LINK.findall(message.html)) == {token}
    return token


def week_two(placement_id: int) -> CheckIn:
    return db.session.scalars(select(CheckIn).where(CheckIn.placement_id == placement_id, CheckIn.week == 2)).one()


def consent(placement_id: int, advisor_id: int, email: str = EMPLOYEE_EMAIL) -> None:
    voice.record_consent(db.session.get(Placement, placement_id), voice.ConsentInput(email=email, consent=True),
                         actor=db.session.get(User, advisor_id))


def answer_form(app, **answers) -> dict[str, str]:
    """What a person who took a minute over the form posts."""
    return {"risk": "green", "help_text": "", "wants_contact": "nee", "onderwerp": "",
            "started": start_time(app, 60), **answers}


# --- who is asked ---------------------------------------------------------------------------------------

def test_a_due_checkin_mails_the_employer_and_the_jobcoach_a_link_of_their_own_once(ctx, setting):
    placement_id = setting.new_placement()

    report = links.send_due_links()

    assert (report.sent["employer"], report.sent["jobcoach"], report.sent["employee"]) == (1, 1, 0)
    [to_employer], [to_coach] = mails_to(CONTACT_EMAIL), mails_to(COACH_EMAIL)
    tokens = {token_in(to_employer), token_in(to_coach)}
    assert len(tokens) == 2
    stored = db.session.scalars(select(CheckInLink).order_by(CheckInLink.role)).all()
    assert [(link.role, link.checkin_id) for link in stored] == [("employer", week_two(placement_id).id),
                                                                ("jobcoach", week_two(placement_id).id)]
    assert {link.token_hash for link in stored} == {hashlib.sha256(t.encode()).hexdigest() for t in tokens}
    placement = db.session.get(Placement, placement_id)
    for mail in (to_employer, to_coach):
        assert placement.reference in mail.text and "Bakkerij Jansen" in mail.text and "week 2" in mail.text
        assert placement.candidate_ref not in mail.text + mail.html + mail.subject

    again = links.send_due_links()
    assert sum(again.sent.values()) == 0 and count(CheckInLink) == 2
    assert count(OutboxMessage, OutboxMessage.kind == links.MAIL_KIND) == 2


def test_without_an_external_jobcoach_only_the_employer_is_asked_and_nothing_before_the_due_date(ctx, setting):
    later = setting.new_placement(today() + timedelta(days=3))
    setting.new_placement(with_coach=False)

    report = links.send_due_links()

    assert report.sent == {"employer": 1, "jobcoach": 0, "employee": 0}
    assert count(CheckInLink, CheckInLink.checkin_id == week_two(later).id) == 0


def test_the_employee_gets_the_questions_only_with_consent_and_in_plain_dutch(ctx, setting):
    placement_id = setting.new_placement()
    links.send_due_links()
    assert mails_to(EMPLOYEE_EMAIL) == []

    consent(placement_id, setting.advisor.id)
    report = links.send_due_links()

    assert report.sent == {"employer": 0, "jobcoach": 0, "employee": 1}
    [mail] = mails_to(EMPLOYEE_EMAIL)
    assert mail.subject == "Hoe gaat het op je werk?" and "Niet naar je werkgever" in mail.text
    stored = db.session.get(EmployeeVoice, placement_id)
    assert (stored.recorded_by_id, stored.consent_text_version) == (setting.advisor.id, voice.CONSENT_TEXT_VERSION)
    link = links.find_link(token_in(mail))
    assert link.role == "employee" and links.state_of(link) == links.OPEN

    voice.withdraw_consent(db.session.get(Placement, placement_id), actor=db.session.get(User, setting.advisor.id))
    assert db.session.get(EmployeeVoice, placement_id).email is None
    assert links.state_of(link) == links.VOID  # a withdrawn consent voids the link already sent


def test_consent_needs_the_tick_and_a_valid_address(ctx, setting):
    placement = db.session.get(Placement, setting.new_placement())

    with pytest.raises(ValidationError) as refused:
        voice.record_consent(placement, voice.ConsentInput(email="geen-adres", consent=False),
                             actor=db.session.get(User, setting.advisor.id))

    assert set(refused.value.fields) == {"email", "consent"}
    assert count(EmployeeVoice) == 0


# --- answering ------------------------------------------------------------------------------------------

def test_an_employer_answer_through_its_link_lands_on_the_placements_checkin(app, client, setting):
    with app.app_context():
        placement_id = setting.new_placement()
        links.send_due_links()
        db.session.commit()
        token = token_in(mails_to(CONTACT_EMAIL)[0])
        reference = db.session.get(Placement, placement_id).reference

    form = client.get(f"/check-in/{token}")
    html = form.get_data(as_text=True)
    assert form.status_code == 200 and form.headers["Cache-Control"] == "no-store"
    assert "Bakkerij Jansen" in html and reference in html and "Week 2" in html
    for private in ("KL-2026-0815", CONTACT_EMAIL, "Jan Jansen", "Anna Smit", "Gemeente Rotterdam"):
        assert private not in html

    sent = client.post(f"/check-in/{token}", data=answer_form(app, help_text="Een vaste collega als maatje.",
                                                              wants_contact="ja"))

    assert sent.status_code == 302 and sent.headers["Location"] == "/check-in/bedankt"
    with app.app_context():
        checkin = week_two(placement_id)
        assert (checkin.done_on, checkin.with_whom, checkin.risk) == (today(), "employer", "green")
        assert "Een vaste collega als maatje." in checkin.note
        link = db.session.scalars(select(CheckInLink).where(CheckInLink.role == "employer")).one()
        assert link.answered_at is not None and (link.risk, link.wants_contact) == ("green", True)
        assert count(RiskCase) == 0
    assert "Bedankt voor uw antwoord" in client.get("/check-in/bedankt").get_data(as_text=True)


def test_an_amber_answer_opens_a_risk_case_and_a_later_red_one_raises_it(ctx, setting):
    placement_id = setting.new_placement()
    links.send_due_links()
    employer_link, coach_link = db.session.scalars(select(CheckInLink).order_by(CheckInLink.role)).all()

    links.record_answer(employer_link, links.AnswerInput(risk="amber", help_text="", wants_contact=False))

    case = db.session.scalars(select(RiskCase)).one()
    assert (case.placement_id, case.level, case.source, case.closed_at) == (placement_id, "amber", "checkin", None)
    assert week_two(placement_id).risk == "amber"

    links.record_answer(coach_link, links.AnswerInput(risk="red", help_text="", wants_contact=True))

    assert db.session.scalars(select(RiskCase)).one().level == "red"  # the check-in was recorded: the case is raised
    assert week_two(placement_id).with_whom == "employer"


def test_a_bad_answer_is_refused_per_field_in_dutch_and_stores_nothing(app, client, setting):
    with app.app_context():
        setting.new_placement()
        links.send_due_links()
        db.session.commit()
        token = token_in(mails_to(CONTACT_EMAIL)[0])
        before = counts(ANSWER_TABLES)

    page = client.post(f"/check-in/{token}", data=answer_form(app, risk="", wants_contact="",
                                                              help_text="Zijn BSN is 111222333."))

    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for message in ("Kies hoe het gaat: goed, twijfel of zorgen.", "Kies ja of nee.", "BSN-achtig nummer"):
        assert message in html
    with app.app_context():
        assert counts(ANSWER_TABLES) == before
        assert count(CheckInLink, CheckInLink.answered_at.is_not(None)) == 0


@pytest.mark.parametrize("honeypot, seconds_taken", [("Koop nu", 60), ("", 0)], ids=["honeypot", "too-fast"])
def test_a_bot_gets_the_thank_you_page_and_nothing_is_stored(app, client, setting, honeypot, seconds_taken):
    with app.app_context():
        setting.new_placement()
        links.send_due_links()
        db.session.commit()
        token = token_in(mails_to(CONTACT_EMAIL)[0])

    sent = client.post(f"/check-in/{token}", data=answer_form(app, onderwerp=honeypot,
                                                              started=start_time(app, seconds_taken)))

    assert sent.status_code == 302 and sent.headers["Location"] == "/check-in/bedankt"
    with app.app_context():
        assert count(CheckInLink, CheckInLink.answered_at.is_not(None)) == 0 and count(RiskCase) == 0


# --- links that no longer work --------------------------------------------------------------------------

def _spoil(how: str, token: str, placement_id: int, advisor_id: int) -> str:
    """Make the link of `token` unknown, used up, expired or void (placement ended); returns the token to try."""
    link = links.find_link(token)
    if how == "unknown":
        return token[:-4] + "abcd"
    if how == "used":
        links.record_answer(link, links.AnswerInput(risk="green", help_text="", wants_contact=False))
    elif how == "expired":
        link.expires_at = utcnow() - timedelta(minutes=1)
    else:
        placement_service.end_placement(db.session.get(Placement, placement_id), end_date=today(),
                                        end_how="resignation", end_why="move_personal",
                                        actor=db.session.get(User, advisor_id))
    return token


@pytest.mark.parametrize("how", ["unknown", "used", "expired", "ended"])
def test_an_unknown_used_expired_or_ended_link_answers_404_and_stores_nothing(app, client, setting, how):
    with app.app_context():
        placement_id = setting.new_placement()
        links.send_due_links()
        token = _spoil(how, token_in(mails_to(CONTACT_EMAIL)[0]), placement_id, setting.advisor.id)
        db.session.commit()
        before = counts(ANSWER_TABLES)
        answered_before = count(CheckInLink, CheckInLink.answered_at.is_not(None))

    shown = client.get(f"/check-in/{token}")
    sent = client.post(f"/check-in/{token}", data=answer_form(app, risk="red", wants_contact="ja"))

    for response in (shown, sent):
        html = response.get_data(as_text=True)
        assert response.status_code == 404 and "Foutcode 404" in html
        assert ("al beantwoord" in html) == (how == "used")
    with app.app_context():
        assert counts(ANSWER_TABLES) == before
        assert count(CheckInLink, CheckInLink.answered_at.is_not(None)) == answered_before


# --- the reminder ---------------------------------------------------------------------------------------

def test_the_reminder_goes_after_three_working_days_once_with_a_link_that_works_beside_the_first(ctx, setting):
    setting.new_placement(FRIDAY.astimezone(AMSTERDAM).date(), with_coach=False)
    links.send_due_links(FRIDAY)
    [first] = mails_to(CONTACT_EMAIL)

    tuesday, wednesday, thursday = (FRIDAY + timedelta(days=n) for n in (4, 5, 6))
    assert links.send_due_links(tuesday).reminded == 0  # Monday and Tuesday: two working days
    assert links.send_due_links(wednesday).reminded == 1
    assert links.send_due_links(thursday).reminded == 0

    first_mail, reminder = mails_to(CONTACT_EMAIL)
    assert first_mail.id == first.id and reminder.subject.startswith("Herinnering: ")
    old, new = token_in(first), token_in(reminder)
    assert old != new and links.find_link(old).id == links.find_link(new).id
    assert links.find_link(new).reminded_at == wednesday


def test_an_answered_link_gets_no_reminder(ctx, setting):
    answered = setting.new_placement(FRIDAY.astimezone(AMSTERDAM).date(), with_coach=False)
    links.send_due_links(FRIDAY)
    [link] = db.session.scalars(select(CheckInLink).where(
        CheckInLink.checkin_id == week_two(answered).id)).all()
    link.answered_at = FRIDAY + timedelta(hours=1)

    assert links.send_due_links(FRIDAY + timedelta(days=5)).reminded == 0
    assert len(mails_to(CONTACT_EMAIL)) == 1


# --- retention ------------------------------------------------------------------------------------------

def test_the_purge_clears_the_employees_address_and_the_answers_with_the_placements_retention(ctx, setting):
    placement_id = setting.new_placement()
    consent(placement_id, setting.advisor.id)
    links.send_due_links()
    for link in db.session.scalars(select(CheckInLink)):
        links.record_answer(link, links.AnswerInput(risk="green", help_text="Meer uitleg over het rooster.",
                                                    wants_contact=False))
    placement_service.end_placement(db.session.get(Placement, placement_id), end_date=today(),
                                    end_how="resignation", end_why="move_personal",
                                    actor=db.session.get(User, setting.advisor.id))

    retention.purge_personal_data(now=utcnow() + timedelta(days=31 * 85))

    assert db.session.get(EmployeeVoice, placement_id).email is None
    assert [link.help_text for link in db.session.scalars(select(CheckInLink))] == ["", "", ""]


def test_the_links_token_is_masked_in_the_access_log():
    line = '127.0.0.1 - - "GET /check-in/Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZg HTTP/1.1" 200'

    assert mask_secrets(line) == '127.0.0.1 - - "GET /check-in/*** HTTP/1.1" 200'


def test_doubt_worry_or_a_wish_for_contact_is_mailed_to_the_advisor_and_a_good_answer_is_not(ctx, setting):
    placement_id = setting.new_placement()
    links.send_due_links()
    employer_link, coach_link = db.session.scalars(select(CheckInLink).order_by(CheckInLink.role)).all()

    links.record_answer(employer_link, links.AnswerInput(risk="green", help_text="Gaat prima.", wants_contact=False))
    assert [m for m in mails_to("anna@crm.example") if m.kind == "checkin_answered"] == []

    links.record_answer(coach_link, links.AnswerInput(risk="amber", help_text="Hij is vaak moe.", wants_contact=True))
    [mail] = [m for m in mails_to("anna@crm.example") if m.kind == "checkin_answered"]
    assert mail.subject == "Check-in vraagt aandacht: Bakkerij Jansen"
    assert "De jobcoach twijfelt over hoe het gaat en wil graag contact." in mail.text
    assert f"/plaatsingen/{placement_id}" in mail.text
    assert "moe" not in mail.text + mail.html  # the free text is about the employee: it stays on the placement page
    assert mail.reference == f"placement:{placement_id}"
