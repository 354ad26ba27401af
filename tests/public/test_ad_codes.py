"""Ad codes (a printed or broadcast advert's own code): a short URL and a QR code that open the form with
channel and phase set; the code wins attribution over other UTM values; the campaign team registers
them and sees what they bring."""
from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import select

from campaign_crm.extensions import db
from campaign_crm.models import AdCode, Lead, Touchpoint
from campaign_crm.services.campaigns import ad_codes
from tests.helpers import count, fill_in, login

SVG_NS = "{http://www.w3.org/2000/svg}"


def selected_option(page: str, select_name: str) -> str | None:
    block = re.search(rf'<select[^>]*name="{select_name}"[^>]*>(.*?)</select>', page, re.DOTALL).group(1)
    match = re.search(r'<option selected value="([^"]*)"', block)
    return match.group(1) if match else None


# --- the short URL ----------------------------------------------------------------------------------

def test_an_ad_code_url_redirects_to_the_form_which_shows_channel_and_phase(client, make_ad_code):
    code = make_ad_code(channel="dagblad", phase="launch")

    response = client.get(f"/a/{code}")

    assert response.status_code == 302 and response.headers["Location"] == f"/aanmelden?code={code}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "U reageert op onze advertentie." in page
    assert "<dd>Dagblad</dd>" in page and "<dd>Lancering</dd>" in page
    assert "Anders kijken naar personeel" in page  # which campaign it is
    assert selected_option(page, "how_heard") == "dagblad"
    assert re.search(rf'name="code" type="hidden" value="{code}"', page)


def test_the_short_url_is_case_insensitive_and_passes_utm_values_on(client, make_ad_code):
    make_ad_code(code="AD-12MEI")

    response = client.get("/a/ad-12mei?utm_source=qr&utm_medium=print")

    assert response.headers["Location"] == "/aanmelden?code=AD-12MEI&utm_source=qr&utm_medium=print"


@pytest.mark.parametrize("code", ["NOPE99", "<script>"])
def test_an_unknown_code_gets_a_friendly_404_with_a_way_to_the_form(client, make_ad_code, code):
    make_ad_code()

    response = client.get(f"/a/{code}")

    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Deze code kennen we niet" in page and 'href="/aanmelden"' in page
    assert "<script>" not in page


def test_a_switched_off_code_answers_404(client, make_ad_code):
    code = make_ad_code(active=False)

    assert client.get(f"/a/{code}").status_code == 404


def test_a_submission_through_an_ad_code_is_attributed_to_its_channel_and_phase_even_with_other_utm(
        client, app, make_ad_code):
    code = make_ad_code(channel="dagblad", phase="techniek")

    data = fill_in(client, app, f"/a/{code}?utm_source=linkedin&utm_medium=paid_social", how_heard="facebook")
    assert data["code"] == code and data["utm_source"] == "linkedin"
    assert client.post("/aanmelden", data=data).status_code == 302

    with app.app_context():
        lead = db.session.scalars(select(Lead)).one()
        assert (lead.channel.code, lead.phase.code) == ("dagblad", "techniek")
        touchpoint = db.session.scalars(select(Touchpoint)).one()
        assert touchpoint.ad_code.code == code
        assert (touchpoint.channel.code, touchpoint.phase.code) == ("dagblad", "techniek")
        assert (touchpoint.utm_source, touchpoint.utm_medium, touchpoint.how_heard) == (
            "linkedin", "paid_social", "facebook")


def test_a_code_switched_off_while_the_form_was_open_does_not_lose_the_lead(client, app, make_ad_code):
    code = make_ad_code(channel="dagblad")
    data = fill_in(client, app, f"/a/{code}?utm_source=linkedin")
    with app.app_context():
        db.session.scalars(select(AdCode)).one().active = False
        db.session.commit()

    client.post("/aanmelden", data=data)

    with app.app_context():
        touchpoint = db.session.scalars(select(Touchpoint)).one()
        assert touchpoint.ad_code is None and touchpoint.channel.code == "linkedin"  # UTM takes over


# --- QR codes -------------------------------------------------------------------------------------

@pytest.fixture
def campaign_team(client, factory):
    login(client, factory.user("campaign"))
    return client


def _ad_id(app, code: str) -> int:
    with app.app_context():
        return db.session.scalar(select(AdCode.id).where(AdCode.code == code))


def test_the_qr_png_decodes_to_exactly_the_absolute_short_url(app, campaign_team, make_ad_code):
    code = make_ad_code()

    response = campaign_team.get(f"/campagne/advertenties/{_ad_id(app, code)}/qr.png")

    assert response.status_code == 200 and response.mimetype == "image/png"
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(response.data)))
    assert [barcode.text for barcode in found] == [f"http://localhost/a/{code}"]
    assert found[0].format == zxingcpp.BarcodeFormat.QRCode


