"""The whole path through the web UI: lead → contacted → meeting → vacancy → placed → check-ins →
amber → intervention → ended with a reason. Only the lead itself is set up through the services."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from campaign_crm.extensions import db
from campaign_crm.models import (
    AuditEvent,
    CheckIn,
    Intervention,
    Lead,
    Placement,
    RiskCase,
    Vacancy,
)
from campaign_crm.services.calendar import today
from tests.helpers import login

START = today() - timedelta(days=60)


def test_a_lead_becomes_a_placement_that_is_checked_on_helped_at_risk_and_ended_with_a_reason(
        app, client, region, make_lead):
    lead_id = make_lead(region.advisor.id, name="Metaalbewerking Schiedam BV")
    login(client, region.advisor)

    # contacted, meeting and vacancy, through the lead page's own forms
    assert client.post(f"/leads/{lead_id}/contact", data={"note": "Gebeld"}).status_code == 302
    assert client.post(f"/leads/{lead_id}/fase", data={"stage-to_stage": "meeting",
                                                       "stage-note": "Adviesgesprek gehouden"}).status_code == 302
    assert client.post(f"/leads/{lead_id}/vacature", data={"vacancy-title": "Productiemedewerker",
                                                           "vacancy-hours_per_week": "24"}).status_code == 302
    with app.app_context():
        lead = db.session.get(Lead, lead_id)
        assert lead.stage == "vacancy"
        vacancy_id = db.session.scalar(select(Vacancy.id).where(Vacancy.lead_id == lead_id))

    # the lead page offers to register a placement
    lead_page = client.get(f"/leads/{lead_id}").get_data(as_text=True)
    assert f"/plaatsingen/nieuw/{lead_id}" in lead_page and "Plaatsing registreren" in lead_page
    form_page = client.get(f"/plaatsingen/nieuw/{lead_id}")
    assert form_page.status_code == 200 and "Productiemedewerker" in form_page.get_data(as_text=True)

    response = client.post(f"/plaatsingen/nieuw/{lead_id}", data={
        "placement-candidate_ref": "KL-2026-0815", "placement-start_date": START.isoformat(),
        "placement-vacancy_id": str(vacancy_id), "placement-instrument": "lks", "placement-lks_type": "regular",
        "placement-loonwaarde_pct": "55", "placement-hours_per_week": "24", "placement-contract_type": "fixed_term",
        "placement-fixed_term_ends_on": (START + timedelta(days=365)).isoformat(),
        "placement-jobcoach_kind": "external", "placement-jobcoach_org": str(region.coach_id),
        "placement-jobcoach_hours": "8", "placement-jobcoach_funder": "Gemeente Rotterdam",
        "placement-doelgroepregister": "y",
    })
    assert response.status_code == 302
    with app.app_context():
        placement = db.session.scalar(select(Placement).where(Placement.lead_id == lead_id))
        assert response.headers["Location"] == f"/plaatsingen/{placement.id}"
        placement_id, reference = placement.id, placement.reference
        assert placement.partner_id == region.partner_a and placement.advisor_id == region.advisor.id
        assert placement.vacancy_id == vacancy_id and placement.jobcoach_org_id == region.coach_id
        assert (placement.instrument, placement.lks_type, placement.loonwaarde_pct) == ("lks", "regular", 55)
        assert db.session.get(Lead, lead_id).stage == "placed"
        assert [c.week for c in placement.checkins] == [2, 6, 13, 26, 39, 52]

    page = client.get(f"/plaatsingen/{placement_id}").get_data(as_text=True)
    assert reference in page and "KL-2026-0815" in page and "Jobcoach Rijnmond BV" in page

    # the week-2 check-in is green; the week-6 one is amber and opens a risk case
    week2, week6 = _checkin_ids(app, placement_id)[:2]
    assert client.post(f"/plaatsingen/{placement_id}/check-ins", data={
        "checkin-checkin_id": str(week2), "checkin-done_on": (START + timedelta(days=14)).isoformat(),
        "checkin-with_whom": "employer", "checkin-risk": "green", "checkin-note": "Gaat goed",
    }).status_code == 302
    assert client.post(f"/plaatsingen/{placement_id}/check-ins", data={
        "checkin-checkin_id": str(week6), "checkin-done_on": (START + timedelta(days=42)).isoformat(),
        "checkin-with_whom": "jobcoach", "checkin-risk": "amber", "checkin-note": "Werktempo te hoog",
    }).status_code == 302
    with app.app_context():
        case = db.session.scalar(select(RiskCase).where(RiskCase.placement_id == placement_id))
        assert (case.level, case.source, case.closed_at) == ("amber", "checkin", None)
        case_id = case.id
        done = db.session.scalars(select(CheckIn).where(CheckIn.placement_id == placement_id,
                                                        CheckIn.done_on.is_not(None)).order_by(CheckIn.week)).all()
        assert [(c.week, c.risk, c.with_whom, c.done_by_id) for c in done] == [
            (2, "green", "employer", region.advisor.id), (6, "amber", "jobcoach", region.advisor.id)]

    # an intervention, linked to the open risk case
    assert client.post(f"/plaatsingen/{placement_id}/interventies", data={
        "intervention-kind": "extra_jobcoach_hours",
        "intervention-started_on": (START + timedelta(days=43)).isoformat(),
        "intervention-note": "Vier uur per maand extra",
    }).status_code == 302
    with app.app_context():
        intervention = db.session.scalar(select(Intervention).where(Intervention.placement_id == placement_id))
        assert (intervention.kind, intervention.risk_case_id) == ("extra_jobcoach_hours", case_id)
    assert "Extra jobcoachuren" in client.get(f"/plaatsingen/{placement_id}/risico/{case_id}").get_data(as_text=True)

    # ended, with how and why
    assert client.post(f"/plaatsingen/{placement_id}/beeindigen", data={
        "end-end_date": today().isoformat(), "end-end_how": "mutual_agreement", "end-end_why": "match",
        "end-end_note": "Werk paste niet bij de mogelijkheden",
    }).status_code == 302
    with app.app_context():
        placement = db.session.get(Placement, placement_id)
        assert (placement.end_date, placement.end_how, placement.end_why) == (today(), "mutual_agreement", "match")
        assert placement.end_why_code.influenceable is True
        assert db.session.get(RiskCase, case_id).closed_at is not None  # the end closes the open case
        actions = list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.action != "read")
                                          .where(AuditEvent.object_type.in_(
                                              ["placements", "checkins", "risk_cases", "interventions"]))
                                          .order_by(AuditEvent.id)))
        assert actions == ["placement_created", "checkin_recorded", "checkin_recorded", "risk_case_opened",
                           "intervention_added", "risk_case_closed", "placement_ended"]
    ended_page = client.get(f"/plaatsingen/{placement_id}").get_data(as_text=True)
    assert "Match of functioneren" in ended_page and "beïnvloedbaar" in ended_page


def _checkin_ids(app, placement_id: int) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(select(CheckIn.id).where(CheckIn.placement_id == placement_id)
                                       .order_by(CheckIn.due_on)))
