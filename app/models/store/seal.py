"""The store's seal: an authenticated record, outside the store file, of the last
acknowledged commit.  It detects a store that went back in time.

SQLCipher authenticates each page on its own, so a page (or the whole file) put back to
an older version of itself still passes every HMAC, and a damaged ``-wal`` makes SQLite
silently stop reading the log at the damaged frame: acknowledged commits vanish.  Neither
is visible from inside the file.  So:

* the store holds a monotonic commit counter and a random 32-byte seal secret (table
  ``store_seal``, encrypted with everything else); every write transaction adds one to
  the counter in that same transaction;
* after each commit, ``<store>.seal`` (owner-only, JSON, no case content) records the
  counter, the audit chain's head (last event id and hash), whether the store was closed
  cleanly and, when it was, the SHA-256 of the store file as closed; an HMAC-SHA256 under a
  key derived from the seal secret authenticates it;
* on open, before anything is written, the seal is compared with the store: a counter
  or audit head behind the seal, a store file that differs from the cleanly closed one, or
  a write-ahead log holding a commit that appeared after a clean close is refused (RollbackError) with the
  missing changes listed from the newest backup that has them.

The seal secret lives inside the encrypted store rather than being derived from the
passphrase, so the seal file gives nothing to an offline passphrase guesser (deriving a
key from the passphrase cheaply would bypass SQLCipher's 256,000 PBKDF2 iterations).  Only
someone who can unlock the store can forge a seal; what that does not detect is listed
in docs/SECURITY.md.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app import safeio
from app.atomic import write_bytes_atomic
from app.models.errors import DamagedStoreError

GENESIS_HASH = "0" * 64  # the previous hash of the first audit event

SEAL_SUFFIX = ".seal"
FORMAT = "casebook.seal"
VERSION = 1
_FIELDS = ("format", "version", "counter", "audit_id", "audit_head", "closed", "file_sha256")


class RollbackError(DamagedStoreError):
    """The store is behind (or differs from) what Casebook last acknowledged writing."""


def seal_path(store_path: Path | str) -> Path:
    p = Path(store_path)
    return p.with_name(p.name + SEAL_SUFFIX)


def wal_path(store_path: Path | str) -> Path:
    p = Path(store_path)
    return p.with_name(p.name + "-wal")


def derive_key(secret: bytes) -> bytes:
    return hmac.new(secret, b"casebook seal key v1", hashlib.sha256).digest()


def _mac(key: bytes, fields: dict[str, Any]) -> str:
    payload = json.dumps([fields.get(k) for k in _FIELDS], separators=(",", ":"))
    return hmac.new(key, payload.encode("utf-8"), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Head:
    """Where the store is: commit counter and the audit chain's last event."""

    counter: int
    audit_id: int
    audit_head: str


def file_sha256(path: Path) -> str | None:
    h = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(1024 * 1024):
                h.update(chunk)
    except OSError:
        return None
    return h.hexdigest()


def write(store_path: Path, key: bytes, head: Head, *, closed: bool) -> None:
    """Record ``head`` as acknowledged (after its commit).  With ``closed`` the store file's
    hash is recorded too: call it only once the last connection has closed."""
    fields: dict[str, Any] = {
        "format": FORMAT, "version": VERSION, "counter": head.counter, "audit_id": head.audit_id,
        "audit_head": head.audit_head, "closed": closed,
        "file_sha256": file_sha256(store_path) if closed else None,
    }
    fields["mac"] = _mac(key, fields)
    # After each commit the seal is renamed into place without fsync (it costs as much as the
    # commit itself); at a clean close it is made durable.  A seal a power cut left behind
    # (older, or torn) is never ahead of the store, so it never refuses good data.
    write_bytes_atomic(seal_path(store_path), json.dumps(fields).encode("utf-8"), mode=0o600, durable=closed)


def read(store_path: Path) -> dict[str, Any] | None:
    """The seal as written (unauthenticated yet); None when there is none; {} when unreadable."""
    try:
        raw = safeio.read_regular(seal_path(store_path), safeio.MAX_SIDE_FILE_BYTES)
    except FileNotFoundError:
        return None
    except OSError:
        return {}
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def authentic(key: bytes, data: dict[str, Any]) -> bool:
    mac = data.get("mac")
    return isinstance(mac, str) and hmac.compare_digest(mac, _mac(key, data)) and data.get("format") == FORMAT


@dataclass(frozen=True)
class Verdict:
    ok: bool
    problem: str = ""  # one line: what is wrong
    missing_from: int | None = None  # audit events after this id are missing (when known)
    missing_to: int | None = None
    missing_commits: int = 0
    note: str = ""  # when ok: something worth an audit event (seal missing, ...)


