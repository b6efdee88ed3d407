"""Property tests: validators raise only ValidationError; a mutated bundle is imported
fully or rejected with the store unchanged."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.models.errors import ValidationError
from app.models.store import Store
from app.models.store import bundle as B

KEYS = ["format", "version", "cases", "reference", "individual", "order", "requirements", "kind", "hours",
        "months", "date", "text", "sensitivity", "goals", "id", "notes", "reviews", "goal_progress",
        "goal_id", "given_names", "family_name", "date_of_birth", "court", "imposed_on", "flags", "contract"]
DEFS = [None, *B.schema()["$defs"].keys()]

scalars = (st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=False, allow_infinity=False)
           | st.text(max_size=12) | st.sampled_from(["2026-11-23", "2026-02-30", "not_for_disclosure",
                                                     "unpaid_work_or_other_activity", "CPO-2026-0001", ""]))
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=6), inner, max_size=5),
    max_leaves=20,
)
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(value=json_values, definition=st.sampled_from(DEFS))
def test_check_raises_only_validation_errors(value: Any, definition: str | None) -> None:
    try:
        B.check(value, definition)
    except ValidationError as exc:
        assert str(exc) and "\n" not in str(exc)


@FAST
@given(value=json_values)
def test_validate_bundle_raises_only_validation_errors(value: Any) -> None:
    try:
        B.validate_bundle(value, ["CPO-2026-0001"])
    except ValidationError:
        pass


def _paths(node: Any, here: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [here]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, here + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, here + (i,))
    return out


@st.composite
def mutated_bundles(draw: st.DrawFn, base: dict[str, Any]) -> dict[str, Any]:
    data = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(data)
        path = draw(st.sampled_from(paths[1:]))
        parent: Any = data
        for part in path[:-1]:
            parent = parent[part]
        last = path[-1]
        op = draw(st.sampled_from(["replace", "delete", "add", "duplicate"]))
        if op == "replace":
            parent[last] = draw(json_values)
        elif op == "delete":
            del parent[last]
        elif op == "add" and isinstance(parent[last], dict):
            parent[last][draw(st.sampled_from(KEYS))] = draw(json_values)
        elif op == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[last]))
        else:
            parent[last] = draw(scalars)
    return data


def _snapshot(store: Store) -> tuple[Any, ...]:
    return (store.case_references(), json.dumps(store.get_cases(), sort_keys=True, default=str),
            len(store.audit_events()))


def test_mutated_bundles_import_fully_or_change_nothing(store: Store, example_bundle: dict[str, Any]) -> None:
    existing = copy.deepcopy(example_bundle)
    existing["cases"][0]["reference"] = "EXISTING-0001"
    store.import_bundle(existing)
    outcomes = {"imported": 0, "rejected": 0}

    @settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
    @given(data=mutated_bundles(example_bundle))
    def run(data: dict[str, Any]) -> None:
        before = _snapshot(store)
        try:
            refs = store.import_bundle(data)
        except ValidationError:
            assert _snapshot(store) == before
            outcomes["rejected"] += 1
            return
        outcomes["imported"] += 1
        assert refs == [c["reference"] for c in data["cases"]]
        for case in data["cases"]:
            stored = store.get_case(case["reference"])
            assert len(stored.get("notes", [])) == len(case.get("notes", []))
            assert stored["individual"]["family_name"] == case["individual"]["family_name"]
            store.delete_case(case["reference"])
        assert store.case_references() == ["EXISTING-0001"]

    run()
    assert outcomes["rejected"] > 0 and outcomes["imported"] > 0, outcomes
    assert store.verify_audit() == []
