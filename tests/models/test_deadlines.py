"""Due items, statuses, warnings, unpaid work progress and SMART checks (fixed dates)."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
from typing import Any

import pytest

from app.models.demo import demo_bundle
from app.models.errors import ValidationError
from app.models.rules.calendar import WorkingCalendar
from app.models.rules.deadlines import (
    STATUSES,
    DeadlineConfig,
    DueItem,
    case_due,
    caseload_due,
    save_deadline_config,
    upw_progress,
)
from app.models.rules.smart import smart_check
from app.models.store import Store

D = dt.date
CAL = WorkingCalendar()
SUP = {"kind": "offender_supervision", "months": 12}


def upw(hours: int, **extra: Any) -> dict[str, Any]:
    return {"kind": "unpaid_work_or_other_activity", "hours": hours, **extra}


def make_case(imposed: str = "2026-11-02", requirements: list[dict[str, Any]] | None = None,
              ends: str | None = "2027-11-01", dob: str = "1990-05-05", status: str | None = "active",
              **extra: Any) -> dict[str, Any]:
    order: dict[str, Any] = {"court": "Example Sheriff Court", "imposed_on": imposed,
                             "requirements": requirements if requirements is not None else [SUP]}
    if ends:
        order["ends_on"] = ends
    if status:
        order["status"] = status
    case: dict[str, Any] = {"reference": "CPO-T-0001",
                            "individual": {"given_names": "Test", "family_name": "Person", "date_of_birth": dob},
                            "order": order}
    case.update(extra)
    return case


def items_of(case: dict[str, Any], today: dt.date, kind: str, config: DeadlineConfig | None = None
             ) -> list[DueItem]:
    items, _ = case_due(case, today, CAL, config)
    return [i for i in items if i.kind == kind]


def one(case: dict[str, Any], today: dt.date, kind: str) -> DueItem:
    found = items_of(case, today, kind)
    assert len(found) == 1, found
    return found[0]


def note(day: str, kind: str = "office") -> dict[str, Any]:
    return {"date": day, "kind": kind, "text": "Synthetic note.", "sensitivity": "ordinary"}


# ------------------------------------------------------------------ first meeting
@pytest.mark.parametrize(
    ("notes", "today", "status", "done_on"),
    [
        ([note("2026-11-05")], D(2026, 11, 23), "done", D(2026, 11, 5)),
        ([note("2026-11-09", "home_visit")], D(2026, 11, 23), "done", D(2026, 11, 9)),  # on the due date
        ([note("2026-11-10", "home_visit")], D(2026, 11, 23), "met_late", D(2026, 11, 10)),
        ([note("2026-11-04", "phone")], D(2026, 11, 23), "overdue", None),  # a phone call is not a meeting
        ([note("2026-10-20")], D(2026, 11, 23), "overdue", None),  # before the order: does not count
        ([], D(2026, 11, 6), "open", None),
        ([], D(2026, 11, 9), "open", None),  # due today is still open
        ([], D(2026, 11, 10), "overdue", None),
    ],
)
def test_first_meeting(notes: list[dict[str, Any]], today: dt.date, status: str, done_on: dt.date | None) -> None:
    item = one(make_case(notes=notes), today, "first_meeting")
    assert item.due_on == D(2026, 11, 9)
    assert (item.status, item.done_on) == (status, done_on)
    assert item.label == "First meeting (5 working days)"


def test_no_supervision_no_meeting_or_assessment() -> None:
    items, _ = case_due(make_case(requirements=[upw(60)]), D(2026, 11, 23), CAL)
    kinds = {i.kind for i in items}
    assert "first_meeting" not in kinds and "assessment" not in kinds
    assert {"upw_start", "upw_completion", "order_end", "plan_review"} <= kinds  # issue 18.6: plan reviews too


# ------------------------------------------------------------------ unpaid work start / assessment
@pytest.mark.parametrize(
    ("sessions", "status"),
    [
        ([{"date": "2026-11-11", "hours": 7}], "done"),
        ([{"date": "2026-11-12", "hours": 7}], "met_late"),
        ([{"date": "2026-11-20", "hours": 7}, {"date": "2026-11-06", "hours": 3.5, "kind": "other_activity"}], "done"),
        ([], "overdue"),
    ],
)
def test_upw_start(sessions: list[dict[str, Any]], status: str) -> None:
    item = one(make_case(requirements=[upw(60)], unpaid_work_sessions=sessions), D(2026, 11, 23), "upw_start")
    assert item.due_on == D(2026, 11, 11)
    assert item.status == status


def test_assessment_skips_st_andrews_day() -> None:
    case = make_case(assessments=[{"tool": "LS/CMI", "completed_on": "2026-12-01"}])
    item = one(case, D(2026, 12, 10), "assessment")
    assert (item.due_on, item.status, item.done_on) == (D(2026, 12, 1), "done", D(2026, 12, 1))
    case["assessments"][0]["completed_on"] = "2026-12-02"
    assert one(case, D(2026, 12, 10), "assessment").status == "met_late"
    del case["assessments"]
    assert one(case, D(2026, 11, 30), "assessment").status == "open"
    assert one(case, D(2026, 12, 2), "assessment").status == "overdue"


# ------------------------------------------------------------------ unpaid work completion
@pytest.mark.parametrize(
    ("imposed", "hours", "extra", "due"),
    [
        ("2026-11-02", 100, {}, D(2027, 2, 2)),     # level 1: 3 months
        ("2026-11-02", 101, {}, D(2027, 5, 2)),     # level 2: 6 months
        ("2026-11-30", 60, {}, D(2027, 2, 28)),     # clamped to month end
        ("2027-11-30", 60, {}, D(2028, 2, 29)),     # leap year
        ("2026-08-31", 200, {}, D(2027, 2, 28)),
        ("2026-11-02", 60, {"complete_by": "2027-06-30"}, D(2027, 6, 30)),  # the court's date wins
    ],
)
def test_upw_completion_deadline(imposed: str, hours: int, extra: dict[str, Any], due: dt.date) -> None:
    item = one(make_case(imposed=imposed, requirements=[upw(hours, **extra)], ends="2029-01-01"),
               D(2026, 11, 23), "upw_completion")
    assert item.due_on == due
    assert item.label == f"Unpaid work completed ({hours} hours)"


def test_upw_completion_done_on_the_session_that_reached_the_hours() -> None:
    sessions = [{"date": "2026-11-09", "hours": 7}, {"date": "2026-11-16", "hours": 7},
                {"date": "2026-11-23", "hours": 3.5, "kind": "other_activity"},
                {"date": "2026-11-20", "hours": 2.5}, {"date": "2026-12-01", "hours": 7}]
    case = make_case(requirements=[upw(20)], unpaid_work_sessions=sessions)
    item = one(case, D(2026, 12, 10), "upw_completion")
    assert (item.status, item.done_on) == ("done", D(2026, 11, 23))  # 7 + 7 + 2.5 + 3.5 = 20
    late = make_case(imposed="2026-08-03", requirements=[upw(20)], unpaid_work_sessions=sessions)
    item = one(late, D(2026, 12, 10), "upw_completion")
    assert (item.due_on, item.status, item.done_on) == (D(2026, 11, 3), "met_late", D(2026, 11, 23))
    short = make_case(requirements=[upw(40)], unpaid_work_sessions=sessions)
    assert one(short, D(2027, 2, 3), "upw_completion").status == "overdue"
    assert one(short, D(2026, 12, 10), "upw_completion").status == "open"


# ------------------------------------------------------------------ departmental reviews
def test_departmental_review_schedule_and_matching() -> None:
    reviews = [
        {"held_on": "2026-04-10", "kind": "departmental"},   # nearest 15/04: done early
        {"held_on": "2026-07-20", "kind": "departmental"},   # nearest 15/07: met late
        {"held_on": "2026-10-01", "kind": "scheduled"},      # not departmental: does not count
    ]
    case = make_case(imposed="2026-01-15", ends="2027-07-14", reviews=reviews)
    found = items_of(case, D(2027, 2, 1), "departmental_review")
    assert [(i.due_on, i.status, i.done_on) for i in found] == [
        (D(2026, 4, 15), "done", D(2026, 4, 10)),
        (D(2026, 7, 15), "met_late", D(2026, 7, 20)),
        (D(2027, 1, 15), "overdue", None),
    ]  # 15/07/2027 is after the order ends on 14/07/2027: not due
    assert [i.label for i in found] == ["Departmental review (3 months)", "Departmental review (6 months)",
                                        "Departmental review (12 months)"]


def test_departmental_review_month_end_and_no_end_date() -> None:
    case = make_case(imposed="2026-11-30", ends=None, requirements=[{"kind": "offender_supervision", "months": 12}])
    dues = [i.due_on for i in items_of(case, D(2026, 12, 1), "departmental_review")]
    assert dues == [D(2027, 2, 28), D(2027, 5, 30)]  # 30/11/2027 is the end of a 12-month order


# ------------------------------------------------------------------ plan reviews
@pytest.mark.parametrize(("intensity", "due"), [("high", D(2026, 11, 30)), ("medium", D(2026, 12, 28)),
                                                ("low", D(2027, 1, 25)), (None, D(2026, 12, 28))])
def test_plan_review_by_intensity(intensity: str | None, due: dt.date) -> None:
    case = make_case(**({"supervision_intensity": intensity} if intensity else {}))
    item = one(case, D(2026, 11, 23), "plan_review")
    assert (item.due_on, item.status) == (due, "open")


def test_plan_review_follows_the_last_review() -> None:
    reviews = [
        {"held_on": "2027-01-04", "kind": "scheduled", "next_review_on": "2027-03-01"},
        {"held_on": "2027-02-22", "kind": "significant_change"},  # no date set: interval from this review
    ]
    case = make_case(supervision_intensity="high", reviews=reviews)
    found = items_of(case, D(2027, 3, 30), "plan_review")
    assert [(i.due_on, i.status, i.done_on) for i in found] == [
        (D(2026, 11, 30), "met_late", D(2027, 1, 4)),
        (D(2027, 3, 1), "done", D(2027, 2, 22)),
        (D(2027, 3, 22), "overdue", None),
    ]
    del reviews[1]
    last = items_of(make_case(supervision_intensity="high", reviews=reviews), D(2027, 2, 1), "plan_review")[-1]
    assert (last.due_on, last.status) == (D(2027, 3, 1), "open")


def test_plan_review_interval_is_configurable() -> None:
    config = DeadlineConfig(intensity_weeks={"high": 2, "medium": 6, "low": 10}, report_days_before=5)
    item = items_of(make_case(supervision_intensity="low"), D(2026, 11, 23), "plan_review", config)[0]
    assert item.due_on == D(2027, 1, 11)
    assert "10 weeks" in item.label


# ------------------------------------------------------------------ court progress reviews, safety plans, end
def test_progress_review_report() -> None:
    order_extra = {"progress_reviews": ["2026-12-10", "2026-11-20"]}
    case = make_case()
    case["order"].update(order_extra)
    found = items_of(case, D(2026, 11, 23), "progress_review_report")
    # 20/11 has passed with no report recorded as submitted: still overdue (issue 18.3)
    assert [(i.due_on, i.status) for i in found] == [(D(2026, 11, 13), "overdue"), (D(2026, 12, 3), "open")]
    assert items_of(case, D(2026, 12, 4), "progress_review_report")[1].status == "overdue"
    config = DeadlineConfig(report_days_before=3)
    assert items_of(case, D(2026, 11, 23), "progress_review_report", config)[1].due_on == D(2026, 12, 7)
    # Across Christmas: a review on 06/01/2027 needs the report five working days before.
    case["order"]["progress_reviews"] = ["2027-01-06"]
    assert one(case, D(2026, 11, 23), "progress_review_report").due_on == D(2026, 12, 24)


def test_victim_safety_plan_review() -> None:
    flags = [
        {"kind": "victim_safety_plan", "raised_on": "2026-11-02", "review_on": "2026-12-14"},
        {"kind": "victim_safety_plan", "raised_on": "2026-11-02", "review_on": "2026-11-16",
         "closed_on": "2026-11-10"},
        {"kind": "domestic_abuse", "raised_on": "2026-11-02", "review_on": "2026-11-16"},
    ]
    case = make_case(flags=flags)
    found = items_of(case, D(2026, 11, 23), "victim_safety_plan_review")
    assert [(i.due_on, i.status) for i in found] == [(D(2026, 12, 14), "open")]
    assert one(case, D(2026, 12, 15), "victim_safety_plan_review").status == "overdue"


def test_order_end_and_inactive_orders() -> None:
    case = make_case(notes=[note("2026-11-05")])
    assert one(case, D(2026, 11, 23), "order_end").status == "open"
    assert one(case, D(2027, 11, 2), "order_end").status == "overdue"  # still marked active after its end
    done = make_case(status="completed", notes=[note("2026-11-05")])
    items, _ = case_due(done, D(2027, 12, 1), CAL)
    assert {i.status for i in items} <= {"done", "met_late"}
    assert {i.kind for i in items} == {"first_meeting", "order_end"}
    revoked = make_case(status="revoked", notes=[note("2026-11-10")])
    items, _ = case_due(revoked, D(2027, 12, 1), CAL)
    assert [(i.kind, i.status) for i in items] == [("first_meeting", "met_late")]
    absent = make_case(status=None)
    assert one(absent, D(2026, 11, 23), "order_end").status == "open"  # no status means active


def test_statuses_and_sorting() -> None:
    items, _ = case_due(make_case(requirements=[SUP, upw(150)]), D(2027, 3, 1), CAL)
    assert {i.status for i in items} <= set(STATUSES)
    assert [i.due_on for i in items] == sorted(i.due_on for i in items)


# ------------------------------------------------------------------ warnings
def warnings_of(case: dict[str, Any]) -> list[tuple[str, str]]:
    _, warnings = case_due(case, D(2026, 11, 23), CAL)
    return [(w.kind, w.message) for w in warnings]


def test_under_18_without_supervision() -> None:
    kinds = [k for k, _ in warnings_of(make_case(requirements=[upw(60)], dob="2009-06-01"))]
    assert kinds == ["under_18_without_supervision"]
    assert warnings_of(make_case(requirements=[SUP, upw(60)], dob="2009-06-01")) == []
    # 18 on the day the order was imposed: no warning; 17 the day before it.
    assert warnings_of(make_case(requirements=[upw(60)], dob="2008-11-02")) == []
    assert [k for k, _ in warnings_of(make_case(requirements=[upw(60)], dob="2008-11-03"))] == [
        "under_18_without_supervision"]


def test_range_and_date_warnings() -> None:
    case = make_case(requirements=[{"kind": "offender_supervision", "months": 40}, upw(10)], ends="2026-10-01")
    got = warnings_of(case)
    assert [k for k, _ in got] == ["upw_hours_out_of_range", "supervision_months_out_of_range",
                                   "end_before_imposition"]
    assert "01/10/2026" in got[2][1] and "02/11/2026" in got[2][1]
    assert [k for k, _ in warnings_of(make_case(requirements=[SUP, upw(301)]))] == ["upw_hours_out_of_range"]
    assert warnings_of(make_case(requirements=[{"kind": "offender_supervision", "months": 36}, upw(300)])) == []


def test_declined_learning_is_never_non_compliance() -> None:
    base = make_case(requirements=[SUP, upw(60)], dob="2000-01-01", notes=[note("2026-11-05")])
    declined = copy.deepcopy(base)
    declined["learning"] = {"assessment_offered_on": "2026-11-05", "declined": True}
    for today in (D(2026, 11, 23), D(2027, 6, 1)):
        assert case_due(declined, today, CAL) == case_due(base, today, CAL)
    _, warnings = case_due(declined, D(2027, 6, 1), CAL)
    assert warnings == []
    assert not any("learn" in w.message.lower() for w in warnings)


# ------------------------------------------------------------------ unpaid work progress
def test_upw_progress(example_bundle: dict[str, Any]) -> None:
    case = example_bundle["cases"][0]
    p = upw_progress(case, D(2026, 11, 23))
    assert p is not None
    assert (p.required_hours, p.hours_done, p.hours_remaining, p.complete_by) == (120, 10.5, 109.5, D(2027, 5, 2))
    assert p.hours_per_week_needed == pytest.approx(109.5 / (161 / 7), abs=0.05)  # 161 days incl. today
    past = upw_progress(case, D(2027, 5, 3))
    assert past is not None and past.hours_per_week_needed is None
    done = make_case(requirements=[upw(20)], unpaid_work_sessions=[{"date": "2026-11-09", "hours": 20}])
    finished = upw_progress(done, D(2026, 11, 23))
    assert finished is not None and finished.hours_remaining == 0 and finished.hours_per_week_needed is None
    assert upw_progress(make_case(), D(2026, 11, 23)) is None


# ------------------------------------------------------------------ SMART
GOOD_GOAL = {"id": "G1", "need_area": "accommodation",
             "description": "Move from temporary accommodation into a settled tenancy",
             "measure": "Tenancy agreement signed", "achievable": "Housing officer has a flat in view",
             "realistic": "Housing support worker allocated", "target_date": "2027-03-31"}


@pytest.mark.parametrize(
    ("change", "letters"),
    [
        ({}, []),
        ({"measure": None}, ["M"]),
        ({"measure": "   "}, ["M"]),
        ({"target_date": None}, ["T"]),
        ({"target_date": "31/03/2027"}, ["T"]),
        ({"description": "Housing"}, ["S"]),
        ({"description": ""}, ["S"]),
        ({"achievable": None, "realistic": None}, ["A", "R"]),
        ({"measure": None, "target_date": None}, ["M", "T"]),
    ],
)
def test_smart_check(change: dict[str, Any], letters: list[str]) -> None:
    goal = {k: v for k, v in {**GOOD_GOAL, **change}.items() if v is not None}
    problems = smart_check(goal)
    assert [p.letter for p in problems] == letters
    assert all(p.reason for p in problems)
    if letters == ["M"]:
        assert problems[0].reason == "no measure of progress"
    if letters == ["T"] and "target_date" not in goal:
        assert problems[0].reason == "no target date"


# ------------------------------------------------------------------ configuration
def test_config_from_store(store: Store) -> None:
    assert DeadlineConfig.for_store(store) == DeadlineConfig()
    store.set_setting("intensity_weeks", {"high": 3, "bogus": 9, "low": "x"})
    store.set_setting("report_days_before", 7)
    config = DeadlineConfig.for_store(store)
    assert config.intensity_weeks == {"high": 3, "medium": 8, "low": 12}
    assert config.report_days_before == 7
    saved = save_deadline_config(store, {"low": 16}, 4)
    assert saved.intensity_weeks == {"high": 3, "medium": 8, "low": 16} and saved.report_days_before == 4
    with pytest.raises(ValidationError):
        save_deadline_config(store, {"urgent": 1})
    with pytest.raises(ValidationError):
        save_deadline_config(store, report_days_before=-1)
    assert DeadlineConfig.for_store(store) == saved


# ------------------------------------------------------------------ caseload
def _varied_cases() -> list[dict[str, Any]]:
    """Cases that exercise every rule, to compare the per-case and caseload paths."""
    a = make_case(requirements=[SUP, upw(150)], supervision_intensity="high",
                  notes=[note("2026-10-01"), note("2026-11-12", "home_visit"), note("2026-11-05", "phone")],
                  unpaid_work_sessions=[{"date": "2026-10-30", "hours": 7}, {"date": "2026-11-12", "hours": 7},
                                        {"date": "2026-11-19", "hours": 3.5}],
                  assessments=[{"tool": "LS/CMI", "completed_on": "2026-10-20"},
                               {"tool": "LS/CMI", "completed_on": "2026-12-03"}],
                  flags=[{"kind": "victim_safety_plan", "raised_on": "2026-11-02", "review_on": "2027-01-11"}],
                  reviews=[{"held_on": "2026-11-27", "kind": "scheduled"},
                           {"held_on": "2027-01-29", "kind": "departmental", "next_review_on": "2027-03-01"}])
    a["reference"] = "CPO-T-A"
    a["order"]["progress_reviews"] = ["2027-02-03", "2027-05-05"]
    b = make_case(imposed="2026-05-29", requirements=[upw(20, complete_by="2026-07-31")], dob="2009-01-01",
                  unpaid_work_sessions=[{"date": "2026-06-05", "hours": 7}, {"date": "2026-06-12", "hours": 6.5},
                                        {"date": "2026-06-19", "hours": 6.5}], ends=None)
    b["reference"] = "CPO-T-B"
    c = make_case(imposed="2025-11-30", status="completed", ends="2026-11-29", notes=[note("2025-12-04")])
    c["reference"] = "CPO-T-C"
    return [a, b, c]


def _compare(store: Store, today: dt.date, cases: list[dict[str, Any]]) -> int:
    cal = WorkingCalendar.for_store(store)
    config = DeadlineConfig.for_store(store)
    items, warnings = caseload_due(store, today)
    per_case_items: list[DueItem] = []
    per_case_warnings = []
    for case in cases:
        i, w = case_due(case, today, cal, config)
        per_case_items.extend(i)
        per_case_warnings.extend(w)
    assert sorted(items, key=repr) == sorted(per_case_items, key=repr)
    assert sorted(warnings, key=repr) == sorted(per_case_warnings, key=repr)
    assert [i.due_on for i in items] == sorted(i.due_on for i in items)
    return len(items)


def test_caseload_matches_case_due_on_demo_data(store: Store) -> None:
    today = D(2026, 11, 23)
    bundle = demo_bundle(60, seed=7, today=today)
    bundle["cases"].extend(_varied_cases())
    store.import_bundle(bundle)
    store.set_local_holiday(D(2026, 11, 24), "Council staff day")
    store.set_setting("intensity_weeks", {"high": 3, "medium": 6, "low": 10})
    cases = store.get_cases()
    assert len(cases) == 63
    for day in (today, D(2027, 2, 1), D(2025, 12, 1)):
        assert _compare(store, day, cases) > 60
    items, _ = caseload_due(store, today)
    kinds = {i.kind for i in items}
    assert {"first_meeting", "upw_start", "assessment", "upw_completion", "departmental_review", "plan_review",
            "progress_review_report", "victim_safety_plan_review", "order_end"} <= kinds
    assert {i.status for i in items} == set(STATUSES)


def test_caseload_within(store: Store) -> None:
    today = D(2026, 11, 23)
    store.import_bundle(demo_bundle(40, seed=11, today=today))
    everything, _ = caseload_due(store, today)
    work, _ = caseload_due(store, today, within_days=14)
    expected = [i for i in everything
                if i.status == "overdue" or (i.status == "open" and i.due_on <= today + dt.timedelta(days=14))]
    assert work == expected
    assert any(i.status == "open" for i in work) and any(i.status == "overdue" for i in work)
    assert not any(i.status in ("done", "met_late") for i in work)
    today_only, _ = caseload_due(store, today, within_days=0)
    assert all(i.status == "overdue" or i.due_on == today for i in today_only)
    with pytest.raises(ValidationError):
        caseload_due(store, today, within_days=-1)


def test_caseload_uses_store_local_holidays(store: Store) -> None:
    case = make_case(imposed="2026-11-23")
    store.import_bundle({"format": "casebook.case-bundle", "version": 1, "cases": [case]})
    first = [i for i in caseload_due(store, D(2026, 11, 23))[0] if i.kind == "first_meeting"][0]
    assert first.due_on == D(2026, 12, 1)  # 24, 25, 26, 27 Nov, (30 Nov St Andrew's), 1 Dec
    store.set_local_holiday(D(2026, 11, 25), "Council staff day")
    first = [i for i in caseload_due(store, D(2026, 11, 23))[0] if i.kind == "first_meeting"][0]
    assert first.due_on == D(2026, 12, 2)


def test_caseload_uses_a_fixed_number_of_queries(store: Store) -> None:
    """Set-based: the number of statements does not grow with the caseload."""
    from sqlalchemy import event

    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(store._engine, "before_cursor_execute", count)
    try:
        today = D(2026, 11, 23)
        store.import_bundle(demo_bundle(5, seed=3, today=today))
        statements.clear()
        caseload_due(store, today)
        small = len(statements)
        bundle = demo_bundle(60, seed=4, today=today)
        for c in bundle["cases"]:
            c["reference"] += "-B"
        store.import_bundle(bundle)
        statements.clear()
        caseload_due(store, today)
        assert len(statements) == small <= 16
    finally:
        event.remove(store._engine, "before_cursor_execute", count)


def test_caseload_facts_equal_facts_from_case_and_items_equal_constructed(store: Store) -> None:
    """The fast paths build the same objects as the plain ones: the set-based facts equal
    ``facts_from_case`` field for field, and the due items equal ``DueItem(...)`` built normally."""
    from app.models.rules.deadlines import facts_from_case
    from app.models.store.caseload_facts import load_caseload_facts

    today = D(2026, 11, 23)
    bundle = demo_bundle(40, seed=5, today=today)
    bundle["cases"].extend(_varied_cases())
    store.import_bundle(bundle)
    cases = sorted(store.get_cases(), key=lambda c: c["reference"])
    loaded = load_caseload_facts(store)
    assert loaded == [facts_from_case(c) for c in cases]
    assert any(f.upw_completed_on for f in loaded) and any(f.reviews for f in loaded)
    items, _ = caseload_due(store, today)
    assert items
    for item in items[:200]:
        plain = DueItem(item.case, item.kind, item.due_on, item.status, item.done_on, item.label)
        assert item == plain and hash(item) == hash(plain) and repr(item) == repr(plain)
        assert dataclasses.astuple(item) == dataclasses.astuple(plain)


def test_departmental_review_without_next_date_is_not_a_plan_review() -> None:
    import datetime as _dt

    from app.models.rules.calendar import WorkingCalendar
    from app.models.rules.deadlines import case_due

    case = {
        "reference": "CPO-T-DEP",
        "individual": {"given_names": "Test", "family_name": "Person", "date_of_birth": "1990-01-01"},
        "order": {"court": "Test Sheriff Court", "imposed_on": "2026-01-12", "ends_on": "2027-01-11",
                  "requirements": [{"kind": "offender_supervision", "months": 12}]},
        "supervision_intensity": "low",
        "reviews": [
            {"held_on": "2026-04-02", "kind": "scheduled", "next_review_on": "2026-06-25"},
            {"held_on": "2026-04-02", "kind": "departmental"},
            {"held_on": "2026-06-22", "kind": "scheduled", "next_review_on": "2026-09-14"},
        ],
    }
    items, _ = case_due(case, _dt.date(2026, 7, 1), WorkingCalendar())
    plan = [(i.due_on.isoformat(), i.done_on.isoformat() if i.done_on else None)
            for i in items if i.kind == "plan_review"]
    assert plan == [("2026-04-06", "2026-04-02"), ("2026-06-25", "2026-06-22"), ("2026-09-14", None)]
