"""The encrypted store file: the only module that imports sqlcipher3 and sets the key.

A store is one SQLCipher 4 database (AES-256 pages, PBKDF2-HMAC-SHA512 with 256,000
iterations, HMAC-SHA512 per page).  The key is set before anything else touches the
file, then the connection is verified with a read, and only then are the WAL and
durability pragmas applied: a wrong passphrase therefore never writes a byte.

One long-lived connection is opened per store (key derivation is slow by design, so it
happens once) and handed to SQLAlchemy through a ``StaticPool``.
"""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlcipher3
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import StaticPool

from app.models.errors import DamagedStoreError, StoreError, UnlockError

KDF_ITER = 256_000
CIPHER_SETTINGS: tuple[tuple[str, str], ...] = (
    ("cipher_page_size", "4096"),
    ("kdf_iter", str(KDF_ITER)),
    ("cipher_hmac_algorithm", "HMAC_SHA512"),
    ("cipher_kdf_algorithm", "PBKDF2_HMAC_SHA512"),
)

# Page cache (decrypted pages) per connection, in KiB (SQLite's default is 2 MiB).  Issue #8 set
# 64 MiB when search re-read and re-decrypted most of the store on every query; with the name
# index and the index-only note ranking (issue #20) search, caseload and case reads timed the
# same at 2, 16 and 64 MiB (5,000 and 20,000 cases, interleaved samples), and 64 MiB of
# decrypted pages was a fifth of the GUI session's peak RSS: 16 MiB (docs/BENCHMARKS.md).
CACHE_KIB = 16384

PAGE_SIZE = 4096
DatabaseError = sqlcipher3.dbapi2.DatabaseError
SQLITE_CORRUPT = 11
SQLITE_BUSY, SQLITE_LOCKED = 5, 6


def _busy(exc: BaseException) -> bool:
    """SQLITE_BUSY / SQLITE_LOCKED: another connection holds the file; says nothing about the key."""
    code = getattr(exc, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in (SQLITE_BUSY, SQLITE_LOCKED)


def _quote(text: str) -> str:
    """Quote a passphrase or path as an SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def _apply_key(conn: Any, passphrase: str, schema: str = "") -> None:
    prefix = f"{schema}." if schema else ""
    conn.execute(f"PRAGMA {prefix}key = {_quote(passphrase)}")
    for name, value in CIPHER_SETTINGS:
        conn.execute(f"PRAGMA {prefix}{name} = {value}")


def create_private_file(path: Path) -> None:
    """Create an empty file readable and writable by the owner only (never wider)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, stat.S_IRUSR | stat.S_IWUSR)
    os.close(fd)
    os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)


def open_connection(path: Path, passphrase: str, *, create: bool = False) -> Any:
    """Open and key a SQLCipher connection, verify the key, then set WAL and durability.

    Raises UnlockError for a wrong passphrase or a file that is not a store and
    DamagedStoreError when the file cannot be read as a store at all (truncated).
    """
    path = Path(path)
    if create:
        if path.exists():
            raise StoreError(f"{path} already exists")
        create_private_file(path)
    elif not path.is_file():
        raise StoreError(f"no store at {path}")
    elif not os.access(path, os.R_OK | os.W_OK):
        raise StoreError(f"{path} cannot be opened: you do not have permission to read and write it")
    elif path.stat().st_size == 0:
        raise DamagedStoreError(f"{path} is empty: not a Casebook store or damaged")
    elif path.stat().st_size < PAGE_SIZE:
        # SQLite reads a file shorter than its header as a new, empty database and would
        # happily build a fresh store over it: an existing path is never created over.
        raise DamagedStoreError(f"{path.name} is not a Casebook store, or damaged (only "
                                f"{path.stat().st_size} bytes: truncated)")
    conn = sqlcipher3.connect(str(path), isolation_level=None, check_same_thread=False)
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
        _apply_key(conn, passphrase)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except DatabaseError as exc:
            if _busy(exc):
                raise StoreError(f"{path.name} is busy: another program has it locked; try again") from exc
            size = path.stat().st_size
            # SQLITE_CORRUPT (11) means page 1 decrypted and passed its HMAC, so the passphrase
            # is right and the store is damaged (e.g. truncated on a page boundary); a wrong
            # passphrase fails page 1's HMAC and reads as SQLITE_NOTADB (26).
            if size % 4096 != 0 or getattr(exc, "sqlite_errorcode", None) == SQLITE_CORRUPT:
                raise DamagedStoreError(
                    f"{path.name} is damaged (truncated or altered) or not a Casebook store"
                ) from exc
            raise UnlockError("wrong passphrase, or the file is damaged or not a Casebook store") from exc
        if not create and conn.execute("PRAGMA user_version").fetchone()[0] == 0 \
                and conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0:
            raise DamagedStoreError(f"{path.name} is not a Casebook store, or damaged (it holds no tables)")
        _session_pragmas(conn)
        conn.execute("PRAGMA cipher_memory_security = OFF")
    except BaseException:
        conn.close()
        raise
    return conn


