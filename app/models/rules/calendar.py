"""Scottish working days: Monday to Friday, less Scottish public holidays and local holidays.

Counting convention (the guidance's "within N working days of the order"): day 0 is the
event date itself; ``add_working_days(day, n)`` is the n-th working day after it (before it
when n is negative).  The event date need not be a working day: an order imposed on a
Saturday is due its first meeting on the fifth working day after that Saturday.

``working_days_between(start, end)`` is the inverse: the number of steps n for which
``add_working_days(start, n) == end`` whenever ``end`` is a working day.  Going forwards it
counts the working days in (start, end]; going backwards it is minus the working days in
[end, start).

A local "working day" override turns a Scottish public holiday into a working day for this
service (a council that works on a proclaimed one-off holiday, such as 15 June 2026); local
holidays add days off.  Both are kept in the store.

Scottish public holidays come from the ``holidays`` package (GB, subdivision SCT): New Year's
Day and 2 January, Good Friday (Easter Monday is NOT a holiday in Scotland), the May Day and
spring bank holidays, the first Monday in August, St Andrew's Day (30 November), Christmas
and Boxing Day, each with its weekday substitute when it falls at a weekend.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from app.models.store import Store

_ONE_DAY = dt.timedelta(days=1)
# A guard against runaway loops (for example a year of local holidays): no deadline in
# this product is anywhere near this many working days away.
_MAX_STEPS = 100_000


@lru_cache(maxsize=256)
def scottish_holidays(year: int) -> frozenset[dt.date]:
    """Scottish public holidays (with weekend substitutes) in one calendar year."""
    import holidays  # its country tables load with the first due date, on the worker, not at start

    return frozenset(holidays.country_holidays("GB", subdiv="SCT", years=year).keys())


def scottish_holiday_names(year: int) -> dict[dt.date, str]:
    """Scottish public holidays in one year with their names (for display)."""
    import holidays

    return dict(holidays.country_holidays("GB", subdiv="SCT", years=year).items())


class WorkingCalendar:
    """Working days for one store: Scottish public holidays, less the days the service works
    on anyway (``working_days``), plus the store's local holidays."""

    def __init__(self, local_holidays: Iterable[dt.date] = (), working_days: Iterable[dt.date] = ()) -> None:
        self.local_holidays: frozenset[dt.date] = frozenset(local_holidays)
        self.working_days: frozenset[dt.date] = frozenset(working_days)
        self._cache: dict[tuple[dt.date, int], dt.date] = {}

    @classmethod
    def for_store(cls, store: Store) -> WorkingCalendar:
        return cls((day for day, _name in store.local_holidays()),
                   (day for day, _name in store.local_working_days()))

    def is_holiday(self, day: dt.date) -> bool:
        if day in self.local_holidays:
            return True
        return day in scottish_holidays(day.year) and day not in self.working_days

    def is_working_day(self, day: dt.date) -> bool:
        return day.weekday() < 5 and not self.is_holiday(day)

    def add_working_days(self, day: dt.date, n: int) -> dt.date:
        """The n-th working day after ``day`` (before it when n < 0); ``day`` itself when n == 0."""
        key = (day, n)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        if abs(n) > _MAX_STEPS:
            raise ValueError(f"too many working days: {n}")
        step = _ONE_DAY if n >= 0 else -_ONE_DAY
        remaining = abs(n)
        current = day
        while remaining:
            current += step
            if self.is_working_day(current):
                remaining -= 1
        self._cache[key] = current
        return current

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days from ``start`` to ``end``: those in (start, end] when end >= start,
        minus those in [end, start) when end < start (so add_working_days inverts it)."""
        if end >= start:
            return self._count(start + _ONE_DAY, end)
        return -self._count(end, start - _ONE_DAY)

    def _count(self, first: dt.date, last: dt.date) -> int:
        """Working days in [first, last] (0 when last < first)."""
        if last < first:
            return 0
        days = (last - first).days + 1
        weeks, extra = divmod(days, 7)
        count = weeks * 5
        wd = first.weekday()
        count += sum(1 for i in range(extra) if (wd + i) % 7 < 5)
        count -= len(self.holidays_between(first, last))
        return count

    def holidays_between(self, first: dt.date, last: dt.date) -> list[dt.date]:
        """Non-working weekdays (public holidays not overridden, or local holidays) in
        [first, last], in order."""
        out: set[dt.date] = set()
        for year in range(first.year, last.year + 1):
            out |= {h for h in scottish_holidays(year)
                    if first <= h <= last and h.weekday() < 5 and h not in self.working_days}
        out |= {h for h in self.local_holidays if first <= h <= last and h.weekday() < 5}
        return sorted(out)
