"""Issue 21: a fault matrix for the shared folder.  Every file-system call delivery makes
(each FileOps method) fails with each error a shared drive produces, on its first or a
later call: sync never raises, nothing is lost (the item is delivered or still queued),
and once the drive works again each item is there exactly once, intact, in the manifest
once."""

from __future__ import annotations

import errno
import hashlib
from pathlib import Path

from app.models.store import Store, outbox
from app.team import identity
from app.team.delivery import FileOps, sync_outbox
from tests.helpers import documents_manifest, shared_documents
from tests.sync.test_faults import faulty

ERRORS = [
    PermissionError(errno.EACCES, "Permission denied"),
    OSError(errno.EROFS, "Read-only file system"),
    OSError(errno.ENOSPC, "No space left on device"),
    OSError(errno.EIO, "Input/output error"),
    OSError(errno.EBUSY, "Device or resource busy"),
    FileNotFoundError(errno.ENOENT, "No such file or directory"),  # the drive went away
]
METHODS = sorted(name for name, value in vars(FileOps).items() if callable(value) and not name.startswith("_"))


def test_every_fileops_call_failing_loses_nothing(mstore: Store, share: Path) -> None:
    assert len(METHODS) >= 10
    expected: dict[int, bytes] = {}
    n = 0
    for method in METHODS:
        for exc in ERRORS:
            for after in (0, 2):
                n += 1
                name = f"m{n:03d}.pdf"
                data = f"synthetic document {n} {method}".encode()
                item = outbox.enqueue(mstore, name, "contract", None, data)
                expected[item] = data
                report = sync_outbox(mstore, share, force=True, ops=faulty(method, exc, after))
                assert report is not None  # returned, never raised
    # the drive works again
    for _ in range(3):
        report = sync_outbox(mstore, share, force=True)
        if report.waiting == 0:
            break
    assert report.waiting == 0, report.problem
    docs = shared_documents(share, identity.age_identity(mstore))
    for item, data in expected.items():
        assert docs[str(outbox.get(mstore, item).delivered_name)] == data, item
    # no duplicates, no partial under a final name: one file per item, nothing else but the manifest
    assert sorted(docs.values()) == sorted(expected.values())
    finals = [p for p in share.rglob("*") if p.is_file() and p.name != outbox.MANIFEST_NAME
              and not p.name.startswith(".")]  # a temp file whose unlink failed waits for cleanup_partials
    assert len(finals) == len(expected)
    lines = documents_manifest(share, identity.ensure(mstore).officer_id)
    assert sorted(int(str(e["item"])) for e in lines) == sorted(expected)  # in the manifest once each
    for entry in lines:
        blob = (finals[0].parent / str(entry["file"])).read_bytes()
        assert entry["sha256"] == hashlib.sha256(blob).hexdigest() and entry["size"] == len(blob)
    assert mstore.check() == []
