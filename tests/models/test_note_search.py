"""Note search index (schema v2): upgraded from v1, kept in step with notes, privacy aware."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.models.store import Store, migrations
from app.models.store.search import search_cases


def _note(text: str, **extra: Any) -> dict[str, Any]:
    return {"date": "2026-11-20", "kind": "phone", "text": text, **extra}


def test_v1_store_upgrades_and_finds_old_notes(store_path: Path, passphrase: str,
                                              example_bundle: dict[str, Any],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    with monkeypatch.context() as m:
        m.setattr(migrations, "STEPS", migrations.STEPS[:1])
        m.setattr(migrations, "SCHEMA_VERSION", 1)
        with Store.create(store_path, passphrase) as s:
            s.import_bundle(example_bundle)
            s.add_item("CPO-2026-0001", "notes", _note("Partner says zebrafinch", sensitivity="not_for_disclosure"))
            assert s._conn.execute("PRAGMA user_version").fetchone()[0] == 1
    with Store.open(store_path, passphrase) as s:
        assert s._conn.execute("PRAGMA user_version").fetchone()[0] == migrations.SCHEMA_VERSION
        assert search_cases(s, "first meet") == ["CPO-2026-0001"]
        assert search_cases(s, "zebrafinch") == ["CPO-2026-0001"]
        assert search_cases(s, "zebrafinch", include_restricted=False) == []
        assert list(store_path.parent.glob(store_path.name + ".v1-*.bak"))


def test_index_follows_add_update_delete_and_privacy(loaded_store: Store) -> None:
    ref = "CPO-2026-0001"
    assert search_cases(loaded_store, "kingfisher") == []
    loaded_store.add_item(ref, "notes", _note("Saw a kingfisher"))
    assert search_cases(loaded_store, "kingf") == [ref]
    loaded_store.update_item(ref, "notes", 1, _note("Saw a heron"))
    assert search_cases(loaded_store, "kingfisher") == []
    assert search_cases(loaded_store, "heron") == [ref]
    loaded_store.add_item(ref, "notes", {"date": "2026-11-21", "kind": "victim_contact", "text": "Victim saw ptarmigan"})
    assert search_cases(loaded_store, "ptarmigan") == [ref]
    assert search_cases(loaded_store, "ptarmigan", include_restricted=False) == []
    loaded_store.delete_item(ref, "notes", 2)
    assert search_cases(loaded_store, "ptarmigan") == []
    loaded_store.delete_case(ref)
    assert search_cases(loaded_store, "heron") == []


def test_index_holds_no_readable_text(loaded_store: Store) -> None:
    rows = loaded_store._conn.execute("SELECT ordinary, restricted FROM note_search").fetchall()
    assert rows and all(r == (None, None) for r in rows)


def test_single_letters_match_names_not_notes(loaded_store: Store) -> None:
    ref = "CPO-2026-0001"
    assert search_cases(loaded_store, "e") == [ref]  # Eilidh: the name pass still counts single letters
    assert search_cases(loaded_store, "macaskill e") == [ref]
    loaded_store.add_item(ref, "notes", _note("x marks the spot"))
    assert search_cases(loaded_store, "spot x") == [ref]
