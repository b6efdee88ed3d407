"""Appointments, outcomes and enforcement on a real encrypted store (issue 17, core)."""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar
from pypdf import PdfReader

from app.models.errors import NotFoundError, ValidationError
from app.models.rules.calendar import WorkingCalendar
from app.models.rules.clock import Clock
from app.models.rules.deadlines import case_due, caseload_due
from app.models.store import Store, migrations
from app.models.store.appointments import NeedsConfirmation
from app.reports.ics import calendar_bytes
from app.reports.render import record_export, render_document
from tests.conftest import DATA, PASSPHRASE
from tests.helpers import run_cli

TODAY = dt.date(2026, 11, 23)  # a Monday; St Andrew's Day (Monday 30 November 2026) is a holiday
REF = "CPO-2026-0001"
SECRET = "Partner says he threatened her at the weekend"


def _bundle() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / "example-bundle.json").read_text(encoding="utf-8"))
    case = data["cases"][0]
    case["order"]["imposed_on"] = "2026-11-16"
    case["notes"] = []
    return data


@pytest.fixture
def appt_store(store: Store) -> Store:
    store.import_bundle(_bundle())
    return store


def _pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)


def test_book_attend_creates_note_and_meets_first_meeting(appt_store: Store) -> None:
    A = appt_store.appointments
    booked = A.book(REF, {"date": "2026-11-18", "start": "10:00", "duration_minutes": 45, "kind": "office",
                          "place": "Leith office"})
    assert booked.id == "A1" and booked.changes.lists[REF] == {"appointments"}
    cal = WorkingCalendar.for_store(appt_store)
    first = [i for i in case_due(appt_store.get_case(REF), TODAY, cal)[0] if i.kind == "first_meeting"][0]
    assert first.status == "open"
    done = A.record_outcome(REF, "A1", "attended", note_text="Went through the order and the contract.")
    assert done.note_index == 0 and done.changes.lists[REF] == {"appointments", "notes"}
    case = appt_store.get_case(REF)
    assert case["notes"] == [{"date": "2026-11-18", "kind": "office",
                              "text": "Went through the order and the contract."}]
    assert case["appointments"][0]["outcome"] == "attended"
    items, _ = caseload_due(appt_store, TODAY)
    first = [i for i in items if i.kind == "first_meeting"][0]
    assert (first.status, first.done_on) == ("done", dt.date(2026, 11, 18))


def test_attended_appointment_counts_for_first_meeting_without_a_note(appt_store: Store) -> None:
    A = appt_store.appointments
    A.book(REF, {"date": "2026-11-19", "start": "11:00", "kind": "home_visit"})
    A.record_outcome(REF, "A1", "attended")
    items, _ = caseload_due(appt_store, TODAY)
    single, _ = case_due(appt_store.get_case(REF), TODAY, WorkingCalendar.for_store(appt_store))
    assert items == single  # the caseload path and the one-case path agree
    assert [i.done_on for i in items if i.kind == "first_meeting"] == [dt.date(2026, 11, 19)]


def test_failure_warning_due_in_working_days_across_holiday_then_met_by_letter(appt_store: Store) -> None:
    A = appt_store.appointments
    A.book(REF, {"date": "2026-11-23", "start": "09:30", "kind": "office", "place": "Leith office"})
    A.record_outcome(REF, "A1", "unacceptable_absence")
    items, _ = caseload_due(appt_store, TODAY)
    letter = [i for i in items if i.kind == "warning_letter"]
    # 5 working days from Mon 23/11: 24, 25, 26, 27, (weekend, St Andrew's Day 30/11), 1/12.
    assert [(i.due_on, i.status) for i in letter] == [(dt.date(2026, 12, 1), "open")]
    assert "First warning letter" in letter[0].label
    assert A.position(REF).next_step.kind == "warning_letter"  # type: ignore[union-attr]
    pdf = render_document(appt_store, "warning_letter", REF, for_individual=True)
    assert "first warning" in _pdf_text(pdf).lower()
    changes = record_export(appt_store, "warning_letter", REF, for_individual=True)
    assert changes is not None and REF in changes.cases
    items, _ = caseload_due(appt_store, TODAY)
    letter = [i for i in items if i.kind == "warning_letter"]
    assert [(i.status, i.done_on) for i in letter] == [("done", TODAY)]
    assert A.enforcement(REF) == [{"date": "2026-11-23", "step": "first_warning", "failure": "A1"}]
    assert A.position(REF).next_step is None


