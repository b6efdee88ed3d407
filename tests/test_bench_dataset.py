"""The benchmark store's bulk build writes what the old ORM build wrote, row for row."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.models.store import Store, db
from app.models.store.search import search_cases
from benchmarks import dataset as D


def _rows(path: Path) -> dict[str, Any]:
    conn = db.open_connection(path, D.PASSPHRASE)
    try:
        names = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '%note_search%' "
            "AND name NOT LIKE 'sqlite_%' AND name != 'store_seal'")]
        out = {t: conn.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall() for t in names}
        for word in ("housing", "appointment", "sister", "garden"):
            out[f"index:{word}"] = conn.execute(
                "SELECT rowid FROM note_search WHERE note_search MATCH ? ORDER BY rowid", (word,)).fetchall()
            out[f"case index:{word}"] = conn.execute(
                "SELECT rowid FROM case_note_search WHERE case_note_search MATCH ? ORDER BY rowid", (word,)).fetchall()
        return out
    finally:
        conn.close()


def test_bulk_build_is_row_for_row_the_orm_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(D, "BATCH", 8)  # the first batch via import_bundle, the other 32 cases bulk-loaded
    scale = D.Scale(40, 6)
    D.build_store(tmp_path / "orm.cbk", scale, orm=True)
    D.build_store(tmp_path / "bulk.cbk", scale)
    orm, bulk = _rows(tmp_path / "orm.cbk"), _rows(tmp_path / "bulk.cbk")
    assert orm.keys() == bulk.keys()
    assert {t for t in orm if orm[t] != bulk[t]} == set()
    assert len(bulk["notes"]) >= 40 * 6 and bulk["index:appointment"]
    for table in ("goal_actions", "review_goal_progress", "contract_aims", "appointments", "learning"):
        assert bulk[table], table  # the generator's every kind of row went through the bulk path

    store = Store.open(tmp_path / "bulk.cbk", D.PASSPHRASE, clock=D.clock(), actor="test")
    try:
        assert store.check() == []
        ref = store.case_references()[-1]  # a bulk-loaded case reads back whole, and is found
        case = store.get_case(ref)
        assert len(case["notes"]) == 6
        assert store.count_cases() == 41
        word = case["notes"][0]["text"].split()[0].strip(":,.")
        assert search_cases(store, word)
    finally:
        store.close()
