"""Deliver the outbox to the shared drive: never lose an export, never clobber a file,
never leave a document readable without a key.

Each item goes, age-encrypted (``app.team.documents``: to the officer, the pinned team
manager and the team recovery recipient), to
``<folder>/casebook/documents/<officer-id>/<item-id>-<UTC>-<hex>.pdf.age``: a name with ids
and a time only, the same for the same item every time.  For each item due (see
``app.models.store.outbox``):

1. If it is already there, nothing is written: the item is marked delivered (after adding
   the manifest line if it is missing).  Already there means: its own name is listed in
   that folder's manifest, or a file under its name decrypts (with our key) to this content,
   or the manifest's sealed part lists the same content; or, from before encryption, a
   plain file of the same SHA-256 at the top of the folder under the item's original name
   (or ``name (2).pdf`` ...) or a top-level manifest line for it.  This is how a crash
   between "file in place" and "marked delivered" is recovered without delivering twice.
2. Otherwise the ciphertext goes to a hidden temp name ``.<name>.<12 hex>.partial`` in the
   officer's documents folder (exclusive create, write, flush, fsync), is read back and
   verified (size and SHA-256), then given its final name WITHOUT ever replacing an
   existing file: a hard link (fails if the name exists), else
   ``renameat2(RENAME_NOREPLACE)``, else (file systems supporting neither) a
   check-then-rename; a different file under the name makes it take ``<name>-2`` and so on.
   The directory is fsynced.
3. One JSON line is appended to that folder's ``casebook-manifest.jsonl`` (append, one
   write, fsync): file, SHA-256 and size of the encrypted file, item id, times, officer id,
   and the kind, case reference and original name sealed to the same recipients.  The
   manifest is the proof of completeness.
4. Only then is the item marked delivered in the store (audit event "share").

Any failure leaves the item queued with a one-line reason, counts the attempt and sets
the back-off; the temp file is removed.  Nothing here imports Qt.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import errno
import hashlib
import json
import os
import re
import secrets
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from app import safeio
from app.atomic import fsync_dir
from app.models.errors import StoreError
from app.models.store import Store, outbox
from app.team import identity, layout, sealing
from app.team.onstore import OnStore, inline

CHUNK = 1024 * 1024
MAX_VERSIONS = 9999
PARTIAL_RE = re.compile(r"^\..+\.[0-9a-f]{12}\.partial$")
_LINK_UNSUPPORTED = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.ENOSYS,
                     errno.EMLINK, errno.EINVAL}


class SyncError(StoreError):
    """A delivery problem with a one-line message fit to show an officer."""


class NoFolderError(SyncError):
    """No shared drive folder is set."""


class VerifyError(SyncError):
    """The copy written to the shared drive did not read back identically."""


# ---------------------------------------------------------------------- file-system operations
class FileOps:
    """Every file-system call delivery makes.  Tests subclass this to inject failures
    (PermissionError, ENOSPC, EBUSY ...), since chmod does not stop root."""

    def isdir(self, path: Path) -> bool:
        return path.is_dir()

    def makedirs(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)

    def listdir(self, path: Path) -> list[str]:
        return os.listdir(path)

    def lexists(self, path: Path) -> bool:
        return os.path.lexists(path)

    def size(self, path: Path) -> int | None:
        try:
            return os.stat(path).st_size
        except FileNotFoundError:
            return None

    def mtime(self, path: Path) -> float:
        return os.stat(path).st_mtime

    def sha256(self, path: Path) -> str:
        h = hashlib.sha256()
        h.update(safeio.read_regular(path, safeio.MAX_BUNDLE_BYTES))  # a FIFO or device is refused, never read
        return h.hexdigest()

    def read_bytes(self, path: Path) -> bytes:
        return safeio.read_regular(path, safeio.MAX_BUNDLE_BYTES)

    def open_new(self, path: Path) -> int:
        return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o644)

    def open_append(self, path: Path) -> int:
        return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_BINARY", 0), 0o644)

    def write(self, fd: int, data: bytes | memoryview) -> int:
        return os.write(fd, data)

    def fsync(self, fd: int) -> None:
        os.fsync(fd)

    def close(self, fd: int) -> None:
        os.close(fd)

    def link(self, src: Path, dst: Path) -> None:
        os.link(src, dst)

    def rename_noreplace(self, src: Path, dst: Path) -> None:
        """Rename that fails with FileExistsError rather than replace ``dst``."""
        if sys.platform == "win32":
            os.rename(src, dst)  # never replaces on Windows
            return
        if _renameat2_noreplace(src, dst):
            return
        # Last resort (file systems without hard links or RENAME_NOREPLACE): a small race
        # remains between the check and the rename; documented in docs/SYNC.md.
        if os.path.lexists(dst):
            raise FileExistsError(errno.EEXIST, "file exists", str(dst))
        os.rename(src, dst)

    def unlink(self, path: Path) -> None:
        os.unlink(path)

    def fsync_dir(self, path: Path) -> None:
        fsync_dir(path)


def _renameat2_noreplace(src: Path, dst: Path) -> bool:
    """True when renamed; False when renameat2 is not available here; raises OSError otherwise."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_noreplace = -100, 1
    rc = fn(at_fdcwd, os.fsencode(src), at_fdcwd, os.fsencode(dst), rename_noreplace)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(dst))