def test_policy_final_warning_then_breach_decision_and_report(appt_store: Store) -> None:
    A = appt_store.appointments
    A.set_policy({"enforcement_warnings": 1, "enforcement_breach_report_days": 3})
    A.book(REF, {"date": "2026-11-17", "start": "09:30", "kind": "office"})
    A.book(REF, {"date": "2026-11-19", "start": "09:30", "kind": "office"})
    A.record_outcome(REF, "A1", "unacceptable_absence")
    A.record_outcome(REF, "A2", "failed_to_comply")
    A.record_step(REF, "final_warning", day=dt.date(2026, 11, 18))
    pos = A.position(REF)
    assert [s.kind for s in pos.steps] == ["warning_letter", "breach_decision"]
    assert pos.steps[0].step == "final_warning" and pos.steps[0].done_on == dt.date(2026, 11, 18)
    A.record_step(REF, "breach_decision", day=dt.date(2026, 11, 20))
    items, _ = caseload_due(appt_store, TODAY)
    report = [i for i in items if i.kind == "breach_report"][0]
    assert (report.due_on, report.status) == (dt.date(2026, 11, 25), "open")
    assert "breach decided" in A.position(REF).summary()
    with pytest.raises(ValidationError, match="from 1 to 3"):
        A.set_policy({"enforcement_warnings": 9})


def test_bad_input_clear_messages_nothing_saved(appt_store: Store) -> None:
    A = appt_store.appointments
    past = A.book(REF, {"date": "2026-11-20", "start": "09:00", "kind": "office"}).id
    future = A.book(REF, {"date": "2026-11-30", "start": "09:00", "kind": "office"}).id
    after_booking = appt_store.get_case(REF)
    with pytest.raises(ValidationError, match="has not happened yet"):
        A.record_outcome(REF, future, "attended")
    with pytest.raises(NeedsConfirmation, match="before the order was imposed"):
        A.book(REF, {"date": "2026-11-02", "start": "09:00", "kind": "office"})
    with pytest.raises(NeedsConfirmation, match="after the order ends"):
        A.book(REF, {"date": "2028-01-04", "start": "09:00", "kind": "office"})
    with pytest.raises(NeedsConfirmation, match="overlaps office appointment A2"):
        A.book(REF, {"date": "2026-11-30", "start": "09:30", "kind": "phone"})
    with pytest.raises(ValidationError, match="not a valid|does not match"):
        A.book(REF, {"date": "2026-11-30", "start": "25:00", "kind": "phone"})
    with pytest.raises(ValidationError, match="needs its reason"):
        A.record_outcome(REF, past, "acceptable_absence")
    assert appt_store.get_case(REF) == after_booking
    # Confirming books it anyway, with the warning kept.
    assert A.book(REF, {"date": "2026-11-30", "start": "09:30", "kind": "phone"}, confirm=True).warnings
    # A rescheduling loop is refused.
    assert A.record_outcome(REF, future, "rescheduled",
                            new_appointment={"date": "2026-12-02", "start": "10:00"}).new_id == "A4"
    with pytest.raises(ValidationError, match=r"loop \(A4 -> A2 -> A4\)|loop \(A2 -> A4 -> A2\)"):
        A.update(REF, "A4", {**A.get(REF, "A4"), "outcome": "rescheduled", "rescheduled_to": future})
    with pytest.raises(NotFoundError):
        A.record_outcome(REF, "A99", "attended")


def test_reschedule_links_new_appointment(appt_store: Store) -> None:
    A = appt_store.appointments
    A.book(REF, {"date": "2026-11-25", "start": "14:00", "kind": "office", "place": "Leith office",
                 "bring": "Payslips"})
    moved = A.record_outcome(REF, "A1", "rescheduled", new_appointment={"date": "2026-11-27", "start": "10:00"})
    appts = appt_store.get_case(REF)["appointments"]
    assert appts[0]["rescheduled_to"] == moved.new_id == "A2"
    assert appts[1]["place"] == "Leith office" and appts[1]["bring"] == "Payslips" and "outcome" not in appts[1]


