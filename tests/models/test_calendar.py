"""Scottish working days: table-driven holiday cases and property tests."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.models.rules.calendar import WorkingCalendar
from app.models.rules.dates import add_months
from app.models.store import Store

D = dt.date
CAL = WorkingCalendar()


@pytest.mark.parametrize(
    ("start", "n", "expected", "why"),
    [
        (D(2026, 11, 2), 5, D(2026, 11, 9), "plain weeks: Monday + 5 is the next Monday"),
        (D(2026, 11, 2), 0, D(2026, 11, 2), "day 0 is the event date"),
        (D(2026, 11, 7), 1, D(2026, 11, 9), "an event on a Saturday: first working day is Monday"),
        (D(2026, 11, 2), 20, D(2026, 12, 1), "St Andrew's Day (Mon 30/11/2026) is skipped"),
        (D(2026, 11, 27), 1, D(2026, 12, 1), "Friday before St Andrew's Day"),
        (D(2025, 11, 28), 1, D(2025, 12, 2), "St Andrew's Day on a Sunday: Monday 01/12/2025 substitute"),
        (D(2030, 11, 29), 1, D(2030, 12, 3), "St Andrew's Day on a Saturday: Monday 02/12/2030 substitute"),
        (D(2026, 12, 24), 1, D(2026, 12, 29), "Christmas Friday, Boxing Day Saturday -> Monday 28th off"),
        (D(2026, 12, 31), 1, D(2027, 1, 5), "1 Jan Friday, 2 Jan Saturday -> Monday 4th off"),
        (D(2026, 12, 24), 4, D(2027, 1, 5), "across Christmas and New Year 2026/2027"),
        (D(2027, 12, 24), 1, D(2027, 12, 29), "Christmas on a Saturday 2027: 27th and 28th off"),
        (D(2027, 12, 31), 1, D(2028, 1, 5), "New Year on a Saturday 2028: 3rd and 4th off"),
        (D(2027, 12, 24), 4, D(2028, 1, 5), "across Christmas and New Year 2027/2028"),
        (D(2025, 12, 31), 1, D(2026, 1, 5), "2 January is a holiday in Scotland (Fri 02/01/2026)"),
        (D(2026, 4, 2), 1, D(2026, 4, 6), "Good Friday off; Easter Monday is a working day in Scotland"),
        (D(2026, 4, 6), -1, D(2026, 4, 2), "backwards over Good Friday"),
        (D(2027, 1, 5), -1, D(2026, 12, 31), "backwards over New Year"),
        (D(2026, 12, 10), -5, D(2026, 12, 3), "five working days before a Thursday"),
        (D(2026, 8, 3), 0, D(2026, 8, 3), "day 0 even on a holiday (first Monday in August)"),
        (D(2026, 7, 31), 1, D(2026, 8, 4), "first Monday in August is a Scottish bank holiday"),
    ],
)
def test_add_working_days(start: dt.date, n: int, expected: dt.date, why: str) -> None:
    assert CAL.add_working_days(start, n) == expected, why


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2026, 1, 2), False),    # 2 January
        (D(2026, 4, 3), False),    # Good Friday
        (D(2026, 4, 6), True),     # Easter Monday: working in Scotland
        (D(2026, 11, 30), False),  # St Andrew's Day
        (D(2025, 12, 1), False),   # St Andrew's substitute
        (D(2027, 12, 27), False),  # Christmas substitute
        (D(2027, 12, 28), False),  # Boxing Day substitute
        (D(2028, 1, 3), False),    # New Year substitute
        (D(2028, 1, 4), False),    # 2 January substitute
        (D(2028, 1, 5), True),
        (D(2026, 11, 28), False),  # Saturday
        (D(2026, 11, 29), False),  # Sunday
    ],
)
def test_is_working_day(day: dt.date, working: bool) -> None:
    assert CAL.is_working_day(day) is working


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (D(2026, 12, 24), D(2027, 1, 5), 4),
        (D(2027, 1, 5), D(2026, 12, 24), -4),
        (D(2026, 11, 2), D(2026, 11, 2), 0),
        (D(2026, 11, 2), D(2026, 12, 1), 20),
        (D(2026, 11, 6), D(2026, 11, 8), 0),  # Friday to Sunday: no working day after Friday
    ],
)
def test_working_days_between(start: dt.date, end: dt.date, expected: int) -> None:
    assert CAL.working_days_between(start, end) == expected


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (D(2026, 11, 30), 3, D(2027, 2, 28)),
        (D(2027, 11, 30), 3, D(2028, 2, 29)),  # leap year
        (D(2026, 8, 31), 6, D(2027, 2, 28)),
        (D(2026, 1, 31), 1, D(2026, 2, 28)),
        (D(2026, 11, 2), 6, D(2027, 5, 2)),
        (D(2026, 3, 31), -1, D(2026, 2, 28)),
    ],
)
def test_add_months_clamps_to_month_end(day: dt.date, months: int, expected: dt.date) -> None:
    assert add_months(day, months) == expected


def test_local_holidays() -> None:
    cal = WorkingCalendar([D(2026, 11, 24)])
    assert not cal.is_working_day(D(2026, 11, 24))
    assert cal.add_working_days(D(2026, 11, 23), 1) == D(2026, 11, 25)
    assert cal.working_days_between(D(2026, 11, 23), D(2026, 11, 25)) == 1
    # A local holiday on a public holiday or a weekend changes nothing.
    same = WorkingCalendar([D(2026, 11, 30), D(2026, 11, 28)])
    assert same.add_working_days(D(2026, 11, 27), 1) == D(2026, 12, 1)
    assert same.working_days_between(D(2026, 11, 27), D(2026, 12, 1)) == 1


def test_calendar_for_store_uses_local_holidays(store: Store) -> None:
    store.set_local_holiday(D(2026, 11, 24), "Council staff day")
    cal = WorkingCalendar.for_store(store)
    assert cal.add_working_days(D(2026, 11, 23), 1) == D(2026, 11, 25)
    assert WorkingCalendar().add_working_days(D(2026, 11, 23), 1) == D(2026, 11, 24)


# ------------------------------------------------------------------ properties
dates = st.dates(min_value=D(2020, 1, 1), max_value=D(2034, 12, 31))
steps = st.integers(min_value=-80, max_value=80)
local_sets = st.frozensets(st.dates(min_value=D(2024, 1, 1), max_value=D(2030, 12, 31)), max_size=30)


@settings(max_examples=150, deadline=None)
@given(day=dates, n=steps, local=local_sets)
def test_count_inverts_add(day: dt.date, n: int, local: frozenset[dt.date]) -> None:
    cal = WorkingCalendar(local)
    target = cal.add_working_days(day, n)
    assert cal.working_days_between(day, target) == n
    if n != 0:
        assert cal.is_working_day(target)
        assert (target > day) == (n > 0)


@settings(max_examples=150, deadline=None)
@given(day=dates, end=dates, local=local_sets)
def test_add_inverts_count_on_working_days(day: dt.date, end: dt.date, local: frozenset[dt.date]) -> None:
    cal = WorkingCalendar(local)
    while not cal.is_working_day(end):
        end += dt.timedelta(days=1)
    assert cal.add_working_days(day, cal.working_days_between(day, end)) == end


@settings(max_examples=100, deadline=None)
@given(day=dates, n=steps, m=steps)
def test_add_composes_from_a_working_day(day: dt.date, n: int, m: int) -> None:
    while not CAL.is_working_day(day):
        day += dt.timedelta(days=1)
    assert CAL.add_working_days(CAL.add_working_days(day, n), m) == CAL.add_working_days(day, n + m)


@settings(max_examples=100, deadline=None)
@given(day=dates, n=st.integers(min_value=-40, max_value=39))
def test_add_is_strictly_increasing(day: dt.date, n: int) -> None:
    assert CAL.add_working_days(day, n) < CAL.add_working_days(day, n + 1)


@settings(max_examples=100, deadline=None)
@given(start=dates, end=dates)
def test_count_matches_brute_force(start: dt.date, end: dt.date) -> None:
    if abs((end - start).days) > 400:
        end = start + dt.timedelta(days=(end - start).days % 400)
    lo, hi = (start + dt.timedelta(days=1), end) if end >= start else (end, start - dt.timedelta(days=1))
    brute = sum(1 for i in range((hi - lo).days + 1) if CAL.is_working_day(lo + dt.timedelta(days=i)))
    assert CAL.working_days_between(start, end) == (brute if end >= start else -brute)
