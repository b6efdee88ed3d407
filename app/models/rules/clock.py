"""An injectable clock: deadline logic and stamps take "today" from here, tests fix it."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable


class Clock:
    """Wall clock by default; ``Clock.fixed(date)`` for tests and ``--today``."""

    def __init__(self, now: Callable[[], dt.datetime] | None = None) -> None:
        self._now = now or (lambda: dt.datetime.now().astimezone())

    @classmethod
    def fixed(cls, day: dt.date | dt.datetime) -> Clock:
        when = day if isinstance(day, dt.datetime) else dt.datetime.combine(day, dt.time(9, 0))
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        return cls(lambda: when)

    def now(self) -> dt.datetime:
        return self._now()

    def today(self) -> dt.date:
        return self._now().date()


def default_clock() -> Clock:
    """CASEBOOK_TODAY=YYYY-MM-DD fixes the date (demos, screenshots, tests)."""
    fixed = os.environ.get("CASEBOOK_TODAY")
    if fixed:
        return Clock.fixed(dt.date.fromisoformat(fixed))
    return Clock()
