"""search_caseload (issue 19, item 14): which notes matched, with a snippet the disclosure rule allows."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from app.models.store import Store
from app.models.store.search import search_caseload, search_cases, snippet

REF = "CPO-2026-0001"


def _note(text: str, day: str = "2026-11-20", **extra: Any) -> dict[str, Any]:
    return {"date": day, "kind": "phone", "text": text, **extra}


def test_snippet_keeps_a_few_words_around_the_match() -> None:
    text = "Met at the office.  Partner mentioned the\nallotment again and talked about the job at length that day."
    out, marks = snippet(text, ["allot"])
    assert out == "…office. Partner mentioned the allotment again and talked about the job at length…"
    assert [out[a:b] for a, b in marks] == ["allotment"]
    short, marks = snippet("Called about Màiri's hearing.", ["mairi"])
    assert short == "Called about Màiri's hearing." and [short[a:b] for a, b in marks] == ["Màiri"]


def test_hits_name_the_note_newest_first(loaded_store: Store) -> None:
    first = loaded_store.add_item(REF, "notes", _note("Spoke about the kingfisher at the loch", "2026-11-10"))
    second = loaded_store.add_item(REF, "notes", _note("Another kingfisher sighting", "2026-11-21"))
    result = search_caseload(loaded_store, "kingf")
    assert result.references == [REF]
    assert [(h.reference, h.index) for h in result.notes] == [(REF, second), (REF, first)]
    hit = result.notes[1]
    assert hit.date == dt.date(2026, 11, 10) and hit.kind == "phone" and not hit.restricted
    assert hit.snippet is not None and "kingfisher" in hit.snippet
    assert [hit.snippet[a:b] for a, b in hit.marks] == ["kingfisher"]
    assert search_cases(loaded_store, "kingf") == [REF]  # the caseload filter is unchanged


def test_restricted_notes_never_show_text(loaded_store: Store) -> None:
    nfd = loaded_store.add_item(REF, "notes", _note("Partner says ptarmigan", sensitivity="not_for_disclosure"))
    victim = loaded_store.add_item(REF, "notes", {"date": "2026-11-21", "kind": "victim_contact",
                                                  "text": "Victim saw ptarmigan"})
    hits = {h.index: h for h in search_caseload(loaded_store, "ptarmigan").notes}
    assert set(hits) == {nfd, victim}
    assert all(h.restricted and h.snippet is None and h.marks == () for h in hits.values())
    # privacy mode: restricted notes are not searched, and no note shows any text
    loaded_store.add_item(REF, "notes", _note("An ordinary ptarmigan"))
    private = search_caseload(loaded_store, "ptarmigan", include_restricted=False, snippets=False)
    assert [h.restricted for h in private.notes] == [False]
    assert private.notes[0].snippet is None


def test_paging_and_names_only(store: Store, example_bundle: dict[str, Any]) -> None:
    case = copy.deepcopy(example_bundle["cases"][0])
    case["individual"]["family_name"] = "D'Arcy"
    case["notes"] = [_note(f"Heron number {i}", f"2026-11-{i + 1:02d}") for i in range(5)]
    store.import_bundle({**example_bundle, "cases": [case]})
    ref = case["reference"]
    assert search_caseload(store, "darcy").references == [ref]  # apostrophes fold as accents do
    assert search_caseload(store, "darcy").notes == []  # a name match, no note
    page = search_caseload(store, "heron", note_limit=2)
    assert [h.index for h in page.notes] == [4, 3] and page.more_notes
    last = search_caseload(store, "heron", note_limit=2, note_offset=4)
    assert [h.index for h in last.notes] == [0] and not last.more_notes
