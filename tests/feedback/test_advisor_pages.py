"""What the placement's own partner sees of the check-in links (who was asked, who answered, who did not), the page
where an advisor records the employee's consent, and the `flask checkin-links` command."""
from __future__ import annotations

from sqlalchemy import select

from campaign_crm.extensions import db
from campaign_crm.models import AuditEvent, CheckIn, Placement
from campaign_crm.models.feedback import CheckInLink, EmployeeVoice
from campaign_crm.services.feedback import links
from tests.helpers import count, csrf_token_from, login

EMPLOYEE_EMAIL = "sam@example.nl"


def _asked_and_one_answered(app, setting) -> tuple[int, int]:
    """A placement whose week-2 questions went to employer and jobcoach; the jobcoach answered amber."""
    with app.app_context():
        placement_id = setting.new_placement()
        links.send_due_links()
        coach_link = db.session.scalars(select(CheckInLink).where(CheckInLink.role == "jobcoach")).one()
        links.record_answer(coach_link, links.AnswerInput(risk="amber", help_text="Extra uitleg over de taken.",
                                                          wants_contact=True))
        db.session.commit()
        return placement_id, coach_link.checkin_id


def test_the_advisor_sees_who_was_asked_who_answered_and_who_did_not(app, client, setting):
    placement_id, checkin_id = _asked_and_one_answered(app, setting)
    login(client, setting.advisor)

    placement_page = client.get(f"/plaatsingen/{placement_id}").get_data(as_text=True)
    checkin_page = client.get(f"/plaatsingen/{placement_id}/check-ins/{checkin_id}").get_data(as_text=True)

    assert "Werkgever nog geen antwoord; Jobcoach beantwoord (twijfel, wil contact)" in " ".join(placement_page.split())
    table = " ".join(checkin_page.split())
    assert "Gevraagd per e-mail" in table and "Extra uitleg over de taken." in table
    assert '<th scope="row">Werkgever</th>' in table and "Nog geen antwoord" in table
    assert '<th scope="row">Jobcoach</th>' in table and "Beantwoord" in table and "Twijfel" in table


def test_an_advisor_of_another_partner_finds_no_consent_page(client, setting, app):
    with app.app_context():
        placement_id = setting.new_placement()
        db.session.commit()
    login(client, setting.outsider)

    assert client.get(f"/plaatsingen/{placement_id}/vragen-werknemer").status_code == 404


def test_the_advisor_records_and_withdraws_the_employees_consent(app, client, setting):
    with app.app_context():
        placement_id = setting.new_placement()
        db.session.commit()
    login(client, setting.advisor)
    url = f"/plaatsingen/{placement_id}/vragen-werknemer"
    page = client.get(url).get_data(as_text=True)

    refused = client.post(url, data={"csrf_token": csrf_token_from(page), "email": EMPLOYEE_EMAIL})
    assert refused.status_code == 422 and "Vink aan dat de werknemer toestemming gaf" in refused.get_data(as_text=True)
    with app.app_context():
        assert count(EmployeeVoice) == 0

    given = client.post(url, data={"csrf_token": csrf_token_from(page), "email": EMPLOYEE_EMAIL, "consent": "y"})
    assert given.status_code == 302
    with app.app_context():
        stored = db.session.get(EmployeeVoice, placement_id)
        assert (stored.email, stored.recorded_by_id, stored.withdrawn_at) == (EMPLOYEE_EMAIL, setting.advisor.id, None)
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "employee_voice_consented")).one()
        assert EMPLOYEE_EMAIL not in str(event.detail)

    shown = client.get(url).get_data(as_text=True)
    assert EMPLOYEE_EMAIL in shown
    client.post(f"{url}/stoppen", data={"csrf_token": csrf_token_from(shown)})
    with app.app_context():
        stored = db.session.get(EmployeeVoice, placement_id)
        assert stored.email is None and stored.withdrawn_at is not None
    assert EMPLOYEE_EMAIL not in client.get(url).get_data(as_text=True)


def test_the_checkin_links_command_sends_and_prints_the_counts(app, runner, setting):
    with app.app_context():
        placement_id = setting.new_placement()
        db.session.commit()

    result = runner.invoke(args=["checkin-links"])

    assert result.exit_code == 0
    assert "links verstuurd aan 1 werkgevers, 1 jobcoaches en 0 werknemers" in result.output
    with app.app_context():
        week_two = db.session.scalars(select(CheckIn).where(CheckIn.placement_id == placement_id,
                                                            CheckIn.week == 2)).one()
        assert count(CheckInLink, CheckInLink.checkin_id == week_two.id) == 2
        assert db.session.get(Placement, placement_id).end_date is None