def test_the_qr_svg_is_an_svg_document_with_the_right_content_type(app, campaign_team, make_ad_code):
    code = make_ad_code()

    response = campaign_team.get(f"/campagne/advertenties/{_ad_id(app, code)}/qr.svg?download=1")

    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert response.headers["Content-Disposition"] == f'attachment; filename="qr-{code}.svg"'
    root = ET.fromstring(response.data)
    assert root.tag == f"{SVG_NS}svg"
    assert root.find(f"{SVG_NS}title").text == f"QR-code voor http://localhost/a/{code}"
    assert root.find(f"{SVG_NS}path") is not None


def test_the_short_url_uses_the_public_base_url_when_one_is_configured(app, campaign_team, make_ad_code, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://werkgevers.example.nl/")
    code = make_ad_code()

    png = campaign_team.get(f"/campagne/advertenties/{_ad_id(app, code)}/qr.png").data

    assert zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))[0].text == f"https://werkgevers.example.nl/a/{code}"


# --- the campaign team's pages ---------------------------------------------------------------------

def test_registering_an_ad_shows_its_code_short_url_and_qr_downloads(app, campaign, campaign_team):
    with app.app_context():
        from campaign_crm.models import Channel, Phase
        dagblad = db.session.scalar(select(Channel.id).where(Channel.code == "dagblad"))
        launch = db.session.scalar(select(Phase.id).where(Phase.code == "launch"))

    response = campaign_team.post(f"/campagne/{campaign}/advertenties/nieuw", data={
        "title": "AD Rotterdams Dagblad 12 mei", "channel_id": dagblad, "phase_id": launch, "code": ""})

    assert response.status_code == 302
    with app.app_context():
        ad = db.session.scalars(select(AdCode)).one()
        assert (ad.title, ad.channel.code, ad.phase.code, ad.created_by.role) == (
            "AD Rotterdams Dagblad 12 mei", "dagblad", "launch", "campaign")
        assert re.fullmatch(r"[A-HJ-NP-Z2-9]{6}", ad.code)  # no 0/O or 1/I/L to misread from paper
        code, ad_id = ad.code, ad.id
    assert response.headers["Location"] == f"/campagne/advertenties/{ad_id}"
    page = campaign_team.get(response.headers["Location"]).get_data(as_text=True)
    assert f"http://localhost/a/{code}" in page
    assert f"/campagne/advertenties/{ad_id}/qr.png?download=1" in page
    assert f"/campagne/advertenties/{ad_id}/qr.svg?download=1" in page


def test_creating_an_ad_code_with_a_duplicate_own_code_says_so(app, campaign, campaign_team, make_ad_code):
    make_ad_code(code="AD-12MEI")
    with app.app_context():
        from campaign_crm.models import Channel
        vakblad = db.session.scalar(select(Channel.id).where(Channel.code == "vakblad"))

    response = campaign_team.post(f"/campagne/{campaign}/advertenties/nieuw", data={
        "title": "Vakblad Logistiek juni", "channel_id": vakblad, "phase_id": "", "code": "ad-12mei"})

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Deze code is al in gebruik." in page and 'href="#code"' in page
    with app.app_context():
        assert db.session.scalars(select(AdCode.title)).all() == ["AD Rotterdams Dagblad 12 mei"]


def test_switching_an_ad_code_off_makes_its_short_url_answer_404(app, client, campaign_team, make_ad_code):
    code = make_ad_code()
    ad_id = _ad_id(app, code)

    campaign_team.post(f"/campagne/advertenties/{ad_id}/actief")

    assert client.get(f"/a/{code}").status_code == 404
    campaign_team.post(f"/campagne/advertenties/{ad_id}/actief")
    assert client.get(f"/a/{code}").status_code == 302


def test_counts_per_ad_code_are_responses_and_the_new_leads_they_started(app, client, factory, campaign, make_ad_code):
    paper, magazine = make_ad_code(channel="dagblad"), make_ad_code(channel="vakblad", title="Vakblad Techniek juni")
    for landing, name, email in [(paper, "Bakkerij Jansen", "jan@jansen.nl"),
                                 (paper, "Garage De Vries", "info@devries.nl"),
                                 (magazine, "Bakkerij Jansen", "piet@jansen.nl")]:  # the same employer again: attaches
        client.post("/aanmelden", data=fill_in(client, app, f"/a/{landing}", employer_name=name, email=email))
    with app.app_context():
        assert count(Lead) == 2 and count(Touchpoint) == 3

    with app.app_context():
        ids = {code: _id for code, _id in db.session.execute(select(AdCode.code, AdCode.id))}
        counts = ad_codes.counts(list(ids.values()))
        assert (counts[ids[paper]].touchpoints, counts[ids[paper]].new_leads) == (2, 2)
        assert (counts[ids[magazine]].touchpoints, counts[ids[magazine]].new_leads) == (1, 0)

    login(client, factory.user("campaign"))
    page = client.get(f"/campagne/{campaign}").get_data(as_text=True)
    row = re.search(r"<tr>\s*<th scope=\"row\"><a [^>]*>AD Rotterdams Dagblad 12 mei</a></th>(.*?)</tr>", page,
                    re.DOTALL).group(1)
    assert re.findall(r'<td class="num">(\d+)</td>', row) == ["2", "2"]
