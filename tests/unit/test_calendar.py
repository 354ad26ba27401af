"""Working days and SLA due times: a lead is due at 17:00 Amsterdam time on the second working day after
the day it came in; weekends and Dutch public holidays are skipped.

The calendar facts below are written out by hand (weekday and date), not taken from the code.
Holidays are those of the `holidays` package for NL; two of its choices matter and are pinned
here on purpose: Goede Vrijdag counts as a holiday, and Bevrijdingsdag (5 May) counts only in
lustrum years (2025, 2030, ...), as most collective labour agreements have it.
"""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from campaign_crm.services.calendar import (
    AMSTERDAM,
    add_working_days,
    is_working_day,
    sla_due,
    working_days_between,
)

SLA_DAYS = 2  # the seeded default for `sla_working_days`


def amsterdam(*args) -> datetime:
    return datetime(*args, tzinfo=AMSTERDAM)


def due_at_five(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 17, 0, tzinfo=AMSTERDAM)


# --- plain weeks ----------------------------------------------------------------------------------

def test_the_day_itself_does_not_count():
    # Tuesday 9 June 2026 + 1 working day = Wednesday 10 June.
    assert add_working_days(date(2026, 6, 9), 1) == date(2026, 6, 10)


def test_a_weekend_is_skipped():
    # Friday 12 June 2026 + 1 = Monday 15 June; + 2 = Tuesday 16 June.
    assert add_working_days(date(2026, 6, 12), 1) == date(2026, 6, 15)
    assert add_working_days(date(2026, 6, 12), 2) == date(2026, 6, 16)


def test_a_lead_on_monday_morning_is_due_wednesday_at_five():
    assert sla_due(amsterdam(2026, 6, 8, 9, 15), SLA_DAYS) == due_at_five(date(2026, 6, 10))


def test_a_lead_on_friday_evening_is_due_tuesday_at_five():
    # Friday 12 June 2026, 20:30: Monday and Tuesday are the two working days.
    assert sla_due(amsterdam(2026, 6, 12, 20, 30), SLA_DAYS) == due_at_five(date(2026, 6, 16))


def test_a_lead_in_the_weekend_is_due_like_one_on_friday():
    assert sla_due(amsterdam(2026, 6, 13, 11, 0), SLA_DAYS) == due_at_five(date(2026, 6, 16))
    assert sla_due(amsterdam(2026, 6, 14, 23, 59), SLA_DAYS) == due_at_five(date(2026, 6, 16))


def test_the_due_day_is_counted_from_the_amsterdam_date_not_the_utc_date():
    # 22:30 UTC on Thursday 23 April 2026 is 00:30 on Friday 24 April in Amsterdam (CEST, UTC+2).
    # From Friday: Monday 27 April is Koningsdag, so Tuesday 28 and Wednesday 29 April.
    created = datetime(2026, 4, 23, 22, 30, tzinfo=UTC)
    assert sla_due(created, SLA_DAYS) == due_at_five(date(2026, 4, 29))


def test_five_oclock_is_amsterdam_time_in_summer_and_in_winter():
    # Summer time (CEST, UTC+2): Friday 27 March 2026 is before the switch on Sunday 29 March,
    # the due day Tuesday 31 March is after it.
    summer = sla_due(amsterdam(2026, 3, 27, 10, 0), SLA_DAYS)
    assert summer.astimezone(UTC) == datetime(2026, 3, 31, 15, 0, tzinfo=UTC)
    # Winter time (CET, UTC+1): Monday 16 November 2026 -> Wednesday 18 November.
    winter = sla_due(amsterdam(2026, 11, 16, 10, 0), SLA_DAYS)
    assert winter.astimezone(UTC) == datetime(2026, 11, 18, 16, 0, tzinfo=UTC)


def test_the_sla_length_is_a_parameter():
    # Monday 8 June 2026 + 5 working days = Monday 15 June.
    assert sla_due(amsterdam(2026, 6, 8, 9, 0), 5) == due_at_five(date(2026, 6, 15))


# --- Koningsdag -----------------------------------------------------------------------------------

def test_koningsdag_2026_on_monday_27_april_is_not_a_working_day():
    assert date(2026, 4, 27).weekday() == 0  # Monday
    assert not is_working_day(date(2026, 4, 27))


def test_a_lead_on_the_friday_before_koningsdag_2026_is_due_wednesday():
    # Friday 24 April -> (Mon 27 Koningsdag) -> Tue 28 -> Wed 29 April.
    assert sla_due(amsterdam(2026, 4, 24, 14, 0), SLA_DAYS) == due_at_five(date(2026, 4, 29))


def test_a_lead_on_koningsdag_itself_is_due_two_working_days_later():
    # Monday 27 April (holiday) -> Tue 28 -> Wed 29 April.
    assert sla_due(amsterdam(2026, 4, 27, 12, 0), SLA_DAYS) == due_at_five(date(2026, 4, 29))


