"""Stage changes on the lead page: forward only (skipped stages get the same time), `lost` with a
reason from the configurable list; an illegal move gets a clear Dutch message and changes nothing."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from campaign_crm.extensions import db
from campaign_crm.models import Lead, LeadStageEvent, LostReason
from campaign_crm.services.calendar import AMSTERDAM
from tests.helpers import count, login

BSN = "111222333"


def move(client, lead_id: int, **fields):
    return client.post(f"/leads/{lead_id}/fase", data={f"stage-{k}": v for k, v in fields.items()})


def test_the_stage_form_offers_only_forward_stages_and_lost(client, desk, make_lead):
    lead_id = make_lead(stage="contacted")
    login(client, desk.owner)
    html = client.get(f"/leads/{lead_id}").get_data(as_text=True)
    form = html[html.index('id="stage-to_stage"'):]
    options = form[:form.index("</select>")]
    assert '"meeting"' in options and '"vacancy"' in options and '"lost"' in options
    assert '"new"' not in options and '"assigned"' not in options and '"contacted"' not in options
    assert '"placed"' not in options  # a placement puts a lead on placed
    reasons = html[html.index('id="stage-lost_reason"'):]
    assert '<option value="unreachable">Niet bereikbaar</option>' in reasons[:reasons.index("</select>")]


def test_a_forward_move_records_who_when_and_why(app, client, desk, make_lead):
    lead_id = make_lead(hours_ago=5)
    login(client, desk.owner)
    response = move(client, lead_id, to_stage="contacted", note="Gebeld; interesse in LKS")
    assert response.status_code == 302
    with app.app_context():
        lead = db.session.get(Lead, lead_id)
        assert lead.stage == "contacted" and lead.contacted_at is not None
        event = lead.events[-1]
        assert (event.from_stage, event.to_stage, event.actor_id, event.note) == (
            "assigned", "contacted", desk.owner.id, "Gebeld; interesse in LKS")
    assert "De lead staat nu op Contact gehad." in client.get(f"/leads/{lead_id}").get_data(as_text=True)


def test_skipping_stages_gives_the_skipped_ones_the_same_time(app, client, desk, make_lead):
    lead_id = make_lead(hours_ago=30)
    login(client, desk.owner)
    when = datetime.now(AMSTERDAM).replace(second=0, microsecond=0) - timedelta(hours=6)
    move(client, lead_id, to_stage="vacancy", at=when.strftime("%Y-%m-%dT%H:%M"))
    with app.app_context():
        lead = db.session.get(Lead, lead_id)
        assert lead.stage == "vacancy"
        assert lead.contacted_at == lead.meeting_at == lead.vacancy_at == when.astimezone(UTC)
        assert lead.placed_at is None
        assert [(e.from_stage, e.to_stage) for e in lead.events] == [("new", "assigned"), ("assigned", "vacancy")]


def test_a_move_backwards_is_refused_with_a_clear_message_and_changes_nothing(app, client, desk, make_lead):
    lead_id = make_lead(stage="meeting")
    login(client, desk.owner)
    with app.app_context():
        before = db.session.get(Lead, lead_id).meeting_at
    response = move(client, lead_id, to_stage="contacted")  # e.g. from a page opened before someone moved it on
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Van Adviesgesprek terug of stil naar Contact gehad kan niet; fasen gaan alleen vooruit." in html
    assert 'id="stage-to_stage"' in html and 'aria-invalid="true"' in html
    with app.app_context():
        lead = db.session.get(Lead, lead_id)
        assert (lead.stage, lead.meeting_at) == ("meeting", before)
        assert count(LeadStageEvent, LeadStageEvent.lead_id == lead_id) == 2  # new→assigned, assigned→meeting


def test_staying_put_is_refused_too(app, client, desk, make_lead):
    lead_id = make_lead(stage="contacted")
    login(client, desk.owner)
    html = move(client, lead_id, to_stage="contacted").get_data(as_text=True)
    assert "fasen gaan alleen vooruit" in html
    assert "Onbekende fase." in move(client, lead_id, to_stage="gewonnen").get_data(as_text=True)


def test_placed_comes_from_a_placement_not_from_the_stage_form(app, client, desk, make_lead):
    lead_id = make_lead(stage="vacancy")
    login(client, desk.owner)
    html = move(client, lead_id, to_stage="placed").get_data(as_text=True)
    assert "Een lead komt op Geplaatst door er een plaatsing bij vast te leggen." in html
    with app.app_context():
        assert db.session.get(Lead, lead_id).stage == "vacancy"


def test_lost_without_a_reason_is_refused(app, client, desk, make_lead):
    lead_id = make_lead()
    login(client, desk.owner)
    html = move(client, lead_id, to_stage="lost", lost_reason="").get_data(as_text=True)
    assert "Onbekende of lege reden." in html and 'id="stage-lost_reason"' in html
    with app.app_context():
        lead = db.session.get(Lead, lead_id)
        assert (lead.stage, lead.lost_at, lead.lost_reason_id) == ("assigned", None, None)


def test_lost_with_a_reason_closes_the_lead(app, client, desk, make_lead):
    lead_id = make_lead(stage="meeting")
    login(client, desk.owner)
    move(client, lead_id, to_stage="lost", lost_reason="no_vacancy", note="Geen plek dit jaar")
    with app.app_context():
        lead = db.session.get(Lead, lead_id)
        assert lead.stage == "lost" and lead.lost_at is not None
        assert lead.lost_reason.code == "no_vacancy"
        assert (lead.events[-1].from_stage, lead.events[-1].to_stage) == ("meeting", "lost")
    html = client.get(f"/leads/{lead_id}").get_data(as_text=True)
    assert "Fase wijzigen" not in html  # a closed lead is read-only
    with app.app_context():
        reason = db.session.scalar(select(LostReason.name).where(LostReason.code == "no_vacancy"))
    assert f"reden: {reason}" in html


def test_a_closed_lead_cannot_move_again(app, client, desk, make_lead):
    lead_id = make_lead(stage="lost")
    login(client, desk.owner)
    html = move(client, lead_id, to_stage="contacted").get_data(as_text=True)
    assert "Deze lead is al afgesloten (Vervallen)." in html
    with app.app_context():
        assert db.session.get(Lead, lead_id).stage == "lost"


def test_a_time_in_the_future_is_refused(app, client, desk, make_lead):
    lead_id = make_lead()
    login(client, desk.owner)
    future = (datetime.now(AMSTERDAM) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    refused = move(client, lead_id, to_stage="contacted", at=future)
    assert "Mag niet in de toekomst liggen." in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Lead, lead_id).stage == "assigned"


def test_a_bsn_in_a_stage_note_is_refused_and_nothing_is_stored(app, client, desk, make_lead):
    lead_id = make_lead()
    login(client, desk.owner)
    html = move(client, lead_id, to_stage="contacted", note=f"Kandidaat {BSN} besproken").get_data(as_text=True)
    assert "Bevat een BSN-achtig nummer" in html
    # The quick action on the queue carries a note too.
    client.post(f"/leads/{lead_id}/contact", data={"note": f"BSN {BSN}"})
    with app.app_context():
        assert db.session.get(Lead, lead_id).stage == "assigned"
        assert count(LeadStageEvent, LeadStageEvent.note.contains(BSN)) == 0


def test_a_time_before_the_current_stage_is_refused_by_the_service(app, desk, make_lead):
    """Stage times follow each other: a contact logged before the meeting it follows cannot be."""
    import pytest

    from campaign_crm.services.errors import ValidationError
    from campaign_crm.services.leads import lifecycle as lead_service

    lead_id = make_lead(hours_ago=5)
    with app.app_context():
        lead = db.session.get(Lead, lead_id)
        meeting_at = lead.created_at + timedelta(hours=3)
        lead_service.change_stage(lead, "meeting", actor=None, at=meeting_at)
        db.session.commit()
        with pytest.raises(ValidationError) as refused:
            lead_service.change_stage(lead, "vacancy", actor=None, at=meeting_at - timedelta(minutes=10))
        assert "voor het bereiken van de huidige fase (Adviesgesprek)" in refused.value.message
        db.session.rollback()
        with pytest.raises(ValidationError) as refused:
            lead_service.change_stage(lead, "vacancy", actor=None, at=meeting_at, note=f"Kandidaat {BSN}")
        assert "note" in refused.value.fields
        db.session.rollback()
        assert db.session.get(Lead, lead_id).stage == "meeting"