def open_readonly(path: Path, passphrase: str, *, immutable: bool = False) -> Any:
    """A read-only keyed connection (for looking inside a backup: never writes a byte,
    not even the journal mode).  Raises UnlockError/DamagedStoreError like open_connection.
    ``immutable`` (a backup nothing else writes): no locks, so no ``-wal``/``-shm`` created
    beside it either (issue 21: a refused open left both beside the newest backup)."""
    from urllib.parse import quote

    path = Path(path)
    if not path.is_file() or path.stat().st_size < PAGE_SIZE:
        raise DamagedStoreError(f"{path.name} is not a Casebook store, or damaged")
    conn = sqlcipher3.connect(f"file:{quote(str(path.absolute()))}?mode=ro{'&immutable=1' if immutable else ''}",
                              uri=True,
                              isolation_level=None, check_same_thread=False)
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
        _apply_key(conn, passphrase)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except DatabaseError as exc:
            if _busy(exc):
                raise StoreError(f"{path.name} is busy: another program has it locked; try again") from exc
            raise UnlockError(f"{path.name} does not open with this passphrase, or is damaged") from exc
    except BaseException:
        conn.close()
        raise
    return conn


def close_leaving_log(conn: Any, path: Path, passphrase: str) -> None:
    """Close ``conn`` without the checkpoint SQLite runs when the last connection closes
    (for a store being refused: its -wal must not be copied into the main file).  A second,
    read-only connection holds a read lock meanwhile, so the close cannot take the exclusive
    lock a checkpoint needs; a read-only connection never checkpoints when it closes."""
    try:
        hold = open_readonly(path, passphrase)
    except (StoreError, DatabaseError, OSError):
        conn.close()
        return
    try:
        hold.execute("BEGIN")
        hold.execute("SELECT count(*) FROM sqlite_master").fetchone()
        conn.close()
        hold.execute("COMMIT")
    finally:
        hold.close()
    # The read-only connection closes last and leaves the log SQLite created at open: an
    # empty one holds nothing (the caller puts back a log that had content).  Removed, so a
    # refused store is left with the files it had (issue 21 item 11).  The caller holds the
    # store's instance lock: no other Casebook connection is open.
    wal = Path(str(path) + "-wal")
    try:
        if wal.is_file() and wal.stat().st_size == 0:
            wal.unlink()
            Path(str(path) + "-shm").unlink(missing_ok=True)
    except OSError:
        pass


def _session_pragmas(conn: Any) -> None:
    """WAL, full durability, foreign keys, in-memory temp tables, a large page cache."""
    conn.execute("PRAGMA journal_mode = WAL").fetchone()
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 5000")
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")


def make_engine(conn: Any) -> Engine:
    """An SQLAlchemy engine over one already-keyed connection (never reconnects)."""
    engine = create_engine(
        "sqlite://",
        module=sqlcipher3.dbapi2,
        creator=lambda: conn,
        poolclass=StaticPool,
    )

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:  # explicit transactions, see SQLAlchemy sqlite docs
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


