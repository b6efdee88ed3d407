"""Passphrase change (rekey under WAL), rolling backups and restore."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.models.errors import UnlockError, ValidationError
from app.models.store import Store, db, security
from tests.helpers import run_cli
from tests.security.conftest import digest

NEW = "a brand new passphrase ✓"
NOTE = {"date": "2026-11-20", "kind": "office", "text": "Synthetic note written before the rekey."}


def _opens(path: Path, passphrase: str) -> bool:
    try:
        conn = db.open_connection(path, passphrase)
    except UnlockError:
        return False
    conn.close()
    return True


def test_change_passphrase_rekeys_with_uncheckpointed_wal(closed_store: Path, passphrase: str, clock) -> None:  # type: ignore[no-untyped-def]
    s = Store.open(closed_store, passphrase, clock=clock)
    try:
        s.add_item("CPO-2026-0001", "notes", NOTE)  # sits in the WAL until checkpoint
        assert Path(str(closed_store) + "-wal").stat().st_size > 0
        before = s.get_case("CPO-2026-0001")
        with pytest.raises(UnlockError):
            security.change_passphrase(s, "not the current one", NEW)
        with pytest.raises(ValidationError, match="too short"):
            security.change_passphrase(s, passphrase, "short")
        with pytest.raises(ValidationError, match="empty"):
            security.change_passphrase(s, passphrase, "")
        with pytest.raises(ValidationError, match="same"):
            security.change_passphrase(s, passphrase, passphrase)
        backup = security.change_passphrase(s, passphrase, NEW)
        s.add_item("CPO-2026-0001", "notes", {**NOTE, "text": "After the rekey."})  # still writable
        assert s.audit_events()[-2].action == "passphrase_change"
    finally:
        s.close()
    assert not _opens(closed_store, passphrase)
    assert _opens(closed_store, NEW)
    with Store.open(closed_store, NEW) as again:
        after = again.get_case("CPO-2026-0001")
        assert after["notes"][:-1] == before["notes"]
        assert after["notes"][-1]["text"] == "After the rekey."
        assert again.check() == []
        assert again.verify_audit() == []
    # the backup taken first still opens with the OLD passphrase and holds the pre-rekey data
    assert backup.parent == security.backups_dir(closed_store)
    assert not _opens(backup, NEW)
    with Store.open(backup, passphrase) as old:
        assert old.get_case("CPO-2026-0001")["notes"] == before["notes"]


def test_cli_passphrase_change(closed_store: Path, passphrase: str, tmp_path: Path) -> None:
    r = run_cli("passphrase", "--store", closed_store, passphrase=passphrase,
                env={"CASEBOOK_NEW_PASSPHRASE": "tiny"})
    assert r.returncode == 2 and r.stderr.startswith("casebook: the new passphrase is too short")
    assert r.stderr.count("\n") == 1
    assert _opens(closed_store, passphrase)
    new_file = tmp_path / "new.txt"
    new_file.write_text(NEW + "\n", encoding="utf-8")
    r = run_cli("passphrase", "--store", closed_store, "--new-passphrase-file", new_file, passphrase=passphrase)
    assert r.returncode == 0, r.stderr
    assert "OLD passphrase" in r.stdout
    r = run_cli("cases", "--store", closed_store, passphrase=passphrase)
    assert r.returncode == 3
    r = run_cli("cases", "--store", closed_store, passphrase=NEW)
    assert r.returncode == 0 and "CPO-2026-0001" in r.stdout


def test_rolling_backups_keep_the_newest_n_owner_only(store: Store) -> None:
    security.set_backup_keep(store, 3)
    with pytest.raises(ValidationError):
        security.set_backup_keep(store, 0)
    taken = [security.rolling_backup(store) for _ in range(5)]
    listed = [b.path for b in security.list_backups(store.path)]
    assert listed == list(reversed(taken[-3:]))
    assert security.newest_backup(store.path).path == taken[-1]  # type: ignore[union-attr]
    folder = security.backups_dir(store.path)
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in taken[-3:])
    if os.name == "posix":
        assert folder.stat().st_mode & 0o777 == 0o700
        assert all(p.stat().st_mode & 0o777 == 0o600 for p in folder.iterdir())
    assert [e.action for e in store.audit_events()].count("backup") == 5


def test_restore_puts_a_backup_in_place_and_keeps_the_current_file(closed_store: Path, passphrase: str,
                                                                    clock) -> None:  # type: ignore[no-untyped-def]
    with Store.open(closed_store, passphrase, clock=clock) as s:
        backup = security.rolling_backup(s)
        s.delete_case("CPO-2026-0001")
    current = digest(closed_store)
    # a wrong passphrase changes nothing
    r = run_cli("restore", "--store", closed_store, "--from", backup, passphrase="wrong passphrase!")
    assert r.returncode == 3 and "does not open" in r.stderr
    assert digest(closed_store) == current
    # the backup list is readable without unlocking
    r = run_cli("backups", "--store", closed_store)
    assert r.returncode == 0 and str(backup) in r.stdout and "1 backup(s)" in r.stdout
    r = run_cli("restore", "--store", closed_store, "--from", backup, passphrase=passphrase)
    assert r.returncode == 0, r.stderr
    asides = [p for p in closed_store.parent.iterdir()
              if ".before-restore-" in p.name and not p.name.endswith(".seal")]
    assert len(asides) == 1 and digest(asides[0]) == current
    assert not any(p.name.endswith(".restoring") for p in closed_store.parent.iterdir())
    with Store.open(closed_store, passphrase) as s:
        assert s.case_references() == ["CPO-2026-0001"]
        assert s.check() == []
        assert any(e.action == "restore" for e in s.audit_events())
    assert backup.exists()  # the backup itself is not consumed


def test_restore_is_refused_while_the_store_is_open(store: Store, passphrase: str) -> None:
    backup = security.rolling_backup(store)
    r = run_cli("restore", "--store", store.path, "--from", backup, passphrase=passphrase)
    assert r.returncode == 2 and "already open in another Casebook window" in r.stderr
