"""Atomic file writes: temp name beside the target, fsync, rename (owner-only by default)."""

from __future__ import annotations

import os
import re
import tempfile
import time
from pathlib import Path

STALE_TEMP_SECONDS = 3600.0


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def clean_stale_temps(path: Path | str) -> list[Path]:
    """Remove temp files an earlier, killed write of ``path`` left beside it
    (``.<name>.<pid>.<random>.tmp``; the process that wrote it is gone).  A temp file of
    an export holds a whole document in plain text, so it must not outlive its writer."""
    path = Path(path)
    pattern = re.compile(rf"^\.{re.escape(path.name)}\.(?:(\d+)\.)?[A-Za-z0-9_]+\.tmp$")
    removed: list[Path] = []
    try:
        names = os.listdir(path.parent)
    except OSError:
        return removed
    for name in names:
        m = pattern.match(name)
        if not m:
            continue
        candidate = path.parent / name
        try:
            if m.group(1) is not None:
                stale = int(m.group(1)) != os.getpid() and not _alive(int(m.group(1)))
            else:  # older name without the writer's pid
                stale = time.time() - os.lstat(candidate).st_mtime > STALE_TEMP_SECONDS
            if stale:
                candidate.unlink()
                removed.append(candidate)
        except OSError:
            pass
    return removed


def write_bytes_atomic(path: Path | str, data: bytes, mode: int = 0o600, *, durable: bool = True) -> None:
    """Write ``data`` to ``path`` all or nothing: an owner-only temp file beside it
    (named with this process's id, so a later run removes it if this one is killed),
    fsync, rename, fsync the folder.  ``durable=False`` skips both fsyncs (the rename is
    still atomic; after a power cut the file may be the old one, or unreadable)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    clean_stale_temps(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if durable:
        fsync_dir(path.parent)


def fsync_dir(folder: Path | str) -> None:
    """Make a rename or new file in ``folder`` durable (best effort: Windows and some
    network file systems cannot open a folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
