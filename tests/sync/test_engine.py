"""app.team.delivery over real folders: delivery, verification, conflicts, recovery, idempotence."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pytest

from app.models.store import Store, outbox
from app.team import delivery as sync
from app.team.delivery import FileOps, read_manifest, sync_outbox


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def manifest_lines(folder: Path) -> list[dict[str, Any]]:
    path = folder / outbox.MANIFEST_NAME
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def visible(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


def test_delivers_file_and_manifest(loaded_store: Store, tmp_path: Path) -> None:
    share = tmp_path / "share"
    share.mkdir()
    data = b"%PDF synthetic plan " * 100
    item = outbox.enqueue(loaded_store, "Plan – Ciarán O'Neill.pdf", "plan", "CPO-2026-0001", data)
    report = sync_outbox(loaded_store, share)
    assert report.reachable and report.waiting == 0
    assert [(o.id, o.status, o.name) for o in report.outcomes] == [(item, "delivered", "Plan – Ciarán O'Neill.pdf")]
    assert (share / "Plan – Ciarán O'Neill.pdf").read_bytes() == data
    assert visible(share) == {"Plan – Ciarán O'Neill.pdf", outbox.MANIFEST_NAME}
    [line] = manifest_lines(share)
    assert line == {"file": "Plan – Ciarán O'Neill.pdf", "sha256": sha(data), "size": len(data),
                    "case_reference": "CPO-2026-0001", "document_kind": "plan",
                    "created": "2026-11-23T09:00:00+00:00", "officer": "test-officer",
                    "delivered": "2026-11-23T09:00:00+00:00"}
    row = outbox.get(loaded_store, item)
    assert row.delivered and row.delivered_name == "Plan – Ciarán O'Neill.pdf"
    assert [e.action for e in loaded_store.audit_events()].count("share") == 1


def test_uses_the_store_setting(mstore: Store, share: Path) -> None:
    outbox.enqueue(mstore, "a.pdf", "contract", None, b"a")
    with pytest.raises(sync.NoFolderError):
        sync_outbox(mstore)
    assert outbox.waiting_count(mstore) == 1
    mstore.set_setting(outbox.SETTING_FOLDER, str(share))
    assert sync_outbox(mstore).waiting == 0
    assert (share / "a.pdf").read_bytes() == b"a"


def test_repeated_sync_is_idempotent(mstore: Store, share: Path) -> None:
    for i in range(3):
        outbox.enqueue(mstore, f"doc{i}.pdf", "plan", None, f"content {i}".encode())
    sync_outbox(mstore, share)
    snapshot = {p.name: p.read_bytes() for p in share.iterdir()}
    again = sync_outbox(mstore, share, force=True)
    assert again.outcomes == [] and again.waiting == 0
    assert {p.name: p.read_bytes() for p in share.iterdir()} == snapshot
    # the same export queued again is recognised, not copied a second time
    outbox.enqueue(mstore, "doc1.pdf", "plan", None, b"content 1")
    third = sync_outbox(mstore, share)
    assert [(o.status, o.name) for o in third.outcomes] == [("already", "doc1.pdf")]
    assert {p.name: p.read_bytes() for p in share.iterdir()} == snapshot
    assert len(manifest_lines(share)) == 3


def test_conflicting_file_is_never_overwritten(mstore: Store, share: Path) -> None:
    theirs = b"a colleague's different file"
    (share / "review.pdf").write_bytes(theirs)
    (share / "review (2).pdf").write_bytes(b"another different one")
    first = outbox.enqueue(mstore, "review.pdf", "review-summary", None, b"ours 1")
    second = outbox.enqueue(mstore, "review.pdf", "review-summary", None, b"ours 2")
    report = sync_outbox(mstore, share)
    assert report.waiting == 0
    assert (share / "review.pdf").read_bytes() == theirs
    assert (share / "review (2).pdf").read_bytes() == b"another different one"
    assert (share / "review (3).pdf").read_bytes() == b"ours 1"
    assert (share / "review (4).pdf").read_bytes() == b"ours 2"
    assert outbox.get(mstore, first).delivered_name == "review (3).pdf"
    assert outbox.get(mstore, second).delivered_name == "review (4).pdf"
    assert [m["file"] for m in manifest_lines(share)] == ["review (3).pdf", "review (4).pdf"]


def test_same_content_already_there_is_a_no_op(mstore: Store, share: Path) -> None:
    (share / "contract.pdf").write_bytes(b"identical")
    mtime = os.stat(share / "contract.pdf").st_mtime_ns
    item = outbox.enqueue(mstore, "contract.pdf", "contract", None, b"identical")
    report = sync_outbox(mstore, share)
    assert [(o.status, o.name) for o in report.outcomes] == [("already", "contract.pdf")]
    assert os.stat(share / "contract.pdf").st_mtime_ns == mtime
    assert outbox.get(mstore, item).delivered
    assert [m["file"] for m in manifest_lines(share)] == ["contract.pdf"]


def test_crash_after_rename_before_marking_is_recognised(mstore: Store, share: Path) -> None:
    """The file and its manifest line are in place but the store never heard: no second copy."""
    (share / "plan.pdf").write_bytes(b"someone else's plan")
    item = outbox.enqueue(mstore, "plan.pdf", "plan", None, b"our plan")
    row = outbox.get(mstore, item)
    name, already = sync.deliver_one(share, row, b"our plan", read_manifest(share))  # "crash" here
    assert (name, already) == ("plan (2).pdf", False)
    report = sync_outbox(mstore, share)
    assert [(o.status, o.name) for o in report.outcomes] == [("already", "plan (2).pdf")]
    assert visible(share) == {"plan.pdf", "plan (2).pdf", outbox.MANIFEST_NAME}
    assert len(manifest_lines(share)) == 1
    assert outbox.get(mstore, item).delivered_name == "plan (2).pdf"


def test_crash_before_manifest_line_adds_it_once(mstore: Store, share: Path) -> None:
    (share / "plan.pdf").write_bytes(b"our plan")  # renamed into place, manifest not yet written
    outbox.enqueue(mstore, "plan.pdf", "plan", None, b"our plan")
    sync_outbox(mstore, share)
    sync_outbox(mstore, share, force=True)
    assert [(m["file"], m["sha256"]) for m in manifest_lines(share)] == [("plan.pdf", sha(b"our plan"))]


def test_listed_in_manifest_but_moved_away_is_not_sent_again(mstore: Store, share: Path) -> None:
    item = outbox.enqueue(mstore, "plan.pdf", "plan", None, b"our plan")
    sync.deliver_one(share, outbox.get(mstore, item), b"our plan", read_manifest(share))
    (share / "plan.pdf").unlink()  # the team manager filed it elsewhere
    report = sync_outbox(mstore, share)
    assert [o.status for o in report.outcomes] == ["already"]
    assert not (share / "plan.pdf").exists() and len(manifest_lines(share)) == 1


def test_torn_manifest_line_is_skipped_and_closed_off(mstore: Store, share: Path) -> None:
    good = {"file": "old.pdf", "sha256": "0" * 64}
    (share / outbox.MANIFEST_NAME).write_text(json.dumps(good) + '\n{"file": "half', encoding="utf-8")
    outbox.enqueue(mstore, "new.pdf", "plan", None, b"new")
    sync_outbox(mstore, share)
    lines = (share / outbox.MANIFEST_NAME).read_text(encoding="utf-8").split("\n")
    assert lines[1] == '{"file": "half'
    assert json.loads(lines[2])["file"] == "new.pdf"
    assert [e["file"] for e in read_manifest(share).entries] == ["old.pdf", "new.pdf"]


def test_damaged_queue_copy_is_not_delivered(mstore: Store, share: Path) -> None:
    item = outbox.enqueue(mstore, "a.pdf", "plan", None, b"good")
    row = outbox.get(mstore, item)
    with pytest.raises(sync.SyncError):
        sync.deliver_one(share, row, b"bad!", read_manifest(share))
    assert visible(share) == set()


def test_old_partials_are_cleaned_fresh_ones_kept(mstore: Store, share: Path) -> None:
    old = share / ".a.pdf.0123456789ab.partial"
    fresh = share / ".b.pdf.ba9876543210.partial"
    unrelated = share / ".keep.partial"
    for p in (old, fresh, unrelated):
        p.write_bytes(b"x")
    os.utime(old, (1_000_000, 1_000_000))
    sync_outbox(mstore, share)
    assert not old.exists() and fresh.exists() and unrelated.exists()


def test_versioned_names_keep_the_extension() -> None:
    assert sync.versioned_name("a.tar.gz", 2) == "a.tar (2).gz"
    assert sync.versioned_name("noext", 3) == "noext (3)"
    assert sync.family("r.pdf", ["r.pdf", "R (3).PDF", "r (2).pdf", "r (x).pdf", "rr.pdf"]) == \
        ["r.pdf", "r (2).pdf", "R (3).PDF"]


def test_report_summary_lines(mstore: Store, share: Path, tmp_path: Path) -> None:
    outbox.enqueue(mstore, "a.pdf", "plan", None, b"a")
    missing = sync_outbox(mstore, tmp_path / "nope")
    assert missing.summary().startswith("1 export waiting: the shared drive folder")
    done = sync_outbox(mstore, share, force=True)
    assert done.summary() == "Shared drive up to date (1 delivered just now)"


def test_no_partial_left_by_successful_delivery(mstore: Store, share: Path) -> None:
    for i in range(5):
        outbox.enqueue(mstore, "same.pdf", "plan", None, bytes([i]) * 3000)
    sync_outbox(mstore, share, ops=FileOps())
    assert visible(share) == {"same.pdf", "same (2).pdf", "same (3).pdf", "same (4).pdf", "same (5).pdf",
                              outbox.MANIFEST_NAME}


def test_two_syncs_of_the_same_item_write_one_manifest_line(mstore: Store, share: Path) -> None:
    """A second Casebook on the same store, with a manifest read before the first appended."""
    item = outbox.enqueue(mstore, "plan.pdf", "plan", None, b"ours")
    row = outbox.get(mstore, item)
    stale = read_manifest(share)
    assert sync.deliver_one(share, row, b"ours", read_manifest(share)) == ("plan.pdf", False)
    assert sync.deliver_one(share, row, b"ours", stale) == ("plan.pdf", True)
    assert len(manifest_lines(share)) == 1
