"""Failures: missing folder, permission denied, disk full, locked files, races.

Tests run as root, so chmod cannot make a folder read-only for them: failures are
injected through a FileOps subclass (or by monkeypatching os functions)."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.models.store import Store, outbox
from app.team import delivery as sync
from app.team import identity
from app.team.delivery import FileOps, sync_outbox
from tests.helpers import documents_manifest, shared_documents


def faulty(method: str, exc: BaseException, after: int = 0) -> FileOps:
    """FileOps whose ``method`` raises ``exc`` from its (after+1)-th call on."""
    base: Callable[..., Any] = getattr(FileOps, method)
    calls = {"n": 0}

    def wrapper(self: FileOps, *args: Any) -> Any:
        calls["n"] += 1
        if calls["n"] > after:
            raise exc
        return base(self, *args)

    return type("Faulty", (FileOps,), {method: wrapper})()


def assert_still_queued(store: Store, item: int, words: str, attempts: int = 1) -> None:
    row = outbox.get(store, item)
    assert not row.delivered and row.attempts == attempts
    assert row.last_error is not None and words in row.last_error and "\n" not in row.last_error
    assert row.next_attempt_at is not None


def no_final_or_partial(share: Path) -> None:
    assert [p for p in share.rglob("*") if p.is_file() and p.name != outbox.MANIFEST_NAME] == []


def delivered(store: Store, item: int, share: Path) -> bytes:
    """The item's document as delivered (decrypted with the store's key)."""
    import pyrage

    name = outbox.get(store, item).delivered_name
    assert name is not None
    return bytes(pyrage.decrypt((share / name).read_bytes(), [identity.age_identity(store)]))


def files(share: Path) -> list[str]:
    return sorted(p.relative_to(share).as_posix() for p in share.rglob("*") if p.is_file())


def lines(store: Store, share: Path) -> list[dict[str, Any]]:
    return documents_manifest(share, identity.ensure(store).officer_id)


def test_missing_folder(mstore: Store, tmp_path: Path) -> None:
    item = outbox.enqueue(mstore, "a.pdf", "contract", None, b"a")
    report = sync_outbox(mstore, tmp_path / "not-mounted")
    assert not report.reachable and report.waiting == 1
    assert_still_queued(mstore, item, "cannot be found")


def test_parent_is_a_regular_file(mstore: Store, tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    item = outbox.enqueue(mstore, "a.pdf", "contract", None, b"a")
    report = sync_outbox(mstore, tmp_path / "afile" / "share")
    assert report.waiting == 1
    assert_still_queued(mstore, item, "shared drive folder")
    # the destination itself a regular file
    report = sync_outbox(mstore, tmp_path / "afile", force=True)
    assert_still_queued(mstore, item, "is not a folder", attempts=2)
    assert (tmp_path / "afile").read_text() == "x"


@pytest.mark.parametrize("method,exc,words", [
    ("open_new", PermissionError(errno.EACCES, "Permission denied"), "permission denied"),
    ("open_new", OSError(errno.EROFS, "Read-only file system"), "read-only"),
    ("link", OSError(errno.EBUSY, "Device or resource busy"), "busy or locked"),
    ("fsync", OSError(errno.EIO, "I/O error"), "stopped responding"),
    ("listdir", PermissionError(errno.EACCES, "Permission denied"), "permission denied"),
])
def test_injected_failures_keep_item_queued(mstore: Store, share: Path, method: str, exc: OSError,
                                            words: str) -> None:
    item = outbox.enqueue(mstore, "a.pdf", "contract", None, b"content")
    report = sync_outbox(mstore, share, ops=faulty(method, exc))
    assert report.waiting == 1
    assert_still_queued(mstore, item, words)
    no_final_or_partial(share)
    # the folder works again: delivered on a later, forced attempt
    assert sync_outbox(mstore, share, force=True).waiting == 0
    assert delivered(mstore, item, share) == b"content"


def test_disk_full_mid_write(mstore: Store, share: Path) -> None:
    big = os.urandom(int(2.5 * sync.CHUNK))
    item = outbox.enqueue(mstore, "big.pdf", "plan", None, big)
    ops = faulty("write", OSError(errno.ENOSPC, "No space left on device"), after=1)
    report = sync_outbox(mstore, share, ops=ops)
    assert report.waiting == 1 and report.failed[0].error is not None
    assert_still_queued(mstore, item, "full")
    no_final_or_partial(share)  # no partial under a final name, temp file removed
    assert lines(mstore, share) == []
    assert sync_outbox(mstore, share, force=True).waiting == 0
    assert delivered(mstore, item, share) == big


def test_disk_full_writing_the_manifest_recovers_without_duplicate(mstore: Store, share: Path) -> None:
    item = outbox.enqueue(mstore, "a.pdf", "plan", None, b"a")
    report = sync_outbox(mstore, share, ops=faulty("open_append", OSError(errno.ENOSPC, "full")))
    assert report.waiting == 1
    assert_still_queued(mstore, item, "full")
    [placed] = shared_documents(share, identity.age_identity(mstore))  # in place, not yet listed
    report = sync_outbox(mstore, share, force=True)
    assert [(o.status, o.name) for o in report.outcomes] == [("already", placed)]
    assert delivered(mstore, item, share) == b"a"
    assert len(files(share)) == 2 and len(lines(mstore, share)) == 1


def test_verification_failure_removes_temp(mstore: Store, share: Path) -> None:
    class Corrupting(FileOps):
        def write(self, fd: int, data: Any) -> int:
            n = super().write(fd, bytes(data).replace(b"a", b"b"))
            return n

    item = outbox.enqueue(mstore, "a.pdf", "plan", None, b"aaaa")
    report = sync_outbox(mstore, share, ops=Corrupting())
    assert report.waiting == 1
    assert_still_queued(mstore, item, "did not verify")
    no_final_or_partial(share)


def test_monkeypatched_os_permission_error(mstore: Store, share: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    item = outbox.enqueue(mstore, "a.pdf", "plan", None, b"a")

    def denied(*args: Any, **kw: Any) -> int:
        raise PermissionError(errno.EACCES, "Permission denied", str(args[0]))

    monkeypatch.setattr(os, "open", denied)
    report = sync_outbox(mstore, share)
    monkeypatch.undo()
    assert report.waiting == 1
    assert_still_queued(mstore, item, "permission denied")
    no_final_or_partial(share)


def test_backoff_respected_by_background_sync(mstore: Store, share: Path, mclock: Any) -> None:
    item = outbox.enqueue(mstore, "a.pdf", "plan", None, b"a")
    sync_outbox(mstore, share, ops=faulty("open_new", OSError(errno.EBUSY, "busy")))
    assert sync_outbox(mstore, share).outcomes == []  # not due for 30 s
    mclock.advance(31)
    assert sync_outbox(mstore, share).waiting == 0
    assert outbox.get(mstore, item).delivered


class RacingOps(FileOps):
    """Something else creates the final name between our check and our link (``None``: a copy
    of our own temp file, as a second Casebook on this store delivering the same item)."""

    def __init__(self, intruder: bytes | None) -> None:
        self.intruder = intruder
        self.done = False
        self.taken: Path | None = None

    def link(self, src: Path, dst: Path) -> None:
        if not self.done:
            self.done = True
            self.taken = dst
            dst.write_bytes(src.read_bytes() if self.intruder is None else self.intruder)
        super().link(src, dst)


def test_race_on_the_final_name_never_clobbers(mstore: Store, share: Path) -> None:
    item = outbox.enqueue(mstore, "plan.pdf", "plan", None, b"ours")
    ops = RacingOps(b"theirs")
    report = sync_outbox(mstore, share, ops=ops)
    assert report.waiting == 0
    assert ops.taken is not None and ops.taken.read_bytes() == b"theirs"
    name = str(outbox.get(mstore, item).delivered_name)
    assert name.endswith(ops.taken.name.replace(".pdf.age", "-2.pdf.age"))
    assert delivered(mstore, item, share) == b"ours"


def test_race_with_identical_content_is_recognised(mstore: Store, share: Path) -> None:
    item = outbox.enqueue(mstore, "plan.pdf", "plan", None, b"ours")
    ops = RacingOps(None)
    report = sync_outbox(mstore, share, ops=ops)
    assert ops.taken is not None
    assert [o.status for o in report.outcomes] == ["already"]
    assert str(outbox.get(mstore, item).delivered_name).endswith(ops.taken.name)
    assert len(files(share)) == 2 and len(lines(mstore, share)) == 1


class NoLinkOps(RacingOps):
    """A file system without hard links (many SMB shares): the no-replace rename is used."""

    def link(self, src: Path, dst: Path) -> None:
        if not self.done:
            self.done = True
            self.taken = dst
            dst.write_bytes(self.intruder or b"")
        raise OSError(errno.EPERM, "Operation not permitted")


@pytest.mark.parametrize("renameat2", [True, False])
def test_without_hard_links_still_never_clobbers(mstore: Store, share: Path, monkeypatch: pytest.MonkeyPatch,
                                                 renameat2: bool) -> None:
    if not renameat2:  # neither link nor renameat2: check-then-rename last resort
        monkeypatch.setattr(sync, "_renameat2_noreplace", lambda src, dst: False)
    item = outbox.enqueue(mstore, "plan.pdf", "plan", None, b"ours")
    ops = NoLinkOps(b"theirs")
    report = sync_outbox(mstore, share, ops=ops)
    assert report.waiting == 0
    assert ops.taken is not None and ops.taken.read_bytes() == b"theirs"
    assert str(outbox.get(mstore, item).delivered_name).endswith("-2.pdf.age")
    assert (share / str(outbox.get(mstore, item).delivered_name)).parent == ops.taken.parent
    assert len(files(share)) == 3  # theirs, ours, the manifest: nothing else, no partial
    assert not [f for f in files(share) if f.endswith(".partial")]
    theirs_kept = ops.taken
    ops.taken = None
    assert theirs_kept.read_bytes() == b"theirs"


def test_rename_noreplace_refuses_existing(tmp_path: Path) -> None:
    src, dst = tmp_path / "src", tmp_path / "dst"
    src.write_bytes(b"new")
    dst.write_bytes(b"old")
    with pytest.raises(FileExistsError):
        FileOps().rename_noreplace(src, dst)
    assert dst.read_bytes() == b"old" and src.exists()


def test_one_failure_does_not_stop_the_others(mstore: Store, share: Path) -> None:
    class FailOne(FileOps):
        calls = 0

        def open_new(self, path: Path) -> int:
            FailOne.calls += 1
            if FailOne.calls == 2:  # the temp file of the second item
                raise OSError(errno.EBUSY, "busy")
            return super().open_new(path)

    ids = [outbox.enqueue(mstore, f"{n}.pdf", "plan", None, n.encode()) for n in "abc"]
    report = sync_outbox(mstore, share, ops=FailOne())
    assert [o.status for o in report.outcomes] == ["delivered", "failed", "delivered"]
    assert report.waiting == 1 and not outbox.get(mstore, ids[1]).delivered
