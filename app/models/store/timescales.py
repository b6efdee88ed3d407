"""Store parts for the timescales (issue 18): closing due items that no other record closes,
and the service's own calendar.

``store.timescales``: say which scheduled departmental review a review is; record a court
progress review report as submitted; record a victim safety plan review as held (with the
next review date).  ``store.calendar``: local holidays (days off on top of Scottish public
holidays) and local working days (Scottish public holidays the service works on).

Every writer is one transaction (``store.transaction()``), validated first, audited, and
returns the ``Changes`` it made; nothing is written when anything is wrong.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from app.models.errors import NotFoundError, ValidationError
from app.models.rules.calendar import scottish_holiday_names
from app.models.rules.dates import show
from app.models.rules.deadlines import (
    assign_departmental,
    departmental_choices,
    facts_from_case,
)
from app.models.store import bundle as B
from app.models.store import entities as E
from app.models.store.changes import Changes

if TYPE_CHECKING:  # pragma: no cover
    from app.models.store.facade import Store

MAX_NAME = 200


@dataclass(frozen=True)
class DepartmentalReviewRow:
    """One departmental review of a case and the scheduled review it is."""

    index: int                    # position in the case's reviews list
    held_on: dt.date
    chosen_months: int | None     # what the officer said (None: the default applies)
    months: int | None            # the scheduled review it counts as (chosen or default)
    due_on: dt.date | None        # that scheduled review's date
    label: str                    # "Departmental review (6 months, due 15/07/2026)" or why none


def departmental_rows(case: dict[str, Any], today: dt.date | None = None) -> list[DepartmentalReviewRow]:
    """Each departmental review of a bundle-format case with the scheduled review it counts
    as (reviews dated after ``today`` are listed but count as nothing yet)."""
    facts = facts_from_case(case)
    choices = departmental_choices(facts)
    dues = [d for _m, d, _l in choices]
    months = [m for m, _d, _l in choices]
    rows = [(i, held, r.get("scheduled_review_months")) for i, r in enumerate(case.get("reviews", []))
            if r.get("kind") == "departmental" for held in [dt.date.fromisoformat(r["held_on"])]]
    counted = [(i, held, chosen) for i, held, chosen in rows
               if held >= facts.imposed_on and (today is None or held <= today)]
    slots = assign_departmental(dues, months, [(held, chosen) for _i, held, chosen in counted])
    slot_of = {i: k for (i, _h, _c), k in zip(counted, slots, strict=True)}
    out = []
    for i, held, chosen in rows:
        k = slot_of.get(i)
        if k is not None:
            label = f"Departmental review ({months[k]} months, due {show(dues[k])})"
        elif held < facts.imposed_on:
            label = "held before the order was imposed: counts as no scheduled review"
        elif today is not None and held > today:
            label = "dated after today: counts once its date has come"
        elif chosen is not None:
            label = f"{chosen} months is not in this order's schedule: counts as no scheduled review"
        else:
            label = "every scheduled review is already met: counts as no scheduled review"
        out.append(DepartmentalReviewRow(i, held, chosen, None if k is None else months[k],
                                         None if k is None else dues[k], label))
    return out


class Timescales:
    """``store.timescales``: records that close due items (see the module docstring)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def departmental_reviews(self, ref: str) -> list[DepartmentalReviewRow]:
        store = self._store
        return departmental_rows(store.get_case(ref), store.clock.today())

    def set_scheduled_review(self, ref: str, index: int, months: int | None) -> Changes:
        """Say which scheduled departmental review (months after imposition) review ``index``
        is; None goes back to the default."""
        if months is not None and (isinstance(months, bool) or not isinstance(months, int)
                                   or not B.scheduled_review_months_ok(months) or months > 144):
            raise ValidationError(f"departmental reviews are scheduled at 3 and 6 months, then every 6 months "
                                  f"up to 144, not at {months!r} months")
        with self._store.transaction() as tx:
            case = tx.case(ref)
            review = tx.session.scalar(select(E.Review).where(E.Review.case_id == case.id,
                                                               E.Review.position == index))
            if review is None:
                raise NotFoundError(f"no review {index} in {ref}")
            if review.kind != "departmental":
                raise ValidationError(f"review {index} of {ref} is not a departmental review")
            if review.scheduled_review_months != months:
                review.scheduled_review_months = months
                case.updated_at = self._store.clock.now()
                tx.audit("update", "review", ref, f"#{index} scheduled")
                tx.touched(ref, "reviews")
            return tx.changes

    def record_report_submitted(self, ref: str, hearing_on: dt.date, submitted_on: dt.date | None) -> Changes:
        """Record the report for the court progress review on ``hearing_on`` as submitted on
        ``submitted_on`` (None: not submitted after all)."""
        today = self._store.clock.today()
        if submitted_on is not None and submitted_on > today:
            raise ValidationError(f"a report can only be recorded as submitted once it has been: "
                                  f"{show(submitted_on)} is after today")
        with self._store.transaction() as tx:
            case = tx.case(ref)
            order = tx.session.scalar(select(E.Order).where(E.Order.case_id == case.id))
            assert order is not None
            hearing = hearing_on.isoformat()
            if hearing not in (order.progress_reviews or []):
                raise ValidationError(f"{ref} has no court progress review on {show(hearing_on)}")
            reports = [r for r in (order.progress_review_reports or []) if r.get("hearing_on") != hearing]
            if submitted_on is not None:
                reports.append({"hearing_on": hearing, "submitted_on": submitted_on.isoformat()})
                reports.sort(key=lambda r: r["hearing_on"])
            new = reports or None
            if new != order.progress_review_reports:
                order.progress_review_reports = new
                case.updated_at = self._store.clock.now()
                tx.audit("update", "order", ref, f"progress review report {hearing}")
                tx.touched(ref, "order")
            return tx.changes

    def record_safety_plan_review(self, ref: str, flag_index: int, reviewed_on: dt.date,
                                  next_review_on: dt.date | None) -> Changes:
        """Record that victim safety plan ``flag_index`` was reviewed on ``reviewed_on``, with
        the next review date set at it (None: no further review set)."""
        today = self._store.clock.today()
        if reviewed_on > today:
            raise ValidationError(f"a review can only be recorded once it has been held: {show(reviewed_on)} "
                                  "is after today")
        if next_review_on is not None and next_review_on <= reviewed_on:
            raise ValidationError("the next review must be after the review it was set at")
        with self._store.transaction() as tx:
            case = tx.case(ref)
            flag = tx.session.scalar(select(E.Flag).where(E.Flag.case_id == case.id, E.Flag.position == flag_index))
            if flag is None:
                raise NotFoundError(f"no flag {flag_index} in {ref}")
            if flag.kind != "victim_safety_plan":
                raise ValidationError(f"flag {flag_index} of {ref} is not a victim safety plan")
            entry: dict[str, Any] = {"reviewed_on": reviewed_on.isoformat()}
            if next_review_on is not None:
                entry["next_review_on"] = next_review_on.isoformat()
            reviews = [r for r in (flag.reviews or []) if r.get("reviewed_on") != entry["reviewed_on"]]
            reviews.append(entry)
            reviews.sort(key=lambda r: r["reviewed_on"])
            flag.reviews = reviews
            case.updated_at = self._store.clock.now()
            tx.audit("update", "flag", ref, f"#{flag_index} safety plan reviewed")
            tx.touched(ref, "flags")
            return tx.changes


