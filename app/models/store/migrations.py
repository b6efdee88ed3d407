"""Versioned schema migrations.

The schema version lives in ``PRAGMA user_version``.  Opening a store whose version is
newer than ``SCHEMA_VERSION`` is refused; an older one is backed up (encrypted, verified)
and then upgraded one step at a time, each step in its own transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.dialects import sqlite
from sqlalchemy.schema import CreateIndex, CreateTable

from app.models.errors import NewerSchemaError
from app.models.rules.disclosure import NOTE_RESTRICTED_SQL
from app.models.store.entities import Base

FTS_DDL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS notes_fts USING fts5("
    "text, content='notes', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS notes_ai AFTER INSERT ON notes BEGIN "
    "INSERT INTO notes_fts(rowid, text) VALUES (new.id, new.text); END",
    "CREATE TRIGGER IF NOT EXISTS notes_ad AFTER DELETE ON notes BEGIN "
    "INSERT INTO notes_fts(notes_fts, rowid, text) VALUES ('delete', old.id, old.text); END",
    "CREATE TRIGGER IF NOT EXISTS notes_au AFTER UPDATE OF text ON notes BEGIN "
    "INSERT INTO notes_fts(notes_fts, rowid, text) VALUES ('delete', old.id, old.text); "
    "INSERT INTO notes_fts(rowid, text) VALUES (new.id, new.text); END",
)

AUDIT_DDL = (
    "CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit_events BEGIN "
    "SELECT RAISE(ABORT, 'audit trail is append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit_events BEGIN "
    "SELECT RAISE(ABORT, 'audit trail is append-only'); END",
)


# Tables added by later versions: version 1 creates every other table in entities.
LATER_TABLES = {"appointments": 3, "enforcement_actions": 3, "local_working_days": 5, "case_custody": 7,
                "handover_messages": 7}


def _v1(conn: Any) -> None:
    """Initial schema: every table of version 1, note full-text index, append-only audit."""
    for ddl in schema_ddl(version=1) + list(FTS_DDL + AUDIT_DDL):
        conn.execute(ddl)


def schema_ddl(version: int | None = None) -> list[str]:
    """CREATE TABLE / CREATE INDEX statements, in FK order: for the tables a given store
    version added (``version``), or for every declared entity (None)."""
    dialect = sqlite.dialect()
    out: list[str] = []
    for table in Base.metadata.sorted_tables:
        if version is not None and LATER_TABLES.get(table.name, 1) != version:
            continue
        out.append(str(CreateTable(table).compile(dialect=dialect)).strip())
        for index in sorted(table.indexes, key=lambda i: str(i.name)):
            out.append(str(CreateIndex(index).compile(dialect=dialect)).strip())
    return out


# Note search, version 2: one contentless FTS5 index whose rowid encodes the case
# (case_id * NOTE_ROWID_BASE + note id), so a search yields case ids straight from the
# index without touching the notes table, however common the word; and two columns, so
# privacy mode searches only notes that may be shown ("ordinary" excludes not-for-
# disclosure notes and victim contact).  The index holds no readable text (content='').
NOTE_ROWID_BASE = 1_000_000_000
# The one disclosure rule's note test, in SQL (a change to it needs a new migration rebuilding the index).
_RESTRICTED = NOTE_RESTRICTED_SQL


def _note_search_insert(n: str) -> str:
    restricted = _RESTRICTED.format(n=n)
    return (
        "INSERT INTO note_search(rowid, ordinary, restricted) VALUES ("
        f"{n}.case_id * {NOTE_ROWID_BASE} + {n}.id, "
        f"CASE WHEN {restricted} THEN NULL ELSE {n}.text END, "
        f"CASE WHEN {restricted} THEN {n}.text ELSE NULL END)"
    )


def _v2(conn: Any) -> None:
    """Replace notes_fts with note_search (see NOTE_ROWID_BASE)."""
    for trigger in ("notes_ai", "notes_ad", "notes_au"):
        conn.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    conn.execute("DROP TABLE IF EXISTS notes_fts")
    conn.execute(
        "CREATE VIRTUAL TABLE note_search USING fts5(ordinary, restricted, content='', "
        "contentless_delete=1, tokenize='unicode61 remove_diacritics 2')"
    )
    delete_old = f"DELETE FROM note_search WHERE rowid = old.case_id * {NOTE_ROWID_BASE} + old.id;"
    conn.execute(f"CREATE TRIGGER note_search_ai AFTER INSERT ON notes BEGIN {_note_search_insert('new')}; END")
    conn.execute(f"CREATE TRIGGER note_search_ad AFTER DELETE ON notes BEGIN {delete_old} END")
    conn.execute(
        "CREATE TRIGGER note_search_au AFTER UPDATE OF text, sensitivity, kind, case_id ON notes BEGIN "
        f"{delete_old} {_note_search_insert('new')}; END"
    )
    restricted = _RESTRICTED.format(n="notes")
    conn.execute(
        "INSERT INTO note_search(rowid, ordinary, restricted) SELECT "
        f"case_id * {NOTE_ROWID_BASE} + id, CASE WHEN {restricted} THEN NULL ELSE text END, "
        f"CASE WHEN {restricted} THEN text ELSE NULL END FROM notes"
    )


def _v3(conn: Any) -> None:
    """Appointments (with outcomes) and enforcement actions (warnings, breach steps)."""
    for ddl in schema_ddl(version=3):
        conn.execute(ddl)


def _v4(conn: Any) -> None:
    """The seal (see app/models/store/seal.py): a commit counter and a random seal secret;
    audit events carry the content hash of the case they changed (app/models/store/content.py)."""
    conn.execute(
        "CREATE TABLE IF NOT EXISTS store_seal (id INTEGER PRIMARY KEY CHECK (id = 1), "
        "counter INTEGER NOT NULL, secret BLOB NOT NULL)"
    )
    conn.execute("INSERT OR IGNORE INTO store_seal (id, counter, secret) VALUES (1, 0, randomblob(32))")
    columns = {row[1] for row in conn.execute("PRAGMA table_info(audit_events)").fetchall()}
    if "content_hash" not in columns:  # a store created by this version has it from _v1
        conn.execute("ALTER TABLE audit_events ADD COLUMN content_hash VARCHAR(64)")


def _add_column(conn: Any, table: str, column: str, ddl_type: str) -> None:
    """Add a column unless it is there (a store created at version 1 by this code already
    has every column of the current entities)."""
    have = {row[1] for row in conn.execute(f"PRAGMA table_info({table})").fetchall()}
    if column not in have:
        conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {ddl_type}")


def _v5(conn: Any) -> None:
    """Timescales round 2: which scheduled departmental review a review is; court progress
    review reports recorded as submitted; victim safety plan reviews held; local working-day
    overrides of Scottish public holidays."""
    _add_column(conn, "reviews", "scheduled_review_months", "INTEGER")
    _add_column(conn, "orders", "progress_review_reports", "JSON")
    _add_column(conn, "flags", "reviews", "JSON")
    for ddl in schema_ddl(version=5):
        conn.execute(ddl.replace("CREATE TABLE ", "CREATE TABLE IF NOT EXISTS ", 1))


def _v6(conn: Any) -> None:
    """Case lifecycle and drafts: cases.archived_on, case_aliases (old references kept after a
    correction), drafts (unsaved forms kept encrypted at an automatic lock).  A store created
    at version 1 by this code already has the column, so it is added only where missing."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(cases)").fetchall()}
    if "archived_on" not in columns:
        conn.execute("ALTER TABLE cases ADD COLUMN archived_on DATE")
    dialect = sqlite.dialect()
    for name in ("case_aliases", "drafts"):  # a store made by this code at version 1 has them already
        table = Base.metadata.tables[name]
        conn.execute(str(CreateTable(table, if_not_exists=True).compile(dialect=dialect)).strip())
        for index in sorted(table.indexes, key=lambda i: str(i.name)):
            conn.execute(str(CreateIndex(index, if_not_exists=True).compile(dialect=dialect)).strip())