# ---------------------------------------------------------------------- messages
def describe_error(exc: BaseException, folder: Path | None = None) -> str:
    """One line an officer can act on (no traceback, no content)."""
    where = f" {folder}" if folder is not None else ""
    if isinstance(exc, SyncError):
        return str(exc)
    if isinstance(exc, OSError):
        code = exc.errno
        winerror = getattr(exc, "winerror", None)
        if winerror in (32, 33):
            return "a file on the shared drive is locked by another program; will try again"
        if code == errno.ENOENT:
            return f"the shared drive folder{where} cannot be found (is the network drive connected?)"
        if code == errno.ENOTDIR:
            return f"the shared drive folder{where} is not a folder"
        if code in (errno.EACCES, errno.EPERM):
            return f"permission denied writing to the shared drive folder{where}"
        if code in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
            return "the shared drive is full (no space left); will try again"
        if code in (errno.EBUSY, errno.ETXTBSY):
            return "a file on the shared drive is busy or locked; will try again"
        if code == errno.EROFS:
            return f"the shared drive folder{where} is read-only"
        if code in (errno.ETIMEDOUT, errno.EHOSTDOWN, errno.EHOSTUNREACH, errno.ENETUNREACH,
                    errno.ECONNRESET, errno.EIO):
            return "the shared drive stopped responding; will try again"
        text = exc.strerror or str(exc)
        return " ".join(f"shared drive error: {text}".split())
    return " ".join(f"delivery failed: {type(exc).__name__}".split())


# ---------------------------------------------------------------------- manifest
@dataclass
class Manifest:
    """What ``casebook-manifest.jsonl`` in one folder says was delivered."""

    entries: list[dict[str, object]] = field(default_factory=list)
    ends_with_newline: bool = True
    plain: dict[str, str] = field(default_factory=dict)  # document SHA-256 -> file (own sealed lines)
    plain_upto: int = 0                                  # entries already looked at for ``plain``

    def has_file(self, name: str) -> bool:
        return any(e.get("file") == name for e in self.entries)

    def has(self, name: str, sha: str) -> bool:
        return any(str(e.get("file", "")).casefold() == name.casefold() and e.get("sha256") == sha
                   for e in self.entries)

    def names_for(self, sha: str) -> list[str]:
        return [str(e["file"]) for e in self.entries if e.get("sha256") == sha and isinstance(e.get("file"), str)]


def read_manifest(folder: Path, ops: FileOps | None = None) -> Manifest:
    """Parse the manifest, skipping lines a crash may have torn."""
    ops = ops or FileOps()
    path = folder / outbox.MANIFEST_NAME
    try:
        raw = ops.read_bytes(path)
    except FileNotFoundError:
        return Manifest()
    entries = []
    for line in raw.split(b"\n"):
        if not line.strip():
            continue
        try:
            value = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            continue
        if isinstance(value, dict) and "file" in value and "sha256" in value:
            entries.append(value)
    return Manifest(entries, ends_with_newline=not raw or raw.endswith(b"\n"))


def append_manifest(folder: Path, entry: dict[str, object], manifest: Manifest, ops: FileOps) -> None:
    """Append one line (one write, then fsync); a torn last line is closed off first."""
    line = json.dumps(entry, ensure_ascii=False, sort_keys=False) + "\n"
    data = (("" if manifest.ends_with_newline else "\n") + line).encode("utf-8")
    fd = ops.open_append(folder / outbox.MANIFEST_NAME)
    try:
        _write_all(ops, fd, data)
        ops.fsync(fd)
    finally:
        ops.close(fd)
    manifest.entries.append(entry)
    manifest.ends_with_newline = True