def compare(data: dict[str, Any] | None, key: bytes, head: Head, audit_hash_at: Any,
            store_path: Path, file_hash_before_open: str | None, wal_size_before_open: int) -> Verdict:
    """Compare the seal with the store as opened.  ``audit_hash_at(id)`` gives the hash of
    audit event ``id`` (None when there is none)."""
    if data is None:
        if head.counter == 0:
            return Verdict(True)
        return Verdict(True, note=f"no seal file: rollback detection starts again at commit {head.counter}")
    if not data:  # torn by a power cut (see write), or not JSON: as good as missing
        return Verdict(True, note=f"seal file unreadable: rollback detection starts again at commit {head.counter}")
    if not authentic(key, data):
        return Verdict(False, problem="its seal (" + seal_path(store_path).name + ") does not match it: the seal "
                       "was altered, or the store file was replaced by another store")
    try:
        counter, audit_id, audit_head = int(data["counter"]), int(data["audit_id"]), str(data["audit_head"])
    except (KeyError, TypeError, ValueError):
        return Verdict(False, problem="its seal is unreadable")
    if head.counter < counter or head.audit_id < audit_id:
        return Verdict(False, problem=f"{max(counter - head.counter, 0)} acknowledged commit(s) are missing "
                       f"(the store is at commit {head.counter}, Casebook acknowledged commit {counter}; "
                       f"the audit trail ends at event {head.audit_id}, it had reached event {audit_id})",
                       missing_from=head.audit_id, missing_to=audit_id, missing_commits=counter - head.counter)
    if audit_id and audit_hash_at(audit_id) != audit_head:
        return Verdict(False, problem=f"audit event {audit_id} is not the one Casebook acknowledged: the store "
                       "was replaced by an older or different copy", missing_from=0, missing_to=audit_id)
    if data.get("closed") and head.counter == counter:
        if wal_size_before_open > 0 and wal_holds_a_commit(wal_path(store_path)):
            return Verdict(False, problem="a write-ahead log (-wal) appeared after the store was closed cleanly: "
                           "it was not written by Casebook")
        expected = data.get("file_sha256")
        if expected and file_hash_before_open != expected:
            return Verdict(False, problem="the store file differs from the one Casebook closed (pages were "
                           "changed or put back to older versions)")
    return Verdict(True)


_WAL_MAGIC = (0x377F0682, 0x377F0683)
_WAL_HEADER = 32
_FRAME_HEADER = 24


def _wal_checksum(data: bytes, s1: int, s2: int, order: str) -> tuple[int, int]:
    words = struct.unpack(f"{order}{len(data) // 4}I", data)
    for i in range(0, len(words), 2):
        s1 = (s1 + words[i] + s2) & 0xFFFFFFFF
        s2 = (s2 + words[i + 1] + s1) & 0xFFFFFFFF
    return s1, s2


def wal_holds_a_commit(path: Path, limit: int = 256 * 1024 * 1024) -> bool:
    """Whether the write-ahead log at ``path`` holds a commit SQLite would replay: a valid
    header and an unbroken run of frames (salts and running checksums as SQLite checks
    them) up to a commit frame.  Frame headers and checksums are not encrypted, so no key
    is needed.  A log that a crash cut short during the first write after a clean close
    (a header, frames with no commit, a torn frame) holds none: SQLite discards it, and so
    it is no sign of anyone else writing."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(limit)
    except OSError:
        return False
    if len(data) < _WAL_HEADER:
        return False
    magic, version, page_size, _seq, salt1, salt2, c1, c2 = struct.unpack(">8I", data[:_WAL_HEADER])
    if magic not in _WAL_MAGIC or page_size < 512 or page_size > 65536 or page_size & (page_size - 1):
        return False
    order = ">" if magic & 1 else "<"
    if _wal_checksum(data[:24], 0, 0, order) != (c1, c2):
        return False
    del version
    s1, s2 = c1, c2
    pos = _WAL_HEADER
    while pos + _FRAME_HEADER + page_size <= len(data):
        pgno, commit, f_salt1, f_salt2, f_c1, f_c2 = struct.unpack(">6I", data[pos:pos + _FRAME_HEADER])
        if pgno == 0 or (f_salt1, f_salt2) != (salt1, salt2):
            return False
        s1, s2 = _wal_checksum(data[pos:pos + 8], s1, s2, order)
        s1, s2 = _wal_checksum(data[pos + _FRAME_HEADER:pos + _FRAME_HEADER + page_size], s1, s2, order)
        if (s1, s2) != (f_c1, f_c2):
            return False
        if commit:
            return True
        pos += _FRAME_HEADER + page_size
    return False
