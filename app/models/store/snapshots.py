"""Encrypted snapshots of an open store for the shared drive, and turning one back into a store.

The passphrase never leaves the store package: callers get (and give) age-encrypted bytes.

* ``passphrase_copy(store)``: a consistent ``sqlcipher_export`` snapshot (still keyed by the
  store's passphrase), wrapped in age passphrase (scrypt) encryption with the same passphrase.
  ``age -d`` / ``rage -d`` with the passphrase gives the SQLCipher file; Casebook opens it
  with the same passphrase.
* ``recovery_copy(store, recipients)``: a snapshot keyed by a fresh random key, prefixed with
  a one-line JSON header holding that key, age-encrypted to X25519 recipients (the team
  recovery recipient).  Only the holder of the recovery identity can read it.
* ``open_passphrase_copy`` / ``open_recovery_copy``: decrypt and write the SQLCipher file to
  a new owner-only file, rekeyed (recovery) to a passphrase chosen then, checked.

The age layer is authenticated (ChaCha20-Poly1305 chunks): a truncated or altered file fails
to decrypt rather than yielding a damaged store.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyrage

from app.models.errors import DamagedStoreError, StoreError, UnlockError
from app.models.store import db

if TYPE_CHECKING:
    from app.models.store import Store

RECOVERY_MAGIC = b"casebook-recovery/v1\n"


def _snapshot_bytes(store: Store, key: str, work: Path) -> tuple[bytes, int]:
    """A verified sqlcipher_export of the open store keyed by ``key``; (bytes, last audit id)."""
    tmp = work / f".{store.path.name}.snapshot-{secrets.token_hex(6)}"
    with store._lock:
        if store.closed:
            raise StoreError("the store is locked")
        marker = int(store._conn.execute("SELECT coalesce(max(id), 0) FROM audit_events").fetchone()[0])
        try:
            db.export_copy(store._conn, tmp, key)
            data = tmp.read_bytes()
        finally:
            tmp.unlink(missing_ok=True)
    return data, marker


class Snapshot:
    """A snapshot taken (on the store's thread), still to be encrypted: ``seal()`` does the
    age encryption (scrypt: seconds) on whichever thread calls it, without the store.  The key
    it encrypts with stays inside (never an attribute)."""

    __slots__ = ("marker", "_seal")

    def __init__(self, marker: int, seal: Callable[[], bytes]) -> None:
        self.marker = marker
        self._seal = seal

    def seal(self) -> bytes:
        return self._seal()


def passphrase_snapshot(store: Store) -> Snapshot:
    """The store part of ``passphrase_copy``: the snapshot, and (in ``seal``) its encryption."""
    data, marker = _snapshot_bytes(store, store._passphrase, store.path.parent)
    phrase = store._passphrase
    return Snapshot(marker, lambda: bytes(pyrage.passphrase.encrypt(data, phrase)))


def passphrase_copy(store: Store) -> tuple[bytes, int]:
    """(age passphrase-encrypted snapshot, audit id it includes)."""
    snap = passphrase_snapshot(store)
    return snap.seal(), snap.marker


def recovery_snapshot(store: Store, recipients: Sequence[str], header: dict[str, Any]) -> Snapshot:
    """The store part of ``recovery_copy``: a snapshot under a random key; ``seal`` encrypts it
    (with that key in its header) to ``recipients``."""
    parsed = [pyrage.x25519.Recipient.from_str(r) for r in recipients]
    key = secrets.token_urlsafe(32)
    data, marker = _snapshot_bytes(store, key, store.path.parent)
    head = json.dumps({**header, "key": key}, sort_keys=True).encode("utf-8")
    return Snapshot(marker, lambda: bytes(pyrage.encrypt(RECOVERY_MAGIC + head + b"\n" + data, parsed)))


def recovery_copy(store: Store, recipients: Sequence[str], header: dict[str, Any]) -> bytes:
    """A snapshot under a random key, readable only with one of ``recipients``' identities."""
    return recovery_snapshot(store, recipients, header).seal()


def _write_private(dest: Path, data: bytes) -> None:
    db.create_private_file(dest)
    with open(dest, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _check(dest: Path, key: str) -> None:
    conn = db.open_connection(dest, key)
    try:
        problems = db.integrity_problems(conn)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        conn.execute("PRAGMA journal_mode = DELETE").fetchone()
    finally:
        conn.close()
    if problems:
        raise DamagedStoreError(f"the copy fails its integrity check: {problems[0]}")


WORK_RETRIES = 4


def _passphrase_decrypt(data: bytes, passphrase: str) -> bytes:
    """age passphrase decryption, robust to rage's work-factor cap.

    rage (under pyrage) refuses a file whose scrypt work factor exceeds a cap it measures at
    decrypt time (about 1 s of scrypt on this machine, plus 4: age's ``scrypt::Identity``
    default) with "excessive work" -- on a loaded machine that one timing can come out slow,
    so a copy this very laptop wrote is refused.  pyrage 1.4 exposes no way to raise the cap,
    so that refusal (and only that one: a wrong passphrase is never retried) is retried, each
    attempt measuring afresh."""
    for attempt in range(WORK_RETRIES):
        try:
            return bytes(pyrage.passphrase.decrypt(data, passphrase))
        except pyrage.DecryptError as exc:
            if "work" not in str(exc).lower() or attempt == WORK_RETRIES - 1:
                raise UnlockError("the passphrase does not open this copy") from None
    raise UnlockError("the passphrase does not open this copy")  # pragma: no cover


def open_passphrase_copy(data: bytes, passphrase: str, dest: Path) -> None:
    """Decrypt a passphrase copy to the new file ``dest`` and check it opens and is intact.

    UnlockError: the passphrase does not decrypt it.  DamagedStoreError: it decrypts but is not
    a healthy store.  ``dest`` is removed on any failure."""
    plain = _passphrase_decrypt(data, passphrase)
    try:
        _write_private(dest, plain)
        _check_decrypted(dest, passphrase)
    except BaseException:
        remove_copy(dest)
        raise


def _check_decrypted(dest: Path, key: str) -> None:
    """``_check`` for a copy whose age layer the key already opened: an UnlockError from the
    store inside is then damage, never a wrong key (a busy file is a StoreError from db)."""
    try:
        _check(dest, key)
    except DamagedStoreError:
        raise
    except UnlockError as exc:
        raise DamagedStoreError(f"the copy decrypts but the store inside does not open: {exc}") from None


def read_recovery_header(data: bytes, identities: Sequence[Any]) -> tuple[dict[str, Any], bytes]:
    """Decrypt a recovery copy: (header, SQLCipher bytes).  UnlockError for a wrong identity."""
    try:
        plain = pyrage.decrypt(data, list(identities))
    except pyrage.DecryptError:
        raise UnlockError("the recovery identity does not open this copy") from None
    if not plain.startswith(RECOVERY_MAGIC):
        raise DamagedStoreError("not a Casebook recovery copy")
    rest = plain[len(RECOVERY_MAGIC):]
    line, _, body = rest.partition(b"\n")
    try:
        header = json.loads(line.decode("utf-8"))
        if not isinstance(header, dict) or not isinstance(header.get("key"), str):
            raise ValueError
    except ValueError:
        raise DamagedStoreError("the recovery copy's header is damaged") from None
    return header, body


def open_recovery_copy(data: bytes, identities: Sequence[Any], new_passphrase: str, dest: Path) -> dict[str, Any]:
    """Decrypt a recovery copy to ``dest`` rekeyed to ``new_passphrase``, checked; returns its
    header (without the key)."""
    header, body = read_recovery_header(data, identities)
    key = header.pop("key")
    try:
        _write_private(dest, body)
        try:
            conn = db.open_connection(dest, key)
        except DamagedStoreError:
            raise
        except UnlockError as exc:
            raise DamagedStoreError(f"the copy decrypts but the store inside does not open: {exc}") from None
        try:
            db.rekey(conn, new_passphrase)
        finally:
            conn.close()
        _check_decrypted(dest, new_passphrase)
    except BaseException:
        remove_copy(dest)
        raise
    return header


def remove_copy(dest: Path) -> None:
    """Delete a store copy and its SQLite side files (-wal, -shm, -journal)."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(dest) + suffix).unlink(missing_ok=True)
