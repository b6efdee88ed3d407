"""Issue 21: a fault matrix for the shared folder.  Every file-system call delivery makes
(each FileOps method) fails with each error a shared drive produces, on its first or a
later call: sync never raises, nothing is lost (the item is delivered or still queued),
and once the drive works again each item is there exactly once, intact, in the manifest
once."""

from __future__ import annotations

import errno
import hashlib
import json
from pathlib import Path

from app.models.store import Store, outbox
from app.team.delivery import FileOps, sync_outbox
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
    expected: dict[str, bytes] = {}
    n = 0
    for method in METHODS:
        for exc in ERRORS:
            for after in (0, 2):
                n += 1
                name = f"m{n:03d}.pdf"
                data = f"synthetic document {n} {method}".encode()
                expected[name] = data
                outbox.enqueue(mstore, name, "contract", None, data)
                report = sync_outbox(mstore, share, force=True, ops=faulty(method, exc, after))
                assert report is not None  # returned, never raised
    # the drive works again
    for _ in range(3):
        report = sync_outbox(mstore, share, force=True)
        if report.waiting == 0:
            break
    assert report.waiting == 0, report.problem
    for name, data in expected.items():
        assert (share / name).read_bytes() == data, name
    finals = [p.name for p in share.iterdir() if p.name != outbox.MANIFEST_NAME and not p.name.startswith(".")]
    assert sorted(finals) == sorted(expected)  # no duplicates ("m001 (2).pdf"), no partials
    lines = [json.loads(line) for line in (share / outbox.MANIFEST_NAME).read_text().splitlines() if line.strip()]
    by_sha = {}
    for entry in lines:
        by_sha.setdefault(entry["sha256"], set()).add(entry["file"])
    for name, data in expected.items():
        assert by_sha.get(hashlib.sha256(data).hexdigest()) == {name}
    assert mstore.check() == []