def test_bundle_round_trip_and_version_1_bundles_still_import(store: Store, tmp_path: Path) -> None:
    v1 = _bundle()
    assert v1["version"] == 1
    store.import_bundle(copy.deepcopy(v1))
    store.appointments.book(REF, {"date": "2026-11-18", "start": "10:00", "kind": "office", "notes": "n",
                                  "sensitivity": "not_for_disclosure"})
    store.appointments.record_outcome(REF, "A1", "unacceptable_absence", reason="No contact")
    store.appointments.record_step(REF, "first_warning", failure="A1")
    exported = store.export_bundle()
    assert exported["version"] == 3  # the newest version (timescales round 2 made it 3)
    other = Store.create(tmp_path / "other.cbk", PASSPHRASE, clock=Clock.fixed(TODAY))
    try:
        other.import_bundle(copy.deepcopy(exported))
        assert other.export_bundle()["cases"] == exported["cases"]
    finally:
        other.close()
    bad = copy.deepcopy(exported)
    bad["cases"][0]["appointments"][0]["rescheduled_to"] = "A7"
    bad["cases"][0]["reference"] = "CPO-X"
    with pytest.raises(ValidationError, match="unknown appointment 'A7'"):
        store.import_bundle(bad)


def test_store_at_schema_2_upgrades_with_backup(store_path: Path, passphrase: str,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(migrations, "STEPS", migrations.STEPS[:2])
    monkeypatch.setattr(migrations, "SCHEMA_VERSION", 2)
    with Store.create(store_path, passphrase) as s:
        s.import_bundle(_bundle())
        assert s._conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'appointments'").fetchone()[0] == 0
    monkeypatch.undo()
    with Store.open(store_path, passphrase, clock=Clock.fixed(TODAY)) as s:
        assert s._conn.execute("PRAGMA user_version").fetchone()[0] == migrations.SCHEMA_VERSION
        s.appointments.book(REF, {"date": "2026-11-18", "start": "10:00", "kind": "office"})
        assert len(s.appointments.of_case(REF)) == 1
    assert list(store_path.parent.glob(store_path.name + ".v2-*.bak"))


def test_ics_validates_and_holds_no_name_or_note(appt_store: Store) -> None:
    A = appt_store.appointments
    A.book(REF, {"date": "2026-11-24", "start": "10:00", "kind": "office", "place": "Leith office",
                 "notes": SECRET, "bring": "Bring your payslips"})
    A.book(REF, {"date": "2026-11-25", "start": "15:00", "kind": "home_visit", "place": "14 Example Road"})
    rows = A.between(dt.date(2026, 11, 23), dt.date(2026, 11, 29))
    raw = calendar_bytes(rows)
    cal = Calendar.from_ical(raw)
    events = list(cal.walk("VEVENT"))
    assert [str(e["summary"]) for e in events] == [f"{REF}: Office appointment", f"{REF}: Home visit"]
    assert str(events[0]["location"]) == "Leith office" and str(events[1]["location"]) == "Home visit"
    assert events[0].decoded("dtstart").isoformat() == "2026-11-24T10:00:00+00:00"
    assert list(cal.walk("VTIMEZONE"))
    text = raw.decode("utf-8")
    for private in ("Eilidh", "MacAskill", SECRET, "payslips", "14 Example Road", "DESCRIPTION"):
        assert private not in text


def test_persons_copy_of_letters_has_no_not_for_disclosure_text(appt_store: Store) -> None:
    A = appt_store.appointments
    A.book(REF, {"date": "2026-11-20", "start": "10:00", "kind": "office", "notes": SECRET,
                 "sensitivity": "not_for_disclosure"})
    A.record_outcome(REF, "A1", "unacceptable_absence")
    A.book(REF, {"date": "2026-11-26", "start": "10:00", "kind": "office", "place": "Leith office",
                 "notes": SECRET, "sensitivity": "not_for_disclosure", "bring": "Your letter"})
    for kind in ("appointment_letter", "warning_letter", "compliance"):
        for large in (False, True):
            text = _pdf_text(render_document(appt_store, kind, REF, for_individual=True, large_type=large))
            assert "threatened" not in text, kind
            assert "NOT FOR DISCLOSURE" not in text, kind
    officer = _pdf_text(render_document(appt_store, "compliance", REF))
    assert "threatened" in officer and "NOT FOR DISCLOSURE" in officer
    person = _pdf_text(render_document(appt_store, "compliance", REF, for_individual=True))
    assert "Information withheld" in person and "Unacceptable absence" in person
    letter = _pdf_text(render_document(appt_store, "appointment_letter", REF, for_individual=True))
    assert "Thursday 26 November 2026" in letter and "Leith office" in letter and "Your letter" in letter


def test_cli_due_json_and_appointments_ics(appt_store: Store, store_path: Path, tmp_path: Path) -> None:
    A = appt_store.appointments
    A.book(REF, {"date": "2026-11-23", "start": "09:30", "kind": "office", "place": "Leith office",
                 "notes": SECRET})
    A.record_outcome(REF, "A1", "unacceptable_absence")
    appt_store.close()
    env = {"CASEBOOK_TODAY": "2026-11-23"}
    due = run_cli("due", "--store", store_path, "--json", passphrase=PASSPHRASE, env=env)
    assert due.returncode == 0, due.stderr
    items = [i for i in json.loads(due.stdout)["items"] if i["kind"] == "warning_letter"]
    assert items == [{"case": REF, "kind": "warning_letter", "due_on": "2026-12-01", "status": "open"}]
    ics = tmp_path / "week.ics"
    out = run_cli("appointments", "--store", store_path, "--ics", ics, "--json", passphrase=PASSPHRASE, env=env)
    assert out.returncode == 0, out.stderr
    listed = json.loads(out.stdout)
    assert listed["from"] == "2026-11-23" and listed["to"] == "2026-11-29"
    assert [a["id"] for a in listed["appointments"]] == ["A1"]
    assert "Eilidh" not in ics.read_text(encoding="utf-8") and "threat" not in ics.read_text(encoding="utf-8")
    bad = run_cli("appointments", "--store", store_path, "--from", "2026-11-30", "--to", "2026-11-01",
                  passphrase=PASSPHRASE, env=env)
    assert bad.returncode == 2 and bad.stderr.startswith("casebook: --to 01/11/2026 is before --from")
    bad = run_cli("appointments", "--store", store_path, "--from", "tomorrow", passphrase=PASSPHRASE, env=env)
    assert bad.returncode == 2 and "is not a date" in bad.stderr and "Traceback" not in bad.stderr


def test_demo_has_appointments_with_outcomes_and_a_warning() -> None:
    from app.models.demo import demo_bundle

    bundle = demo_bundle(40, seed=2026, today=TODAY)
    appts = [a for c in bundle["cases"] for a in c.get("appointments", [])]
    outcomes = {a.get("outcome") for a in appts}
    assert {"attended", "acceptable_absence", "unacceptable_absence", None} <= outcomes
    assert any(e["step"] == "first_warning" for c in bundle["cases"] for e in c.get("enforcement", []))
    assert any(a["date"] == TODAY.isoformat() for a in appts)


def test_review_summary_shows_attendance_since_last_review(appt_store: Store) -> None:
    from app.models.store import casework

    A = appt_store.appointments
    A.book(REF, {"date": "2026-11-17", "start": "10:00", "kind": "office"})
    A.record_outcome(REF, "A1", "attended")
    casework.record_review(appt_store, REF, {"held_on": "2026-11-18", "kind": "scheduled", "summary": "Held."})
    A.book(REF, {"date": "2026-11-19", "start": "10:00", "kind": "office"})
    A.book(REF, {"date": "2026-11-20", "start": "10:00", "kind": "phone"})
    A.record_outcome(REF, "A2", "acceptable_absence", reason="Hospital appointment")
    A.record_outcome(REF, "A3", "unacceptable_absence")
    casework.record_review(appt_store, REF, {"held_on": "2026-11-23", "kind": "scheduled", "summary": "Held."})
    text = " ".join(_pdf_text(render_document(appt_store, "review", REF, for_individual=True)).split())
    assert "Attendance since the last review" in text
    assert "2 appointments: 1 acceptable absence, 1 unacceptable absence" in text
