"""Search through the kept name index and the ranked page of note hits (issue 20) gives the
same results as the plain scan it replaced, over a generated dataset and after edits."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from app.models.demo import demo_bundle
from app.models.rules.disclosure import note_restricted
from app.models.store import Store, cases
from app.models.store import search as S
from app.models.store.migrations import NOTE_ROWID_BASE

TODAY = dt.date(2026, 11, 23)
QUERIES = ["housing", "arrears", "rent arrears", "jobcentre", "garden", "appointment", "home visit", "hous", "arr",
           "app", "gard", "liais", "Màiri", "mairi", "Ciarán", "siobhan", "MacLeòid", "O'Neill", "Nic a' Phearsain",
           "Mac", "Kow", "Eil", "Dòmhnall Mac", "CPO-2026-01", "CPO-2025-0042", "cpo", "e", "a b", "zzyzx", "0001",
           "RENAMED", "Zebedee"]


def old_search_caseload(store: Store, query: str, include_restricted: bool = True, snippets: bool = True,
                        note_limit: int = S.NOTE_LIMIT, note_offset: int = 0) -> S.SearchResult:
    """The search as it was before the index (a Python pass folding every case's names)."""
    tokens = S.words(query)
    match = S.fts_query(query)
    if not tokens:
        return S.SearchResult([])
    found: set[str] = set()
    hits: list[S.NoteHit] = []
    more = False
    with store.transaction() as tx:
        s = tx.session
        refs: dict[int, str] = {}
        for case_id, ref, given, family, preferred, old_refs in s.connection().exec_driver_sql(
            "SELECT c.id, c.reference, i.given_names, i.family_name, i.preferred_name, "
            "(SELECT group_concat(a.alias, ' ') FROM case_aliases a WHERE a.case_id = c.id) "
            "FROM cases c JOIN individuals i ON i.case_id = c.id"
        ):
            refs[case_id] = ref
            hay = S.fold(" ".join(x for x in (ref, given, family, preferred or "", old_refs or "") if x))
            if all(t in hay for t in tokens):
                found.add(ref)
        if match is not None:
            column = "{ordinary restricted}" if include_restricted else "{ordinary}"
            fts = {"q": f"{column} : ({match})"}
            sql = f"SELECT DISTINCT rowid / {NOTE_ROWID_BASE} FROM note_search WHERE note_search MATCH :q"
            found.update(refs[r[0]] for r in s.execute(text(sql), fts) if r[0] in refs)
            if note_limit > 0:
                sql = (f"SELECT n.case_id, n.position, n.date, n.kind, n.sensitivity, "
                       f"{'n.text' if snippets else 'NULL'} FROM notes n WHERE n.id IN ("
                       f"SELECT rowid % {NOTE_ROWID_BASE} FROM note_search WHERE note_search MATCH :q) "
                       "ORDER BY n.date DESC, n.id DESC LIMIT :limit OFFSET :offset")
                rows = s.execute(text(sql), {**fts, "limit": note_limit + 1, "offset": note_offset}).all()
                note_words = S.note_tokens(query)
                for case_id, position, day, kind, sensitivity, body in rows[:note_limit]:
                    if case_id not in refs:
                        continue
                    restricted = note_restricted({"kind": kind, "sensitivity": sensitivity})
                    shown, marks = (None, ()) if restricted or body is None else S.snippet(body, note_words)
                    date = day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day)[:10])
                    hits.append(S.NoteHit(refs[case_id], int(position), date, str(kind), restricted, shown, marks))
                more = len(rows) > note_limit
    return S.SearchResult(sorted(found), hits, more)


def _compare(store: Store) -> int:
    matched = 0
    for q in QUERIES:
        for restricted in (True, False):
            new = S.search_caseload(store, q, include_restricted=restricted)
            assert new == old_search_caseload(store, q, include_restricted=restricted), q
            assert S.search_cases(store, q, include_restricted=restricted) == new.references
            matched += bool(new.references)
        page2 = S.search_caseload(store, q, note_limit=7, note_offset=7, snippets=False)
        assert page2 == old_search_caseload(store, q, note_limit=7, note_offset=7, snippets=False), q
    return matched


@pytest.fixture
def big(store: Store) -> Store:
    store.import_bundle(demo_bundle(150, seed=31, today=TODAY, notes_per_case=12))
    return store


def test_same_first_screen_as_the_scan_over_a_generated_dataset(big: Store) -> None:
    assert _compare(big) > 20
    assert len(S.search_caseload(big, "app").notes) == S.NOTE_LIMIT  # a full first screen


def test_index_follows_edits(big: Store) -> None:
    _compare(big)
    refs = big.case_references()
    cases.rename(big, refs[0], "CPO-RENAMED-0001")  # the old reference stays findable
    case = big.get_case(refs[1])
    big.update_case(refs[1], {"individual": {**case["individual"], "given_names": "Zebedee"}})
    cases.delete(big, refs[2])
    bundle = demo_bundle(4, seed=77, today=TODAY, notes_per_case=3)
    for c in bundle["cases"]:
        c["reference"] += "-NEW"
    big.import_bundle(bundle)
    big.add_item(refs[3], "notes", {"date": "2026-11-20", "kind": "office", "text": "Zebedee came to the office",
                                    "sensitivity": "ordinary"})
    _compare(big)
    assert S.search_cases(big, "renamed") == ["CPO-RENAMED-0001"]
    assert "CPO-RENAMED-0001" in S.search_cases(big, refs[0])
    assert refs[1] in S.search_cases(big, "zebedee") and refs[3] in S.search_cases(big, "zebedee")
    assert refs[2] not in S.search_cases(big, refs[2])


def test_every_case_counts_once_however_often_the_word_appears(store: Store) -> None:
    bundle = demo_bundle(5, seed=3, today=TODAY, notes_per_case=2)
    store.import_bundle(bundle)
    every = S.search_cases(store, "c")  # in every reference ("CPO-...") and many names
    assert every == sorted(store.case_references())


def test_case_level_index_follows_note_edits(big: Store) -> None:
    """One-word queries read the case-level index (migration v8): it follows every note
    write (text, sensitivity, deletion) and gives the same cases as the note index."""
    ref = big.case_references()[5]
    note = {"date": "2026-11-20", "kind": "office", "sensitivity": "ordinary", "text": "Quokka sighting"}
    big.add_item(ref, "notes", note)
    index = len(big.get_case(ref)["notes"]) - 1
    assert S.search_cases(big, "quokka") == [ref] == S.search_cases(big, "quokka", include_restricted=False)
    big.update_item(ref, "notes", index, {**note, "sensitivity": "not_for_disclosure"})
    assert S.search_cases(big, "quokka") == [ref] and S.search_cases(big, "quokka", include_restricted=False) == []
    big.update_item(ref, "notes", index, {**note, "text": "Wombat sighting"})
    assert S.search_cases(big, "quokka") == [] and S.search_cases(big, "wombat") == [ref]
    big.delete_item(ref, "notes", index)
    assert S.search_cases(big, "wombat") == []
    _compare(big)
    with big.transaction() as tx:  # the case index has one row per case with notes, and only those
        conn = tx.session.connection()
        rows = conn.exec_driver_sql("SELECT count(*) FROM case_note_search").scalar()
        with_notes = conn.exec_driver_sql("SELECT count(DISTINCT case_id) FROM notes").scalar()
    assert rows == with_notes