def test_koningsdag_on_a_sunday_moves_to_saturday_26_april_so_monday_is_a_working_day():
    # 27 April 2025 was a Sunday; Koningsdag was held on Saturday 26 April 2025 (not on Monday).
    assert date(2025, 4, 27).weekday() == 6  # Sunday
    assert not is_working_day(date(2025, 4, 26))
    assert is_working_day(date(2025, 4, 28))
    # Friday 25 April 2025 -> Mon 28 -> Tue 29 April.
    assert add_working_days(date(2025, 4, 25), 2) == date(2025, 4, 29)


# --- Bevrijdingsdag (5 May) -----------------------------------------------------------------------

def test_bevrijdingsdag_2026_is_a_working_day_because_it_only_counts_in_lustrum_years():
    # Tuesday 5 May 2026: not a day off in most CAOs (only 2025, 2030, ...).
    assert date(2026, 5, 5).weekday() == 1  # Tuesday
    assert is_working_day(date(2026, 5, 5))
    # Monday 4 May 2026 -> Tue 5 -> Wed 6 May.
    assert sla_due(amsterdam(2026, 5, 4, 10, 0), SLA_DAYS) == due_at_five(date(2026, 5, 6))


def test_bevrijdingsdag_in_a_lustrum_year_is_a_holiday():
    # Monday 5 May 2025 was a day off: Friday 2 May 2025 -> (Mon 5 May) -> Tue 6 -> Wed 7 May.
    assert date(2025, 5, 5).weekday() == 0  # Monday
    assert not is_working_day(date(2025, 5, 5))
    assert add_working_days(date(2025, 5, 2), 2) == date(2025, 5, 7)


# --- Easter, Ascension, Whitsun -------------------------------------------------------------------

def test_goede_vrijdag_and_second_easter_day_2026_are_skipped():
    # Good Friday 3 April and Easter Monday 6 April 2026.
    # Thursday 2 April -> (Fri 3, weekend, Mon 6) -> Tue 7 -> Wed 8 April.
    assert not is_working_day(date(2026, 4, 3))
    assert not is_working_day(date(2026, 4, 6))
    assert sla_due(amsterdam(2026, 4, 2, 10, 0), SLA_DAYS) == due_at_five(date(2026, 4, 8))


def test_hemelvaartsdag_2026_thursday_14_may_is_skipped_but_the_friday_after_is_a_working_day():
    assert date(2026, 5, 14).weekday() == 3  # Thursday
    assert not is_working_day(date(2026, 5, 14))
    assert is_working_day(date(2026, 5, 15))
    # Wednesday 13 May -> (Thu 14) -> Fri 15 -> Mon 18 May.
    assert sla_due(amsterdam(2026, 5, 13, 16, 0), SLA_DAYS) == due_at_five(date(2026, 5, 18))


def test_tweede_pinksterdag_2026_monday_25_may_is_skipped():
    assert date(2026, 5, 25).weekday() == 0  # Monday
    assert not is_working_day(date(2026, 5, 25))
    # Friday 22 May, evening -> (weekend, Mon 25) -> Tue 26 -> Wed 27 May.
    assert sla_due(amsterdam(2026, 5, 22, 19, 45), SLA_DAYS) == due_at_five(date(2026, 5, 27))


# --- Christmas and New Year -----------------------------------------------------------------------

def test_christmas_2026_on_friday_and_saturday_is_skipped():
    assert date(2026, 12, 25).weekday() == 4  # Friday
    assert date(2026, 12, 26).weekday() == 5  # Saturday
    assert not is_working_day(date(2026, 12, 25))
    # Thursday 24 December -> (Fri 25, Sat 26, Sun 27) -> Mon 28 -> Tue 29 December.
    assert sla_due(amsterdam(2026, 12, 24, 15, 0), SLA_DAYS) == due_at_five(date(2026, 12, 29))


def test_new_years_day_2027_is_skipped_across_the_year_boundary():
    assert date(2027, 1, 1).weekday() == 4  # Friday
    assert not is_working_day(date(2027, 1, 1))
    # Wednesday 30 December 2026 -> Thu 31 -> (Fri 1 Jan, weekend) -> Mon 4 January 2027.
    assert sla_due(amsterdam(2026, 12, 30, 10, 0), SLA_DAYS) == due_at_five(date(2027, 1, 4))
    # Thursday 31 December 2026 -> Mon 4 -> Tue 5 January 2027.
    assert sla_due(amsterdam(2026, 12, 31, 10, 0), SLA_DAYS) == due_at_five(date(2027, 1, 5))


# --- counting back ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("start", "end", "working_days"), [
    (date(2026, 6, 8), date(2026, 6, 8), 0),  # same day
    (date(2026, 6, 10), date(2026, 6, 8), 0),  # end before start
    (date(2026, 6, 12), date(2026, 6, 15), 1),  # Friday -> Monday
    (date(2026, 4, 24), date(2026, 4, 29), 2),  # over Koningsdag
    (date(2026, 12, 24), date(2027, 1, 4), 5),  # Mon 28, Tue 29, Wed 30, Thu 31 Dec; Mon 4 Jan
])
def test_working_days_between_counts_days_after_start_up_to_and_including_end(start, end, working_days):
    assert working_days_between(start, end) == working_days


def test_working_days_between_undoes_add_working_days():
    start = date(2026, 4, 24)
    for n in range(30):
        assert working_days_between(start, add_working_days(start, n)) == n
