"""Damaged stores are reported (never modified); one instance per store; wrong passphrase."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from app.models.errors import DamagedStoreError, InstanceLockedError, UnlockError
from app.models.store import Store, instance_lock, security
from tests.helpers import ROOT, run_cli
from tests.security.conftest import digest, side_files

PAGE = 4096


def _flip(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x5A
    path.write_bytes(bytes(data))


@pytest.fixture
def with_backup(closed_store: Path, passphrase: str, clock) -> tuple[Path, Path]:  # type: ignore[no-untyped-def]
    with Store.open(closed_store, passphrase, clock=clock) as s:
        backup = security.rolling_backup(s)
    return closed_store, backup


def _assert_untouched(path: Path, before_digest: str, before_files: set[str]) -> None:
    assert digest(path) == before_digest
    assert side_files(path) - {path.name + security.FAILURES_SUFFIX} == before_files


def test_wrong_passphrase_leaves_the_file_byte_identical(closed_store: Path) -> None:
    before, files = digest(closed_store), side_files(closed_store)
    with pytest.raises(UnlockError) as err:
        Store.open(closed_store, "not the passphrase at all")
    assert "wrong passphrase, or the file is damaged" in str(err.value)
    _assert_untouched(closed_store, before, files)
    assert not instance_lock.lock_path(closed_store).exists()


def test_flipped_byte_in_page_one_reads_as_wrong_passphrase_or_damage(with_backup, passphrase: str) -> None:
    path, backup = with_backup
    _flip(path, 100)
    before, files = digest(path), side_files(path)
    with pytest.raises(UnlockError) as err:
        Store.open(path, passphrase)
    msg = security.unlock_failure_message(path, err.value)
    assert "wrong passphrase, or the file is damaged" in msg and str(backup) in msg
    _assert_untouched(path, before, files)


@pytest.mark.parametrize("page", [2, 5])
def test_flipped_byte_in_a_later_page_is_damage_and_nothing_is_written(with_backup, passphrase: str,
                                                                         page: int) -> None:
    path, backup = with_backup
    assert path.stat().st_size > (page + 1) * PAGE
    _flip(path, page * PAGE + 1234)
    before, files = digest(path), side_files(path)
    with pytest.raises(DamagedStoreError) as err:
        Store.open(path, passphrase)
    assert "damaged" in str(err.value)
    assert str(backup) in security.unlock_failure_message(path, err.value)
    _assert_untouched(path, before, files)
    # the CLI: open failures exit 3, check exits 1; one line naming the newest backup
    r = run_cli("cases", "--store", path, passphrase=passphrase)
    assert r.returncode == 3, r.stderr
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("casebook: ") and str(backup) in r.stderr
    assert "Traceback" not in r.stderr
    r = run_cli("check", "--store", path, passphrase=passphrase)
    assert r.returncode == 1, r.stderr
    assert "HMAC" in r.stdout
    assert r.stderr.startswith("casebook: ") and "damaged" in r.stderr and str(backup) in r.stderr
    _assert_untouched(path, before, files)


@pytest.mark.parametrize("keep_pages", [None, 3])
def test_truncated_store_is_reported_and_left_alone(with_backup, passphrase: str, keep_pages: int | None) -> None:
    path, backup = with_backup
    size = path.stat().st_size
    cut = size - 1000 if keep_pages is None else keep_pages * PAGE  # mid-page, or on a page boundary
    with open(path, "r+b") as fh:
        fh.truncate(cut)
    before, files = digest(path), side_files(path)
    with pytest.raises(UnlockError) as err:  # DamagedStoreError is an UnlockError
        Store.open(path, passphrase)
    text = str(err.value)
    assert "damaged" in text
    # on a page boundary too: page 1 still passes its HMAC, so this is damage, not a wrong passphrase
    assert isinstance(err.value, DamagedStoreError)
    assert str(backup) in security.unlock_failure_message(path, err.value)
    _assert_untouched(path, before, files)
    r = run_cli("check", "--store", path, passphrase=passphrase)
    assert r.returncode in (1, 3) and "damaged" in r.stderr and str(backup) in r.stderr
    r = run_cli("cases", "--store", path, passphrase=passphrase)
    assert r.returncode == 3 and r.stderr.count("\n") == 1
    assert "damaged" in r.stderr and "wrong passphrase" not in r.stderr and str(backup) in r.stderr
    _assert_untouched(path, before, files)


def test_second_open_in_the_same_process_is_refused(store: Store, store_path: Path, passphrase: str) -> None:
    with pytest.raises(InstanceLockedError) as err:
        Store.open(store_path, passphrase)
    assert str(err.value) == f"{store_path.name} is already open in another Casebook window"
    assert instance_lock.is_locked(store_path)
    store.close()
    assert not instance_lock.is_locked(store_path)
    assert not instance_lock.lock_path(store_path).exists()
    with Store.open(store_path, passphrase) as again:
        assert again.count_cases() == 0


def test_another_process_is_refused_and_a_killed_holder_leaves_no_stale_lock(closed_store: Path,
                                                                                passphrase: str) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys; from app.models.store import Store\n"
         "s = Store.open(sys.argv[1], sys.argv[2]); print('open', flush=True); sys.stdin.read()",
         str(closed_store), passphrase],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        text=True)
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "open"
        with pytest.raises(InstanceLockedError):
            Store.open(closed_store, passphrase)
        for verb in ("cases", "check", "backup"):
            extra = ["--to", str(closed_store.with_name("b.bak"))] if verb == "backup" else []
            r = run_cli(verb, "--store", closed_store, *extra, passphrase=passphrase)
            assert r.returncode == 2, (verb, r.stderr)
            assert r.stderr == f"casebook: {closed_store.name} is already open in another Casebook window\n"
    finally:
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait()
    assert instance_lock.lock_path(closed_store).exists()  # left by the killed process, but not locked
    with Store.open(closed_store, passphrase) as s:
        assert s.count_cases() == 1
    assert not instance_lock.lock_path(closed_store).exists()


def test_failed_unlocks_are_counted_beside_the_store_and_audited_at_next_unlock(closed_store: Path,
                                                                                  passphrase: str) -> None:
    for _ in range(3):
        with pytest.raises(UnlockError):
            Store.open(closed_store, "wrong wrong wrong")
    side = security.failures_path(closed_store)
    assert side.exists()
    if os.name == "posix":
        assert side.stat().st_mode & 0o777 == 0o600
    pending = security.pending_unlock_failures(closed_store)
    assert pending["count"] == 3 and len(pending["attempts"]) == 3
    assert "wrong" not in side.read_text(encoding="utf-8")  # never the attempted passphrase
    with Store.open(closed_store, passphrase):
        pass  # the owed events are written at this clean close (or with the first change)
    assert not side.exists()
    with Store.open(closed_store, passphrase) as s:
        events = s.audit_events()
        assert [e.action for e in events[-4:]] == ["failed_unlock"] * 3 + ["unlock"]
        assert s.verify_audit() == []
