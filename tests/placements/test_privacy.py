"""A BSN is never stored: not as candidate_ref, not in a check-in, intervention, risk-case or end note.
A refused request stores nothing at all."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from campaign_crm.extensions import db
from campaign_crm.models import AuditEvent, CheckIn, Lead, Placement
from tests.helpers import PLACEMENT_TABLES, a_day, bearer, count, counts, login

BSN = "123456782"  # passes the 11-test


def _form(**overrides) -> dict[str, str]:
    data = {"placement-candidate_ref": "KL-2026-0815", "placement-start_date": a_day(0).isoformat(),
            "placement-instrument": "lks", "placement-lks_type": "regular", "placement-loonwaarde_pct": "60"}
    data.update({f"placement-{key}": value for key, value in overrides.items()})
    return data


@pytest.mark.parametrize("candidate_ref", [BSN, "1234.56.782", "123 456 782", "KL-123456782", "１２３４５６７８２"])
def test_a_bsn_as_candidate_ref_is_refused_in_the_form_and_nothing_is_stored(app, client, region, make_lead,
                                                                           candidate_ref):
    lead_id = make_lead(region.advisor.id, stage="vacancy")
    with app.app_context():
        before = counts(PLACEMENT_TABLES)
    login(client, region.advisor)
    response = client.post(f"/plaatsingen/nieuw/{lead_id}", data=_form(candidate_ref=candidate_ref))
    assert response.status_code == 422
    assert "BSN" in response.get_data(as_text=True)
    with app.app_context():
        assert counts(PLACEMENT_TABLES) == before
        assert db.session.get(Lead, lead_id).stage == "vacancy"  # not moved to placed
        assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.object_type == "placements")) is None


@pytest.mark.parametrize("candidate_ref, reason", [
    ("", "Vul de referentie"), ("Jan de Vries", "Nooit een naam"), ("JanJansen", "minstens één cijfer"),
    ("jan@example.nl", "Nooit een naam"),
])
def test_an_empty_or_name_like_candidate_ref_is_refused(app, client, region, make_lead, candidate_ref, reason):
    lead_id = make_lead(region.advisor.id)
    login(client, region.advisor)
    response = client.post(f"/plaatsingen/nieuw/{lead_id}", data=_form(candidate_ref=candidate_ref))
    assert response.status_code == 422 and reason in response.get_data(as_text=True)
    with app.app_context():
        assert count(Placement) == 0


def test_a_bsn_as_candidate_ref_is_refused_by_the_api_and_nothing_is_stored(app, client, region, make_lead,
                                                                          make_token):
    lead_id = make_lead(region.advisor.id)
    raw = make_token("advisor", partner_id=region.partner_a)
    response = client.post("/api/v1/placements", headers=bearer(raw), json={
        "lead_id": lead_id, "candidate_ref": f"BSN {BSN}", "instrument": "lks", "lks_type": "regular",
        "loonwaarde_pct": 60, "start_date": a_day(0).isoformat()})
    assert response.status_code == 422
    assert "candidate_ref" in response.get_json()["error"]["fields"]
    with app.app_context():
        assert count(Placement) == 0


@pytest.mark.parametrize("note", [f"Werknemer (BSN {BSN}) belde", "bsn: 1234 56 782"])
def test_a_bsn_in_a_check_in_note_is_refused_and_the_check_in_stays_open(app, client, region, make_lead,
                                                                       make_placement, note):
    placement_id = make_placement(make_lead(region.advisor.id), region.advisor.id)
    with app.app_context():
        week2 = db.session.scalar(select(CheckIn.id).where(CheckIn.placement_id == placement_id, CheckIn.week == 2))
        before = counts(PLACEMENT_TABLES)
    login(client, region.advisor)
    response = client.post(f"/plaatsingen/{placement_id}/check-ins", data={
        "checkin-checkin_id": str(week2), "checkin-done_on": a_day(14).isoformat(), "checkin-with_whom": "employee",
        "checkin-risk": "red", "checkin-note": note})
    assert response.status_code == 422 and "BSN" in response.get_data(as_text=True)
    with app.app_context():
        assert counts(PLACEMENT_TABLES) == before  # no risk case either, though the risk was red
        checkin = db.session.get(CheckIn, week2)
        assert (checkin.done_on, checkin.risk, checkin.note) == (None, None, "")
        assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.object_type == "checkins")) is None


@pytest.mark.parametrize("field", ["note", "outcome"])
def test_a_bsn_in_an_intervention_is_refused_and_nothing_is_stored(app, client, region, make_lead, make_placement,
                                                                  field):
    placement_id = make_placement(make_lead(region.advisor.id), region.advisor.id)
    with app.app_context():
        before = counts(PLACEMENT_TABLES)
    login(client, region.advisor)
    response = client.post(f"/plaatsingen/{placement_id}/interventies", data={
        "intervention-kind": "adjusted_tasks", "intervention-started_on": a_day(20).isoformat(),
        f"intervention-{field}": f"Afgestemd met UWV over {BSN}"})
    assert response.status_code == 422 and "BSN" in response.get_data(as_text=True)
    with app.app_context():
        assert counts(PLACEMENT_TABLES) == before


def test_a_bsn_in_the_end_note_is_refused_and_the_placement_keeps_running(app, client, region, make_lead,
                                                                         make_placement):
    placement_id = make_placement(make_lead(region.advisor.id), region.advisor.id)
    login(client, region.advisor)
    response = client.post(f"/plaatsingen/{placement_id}/beeindigen", data={
        "end-end_date": a_day(30).isoformat(), "end-end_how": "dismissal", "end-end_why": "behaviour",
        "end-end_note": f"Zie dossier {BSN}"})
    assert response.status_code == 422
    with app.app_context():
        placement = db.session.get(Placement, placement_id)
        assert (placement.end_date, placement.end_how, placement.end_why, placement.end_note) == (None, None, None, "")


def test_the_placement_page_logs_every_read(app, client, region, make_lead, make_placement):
    placement_id = make_placement(make_lead(region.advisor.id), region.advisor.id)
    login(client, region.colleague)
    client.get(f"/plaatsingen/{placement_id}")
    client.get(f"/plaatsingen/{placement_id}")
    with app.app_context():
        reads = db.session.execute(select(AuditEvent.actor_id, AuditEvent.object_id).where(
            AuditEvent.action == "read", AuditEvent.object_type == "placements")).all()
        assert reads == [(region.colleague.id, placement_id)] * 2
