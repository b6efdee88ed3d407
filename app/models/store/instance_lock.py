"""One Casebook instance per store: an OS lock on a side file ``<store>.lock``.

The lock is an advisory OS lock (``fcntl.flock`` on POSIX, ``msvcrt.locking`` on
Windows) held on an open file for as long as the Store is open.  The operating system
drops it when the file is closed or the process dies (even with ``kill -9``), so a lock
can never be left stale.  The lock file holds no content; on POSIX it is removed on a
clean release (with an inode check on acquire, so removing it is race-free).

A second ``Store.open`` in the same process also fails: ``flock`` locks belong to an
open file description, and every acquire opens the file afresh.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

from app.models.errors import InstanceLockedError, StoreError

LOCK_SUFFIX = ".lock"


def lock_path(store_path: Path | str) -> Path:
    p = Path(store_path)
    return p.with_name(p.name + LOCK_SUFFIX)


def locked_message(store_path: Path | str) -> str:
    return f"{Path(store_path).name} is already open in another Casebook window"


class InstanceLock:
    """A held lock on one store; ``release()`` (idempotent) lets go of it."""

    def __init__(self, store_path: Path, path: Path, fd: int) -> None:
        self.store_path = store_path
        self.path = path
        self._fd: int | None = fd

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            if sys.platform == "win32":  # pragma: no cover - Windows only
                import msvcrt

                try:
                    os.lseek(fd, 0, os.SEEK_SET)
                    msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
                except OSError:
                    pass
            else:
                # Remove the file while still holding the lock: a waiter that opened the
                # old inode notices (inode check in acquire) and retries on a fresh file.
                try:
                    os.unlink(self.path)
                except OSError:
                    pass
        finally:
            os.close(fd)

    def __enter__(self) -> InstanceLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _try_lock(fd: int) -> bool:
    if sys.platform == "win32":  # pragma: no cover - Windows only
        import msvcrt

        try:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError as exc:  # e.g. a file system without locks: do not block the user
        if exc.errno in (getattr(os, "ENOLCK", -1), getattr(os, "EOPNOTSUPP", -1)):
            return True
        raise
    return True


def acquire(store_path: Path | str, *, create_dirs: bool = False) -> InstanceLock:
    """Take the lock for ``store_path`` or raise InstanceLockedError at once (never waits)."""
    store_path = Path(store_path)
    path = lock_path(store_path)
    if not path.parent.is_dir():
        if not create_dirs:
            raise StoreError(f"no store at {store_path}")
        path.parent.mkdir(parents=True, exist_ok=True)
    for _ in range(20):
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)
        fd = os.open(path, flags, stat.S_IRUSR | stat.S_IWUSR)
        try:
            if not _try_lock(fd):
                raise InstanceLockedError(locked_message(store_path))
            if sys.platform != "win32":
                try:
                    same = os.path.samestat(os.fstat(fd), os.stat(path))
                except FileNotFoundError:
                    same = False
                if not same:  # the holder released and removed it meanwhile: retry
                    os.close(fd)
                    continue
        except BaseException:
            os.close(fd)
            raise
        return InstanceLock(store_path, path, fd)
    raise InstanceLockedError(locked_message(store_path))  # pragma: no cover - pathological churn


def is_locked(store_path: Path | str) -> bool:
    """True when another window or process holds the store (a probe; takes nothing)."""
    try:
        lock = acquire(store_path)
    except InstanceLockedError:
        return True
    except OSError:
        return False
    lock.release()
    return False
