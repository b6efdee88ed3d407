"""Caseload search: names and references (accent-insensitive) plus note text via FTS5.

One transaction per search.  User input never reaches FTS5 syntax: every word is quoted
and given a prefix star, so ``O'Neill`` or ``AND (`` cannot break the query.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

from sqlalchemy import text

from app.models.store.migrations import NOTE_ROWID_BASE

if TYPE_CHECKING:
    from app.models.store import Store

_WORD = re.compile(r"\w+", re.UNICODE)


_JOINERS = str.maketrans("", "", "'’‘`-‐‑–")  # apostrophes and hyphens inside names


def fold(value: str, joiners: bool = True) -> str:
    """Lower case without accents, apostrophes or hyphens, as names are spelt in many ways:
    'Màiri' -> 'mairi', "D'Arcy" -> 'darcy', 'Smith-Jones' -> 'smithjones'."""
    if value.isascii():  # most names: same result, without the Unicode round trip
        out = value.lower()
    else:
        decomposed = unicodedata.normalize("NFKD", value.casefold())
        out = "".join(c for c in decomposed if not unicodedata.combining(c))
    return out.translate(_JOINERS) if joiners else out


def words(query: str) -> list[str]:
    return _WORD.findall(fold(query))


def fts_query(query: str) -> str | None:
    """A safe FTS5 MATCH expression: each word quoted with a prefix star, all required.

    Single letters ("a" in "Nic a' Phearsain") are left out of the note search: as a prefix
    they match most of the index and cost far more than they narrow (they still count in the
    name and reference match)."""
    # the note index splits words at apostrophes and hyphens itself ("O'Neill" -> o, neill)
    tokens = [t for t in _WORD.findall(fold(query, joiners=False)) if len(t) > 1]
    if not tokens:
        return None
    return " ".join('"' + t.replace('"', '""') + '"*' for t in tokens)


def search_cases(store: Store, query: str, include_restricted: bool = True) -> list[str]:
    """References of cases whose name or reference contains every word of ``query``, or whose
    notes contain every word (prefix match).  ``include_restricted=False`` ignores notes that are
    not for disclosure or record victim contact (privacy mode)."""
    tokens = words(query)
    match = fts_query(query)
    if not tokens:
        return []
    found: set[str] = set()
    with store._tx() as s:
        conn = s.connection()  # plain rows: this runs on every keystroke pause over every case
        refs: dict[int, str] = {}
        for case_id, ref, given, family, preferred, old_refs in conn.exec_driver_sql(
            "SELECT c.id, c.reference, i.given_names, i.family_name, i.preferred_name, "
            "(SELECT group_concat(a.alias, ' ') FROM case_aliases a WHERE a.case_id = c.id) "
            "FROM cases c JOIN individuals i ON i.case_id = c.id"
        ):
            refs[case_id] = ref
            hay = fold(" ".join(x for x in (ref, given, family, preferred or "", old_refs or "") if x))
            if all(t in hay for t in tokens):
                found.add(ref)
        # Case ids straight from the index's rowids (case_id * NOTE_ROWID_BASE + note id): no
        # lookup per matching note, however common the word.  Privacy mode searches only the
        # "ordinary" column (no not-for-disclosure notes, no victim contact).
        if match is not None:
            column = "{ordinary restricted}" if include_restricted else "{ordinary}"
            sql = (f"SELECT DISTINCT rowid / {NOTE_ROWID_BASE} FROM note_search "
                   "WHERE note_search MATCH :q")
            found.update(refs[r[0]] for r in s.execute(text(sql), {"q": f"{column} : ({match})"})
                         if r[0] in refs)
    return sorted(found)
