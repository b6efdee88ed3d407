"""Content hashes of cases: what the audit chain says each case held.

Every audited change to a case carries the SHA-256 of all the rows the case owns (the
case row and every row that points at it, directly or through a parent: requirements via
the order, goal actions via the goal, ...), computed inside the same transaction after
the change.  ``audit --verify`` recomputes the hashes of the current content and names
the first case whose rows no longer match its last audited state: a row edited, deleted
or added outside Casebook (someone with the passphrase and an SQLite shell) shows up.

The queries are derived from the entity metadata, so a new table that belongs to a case
is covered without being listed here.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

from app.models.store.entities import Base

DELETED = "deleted"  # the content hash recorded when a case is deleted
# Tables that are not a case's content (audit, settings, the outbox's queued PDFs, the
# note search index maintained by triggers).
_NOT_CONTENT = {"audit_events", "store_settings", "local_holidays", "outbox", "store_seal"}


@lru_cache(maxsize=1)
def _queries() -> tuple[tuple[str, str], ...]:
    """(table, SELECT reference, row...) for every table holding case content, in a fixed order."""
    tables = {t.name: t for t in Base.metadata.sorted_tables if t.name not in _NOT_CONTENT}
    # path[t] = list of (table, fk column, parent table) joins from t up to cases
    paths: dict[str, list[tuple[str, str, str]]] = {"cases": []}
    changed = True
    while changed:
        changed = False
        for name, table in tables.items():
            if name in paths:
                continue
            for fk in sorted(table.foreign_keys, key=lambda f: f.parent.name):
                parent = fk.column.table.name
                if parent in paths:
                    paths[name] = [(name, fk.parent.name, parent), *paths[parent]]
                    changed = True
                    break
    out = []
    for name in sorted(paths):
        table = tables[name]
        cols = ", ".join(f'"{name}"."{c.name}"' for c in table.columns)
        pk = ", ".join(f'"{name}"."{c.name}"' for c in table.primary_key.columns)
        joins = "".join(f' JOIN "{parent}" ON "{child}"."{col}" = "{parent}"."id"'
                        for child, col, parent in paths[name])
        out.append((name, f'SELECT "cases"."reference", {cols} FROM "{name}"{joins} '
                          "{where} " f'ORDER BY "cases"."reference", {pk}'))
    return tuple(out)


def _plain(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"b": bytes(value).hex()}
    return value


def case_hashes(execute: Callable[[str, Any], Any], refs: Iterable[str] | None = None) -> dict[str, str]:
    """{reference: content hash} for these cases (all when None) that exist.

    ``execute(sql, params)`` runs raw SQL on the store's connection (inside the caller's
    transaction, so uncommitted changes are seen)."""
    wanted = None if refs is None else sorted(set(refs))
    hashers: dict[str, Any] = {}
    chunks: list[list[str] | None] = [None] if wanted is None else [wanted[i:i + 500]
                                                                    for i in range(0, len(wanted), 500)]
    params: tuple[str, ...]
    for table, sql in _queries():
        for chunk in chunks:
            if chunk is None:
                query, params = sql.format(where=""), ()
            else:
                marks = ", ".join("?" for _ in chunk)
                query, params = sql.format(where=f'WHERE "cases"."reference" IN ({marks})'), tuple(chunk)
            try:
                rows = execute(query, params)
            except Exception as exc:  # a table a later schema adds, on a store not yet upgraded
                if "no such table" in str(exc):
                    break
                raise
            for row in rows:
                ref = row[0]
                h = hashers.get(ref)
                if h is None:
                    h = hashers[ref] = hashlib.sha256()
                h.update(json.dumps([table, *map(_plain, row[1:])], ensure_ascii=False, default=str)
                         .encode("utf-8", "surrogatepass") + b"\n")
    return {ref: h.hexdigest() for ref, h in hashers.items()}
