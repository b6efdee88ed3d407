"""A caseload build pauses the cyclic collector; in the desktop app (``freeze_after_builds``)
what it built is frozen on the way out, so the next young collection does not walk every due
item it made (a 60 ms GIL-holding stall of the GUI thread, found by the GUI probe)."""

from __future__ import annotations

import datetime as dt
import gc

import pytest

from app.models.rules import deadlines


@pytest.fixture
def policy():
    yield deadlines.freeze_after_builds
    deadlines.freeze_after_builds(False)
    gc.unfreeze()


def _build() -> None:
    with deadlines._gc_paused():
        keep.extend((dt.date(2026, 1, 1 + i % 28), [i]) for i in range(60_000))


keep: list[object] = []


def _watched() -> int:
    """Objects the cyclic collector walks (not frozen)."""
    return sum(len(gc.get_objects(generation)) for generation in range(3))


def test_a_build_leaves_its_objects_out_of_the_young_generation(policy) -> None:
    policy(True)
    keep.clear()
    gc.collect()
    _build()
    assert gc.isenabled()
    assert _watched() < 60_000  # the 120,000 new objects are frozen: no collection walks them
    keep.clear()


def test_without_the_policy_the_young_generation_holds_them(policy) -> None:
    policy(False)
    keep.clear()
    gc.collect()
    _build()
    assert _watched() > 120_000  # a collection will walk them all (the first one already has)
    keep.clear()
    gc.collect()


def test_sort_in_turns_sorts_as_list_sort_does() -> None:
    import random

    rows = [(dt.date(2026, 1, 1) + dt.timedelta(days=random.randrange(400)), f"CPO-{random.randrange(5000):04d}",
             random.randrange(9)) for _ in range(3 * deadlines.SORT_TURN + 17)]
    expected = sorted(rows)
    deadlines.sort_in_turns(rows)
    assert rows == expected
    short = [3, 1, 2]
    deadlines.sort_in_turns(short)
    assert short == [1, 2, 3]


def test_sort_in_turns_lets_another_thread_run_between_slices(monkeypatch: pytest.MonkeyPatch) -> None:
    turns: list[float] = []
    monkeypatch.setattr(deadlines.time, "sleep", turns.append)
    deadlines.sort_in_turns(list(range(10 * deadlines.SORT_TURN, 0, -1)))
    assert len(turns) == 10 and set(turns) == {0}
