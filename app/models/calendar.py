"""STUB working calendar (Monday to Friday only); the real module replaces this at merge."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.models.store import Store


class WorkingCalendar:
    def __init__(self, local_holidays: Iterable[dt.date] = ()) -> None:
        self.holidays = set(local_holidays)

    def is_working_day(self, day: dt.date) -> bool:
        return day.weekday() < 5 and day not in self.holidays

    def add_working_days(self, day: dt.date, n: int) -> dt.date:
        step = 1 if n >= 0 else -1
        left = abs(n)
        while left:
            day += dt.timedelta(days=step)
            if self.is_working_day(day):
                left -= 1
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        count = 0
        day = start
        while day < end:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count

    @classmethod
    def for_store(cls, store: Store) -> WorkingCalendar:
        return cls(d for d, _ in store.local_holidays())