def manifest_entry(row: outbox.OutboxRow, name: str, delivered: dt.datetime, sealer: sealing.Sealer,
                   file_sha: str, file_size: int) -> dict[str, object]:
    """One line of an officer's documents manifest: ids, times, the encrypted file's checksum
    and size in clear; kind, case reference and original name sealed (``meta``)."""
    return {
        "file": name,
        "sha256": file_sha,
        "size": file_size,
        "item": row.id,
        "created": row.created_at.isoformat(timespec="seconds"),
        "officer": sealer.officer_id,
        "delivered": delivered.isoformat(timespec="seconds"),
        "meta": sealing.seal_meta(sealer, row),
    }


# ---------------------------------------------------------------------- names
def versioned_name(name: str, n: int) -> str:
    """``report.pdf`` -> ``report (2).pdf`` for n=2 (n=1 is the name itself)."""
    if n <= 1:
        return name
    stem, ext = os.path.splitext(name)
    return f"{stem} ({n}){ext}"


def _family_re(name: str) -> re.Pattern[str]:
    stem, ext = os.path.splitext(name)
    return re.compile(rf"^{re.escape(stem)}(?: \(([0-9]+)\))?{re.escape(ext)}$", re.IGNORECASE)


def family(name: str, names: list[str]) -> list[str]:
    """The names among ``names`` that are ``name`` or a versioned ``name (n)``, in version order."""
    pattern = _family_re(name)
    found = []
    for candidate in names:
        m = pattern.match(candidate)
        if m:
            found.append((int(m.group(1) or 1), candidate))
    return [c for _, c in sorted(found)]


