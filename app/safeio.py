"""Reading files a user names, without hanging or exhausting memory.

``open()`` on a FIFO blocks until a writer appears, and ``read()`` of ``/dev/zero`` never
ends.  Every file Casebook reads because a user (or a shared folder) named it goes
through ``read_regular``: it opens with ``O_NONBLOCK``, checks with ``fstat`` that the
thing opened is a regular file, and reads at most ``limit`` bytes.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

MAX_BUNDLE_BYTES = 200 * 1024 * 1024  # a bundle of 100,000 cases is about 150 MB
MAX_SECRET_BYTES = 64 * 1024
MAX_SIDE_FILE_BYTES = 1024 * 1024


class NotRegularFileError(OSError):
    """The path names a FIFO, device, socket or folder."""


class TooLargeError(OSError):
    """The file is larger than the limit for its kind."""


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def describe_limit(limit: int) -> str:
    if limit >= 1024 * 1024:
        return f"{limit // (1024 * 1024)} MB"
    return f"{limit // 1024} KB" if limit >= 1024 else f"{limit} bytes"


def read_regular(path: Path | str, limit: int) -> bytes:
    """The bytes of the regular file ``path``: at most ``limit`` of them.

    Raises FileNotFoundError / PermissionError as ``open`` does, NotRegularFileError for
    anything that is not a regular file (never blocking on a FIFO), and TooLargeError
    when the file holds more than ``limit`` bytes.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotRegularFileError(0, f"{_kind(info.st_mode)}, not a file", str(path))
        if info.st_size > limit:
            raise TooLargeError(0, f"larger than {describe_limit(limit)}", str(path))
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk = os.read(fd, min(1024 * 1024, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:  # the file grew while being read
                raise TooLargeError(0, f"larger than {describe_limit(limit)}", str(path))
        return b"".join(chunks)
    finally:
        os.close(fd)


def is_regular_or_missing(path: Path | str) -> bool:
    """True when ``path`` does not exist or is a regular file (never follows into a FIFO)."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except FileNotFoundError:
        return True
