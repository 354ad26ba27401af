"""Who may plan and change meetings: whoever may work the lead. An advisor of another team does not see the lead or
its meetings; a team-mate sees them but cannot change them; management works no leads. Plus the lead page's section."""
from __future__ import annotations

from flask import render_template_string
from flask_login import login_user

from campaign_crm.extensions import db
from campaign_crm.models import Lead, User
from campaign_crm.models.meetings import Meeting
from tests.helpers import count, login


def _plan_form(moments) -> dict:
    return {"meeting-kind": "adviesgesprek", "meeting-day": moments.day(12).isoformat(),
            "meeting-start_time": "10:00", "meeting-end_time": "11:00", "meeting-place_kind": "address",
            "meeting-place": "Coolsingel 40, Rotterdam"}


def test_an_advisor_of_another_team_cannot_plan_on_the_lead_or_see_its_meetings(
        app, client, desk, make_lead, plan, moments):
    lead_id = make_lead()
    meeting_id = plan(lead_id)
    login(client, desk.stranger)

    assert client.get(f"/leads/{lead_id}/afspraken/nieuw").status_code == 404
    assert client.post(f"/leads/{lead_id}/afspraken/nieuw", data=_plan_form(moments)).status_code == 404
    for url in (f"/afspraken/{meeting_id}", f"/afspraken/{meeting_id}.ics"):
        assert client.get(url).status_code == 404
    for url in (f"/afspraken/{meeting_id}/annuleren", f"/afspraken/{meeting_id}/gehouden"):
        assert client.post(url).status_code == 404
    with app.app_context():
        assert count(Meeting) == 1 and db.session.get(Meeting, meeting_id).status == "planned"


def test_a_team_mate_sees_the_meeting_but_cannot_plan_or_change(app, client, desk, make_lead, plan, moments):
    lead_id = make_lead()
    meeting_id = plan(lead_id)
    login(client, desk.mate)

    page = client.get(f"/afspraken/{meeting_id}")
    assert page.status_code == 200 and "Afspraak verplaatsen" not in page.get_data(as_text=True)
    assert client.get(f"/leads/{lead_id}/afspraken/nieuw").status_code == 403
    assert client.post(f"/afspraken/{meeting_id}/annuleren").status_code == 403
    with app.app_context():
        assert db.session.get(Meeting, meeting_id).status == "planned"


def test_the_team_lead_may_change_a_meeting_of_the_team(app, client, desk, make_lead, plan):
    meeting_id = plan(make_lead())
    login(client, desk.boss)
    assert client.post(f"/afspraken/{meeting_id}/annuleren").status_code == 302
    with app.app_context():
        assert db.session.get(Meeting, meeting_id).status == "cancelled"


def test_management_has_no_meeting_pages(client, factory, desk, make_lead, plan):
    meeting_id = plan(make_lead())
    login(client, factory.user("management"))
    assert client.get(f"/afspraken/{meeting_id}").status_code == 403
    assert client.get("/mijn-agenda").status_code == 403


def test_pages_and_the_feed_ask_who_you_are_except_the_feed(client, desk, make_lead, plan):
    meeting_id = plan(make_lead())
    for url in (f"/afspraken/{meeting_id}", "/mijn-agenda", f"/afspraken/{meeting_id}.ics"):
        assert client.get(url).headers["Location"].startswith("/login?next=")
    assert client.get("/agenda/geen-geheim.ics").status_code == 404  # no login page for a calendar app


def _lead_section(app, lead_id: int, user_id: int) -> str:
    with app.test_request_context("/"):
        login_user(db.session.get(User, user_id))
        return render_template_string('{% include "meetings/_lead_meetings.html" %}',
                                      lead=db.session.get(Lead, lead_id))


def test_the_lead_page_section_lists_the_meetings_and_offers_planning_to_who_may(app, desk, make_lead, plan):
    lead_id = make_lead()
    upcoming = plan(lead_id, kind="bedrijfsbezoek")

    html = _lead_section(app, lead_id, desk.owner.id)
    assert '<h2 id="afspraken">Afspraken</h2>' in html
    assert f'href="/afspraken/{upcoming}"' in html and "Bedrijfsbezoek" in html
    assert f'href="/leads/{lead_id}/afspraken/nieuw"' in html and "Afspraak plannen" in html

    as_mate = _lead_section(app, lead_id, desk.mate.id)
    assert f'href="/afspraken/{upcoming}"' in as_mate and "Afspraak plannen" not in as_mate
