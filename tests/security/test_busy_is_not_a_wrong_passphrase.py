"""A store file another connection holds locked (SQLITE_BUSY) is "busy, try again", never
"wrong passphrase": no failed unlock is counted, and restoring an off-laptop copy does not
say the passphrase opens none of them (issue 21; a restore once failed that way under load)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.models.errors import DamagedStoreError, StoreError, UnlockError
from app.models.store import db, snapshots
from app.team import copies
from tests.team.conftest import make_store

PW = "correct horse battery staple – ✓"


def _held_exclusively(path: Path, passphrase: str) -> object:
    """A second connection holding an exclusive lock on a rollback-journal store."""
    conn = db.open_connection(path, passphrase)
    conn.execute("PRAGMA journal_mode = DELETE").fetchone()
    conn.execute("BEGIN EXCLUSIVE")
    conn.execute("UPDATE store_seal SET counter = counter")
    return conn


def test_a_locked_store_is_busy_not_a_wrong_passphrase(closed_store: Path, passphrase: str) -> None:
    holder = _held_exclusively(closed_store, passphrase)
    try:
        for opener in (db.open_connection, db.open_readonly):
            with pytest.raises(StoreError) as err:
                opener(closed_store, passphrase)
            assert not isinstance(err.value, UnlockError), err.value
            assert "busy" in str(err.value) and "passphrase" not in str(err.value)
        with pytest.raises(UnlockError):  # a wrong passphrase is still one
            holder.execute("ROLLBACK")  # type: ignore[attr-defined]
            db.open_connection(closed_store, "not the passphrase at all")
    finally:
        holder.close()  # type: ignore[attr-defined]


@pytest.fixture
def copied(tmp_path: Path) -> tuple[Path, Path]:
    laptop, share = tmp_path / "laptop", tmp_path / "share"
    laptop.mkdir()
    share.mkdir()
    store = make_store(laptop / "a.cbk", PW)
    assert copies.take_copy(store, share).status == "delivered"
    store.close()
    return share, tmp_path / "new.cbk"


def test_a_busy_copy_is_not_counted_as_a_wrong_passphrase(copied: tuple[Path, Path],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    share, new = copied

    def busy(dest: Path, key: str) -> None:
        raise StoreError(f"{dest.name} is busy: another program has it locked; try again")

    monkeypatch.setattr(snapshots, "_check", busy)
    with pytest.raises(StoreError) as err:
        copies.restore_from_shared(new, share, passphrase=PW)
    assert not isinstance(err.value, UnlockError) and "busy" in str(err.value)
    assert not new.exists()


@pytest.mark.parametrize("inner", [UnlockError("wrong passphrase, or the file is damaged"),
                                   DamagedStoreError("the copy fails its integrity check: page 3")])
def test_a_copy_that_decrypts_but_does_not_open_is_damaged_not_a_wrong_passphrase(
        copied: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, inner: Exception) -> None:
    share, new = copied
    real_check = snapshots._check

    def fails(dest: Path, key: str) -> None:
        real_check(dest, key)  # the real store inside opens with the key...
        raise inner  # ...and then, say, its inner store does not

    monkeypatch.setattr(snapshots, "_check", fails)
    with pytest.raises(StoreError) as err:
        copies.restore_from_shared(new, share, passphrase=PW)
    assert not isinstance(err.value, UnlockError), err.value
    assert "no good copy" in str(err.value)
    assert not new.exists()


def test_a_wrong_passphrase_is_still_a_wrong_passphrase(copied: tuple[Path, Path]) -> None:
    share, new = copied
    with pytest.raises(UnlockError, match="does not open any copy"):
        copies.restore_from_shared(new, share, passphrase="a different long passphrase")
    assert not new.exists()
