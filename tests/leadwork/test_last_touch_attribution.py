"""The last touch kept on the lead (`last_touch_channel_id`, `last_touch_phase_id`) is the one its touchpoints
give: whatever order the intake records them in, when the meeting is recorded after later touchpoints,
after an employer merge, and for the rows that existed before the columns did (migration 0014).

Three readings must agree for every lead: the stored columns, the definition as SQL
(`attribution.last_touch_lookup`, one lookup per lead) and the definition worked out here in Python."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from flask_migrate import upgrade
from sqlalchemy import select, text

from campaign_crm import create_app
from campaign_crm.config import TestingConfig
from campaign_crm.extensions import db
from campaign_crm.models import Channel, Lead, Phase, Touchpoint
from campaign_crm.services.capture.intake import record_touchpoint, record_touchpoints
from campaign_crm.services.employers.merge import merge_employers
from campaign_crm.services.leads import attribution
from campaign_crm.services.leads import lifecycle as lead_service
from tests.helpers import FRIDAY, throwaway_database, touchpoint

DAY = timedelta(days=1)


def python_last_touch(lead: Lead, touches: list[Touchpoint], column: str) -> int | None:
    """The definition, in Python: the lead's last touchpoint that carries `column`, at or before the meeting
    (without a meeting: the last one), ties in time to the highest id."""
    carrying = [t for t in touches if getattr(t, column) is not None
                and (lead.meeting_at is None or t.occurred_at <= lead.meeting_at)]
    return getattr(max(carrying, key=lambda t: (t.occurred_at, t.id)), column) if carrying else None


def three_readings() -> dict[int, tuple]:
    """Per lead: (stored channel, stored phase) and the same from the SQL lookup and from Python; asserts
    that the three agree and returns the stored pair."""
    db.session.flush()
    db.session.expire_all()
    looked_up = {row.id: (row.channel, row.phase) for row in db.session.execute(
        select(Lead.id, attribution.last_touch_lookup("channel_id").label("channel"),
               attribution.last_touch_lookup("phase_id").label("phase")))}
    stored = {}
    for lead in db.session.scalars(select(Lead).order_by(Lead.id)):
        touches = list(db.session.scalars(select(Touchpoint).where(Touchpoint.lead_id == lead.id)))
        worked_out = (python_last_touch(lead, touches, "channel_id"), python_last_touch(lead, touches, "phase_id"))
        stored[lead.id] = (lead.last_touch_channel_id, lead.last_touch_phase_id)
        assert stored[lead.id] == looked_up[lead.id] == worked_out, f"lead {lead.id}"
    return stored


def codes() -> tuple[dict[int | None, str | None], dict[int | None, str | None]]:
    channels = {c.id: c.code for c in db.session.scalars(select(Channel))}
    phases = {p.id: p.code for p in db.session.scalars(select(Phase))}
    return channels | {None: None}, phases | {None: None}


def last_touch(lead_id: int) -> tuple[str | None, str | None]:
    """The stored last touch of a lead as (channel code, phase code), after checking all three readings."""
    stored = three_readings()[lead_id]
    channels, phases = codes()
    return channels[stored[0]], phases[stored[1]]


def record(name: str, at: datetime, channel: str | None, phase: str | None = None) -> int | None:
    """A form touchpoint of employer `name` (an e-mail domain made from the name, so the same name finds the
    same employer and its open lead); returns the lead it went to."""
    domain = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return record_touchpoint(touchpoint(name, email=f"info@{domain}.example", occurred_at=at, channel=channel,
                                        phase=phase), route=False).lead_id


def test_ties_in_time_go_to_the_touchpoint_recorded_last_and_one_without_a_channel_does_not_count(ctx, campaign):
    lead = record("Bakkerij Jansen", FRIDAY, "linkedin", "launch")
    assert last_touch(lead) == ("linkedin", "launch")
    later = FRIDAY + 2 * DAY
    for channel in ("facebook", "instagram", None):
        assert record("Bakkerij Jansen", later, channel) == lead
    # Three touchpoints at one moment: instagram was recorded last of those with a channel. Each has the
    # campaign's phase of its day (livestream, from 1 June), which the first touch named as launch.
    assert last_touch(lead) == ("instagram", "livestream")


def test_a_batch_with_several_touchpoints_for_one_lead_keeps_the_latest_in_time(ctx, campaign):
    results = record_touchpoints([
        touchpoint("Garage Gerrits", kvk="11112222", occurred_at=FRIDAY, channel="dagblad", phase="launch"),
        touchpoint("Garage Gerrits", kvk="11112222", occurred_at=FRIDAY + 3 * DAY, channel="facebook"),
        touchpoint("Garage Gerrits", kvk="11112222", occurred_at=FRIDAY + DAY, channel="linkedin",
                   phase="livestream"),  # recorded after the facebook one, but earlier in time
    ], route=False)
    lead = results[0].lead_id
    assert {r.lead_id for r in results} == {lead}
    assert last_touch(lead) == ("facebook", "livestream")


def test_touchpoints_after_the_meeting_do_not_count_but_an_earlier_one_recorded_later_does(ctx, campaign):
    lead_id = record("Schildersbedrijf De Kwast", FRIDAY, "dagblad", "launch")
    lead = db.session.get(Lead, lead_id)
    lead_service.change_stage(lead, "meeting", actor=None, at=FRIDAY + 5 * DAY)
    assert last_touch(lead_id) == ("dagblad", "launch")
    record("Schildersbedrijf De Kwast", FRIDAY + 10 * DAY, "facebook", "livestream")  # after the meeting
    assert last_touch(lead_id) == ("dagblad", "launch")
    record("Schildersbedrijf De Kwast", FRIDAY + 3 * DAY, "linkedin")  # before it, recorded late (an import)
    assert last_touch(lead_id) == ("linkedin", "livestream")
    record("Schildersbedrijf De Kwast", FRIDAY + 5 * DAY, "instagram", "launch")  # exactly at the meeting counts
    assert last_touch(lead_id) == ("instagram", "launch")


def test_a_meeting_recorded_after_later_touchpoints_takes_the_last_touch_back_to_before_it(ctx, campaign):
    lead_id = record("Hoveniersbedrijf Groen", FRIDAY, "dagblad", "launch")
    record("Hoveniersbedrijf Groen", FRIDAY + 2 * DAY, "facebook", "launch")
    record("Hoveniersbedrijf Groen", FRIDAY + 8 * DAY, "linkedin", "livestream")
    assert last_touch(lead_id) == ("linkedin", "livestream")  # no meeting yet: the latest
    lead = db.session.get(Lead, lead_id)
    # Straight to vacancy: the skipped meeting gets the same time, and counts as the meeting.
    lead_service.change_stage(lead, "vacancy", actor=None, at=FRIDAY + 5 * DAY)
    assert lead.meeting_at == FRIDAY + 5 * DAY
    assert last_touch(lead_id) == ("facebook", "launch")


def test_a_lead_none_of_whose_touchpoints_has_a_channel_has_no_last_touch_channel(ctx, campaign):
    lead_id = record("Kapsalon Knip", FRIDAY, None, "launch")
    record("Kapsalon Knip", FRIDAY + DAY, None, "livestream")
    assert last_touch(lead_id) == (None, "livestream")


def test_a_merge_gives_the_kept_lead_the_last_touch_of_the_touchpoints_it_takes_over(ctx, campaign):
    older_lead = record("Transport Tak", FRIDAY, "dagblad", "launch")
    newer_lead = record("Transport Tak B.V.", FRIDAY + 3 * DAY, "facebook", "livestream")
    record("Transport Tak B.V.", FRIDAY + 4 * DAY, "instagram")
    older = db.session.get(Lead, older_lead).employer
    newer = db.session.get(Lead, newer_lead).employer
    assert last_touch(older_lead) == ("dagblad", "launch")

    result = merge_employers(older, newer, actor=None)

    assert result.closed_leads == [newer_lead]
    assert last_touch(older_lead) == ("instagram", "livestream")
    assert last_touch(newer_lead) == (None, None)  # its touchpoints went to the kept lead


def test_every_lead_of_a_mixed_region_agrees_with_the_lookup(ctx, campaign):
    """All the cases above in one database, and a lost lead: the check runs over every lead."""
    for n in range(6):
        name = f"Werkgever {n}"
        lead_id = record(name, FRIDAY + n * DAY, ("linkedin", "dagblad", None)[n % 3], "launch")
        record(name, FRIDAY + (n + 2) * DAY, ("facebook", None, "website")[n % 3], ("livestream", None)[n % 2])
        lead = db.session.get(Lead, lead_id)
        if n % 2:
            lead_service.change_stage(lead, "meeting", actor=None, at=FRIDAY + (n + 1) * DAY)
        else:
            lead_service.change_stage(lead, "lost", actor=None, at=FRIDAY + (n + 1) * DAY, lost_reason="unreachable")
        record(name, FRIDAY + (n + 1) * DAY, "instagram")  # a new lead for the lost ones; at the meeting else
    assert len(three_readings()) == 9  # six leads, and a new lead for each of the three lost ones


# The rows that existed before the columns did -----------------------------------------------------

T0 = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def empty_database_url(tmp_path):
    """A database of its own (the shared test database is already migrated to the head)."""
    with throwaway_database("crm_last_touch", tmp_path) as url:
        yield url


def insert(table: str, **values) -> int:
    columns, marks = ", ".join(values), ", ".join(f":{column}" for column in values)
    return db.session.execute(text(f"INSERT INTO {table} ({columns}) VALUES ({marks}) RETURNING id"), values).scalar()


def test_the_migration_fills_the_last_touch_of_existing_leads_as_the_lookup_gives_it(empty_database_url):
    app = create_app(TestingConfig(empty_database_url))
    with app.app_context():
        upgrade(revision="0013")
        channel = dict(db.session.execute(text("SELECT code, id FROM channels")).all())
        campaign = insert("campaigns", code="aknp", name="AKNP", starts_on=T0.date(), active=True)
        launch, livestream = (insert("phases", campaign_id=campaign, code=code, name=code, starts_on=T0.date())
                              for code in ("launch", "livestream"))
        employer = insert("employers", name="Bakkerij Jansen", name_key="bakkerijjansen", created_at=T0,
                          updated_at=T0)

        def lead(meeting_at=None) -> int:
            return insert("leads", employer_id=employer, stage="meeting" if meeting_at else "new", priority=0,
                          priority_parts="[]", created_at=T0, updated_at=T0, meeting_at=meeting_at,
                          channel_id=channel["linkedin"], phase_id=launch)

        def touch(lead_id: int, at: datetime, channel_id: int | None, phase_id: int | None = None) -> None:
            insert("touchpoints", kind="form", occurred_at=at, employer_id=employer, lead_id=lead_id,
                   channel_id=channel_id, phase_id=phase_id, created_at=T0)

        ties, after_meeting, no_channel, untouched = lead(), lead(meeting_at=T0 + 5 * DAY), lead(), lead()
        touch(ties, T0, channel["linkedin"], launch)
        for code in ("facebook", "instagram"):
            touch(ties, T0 + DAY, channel[code])
        touch(ties, T0 + DAY, None, livestream)
        touch(after_meeting, T0, channel["dagblad"], launch)
        touch(after_meeting, T0 + 5 * DAY, channel["website"])  # at the meeting: counts
        touch(after_meeting, T0 + 6 * DAY, channel["facebook"], livestream)  # after it: does not
        touch(no_channel, T0, None, livestream)
        db.session.commit()

        upgrade(revision="0014")

        rows = dict((row[0], tuple(row[1:])) for row in db.session.execute(text(
            "SELECT id, last_touch_channel_id, last_touch_phase_id FROM leads")))
        assert rows == {ties: (channel["instagram"], livestream), after_meeting: (channel["website"], launch),
                        no_channel: (None, livestream), untouched: (None, None)}
        db.session.remove()
        db.engine.dispose()
