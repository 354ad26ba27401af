"""The forecast of active LKS jobs: a reproducible band, what-if inputs that move it the right way, its input
checked in Dutch, a back-test on a generated region whose future is known, and the page for who may see it.

The region is generated (plain inserts, a fixed random seed): steady weekly inflow from 26 weeks before
REFERENCE on, each lead moving through the stages with fixed chances and delays, placed leads starting an
LKS job (or another instrument) that sometimes ends. Its history runs on to 26 November 2026, so a forecast
made on an earlier day can be compared with what followed.
"""
from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest

from campaign_crm.extensions import db
from campaign_crm.models import Employer, Lead, Partner, Placement
from campaign_crm.services.errors import ValidationError
from campaign_crm.services.reports.forecast import ForecastInput, active_on, backtest, forecast
from tests.helpers import page_tables, page_value, report_login

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)     # the first leads
HISTORY_END = datetime(2026, 11, 26, 17, 0, tzinfo=UTC)
REFERENCE = date(2026, 9, 1)                     # the forecasts below are made as of this day
LATER = date(2027, 3, 1)


def _region(seed: int = 11) -> None:
    """About 25 leads a week; chances per step: contacted 0.85, meeting 0.5, vacancy 0.6, placed 0.6; a lead
    that does not go on is lost a week later in 70 % of cases; a placement is LKS in 80 % of cases and starts
    10 days after; 20 % of the jobs end within 30–200 days."""
    rng = random.Random(seed)
    partner = Partner(name="Gemeente Rotterdam", kind="gemeente")
    db.session.add(partner)
    db.session.flush()
    steps = [("contacted_at", 0.85, (1, 3)), ("meeting_at", 0.5, (7, 21)), ("vacancy_at", 0.6, (7, 21)),
             ("placed_at", 0.6, (14, 35))]
    moment, number = START, 0
    while moment < HISTORY_END:
        number += 1
        employer = Employer(name=f"Werkgever {number}", name_key=f"werkgever {number}")
        times = {"created_at": moment, "arrived_at": moment, "assigned_at": moment + timedelta(hours=1)}
        at, stage, lost_at = times["assigned_at"], "assigned", None
        for column, chance, (low, high) in steps:
            following = at + timedelta(days=rng.randint(low, high))
            if following > HISTORY_END:
                break
            if rng.random() > chance:
                if rng.random() < 0.7 and following + timedelta(days=7) <= HISTORY_END:
                    lost_at = following + timedelta(days=7)
                break
            times[column], at, stage = following, following, column[:-3]
        lead = Lead(employer=employer, stage="lost" if lost_at else stage, lost_at=lost_at, **times)
        db.session.add(lead)
        if "placed_at" in times:
            db.session.flush()
            start = (times["placed_at"] + timedelta(days=10)).date()
            ends = start + timedelta(days=rng.randint(30, 200)) if rng.random() < 0.2 else None
            db.session.add(Placement(
                reference=f"FC-{number:05d}", partner_id=partner.id, lead_id=lead.id, employer=employer,
                candidate_ref=f"KL-{number:05d}", instrument="lks" if rng.random() < 0.8 else "lkv",
                start_date=start, end_date=ends if ends and ends <= HISTORY_END.date() else None,
                end_how="other" if ends and ends <= HISTORY_END.date() else None,
                end_why="unknown" if ends and ends <= HISTORY_END.date() else None))
        moment += timedelta(minutes=rng.randint(200, 600))
    db.session.flush()


@pytest.fixture
def region(ctx):
    _region()


def _band(result: dict) -> list[tuple]:
    return [(h["p10"], h["p50"], h["p90"]) for h in result["horizons"]]


def _later(result: dict) -> dict:
    return next(h for h in result["horizons"] if h["date"] == LATER.isoformat())


def test_the_same_seed_gives_the_same_band_and_another_seed_another(region):
    first = forecast(ForecastInput(as_of=REFERENCE, until=LATER, seed=7))
    again = forecast(ForecastInput(as_of=REFERENCE, until=LATER, seed=7))
    other = forecast(ForecastInput(as_of=REFERENCE, until=LATER, seed=8))
    assert _band(first) == _band(again)
    assert _band(first) != _band(other)
    # The seed moves the band, never the expectation, which is worked out without chance.
    assert [h["expected"] for h in first["horizons"]] == [h["expected"] for h in other["horizons"]]
    for h in first["horizons"]:
        assert h["p10"] <= h["p50"] <= h["p90"] and h["p10"] < h["p90"]
    assert (first["seed"], first["runs"]) == (7, 400)


def test_more_inflow_a_higher_conversion_and_less_dropout_each_raise_the_projection(region):
    base = forecast(ForecastInput(as_of=REFERENCE, until=LATER))
    measured = base["inputs"]
    assert measured["inflow_measured"] > 0 and measured["first_year_dropout_measured"] > 0

    def later(**what_if) -> dict:
        return _later(forecast(ForecastInput(as_of=REFERENCE, until=LATER, **what_if)))

    middle = _later(base)
    more_inflow = later(inflow_per_week=measured["inflow_measured"] * 2)
    less_inflow = later(inflow_per_week=0)
    assert less_inflow["expected"] < middle["expected"] < more_inflow["expected"]
    assert less_inflow["parts"]["inflow"] == 0
    assert later(conversion_factor=0.5)["expected"] < middle["expected"] < later(conversion_factor=1.5)["expected"]
    dropout = measured["first_year_dropout_measured"]
    assert later(first_year_dropout=dropout / 2)["expected"] > middle["expected"] > later(
        first_year_dropout=min(dropout * 2, 0.9))["expected"]
    # The band moves with the expectation.
    assert later(conversion_factor=1.5)["p50"] > middle["p50"] > later(conversion_factor=0.5)["p50"]


