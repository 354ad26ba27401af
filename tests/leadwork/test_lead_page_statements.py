"""The lead page reads nothing per timeline entry: a history of 5 entries and one of 50 (by several people,
through several channels, with vacancies in several sectors) cost the same SQL statements."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from campaign_crm.extensions import db
from campaign_crm.models import Channel, Lead, Sector, User
from campaign_crm.services.leads import activities, vacancies
from campaign_crm.services.routing import sla
from tests.helpers import counting_statements, intake_lead, login

# What the lead page reads besides the login check: the lead with everything it shows of itself (1), the
# audit entry of the read (1), the lost reasons and sectors of the work forms (2), the timeline (1: touchpoints,
# assignments, activities, vacancies, stage events and escalations together), the lead's placements (1), its
# meetings (1) and its open next actions, for the activity form (1).
LEAD_PAGE_STATEMENTS = 8


def statements(app, client, path: str) -> int:
    with app.app_context(), counting_statements(db.engine) as seen:
        assert client.get(path).status_code == 200
    return seen[0]


def timeline_length(html: str) -> int:
    return len(re.findall(r'<li data-kind="\w+">', html[html.index('id="tijdlijn"'):]))


def add_history(app, lead_id: int, people_ids: list[int], *, entries: int) -> None:
    """Activities and vacancies by these people in turn, the employer's touchpoints through every channel,
    vacancies in different sectors and the stage moves they make: `entries` more on the lead's timeline."""
    with app.app_context():
        lead = db.session.get(Lead, lead_id)
        people = [db.session.get(User, person_id) for person_id in people_ids]
        channels = db.session.scalars(select(Channel.code).order_by(Channel.id)).all()
        sectors = db.session.scalars(select(Sector.id).order_by(Sector.id)).all()
        at, added = lead.created_at, 0
        while added < entries:
            at += timedelta(minutes=20)
            if added % 5 == 1:
                attached = intake_lead(lead.employer.name, lead.contact.email, contact_name=lead.contact.name,
                                       municipality="Schiedam", channel=channels[added % len(channels)],
                                       occurred_at=at, kind="form")
                assert attached.id == lead_id
                added += 1
            elif added % 7 == 3 and added + 1 < entries:  # the vacancy, and the first time the stage move
                moved = vacancies.register_vacancy(lead, vacancies.VacancyInput(
                    title=f"Functie {added}", sector_id=sectors[added % len(sectors)], hours_per_week=24),
                    actor=people[added % len(people)], at=at).stage_event
                added += 2 if moved else 1
            else:
                activities.log_activity(lead, activities.ActivityInput(
                    kind="call", outcome=f"Gesprek {added}", occurred_at=at), actor=people[added % len(people)])
                added += 1
        db.session.commit()


def test_a_history_of_5_or_of_50_entries_costs_the_same_statements(app, client, factory, desk, make_lead):
    short_id = make_lead("Kort BV")
    add_history(app, short_id, [desk.owner.id], entries=2)
    long_id = make_lead("Lang BV", hours_ago=24 * 9)
    with app.app_context():
        sla.sweep()  # the overdue first contact: escalations on the timeline too
        db.session.commit()
    login(client, desk.owner)
    long_before = timeline_length(client.get(f"/leads/{long_id}").get_data(as_text=True))
    campaign_team = [factory.user("campaign", name=f"Campagne {n}").id for n in range(3)]  # seen nowhere else
    add_history(app, long_id, [desk.owner.id, desk.boss.id, *campaign_team], entries=50 - long_before)

    short_page = client.get(f"/leads/{short_id}").get_data(as_text=True)
    long_page = client.get(f"/leads/{long_id}").get_data(as_text=True)
    assert timeline_length(short_page) == 5 and timeline_length(long_page) == 50
    assert 'data-kind="escalation"' in long_page and 'data-kind="vacancy"' in long_page
    assert "Bea Baas" in long_page and "Campagne 2" in long_page  # the work of five people

    login_check = statements(app, client, "/toegankelijkheid")  # finding the logged-in user
    assert statements(app, client, f"/leads/{short_id}") == login_check + LEAD_PAGE_STATEMENTS
    assert statements(app, client, f"/leads/{long_id}") == login_check + LEAD_PAGE_STATEMENTS


def test_a_colleague_without_the_work_forms_costs_three_statements_less(app, client, desk, make_lead):
    lead_id = make_lead("Inzage BV")
    login(client, desk.colleague)
    login_check = statements(app, client, "/toegankelijkheid")
    assert statements(app, client, f"/leads/{lead_id}") == login_check + LEAD_PAGE_STATEMENTS - 3  # options, actions