@contextmanager
def raw_cursor(conn: Any) -> Iterator[Any]:
    cur = conn.cursor()
    try:
        yield cur
    finally:
        cur.close()


def export_copy(conn: Any, dest: Path, passphrase: str, lock: threading.RLock | None = None) -> None:
    """Write a consistent encrypted copy of the open store to ``dest`` (sqlcipher_export).

    The copy is made under a new owner-only file name, verified by reopening it with the
    same passphrase, then renamed into place.
    """
    dest = Path(dest)
    tmp = dest.with_name(dest.name + ".partial")
    if tmp.exists():
        tmp.unlink()
    create_private_file(tmp)
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    try:
        conn.execute(f"ATTACH DATABASE {_quote(str(tmp))} AS backup KEY {_quote(passphrase)}")
        try:
            for name, value in CIPHER_SETTINGS:
                conn.execute(f"PRAGMA backup.{name} = {value}")
            conn.execute("SELECT sqlcipher_export('backup')").fetchone()
            conn.execute(f"PRAGMA backup.user_version = {int(version)}")
        finally:
            conn.execute("DETACH DATABASE backup")
        verify = open_connection(tmp, passphrase)
        try:
            problems = integrity_problems(verify)
        finally:
            verify.close()
        if problems:
            raise StoreError("backup verification failed: " + problems[0])
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, dest)
    except BaseException:
        if tmp.exists():
            tmp.unlink()
        raise


def export_plain_copy(conn: Any, dest: Path) -> None:
    """BENCHMARKS ONLY: write an UNENCRYPTED copy of the open store to ``dest``.

    Used by ``benchmarks/`` to compare the same queries on encrypted and plain SQLite.
    The app never calls this: a plain copy would expose everything on a lost laptop.
    Open the copy with ``open_plain_connection``.
    """
    dest = Path(dest)
    if dest.exists():
        raise StoreError(f"{dest} already exists")
    create_private_file(dest)
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    conn.execute(f"ATTACH DATABASE {_quote(str(dest))} AS plain KEY ''")
    try:
        conn.execute("SELECT sqlcipher_export('plain')").fetchone()
        conn.execute(f"PRAGMA plain.user_version = {int(version)}")
    finally:
        conn.execute("DETACH DATABASE plain")


def open_plain_connection(path: Path) -> Any:
    """BENCHMARKS ONLY: open a plain copy made by ``export_plain_copy`` with the same pragmas
    as ``open_connection`` (so encrypted and plain timings compare like with like)."""
    conn = sqlcipher3.connect(str(path), isolation_level=None, check_same_thread=False)
    conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    _session_pragmas(conn)
    return conn


def integrity_problems(conn: Any) -> list[str]:
    """cipher_integrity_check, integrity_check and foreign_key_check; [] when healthy."""
    problems: list[str] = []
    try:
        for (row,) in conn.execute("PRAGMA cipher_integrity_check").fetchall():
            problems.append(f"cipher: {row}")
        rows = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
        if rows != ["ok"]:
            problems.extend(f"integrity: {r}" for r in rows)
        for table, rowid, parent, _fk in conn.execute("PRAGMA foreign_key_check").fetchall():
            problems.append(f"foreign key: {table} row {rowid} points to missing {parent}")
    except DatabaseError as exc:
        problems.append(f"unreadable: {exc}")
    return problems


def rekey(conn: Any, new_passphrase: str) -> None:
    """Re-encrypt every page with a new passphrase (the caller takes a backup first)."""
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    conn.execute("PRAGMA journal_mode = DELETE").fetchone()
    conn.execute(f"PRAGMA rekey = {_quote(new_passphrase)}")
    conn.execute("PRAGMA journal_mode = WAL").fetchone()


def is_plain_sqlite(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(16) == b"SQLite format 3\x00"