def test_the_gap_to_the_target_and_the_extra_placements_it_needs(region):
    result = forecast(ForecastInput(as_of=REFERENCE, until=LATER))
    at_target = next(h for h in result["horizons"] if h["is_target"])
    assert at_target["date"] == "2026-12-31"
    assert result["gap"] == round(2400 - at_target["expected"], 1)
    # Closing a gap of about 2,300 jobs in 17 weeks takes more than 2,300 / 17 starts a week (some drop out).
    assert result["needed_per_week"] > result["gap"] / 17
    # The three sources add up to the expectation.
    assert at_target["expected"] == pytest.approx(sum(at_target["parts"].values()), abs=0.2)
    assert result["active_now"] == active_on(REFERENCE)


def test_bad_what_if_input_is_refused_per_field_in_dutch(region):
    with pytest.raises(ValidationError) as refused:
        forecast(ForecastInput(as_of=date(2999, 1, 1), conversion_factor=9, first_year_dropout=1.5,
                               inflow_per_week=-1, seed=-3))
    fields = refused.value.fields
    assert set(fields) == {"as_of", "conversion_factor", "first_year_dropout", "inflow_per_week", "seed"}
    assert "toekomst" in fields["as_of"] and "tussen 0 en 5" in fields["conversion_factor"]
    with pytest.raises(ValidationError) as refused:
        forecast(ForecastInput(as_of=REFERENCE, until=REFERENCE))
    assert "na de peildatum" in refused.value.fields["until"]


def test_back_test_a_forecast_made_before_lies_close_to_what_happened(region):
    # Made on 1 September for 1 November; the region's history knows the answer.
    result = backtest(REFERENCE, date(2026, 11, 1), seed=2026)
    assert result["actual"] == active_on(date(2026, 11, 1)) > result["active_then"]
    assert abs(result["error"]) <= 0.15 * result["actual"], result
    assert result["inside_band"], result


# --- the pages -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["management", "campaign"])
def test_the_forecast_and_response_time_pages_open_for_management_and_the_campaign_team(client, factory, role):
    report_login(client, factory, role)
    page = client.get("/rapportages/prognose")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Prognose LKS-banen" in text and "Extra LKS-plaatsingen per week nodig" in text
    assert 'novalidate' in text and 'aria-current="page">Prognose' in text
    timing = client.get("/rapportages/reactietijd?group_by=advisor")
    assert timing.status_code == 200
    assert "Wacht op routering" in timing.get_data(as_text=True)


def test_the_what_if_form_moves_the_projection_on_the_page(app, client, factory):
    with app.app_context():
        _region()
        db.session.commit()
    report_login(client, factory, "management")
    query = f"/rapportages/prognose?as_of={REFERENCE}&until={LATER}"

    def expected_later(extra: str = "") -> float:
        page = client.get(query + extra)
        assert page.status_code == 200
        rows = page_tables(page.get_data(as_text=True))["tabel-prognose"]["rows"]
        return page_value(next(row for row in rows if row[0] == "1 maart 2027")[1])

    measured = expected_later()
    assert expected_later("&conversion_factor=1,5") > measured > expected_later("&conversion_factor=0,5")
    assert expected_later("&inflow_per_week=200") > measured > expected_later("&inflow_per_week=0")
    assert expected_later("&first_year_dropout=5") > measured > expected_later("&first_year_dropout=60")


def test_advisors_are_refused_both_pages(client, factory):
    report_login(client, factory, "advisor")
    assert client.get("/rapportages/prognose").status_code == 403
    assert client.get("/rapportages/reactietijd").status_code == 403


def test_a_team_lead_gets_the_response_times_of_his_team_but_not_the_regional_forecast(client, factory):
    report_login(client, factory, "teamlead")
    assert client.get("/rapportages/prognose").status_code == 403
    response = client.get("/rapportages/reactietijd")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "U ziet de cijfers van uw eigen team." in text and "Prognose</a>" not in text


def test_what_if_input_that_is_not_a_number_comes_back_in_dutch_on_the_field(client, factory):
    report_login(client, factory, "campaign")
    page = client.get("/rapportages/prognose?conversion_factor=veel&as_of=gisteren&first_year_dropout=120")
    assert page.status_code == 422
    text = page.get_data(as_text=True)
    assert "Geen getal: &#39;veel&#39;" in text and "Geen geldige datum" in text
    assert 'href="#conversion_factor"' in text
    assert 'aria-describedby="conversion_factor-hint conversion_factor-error"' in text
    ranged = client.get("/rapportages/prognose?first_year_dropout=120&conversion_factor=1,5")
    assert ranged.status_code == 422
    assert "tussen 0 en 95 procent" in ranged.get_data(as_text=True)
