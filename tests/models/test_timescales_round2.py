"""Issue 18, timescales round 2: one table per numbered point, at fixed dates.

Every table has rows that the code before issue 18 got wrong (marked "was: ...")."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest

from app.models.errors import NotFoundError, ValidationError
from app.models.rules.calendar import WorkingCalendar
from app.models.rules.clock import Clock
from app.models.rules.deadlines import (
    DeadlineConfig,
    DueItem,
    case_due,
    caseload_due,
    default_departmental_months,
    facts_from_case,
    save_deadline_config,
    upw_progress,
)
from app.models.store import Store
from app.models.store.caseload_facts import load_caseload_facts

D = dt.date
CAL = WorkingCalendar()
SUP = {"kind": "offender_supervision", "months": 12}


def upw(hours: int, **extra: Any) -> dict[str, Any]:
    return {"kind": "unpaid_work_or_other_activity", "hours": hours, **extra}


def make_case(imposed: str = "2026-11-02", requirements: list[dict[str, Any]] | None = None,
              ends: str | None = "2027-11-01", dob: str = "1990-05-05", status: str | None = "active",
              ref: str = "CPO-T-0001", **extra: Any) -> dict[str, Any]:
    order: dict[str, Any] = {"court": "Example Sheriff Court", "imposed_on": imposed,
                             "requirements": requirements if requirements is not None else [SUP]}
    if ends:
        order["ends_on"] = ends
    if status:
        order["status"] = status
    case: dict[str, Any] = {"reference": ref,
                            "individual": {"given_names": "Test", "family_name": "Person", "date_of_birth": dob},
                            "order": order}
    case.update(extra)
    return case


def bundle(*cases: dict[str, Any], version: int = 2) -> dict[str, Any]:
    return {"format": "casebook.case-bundle", "version": version, "cases": list(cases)}


def items_of(case: dict[str, Any], today: dt.date, kind: str, config: DeadlineConfig | None = None,
             cal: WorkingCalendar = CAL) -> list[tuple[dt.date, str, dt.date | None]]:
    items, _ = case_due(case, today, cal, config)
    return [(i.due_on, i.status, i.done_on) for i in items if i.kind == kind]


def note(day: str, kind: str = "office") -> dict[str, Any]:
    return {"date": day, "kind": kind, "text": "Synthetic note.", "sensitivity": "ordinary"}


@pytest.fixture
def clocked_store(store_path: Any, passphrase: str) -> Any:
    """A store whose today is 23/11/2026."""
    s = Store.create(store_path, passphrase, clock=Clock.fixed(D(2026, 11, 23)))
    yield s
    s.close()


# ------------------------------------------------------------------ 1. records dated after today
@pytest.mark.parametrize(
    ("extra", "kind", "today", "expected"),
    [
        # a home visit note dated next week does not meet the first meeting today (was: met_late)
        ({"notes": [note("2026-11-30", "home_visit")]}, "first_meeting", D(2026, 11, 23),
         [(D(2026, 11, 9), "overdue", None)]),
        ({"notes": [note("2026-11-30", "home_visit")]}, "first_meeting", D(2026, 11, 30),
         [(D(2026, 11, 9), "met_late", D(2026, 11, 30))]),
        ({"notes": [note("2026-11-05"), note("2026-11-04", "home_visit")]}, "first_meeting", D(2026, 11, 4),
         [(D(2026, 11, 9), "done", D(2026, 11, 4))]),
        # an assessment dated tomorrow is not done yet (was: done)
        ({"assessments": [{"tool": "LS/CMI", "completed_on": "2026-11-24"}]}, "assessment", D(2026, 11, 23),
         [(D(2026, 12, 1), "open", None)]),
        ({"assessments": [{"tool": "LS/CMI", "completed_on": "2026-11-24"}]}, "assessment", D(2026, 11, 24),
         [(D(2026, 12, 1), "done", D(2026, 11, 24))]),
        # a victim safety plan closed next week still has its overdue review now (was: no item)
        ({"flags": [{"kind": "victim_safety_plan", "raised_on": "2026-11-02", "review_on": "2026-11-16",
                     "closed_on": "2026-11-30"}]}, "victim_safety_plan_review", D(2026, 11, 23),
         [(D(2026, 11, 16), "overdue", None)]),
        ({"flags": [{"kind": "victim_safety_plan", "raised_on": "2026-11-02", "review_on": "2026-11-16",
                     "closed_on": "2026-11-30"}]}, "victim_safety_plan_review", D(2026, 11, 30), []),
        # a review dated in the future does not meet the plan review (was: done)
        ({"reviews": [{"held_on": "2026-12-20", "kind": "scheduled"}]}, "plan_review", D(2026, 12, 1),
         [(D(2026, 12, 28), "open", None)]),
        ({"reviews": [{"held_on": "2026-12-20", "kind": "scheduled"}]}, "plan_review", D(2026, 12, 21),
         [(D(2026, 12, 28), "done", D(2026, 12, 20)), (D(2027, 2, 14), "open", None)]),
    ],
)
def test_1_records_after_today_are_not_there_yet(extra: dict[str, Any], kind: str, today: dt.date,
                                                 expected: list[Any]) -> None:
    assert items_of(make_case(**extra), today, kind) == expected


@pytest.mark.parametrize(
    ("sessions", "today", "start", "completion", "hours_done"),
    [
        # a session logged with next week's date counts neither as the start nor as hours (was: met_late, 20)
        ([{"date": "2026-11-06", "hours": 7}, {"date": "2026-11-30", "hours": 13}], D(2026, 11, 23),
         ("done", D(2026, 11, 6)), ("open", None), 7),
        ([{"date": "2026-11-30", "hours": 20}], D(2026, 11, 23), ("overdue", None), ("open", None), 0),
        ([{"date": "2026-11-06", "hours": 7}, {"date": "2026-11-30", "hours": 13}], D(2026, 11, 30),
         ("done", D(2026, 11, 6)), ("done", D(2026, 11, 30)), 20),
    ],
)
def test_1_unpaid_work_after_today(sessions: list[dict[str, Any]], today: dt.date, start: tuple[Any, ...],
                                   completion: tuple[Any, ...], hours_done: float) -> None:
    case = make_case(requirements=[upw(20)], unpaid_work_sessions=sessions)
    assert [(s, d) for _due, s, d in items_of(case, today, "upw_start")] == [start]
    assert [(s, d) for _due, s, d in items_of(case, today, "upw_completion")] == [completion]
    progress = upw_progress(case, today)
    assert progress is not None and progress.hours_done == hours_done


@pytest.mark.parametrize(
    ("key", "item", "refused"),
    [
        ("notes", note("2026-11-24"), True),                         # tomorrow (was: accepted)
        ("notes", note("2026-11-23", "home_visit"), False),          # today
        ("unpaid_work_sessions", {"date": "2027-11-23", "hours": 7}, True),  # a mistyped year
        ("unpaid_work_sessions", {"date": "2026-11-20", "hours": 7}, False),
        ("assessments", {"tool": "LS/CMI", "completed_on": "2026-12-01"}, True),
        ("reviews", {"held_on": "2026-11-30", "kind": "scheduled", "summary": "Held."}, True),
        ("reviews", {"held_on": "2026-11-23", "kind": "scheduled", "summary": "Held.", "next_review_on": "2027-01-18"},
         False),
        ("flags", {"kind": "victim_safety_plan", "raised_on": "2026-11-02", "review_on": "2026-12-14"}, False),
        ("flags", {"kind": "victim_safety_plan", "raised_on": "2026-11-02",
                   "reviews": [{"reviewed_on": "2026-11-30"}]}, True),
    ],
)
def test_1_future_records_refused_on_save(clocked_store: Store, key: str, item: dict[str, Any],
                                          refused: bool) -> None:
    clocked_store.import_bundle(bundle(make_case()))
    before = clocked_store.get_case("CPO-T-0001")
    if refused:
        with pytest.raises(ValidationError, match="after today"):
            clocked_store.add_item("CPO-T-0001", key, item)
        assert clocked_store.get_case("CPO-T-0001") == before
        # nor can an existing record be moved into the future
        past = {**item, **{k: "2026-11-10" for k in ("date", "completed_on", "held_on") if k in item}}
        if key == "flags":
            past = {**item, "reviews": [{"reviewed_on": "2026-11-10"}]}
        clocked_store.add_item("CPO-T-0001", key, past)
        with pytest.raises(ValidationError, match="after today"):
            clocked_store.update_item("CPO-T-0001", key, 0, item)
    else:
        clocked_store.add_item("CPO-T-0001", key, item)
        assert clocked_store.get_case("CPO-T-0001")[key] == [item]


def test_1_future_dated_records_import_and_wait(clocked_store: Store) -> None:
    """A bundle may carry future-dated records (another system allowed them): they import
    unchanged and meet nothing until their date."""
    case = make_case(notes=[note("2026-11-30", "home_visit")])
    clocked_store.import_bundle(bundle(case))
    assert clocked_store.get_case("CPO-T-0001")["notes"] == case["notes"]
    items, _ = caseload_due(clocked_store, D(2026, 11, 23))
    assert [(i.status, i.done_on) for i in items if i.kind == "first_meeting"] == [("overdue", None)]
    items, _ = caseload_due(clocked_store, D(2026, 12, 1))
    assert [(i.status, i.done_on) for i in items if i.kind == "first_meeting"] == [("met_late", D(2026, 11, 30))]


# ------------------------------------------------------------------ 2. which scheduled review a review is
# Imposed 15/01/2026, ends 14/07/2027: departmental reviews due 15/04/2026 (3), 15/07/2026 (6), 15/01/2027 (12).
AUG_2026 = D(2026, 8, 1)
TODAY = D(2026, 11, 23)


def departmental(reviews: list[dict[str, Any]], today: dt.date = AUG_2026) -> list[Any]:
    case = make_case(imposed="2026-01-15", ends="2027-07-14", reviews=reviews)
    return items_of(case, today, "departmental_review")


def dep(held: str, months: int | None = None) -> dict[str, Any]:
    review: dict[str, Any] = {"held_on": held, "kind": "departmental"}
    if months is not None:
        review["scheduled_review_months"] = months
    return review


@pytest.mark.parametrize(
    ("reviews", "expected"),
    [
        # a late 3-month review held a month before the 6-month date is the 3-month one
        # (was: counted as the 6-month one, leaving the 3-month one overdue for the whole order)
        ([dep("2026-06-15")], [(D(2026, 4, 15), "met_late", D(2026, 6, 15)), (D(2026, 7, 15), "overdue", None),
                               (D(2027, 1, 15), "open", None)]),
        ([dep("2026-06-15"), dep("2026-07-10")],
         [(D(2026, 4, 15), "met_late", D(2026, 6, 15)), (D(2026, 7, 15), "done", D(2026, 7, 10)),
          (D(2027, 1, 15), "open", None)]),
        # the officer says it was the 6-month review: that is what it meets
        ([dep("2026-06-15", 6)], [(D(2026, 4, 15), "overdue", None), (D(2026, 7, 15), "done", D(2026, 6, 15)),
                                  (D(2027, 1, 15), "open", None)]),
        # explicit choices are placed first: the 20/07 review was said to be the 3-month one, so the
        # earlier review without a choice takes the oldest scheduled review left, the 6-month one
        ([dep("2026-04-01"), dep("2026-07-20", 3)],
         [(D(2026, 4, 15), "met_late", D(2026, 7, 20)), (D(2026, 7, 15), "done", D(2026, 4, 1)),
          (D(2027, 1, 15), "open", None)]),
        # early and on time: as before
        ([dep("2026-04-10"), dep("2026-07-20")],
         [(D(2026, 4, 15), "done", D(2026, 4, 10)), (D(2026, 7, 15), "met_late", D(2026, 7, 20)),
          (D(2027, 1, 15), "open", None)]),
        # 18 months is after the order ends: the review counts as no scheduled review
        ([dep("2026-06-15", 18)], [(D(2026, 4, 15), "overdue", None), (D(2026, 7, 15), "overdue", None),
                                   (D(2027, 1, 15), "open", None)]),
    ],
)
def test_2_explicit_review_matching(reviews: list[dict[str, Any]], expected: list[Any]) -> None:
    assert departmental(reviews) == expected


@pytest.mark.parametrize(
    ("reviews", "held_on", "default"),
    [
        ([], D(2026, 4, 1), 3),                     # early: the next one
        ([], D(2026, 6, 15), 3),                    # late: the oldest unmet one due before it
        ([dep("2026-04-10")], D(2026, 6, 15), 6),   # 3 met: the next
        ([dep("2026-04-10"), dep("2026-07-10")], D(2026, 8, 1), 12),
        ([dep("2026-04-10", 6)], D(2026, 6, 15), 3),
        ([dep("2026-04-10"), dep("2026-07-10"), dep("2027-01-10")], D(2027, 3, 1), None),  # all met
    ],
)
def test_2_default_choice(reviews: list[dict[str, Any]], held_on: dt.date, default: int | None) -> None:
    facts = facts_from_case(make_case(imposed="2026-01-15", ends="2027-07-14", reviews=reviews))
    assert default_departmental_months(facts, held_on) == default


@pytest.mark.parametrize(
    ("review", "message"),
    [
        ({"held_on": "2026-06-15", "kind": "scheduled", "scheduled_review_months": 6}, "only a departmental"),
        ({"held_on": "2026-06-15", "kind": "departmental", "scheduled_review_months": 9}, "not at 9 months"),
        ({"held_on": "2026-06-15", "kind": "departmental", "scheduled_review_months": 2}, "minimum"),
    ],
)
def test_2_bad_choice_refused_on_import(store: Store, review: dict[str, Any], message: str) -> None:
    case = make_case(imposed="2026-01-15", ends="2027-07-14", reviews=[review])
    with pytest.raises(ValidationError, match=message) as err:
        store.import_bundle(bundle(case))
    assert err.value.path.startswith("$.cases[0].reviews[0]")  # type: ignore[attr-defined]
    assert store.case_references() == []


def test_2_store_records_the_choice(store: Store) -> None:
    case = make_case(imposed="2026-01-15", ends="2027-07-14", reviews=[dep("2026-06-15"), note_review()])
    store.import_bundle(bundle(case))
    rows = store.timescales.departmental_reviews("CPO-T-0001")
    assert [(r.index, r.chosen_months, r.months, r.due_on) for r in rows] == [(0, None, 3, D(2026, 4, 15))]
    changes = store.timescales.set_scheduled_review("CPO-T-0001", 0, 6)
    assert changes.cases == {"CPO-T-0001"}
    assert store.get_case("CPO-T-0001")["reviews"][0]["scheduled_review_months"] == 6
    assert store.timescales.departmental_reviews("CPO-T-0001")[0].label.startswith("Departmental review (6 months")
    with pytest.raises(ValidationError):
        store.timescales.set_scheduled_review("CPO-T-0001", 1, 6)  # a scheduled (plan) review
    with pytest.raises(ValidationError):
        store.timescales.set_scheduled_review("CPO-T-0001", 0, 7)
    with pytest.raises(NotFoundError):
        store.timescales.set_scheduled_review("CPO-T-0001", 5, 6)
    store.timescales.set_scheduled_review("CPO-T-0001", 0, None)
    assert "scheduled_review_months" not in store.get_case("CPO-T-0001")["reviews"][0]


def note_review() -> dict[str, Any]:
    return {"held_on": "2026-05-01", "kind": "scheduled"}


# ------------------------------------------------------------------ 3. reports submitted, safety plans reviewed
@pytest.mark.parametrize(
    ("reports", "today", "expected"),
    [
        # a report sent on time is done (was: open, then overdue until the hearing)
        ([{"hearing_on": "2026-12-10", "submitted_on": "2026-12-01"}], D(2026, 12, 5),
         [(D(2026, 12, 3), "done", D(2026, 12, 1))]),
        ([{"hearing_on": "2026-12-10", "submitted_on": "2026-12-04"}], D(2026, 12, 5),
         [(D(2026, 12, 3), "met_late", D(2026, 12, 4))]),
        ([], D(2026, 12, 5), [(D(2026, 12, 3), "overdue", None)]),
        # after the hearing: recorded, it stays as history; not recorded, it stays overdue (was: dropped)
        ([{"hearing_on": "2026-12-10", "submitted_on": "2026-12-01"}], D(2026, 12, 20),
         [(D(2026, 12, 3), "done", D(2026, 12, 1))]),
        ([], D(2026, 12, 20), [(D(2026, 12, 3), "overdue", None)]),
        # a submission dated after today is not there yet
        ([{"hearing_on": "2026-12-10", "submitted_on": "2026-12-02"}], D(2026, 12, 1),
         [(D(2026, 12, 3), "open", None)]),
    ],
)
def test_3_progress_review_report_submitted(reports: list[dict[str, Any]], today: dt.date,
                                            expected: list[Any]) -> None:
    case = make_case()
    case["order"]["progress_reviews"] = ["2026-12-10"]
    if reports:
        case["order"]["progress_review_reports"] = reports
    assert items_of(case, today, "progress_review_report") == expected


def plan_flag(**extra: Any) -> dict[str, Any]:
    flag = {"kind": "victim_safety_plan", "raised_on": "2026-11-02", "review_on": "2026-12-14", **extra}
    return {k: v for k, v in flag.items() if v is not None}


@pytest.mark.parametrize(
    ("flag", "today", "expected"),
    [
        # reviewed, with the next review set (was: the first review stayed overdue for ever)
        (plan_flag(reviews=[{"reviewed_on": "2026-12-10", "next_review_on": "2027-03-10"}]), D(2026, 12, 20),
         [(D(2026, 12, 14), "done", D(2026, 12, 10)), (D(2027, 3, 10), "open", None)]),
        (plan_flag(reviews=[{"reviewed_on": "2026-12-18", "next_review_on": "2027-03-10"}]), D(2026, 12, 20),
         [(D(2026, 12, 14), "met_late", D(2026, 12, 18)), (D(2027, 3, 10), "open", None)]),
        (plan_flag(reviews=[{"reviewed_on": "2026-12-10", "next_review_on": "2027-01-10"},
                            {"reviewed_on": "2027-01-12"}]), D(2027, 2, 1),
         [(D(2026, 12, 14), "done", D(2026, 12, 10)), (D(2027, 1, 10), "met_late", D(2027, 1, 12))]),
        (plan_flag(), D(2026, 12, 20), [(D(2026, 12, 14), "overdue", None)]),
        # closed: the reviews held stay as history, nothing more is due
        (plan_flag(closed_on="2027-01-05", reviews=[{"reviewed_on": "2026-12-10", "next_review_on": "2027-03-10"}]),
         D(2027, 1, 20), [(D(2026, 12, 14), "done", D(2026, 12, 10))]),
        # a review dated after today is not there yet
        (plan_flag(reviews=[{"reviewed_on": "2026-12-22", "next_review_on": "2027-03-10"}]), D(2026, 12, 20),
         [(D(2026, 12, 14), "overdue", None)]),
    ],
)
def test_3_victim_safety_plan_reviewed(flag: dict[str, Any], today: dt.date, expected: list[Any]) -> None:
    assert items_of(make_case(flags=[flag]), today, "victim_safety_plan_review") == expected


def test_3_store_records_report_and_safety_review(clocked_store: Store) -> None:
    case = make_case(flags=[{"kind": "domestic_abuse", "raised_on": "2026-11-02"}, plan_flag(review_on="2026-11-16")])
    case["order"]["progress_reviews"] = ["2026-11-27"]
    clocked_store.import_bundle(bundle(case))
    t = clocked_store.timescales
    with pytest.raises(ValidationError, match="no court progress review"):
        t.record_report_submitted("CPO-T-0001", D(2026, 11, 28), D(2026, 11, 20))
    with pytest.raises(ValidationError, match="after today"):
        t.record_report_submitted("CPO-T-0001", D(2026, 11, 27), D(2026, 11, 24))
    assert t.record_report_submitted("CPO-T-0001", D(2026, 11, 27), D(2026, 11, 19)).cases == {"CPO-T-0001"}
    order = clocked_store.get_case("CPO-T-0001")["order"]
    assert order["progress_review_reports"] == [{"hearing_on": "2026-11-27", "submitted_on": "2026-11-19"}]
    with pytest.raises(ValidationError, match="not a victim safety plan"):
        t.record_safety_plan_review("CPO-T-0001", 0, D(2026, 11, 20), D(2027, 2, 20))
    with pytest.raises(ValidationError, match="after today"):
        t.record_safety_plan_review("CPO-T-0001", 1, D(2026, 11, 24), D(2027, 2, 20))
    with pytest.raises(ValidationError, match="after the review"):
        t.record_safety_plan_review("CPO-T-0001", 1, D(2026, 11, 20), D(2026, 11, 20))
    t.record_safety_plan_review("CPO-T-0001", 1, D(2026, 11, 20), D(2027, 2, 20))
    flag = clocked_store.get_case("CPO-T-0001")["flags"][1]
    assert flag["reviews"] == [{"reviewed_on": "2026-11-20", "next_review_on": "2027-02-20"}]
    items, _ = caseload_due(clocked_store, D(2026, 11, 23))
    got = {(i.kind, i.due_on, i.status) for i in items if i.kind in ("progress_review_report",
                                                                        "victim_safety_plan_review")}
    assert got == {("progress_review_report", D(2026, 11, 20), "done"),
                   ("victim_safety_plan_review", D(2026, 11, 16), "met_late"),
                   ("victim_safety_plan_review", D(2027, 2, 20), "open")}
    t.record_report_submitted("CPO-T-0001", D(2026, 11, 27), None)  # not submitted after all
    assert "progress_review_reports" not in clocked_store.get_case("CPO-T-0001")["order"]
    # removing a hearing that has a report recorded is refused with a clear message
    t.record_report_submitted("CPO-T-0001", D(2026, 11, 27), D(2026, 11, 19))
    order = clocked_store.get_case("CPO-T-0001")["order"]
    with pytest.raises(ValidationError, match="no court progress review on 27/11/2026"):
        clocked_store.update_case("CPO-T-0001", {"order": {**order, "progress_reviews": []}})


# ------------------------------------------------------------------ 4. the other activity cap
# 100 hours: unpaid work 7 h a week from 09/11, other activity 10 h on 10/11, 17/11, 24/11, 01/12.
CAP_SESSIONS = [{"date": f"2026-{m:02d}-{d:02d}", "hours": 7} for m, d in
                [(11, 9), (11, 16), (11, 23), (11, 30), (12, 7), (12, 14), (12, 21), (12, 28)]] + [
    {"date": f"2026-{m:02d}-{d:02d}", "hours": 10, "kind": "other_activity"} for m, d in
    [(11, 10), (11, 17), (11, 24), (12, 1)]] + [
    {"date": f"2027-01-{d:02d}", "hours": 7} for d in (4, 11, 18, 25)] + [{"date": "2027-02-01", "hours": 2}]


@pytest.mark.parametrize(
    ("cap", "completed_on", "hours_done", "other_counted", "cap_hours"),
    [
        # unpaid work 86 h in all (70 by 11/01/2027), other activity 40 h by 01/12/2026
        (30, D(2027, 1, 11), 116.0, 30.0, 30.0),   # 30 % of 100 h (was: 04/01/2027, all 40 h counted)
        (100, D(2027, 1, 4), 126.0, 40.0, None),   # no cap
        (20, D(2027, 1, 25), 106.0, 20.0, 20.0),
        (0, None, 86.0, 0.0, 0.0),                 # other activity does not count at all
    ],
)
def test_4_other_activity_cap(cap: int, completed_on: dt.date | None, hours_done: float, other_counted: float,
                              cap_hours: float | None) -> None:
    config = DeadlineConfig(other_activity_cap_percent=cap)
    case = make_case(requirements=[upw(100)], unpaid_work_sessions=CAP_SESSIONS)
    today = D(2027, 2, 2)
    ((_due, status, done),) = items_of(case, today, "upw_completion", config)
    assert done == completed_on
    assert status == ("open" if completed_on is None else "done")  # due 02/02/2027: today
    progress = upw_progress(case, today, config)
    assert progress is not None
    assert (progress.hours_done, progress.other_activity_hours, progress.other_activity_counted,
            progress.other_activity_cap) == (hours_done, 40.0, other_counted, cap_hours)
    assert progress.hours_remaining == max(0.0, 100 - hours_done)
    # the pace needed counts only the capped hours
    early = upw_progress(case, D(2026, 12, 2), config)
    assert early is not None and early.hours_done == 28 + min(40, cap_hours if cap_hours is not None else 40)


def test_4_cap_completion_dates_table() -> None:
    """The completion date at each cap, computed by hand (unpaid work 7 h on 8 Mondays, 4 more
    in January and 2 h on 01/02; other activity 40 h by 01/12)."""
    case = make_case(requirements=[upw(100)], unpaid_work_sessions=CAP_SESSIONS)
    got = {}
    for cap in (100, 40, 30, 10):
        config = DeadlineConfig(other_activity_cap_percent=cap)
        ((_due, _status, done),) = items_of(case, D(2027, 3, 1), "upw_completion", config)
        got[cap] = done
    # unpaid work running total: 28/12 = 56, 04/01 = 63, 11/01 = 70, 18/01 = 77, 25/01 = 84, 01/02 = 86
    assert got == {100: D(2027, 1, 4), 40: D(2027, 1, 4), 30: D(2027, 1, 11), 10: None}


def test_4_cap_setting_and_fast_loader(store: Store) -> None:
    assert DeadlineConfig.for_store(store).other_activity_cap_percent == 30  # local policy default
    with pytest.raises(ValidationError):
        save_deadline_config(store, other_activity_cap_percent=101)
    save_deadline_config(store, other_activity_cap_percent=10)
    config = DeadlineConfig.for_store(store)
    case = make_case(requirements=[upw(100)], unpaid_work_sessions=CAP_SESSIONS)
    store.import_bundle(bundle(case))
    assert load_caseload_facts(store, config) == [facts_from_case(store.get_case("CPO-T-0001"), config)]
    items, _ = caseload_due(store, D(2027, 3, 1))
    assert [(i.status, i.done_on) for i in items if i.kind == "upw_completion"] == [("overdue", None)]


# ------------------------------------------------------------------ 5. face-to-face meetings elsewhere
@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("face_to_face", ("done", D(2026, 11, 5))),   # a cafe or a partner agency's office (was: refused kind)
        ("home_visit", ("done", D(2026, 11, 5))),
        ("office", ("done", D(2026, 11, 5))),
        ("phone", ("overdue", None)),                 # a phone call is still not a meeting
        ("agency_liaison", ("overdue", None)),
    ],
)
def test_5_face_to_face_counts_as_first_meeting(store: Store, kind: str, expected: tuple[Any, ...]) -> None:
    case = make_case(notes=[note("2026-11-05", kind)])
    assert [(s, d) for _due, s, d in items_of(case, D(2026, 11, 23), "first_meeting")] == [expected]
    store.import_bundle(bundle(case))
    items, _ = caseload_due(store, D(2026, 11, 23))
    assert [(i.status, i.done_on) for i in items if i.kind == "first_meeting"] == [expected]


# ------------------------------------------------------------------ 6. plan reviews of unpaid-work-only orders
@pytest.mark.parametrize(
    ("requirements", "intensity", "config", "first_due", "label"),
    [
        ([upw(60)], None, DeadlineConfig(), D(2027, 1, 25), "Plan review (unpaid work only, 12 weeks)"),  # was: none
        ([upw(60)], None, DeadlineConfig(upw_only_review_weeks=6), D(2026, 12, 14),
         "Plan review (unpaid work only, 6 weeks)"),
        ([upw(60), {"kind": "conduct"}], None, DeadlineConfig(), D(2027, 1, 25),
         "Plan review (unpaid work only, 12 weeks)"),
        ([upw(60)], "high", DeadlineConfig(), D(2026, 11, 30), "Plan review (high intensity, 4 weeks)"),
        ([SUP, upw(60)], None, DeadlineConfig(), D(2026, 12, 28), "Plan review (medium intensity, 8 weeks)"),
        ([{"kind": "compensation"}], None, DeadlineConfig(), None, None),
    ],
)
def test_6_unpaid_work_only_reviews(requirements: list[dict[str, Any]], intensity: str | None,
                                    config: DeadlineConfig, first_due: dt.date | None, label: str | None) -> None:
    extra = {"supervision_intensity": intensity} if intensity else {}
    case = make_case(requirements=requirements, **extra)
    items = [i for i in case_due(case, D(2026, 11, 23), CAL, config)[0] if i.kind == "plan_review"]
    if first_due is None:
        assert items == []
    else:
        assert [(i.due_on, i.label) for i in items] == [(first_due, label)]
    # a review held moves the next one on by the same interval
    if first_due is not None and intensity is None and SUP not in requirements:
        case["reviews"] = [{"held_on": "2026-12-01", "kind": "scheduled"}]
        weeks = config.upw_only_review_weeks
        got = [(i.due_on, i.done_on) for i in case_due(case, D(2026, 12, 2), CAL, config)[0] if i.kind == "plan_review"]
        assert got == [(first_due, D(2026, 12, 1)), (D(2026, 12, 1) + dt.timedelta(weeks=weeks), None)]


def test_6_setting_is_validated(store: Store) -> None:
    assert DeadlineConfig.for_store(store).upw_only_review_weeks == 12
    with pytest.raises(ValidationError):
        save_deadline_config(store, upw_only_review_weeks=0)
    assert save_deadline_config(store, upw_only_review_weeks=10).upw_only_review_weeks == 10


# ------------------------------------------------------------------ 7. warnings, and an end before imposition refused
def warnings_of(case: dict[str, Any], today: dt.date = TODAY) -> list[str]:
    return [w.kind for w in case_due(case, today, CAL)[1]]


@pytest.mark.parametrize(
    ("requirements", "dob", "kinds"),
    [
        ([upw(60), {"kind": "drug_treatment"}], "1990-05-05", ["treatment_without_supervision"]),  # was: none
        ([upw(60), {"kind": "alcohol_treatment"}], "1990-05-05", ["treatment_without_supervision"]),
        ([SUP, {"kind": "drug_treatment"}], "1990-05-05", []),
        ([upw(60), {"kind": "programme"}], "1990-05-05", []),
        ([SUP], "2027-01-01", ["date_of_birth_in_future"]),               # was: none
        ([SUP], "2011-11-03", ["under_16_at_imposition"]),                # 14 on 02/11/2026 (was: none)
        ([upw(60)], "2010-11-03", ["under_16_at_imposition"]),            # 15: not also the under-18 warning
        ([upw(60)], "2010-11-02", ["under_18_without_supervision"]),      # 16 on the day
        ([SUP], "2010-11-02", []),
    ],
)
def test_7_warnings(requirements: list[dict[str, Any]], dob: str, kinds: list[str]) -> None:
    assert warnings_of(make_case(requirements=requirements, dob=dob)) == kinds


def test_7_treatment_warning_cites_the_guidance() -> None:
    _, warnings = case_due(make_case(requirements=[upw(60), {"kind": "drug_treatment"}, {"kind": "alcohol_treatment"}]),
                           D(2026, 11, 23), CAL)
    assert [w.message for w in warnings] == [
        "the order has a drug and alcohol treatment requirement but no offender supervision requirement "
        "(guidance 8.2: one will always be in place)"]


@pytest.mark.parametrize(("ends", "refused"), [("2026-11-01", True), ("2026-11-02", False), ("2027-11-01", False)])
def test_7_end_before_imposition_refused_on_import_and_save(store: Store, ends: str, refused: bool) -> None:
    case = make_case(ends=ends)
    if refused:
        with pytest.raises(ValidationError, match="cannot end") as err:  # was: imported, with a warning
            store.import_bundle(bundle(case))
        assert err.value.path == "$.cases[0].order.ends_on"  # type: ignore[attr-defined]
        with pytest.raises(ValidationError, match="cannot end"):
            store.create_case(case)
        assert store.case_references() == []
        store.create_case(make_case())
        order = store.get_case("CPO-T-0001")["order"]
        with pytest.raises(ValidationError, match="cannot end"):
            store.update_case("CPO-T-0001", {"order": {**order, "ends_on": ends}})
        assert store.get_case("CPO-T-0001")["order"] == order
    else:
        store.import_bundle(bundle(case))
        assert store.get_case("CPO-T-0001")["order"]["ends_on"] == ends


# ------------------------------------------------------------------ 8. local working days (calendar rules)
@pytest.mark.parametrize(
    ("working", "holidays", "start", "n", "expected"),
    [
        ((), (), D(2026, 6, 10), 5, D(2026, 6, 18)),               # 15/06/2026 is a Scottish public holiday
        ((D(2026, 6, 15),), (), D(2026, 6, 10), 5, D(2026, 6, 17)),  # worked locally (was: no way to say so)
        ((D(2026, 6, 15),), (D(2026, 6, 16),), D(2026, 6, 10), 5, D(2026, 6, 18)),
        ((D(2026, 11, 30),), (), D(2026, 11, 23), 5, D(2026, 11, 30)),  # St Andrew's Day worked
    ],
)
def test_8_working_day_override(working: tuple[dt.date, ...], holidays: tuple[dt.date, ...], start: dt.date, n: int,
                                expected: dt.date) -> None:
    cal = WorkingCalendar(holidays, working)
    assert cal.add_working_days(start, n) == expected
    assert cal.working_days_between(start, expected) == n
    for day in working:
        assert cal.is_working_day(day)


def test_8_store_calendar(store: Store) -> None:
    c = store.calendar
    with pytest.raises(ValidationError, match="not a Scottish public holiday"):
        c.add_working_day(D(2026, 6, 16))
    with pytest.raises(ValidationError, match="Saturday"):
        c.add_working_day(D(2026, 12, 26))
    assert c.add_working_day(D(2026, 6, 15)).calendar
    assert store.local_working_days() == [(D(2026, 6, 15),
                                           "Working day (Scotland's participation in the FIFA World Cup final)")]
    with pytest.raises(ValidationError, match="marked as a working day"):
        c.add_holiday(D(2026, 6, 15), "Staff day")
    c.add_holiday(D(2026, 6, 16), "Staff day")
    assert [(d.day, d.kind) for d in c.days()] == [(D(2026, 6, 15), "working"), (D(2026, 6, 16), "holiday")]
    case = make_case(imposed="2026-06-10")
    store.import_bundle(bundle(case))
    items, _ = caseload_due(store, D(2026, 6, 10))
    assert [i.due_on for i in items if i.kind == "first_meeting"] == [D(2026, 6, 18)]  # 11,12,15,17,18
    c.remove(D(2026, 6, 16))
    items, _ = caseload_due(store, D(2026, 6, 10))
    assert [i.due_on for i in items if i.kind == "first_meeting"] == [D(2026, 6, 17)]
    with pytest.raises(NotFoundError):
        c.remove(D(2026, 6, 16))


# ------------------------------------------------------------------ 9. minor
@pytest.mark.parametrize(
    ("ends", "today", "expected"),
    [
        ("2027-11-01", D(2027, 1, 10), []),                                      # was: done on 01/11/2027
        ("2027-11-01", D(2027, 11, 1), [(D(2027, 11, 1), "done", D(2027, 11, 1))]),
        ("2026-12-31", D(2027, 1, 10), [(D(2026, 12, 31), "done", D(2026, 12, 31))]),
    ],
)
def test_9_completed_order_end_not_done_before_its_date(ends: str, today: dt.date, expected: list[Any]) -> None:
    assert items_of(make_case(status="completed", ends=ends), today, "order_end") == expected


def test_9_end_before_imposition_keeps_reviews() -> None:
    """A store from before the refusal may still hold such an order: its reviews are scheduled
    as if no end date were set, and the warning says so (was: every review silently dropped)."""
    case = make_case(ends="2026-10-01", requirements=[{"kind": "offender_supervision", "months": 12}])
    items, warnings = case_due(case, D(2026, 11, 23), CAL)
    dep_dues = [i.due_on for i in items if i.kind == "departmental_review"]
    assert dep_dues == [D(2027, 2, 2), D(2027, 5, 2)]
    assert [i.due_on for i in items if i.kind == "plan_review"] == [D(2026, 12, 28)]
    assert [w.kind for w in warnings] == ["end_before_imposition"]
    assert "scheduled as if no end date" in warnings[0].message


# ------------------------------------------------------------------ bundles: version 3, and version 1 still
def test_version_3_fields_round_trip(store: Store) -> None:
    case = make_case(imposed="2026-01-15", ends="2027-07-14",
                     reviews=[dep("2026-06-15", 6), {"held_on": "2026-07-01", "kind": "scheduled"}],
                     notes=[note("2026-01-20", "face_to_face")],
                     flags=[plan_flag(reviews=[{"reviewed_on": "2026-12-10", "next_review_on": "2027-03-10"},
                                               {"reviewed_on": "2027-03-09"}])])
    case["order"]["progress_reviews"] = ["2026-04-20", "2026-10-20"]
    case["order"]["progress_review_reports"] = [{"hearing_on": "2026-04-20", "submitted_on": "2026-04-10"}]
    store.import_bundle(bundle(copy.deepcopy(case)))
    exported = store.export_bundle()
    assert exported["version"] == 3
    assert exported["cases"] == [case]


def test_version_1_bundle_imports_and_reexports_as_version_3(store: Store) -> None:
    old = make_case(reviews=[dep("2027-02-01")], notes=[note("2026-11-05", "home_visit")],
                    flags=[plan_flag()])
    old["order"]["progress_reviews"] = ["2026-12-10"]
    store.import_bundle(bundle(copy.deepcopy(old), version=1))
    exported = store.export_bundle()
    assert exported["version"] == 3 and exported["cases"] == [old]
    # and the version 3 export imports again, unchanged
    store.delete_case("CPO-T-0001")
    store.import_bundle(exported)
    assert store.export_bundle()["cases"] == [old]


def test_fast_loader_builds_identical_facts_with_the_new_fields(store: Store) -> None:
    a = make_case(ref="CPO-T-A", imposed="2026-01-15", ends="2027-07-14",
                  reviews=[dep("2026-06-15", 6), dep("2026-07-01"), {"held_on": "2026-07-01", "kind": "scheduled"}],
                  notes=[note("2026-01-20", "face_to_face")],
                  flags=[plan_flag(reviews=[{"reviewed_on": "2026-12-10", "next_review_on": "2027-03-10"}]),
                         plan_flag(review_on=None, reviews=[{"reviewed_on": "2026-12-01"}]),
                         plan_flag(review_on=None), plan_flag(closed_on="2026-12-01")],
                  unpaid_work_sessions=CAP_SESSIONS, requirements=[SUP, upw(100)])
    a["order"]["progress_reviews"] = ["2026-04-20", "2026-10-20"]
    a["order"]["progress_review_reports"] = [{"hearing_on": "2026-10-20", "submitted_on": "2026-10-10"}]
    b = make_case(ref="CPO-T-B", requirements=[upw(60)])
    store.import_bundle(bundle(a, b))
    config = DeadlineConfig(other_activity_cap_percent=30)
    loaded = load_caseload_facts(store, config)
    assert loaded == [facts_from_case(c, config) for c in store.get_cases()]
    assert loaded[0].reports_submitted and len(loaded[0].safety_plans) == 3 and loaded[0].reviews[0].scheduled_months
    for today in (D(2026, 7, 1), D(2026, 12, 20), D(2027, 3, 1)):
        items, _ = caseload_due(store, today, config=config)
        per_case: list[DueItem] = []
        for c in store.get_cases():
            per_case.extend(case_due(c, today, CAL, config)[0])
        assert sorted(items, key=repr) == sorted(per_case, key=repr)
