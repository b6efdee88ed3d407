"""Caseload search: names and references (accent-insensitive) plus note text via FTS5.

One transaction per search.  User input never reaches FTS5 syntax: every word is quoted
and given a prefix star, so ``O'Neill`` or ``AND (`` cannot break the query.

Two entry points:

- ``search_cases`` -> the references of the matching cases (the caseload filter);
- ``search_caseload`` -> the same references plus, in the same transaction, the notes that
  matched (``NoteHit``: case, note index, date, kind and a few words around the match), newest
  first, at most ``note_limit`` of them from ``note_offset`` (``SearchResult.more_notes`` says
  whether there are more).  A snippet is ``None`` whenever the note's text may not be shown:
  always for a restricted note (not for disclosure, or victim contact: the disclosure rule,
  app/models/rules/disclosure.py), and for every note when ``snippets=False`` (privacy mode).
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
import threading
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import text

from app.models.rules.disclosure import note_restricted
from app.models.store.migrations import NOTE_ROWID_BASE

if TYPE_CHECKING:
    from app.models.store import Store, Tx

_WORD = re.compile(r"\w+", re.UNICODE)
_SPACE = re.compile(r"\s+")


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
    return _fts_match(fts_terms(query))


def _fts_match(tokens: list[str]) -> str | None:
    if not tokens:
        return None
    return " ".join('"' + t.replace('"', '""') + '"*' for t in tokens)


def fts_terms(query: str) -> list[str]:
    """The words of ``query`` the note indexes are searched for (see ``fts_query``)."""
    # the note index splits words at apostrophes and hyphens itself ("O'Neill" -> o, neill)
    return [t for t in _WORD.findall(fold(query, joiners=False)) if len(t) > 1]


@dataclass(frozen=True)
class NoteHit:
    """One note that matched a search.  ``index`` is the note's position in the case's notes
    list (what ``Store.update_item(ref, "notes", index, ...)`` takes).  ``snippet`` holds a few
    words around the first match (``marks``: the (start, end) of each matching word in it), or
    is ``None`` when the text may not be shown (``restricted``, or privacy mode)."""

    reference: str
    index: int
    date: dt.date
    kind: str
    restricted: bool
    snippet: str | None
    marks: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class SearchResult:
    references: list[str]
    notes: list[NoteHit] = field(default_factory=list)
    more_notes: bool = False


SNIPPET_BEFORE = 4  # words shown before the first matching word
SNIPPET_AFTER = 8  # and after it
NOTE_LIMIT = 50


def note_tokens(query: str) -> list[str]:
    """The words a note must contain (prefix match), folded as the note index folds them."""
    return [t for t in _WORD.findall(fold(query, joiners=False)) if len(t) > 1]


def snippet(text: str, tokens: list[str], before: int = SNIPPET_BEFORE,
            after: int = SNIPPET_AFTER) -> tuple[str, tuple[tuple[int, int], ...]]:
    """A few words of ``text`` around the first word that starts with one of ``tokens``
    (folded), on one line, with an ellipsis where text was left out; and the spans of the
    matching words within it.  Without a matching word: the start of the text."""
    spans = [(m.start(), m.end()) for m in _WORD.finditer(text)]
    if not spans:
        return " ".join(text.split())[: (before + after) * 8], ()
    hits = [i for i, (a, b) in enumerate(spans) if any(fold(text[a:b], joiners=False).startswith(t) for t in tokens)]
    first = hits[0] if hits else 0
    lo = max(0, first - before)
    hi = min(len(spans) - 1, first + after)
    out = "…" if lo > 0 else ""
    marks: list[tuple[int, int]] = []
    pos = spans[lo][0]
    for i in range(lo, hi + 1):  # white space runs (a note's line breaks) become one space
        a, b = spans[i]
        out += _SPACE.sub(" ", text[pos:a])
        if i in hits:
            marks.append((len(out), len(out) + b - a))
        out += text[a:b]
        pos = b
    if hi < len(spans) - 1:
        out += "…"
    else:
        out += _SPACE.sub(" ", text[pos:]).rstrip()  # closing punctuation
    return out, tuple(marks)


_NAMES_SQL = (
    "SELECT c.id, c.reference, i.given_names, i.family_name, i.preferred_name, "
    "(SELECT group_concat(a.alias, ' ') FROM case_aliases a WHERE a.case_id = c.id) "
    "FROM cases c JOIN individuals i ON i.case_id = c.id"
)


def name_hay(ref: str, given: str | None, family: str | None, preferred: str | None, old_refs: str | None) -> str:
    """What the name and reference match looks in: reference, names and former references, folded."""
    # (a line break, never part of a word, keeps the index one case a line)
    return fold(" ".join(x for x in (ref, given, family, preferred or "", old_refs or "") if x)).replace("\n", " ")


class NameIndex:
    """Every case's folded names and references, kept for one open store so a search never
    folds the whole caseload again.  The folded texts are joined into one string (``_blob``,
    one case a line), searched with ``str.find`` for the longest word -- in C, not a Python
    pass over every case -- and each case found is checked for the other words.  Brought up
    to date from the store's change log (``caseload_facts.ChangeLog``): a case whose
    reference, names or former references were written is read again."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._epoch = -1
        self._seen: int | None = None
        self.refs: dict[int, str] = {}
        self._hay: dict[int, str] = {}
        self._blob = ""
        self._starts: list[int] = []  # where each line of the blob starts
        self._ids: list[int] = []  # the case id of each line

    def update(self, tx: Tx) -> None:
        from app.models.store.caseload_facts import ChangeLog, change_log

        epoch, now = change_log(tx.store).sync(tx)
        if epoch != self._epoch or self._seen is None:
            self.refs, self._hay = {}, {}
            for row in tx.execute_raw(_NAMES_SQL):
                self.refs[row[0]] = row[1]
                self._hay[row[0]] = name_hay(*row[1:])
            self._epoch = epoch
        else:
            dirty = ChangeLog.since(tx, self._seen)
            if not dirty:
                self._seen = now
                return
            for i in dirty:
                self.refs.pop(i, None)
                self._hay.pop(i, None)
            ids = ",".join(str(int(i)) for i in dirty)
            for row in tx.execute_raw(f"{_NAMES_SQL} WHERE c.id IN ({ids})"):
                self.refs[row[0]] = row[1]
                self._hay[row[0]] = name_hay(*row[1:])
        self._seen = now
        self._ids = list(self._hay)
        self._starts = []
        pos = 0
        for i in self._ids:
            self._starts.append(pos)
            pos += len(self._hay[i]) + 1
        self._blob = "\n".join(self._hay[i] for i in self._ids)

    def matching(self, tokens: list[str]) -> set[str]:
        """References of the cases whose folded text contains every one of ``tokens``."""
        if not tokens:
            return set()
        longest = max(tokens, key=len)
        if "\n" in longest:
            return set()
        blob, starts, ids, hay, refs = self._blob, self._starts, self._ids, self._hay, self.refs
        found: set[str] = set()
        at = blob.find(longest)
        while at >= 0:
            line = bisect.bisect_right(starts, at) - 1
            case_id = ids[line]
            text = hay[case_id]
            if all(t in text for t in tokens):
                found.add(refs[case_id])
            # on to the next line: a case counts once
            at = blob.find(longest, starts[line] + len(text) + 1)
        return found


