"""Appointments -> an iCalendar file (RFC 5545, with ``icalendar``) a council Outlook can import
or subscribe to.

Only the case reference, the kind, the time and the place leave the store: never the person's
name, never a note, an absence reason or what to bring.  A home visit's place is the person's
home, so its location is written as "Home visit" and the address stays in Casebook.  Events
carry a stable UID (case reference + appointment id), so re-importing an updated file updates
the event; rescheduled and cancelled appointments are written with STATUS:CANCELLED.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

from app.models.rules.appointments import kind_label

TZ = ZoneInfo("Europe/London")
PRODID = "-//Casebook//Appointments//EN"
HOME_VISIT_LOCATION = "Home visit"


def calendar_bytes(rows: Iterable[object], now: dt.datetime | None = None) -> bytes:
    """``rows``: ``AppointmentRow``s (``store.appointments.between``).  Their ``name`` is never read."""
    from icalendar import Calendar, Event  # loaded on the first export, not at start

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", "Casebook appointments")
    cal.add_component(_london())
    stamp = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    for row in rows:
        case: str = row.case  # type: ignore[attr-defined]
        appt_id: str = row.id  # type: ignore[attr-defined]
        kind: str = row.kind  # type: ignore[attr-defined]
        start = row.starts_at.replace(tzinfo=TZ)  # type: ignore[attr-defined]
        event = Event()
        uid = hashlib.sha256(f"{case}\x00{appt_id}".encode()).hexdigest()[:24]
        event.add("uid", f"{uid}@casebook")
        event.add("dtstamp", stamp)
        event.add("dtstart", start)
        event.add("dtend", start + dt.timedelta(minutes=int(row.duration_minutes)))  # type: ignore[attr-defined]
        event.add("summary", f"{case}: {kind_label(kind)}")
        place = HOME_VISIT_LOCATION if kind == "home_visit" else (row.place or "")  # type: ignore[attr-defined]
        if place:
            event.add("location", place)
        outcome = row.outcome  # type: ignore[attr-defined]
        event.add("status", "CANCELLED" if outcome in ("rescheduled", "cancelled_by_service") else "CONFIRMED")
        event.add("transp", "OPAQUE")
        cal.add_component(event)
    return bytes(cal.to_ical())


def _london() -> Any:
    """Europe/London as Outlook writes it: GMT, and BST from the last Sunday in March to the
    last Sunday in October (one rule each, not a list of dates)."""
    from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

    tz = Timezone()
    tz.add("tzid", "Europe/London")
    std = TimezoneStandard()
    std.add("dtstart", dt.datetime(1970, 10, 25, 2, 0))
    std.add("rrule", {"freq": "yearly", "bymonth": 10, "byday": "-1su"})
    std.add("tzoffsetfrom", dt.timedelta(hours=1))
    std.add("tzoffsetto", dt.timedelta(hours=0))
    std.add("tzname", "GMT")
    day = TimezoneDaylight()
    day.add("dtstart", dt.datetime(1970, 3, 29, 1, 0))
    day.add("rrule", {"freq": "yearly", "bymonth": 3, "byday": "-1su"})
    day.add("tzoffsetfrom", dt.timedelta(hours=0))
    day.add("tzoffsetto", dt.timedelta(hours=1))
    day.add("tzname", "BST")
    tz.add_component(std)
    tz.add_component(day)
    return tz
