"""The campaign team's pages: campaigns, phases, channels with UTM values; only the campaign team and
admins may use them."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from campaign_crm.extensions import db
from campaign_crm.models import Campaign, Channel, ChannelUtm, Lead, Phase
from campaign_crm.services import reference
from tests.helpers import fill_in, login


def _pages(app, campaign: int, ad_id: int, event_id: int) -> list[str]:
    return [
        "/campagne/", "/campagne/nieuw", f"/campagne/{campaign}", f"/campagne/{campaign}/bewerken", "/campagne/kanalen",
        f"/campagne/{campaign}/advertenties/nieuw", f"/campagne/advertenties/{ad_id}",
        f"/campagne/advertenties/{ad_id}/qr.png", f"/campagne/advertenties/{ad_id}/qr.svg",
        f"/campagne/{campaign}/evenementen/nieuw", f"/campagne/evenementen/{event_id}",
        f"/campagne/evenementen/{event_id}/bewerken",
    ]


@pytest.fixture
def pages(app, campaign, make_ad_code, make_event) -> list[str]:
    code = make_ad_code()
    event_id, _ = make_event()
    with app.app_context():
        from campaign_crm.models import AdCode
        ad_id = db.session.scalar(select(AdCode.id).where(AdCode.code == code))
    return _pages(app, campaign, ad_id, event_id)


@pytest.mark.parametrize("role", ["advisor", "teamlead", "management"])
def test_campaign_pages_are_forbidden_for_advisors_team_leads_and_management(client, factory, pages, role):
    login(client, factory.user(role))

    for url in pages:
        response = client.get(url)
        assert response.status_code == 403, url
        assert "Geen toegang" in response.get_data(as_text=True)
    assert client.post("/campagne/nieuw", data={"code": "x", "name": "x", "starts_on": "2026-01-01"}).status_code == 403
    assert client.post("/campagne/leadregel", data={"rule-min_minutes": "0"}).status_code == 403


@pytest.mark.parametrize("role", ["campaign", "admin"])
def test_the_campaign_team_and_admins_reach_every_campaign_page(client, factory, pages, role):
    login(client, factory.user(role))

    for url in pages:
        assert client.get(url).status_code == 200, url


def test_anonymous_visitors_are_sent_to_the_login_page(client, pages):
    for url in pages:
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login"), url


def test_the_menu_leads_to_the_campaign_list(client, factory, campaign):
    login(client, factory.user("campaign"))

    page = client.get("/").get_data(as_text=True)

    assert 'href="/campagne/"' in page
    listing = client.get("/campagne/").get_data(as_text=True)
    assert "Anders kijken naar personeel" in listing and ">aknp</td>" in listing


@pytest.fixture
def campaign_team(client, factory):
    login(client, factory.user("campaign"))


@pytest.mark.usefixtures("campaign_team")
def test_creating_a_campaign_opens_its_page_and_a_used_code_is_refused(client, app, campaign):
    response = client.post("/campagne/nieuw", data={"code": "Zomer26", "name": "Zomercampagne",
                                                    "starts_on": "2026-06-01", "ends_on": ""})

    with app.app_context():
        made = db.session.scalar(select(Campaign).where(Campaign.code == "zomer26"))
        assert made is not None and made.name == "Zomercampagne"
    assert response.headers["Location"] == f"/campagne/{made.id}"

    again = client.post("/campagne/nieuw", data={"code": "aknp", "name": "Dubbel", "starts_on": "2026-06-01"})
    assert "De code &#39;aknp&#39; is al in gebruik." in again.get_data(as_text=True)


@pytest.mark.usefixtures("campaign_team")
def test_adding_a_phase_and_refusing_one_that_ends_before_it_starts(client, app, campaign):
    client.post(f"/campagne/{campaign}/fasen", data={
        "phase-code": "logistiek", "phase-name": "Sectorfase logistiek", "phase-starts_on": "2027-02-01",
        "phase-ends_on": "2027-03-31", "phase-sector_id": ""})
    refused = client.post(f"/campagne/{campaign}/fasen", data={
        "phase-code": "later", "phase-name": "Later", "phase-starts_on": "2027-05-01", "phase-ends_on": "2027-04-01",
        "phase-sector_id": ""})

    assert "De einddatum ligt voor de begindatum." in refused.get_data(as_text=True)
    with app.app_context():
        codes = db.session.scalars(select(Phase.code).where(Phase.campaign_id == campaign)
                                   .order_by(Phase.starts_on)).all()
        assert codes == ["launch", "livestream", "techniek", "zorg", "logistiek"]


@pytest.mark.usefixtures("campaign_team")
def test_switching_a_campaign_off_closes_the_public_form(client, app, campaign):
    client.post(f"/campagne/{campaign}/bewerken", data={"name": "Anders kijken naar personeel",
                                                        "starts_on": "2026-05-11", "ends_on": ""})

    with app.app_context():
        assert db.session.get(Campaign, campaign).active is False
    assert "geen campagne" in client.get("/aanmelden").get_data(as_text=True)


# --- channels -------------------------------------------------------------------------------------

def _channel_id(app, code: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Channel.id).where(Channel.code == code))


@pytest.mark.usefixtures("campaign_team")
def test_a_new_utm_mapping_attributes_the_next_submission(client, app, campaign):
    response = client.post("/campagne/kanalen/utm", data={
        "utm-channel_id": _channel_id(app, "dagblad"), "utm-utm_source": " Metro ", "utm-utm_medium": ""})
    assert response.status_code == 302

    client.post("/aanmelden", data=fill_in(client, app, "/aanmelden?utm_source=metro&utm_medium=print"))

    with app.app_context():
        assert db.session.scalars(select(Lead)).one().channel.code == "dagblad"
        assert reference.channel_for_utm("METRO", "anything").code == "dagblad"


@pytest.mark.usefixtures("campaign_team")
def test_a_utm_value_that_already_means_another_channel_is_refused(client, app):
    response = client.post("/campagne/kanalen/utm", data={
        "utm-channel_id": _channel_id(app, "facebook"), "utm-utm_source": "linkedin", "utm-utm_medium": ""})

    assert "utm_source=linkedin hoort al bij kanaal LinkedIn." in response.get_data(as_text=True)


@pytest.mark.usefixtures("campaign_team")
def test_removing_a_utm_mapping(client, app):
    with app.app_context():
        mapping_id = db.session.scalar(select(ChannelUtm.id).where(ChannelUtm.utm_source == "lnkd"))

    client.post(f"/campagne/kanalen/utm/{mapping_id}/verwijderen")

    with app.app_context():
        assert reference.channel_for_utm("lnkd", "") is None


@pytest.mark.usefixtures("campaign_team")
def test_a_switched_off_channel_is_no_longer_offered_on_the_form_and_a_new_one_is(client, app, campaign):
    client.post(f"/campagne/kanalen/{_channel_id(app, 'telefoon')}/actief")
    client.post("/campagne/kanalen", data={"channel-code": "radio", "channel-name": "Radio Rijnmond"})

    form = client.get("/aanmelden").get_data(as_text=True)

    assert 'value="telefoon"' not in form
    assert '<option value="radio">Radio Rijnmond</option>' in form
    listing = client.get("/campagne/kanalen").get_data(as_text=True)
    assert "Radio Rijnmond" in listing and "Zet aan<span" in listing


@pytest.mark.usefixtures("campaign_team")
def test_a_channel_code_in_use_is_refused(client, app):
    response = client.post("/campagne/kanalen", data={"channel-code": "dagblad", "channel-name": "Nog een dagblad"})

    assert "Het kanaal &#39;dagblad&#39; bestaat al." in response.get_data(as_text=True)
