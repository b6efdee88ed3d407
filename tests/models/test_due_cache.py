"""The per-case due date cache (caseload_facts.DueCache, issue 20): cached and recomputed
answers are identical over the demo data and after random edits, and a change to one case
works out that case alone."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest

from app.models.demo import demo_bundle
from app.models.errors import ValidationError
from app.models.rules.deadlines import caseload_due, save_deadline_config
from app.models.store import Store, cases
from app.models.store.caseload_facts import WATCHED_TABLES, due_cache

D = dt.date
TODAY = D(2026, 11, 23)


def _same(store: Store, today: dt.date, within: int | None = None) -> tuple[list[Any], list[Any]]:
    cached = caseload_due(store, today, within)
    fresh = caseload_due(store, today, within, cached=False)
    assert cached[0] == fresh[0]  # same items, same order (DueItem equality covers status and done_on)
    assert cached[1] == fresh[1]
    return cached


@pytest.fixture
def demo_store(store: Store) -> Store:
    store.import_bundle(demo_bundle(40, seed=20, today=TODAY))
    return store


def test_cached_equals_recomputed_over_the_demo_data(demo_store: Store) -> None:
    items, _ = _same(demo_store, TODAY)
    assert len(items) > 300 and {i.status for i in items} == {"done", "met_late", "open", "overdue"}
    cache = due_cache(demo_store)
    assert len(cache.recomputed) == 40
    _same(demo_store, TODAY)
    assert cache.recomputed == set()  # nothing changed: nothing worked out again
    for day in (D(2026, 11, 24), D(2027, 1, 10), D(2026, 3, 1), D(2025, 6, 1), TODAY, D(2028, 1, 1)):
        _same(demo_store, day)
        _same(demo_store, day, within=14)


def test_one_note_recomputes_one_case(demo_store: Store) -> None:
    caseload_due(demo_store, TODAY)
    cache = due_cache(demo_store)
    total = cache.recomputed_total
    refs = demo_store.case_references()
    ref = refs[7]
    demo_store.add_item(ref, "notes", {"date": "2026-11-20", "kind": "home_visit", "text": "Visited at home",
                                       "sensitivity": "ordinary"})
    _same(demo_store, TODAY)
    assert cache.recomputed == {ref} and cache.recomputed_total == total + 1
    # a second note to another case: that case alone again
    demo_store.add_item(refs[3], "notes", {"date": "2026-11-21", "kind": "phone", "text": "Phoned",
                                           "sensitivity": "ordinary"})
    _same(demo_store, TODAY)
    assert cache.recomputed == {refs[3]} and cache.recomputed_total == total + 2


def test_settings_and_calendar_recompute_every_case(demo_store: Store) -> None:
    caseload_due(demo_store, TODAY)
    cache = due_cache(demo_store)
    save_deadline_config(demo_store, report_days_before=9)
    _same(demo_store, TODAY)
    assert len(cache.recomputed) == 40
    demo_store.set_local_holiday(D(2026, 11, 26), "Council staff day")
    _same(demo_store, TODAY)
    assert len(cache.recomputed) == 40
    demo_store.calendar.add_working_day(D(2026, 12, 25), "Open on Christmas Day")
    _same(demo_store, TODAY)
    assert len(cache.recomputed) == 40


def test_refused_change_recomputes_nothing(demo_store: Store) -> None:
    caseload_due(demo_store, TODAY)
    ref = demo_store.case_references()[0]
    with pytest.raises(ValidationError):
        demo_store.add_item(ref, "notes", {"date": "2027-05-01", "kind": "office", "text": "Ahead of today",
                                           "sensitivity": "ordinary"})
    _same(demo_store, TODAY)
    assert due_cache(demo_store).recomputed == set()


def test_rename_delete_and_new_cases(demo_store: Store) -> None:
    caseload_due(demo_store, TODAY)
    old, gone = demo_store.case_references()[:2]
    cases.rename(demo_store, old, "CPO-RENAMED-1")
    cases.delete(demo_store, gone)
    bundle = demo_bundle(3, seed=99, today=TODAY)
    for c in bundle["cases"]:
        c["reference"] += "-NEW"
    demo_store.import_bundle(bundle)
    items, _ = _same(demo_store, TODAY)
    seen = {i.case for i in items}
    assert "CPO-RENAMED-1" in seen and old not in seen and gone not in seen
    assert sum(r.endswith("-NEW") for r in seen) == 3


def test_every_watched_table_exists() -> None:
    """The cache watches the tables the facts are read from: a renamed table would go unseen."""
    from app.models.store.entities import Base

    assert set(WATCHED_TABLES) | {"requirements"} <= set(Base.metadata.tables)


def _random_edit(store: Store, rng: random.Random, refs: list[str], today: dt.date) -> str:
    ref = rng.choice(refs)
    case = store.get_case(ref)
    imposed = D.fromisoformat(case["order"]["imposed_on"])
    span = max(0, (TODAY - imposed).days)

    def day() -> str:
        return (imposed + dt.timedelta(days=rng.randint(0, span))).isoformat()

    op = rng.choice(["note", "note", "note_delete", "review", "goal", "flag", "flag_close", "session",
                     "assessment", "settings", "holiday", "working_day", "order", "intensity"])
    if op == "note":
        store.add_item(ref, "notes", {"date": day(), "kind": rng.choice(["home_visit", "office", "phone",
                                                                          "face_to_face", "agency_liaison"]),
                                      "text": "Random edit", "sensitivity": "ordinary"})
    elif op == "note_delete" and case.get("notes"):
        store.delete_item(ref, "notes", rng.randrange(len(case["notes"])))
    elif op == "review":
        held = day()
        review: dict[str, Any] = {"held_on": held, "kind": rng.choice(["scheduled", "departmental"]),
                                  "summary": "Reviewed the plan."}
        if rng.random() < 0.5:
            review["next_review_on"] = (D.fromisoformat(held) + dt.timedelta(weeks=rng.randint(2, 12))).isoformat()
        store.add_item(ref, "reviews", review)
    elif op == "goal":
        store.add_item(ref, "goals", {"id": f"GR{rng.randint(100, 999)}", "need_area": "accommodation",
                                      "description": "Find settled housing"})
    elif op == "flag":
        store.add_item(ref, "flags", {"kind": "victim_safety_plan", "raised_on": day(),
                                      "review_on": (TODAY + dt.timedelta(days=rng.randint(-40, 40))).isoformat(),
                                      "sensitivity": "ordinary"})
    elif op == "flag_close" and case.get("flags"):
        i = rng.randrange(len(case["flags"]))
        flag = dict(case["flags"][i])
        flag["closed_on"] = day() if flag["raised_on"] <= TODAY.isoformat() else flag["raised_on"]
        if flag["closed_on"] < flag["raised_on"]:
            flag["closed_on"] = flag["raised_on"]
        store.update_item(ref, "flags", i, flag)
    elif op == "session":
        store.add_item(ref, "unpaid_work_sessions", {"date": day(), "hours": rng.choice([3.5, 7.0, 20.0]),
                                                     "kind": rng.choice(["unpaid_work", "other_activity"])})
    elif op == "assessment":
        store.add_item(ref, "assessments", {"tool": "LS/CMI", "completed_on": day(), "risk_level": "low"})
    elif op == "settings":
        save_deadline_config(store, report_days_before=rng.randint(0, 20),
                             intensity_weeks={"medium": rng.randint(4, 10)},
                             other_activity_cap_percent=rng.choice([0, 30, 100]))
    elif op == "holiday":
        store.set_local_holiday(TODAY + dt.timedelta(days=rng.randint(-200, 60)), "Local holiday")
    elif op == "working_day":
        store.calendar.add_working_day(D(2026, 12, 25) if rng.random() < 0.5 else D(2026, 11, 30), "Open")
    elif op == "order":
        ends = case["order"].get("ends_on")
        if ends:
            moved = D.fromisoformat(ends) + dt.timedelta(days=rng.randint(-30, 30))
            store.update_case(ref, {"order": {**case["order"], "ends_on": moved.isoformat()}})
    elif op == "intensity":
        store.update_case(ref, {"supervision_intensity": rng.choice(["high", "medium", "low"])})
    return op


@pytest.mark.parametrize("seed", [1, 2])
def test_cached_equals_recomputed_after_random_edits(demo_store: Store, seed: int) -> None:
    rng = random.Random(seed)
    refs = demo_store.case_references()
    today = TODAY
    _same(demo_store, today)
    done: list[str] = []
    for _ in range(45):
        if rng.random() < 0.25:  # today moves too, forwards and back
            today = TODAY + dt.timedelta(days=rng.randint(-120, 120))
        else:
            try:
                done.append(_random_edit(demo_store, rng, refs, today))
            except ValidationError:
                done.append("refused")
        _same(demo_store, today)
        if rng.random() < 0.3:
            _same(demo_store, today, within=rng.choice([0, 7, 30]))
    assert len(set(done)) >= 8  # the edits were varied
