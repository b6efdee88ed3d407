"""One disclosure rule: victim flags and victim contact notes never reach the person."""

from __future__ import annotations

import copy
import io
from typing import Any

import pytest
from pypdf import PdfReader

from app.models.rules.disclosure import flag_restricted, note_restricted
from app.models.store import Store
from app.reports.render import render_document


def test_rule() -> None:
    assert note_restricted({"kind": "victim_contact", "sensitivity": "ordinary"})
    assert note_restricted({"kind": "phone", "sensitivity": "not_for_disclosure"})
    assert not note_restricted({"kind": "phone"})
    for kind in ("victim_safety_plan", "caledonian_system", "marac", "matac"):
        assert flag_restricted({"kind": kind, "sensitivity": "ordinary"})
    assert not flag_restricted({"kind": "mappa"})
    assert flag_restricted({"kind": "mappa", "sensitivity": "not_for_disclosure"})


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.mark.parametrize("kind", ["victim_safety_plan", "caledonian_system", "marac"])
def test_victim_flag_marked_ordinary_is_withheld_from_person(store: Store, example_bundle: dict[str, Any],
                                                             kind: str) -> None:
    bundle = copy.deepcopy(example_bundle)
    case = bundle["cases"][0]
    case["flags"] = [{"kind": kind, "raised_on": "2026-11-03", "details": "Kestrelwatch arrangement",
                      "sensitivity": "ordinary"}]
    case["reviews"] = [{"held_on": "2026-11-20", "kind": "scheduled"}]
    store.import_bundle(bundle)
    person = _text(render_document(store, "review", "CPO-2026-0001", for_individual=True))
    officer = _text(render_document(store, "review", "CPO-2026-0001", for_individual=False))
    assert "Kestrelwatch" not in person
    assert "Kestrelwatch" in officer and "NOT FOR DISCLOSURE" in officer