# ---------------------------------------------------------------------- delivery
def _write_all(ops: FileOps, fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = ops.write(fd, view[:CHUNK])
        if written <= 0:
            raise OSError(errno.EIO, "write made no progress")
        view = view[written:]


def _matches(ops: FileOps, path: Path, sha: str, size: int) -> bool:
    try:
        return ops.size(path) == size and ops.sha256(path) == sha
    except FileNotFoundError:
        return False
    except IsADirectoryError:
        return False


def find_legacy(folder: Path, row: outbox.OutboxRow, manifest: Manifest, ops: FileOps) -> str | None:
    """Delivered before documents were encrypted: a plain file of the same SHA-256 under the
    item's own name (or a versioned ``name (n)``) at the top of the folder, or an old manifest
    line for that content in that name family.  So an upgrade never delivers twice."""
    names = family(row.filename, ops.listdir(folder))
    for name in names:
        if _matches(ops, folder / name, row.sha256, row.size):
            return name
    pattern = _family_re(row.filename)
    for name in manifest.names_for(row.sha256):
        if pattern.match(name):
            return name  # listed as delivered; the team may have moved the file since
    return None


def _is_ours(ops: FileOps, path: Path, row: outbox.OutboxRow, sealer: sealing.Sealer) -> bool | None:
    """Is ``path`` this item's document, encrypted (it decrypts with our key to the item)?
    None when nothing is there.  A file that is there but cannot be read raises OSError: the
    item waits for the next attempt rather than risk a second copy."""
    try:
        size = ops.size(path)
        if size is None:
            return False if ops.lexists(path) else None  # a dangling link is there, and not ours
        if size > row.size + 64 * 1024 + row.size // 8:
            return False
        plain = sealer.decrypt(ops.read_bytes(path))
    except IsADirectoryError:
        return False
    except FileNotFoundError:
        if ops.lexists(path):
            raise OSError(errno.EIO, "a file on the shared drive could not be read", str(path)) from None
        return None
    return plain is not None and len(plain) == row.size and hashlib.sha256(plain).hexdigest() == row.sha256


def _known_content(manifest: Manifest, sealer: sealing.Sealer) -> dict[str, str]:
    """SHA-256 of each document in this officer's manifest (from its sealed part) -> file."""
    cache = manifest.plain
    for entry in manifest.entries[manifest.plain_upto:]:
        body = sealing.open_meta(entry.get("meta"), [sealer.identity])
        if body is not None and isinstance(body.get("sha256"), str) and isinstance(entry.get("file"), str):
            cache.setdefault(body["sha256"], str(entry["file"]))
    manifest.plain_upto = len(manifest.entries)
    return cache


def find_delivered(where: Path, row: outbox.OutboxRow, manifest: Manifest, sealer: sealing.Sealer,
                   ops: FileOps) -> str | None:
    """The name under which this item is already in the officer's documents folder ``where``:
    its own name listed in the manifest (the team may have moved the file since) or in place
    and decrypting to this content; or the same content delivered as another item."""
    for n in range(1, MAX_VERSIONS + 1):
        name = sealing.file_name(sealer, row, n)
        if manifest.has_file(name):
            return name
        if not ops.lexists(where / name):
            break
        ours = _is_ours(ops, where / name, row, sealer)
        if ours is None:
            break
        if ours:
            return name
    return _known_content(manifest, sealer).get(row.sha256)


def _discard(ops: FileOps, temp: Path) -> None:
    """Remove a temp name; a failure only leaves a hidden .partial for cleanup_partials."""
    try:
        ops.unlink(temp)
    except OSError:
        pass


def _place(ops: FileOps, temp: Path, where: Path, row: outbox.OutboxRow, sealer: sealing.Sealer) -> tuple[str, bool]:
    """Give ``temp`` its final name without replacing anything: (name, was_already_there)."""
    n, again = 0, 3
    while n < MAX_VERSIONS:
        n += 1
        name = sealing.file_name(sealer, row, n)
        target = where / name
        if ops.lexists(target):
            ours = _is_ours(ops, target, row, sealer)
            if ours:
                _discard(ops, temp)
                return name, True
            if ours is None and again > 0:  # gone meanwhile: the name is free again
                n, again = n - 1, again - 1
            continue
        try:
            try:
                ops.link(temp, target)
            except FileExistsError:
                raise
            except OSError as exc:
                if exc.errno not in _LINK_UNSUPPORTED:
                    raise
                ops.rename_noreplace(temp, target)
            else:
                _discard(ops, temp)
        except FileExistsError:
            # someone else took this name between our check and the link
            ours = _is_ours(ops, target, row, sealer)
            if ours:
                _discard(ops, temp)
                return name, True
            continue
        return name, False
    raise SyncError(f"too many files named like document {row.id} on the shared drive")


def shared_path(officer_id: str, name: str) -> str:
    """A document's path under the shared folder, as the store and the report show it."""
    return f"{layout.ROOT}/documents/{officer_id}/{name}"


def deliver_one(folder: Path, row: outbox.OutboxRow, data: bytes, sealer: sealing.Sealer,
                manifest: Manifest | None = None, legacy: Manifest | None = None,
                ops: FileOps | None = None, now: dt.datetime | None = None) -> tuple[str, bool]:
    """Put one item, encrypted, in the officer's documents folder under ``folder`` and in
    its manifest; returns (path under ``folder``, was already there).  ``manifest``: that
    folder's manifest as last read (updated here); ``legacy``: the top-level manifest of
    plain deliveries (older versions), checked first so an upgrade never delivers twice.

    Raises OSError or SyncError on failure, having removed its temp file.
    """
    ops = ops or FileOps()
    now = now or dt.datetime.now(dt.UTC)
    if hashlib.sha256(data).hexdigest() != row.sha256 or len(data) != row.size:
        raise SyncError(f"the queued copy of {row.filename} is damaged (checksum differs); not delivered")
    if legacy is not None:
        old = find_legacy(folder, row, legacy, ops)
        if old is not None:
            return old, True
    where = layout.documents_dir(folder, sealer.officer_id)
    ops.makedirs(where)
    if manifest is None:
        manifest = read_manifest(where, ops)
    existing = find_delivered(where, row, manifest, sealer, ops)
    if existing is not None:
        _record(where, row, existing, now, manifest, sealer, ops)
        return shared_path(sealer.officer_id, existing), True
    blob = sealer.encrypt(data)
    blob_sha = hashlib.sha256(blob).hexdigest()
    temp = where / f".{sealing.file_name(sealer, row)}.{secrets.token_hex(6)}.partial"
    fd = ops.open_new(temp)
    placed = False
    try:
        try:
            _write_all(ops, fd, blob)
            ops.fsync(fd)
        finally:
            ops.close(fd)
        if ops.size(temp) != len(blob) or ops.sha256(temp) != blob_sha:
            raise VerifyError(f"the copy of {row.filename} on the shared drive did not verify; will try again")
        name, already = _place(ops, temp, where, row, sealer)
        placed = True
    finally:
        if not placed:
            _discard(ops, temp)
    ops.fsync_dir(where)
    _record(where, row, name, now, manifest, sealer, ops, None if already else (blob_sha, len(blob)))
    return shared_path(sealer.officer_id, name), already


def deliver_new(folder: Path, name: str, data: bytes, entry: dict[str, object],
                ops: FileOps | None = None) -> None:
    """Deliver ``data`` under a new, unique ``name`` (off-laptop copies, cards, packets).

    Temp file (exclusive create), write, fsync, read back and verify size and SHA-256, then
    the manifest line (``entry`` plus file, sha256 and size), then the no-replace rename and a
    folder fsync.  The manifest line goes first so that a file under a final name always has
    its proof: a kill between the two leaves a line naming a file that is not there (ignored
    when read), never an unlisted file.  Raises OSError/SyncError having removed the temp file.
    """
    ops = ops or FileOps()
    sha = hashlib.sha256(data).hexdigest()
    temp = folder / f".{name}.{secrets.token_hex(6)}.partial"
    fd = ops.open_new(temp)
    try:
        try:
            _write_all(ops, fd, data)
            ops.fsync(fd)
        finally:
            ops.close(fd)
        if ops.size(temp) != len(data) or ops.sha256(temp) != sha:
            raise VerifyError(f"the copy of {name} on the shared drive did not verify; will try again")
        fresh = read_manifest(folder, ops)
        append_manifest(folder, {"file": name, "sha256": sha, "size": len(data), **entry}, fresh, ops)
        try:
            ops.link(temp, folder / name)
        except FileExistsError:
            raise SyncError(f"{name} is already on the shared drive; not replaced") from None
        except OSError as exc:
            if exc.errno not in _LINK_UNSUPPORTED:
                raise
            ops.rename_noreplace(temp, folder / name)
    finally:
        _discard(ops, temp)
    ops.fsync_dir(folder)


def _record(where: Path, row: outbox.OutboxRow, name: str, now: dt.datetime, manifest: Manifest,
            sealer: sealing.Sealer, ops: FileOps, file_id: tuple[str, int] | None = None) -> None:
    """Append the manifest line unless it is there; re-read first, so a line another
    process (a second Casebook on this store) appended meanwhile is not duplicated.
    ``file_id``: (SHA-256, size) of the file just written (else read from the file)."""
    if manifest.has_file(name):
        return
    fresh = read_manifest(where, ops)
    if not fresh.has_file(name):
        if file_id is None:
            file_id = (ops.sha256(where / name), ops.size(where / name) or 0)
        append_manifest(where, manifest_entry(row, name, now, sealer, *file_id), fresh, ops)
    manifest.entries[:] = fresh.entries
    manifest.ends_with_newline = fresh.ends_with_newline
    manifest.plain_upto = min(manifest.plain_upto, len(manifest.entries))


def cleanup_partials(folder: Path, ops: FileOps, max_age: float = 3600.0) -> int:
    """Remove temp files a killed sync left behind (older than ``max_age`` seconds)."""
    removed = 0
    cutoff = time.time() - max_age
    for name in ops.listdir(folder):
        if not PARTIAL_RE.match(name):
            continue
        try:
            if ops.mtime(folder / name) <= cutoff:
                ops.unlink(folder / name)
                removed += 1
        except OSError:
            continue
    return removed


# ---------------------------------------------------------------------- the whole outbox
@dataclass(frozen=True)
class ItemOutcome:
    id: int
    filename: str
    status: str  # delivered | already | failed
    name: str | None = None
    error: str | None = None


@dataclass
class SyncReport:
    folder: Path
    reachable: bool
    outcomes: list[ItemOutcome] = field(default_factory=list)
    waiting: int = 0
    problem: str | None = None

    @property
    def delivered(self) -> list[ItemOutcome]:
        return [o for o in self.outcomes if o.status in ("delivered", "already")]

    @property
    def failed(self) -> list[ItemOutcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    def summary(self) -> str:
        """One line for a status bar."""
        if not self.reachable:
            return f"{_exports(self.waiting)} waiting: {self.problem}"
        done = len(self.delivered)
        if self.waiting == 0:
            return f"Shared drive up to date ({done} delivered just now)" if done else "Shared drive up to date"
        last = self.failed[-1].error if self.failed else "waiting to retry"
        prefix = f"{done} delivered; " if done else ""
        return f"{prefix}{_exports(self.waiting)} waiting: {last}"


def _exports(n: int) -> str:
    return f"{n} export" + ("" if n == 1 else "s")


def configured_folder(store: Store) -> Path:
    value = store.get_setting(outbox.SETTING_FOLDER)
    if not value or not isinstance(value, str):
        raise NoFolderError("no shared drive folder is set (casebook sync --to FOLDER --save, or Settings)")
    return Path(value)


def folder_problem(folder: Path, ops: FileOps | None = None) -> str | None:
    """None when ``folder`` is a reachable folder, else a one-line reason."""
    ops = ops or FileOps()
    try:
        if ops.isdir(folder):
            return None
        if ops.lexists(folder):
            return f"the shared drive folder {folder} is not a folder"
        return f"the shared drive folder {folder} cannot be found (is the network drive connected?)"
    except OSError as exc:
        return describe_error(exc, folder)


def sync_outbox(store: Store, folder: Path | str | None = None, *, force: bool = False,
                ops: FileOps | None = None, partial_max_age: float = 3600.0,
                should_stop: Callable[[], bool] | None = None, on_store: OnStore = inline) -> SyncReport:
    """Deliver what is due (``force``: every queued item, ignoring back-off) to ``folder``
    (default: the store's ``shared_drive_folder`` setting), encrypted, into
    ``<folder>/casebook/documents/<officer-id>/``.  Every store call goes through ``on_store``
    (``app.team.onstore``); the encryption and the drive's IO run here."""
    ops = ops or FileOps()
    target = Path(folder) if folder is not None else on_store(lambda: configured_folder(store))
    rows = on_store(lambda: outbox.pending(store) if force else outbox.due(store))
    report = SyncReport(folder=target, reachable=True)
    problem = folder_problem(target, ops)
    legacy = Manifest()
    manifest = Manifest()
    sealer: sealing.Sealer | None = None
    if problem is None:
        try:
            cleanup_partials(target, ops, partial_max_age)  # temp files of older versions
            legacy = read_manifest(target, ops)
            if rows:
                sealer = on_store(lambda: sealing.sealer_for(store))
                where = layout.documents_dir(target, sealer.officer_id)
                ops.makedirs(where)
                cleanup_partials(where, ops, partial_max_age)
                manifest = read_manifest(where, ops)
            else:  # nothing to deliver: still clear temp files a killed delivery left in our folder
                own = on_store(lambda: identity.officer_id(store))
                if own is not None and ops.isdir(layout.documents_dir(target, own)):
                    cleanup_partials(layout.documents_dir(target, own), ops, partial_max_age)
        except (OSError, SyncError) as exc:
            problem = describe_error(exc, target)
        except StoreError as exc:
            problem = str(exc)
    if problem is not None:
        report.reachable = False
        report.problem = problem
        report.outcomes.extend(ItemOutcome(row.id, row.filename, "failed", error=problem) for row in rows)
        report.waiting = on_store(lambda: _mark_all_failed(store, rows, problem))
        return report
    for row in rows:
        if should_stop is not None and should_stop():
            break
        assert sealer is not None
        try:
            data = on_store(partial(outbox.content, store, row.id))
            name, already = deliver_one(target, row, data, sealer, manifest, legacy, ops, store.clock.now())
        except (OSError, SyncError) as exc:
            message = describe_error(exc, target)
            on_store(partial(outbox.mark_failed, store, row.id, message))
            report.outcomes.append(ItemOutcome(row.id, row.filename, "failed", error=message))
            continue
        on_store(partial(outbox.mark_delivered, store, row.id, name, "already on the shared drive" if already else None))
        report.outcomes.append(ItemOutcome(row.id, row.filename, "already" if already else "delivered", name))
    report.waiting = on_store(lambda: outbox.waiting_count(store))
    return report


def _mark_all_failed(store: Store, rows: list[outbox.OutboxRow], problem: str) -> int:
    """Store step: every item of this pass waits with ``problem``; how many wait now."""
    for row in rows:
        outbox.mark_failed(store, row.id, problem)
    return outbox.waiting_count(store)
