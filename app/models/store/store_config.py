"""The Settings dialog's "For this store" part: store settings, deadline policy and local
holidays, validated and saved in one transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from app.models.errors import ValidationError
from app.models.rules.deadlines import (
    DEFAULT_INTENSITY_WEEKS,
    SETTING_INTENSITY_WEEKS,
    SETTING_REPORT_DAYS_BEFORE,
    DeadlineConfig,
)
from app.models.store import entities as E

if TYPE_CHECKING:
    from app.models.store import Store

MAX_HOLIDAY_NAME = 200


def check_deadline_values(intensity_weeks: Mapping[str, Any] | None, report_days_before: Any) -> None:
    """The same rules as ``deadlines.save_deadline_config`` (a value is valid exactly when
    ``DeadlineConfig.from_values`` keeps it rather than falling back to the default)."""
    if intensity_weeks is not None:
        for level, value in intensity_weeks.items():
            if level not in DEFAULT_INTENSITY_WEEKS:
                raise ValidationError(f"unknown supervision intensity {level!r} (high, medium or low)")
            kept = DeadlineConfig.from_values({level: value}).intensity_weeks[level]
            if kept != value or isinstance(value, bool):
                raise ValidationError(f"weeks between reviews must be a whole number from 1 to 104, not {value!r}")
    if report_days_before is not None:
        probe = DeadlineConfig.from_values(None, report_days_before)
        if probe.report_days_before != report_days_before or isinstance(report_days_before, bool):
            raise ValidationError("report days before a progress review must be a whole number from 0 to 60, "
                                  f"not {report_days_before!r}")


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
                      holidays: Iterable[tuple[dt.date, str]] | None = None) -> None:
    """Save store settings (None removes one) and, when given, replace the local holidays
    with ``holidays``: all in one transaction, nothing written if anything is invalid."""
    check_deadline_values(settings.get(SETTING_INTENSITY_WEEKS), settings.get(SETTING_REPORT_DAYS_BEFORE))
    wanted = None if holidays is None else dict(check_holidays(holidays))
    with store._tx() as s:
        for key, value in settings.items():
            row = s.get(E.StoreSetting, key)
            if key == SETTING_INTENSITY_WEEKS and value is not None:
                value = {**DEFAULT_INTENSITY_WEEKS, **(row.value if row is not None and isinstance(row.value, dict)
                                                       else {}), **value}
            if value is None:
                if row is None:
                    continue
                s.delete(row)
            elif row is None:
                s.add(E.StoreSetting(key=key, value=value))
            elif row.value == value:
                continue
            else:
                row.value = value
            store._audit(s, "update", "setting", key)
        if wanted is None:
            return
        for h in s.scalars(select(E.LocalHoliday)).all():
            if h.day not in wanted:
                s.delete(h)
                store._audit(s, "update", "local_holiday", h.day.isoformat(), "removed")
            elif h.name != wanted[h.day]:
                h.name = wanted.pop(h.day)
                store._audit(s, "update", "local_holiday", h.day.isoformat())
            else:
                wanted.pop(h.day)
        for day, name in wanted.items():
            s.add(E.LocalHoliday(day=day, name=name))
            store._audit(s, "update", "local_holiday", day.isoformat(), "added")
