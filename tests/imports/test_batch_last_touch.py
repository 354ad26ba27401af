"""A lead made by a batch is written with its last touch (the rule of attribution.refresh_last_touch):
the latest of the batch's touchpoints that carries a channel, a later one of the same time winning.
The refresh after the writes is switched off here, so these are the values the intake wrote itself."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from campaign_crm.extensions import db
from campaign_crm.models import Channel, Lead, Phase
from campaign_crm.services.capture.intake import ContactInput, EmployerInput, TouchpointInput, record_touchpoints
from campaign_crm.services.leads import attribution

pytestmark = pytest.mark.usefixtures("service")


def touch(employer: str, email: str, *, channel: str | None, at: datetime, phase: str | None = None) -> TouchpointInput:
    return TouchpointInput(employer=EmployerInput(name=employer), contact=ContactInput(email=email), kind="import",
                           channel=channel, phase=phase, occurred_at=at)


def channel_id(code: str) -> int:
    return db.session.scalar(select(Channel.id).where(Channel.code == code))


@pytest.fixture
def without_refresh(monkeypatch):
    monkeypatch.setattr(attribution, "refresh_last_touch", lambda lead_ids: None)
    return attribution


def test_a_new_lead_gets_the_channel_of_the_latest_touch_of_its_batch(without_refresh):
    june, july = datetime(2026, 6, 2, 9, tzinfo=UTC), datetime(2026, 7, 1, 9, tzinfo=UTC)
    results = record_touchpoints([
        touch("Bakkerij Jansen", "piet@bakkerij-jansen.example", channel="facebook", at=june),
        touch("Bakkerij Jansen", "anna@bakkerij-jansen.example", channel="linkedin", at=july, phase="techniek"),
        touch("Bakkerij Jansen", "kees@bakkerij-jansen.example", channel="instagram", at=june),
        touch("Garage Vos", "info@garage-vos.example", channel="website", at=july),
        touch("Garage Vos", "jan@garage-vos.example", channel="dagblad", at=july),
    ], route=False)
    bakkerij, garage = db.session.get(Lead, results[0].lead_id), db.session.get(Lead, results[3].lead_id)

    assert [r.created for r in results] == [True, False, False, True, False]
    assert (bakkerij.channel_id, bakkerij.last_touch_channel_id) == (channel_id("facebook"), channel_id("linkedin"))
    assert bakkerij.last_touch_phase_id == db.session.scalar(select(Phase.id).where(Phase.code == "techniek"))
    assert garage.last_touch_channel_id == channel_id("dagblad")  # the same time: the one recorded last


def test_what_the_intake_writes_is_what_the_refresh_works_out(monkeypatch):
    refresh = attribution.refresh_last_touch
    monkeypatch.setattr(attribution, "refresh_last_touch", lambda lead_ids: None)
    at = datetime(2026, 6, 2, 9, tzinfo=UTC)
    results = record_touchpoints([
        touch(f"Werkgever {n}", f"mens{n}@werkgever{n % 3}.example", channel=("facebook", "linkedin", None)[n % 3],
              at=at.replace(hour=8 + n))
        for n in range(9)
    ], route=False)
    lead_ids = sorted({r.lead_id for r in results})
    written = db.session.execute(select(Lead.id, Lead.last_touch_channel_id, Lead.last_touch_phase_id)
                                 .where(Lead.id.in_(lead_ids)).order_by(Lead.id)).all()

    for lead in db.session.scalars(select(Lead).where(Lead.id.in_(lead_ids))):
        lead.last_touch_channel_id = lead.last_touch_phase_id = None
    db.session.flush()
    refresh(lead_ids)
    db.session.expire_all()

    assert db.session.execute(select(Lead.id, Lead.last_touch_channel_id, Lead.last_touch_phase_id)
                              .where(Lead.id.in_(lead_ids)).order_by(Lead.id)).all() == written
    assert any(row.last_touch_channel_id is not None for row in written)
