"""Dates as people read and type them, and the few date sums the rules use: one place.

- ``show``: a date (or ISO text) -> "dd/mm/yyyy" ('' when absent); ``show_cached`` for hot loops.
- ``parse``: what an officer types -> ISO: dd/mm/yyyy (or - .), a two-digit year ("2/12/26"),
  "today", "tomorrow", "yesterday", "+7" / "-3" days or "+2w" weeks from today, or ISO.
- ``parse_dmy_or_iso``: the command line's stricter form (YYYY-MM-DD or dd/mm/yyyy).
- ``iso_date``: a stored value (ISO text, date or datetime) -> date, None when absent or unreadable.
- ``age_on``: whole years on a day; ``add_months``: calendar months, clamped to a shorter month.
"""

from __future__ import annotations

import calendar as _stdcal
import datetime as dt
import re
from functools import lru_cache
from typing import Any

DISPLAY_FORMAT = "%d/%m/%Y"
TWO_DIGIT_YEARS_AHEAD = 20  # "2/12/26" is 2026; "3/4/85" is 1985
_DMY = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})\s*$")
_DMY_FULL = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_RELATIVE = re.compile(r"^\s*([+-])\s*(\d{1,4})\s*([dw]?)\s*$", re.IGNORECASE)


def iso_date(value: Any) -> dt.date | None:
    """A stored date (ISO text, a date or a datetime) -> date; None when absent or not a date."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def show(value: dt.date | str | None) -> str:
    """A date or ISO date text -> dd/mm/yyyy; '' when absent."""
    if value is None or value == "":
        return ""
    if not isinstance(value, dt.date):
        value = dt.date.fromisoformat(str(value)[:10])
    elif isinstance(value, dt.datetime):
        value = value.date()
    return value.strftime(DISPLAY_FORMAT)


@lru_cache(maxsize=8192)
def show_cached(day: dt.date) -> str:
    """``show`` for the due-item loops (the same few thousand dates over and over)."""
    return day.strftime(DISPLAY_FORMAT)


def parse(text: str, today: dt.date) -> str | None:
    """A typed date -> ISO text (see the module docstring); '' -> None; ValueError (one line)
    if it is not a date."""
    text = text.strip()
    if not text:
        return None
    word = text.lower()
    if word in ("today", "t"):
        return today.isoformat()
    if word in ("tomorrow", "yesterday"):
        return (today + dt.timedelta(days=1 if word == "tomorrow" else -1)).isoformat()
    rel = _RELATIVE.match(text)
    if rel:
        n = int(rel[2]) * (7 if rel[3].lower() == "w" else 1)
        return (today + dt.timedelta(days=n if rel[1] == "+" else -n)).isoformat()
    m = _DMY.match(text)
    try:
        if m:
            year = int(m[3])
            if len(m[3]) == 2:
                year += 2000
                if year > today.year + TWO_DIGIT_YEARS_AHEAD:
                    year -= 100
            day = dt.date(year, int(m[2]), int(m[1]))
        else:
            day = dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a date (dd/mm/yyyy, today or +7)") from None
    return day.isoformat()


def parse_dmy_or_iso(text: str) -> dt.date:
    """YYYY-MM-DD or dd/mm/yyyy (surrounding spaces ignored); ValueError otherwise."""
    text = text.strip()
    m = _DMY_FULL.match(text)
    if m:
        return dt.date(int(m[3]), int(m[2]), int(m[1]))
    return dt.date.fromisoformat(text)


def age_on(born: dt.date, day: dt.date) -> int:
    """Whole years of age on ``day``."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


@lru_cache(maxsize=65536)
def add_months(day: dt.date, months: int) -> dt.date:
    """Calendar months later (or earlier), clamped to the end of a shorter month:
    30 November + 3 months is 28 February (29 in a leap year); 31 August + 6 months is 28/29 February.
    Cached: a caseload asks for the same few thousand (date, months) pairs over and over."""
    index = day.year * 12 + (day.month - 1) + months
    year, month0 = divmod(index, 12)
    last = _stdcal.monthrange(year, month0 + 1)[1]
    return dt.date(year, month0 + 1, min(day.day, last))