def _v7(conn: Any) -> None:
    """Case handover (issue 15): custody of each case that travelled, and the handover
    packets and decisions sent and received (app/models/store/custody.py)."""
    for ddl in schema_ddl(version=7):
        conn.execute(ddl.replace("CREATE TABLE ", "CREATE TABLE IF NOT EXISTS ", 1)
                     .replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1))


# Case search (version 8): the same words as note_search, one row per case (rowid = case id),
# so "which cases have a note with this word" reads one entry per case instead of one per
# matching note: a common word ("appointment") is in half of all notes.  Each case's row is
# rebuilt from its notes whenever one of them is written (same two columns, same disclosure
# rule).  Contentless, like note_search: it holds no readable text.
def _case_search_rows(where: str = "") -> str:
    """Each case's row of case_note_search, from its notes (``where``: which notes)."""
    restricted = _RESTRICTED.format(n="notes")
    return (
        "INSERT INTO case_note_search(rowid, ordinary, restricted) SELECT case_id, "
        f"group_concat(CASE WHEN {restricted} THEN NULL ELSE text END, ' '), "
        f"group_concat(CASE WHEN {restricted} THEN text ELSE NULL END, ' ') "
        f"FROM notes {where}GROUP BY case_id"
    )


def _case_search_rebuild(case: str) -> str:
    return f"DELETE FROM case_note_search WHERE rowid = {case}; {_case_search_rows(f'WHERE case_id = {case} ')};"


