"""Off-laptop copies over real encrypted stores and real folders (issue 14)."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import threading
from pathlib import Path

import pyrage
import pytest

from app.models.errors import UnlockError
from app.models.store import Store
from app.team import copies, identity, layout
from app.team.delivery import FileOps, read_manifest
from tests.team.conftest import PNG, cases_of, grep_folder, make_store, secret_strings

PW = "correct horse battery staple – ✓"


def _files(share: Path) -> list[Path]:
    return sorted(p for p in share.rglob("*") if p.is_file())


def test_copy_restore_after_the_laptop_is_lost(laptop: Path, share: Path, tmp_path: Path) -> None:
    store = make_store(laptop / "a.cbk", PW)
    ident = identity.ensure(store)
    ref = store.case_references()[0]
    original = cases_of(store)
    plans = store.plan_versions(ref)
    outcome = copies.take_copy(store, share)
    assert outcome.status == "delivered", outcome
    assert copies.take_copy(store, share).status == "current"  # nothing changed since
    store.close()
    shutil.rmtree(laptop)  # the laptop is lost: only the shared folder is left

    # file names: officer id and time only; everything encrypted
    [copy] = [p for p in _files(share) if p.name.endswith(layout.COPY_EXT)]
    assert copy.parent == share / "casebook" / "backups" / ident.officer_id
    assert layout.parse(copy.name) is not None and copy.read_bytes().startswith(b"age-encryption.org/v1\n")
    assert grep_folder(share, secret_strings()) == []

    new = tmp_path / "new-laptop" / "restored.cbk"
    new.parent.mkdir()
    result = copies.restore_from_shared(new, share, passphrase=PW)
    assert result.copy == copy.name and result.skipped == []
    with Store.open(new, PW) as restored:
        assert cases_of(restored) == original
        assert restored.plan_versions(ref) == plans
        assert restored.get_signature(ref, "contract", "individual")[0] == PNG
        assert identity.ensure(restored).officer_id == ident.officer_id  # same officer, same keys
        assert restored.verify_audit() == []
        assert any(e.action == "restore_shared" and copy.name in (e.detail or "")
                   for e in restored.audit_events())
        assert restored.check() == []


def test_recovery_identity_restores_without_the_passphrase(laptop: Path, share: Path, tmp_path: Path) -> None:
    team_key = pyrage.x25519.Identity.generate()
    store = make_store(laptop / "a.cbk", PW)
    copies.set_recovery_recipient(store, str(team_key.to_public()))
    original = cases_of(store)
    assert copies.take_copy(store, share).status == "delivered"
    store.close()
    shutil.rmtree(laptop)
    assert grep_folder(share, secret_strings()) == []

    wrong = pyrage.x25519.Identity.generate()
    with pytest.raises(UnlockError):
        copies.restore_from_shared(tmp_path / "x.cbk", share, recovery_identities=[wrong],
                                   new_passphrase="a brand new passphrase")
    assert not list(tmp_path.glob("*x.cbk*"))  # nothing written

    result = copies.restore_from_shared(tmp_path / "r.cbk", share, recovery_identities=[team_key],
                                        new_passphrase="a brand new passphrase")
    assert result.recovered and result.copy.endswith(layout.RECOVERY_EXT)
    with pytest.raises(UnlockError):
        Store.open(tmp_path / "r.cbk", PW).close()  # the old passphrase is gone with the officer
    with Store.open(tmp_path / "r.cbk", "a brand new passphrase") as restored:
        assert cases_of(restored) == original
        assert any(e.action == "recover" for e in restored.audit_events())


def test_age_tool_reads_the_copies(laptop: Path, share: Path, tmp_path: Path) -> None:
    """Council IT is never locked in: the standard age tool decrypts both kinds of file."""
    if shutil.which("age") is None:
        pytest.skip("the age command is not installed")
    team_key = pyrage.x25519.Identity.generate()
    key_file = tmp_path / "team.key"
    key_file.write_text(f"# test\n{team_key}\n")
    with make_store(laptop / "a.cbk", PW) as store:
        copies.set_recovery_recipient(store, str(team_key.to_public()))
        copies.take_copy(store, share)
    [rec] = [p for p in _files(share) if p.name.endswith(layout.RECOVERY_EXT)]
    out = subprocess.run(["age", "-d", "-i", str(key_file), str(rec)], capture_output=True, check=True).stdout
    assert out.startswith(b"casebook-recovery/v1\n")
    assert b"SQLite format 3" not in out  # the inner store is still SQLCipher-encrypted


def test_wrong_passphrase_writes_nothing(laptop: Path, share: Path, tmp_path: Path) -> None:
    with make_store(laptop / "a.cbk", PW) as store:
        copies.take_copy(store, share)
    before = {p: p.read_bytes() for p in _files(share)}
    with pytest.raises(UnlockError):
        copies.restore_from_shared(tmp_path / "n.cbk", share, passphrase="not the passphrase")
    assert list(tmp_path.glob("*n.cbk*")) == [] and list(tmp_path.glob(".n.cbk*")) == []
    assert {p: p.read_bytes() for p in _files(share)} == before


def test_existing_file_is_never_replaced(laptop: Path, share: Path, tmp_path: Path) -> None:
    with make_store(laptop / "a.cbk", PW) as store:
        copies.take_copy(store, share)
    target = tmp_path / "there.cbk"
    target.write_bytes(b"someone's file")
    with pytest.raises(Exception, match="already exists"):
        copies.restore_from_shared(target, share, passphrase=PW)
    assert target.read_bytes() == b"someone's file"


@pytest.mark.parametrize("damage", ["truncate", "alter", "foreign", "unlisted"])
def test_bad_newest_file_is_skipped_for_the_next_good_one(laptop: Path, share: Path, tmp_path: Path,
                                                         damage: str) -> None:
    with make_store(laptop / "a.cbk", PW) as store:
        oid = identity.ensure(store).officer_id
        assert copies.take_copy(store, share).status == "delivered"
        good = cases_of(store)
        store.add_item(store.case_references()[0], "notes", {"date": "2026-11-21", "kind": "phone",
                                                              "text": "later synthetic call"})
        newest = copies.take_copy(store, share)
        assert newest.status == "delivered"
    where = layout.backups_dir(share, oid)
    bad = where / str(newest.name)
    data = bad.read_bytes()
    if damage == "truncate":
        bad.write_bytes(data[: len(data) // 2])
    elif damage == "alter":
        bad.write_bytes(data[:-100] + bytes(b ^ 0xFF for b in data[-100:]))
    elif damage == "foreign":
        bad.unlink()
        bad = where / "holiday-photos.zip"
        bad.write_bytes(b"PK\x03\x04 not ours")
    else:  # a well-named file the manifest never listed (dropped by someone)
        bad.unlink()
        bad = where / layout.stem(oid, __import__("datetime").datetime.now(__import__("datetime").UTC))
        bad = bad.with_name(bad.name + layout.COPY_EXT)
        bad.write_bytes(data)
    listed = {c.name: c for c in copies.scan(share)}
    assert not listed[bad.name].verified and listed[bad.name].problem
    result = copies.restore_from_shared(tmp_path / "n.cbk", share, passphrase=PW)
    assert bad.name in [n for n, _ in result.skipped]
    with Store.open(tmp_path / "n.cbk", PW) as restored:
        assert cases_of(restored) == good


class Failing(FileOps):
    def __init__(self, exc: OSError, on: str) -> None:
        self.exc, self.on = exc, on

    def open_new(self, path: Path) -> int:
        if self.on == "open":
            raise self.exc
        return super().open_new(path)

    def write(self, fd: int, data: bytes | memoryview) -> int:
        if self.on == "write":
            raise self.exc
        return super().write(fd, data)

    def link(self, src: Path, dst: Path) -> None:
        if self.on == "link":
            raise self.exc
        super().link(src, dst)


@pytest.mark.parametrize(("exc", "on", "reason"), [
    (PermissionError(errno.EACCES, "denied"), "open", "permission denied"),
    (OSError(errno.EROFS, "read-only"), "open", "read-only"),
    (OSError(errno.ENOSPC, "full"), "write", "full"),
    (OSError(errno.EBUSY, "busy"), "link", "busy or locked"),
])
def test_drive_faults_keep_the_copy_due(laptop: Path, share: Path, exc: OSError, on: str, reason: str) -> None:
    with make_store(laptop / "a.cbk", PW) as store:
        before_events = len(store.audit_events())
        outcome = copies.take_copy(store, share, ops=Failing(exc, on))
        assert outcome.status == "failed" and reason in (outcome.error or "")
        assert copies.last_copy(store) is None and copies.changed_since_last(store)
        assert len(store.audit_events()) == before_events  # the local store untouched
        finals = [p for p in _files(share) if layout.parse(p.name)]
        assert finals == [] and not [p for p in _files(share) if p.name.endswith(".partial")]
        assert copies.take_copy(store, share).status == "delivered"  # the drive is back: delivered


def test_missing_drive_keeps_the_copy_due(laptop: Path, tmp_path: Path) -> None:
    with make_store(laptop / "a.cbk", PW) as store:
        outcome = copies.take_copy(store, tmp_path / "S-drive")
        assert outcome.status == "failed" and "cannot be found" in (outcome.error or "")
        assert copies.copy_status(store).line().startswith("No off-laptop copy yet")


def test_keep_newest_n_and_never_delete_past_a_bad_newer_one(laptop: Path, share: Path) -> None:
    with make_store(laptop / "a.cbk", PW) as store:
        oid = identity.ensure(store).officer_id
        store.set_setting(copies.SETTING_KEEP, 2)
        names = []
        for _ in range(4):
            names.append(copies.take_copy(store, share, force=True).name)
        on_drive = sorted(p.name for p in layout.backups_dir(share, oid).glob("*" + layout.COPY_EXT))
        assert on_drive == sorted(names[-2:])
        # damage the two newest: no older good one may go, however many new copies follow
        for n in names[-2:]:
            (layout.backups_dir(share, oid) / n).write_bytes(b"damaged")
        names.append(copies.take_copy(store, share, force=True).name)
        on_drive = sorted(p.name for p in layout.backups_dir(share, oid).glob("*" + layout.COPY_EXT))
        assert on_drive == sorted(names[-3:])  # the new one and the two damaged ones; pruned below keep=2


def test_two_laptops_of_one_officer_never_clobber(laptop: Path, share: Path, tmp_path: Path) -> None:
    with make_store(laptop / "a.cbk", PW) as store:
        oid = identity.ensure(store).officer_id
    other = tmp_path / "laptop2"
    other.mkdir()
    shutil.copy(laptop / "a.cbk", other / "a.cbk")
    stores = [Store.open(laptop / "a.cbk", PW), Store.open(other / "a.cbk", PW)]
    results: list[copies.CopyOutcome] = []
    threads = [threading.Thread(target=lambda s=s: results.append(copies.take_copy(s, share, force=True)))
               for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for s in stores:
        s.close()
    assert [r.status for r in results] == ["delivered", "delivered"]
    found = copies.scan(share)
    assert len(found) == 2 and all(c.verified and c.officer == oid for c in found)
    assert len(read_manifest(layout.backups_dir(share, oid)).entries) == 2


def test_metadata_hook_travels_with_the_copy(laptop: Path, share: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(copies, "copy_metadata_hooks", [lambda store: {"commit_counter": 42}])
    with make_store(laptop / "a.cbk", PW) as store:
        oid = identity.ensure(store).officer_id
        copies.take_copy(store, share)
        assert copies.last_copy(store).meta == {"commit_counter": 42}
    [entry] = read_manifest(layout.backups_dir(share, oid)).entries
    assert entry["meta"] == {"commit_counter": 42} and entry["officer"] == oid and entry["login"]


def test_changes_make_a_copy_due_and_unlocks_do_not(laptop: Path, share: Path) -> None:
    path = laptop / "a.cbk"
    with make_store(path, PW) as store:
        copies.take_copy(store, share)
    with Store.open(path, PW) as store:  # an unlock (audited) is not a change
        assert not copies.changed_since_last(store)
        store.set_setting("report_days_before", 7)
        assert copies.changed_since_last(store)
        assert copies.copy_status(store).changed


def test_restore_asks_which_officer_when_several(laptop: Path, share: Path, tmp_path: Path) -> None:
    ids = []
    for n in ("a", "b"):
        with make_store(laptop / f"{n}.cbk", PW) as store:
            ids.append(identity.ensure(store).officer_id)
            copies.take_copy(store, share)
    with pytest.raises(Exception, match="--officer"):
        copies.restore_from_shared(tmp_path / "n.cbk", share, passphrase=PW)
    result = copies.restore_from_shared(tmp_path / "n.cbk", share, passphrase=PW, officer=ids[1])
    assert result.officer == ids[1]
    assert os.stat(tmp_path / "n.cbk").st_mode & 0o077 == 0  # owner-only


def test_each_copy_carries_the_authenticated_commit_state(laptop: Path, share: Path) -> None:
    """Issue 21 item 2: the commit counter and audit head travel in the copy's metadata."""
    with make_store(laptop / "a.cbk", PW) as store:
        oid = identity.ensure(store).officer_id
        assert copies.take_copy(store, share).status == "delivered"
        [entry] = read_manifest(layout.backups_dir(share, oid)).entries
        state = entry["meta"]["commit"]
        assert store.security.check_commit_state(state) is None
        assert state["counter"] >= 1 and set(state) == {"counter", "audit_id", "audit_head", "mac"}


