"""The public campaign form: a submission is a touchpoint through the one intake (employer, contact, lead,
UTM values or the answer to "how did you hear of us", the consent given); bad input is refused with a
Dutch message at the field and stores nothing; bots store nothing but see the usual thank-you."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from campaign_crm.extensions import db
from campaign_crm.models import Contact, Employer, Lead, Touchpoint
from campaign_crm.services import reference
from tests.helpers import PERSON, counts, fill_in, hidden_fields, nothing_stored

pytestmark = pytest.mark.usefixtures("campaign")

THANKS = "/aanmelden/bedankt"
UTM = {"utm_source": "LinkedIn", "utm_medium": "paid_social", "utm_campaign": "aknp-mei", "utm_content": "video-1",
       "utm_term": "loonkostensubsidie", "utm_id": "cmp-42"}


def landing_url(**params) -> str:
    return "/aanmelden?" + "&".join(f"{k}={v}" for k, v in params.items())


def test_the_form_opens_without_login_and_shows_the_consent_text_from_the_settings(client, app):
    page = client.get("/aanmelden")

    assert page.status_code == 200
    text = page.get_data(as_text=True)
    with app.app_context():
        consent = reference.setting("consent_text")
    assert consent in text
    assert "Anders kijken naar personeel" in text
    for municipality in ("Albrandswaard", "Rotterdam", "Voorne aan Zee"):
        assert f">{municipality}</option>" in text
    assert ">Anders</option>" in text  # "Hoe heeft u van ons gehoord?" offers the channels and "Anders"
    assert ">Loonkostensubsidie (LKS)</label>" in text


def test_a_valid_submission_stores_employer_contact_lead_and_touchpoint_with_utm_and_consent(client, app):
    data = fill_in(client, app, landing_url(**UTM), interests=["lks", "jobcoaching"], phone="010-1234567",
                   message="Wij zoeken twee medewerkers voor de inpak.", size="10-49", sector="handel")
    assert {k: data[k] for k in UTM} == UTM  # the landing URL's UTM values ride along in the form

    response = client.post("/aanmelden", data=data)

    assert response.status_code == 302 and response.headers["Location"] == THANKS
    with app.app_context():
        employer = db.session.scalars(select(Employer)).one()
        assert (employer.name, employer.municipality.name, employer.size_class, employer.sector.code) == (
            "Bakkerij Jansen", "Rotterdam", "10-49", "handel")
        contact = db.session.scalars(select(Contact)).one()
        assert (contact.name, contact.function, contact.email, contact.phone) == (
            "Jan Jansen", "Eigenaar", "jan@bakkerij-jansen.nl", "+31101234567")
        assert contact.consent_basis == "toestemming"
        assert contact.consent_text_version == reference.setting("consent_text_version") == "aknp-2026-05"
        assert contact.consent_at is not None and contact.consent_source == "form"
        lead = db.session.scalars(select(Lead)).one()
        assert lead.stage == "new" and lead.channel.code == "linkedin"  # utm_source compared lower-cased
        assert [i.code for i in lead.interests] == ["lks", "jobcoaching"]
        assert lead.message == "Wij zoeken twee medewerkers voor de inpak."
        touchpoint = db.session.scalars(select(Touchpoint)).one()
        assert touchpoint.kind == "form" and touchpoint.lead_id == lead.id
        assert (touchpoint.utm_source, touchpoint.utm_medium, touchpoint.utm_campaign, touchpoint.utm_content,
                touchpoint.utm_term, touchpoint.utm_id) == tuple(UTM.values())
        assert touchpoint.ad_code_id is None


def test_the_answer_to_how_did_you_hear_of_us_attributes_when_there_is_no_utm(client, app):
    client.post("/aanmelden", data=fill_in(client, app, how_heard="vakblad"))

    with app.app_context():
        touchpoint = db.session.scalars(select(Touchpoint)).one()
        assert touchpoint.how_heard == "vakblad" and touchpoint.channel.code == "vakblad"
        assert touchpoint.lead.channel.code == "vakblad"


def test_anders_with_an_explanation_is_stored_as_the_answer(client, app):
    client.post("/aanmelden", data=fill_in(client, app, how_heard="anders", how_heard_other="Via mijn buurman"))

    with app.app_context():
        touchpoint = db.session.scalars(select(Touchpoint)).one()
        assert touchpoint.how_heard == "Via mijn buurman" and touchpoint.channel is None


# --- bots -----------------------------------------------------------------------------------------

def test_a_filled_honeypot_stores_nothing_but_gets_the_ordinary_thank_you(client, app):
    response = client.post("/aanmelden", data=fill_in(client, app, onderwerp="Cheap pills"), follow_redirects=True)

    assert response.status_code == 200 and response.request.path == THANKS
    assert "Bedankt voor uw aanmelding" in response.get_data(as_text=True)
    with app.app_context():
        assert counts() == nothing_stored()


def test_a_submission_faster_than_the_minimum_fill_time_stores_nothing_but_gets_the_ordinary_thank_you(client, app):
    data = fill_in(client, app, seconds_taken=None)  # the start time the page itself signed, a moment ago

    response = client.post("/aanmelden", data=data)

    assert response.status_code == 302 and response.headers["Location"] == THANKS
    with app.app_context():
        assert counts() == nothing_stored()


@pytest.mark.parametrize("started", ["", "eyJ0IjoxNjAwMDAwMDAwfQ.forged", "not-a-token"])
def test_a_missing_or_forged_start_time_counts_as_a_bot(client, app, started):
    response = client.post("/aanmelden", data=fill_in(client, app, started=started))

    assert response.headers["Location"] == THANKS
    with app.app_context():
        assert counts() == nothing_stored()


def test_bots_and_people_see_the_same_thank_you_page(client, app):
    person = client.post("/aanmelden", data=fill_in(client, app), follow_redirects=True)
    bot = client.post("/aanmelden", data=fill_in(client, app, onderwerp="x", employer_name="Spam BV"),
                      follow_redirects=True)

    assert person.request.path == bot.request.path == THANKS
    # The same page, down to the booking step (no time to offer without an advisor, "Bel mij terug"), apart from
    # the signed time at which its forms were opened.
    same = [re.sub(r'(name="(?:terugbellen-)?started" type="hidden" value=)"[^"]*"', r"\1", response.get_data(
        as_text=True)) for response in (person, bot)]
    assert same[0] == same[1] and "Bedankt voor uw aanmelding" in same[0] and "Bel mij terug" in same[0]
    with app.app_context():
        assert counts() == {"employers": 1, "contacts": 1, "leads": 1, "touchpoints": 1}


def test_the_honeypot_is_hidden_from_people_keyboards_and_autofill(client):
    page = client.get("/aanmelden").get_data(as_text=True)

    container = re.search(r'<div class="hp-field" aria-hidden="true">(.*?)</div>', page, re.DOTALL)
    assert container, "the honeypot sits in an aria-hidden container"
    field = re.search(r"<input[^>]*name=\"onderwerp\"[^>]*>", container.group(1)).group(0)
    assert 'tabindex="-1"' in field and 'autocomplete="off"' in field


def test_the_per_ip_rate_limit_answers_429_after_the_limit(client, app):
    data = fill_in(client, app, onderwerp="bot")  # cheap to send: stored nowhere
    for _ in range(20):
        assert client.post("/aanmelden", data=data).status_code == 302

    refused = client.post("/aanmelden", data=data)

    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert "Te veel pogingen" in refused.get_data(as_text=True)
    other_address = client.post("/aanmelden", data=data, environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other_address.status_code == 302
    assert client.get("/aanmelden").status_code == 200  # reading the form is not limited


# --- bad input ------------------------------------------------------------------------------------

def test_a_bsn_in_the_message_is_refused_with_a_clear_message_and_nothing_stored(client, app):
    response = client.post("/aanmelden", data=fill_in(client, app, message="Het gaat om BSN 111222333."))

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'class="error-summary"' in page and 'href="#message"' in page
    assert "BSN-achtig nummer" in page
    assert 'id="message-error"' in page and 'aria-invalid="true"' in page
    with app.app_context():
        assert counts() == nothing_stored()


def test_a_bsn_is_reported_in_the_same_round_as_missing_fields(client, app):
    data = fill_in(client, app, contact_name="", message="BSN 111222333")
    del data["consent"]

    page = client.post("/aanmelden", data=data).get_data(as_text=True)

    for anchor in ("#contact_name", "#message", "#consent"):
        assert f'href="{anchor}"' in page, anchor
    # in the summary and at the field, once each
    assert page.count("Geef toestemming, anders mogen we geen contact met u opnemen.") == 2
    with app.app_context():
        assert counts() == nothing_stored()


def test_an_invalid_email_is_an_error_to_correct_not_a_value_silently_dropped(client, app):
    response = client.post("/aanmelden", data=fill_in(client, app, email="jan@", phone="010-1234567"))

    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Geen geldig e-mailadres." in page and 'href="#email"' in page
    with app.app_context():
        assert counts() == nothing_stored()


def test_without_email_or_phone_the_form_asks_for_one_and_stores_nothing(client, app):
    response = client.post("/aanmelden", data=fill_in(client, app, email="", phone=""))

    page = response.get_data(as_text=True)
    assert "Geef een geldig e-mailadres of telefoonnummer van de contactpersoon." in page
    with app.app_context():
        assert counts() == nothing_stored()


def test_required_fields_and_consent_are_listed_in_the_error_summary(client, app):
    data = fill_in(client, app, employer_name="", contact_name="", municipality="")
    del data["consent"]

    response = client.post("/aanmelden", data=data)

    page = response.get_data(as_text=True)
    for anchor in ("#employer_name", "#contact_name", "#municipality", "#consent"):
        assert f'href="{anchor}"' in page, anchor
    assert "Geef toestemming, anders mogen we geen contact met u opnemen." in page
    with app.app_context():
        assert counts() == nothing_stored()


def test_after_an_error_the_typed_values_and_the_landing_values_stay_in_the_form(client, app):
    data = fill_in(client, app, landing_url(utm_source="facebook"), message="BSN 111222333",
                   employer_name="Jansen & Zn")

    page = client.post("/aanmelden", data=data).get_data(as_text=True)

    assert 'value="Jansen &amp; Zn"' in page
    assert hidden_fields(page)["utm_source"] == "facebook"
    assert hidden_fields(page)["started"] == data["started"]  # the original start time, not a new one


def test_an_employer_outside_the_region_can_still_sign_up(client, app):
    client.post("/aanmelden", data=fill_in(client, app, municipality="buiten"))

    with app.app_context():
        assert db.session.scalars(select(Employer)).one().municipality is None


# --- CSRF -----------------------------------------------------------------------------------------

@pytest.fixture
def csrf_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


@pytest.mark.usefixtures("csrf_on")
def test_with_csrf_on_a_submission_with_the_pages_token_is_stored(client, app):
    data = fill_in(client, app)
    assert data["csrf_token"]

    assert client.post("/aanmelden", data=data).headers["Location"] == THANKS
    with app.app_context():
        assert counts() == {"employers": 1, "contacts": 1, "leads": 1, "touchpoints": 1}


@pytest.mark.usefixtures("csrf_on")
def test_an_expired_form_comes_back_with_what_was_typed_and_stores_nothing(client, app):
    data = fill_in(client, app)
    data["csrf_token"] = "expired"

    response = client.post("/aanmelden", data=data)

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "verlopen" in page and f'value="{PERSON["employer_name"]}"' in page
    assert hidden_fields(page)["csrf_token"] not in ("", "expired")
    with app.app_context():
        assert counts() == nothing_stored()