@dataclass(frozen=True)
class CalendarDay:
    day: dt.date
    kind: str   # "holiday" (a local day off) or "working" (a public holiday worked)
    name: str


class LocalCalendar:
    """``store.calendar``: the service's local holidays and working-day overrides."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def days(self) -> list[CalendarDay]:
        """Local holidays and working days, in date order."""
        with self._store.transaction() as tx:
            s = tx.session
            out = [CalendarDay(h.day, "holiday", h.name) for h in s.scalars(select(E.LocalHoliday))]
            out += [CalendarDay(w.day, "working", w.name) for w in s.scalars(select(E.LocalWorkingDay))]
        return sorted(out, key=lambda d: d.day)

    def working_days(self) -> list[tuple[dt.date, str]]:
        with self._store.transaction() as tx:
            return [(w.day, w.name) for w in tx.session.scalars(select(E.LocalWorkingDay)
                                                                .order_by(E.LocalWorkingDay.day))]

    def add_holiday(self, day: dt.date, name: str) -> Changes:
        """A local holiday (a day off for the service); renames one already there."""
        clean = _name(name, day)
        if day.weekday() >= 5:
            raise ValidationError(f"{show(day)} is a {day:%A}: weekends are never working days already")
        with self._store.transaction() as tx:
            s = tx.session
            if s.get(E.LocalWorkingDay, day) is not None:
                raise ValidationError(f"{show(day)} is marked as a working day: remove that first")
            existing = s.get(E.LocalHoliday, day)
            if existing is None:
                s.add(E.LocalHoliday(day=day, name=clean))
            elif existing.name == clean:
                return tx.changes
            else:
                existing.name = clean
            tx.audit("update", "local_holiday", day.isoformat(), "added")
            tx.changes.calendar = True
            return tx.changes

    def add_working_day(self, day: dt.date, name: str | None = None) -> Changes:
        """Work on a Scottish public holiday: it counts as a working day for this service."""
        public = scottish_holiday_names(day.year).get(day)
        if public is None:
            raise ValidationError(f"{show(day)} is not a Scottish public holiday, so it is a working day already"
                                  if day.weekday() < 5 else f"{show(day)} is a {day:%A}, not a public holiday")
        if day.weekday() >= 5:
            raise ValidationError(f"{show(day)} is a {day:%A}: weekends are not working days")
        clean = _name(name or f"Working day ({public})", day)
        with self._store.transaction() as tx:
            s = tx.session
            if s.get(E.LocalHoliday, day) is not None:
                raise ValidationError(f"{show(day)} is a local holiday: remove that first")
            existing = s.get(E.LocalWorkingDay, day)
            if existing is None:
                s.add(E.LocalWorkingDay(day=day, name=clean))
            elif existing.name == clean:
                return tx.changes
            else:
                existing.name = clean
            tx.audit("update", "local_working_day", day.isoformat(), "added")
            tx.changes.calendar = True
            return tx.changes

    def remove(self, day: dt.date) -> Changes:
        """Remove the local holiday or working day on ``day`` (an error if there is neither)."""
        with self._store.transaction() as tx:
            s = tx.session
            found = False
            for cls, entity in ((E.LocalHoliday, "local_holiday"), (E.LocalWorkingDay, "local_working_day")):
                row = s.get(cls, day)
                if row is not None:
                    s.delete(row)
                    tx.audit("update", entity, day.isoformat(), "removed")
                    found = True
            if not found:
                raise NotFoundError(f"no local holiday or working day on {show(day)}")
            tx.changes.calendar = True
            return tx.changes


def _name(name: str | None, day: dt.date) -> str:
    clean = " ".join((name or "").split())
    if not clean:
        raise ValidationError(f"the local holiday on {show(day)} needs a name")
    if len(clean) > MAX_NAME:
        raise ValidationError(f"a name must be at most {MAX_NAME} characters")
    return clean