def _v8(conn: Any) -> None:
    """Case-level note search (see _case_search_rebuild); covering indexes for the caseload's
    requirements and open flags (a store made by this code at version 1 has them already)."""
    for name in ("requirements", "flags"):
        for index in sorted(Base.metadata.tables[name].indexes, key=lambda i: str(i.name)):
            conn.execute(str(CreateIndex(index, if_not_exists=True).compile(dialect=sqlite.dialect())).strip())
    conn.execute(
        "CREATE VIRTUAL TABLE case_note_search USING fts5(ordinary, restricted, content='', "
        "contentless_delete=1, tokenize='unicode61 remove_diacritics 2')"
    )
    conn.execute(f"CREATE TRIGGER case_note_search_ai AFTER INSERT ON notes BEGIN "
                 f"{_case_search_rebuild('new.case_id')} END")
    conn.execute(f"CREATE TRIGGER case_note_search_ad AFTER DELETE ON notes BEGIN "
                 f"{_case_search_rebuild('old.case_id')} END")
    conn.execute(
        "CREATE TRIGGER case_note_search_au AFTER UPDATE OF text, sensitivity, kind, case_id ON notes BEGIN "
        f"{_case_search_rebuild('old.case_id')} {_case_search_rebuild('new.case_id')} END"
    )
    conn.execute(_case_search_rows())


# One function per version: STEPS[n] upgrades a store from version n to n + 1.
STEPS: list[Callable[[Any], None]] = [_v1, _v2, _v3, _v4, _v5, _v6, _v7, _v8]
SCHEMA_VERSION = len(STEPS)


def current_version(conn: Any) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: Any, backup: Callable[[Path], None] | None, store_path: Path) -> int:
    """Bring the store to SCHEMA_VERSION. Returns the version it started at.

    ``backup(dest)`` is called before upgrading an existing (non-empty) store.
    """
    start = current_version(conn)
    if start > SCHEMA_VERSION:
        raise NewerSchemaError(
            f"this store was written by a newer Casebook (schema {start}, this version reads "
            f"up to {SCHEMA_VERSION}); update Casebook to open it"
        )
    if start == SCHEMA_VERSION:
        return start
    if start > 0 and backup is not None:
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        backup(store_path.with_name(f"{store_path.name}.v{start}-{stamp}.bak"))
    for version in range(start, SCHEMA_VERSION):
        conn.execute("BEGIN IMMEDIATE")
        try:
            STEPS[version](conn)
            conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return start
