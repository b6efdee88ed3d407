"""search_cases after the benchmark changes: names (accent-insensitive), notes, privacy mode."""

from __future__ import annotations

import copy
from typing import Any

from app.models.store import Store
from app.models.store.search import fold, search_cases


def test_fold_is_unchanged_for_ascii_and_accents() -> None:
    assert fold("MacDonald") == "macdonald"
    # apostrophes and hyphens fold away as accents do (issue 19: "darcy" finds D'Arcy)
    assert fold("Màiri Nic a' Phearsain") == "mairi nic a phearsain"
    assert fold("D’Arcy Smith-Jones") == "darcy smithjones"
    assert fold("Wiśniewska STRASSE ß") == "wisniewska strasse ss"


def test_names_notes_and_privacy(store: Store, example_bundle: dict[str, Any]) -> None:
    base = example_bundle["cases"][0]
    cases = []
    for i, (given, note, sensitivity) in enumerate([
        ("Màiri", "Talked about the allotment", "ordinary"),
        ("Eilidh", "Partner mentioned the allotment", "not_for_disclosure"),
        ("Ciarán", "Housing interview booked", "ordinary"),
    ]):
        case = copy.deepcopy(base)
        case["reference"] = f"SRCH-{i}"
        case["individual"]["given_names"] = given
        case["individual"].pop("preferred_name", None)
        case["notes"] = [{"date": case["order"]["imposed_on"], "kind": "office", "text": note,
                          "sensitivity": sensitivity}]
        cases.append(case)
    store.import_bundle({**example_bundle, "cases": cases})
    assert "SRCH-0" in search_cases(store, "mairi")
    assert "SRCH-2" in search_cases(store, "CIARAN")
    assert {"SRCH-0", "SRCH-1"} <= set(search_cases(store, "allot"))
    assert "SRCH-2" not in search_cases(store, "allot")
    private = search_cases(store, "allotment", include_restricted=False)
    assert "SRCH-0" in private and "SRCH-1" not in private
