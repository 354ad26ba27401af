"""Report periods (tertalen in local dates) and filter parsing with Dutch errors."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from campaign_crm.extensions import db
from campaign_crm.models import Channel, Municipality, Phase, Sector
from campaign_crm.services.errors import ValidationError
from campaign_crm.services.reports.filters import (
    parse_filter,
    parse_group_by,
    scoped_to_team,
)
from campaign_crm.services.reports.period import (
    Period,
    month_ends,
    tertaal,
    tertaal_of,
    tertalen,
)


def test_tertalen_are_january_to_april_may_to_august_and_september_to_december():
    assert tertaal(2026, 1) == Period(date(2026, 1, 1), date(2026, 4, 30))
    assert tertaal(2026, 2) == Period(date(2026, 5, 1), date(2026, 8, 31))
    assert tertaal(2026, 3) == Period(date(2026, 9, 1), date(2026, 12, 31))
    assert tertaal(2026, 1).label == "T1 2026"
    assert tertaal_of(date(2026, 8, 31)) == tertaal(2026, 2)
    assert tertaal_of(date(2026, 9, 1)) == tertaal(2026, 3)
    with pytest.raises(ValueError):
        tertaal(2026, 4)


def test_tertalen_over_a_range_cover_every_overlapping_tertaal():
    assert tertalen(date(2026, 4, 15), date(2027, 1, 2)) == [
        tertaal(2026, 1), tertaal(2026, 2), tertaal(2026, 3), tertaal(2027, 1)]


def test_a_free_period_has_a_dutch_label_and_a_half_open_utc_window_of_local_days():
    period = Period(date(2026, 3, 1), date(2026, 5, 10))
    assert period.label == "1 maart 2026 – 10 mei 2026"
    # Winter time (UTC+1) at the start, summer time (UTC+2) after the end.
    assert period.start_utc == datetime(2026, 2, 28, 23, 0, tzinfo=UTC)
    assert period.end_utc == datetime(2026, 5, 10, 22, 0, tzinfo=UTC)


def test_month_ends_in_a_range():
    assert month_ends(date(2026, 1, 31), date(2026, 4, 29)) == [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31)]
    assert month_ends(date(2026, 12, 1), date(2027, 1, 31)) == [date(2026, 12, 31), date(2027, 1, 31)]


def test_parse_filter_turns_codes_into_ids(ctx, app, campaign):
    flt = parse_filter({"tertaal": "2026-T2", "campaign": "aknp", "phase": "livestream", "channel": "linkedin",
                        "sector": "zorg", "municipality": "GM0606", "team": ""})

    def ids(model, *where):
        return db.session.scalar(select(model.id).where(*where))

    assert flt.period == tertaal(2026, 2)
    assert flt.campaign_id == campaign
    assert flt.phase_id == ids(Phase, Phase.code == "livestream")
    assert flt.channel_id == ids(Channel, Channel.code == "linkedin")
    assert flt.sector_id == ids(Sector, Sector.code == "zorg")
    assert flt.municipality_id == ids(Municipality, Municipality.name == "Schiedam")
    assert flt.team_id is None
    assert parse_filter({"municipality": "rotterdam"}).municipality_id == ids(Municipality,
                                                                              Municipality.cbs_code == "GM0599")
    assert scoped_to_team(flt, 7).team_id == 7 and scoped_to_team(flt, 7).channel_id == flt.channel_id


def test_parse_filter_free_dates_and_defaults(ctx):
    assert parse_filter({"from": "2026-02-01", "to": "2026-03-15"}).period == Period(date(2026, 2, 1),
                                                                                     date(2026, 3, 15))
    default = tertaal(2025, 3)
    assert parse_filter({}, default=default).period == default
    today_period = parse_filter({}).period
    assert today_period.start == tertaal_of(today_period.end).start  # the current tertaal up to today


@pytest.mark.parametrize(("args", "field", "why"), [
    ({"from": "2026-13-01", "to": "2026-12-31"}, "from", "Geen geldige datum"),
    ({"from": "2026-05-01", "to": "2026-04-30"}, "to", "ligt voor de begindatum"),
    ({"to": "2026-04-30"}, "from", "Geef ook een begindatum"),
    ({"tertaal": "2026-T4"}, "tertaal", "Geen geldig tertaal"),
    ({"tertaal": "2026-T1", "from": "2026-01-01"}, "tertaal", "niet allebei"),
    ({"channel": "tiktok"}, "channel", "Geen bekende kanaalcode"),
    ({"sector": "ruimtevaart"}, "sector", "Geen bekende sectorcode"),
    ({"municipality": "Amsterdam"}, "municipality", "Geen gemeente van de regio"),
    ({"campaign": "onbekend"}, "campaign", "Onbekende campagne"),
    ({"phase": "zomer"}, "phase", "Onbekende fase"),
    ({"partner": "abc"}, "partner", "Onbekende partner"),
    ({"team": "999999"}, "team", "Onbekend team"),
])
def test_bad_filter_input_is_refused_in_dutch_naming_the_field(ctx, args, field, why):
    with pytest.raises(ValidationError) as refused:
        parse_filter(args)
    assert field in refused.value.fields
    assert why in refused.value.fields[field]
    assert refused.value.message.startswith("Het rapportfilter klopt niet")


def test_several_bad_values_are_all_named_at_once(ctx):
    with pytest.raises(ValidationError) as refused:
        parse_filter({"from": "gisteren", "channel": "tiktok"})
    assert set(refused.value.fields) == {"from", "channel"}


def test_group_by_is_one_of_the_known_groupings():
    assert parse_group_by("Channel") == "channel"
    assert parse_group_by("") is None and parse_group_by(None) is None
    with pytest.raises(ValidationError) as refused:
        parse_group_by("kleur")
    assert "Kies uit: channel, phase" in refused.value.fields["group_by"]
