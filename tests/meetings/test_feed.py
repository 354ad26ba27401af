"""The calendar feed behind a secret link, and the page Mijn agenda: the link works without a login, only its hash
is kept, a new link stops the old one, a revoked or wrong one is not found, and the feed names no contact person."""
from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta

from icalendar import Calendar
from sqlalchemy import select, update

from campaign_crm.extensions import db
from campaign_crm.models import User
from campaign_crm.models.meetings import CalendarFeed, Meeting
from campaign_crm.security import mask_secrets
from campaign_crm.services.meetings import feeds
from campaign_crm.services.meetings import records as meetings
from tests.helpers import audit_count, csrf_token_from, login

FEED_URL = re.compile(r'value="https?://[^/"]+(/agenda/[^"]+\.ics)"')


def _new_link(client) -> str:
    """Press "Agenda-link maken" on Mijn agenda; the path of the link it shows once."""
    page = client.get("/mijn-agenda").get_data(as_text=True)
    response = client.post("/mijn-agenda/link", data={"csrf_token": csrf_token_from(page)})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    match = FEED_URL.search(response.get_data(as_text=True))
    assert match, "the page shows no feed link"
    return match.group(1)


def test_the_feed_gives_the_advisors_meetings_under_their_invitation_uids_without_a_login(
        app, client, desk, make_lead, plan):
    lead_id = make_lead()
    mine = plan(lead_id)
    as_guest = plan(lead_id, organiser=desk.mate, with_contact=False, colleague_ids=(desk.owner.id,))
    not_mine = plan(lead_id, organiser=desk.mate, with_contact=False)
    login(client, desk.owner)
    path = _new_link(client)
    client.post("/logout", data={"csrf_token": csrf_token_from(client.get("/mijn-agenda").get_data(as_text=True))})

    response = client.get(path)

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/calendar")
    assert response.headers["Cache-Control"] == "no-store"
    calendar = Calendar.from_ical(response.data)
    assert "METHOD" not in calendar
    assert str(calendar["X-WR-CALNAME"]) == "Afspraken Olga Eigenaar"
    assert b"\r\nX-PUBLISHED-TTL:PT1H\r\n" in response.data
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Amsterdam"]
    with app.app_context():
        uids = {db.session.get(Meeting, m).uid: m for m in (mine, as_guest, not_mine)}
    shown = {uids[str(event["UID"])] for event in calendar.walk("VEVENT")}
    assert shown == {mine, as_guest}


def test_the_feed_names_no_contact_person_and_links_to_the_meeting(app, client, desk, make_lead, plan, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://crm.example.nl")
    meeting_id = plan(make_lead(), kind="telefoongesprek", place_kind="phone", place="010-1234567")
    with app.app_context():
        raw = feeds.renew(db.session.get(User, desk.owner.id), actor=db.session.get(User, desk.owner.id))
        db.session.commit()

    content = client.get(f"/agenda/{raw}.ics").get_data(as_text=True)

    assert "Jan Jansen" not in content and "jan@bakkerij-jansen.example" not in content
    assert "1234567" not in content and "ATTENDEE" not in content
    [event] = Calendar.from_ical(content).walk("VEVENT")
    assert str(event["URL"]) == f"https://crm.example.nl/afspraken/{meeting_id}"
    assert str(event["SUMMARY"]) == "Telefoongesprek Bakkerij Jansen"


def test_a_cancelled_meeting_leaves_the_feed_and_a_held_one_stays(app, client, desk, make_lead, plan):
    lead_id = make_lead()
    cancelled, held = plan(lead_id), plan(lead_id)
    with app.app_context():
        owner = db.session.get(User, desk.owner.id)
        meetings.cancel_meeting(db.session.get(Meeting, cancelled), actor=owner)
        start = datetime.now(UTC) - timedelta(hours=3)
        db.session.execute(update(Meeting).where(Meeting.id == held)
                           .values(starts_at=start, ends_at=start + timedelta(hours=1)))
        meetings.record_held(db.session.get(Meeting, held), "Gesproken", actor=owner)
        raw = feeds.renew(owner, actor=owner)
        db.session.commit()
        held_uid = db.session.get(Meeting, held).uid

    events = Calendar.from_ical(client.get(f"/agenda/{raw}.ics").data).walk("VEVENT")
    assert [str(e["UID"]) for e in events] == [held_uid]


def test_only_the_hash_of_the_link_is_stored(app, client, desk):
    login(client, desk.owner)
    path = _new_link(client)
    raw = path.removeprefix("/agenda/").removesuffix(".ics")
    with app.app_context():
        feed = db.session.get(CalendarFeed, desk.owner.id)
        assert feed.token_hash == hashlib.sha256(raw.encode()).hexdigest()
        assert raw not in str(db.session.execute(select(CalendarFeed.__table__)).all())
        assert audit_count("calendar_feed_renewed") == 1


def test_a_new_link_stops_the_old_one_and_a_revoked_link_is_not_found(app, client, desk):
    login(client, desk.owner)
    old = _new_link(client)
    assert client.get(old).status_code == 200

    new = _new_link(client)
    assert new != old
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200

    page = client.get("/mijn-agenda").get_data(as_text=True)
    assert "Agenda-link intrekken" in page and new not in page  # shown once, never again
    client.post("/mijn-agenda/link-intrekken", data={"csrf_token": csrf_token_from(page)})
    assert client.get(new).status_code == 404
    assert "U heeft nog geen agenda-link." in client.get("/mijn-agenda").get_data(as_text=True)


def test_a_wrong_link_is_not_found_and_a_deactivated_users_link_stops(app, client, desk):
    assert client.get("/agenda/verzonnen-geheim.ics").status_code == 404
    assert client.get(f"/agenda/{'x' * 500}.ics").status_code == 404
    with app.app_context():
        owner = db.session.get(User, desk.owner.id)
        raw = feeds.renew(owner, actor=owner)
        owner.active = False
        db.session.commit()
    assert client.get(f"/agenda/{raw}.ics").status_code == 404


def test_the_feed_is_rate_limited_per_link(app, client, desk, monkeypatch):
    monkeypatch.setitem(app.config, "FEED_RATE_LIMIT", "3 per hour")
    with app.app_context():
        owner = db.session.get(User, desk.owner.id)
        raw = feeds.renew(owner, actor=owner)
        db.session.commit()
    answers = [client.get(f"/agenda/{raw}.ics").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]


def test_the_secret_of_a_feed_link_is_masked_in_the_logs():
    assert mask_secrets("GET /agenda/abcDEF123-_x.ics HTTP/1.1") == "GET /agenda/*** HTTP/1.1"


def test_mijn_agenda_groups_the_coming_meetings_by_today_this_week_and_later(app, client, desk, make_lead, plan):
    lead_id = make_lead()
    soon = datetime.now(UTC) + timedelta(minutes=5)
    today_id = plan(lead_id, starts_at=soon, ends_at=soon + timedelta(minutes=30))
    later_id = plan(lead_id, kind="harrie_training")
    login(client, desk.owner)

    html = client.get("/mijn-agenda").get_data(as_text=True)

    assert "<h2 id=\"groep-1\">Vandaag</h2>" in html
    assert html.index(f"/afspraken/{today_id}") < html.index(f"/afspraken/{later_id}")
    assert "Harrie-training met Bakkerij Jansen" in html
    assert "Abonneren vanaf internet" in html and "Via URL" in html
