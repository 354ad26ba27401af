"""Managing jobcoach organisations: only the campaign team and admins; the link shown once, stored hashed;
the contact export for the letter."""
from __future__ import annotations

import csv
import hashlib
import io
import re

import pytest
from sqlalchemy import select

from campaign_crm.extensions import db
from campaign_crm.models import AuditEvent, JobcoachOrganisation
from tests.helpers import add_jobcoach_organisation, audit_count, count, login, signal_url

MANAGEMENT_PAGES = ["/jobcoaches", "/jobcoaches/nieuw", "/jobcoaches/{id}", "/jobcoaches/{id}/link-vernieuwen",
                    "/jobcoaches/contacten.csv"]


def _link_on(html: str) -> str:
    match = re.search(r'id="signal-link" type="text" readonly value="([^"]+)"', html)
    assert match, "the page shows the link"
    return match.group(1)


@pytest.mark.parametrize("role", ["advisor", "teamlead", "management"])
def test_only_the_campaign_team_and_admins_manage_organisations(app, client, region, role):
    who = {"advisor": region.advisor, "teamlead": region.teamlead, "management": region.management}[role]
    login(client, who)

    for url in MANAGEMENT_PAGES:
        assert client.get(url.format(id=region.coach_id)).status_code == 403, url
    assert client.post("/jobcoaches/nieuw", data={"name": "Stiekem BV"}).status_code == 403
    assert client.post(f"/jobcoaches/{region.coach_id}/link-vernieuwen").status_code == 403
    with app.app_context():
        assert count(JobcoachOrganisation) == 2
    assert client.get(signal_url(region.coach_token)).status_code == 200  # the link still works


@pytest.mark.parametrize("role", ["admin", "campaign"])
def test_the_campaign_team_and_admins_reach_every_management_page(client, region, role):
    login(client, region.admin if role == "admin" else region.campaign_user)

    for url in MANAGEMENT_PAGES:
        assert client.get(url.format(id=region.coach_id)).status_code == 200, url


def test_creating_an_organisation_shows_its_link_once_and_stores_only_a_hash(app, client, region):
    login(client, region.campaign_user)

    page = client.post("/jobcoaches/nieuw", data={
        "name": "  Jobcoach Plus ", "contact_name": "Fatima El Amrani", "email": "Fatima@JobcoachPlus.nl",
        "phone": "06 12345678", "active": "y"})

    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    link = _link_on(page.get_data(as_text=True))
    token = link.rsplit("/signaal/", 1)[1]
    with app.app_context():
        organisation = db.session.scalars(
            select(JobcoachOrganisation).where(JobcoachOrganisation.name == "Jobcoach Plus")).one()
        assert organisation.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert token not in organisation.token_hash
        assert (organisation.email, organisation.phone) == ("fatima@jobcoachplus.nl", "+31612345678")
        assert organisation.token_rotated_at is not None
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "jobcoach_organisations",
                                                             AuditEvent.object_id == organisation.id)).all()
        assert {e.action for e in events} == {"jobcoach_org_created", "jobcoach_link_rotated"}
        assert all(token not in str(e.detail) for e in events)
    assert client.get(f"/signaal/{token}").status_code == 200
    # Not shown again: the edit page cannot show it, it is not stored.
    assert token not in client.get(f"/jobcoaches/{organisation.id}").get_data(as_text=True)
    assert token not in client.get("/jobcoaches").get_data(as_text=True)


def test_a_duplicate_name_or_bad_email_is_refused_with_a_message_per_field(app, client, region):
    login(client, region.admin)

    html = client.post("/jobcoaches/nieuw", data={"name": "jobcoach rijnmond", "email": "geen-adres",
                                                   "phone": "12"}).get_data(as_text=True)

    assert "Er is al een jobcoachorganisatie met deze naam." in html
    assert "Geen geldig e-mailadres." in html and "Geen geldig telefoonnummer." in html
    with app.app_context():
        assert count(JobcoachOrganisation) == 2


def test_rotating_the_link_asks_for_confirmation_then_shows_the_new_link_once(app, client, region):
    login(client, region.campaign_user)

    confirm = client.get(f"/jobcoaches/{region.coach_id}/link-vernieuwen").get_data(as_text=True)
    assert "De huidige link werkt daarna niet meer" in confirm
    assert client.get(signal_url(region.coach_token)).status_code == 200  # asking changed nothing

    page = client.post(f"/jobcoaches/{region.coach_id}/link-vernieuwen")

    new_token = _link_on(page.get_data(as_text=True)).rsplit("/signaal/", 1)[1]
    assert new_token != region.coach_token
    assert client.get(signal_url(region.coach_token)).status_code == 404
    assert client.get(signal_url(new_token)).status_code == 200
    with app.app_context():
        assert audit_count("jobcoach_link_rotated") == 3  # two at creation, one now


def test_deactivating_an_organisation_in_the_edit_form_stops_its_link(client, region):
    login(client, region.admin)

    response = client.post(f"/jobcoaches/{region.coach_id}", data={
        "name": "Jobcoach Rijnmond", "contact_name": "Ans de Vries", "email": "ans@jobcoach-rijnmond.nl"})

    assert response.status_code == 302
    assert client.get(signal_url(region.coach_token)).status_code == 404


def test_the_list_shows_running_placements_and_open_signals_per_organisation(client, region):
    client.post(signal_url(region.coach_token), data={"reference": "RTM2A7KQ", "description": "Dreigt uit te vallen."})
    login(client, region.campaign_user)

    html = client.get("/jobcoaches").get_data(as_text=True)

    row = re.search(r"Jobcoach Rijnmond</a></th>(.*?)</tr>", html, re.DOTALL).group(1)
    assert [int(n) for n in re.findall(r'<td class="num">(\d+)</td>', row)] == [2, 1, 1]
    assert "Dreigt uit te vallen." not in html  # counts only


# --- the contact export -------------------------------------------------------------------------------

def test_the_contact_export_is_a_dutch_excel_csv_without_the_secret_link(app, client, region):
    with app.app_context():
        add_jobcoach_organisation("=HYPERLINK(\"http://evil.example\",\"klik\")", contact_name="@SUM(1+1)",
                                  email="info@evil.example")
        db.session.commit()
    login(client, region.campaign_user)

    response = client.get("/jobcoaches/contacten.csv")

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8-sig")
    assert text.splitlines()[0] == "Organisatie;Contactpersoon;E-mailadres;Telefoonnummer;Lopende plaatsingen"
    rows = {row[0]: row for row in csv.reader(io.StringIO(text), delimiter=";")}
    assert rows["Jobcoach Rijnmond"] == ["Jobcoach Rijnmond", "Ans de Vries", "ans@jobcoach-rijnmond.nl",
                                         "010 456 7890", "2"]
    assert rows["Werkfit Coaching"][4] == "1"
    evil = rows["'=HYPERLINK(\"http://evil.example\",\"klik\")"]
    assert evil[1] == "'@SUM(1+1)"
    for token in (region.coach_token, region.other_coach_token):
        assert token not in text
    assert "/signaal/" not in text
    with app.app_context():
        assert audit_count("read") == 3  # each organisation's contact data, logged as read


def test_the_contact_export_leaves_out_inactive_organisations(app, client, region):
    with app.app_context():
        db.session.get(JobcoachOrganisation, region.other_coach_id).active = False
        db.session.commit()
    login(client, region.admin)

    text = client.get("/jobcoaches/contacten.csv").get_data().decode("utf-8-sig")

    assert "Jobcoach Rijnmond" in text and "Werkfit Coaching" not in text
