"""Store part ``store.appointments``: book appointments, record outcomes, take enforcement steps.

Every mutator is one transaction on the public ``store.transaction()`` Tx and returns what it
changed (``Changes``, or a ``Booked`` with ``.changes``).  Input is bundle-shaped dicts
(``$defs/appointment`` of the case bundle schema); the rules are in
``app.models.rules.appointments``.  Bad input raises ``ValidationError`` and stores nothing;
an appointment that only needs confirming (before the order, after its end, overlapping
another) raises ``NeedsConfirmation`` unless ``confirm=True``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from app.models.errors import NotFoundError, ValidationError
from app.models.rules import appointments as R
from app.models.rules.calendar import WorkingCalendar
from app.models.store import bundle as B
from app.models.store import entities as E
from app.models.store.changes import Changes

if TYPE_CHECKING:
    from app.models.store.facade import Store, Tx

LIST = "appointments"
ENFORCEMENT = "enforcement"


class NeedsConfirmation(ValidationError):
    """The appointment is valid but unusual: the officer confirms (``confirm=True``) or changes it."""

    def __init__(self, warnings: tuple[str, ...]) -> None:
        super().__init__("check before saving: " + "; ".join(warnings))
        self.warnings = warnings


@dataclass(slots=True)
class Booked:
    """What a booking or an outcome changed, and the ids it gave."""

    changes: Changes
    id: str
    new_id: str | None = None  # the new appointment of a rescheduling
    note_index: int | None = None  # the contact note created on attending
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AppointmentRow:
    """One appointment across the caseload (Today / This week, calendar export)."""

    case: str
    name: str  # for the screen only: never written to a calendar file
    id: str
    date: dt.date
    start: str
    duration_minutes: int
    kind: str
    place: str
    with_whom: str
    outcome: str | None

    @property
    def starts_at(self) -> dt.datetime:
        hh, mm = (int(x) for x in self.start.split(":"))
        return dt.datetime.combine(self.date, dt.time(hh, mm))


class Appointments:
    def __init__(self, store: Store) -> None:
        self.store = store

    # ------------------------------------------------------------------ reading
    def of_case(self, ref: str) -> list[dict[str, Any]]:
        """The case's appointments (bundle dicts) in booking order."""
        with self.store.transaction() as tx:
            case = tx.case(ref)
            return [B.dump(a, B.APPOINTMENT) for a in _appts(tx, case)]

    def get(self, ref: str, appt_id: str) -> dict[str, Any]:
        with self.store.transaction() as tx:
            return B.dump(_find(tx, tx.case(ref), appt_id), B.APPOINTMENT)

    def enforcement(self, ref: str) -> list[dict[str, Any]]:
        with self.store.transaction() as tx:
            case = tx.case(ref)
            rows = tx.session.scalars(select(E.EnforcementAction).where(E.EnforcementAction.case_id == case.id)
                                      .order_by(E.EnforcementAction.position))
            return [B.dump(e, B.ENFORCEMENT) for e in rows]

    def between(self, first: dt.date, last: dt.date, *, awaiting_before: dt.date | None = None
                ) -> list[AppointmentRow]:
        """Every appointment from ``first`` to ``last`` inclusive across the caseload, in time order;
        with ``awaiting_before``, also those before that day still without an outcome."""
        sql = ("SELECT c.reference, i.given_names || ' ' || i.family_name, a.appt_key, a.date, a.start, "
               "a.duration_minutes, a.kind, a.place, a.with_whom, a.outcome "
               "FROM appointments a JOIN cases c ON c.id = a.case_id JOIN individuals i ON i.case_id = c.id "
               "WHERE ((a.date >= ? AND a.date <= ?)")
        params: list[Any] = [first.isoformat(), last.isoformat()]
        if awaiting_before is not None:
            sql += " OR (a.date < ? AND a.outcome IS NULL)"
            params.append(awaiting_before.isoformat())
        # a case handed over and accepted elsewhere is off the work lists (its copy is read-only)
        sql += (") AND c.id NOT IN (SELECT case_id FROM case_custody WHERE state = 'transferred' "
                "AND case_id IS NOT NULL) ORDER BY a.date, a.start, c.reference")
        with self.store.transaction() as tx:
            rows = tx.execute_raw(sql, params).fetchall()
        return [AppointmentRow(ref, name, key, dt.date.fromisoformat(day), start, int(minutes), kind,
                               place or "", whom or "", outcome)
                for ref, name, key, day, start, minutes, kind, place, whom, outcome in rows]

    def policy(self) -> R.EnforcementPolicy:
        return R.EnforcementPolicy.from_values(self.store.settings.get_many([k for k, *_ in R.POLICY_SETTINGS]))

    def set_policy(self, values: dict[str, Any]) -> Changes:
        """Store enforcement policy values (None restores a default); all checked first."""
        known = {k for k, *_ in R.POLICY_SETTINGS}
        for key in values:
            if key not in known:
                raise ValidationError(f"unknown enforcement setting {key!r}")
        return self.store.settings.update(values)

    def position(self, ref: str, today: dt.date | None = None) -> R.Position:
        """Where the case is in the warning/breach process (failures up to today)."""
        case = self.store.get_case(ref)
        cal = WorkingCalendar.for_store(self.store)
        return R.case_position(case, self.policy(), cal.add_working_days, today or self.store.clock.today())

    # ------------------------------------------------------------------ writing
    def book(self, ref: str, appt: dict[str, Any], *, confirm: bool = False) -> Booked:
        """Add an appointment (an id is given when it has none)."""
        with self.store.transaction() as tx:
            case = tx.case(ref)
            existing = _appts(tx, case)
            item = dict(appt)
            item.setdefault("id", R.next_id(B.dump(a, B.APPOINTMENT) for a in existing))
            item.setdefault("duration_minutes", R.DEFAULT_DURATION)
            warnings = self._check(tx, case, item, existing, confirm)
            self._add(tx, case, item, existing)
            tx.audit("create", "appointment", ref, item["id"])
        return Booked(tx.changes, item["id"], warnings=warnings)

    def update(self, ref: str, appt_id: str, appt: dict[str, Any], *, confirm: bool = False) -> Booked:
        """Replace an appointment's details (its id stays)."""
        with self.store.transaction() as tx:
            case = tx.case(ref)
            existing = _appts(tx, case)
            old = _find(tx, case, appt_id)
            item = {**appt, "id": appt_id}
            warnings = self._check(tx, case, item, [a for a in existing if a is not old], confirm)
            B.fill(old, B.APPOINTMENT, item)
            case.updated_at = self.store.clock.now()
            tx.touched(ref, LIST)
            tx.audit("update", "appointment", ref, appt_id)
        return Booked(tx.changes, appt_id, warnings=warnings)

    def delete(self, ref: str, appt_id: str) -> Changes:
        """Remove a booking made in error (never one another record refers to)."""
        with self.store.transaction() as tx:
            case = tx.case(ref)
            old = _find(tx, case, appt_id)
            others = _appts(tx, case)
            if any(a.rescheduled_to == appt_id for a in others):
                raise ValidationError(f"appointment {appt_id} is the rescheduled date of another; "
                                      "record that one's outcome differently first")
            if tx.session.scalar(select(E.EnforcementAction.id).where(
                    E.EnforcementAction.case_id == case.id, E.EnforcementAction.failure == appt_id)):
                raise ValidationError(f"appointment {appt_id} is answered by a warning or breach step; "
                                      "it cannot be deleted")
            position = old.position
            tx.session.delete(old)
            tx.session.flush()
            for a in others:
                if a.position > position:
                    a.position -= 1
            case.updated_at = self.store.clock.now()
            tx.touched(ref, LIST)
            tx.audit("delete", "appointment", ref, appt_id)
        return tx.changes

    def record_outcome(self, ref: str, appt_id: str, outcome: str, *, reason: str | None = None,
                       note_text: str | None = None, note_sensitivity: str | None = None,
                       new_appointment: dict[str, Any] | None = None, confirm: bool = False) -> Booked:
        """Record what happened at an appointment, in one transaction:

        - ``attended`` (or ``failed_to_comply``): with ``note_text`` the contact note is created
          too (dated the appointment's day, of the matching note kind);
        - ``acceptable_absence`` (``reason`` required) or ``unacceptable_absence``;
        - ``rescheduled``: ``new_appointment`` is booked and linked from this one;
        - ``cancelled_by_service``."""
        if outcome not in R.OUTCOMES:
            raise ValidationError(f"{outcome!r} is not one of: {', '.join(R.OUTCOMES)}")
        if outcome == "rescheduled" and not new_appointment:
            raise ValidationError("a rescheduled appointment needs the new date and time")
        if note_text is not None and outcome not in R.ATTENDED_OUTCOMES:
            raise ValidationError("a contact note is created only when the person attended")
        with self.store.transaction() as tx:
            case = tx.case(ref)
            existing = _appts(tx, case)
            old = _find(tx, case, appt_id)
            item = B.dump(old, B.APPOINTMENT)
            item["outcome"] = outcome
            item["outcome_recorded_on"] = self.store.clock.today().isoformat()
            if reason and reason.strip():
                item["absence_reason"] = reason.strip()
            else:
                item.pop("absence_reason", None)
            item.pop("rescheduled_to", None)
            warnings: tuple[str, ...] = ()
            new_id = None
            others = [B.dump(a, B.APPOINTMENT) for a in existing if a is not old]
            if new_appointment:
                new = dict(new_appointment)
                new.setdefault("id", R.next_id(B.dump(a, B.APPOINTMENT) for a in existing))
                for key in ("kind", "place", "with_whom", "bring", "duration_minutes"):
                    if key not in new and key in item:
                        new[key] = item[key]
                for key in ("outcome", "outcome_recorded_on", "absence_reason", "rescheduled_to"):
                    new.pop(key, None)
                new_id = new["id"]
                item["rescheduled_to"] = new_id
                warnings = self._check(tx, case, new, [a for a in existing if a is not old], confirm,
                                       prefix="$.new_appointment")
                others.append(new)
            B.check(item, "appointment")
            check = R.check_appointment(item, others, _order(case), self.store.clock.today())
            if check.errors:
                raise ValidationError(*check.errors[0])
            B.fill(old, B.APPOINTMENT, item)
            if new_appointment:
                self._add(tx, case, new, existing)
                tx.audit("create", "appointment", ref, new_id)
            note_index = None
            if note_text is not None:
                note_index = self._add_note(tx, case, old, note_text, note_sensitivity)
            case.updated_at = self.store.clock.now()
            tx.touched(ref, LIST)
            tx.audit("update", "appointment", ref, f"{appt_id} outcome {outcome}")
        return Booked(tx.changes, appt_id, new_id=new_id, note_index=note_index, warnings=warnings)

    def record_step(self, ref: str, step: str, *, day: dt.date | None = None, failure: str | None = None,
                    details: str | None = None) -> Changes:
        """Record a step of the warning/breach process (a warning letter sent, a breach decided
        or reported), answering the failure ``failure`` (an appointment id) or the next one."""
        if step not in R.STEPS:
            raise ValidationError(f"{step!r} is not one of: {', '.join(R.STEPS)}")
        day = day or self.store.clock.today()
        if day > self.store.clock.today():
            raise ValidationError("an enforcement step cannot be dated in the future")
        with self.store.transaction() as tx:
            case = tx.case(ref)
            if failure is not None:
                target = _find(tx, case, failure)
                if target.outcome not in R.FAILURE_OUTCOMES:
                    raise ValidationError(f"appointment {failure} is not recorded as a failure to comply")
                if day < target.date:
                    raise ValidationError("a step cannot be dated before the failure it answers")
            item: dict[str, Any] = {"date": day.isoformat(), "step": step}
            if failure is not None:
                item["failure"] = failure
            if details:
                item["details"] = details
            B.check(item, "enforcement_action")
            pos = int(tx.session.scalar(select(func.coalesce(func.max(E.EnforcementAction.position) + 1, 0))
                                        .where(E.EnforcementAction.case_id == case.id)) or 0)
            obj = B.fill(E.EnforcementAction(position=pos, case_id=case.id), B.ENFORCEMENT, item)
            tx.session.add(obj)
            _present(case, ENFORCEMENT)
            case.updated_at = self.store.clock.now()
            tx.touched(ref, ENFORCEMENT)
            tx.audit("create", "enforcement", ref, step)
        return tx.changes

    # ------------------------------------------------------------------ internals
    def _check(self, tx: Tx, case: E.Case, item: dict[str, Any], others: list[E.Appointment], confirm: bool,
               prefix: str = "$") -> tuple[str, ...]:
        B.check(item, "appointment", prefix)
        other_dicts = [B.dump(a, B.APPOINTMENT) for a in others]
        if any(o["id"] == item["id"] for o in other_dicts):
            raise ValidationError(f"appointment id {item['id']!r} is already used in this case", prefix + ".id")
        check = R.check_appointment(item, other_dicts, _order(case), self.store.clock.today())
        if check.errors:
            message, path = check.errors[0]
            raise ValidationError(message, prefix + path[1:])
        if check.warnings and not confirm:
            raise NeedsConfirmation(check.warnings)
        return check.warnings

    def _add(self, tx: Tx, case: E.Case, item: dict[str, Any], existing: list[E.Appointment]) -> None:
        pos = max((a.position for a in existing), default=-1) + 1
        obj = B.fill(E.Appointment(position=pos, case_id=case.id), B.APPOINTMENT, item)
        tx.session.add(obj)
        existing.append(obj)
        _present(case, LIST)
        case.updated_at = self.store.clock.now()
        tx.touched(case.reference, LIST)

    def _add_note(self, tx: Tx, case: E.Case, appt: E.Appointment, text: str, sensitivity: str | None) -> int:
        note: dict[str, Any] = {"date": appt.date.isoformat(), "kind": R.NOTE_KIND_FOR.get(appt.kind, "other"),
                                "text": text}
        if sensitivity:
            note["sensitivity"] = sensitivity
        if not text.strip():
            raise ValidationError("the contact note is empty", "$.note")
        B.check(note, "note", "$.note")
        pos = int(tx.session.scalar(select(func.coalesce(func.max(E.Note.position) + 1, 0))
                                    .where(E.Note.case_id == case.id)) or 0)
        obj = B.build_item("notes", note, pos)
        obj.case_id = case.id
        tx.session.add(obj)
        _present(case, "notes")
        tx.touched(case.reference, "notes")
        tx.audit("create", "note", case.reference, f"#{pos}")
        return pos


def _appts(tx: Tx, case: E.Case) -> list[E.Appointment]:
    return list(tx.session.scalars(select(E.Appointment).where(E.Appointment.case_id == case.id)
                                   .order_by(E.Appointment.position)))


def _find(tx: Tx, case: E.Case, appt_id: str) -> E.Appointment:
    obj = tx.session.scalar(select(E.Appointment).where(E.Appointment.case_id == case.id,
                                                        E.Appointment.appt_key == appt_id))
    if obj is None:
        raise NotFoundError(f"no appointment {appt_id!r} in case {case.reference}")
    return obj


def _order(case: E.Case) -> dict[str, Any]:
    return {"imposed_on": case.order.imposed_on.isoformat(),
            "ends_on": case.order.ends_on.isoformat() if case.order.ends_on else None}


def _present(case: E.Case, key: str) -> None:
    if key not in (case.lists_present or []):
        case.lists_present = [*(case.lists_present or []), key]