def test_a_store_put_back_with_its_seal_is_caught_by_its_newer_copy(laptop: Path, share: Path) -> None:
    """What the seal beside the store cannot see (store and seal both put back to an older
    version of themselves) the off-laptop copy's metadata does: no copy is delivered from
    the older store, and nothing on the drive is pruned."""
    path = laptop / "a.cbk"
    with make_store(path, PW) as store:
        identity.ensure(store)
        assert copies.take_copy(store, share).status == "delivered"
    old = {p.name: p.read_bytes() for p in laptop.iterdir() if p.is_file() and p.name.startswith("a.cbk")}
    with Store.open(path, PW) as store:
        store.set_setting("report_days_before", 7)
        newer = copies.take_copy(store, share)
        assert newer.status == "delivered"
    for p in laptop.iterdir():
        if p.is_file() and p.name.startswith("a.cbk"):
            p.unlink()
    for name, data in old.items():  # the store and its seal, as they were
        (laptop / name).write_bytes(data)
    before = sorted(p.name for p in share.rglob("*") if p.is_file())
    with Store.open(path, PW) as store:  # the seal beside it cannot tell
        outcome = copies.take_copy(store, share, force=True)
        assert outcome.status == "failed", outcome
        assert str(newer.name) in str(outcome.error) and "older" in str(outcome.error)
        assert copies.last_copy(store) is not None and copies.last_copy(store).name != newer.name
    assert sorted(p.name for p in share.rglob("*") if p.is_file()) == before


def test_a_deliberate_restore_of_an_older_backup_still_gets_copies(laptop: Path, share: Path) -> None:
    from app.models.store import security

    path = laptop / "a.cbk"
    with make_store(path, PW) as store:
        backup = security.rolling_backup(store)
        for days in (5, 6, 7):  # commits the backup has not
            store.set_setting("report_days_before", days)
        assert copies.take_copy(store, share).status == "delivered"
    security.restore_backup(path, backup, PW)  # audited as "restore": older on purpose
    with Store.open(path, PW) as store:
        assert copies.take_copy(store, share, force=True).status == "delivered"
