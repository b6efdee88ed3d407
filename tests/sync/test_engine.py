"""app.team.delivery over real folders: delivery (encrypted, id-only names), verification,
conflicts, recovery, idempotence, and plain deliveries of older versions still recognised."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from app.models.store import Store, outbox
from app.team import delivery as sync
from app.team import documents, identity, layout, sealing
from app.team.delivery import FileOps, read_manifest, sync_outbox
from tests.helpers import documents_manifest, shared_documents
from tests.sync.test_faults import faulty

NAME_RE = re.compile(r"^casebook/documents/off-[a-z2-7]{8}/[0-9]+-\d{8}T\d{9}Z-[0-9a-f]{8}(-[0-9]+)?\.pdf\.age$")


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def manifest_lines(store: Store, share: Path) -> list[dict[str, Any]]:
    return documents_manifest(share, identity.ensure(store).officer_id)


def docs_dir(store: Store, share: Path) -> Path:
    return layout.documents_dir(share, identity.ensure(store).officer_id)


def opened(store: Store, share: Path) -> dict[str, bytes]:
    return shared_documents(share, identity.age_identity(store))


def every_file(share: Path) -> set[str]:
    return {p.relative_to(share).as_posix() for p in share.rglob("*") if p.is_file()}


def snapshot(share: Path) -> dict[str, bytes]:
    return {p.relative_to(share).as_posix(): p.read_bytes() for p in share.rglob("*") if p.is_file()}


def test_delivers_encrypted_file_and_manifest(loaded_store: Store, tmp_path: Path) -> None:
    share = tmp_path / "share"
    share.mkdir()
    data = b"%PDF synthetic plan " * 100
    item = outbox.enqueue(loaded_store, "Plan – Ciarán O'Neill.pdf", "plan", "CPO-2026-0001", data)
    report = sync_outbox(loaded_store, share)
    assert report.reachable and report.waiting == 0
    [(got_id, status, name)] = [(o.id, o.status, o.name) for o in report.outcomes]
    assert (got_id, status) == (item, "delivered") and name is not None and NAME_RE.match(name), name
    raw = (share / name).read_bytes()
    assert raw.startswith(b"age-encryption.org/v1\n") and data not in raw
    assert opened(loaded_store, share) == {name: data}
    assert os.listdir(share) == ["casebook"]
    assert every_file(share) == {name, f"{docs_dir(loaded_store, share).relative_to(share).as_posix()}/"
                                       f"{outbox.MANIFEST_NAME}"}
    [line] = manifest_lines(loaded_store, share)
    oid = identity.officer_id(loaded_store)
    assert {k: v for k, v in line.items() if k != "meta"} == {
        "file": Path(name).name, "sha256": sha(raw), "size": len(raw), "item": item,
        "created": "2026-11-23T09:00:00+00:00", "officer": oid, "delivered": "2026-11-23T09:00:00+00:00"}
    text = (docs_dir(loaded_store, share) / outbox.MANIFEST_NAME).read_text("utf-8")
    for secret in ("CPO-2026-0001", "Ciarán", "O'Neill", "Plan", "test-officer", sha(data)):
        assert secret not in text and secret not in name
    meta = sealing.open_meta(line["meta"], [identity.age_identity(loaded_store)])
    assert meta is not None and (meta["case_reference"], meta["document_kind"], meta["filename"], meta["sha256"]) == \
        ("CPO-2026-0001", "plan", "Plan – Ciarán O'Neill.pdf", sha(data))
    assert b"CPO-2026-0001" not in base64.b64decode(line["meta"])
    row = outbox.get(loaded_store, item)
    assert row.delivered and row.delivered_name == name
    assert [e.action for e in loaded_store.audit_events()].count("share") == 1


def test_uses_the_store_setting(mstore: Store, share: Path) -> None:
    outbox.enqueue(mstore, "a.pdf", "contract", None, b"a")
    with pytest.raises(sync.NoFolderError):
        sync_outbox(mstore)
    assert outbox.waiting_count(mstore) == 1
    mstore.set_setting(outbox.SETTING_FOLDER, str(share))
    assert sync_outbox(mstore).waiting == 0
    assert list(opened(mstore, share).values()) == [b"a"]


def test_repeated_sync_is_idempotent(mstore: Store, share: Path) -> None:
    for i in range(3):
        outbox.enqueue(mstore, f"doc{i}.pdf", "plan", None, f"content {i}".encode())
    first = sync_outbox(mstore, share)
    before = snapshot(share)
    again = sync_outbox(mstore, share, force=True)
    assert again.outcomes == [] and again.waiting == 0
    assert snapshot(share) == before
    # the same export queued again is recognised (from the manifest's sealed part), not copied twice
    outbox.enqueue(mstore, "doc1.pdf", "plan", None, b"content 1")
    third = sync_outbox(mstore, share)
    assert [(o.status, o.name) for o in third.outcomes] == [("already", first.outcomes[1].name)]
    assert snapshot(share) == before
    assert len(manifest_lines(mstore, share)) == 3


def _row_and_sealer(store: Store, item: int) -> tuple[outbox.OutboxRow, sealing.Sealer]:
    return outbox.get(store, item), sealing.sealer_for(store)


def test_conflicting_file_is_never_overwritten(mstore: Store, share: Path) -> None:
    first = outbox.enqueue(mstore, "review.pdf", "review-summary", None, b"ours 1")
    second = outbox.enqueue(mstore, "review.pdf", "review-summary", None, b"ours 2")
    row, sealer = _row_and_sealer(mstore, first)
    where = docs_dir(mstore, share)
    where.mkdir(parents=True)
    taken = where / sealing.file_name(sealer, row)
    taken.write_bytes(b"something else under our name")
    (share / "review.pdf").write_bytes(b"a colleague's different file from before encryption")
    report = sync_outbox(mstore, share)
    assert report.waiting == 0
    assert taken.read_bytes() == b"something else under our name"
    assert (share / "review.pdf").read_bytes() == b"a colleague's different file from before encryption"
    one, two = outbox.get(mstore, first).delivered_name, outbox.get(mstore, second).delivered_name
    assert one is not None and one.endswith(sealing.file_name(sealer, row, 2))
    key = [identity.age_identity(mstore)]
    assert sealing.Sealer("", (), key[0], b"").decrypt((share / str(one)).read_bytes()) == b"ours 1"
    assert sealing.Sealer("", (), key[0], b"").decrypt((share / str(two)).read_bytes()) == b"ours 2"
    assert [m["file"] for m in manifest_lines(mstore, share)] == [Path(str(one)).name, Path(str(two)).name]


def test_plain_copy_from_before_encryption_is_recognised(mstore: Store, share: Path) -> None:
    """An older version delivered it in plain under its own name: not delivered again."""
    (share / "contract.pdf").write_bytes(b"identical")
    mtime = os.stat(share / "contract.pdf").st_mtime_ns
    item = outbox.enqueue(mstore, "contract.pdf", "contract", None, b"identical")
    report = sync_outbox(mstore, share)
    assert [(o.status, o.name) for o in report.outcomes] == [("already", "contract.pdf")]
    assert os.stat(share / "contract.pdf").st_mtime_ns == mtime
    assert outbox.get(mstore, item).delivered
    assert opened(mstore, share) == {}


def test_old_format_manifest_line_still_dedupes(mstore: Store, share: Path) -> None:
    """A top-level manifest from before encryption (case references in clear): read without
    error, and an item it lists (file since moved away) is not delivered again."""
    data = b"%PDF old plain delivery"
    old = {"file": "CB-2026-0001_review-summary_officer-copy.pdf", "sha256": sha(data), "size": len(data),
           "case_reference": "CB-2026-0001", "document_kind": "review", "created": "2026-11-01T09:00:00+00:00",
           "officer": "test-officer", "delivered": "2026-11-01T09:01:00+00:00"}
    other = {**old, "file": "CB-2026-0002_plan_officer-copy.pdf", "sha256": "1" * 64}
    (share / outbox.MANIFEST_NAME).write_text(json.dumps(old) + "\n" + json.dumps(other) + "\n", encoding="utf-8")
    before = (share / outbox.MANIFEST_NAME).read_bytes()
    item = outbox.enqueue(mstore, "CB-2026-0001_review-summary_officer-copy.pdf", "review", None, data)
    fresh = outbox.enqueue(mstore, "CB-2026-0003_plan_officer-copy.pdf", "plan", None, b"%PDF new")
    report = sync_outbox(mstore, share)
    assert [(o.id, o.status) for o in report.outcomes] == [(item, "already"), (fresh, "delivered")]
    assert outbox.get(mstore, item).delivered_name == old["file"]
    assert list(opened(mstore, share).values()) == [b"%PDF new"]  # only the new one was written
    assert (share / outbox.MANIFEST_NAME).read_bytes() == before  # the old manifest is never edited
    assert [e["file"] for e in read_manifest(share).entries] == [old["file"], other["file"]]


def test_crash_after_rename_before_marking_is_recognised(mstore: Store, share: Path) -> None:
    """The file and its manifest line are in place but the store never heard: no second copy."""
    item = outbox.enqueue(mstore, "plan.pdf", "plan", None, b"our plan")
    row, sealer = _row_and_sealer(mstore, item)
    name, already = sync.deliver_one(share, row, b"our plan", sealer)  # "crash" here
    assert not already and NAME_RE.match(name)
    report = sync_outbox(mstore, share)
    assert [(o.status, o.name) for o in report.outcomes] == [("already", name)]
    assert opened(mstore, share) == {name: b"our plan"}
    assert len(manifest_lines(mstore, share)) == 1
    assert outbox.get(mstore, item).delivered_name == name


def test_crash_before_manifest_line_adds_it_once(mstore: Store, share: Path) -> None:
    item = outbox.enqueue(mstore, "plan.pdf", "plan", None, b"our plan")
    row, sealer = _row_and_sealer(mstore, item)
    with pytest.raises(OSError):  # renamed into place, manifest not yet written
        sync.deliver_one(share, row, b"our plan", sealer, ops=faulty("open_append", OSError(28, "full")))
    [name] = opened(mstore, share)
    assert manifest_lines(mstore, share) == []
    sync_outbox(mstore, share)
    sync_outbox(mstore, share, force=True)
    raw = (share / name).read_bytes()
    assert [(m["file"], m["sha256"], m["item"]) for m in manifest_lines(mstore, share)] == \
        [(Path(name).name, sha(raw), item)]
    assert opened(mstore, share) == {name: b"our plan"} and outbox.get(mstore, item).delivered_name == name


def test_listed_in_manifest_but_moved_away_is_not_sent_again(mstore: Store, share: Path) -> None:
    item = outbox.enqueue(mstore, "plan.pdf", "plan", None, b"our plan")
    row, sealer = _row_and_sealer(mstore, item)
    name, _ = sync.deliver_one(share, row, b"our plan", sealer)
    (share / name).unlink()  # the team manager filed it elsewhere
    report = sync_outbox(mstore, share)
    assert [o.status for o in report.outcomes] == ["already"]
    assert opened(mstore, share) == {} and len(manifest_lines(mstore, share)) == 1


def test_torn_manifest_line_is_skipped_and_closed_off(mstore: Store, share: Path) -> None:
    where = docs_dir(mstore, share)
    where.mkdir(parents=True)
    good = {"file": "1-20261101T090000000Z-00000000.pdf.age", "sha256": "0" * 64}
    (where / outbox.MANIFEST_NAME).write_text(json.dumps(good) + '\n{"file": "half', encoding="utf-8")
    outbox.enqueue(mstore, "new.pdf", "plan", None, b"new")
    [outcome] = sync_outbox(mstore, share).outcomes
    lines = (where / outbox.MANIFEST_NAME).read_text(encoding="utf-8").split("\n")
    assert lines[1] == '{"file": "half'
    assert json.loads(lines[2])["file"] == Path(str(outcome.name)).name
    assert [e["file"] for e in read_manifest(where).entries] == [good["file"], Path(str(outcome.name)).name]


def test_damaged_queue_copy_is_not_delivered(mstore: Store, share: Path) -> None:
    item = outbox.enqueue(mstore, "a.pdf", "plan", None, b"good")
    row, sealer = _row_and_sealer(mstore, item)
    with pytest.raises(sync.SyncError):
        sync.deliver_one(share, row, b"bad!", sealer)
    assert every_file(share) == set()


def test_old_partials_are_cleaned_fresh_ones_kept(mstore: Store, share: Path) -> None:
    where = docs_dir(mstore, share)
    where.mkdir(parents=True)
    old = share / ".a.pdf.0123456789ab.partial"
    old_doc = where / ".1-20261101T090000000Z-00000000.pdf.age.0123456789ab.partial"
    fresh = share / ".b.pdf.ba9876543210.partial"
    unrelated = share / ".keep.partial"
    for p in (old, old_doc, fresh, unrelated):
        p.write_bytes(b"x")
    os.utime(old, (1_000_000, 1_000_000))
    os.utime(old_doc, (1_000_000, 1_000_000))
    outbox.enqueue(mstore, "a.pdf", "plan", None, b"a")
    sync_outbox(mstore, share)
    assert not old.exists() and not old_doc.exists() and fresh.exists() and unrelated.exists()


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
    docs = opened(mstore, share)
    assert sorted(docs.values()) == [bytes([i]) * 3000 for i in range(5)]
    assert len(every_file(share)) == 6 and not [f for f in every_file(share) if f.endswith(".partial")]


def test_two_syncs_of_the_same_item_write_one_manifest_line(mstore: Store, share: Path) -> None:
    """A second Casebook on the same store, with a manifest read before the first appended."""
    item = outbox.enqueue(mstore, "plan.pdf", "plan", None, b"ours")
    row, sealer = _row_and_sealer(mstore, item)
    where = docs_dir(mstore, share)
    stale = read_manifest(where)
    name, already = sync.deliver_one(share, row, b"ours", sealer, read_manifest(where))
    assert not already
    assert sync.deliver_one(share, row, b"ours", sealer, stale) == (name, True)
    assert len(manifest_lines(mstore, share)) == 1


def test_a_pinned_manager_and_the_recovery_recipient_can_read(mstore: Store, share: Path) -> None:
    import pyrage

    from app.team import cards, copies, status

    manager, recovery = pyrage.x25519.Identity.generate(), pyrage.x25519.Identity.generate()
    with mstore.transaction() as tx:
        cards.put_setting(tx, status.SETTING_MANAGER, "off-abcdefgh")
        cards.put_setting(tx, cards.SETTING_PINS,
                          {"off-abcdefgh": {"recipient": str(manager.to_public()), "signing_key": "00" * 32,
                                            "fingerprint": "x", "name": "M"}})
    copies.set_recovery_recipient(mstore, str(recovery.to_public()))
    assert len(sealing.recipients_for(mstore)) == 3
    outbox.enqueue(mstore, "plan.pdf", "plan", None, b"%PDF for three")
    [outcome] = sync_outbox(mstore, share).outcomes
    blob = (share / str(outcome.name)).read_bytes()
    stranger = pyrage.x25519.Identity.generate()
    for reader in (manager, recovery, identity.age_identity(mstore)):
        assert pyrage.decrypt(blob, [reader]) == b"%PDF for three"
    with pytest.raises(pyrage.DecryptError):
        pyrage.decrypt(blob, [stranger])
    listing = documents.scan(share, [manager])
    assert [d.document_kind for d in listing.documents] == ["plan"]
    assert documents.scan(share, [stranger]).documents == []
