"""The no-login form behind a jobcoach organisation's secret link: "signaal risico op uitval"."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from campaign_crm.extensions import db
from campaign_crm.models import AuditEvent, JobcoachOrganisation, RiskCase, RiskSignal
from campaign_crm.services.calendar import today
from tests.helpers import (
    SIGNAL_TABLES,
    add_employer,
    add_placement,
    audit_count,
    count,
    counts,
    login,
    nothing_stored,
    signal_url,
)

DESCRIPTION = "Werknemer meldt zich vaak ziek sinds de nieuwe ploegendienst; werkgever twijfelt over verlenging."


def send(client, token: str, reference: str = "RTM2A7KQ", description: str = DESCRIPTION, *, onderwerp: str = "",
         **request_options):
    """Post the form as a coach would (the honeypot left empty)."""
    return client.post(signal_url(token), data={"reference": reference, "description": description,
                                                "onderwerp": onderwerp}, **request_options)


# --- the link works without login ---------------------------------------------------------------------

def test_the_link_opens_the_form_without_login(client, region):
    page = client.get(signal_url(region.coach_token))

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Signaal risico op uitval" in html and "Jobcoach Rijnmond" in html
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "<script>" not in html  # the CSP forbids inline scripts


def test_a_signal_is_stored_for_the_coached_placement_and_opens_an_amber_risk_case(app, client, region):
    response = send(client, region.coach_token)

    assert response.status_code == 302
    assert response.headers["Location"] == f"/signaal/{region.coach_token}/bedankt"
    with app.app_context():
        signal = db.session.scalars(select(RiskSignal)).one()
        assert (signal.placement_id, signal.jobcoach_org_id) == (region.placement_id, region.coach_id)
        assert signal.description == DESCRIPTION and signal.handled_at is None
        case = db.session.scalars(select(RiskCase)).one()
        assert (case.placement_id, case.level, case.source) == (region.placement_id, "amber", "signal")
        assert case.closed_at is None
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "risk_signal_received")).one()
        assert event.actor_id is None and event.object_id == signal.id
        assert DESCRIPTION not in str(event.detail)  # health-related text stays out of the audit trail


def test_the_coach_sees_a_neutral_thank_you_and_nothing_of_the_placement(client, region):
    page = send(client, region.coach_token, reference=" rtm2-a7kq ")
    thanks = client.get(page.headers["Location"])

    assert thanks.status_code == 200
    html = thanks.get_data(as_text=True)
    assert "Bedankt voor uw signaal" in html
    for detail in ("RTM2A7KQ", "Metaalbedrijf", region.advisor.email, "Gemeente Rotterdam", "Oranje", "amber"):
        assert detail not in html


def test_the_signal_lands_with_the_advisor_and_team_lead_and_nowhere_else(app, client, region):
    send(client, region.coach_token)

    for who in (region.advisor, region.teamlead, region.admin):
        client.post("/logout")
        login(client, who)
        html = client.get("/jobcoaches/signalen").get_data(as_text=True)
        assert "RTM2A7KQ" in html and DESCRIPTION in html, who.role
    for who in (region.colleague, region.other_teamlead, region.outsider, region.outsider_teamlead):
        client.post("/logout")
        login(client, who)
        html = client.get("/jobcoaches/signalen").get_data(as_text=True)
        assert "RTM2A7KQ" not in html and DESCRIPTION not in html, who.email


# --- unknown, rotated and deactivated links: 404, nothing stored -------------------------------------

def test_an_unknown_token_answers_404_and_stores_nothing(app, client, region):
    with app.app_context():
        before = counts(SIGNAL_TABLES), audit_count("risk_signal_received")

    for token in ("niet-bestaand", region.coach_token[:-1], region.coach_token + "x", "a" * 300):
        assert client.get(signal_url(token)).status_code == 404
        refused = send(client, token)
        assert refused.status_code == 404
        assert "Deze link werkt niet" in refused.get_data(as_text=True)

    with app.app_context():
        assert (counts(SIGNAL_TABLES), audit_count("risk_signal_received")) == before == (
            nothing_stored(SIGNAL_TABLES), 0)
    assert client.get("/signaal/niet-bestaand/bedankt").status_code == 404


def test_after_rotation_the_old_link_answers_404_and_the_new_one_works(app, client, region):
    from campaign_crm.services.placements import jobcoaches

    with app.app_context():
        new_token = jobcoaches.rotate_link(db.session.get(JobcoachOrganisation, region.coach_id), actor=None)
        db.session.commit()

    assert client.get(signal_url(region.coach_token)).status_code == 404
    assert send(client, region.coach_token).status_code == 404
    with app.app_context():
        assert counts(SIGNAL_TABLES) == nothing_stored(SIGNAL_TABLES)
    assert send(client, new_token).status_code == 302
    with app.app_context():
        assert counts(SIGNAL_TABLES) == {"risk_signals": 1, "risk_cases": 1}


def test_a_deactivated_organisation_s_link_answers_404_and_stores_nothing(app, client, region):
    with app.app_context():
        db.session.get(JobcoachOrganisation, region.coach_id).active = False
        db.session.commit()

    assert client.get(signal_url(region.coach_token)).status_code == 404
    assert send(client, region.coach_token).status_code == 404
    with app.app_context():
        assert counts(SIGNAL_TABLES) == nothing_stored(SIGNAL_TABLES)


# --- bad input with a valid link ------------------------------------------------------------------------

def test_an_unknown_reference_is_a_form_error_and_stores_nothing(app, client, region):
    page = send(client, region.coach_token, reference="ZZZ99999")

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Onbekende referentie" in html
    assert 'aria-invalid="true"' in html and DESCRIPTION in html  # the coach's text is kept
    with app.app_context():
        assert counts(SIGNAL_TABLES) == nothing_stored(SIGNAL_TABLES)


def test_a_placement_coached_by_another_organisation_is_treated_as_unknown(app, client, region):
    own = send(client, region.other_coach_token, reference="RTM2A7KQ")  # coached by `coach`, not by `other_coach`
    cross_partner = send(client, region.other_coach_token, reference="UWV3B8HN")

    for page in (own, cross_partner):
        assert page.status_code == 200
        assert "Onbekende referentie" in page.get_data(as_text=True)
    with app.app_context():
        assert counts(SIGNAL_TABLES) == nothing_stored(SIGNAL_TABLES)
    assert send(client, region.other_coach_token, reference="RTM4C9JP").status_code == 302  # its own one works


def test_an_ended_placement_is_treated_as_unknown(app, client, region, factory):
    with app.app_context():
        add_placement(reference="RTM5D2ZX", partner_id=region.partner_a, advisor_id=region.advisor.id,
                      jobcoach_org_id=region.coach_id, employer_id=add_employer("Zorggroep Maasstad"),
                      end_date=today() - timedelta(days=1))
        db.session.commit()

    page = send(client, region.coach_token, reference="RTM5D2ZX")

    assert "Onbekende referentie" in page.get_data(as_text=True)
    with app.app_context():
        assert counts(SIGNAL_TABLES) == nothing_stored(SIGNAL_TABLES)


def test_a_bsn_in_the_description_is_refused_and_nothing_is_stored(app, client, region):
    page = send(client, region.coach_token, description="Het gaat om BSN 111222333, ziekteverzuim loopt op.")

    assert page.status_code == 200
    assert "BSN" in page.get_data(as_text=True)
    with app.app_context():
        assert counts(SIGNAL_TABLES) == nothing_stored(SIGNAL_TABLES)


def test_every_problem_is_reported_at_once(app, client, region):
    html = send(client, region.coach_token, reference="ZZZ99999",
                description="BSN 111222333").get_data(as_text=True)

    assert "Onbekende referentie" in html and "BSN-achtig nummer" in html
    with app.app_context():
        assert counts(SIGNAL_TABLES) == nothing_stored(SIGNAL_TABLES)


def test_an_empty_form_is_refused_with_a_message_per_field(app, client, region):
    html = send(client, region.coach_token, reference="", description="  ").get_data(as_text=True)

    assert "Vul de referentie van de plaatsing in." in html and "Beschrijf wat er aan de hand is." in html
    with app.app_context():
        assert counts(SIGNAL_TABLES) == nothing_stored(SIGNAL_TABLES)


def test_a_filled_honeypot_gets_the_thank_you_and_stores_nothing(app, client, region):
    response = send(client, region.coach_token, onderwerp="Buy now")

    assert response.status_code == 302 and response.headers["Location"].endswith("/bedankt")
    with app.app_context():
        assert counts(SIGNAL_TABLES) == nothing_stored(SIGNAL_TABLES)


# --- rate limit ---------------------------------------------------------------------------------------

def test_the_per_ip_rate_limit_answers_429_after_ten_posts_an_hour(app, client, region):
    for _ in range(10):
        assert send(client, region.coach_token, reference="ZZZ99999").status_code == 200

    refused = send(client, region.coach_token)

    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    with app.app_context():
        assert counts(SIGNAL_TABLES) == nothing_stored(SIGNAL_TABLES)
    assert client.get(signal_url(region.coach_token)).status_code == 200  # reading the form is not limited
    other_address = send(client, region.coach_token, environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other_address.status_code == 302


def test_guessing_tokens_counts_against_the_same_limit(app, client, region):
    for n in range(10):
        assert send(client, f"geraden-{n}").status_code == 404

    assert send(client, region.coach_token).status_code == 429
    with app.app_context():
        assert counts(SIGNAL_TABLES) == nothing_stored(SIGNAL_TABLES)
        assert count(RiskSignal) == 0


def test_a_missing_reference_and_a_bsn_in_the_description_are_reported_together(app, client, region):
    html = send(client, region.coach_token, reference="", description="BSN 111222333").get_data(as_text=True)

    assert "Vul de referentie van de plaatsing in." in html and "BSN-achtig nummer" in html
    assert html.count("Vul de referentie van de plaatsing in.") == 2  # summary and field, not doubled
    with app.app_context():
        assert counts(SIGNAL_TABLES) == nothing_stored(SIGNAL_TABLES)
