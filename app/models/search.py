"""Caseload search: names and references (accent-insensitive) plus note text via FTS5.

One transaction per search.  User input never reaches FTS5 syntax: every word is quoted
and given a prefix star, so ``O'Neill`` or ``AND (`` cannot break the query.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

from sqlalchemy import select, text

from app.models import entities as E

if TYPE_CHECKING:
    from app.models.store import Store

_WORD = re.compile(r"\w+", re.UNICODE)
RESTRICTED_KINDS = ("victim_contact",)


def fold(value: str) -> str:
    """Lower case without accents: 'Màiri' -> 'mairi'."""
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(query: str) -> list[str]:
    return _WORD.findall(fold(query))


def fts_query(query: str) -> str | None:
    """A safe FTS5 MATCH expression: each word quoted with a prefix star, all required."""
    tokens = words(query)
    if not tokens:
        return None
    return " ".join('"' + t.replace('"', '""') + '"*' for t in tokens)


def search_cases(store: Store, query: str, include_restricted: bool = True) -> list[str]:
    """References of cases whose name or reference contains every word of ``query``, or whose
    notes contain every word (prefix match).  ``include_restricted=False`` ignores notes that are
    not for disclosure or record victim contact (privacy mode)."""
    tokens = words(query)
    match = fts_query(query)
    if not tokens or match is None:
        return []
    found: set[str] = set()
    with store._tx() as s:
        rows = s.execute(
            select(E.Case.reference, E.Individual.given_names, E.Individual.family_name,
                   E.Individual.preferred_name).join(E.Individual, E.Individual.case_id == E.Case.id)
        ).all()
        for ref, given, family, preferred in rows:
            hay = fold(" ".join(x for x in (ref, given, family, preferred or "") if x))
            if all(t in hay for t in tokens):
                found.add(ref)
        sql = ("SELECT DISTINCT c.reference FROM notes_fts f JOIN notes n ON n.id = f.rowid "
               "JOIN cases c ON c.id = n.case_id WHERE notes_fts MATCH :q")
        if not include_restricted:
            sql += (" AND COALESCE(n.sensitivity, 'ordinary') != 'not_for_disclosure'"
                    " AND n.kind NOT IN ('victim_contact')")
        found.update(r[0] for r in s.execute(text(sql), {"q": match}))
    return sorted(found)