def name_index(store: Store) -> NameIndex:
    from app.models.store.caseload_facts import per_store

    return per_store(store, NameIndex)


def search_cases(store: Store, query: str, include_restricted: bool = True) -> list[str]:
    """References of cases whose name or reference contains every word of ``query``, or whose
    notes contain every word (prefix match).  ``include_restricted=False`` ignores notes that are
    not for disclosure or record victim contact (privacy mode)."""
    return search_caseload(store, query, include_restricted=include_restricted, note_limit=0).references


def search_caseload(store: Store, query: str, include_restricted: bool = True, snippets: bool = True,
                    note_limit: int = NOTE_LIMIT, note_offset: int = 0) -> SearchResult:
    """The cases that match ``query`` (as ``search_cases``) and the matching notes, in one
    transaction.  ``note_limit=0`` skips the notes (the caseload filter alone)."""
    tokens = words(query)
    terms = fts_terms(query)
    match = _fts_match(terms)
    if not tokens:
        return SearchResult([])
    hits: list[NoteHit] = []
    more = False
    index = name_index(store)
    with index._lock, store.transaction() as tx:
        s = tx.session
        index.update(tx)
        refs = index.refs
        found = index.matching(tokens)
        # Case ids straight from the index's rowids (case_id * NOTE_ROWID_BASE + note id): no
        # lookup per matching note, however common the word.  Privacy mode searches only the
        # "ordinary" column (no not-for-disclosure notes, no victim contact).
        if match is not None:
            column = "{ordinary restricted}" if include_restricted else "{ordinary}"
            fts = {"q": f"{column} : ({match})"}
            if len(terms) == 1:
                # One word: "a case with a note that has it" is "a case whose notes have it",
                # read from the case-level index (one entry per case, not one per note: a
                # common word is in half of all notes).  Several words must be in the same
                # note, so they go to the note index.
                sql = "SELECT rowid FROM case_note_search WHERE case_note_search MATCH ?"
            else:
                sql = (f"SELECT DISTINCT rowid / {NOTE_ROWID_BASE} FROM note_search "
                       "WHERE note_search MATCH ?")
            # DB-API rows (a whole caseload of them for a common word): no result machinery
            found.update(refs[i] for (i,) in tx.execute_raw(sql, (fts["q"],)) if i in refs)
            if note_limit > 0:
                hits, more = _note_hits(s, fts, refs, note_tokens(query), snippets, note_limit, note_offset)
    return SearchResult(sorted(found), hits, more)


def _note_hits(s: Any, fts: dict[str, str], refs: dict[int, str], tokens: list[str], snippets: bool,
               limit: int, offset: int) -> tuple[list[NoteHit], bool]:
    # The matching notes are ranked (newest first) on their date and id alone; the rest of a
    # note, its text above all, is read only for the page of hits shown, and only when it may
    # be shown.
    sql = (f"SELECT n.case_id, n.position, n.date, n.kind, n.sensitivity, "
           f"{'n.text' if snippets else 'NULL'} FROM notes n WHERE n.id IN ("
           f"SELECT m.id FROM notes m WHERE m.id IN ("
           f"SELECT rowid % {NOTE_ROWID_BASE} FROM note_search WHERE note_search MATCH :q) "
           "ORDER BY m.date DESC, m.id DESC LIMIT :limit OFFSET :offset) "
           "ORDER BY n.date DESC, n.id DESC")
    rows = s.execute(text(sql), {**fts, "limit": limit + 1, "offset": offset}).all()
    hits: list[NoteHit] = []
    for case_id, position, day, kind, sensitivity, body in rows[:limit]:
        if case_id not in refs:
            continue
        restricted = note_restricted({"kind": kind, "sensitivity": sensitivity})
        shown, marks = (None, ()) if restricted or body is None else snippet(body, tokens)
        date = day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day)[:10])
        hits.append(NoteHit(refs[case_id], int(position), date, str(kind), restricted, shown, marks))
    return hits, len(rows) > limit
