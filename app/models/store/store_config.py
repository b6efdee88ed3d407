"""The Settings dialog's "For this store" part: store settings, deadline policy and local
holidays, validated and saved in one transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from app.models.errors import ValidationError
from app.models.rules.deadlines import SETTING_INTENSITY_WEEKS, SETTING_REPORT_DAYS_BEFORE
from app.models.store.changes import Changes
from app.models.store.settings import Settings

if TYPE_CHECKING:
    from app.models.store import Store

MAX_HOLIDAY_NAME = 200


def check_deadline_values(intensity_weeks: Mapping[str, Any] | None, report_days_before: Any) -> None:
    """The deadline policy values checked against their declarations (settings.py)."""
    Settings.check({k: v for k, v in ((SETTING_INTENSITY_WEEKS, intensity_weeks),
                                      (SETTING_REPORT_DAYS_BEFORE, report_days_before)) if v is not None})


def check_holidays(holidays: Iterable[tuple[dt.date, str]]) -> list[tuple[dt.date, str]]:
    out: dict[dt.date, str] = {}
    for day, name in holidays:
        if not isinstance(day, dt.date) or isinstance(day, dt.datetime):
            raise ValidationError(f"a local holiday needs a date, not {day!r}")
        clean = " ".join((name or "").split())
        if not clean:
            raise ValidationError(f"the local holiday on {day.strftime('%d/%m/%Y')} needs a name")
        if len(clean) > MAX_HOLIDAY_NAME:
            raise ValidationError(f"a holiday name must be at most {MAX_HOLIDAY_NAME} characters")
        if day in out:
            raise ValidationError(f"{day.strftime('%d/%m/%Y')} is listed twice as a local holiday")
        out[day] = clean
    return sorted(out.items())


def save_store_config(store: Store, settings: Mapping[str, Any],
                      holidays: Iterable[tuple[dt.date, str]] | None = None) -> Changes:
    """Save store settings (None removes one) and, when given, replace the local holidays
    with ``holidays``: all in one transaction, nothing written if anything is invalid."""
    checked = Settings.check(settings)
    wanted = None if holidays is None else dict(check_holidays(holidays))
    with store.transaction() as tx:
        for key, value in checked.items():
            store.settings.put(tx, key, value)
        if wanted is not None:
            store.calendar.replace_holidays(tx, wanted)
        return tx.changes
