"""Mijn beschikbaarheid: an advisor keeps their weekly hours and exceptions, with Dutch messages at the field for
what is wrong; their team lead may keep them too, an advisor of another team gets 404."""
from __future__ import annotations

from sqlalchemy import select

from campaign_crm.extensions import db
from campaign_crm.models.booking import AvailabilityException, AvailabilityHours
from campaign_crm.services.calendar import today
from tests.helpers import count, login


def test_an_advisor_adds_weekly_hours_and_a_blocked_day_and_removes_them(client, app, factory):
    anna = factory.user("advisor", name="Anna Smit")
    login(client, anna)

    page = client.get("/mijn-beschikbaarheid").get_data(as_text=True)
    assert "<h1>Mijn beschikbaarheid</h1>" in page and "Nog geen vaste uren" in page
    client.post(f"/beschikbaarheid/{anna.id}/uren", data={"uren-weekday": "1", "uren-starts_at": "09:00",
                                                          "uren-ends_at": "12:30"})
    day = today().replace(year=today().year + 1, day=1)
    client.post(f"/beschikbaarheid/{anna.id}/uitzondering", data={"uitzondering-day": day.isoformat(),
                                                                 "uitzondering-kind": "blocked"})

    page = client.get(f"/beschikbaarheid/{anna.id}").get_data(as_text=True)
    assert "<td>Dinsdag</td><td>09:00</td><td>12:30</td>" in page and "Niet beschikbaar" in page
    with app.app_context():
        hours = db.session.scalars(select(AvailabilityHours)).one()
        assert (hours.user_id, hours.weekday, str(hours.starts_at)) == (anna.id, 1, "09:00:00")
        assert count(AvailabilityException) == 1
    client.post(f"/beschikbaarheid/{anna.id}/uren/{hours.id}/verwijderen")
    with app.app_context():
        assert count(AvailabilityHours) == 0


def test_wrong_hours_are_refused_with_a_dutch_message_at_the_field(client, app, factory):
    anna = factory.user("advisor")
    login(client, anna)

    response = client.post(f"/beschikbaarheid/{anna.id}/uren", data={"uren-weekday": "0", "uren-starts_at": "12:00",
                                                                     "uren-ends_at": "09:10"})

    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "Kies een tijd op een heel kwartier" in text and 'aria-describedby="uren-ends_at-error"' in text
    response = client.post(f"/beschikbaarheid/{anna.id}/uitzondering", data={"uitzondering-kind": "extra"})
    assert response.status_code == 422 and "Vul de datum in." in response.get_data(as_text=True)
    with app.app_context():
        assert count(AvailabilityHours) == count(AvailabilityException) == 0


def test_the_team_lead_keeps_the_hours_of_the_team_and_nobody_else_does(client, app, factory):
    team, other_team = factory.team("Waterweg"), factory.team("Noord")
    anna = factory.user("advisor", name="Anna Smit", team_id=team)
    lead_of_team = factory.user("teamlead", team_id=team)
    stranger = factory.user("advisor", team_id=other_team)

    login(client, stranger)
    assert client.get(f"/beschikbaarheid/{anna.id}").status_code == 404
    assert client.post(f"/beschikbaarheid/{anna.id}/uren", data={"uren-weekday": "0", "uren-starts_at": "09:00",
                                                                 "uren-ends_at": "10:00"}).status_code == 404
    client.post("/logout")
    login(client, lead_of_team)
    assert "Anna Smit" in client.get("/mijn-beschikbaarheid").get_data(as_text=True)
    client.post(f"/beschikbaarheid/{anna.id}/uren", data={"uren-weekday": "4", "uren-starts_at": "13:00",
                                                          "uren-ends_at": "16:00"})
    with app.app_context():
        assert db.session.scalars(select(AvailabilityHours.user_id)).all() == [anna.id]
