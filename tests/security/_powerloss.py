"""A disk that keeps only what was fsynced: build the LD_PRELOAD shim, read its journal,
and put a folder back to the state a power cut would leave.

Model (stricter than most real file systems, which often keep some unsynced data):

* the contents of a file after a power cut are its contents as of its last ``fsync`` or
  ``fdatasync``: every write, truncate or extension after that is lost;
* a file created in the run and never synced is empty;
* a file the run never wrote is unchanged;
* names (creations, renames, removals) are kept as the kernel had them at the kill, as a
  journaling file system does once it commits its journal (Casebook fsyncs the folder
  after each durable rename, which commits the names too).

``power_cut(folder, baseline, journal)`` rewrites each file in place (same inode) with
what the model says survives, so that opening the store afterwards is opening it after
the power came back.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
from dataclasses import dataclass
from pathlib import Path

SHIM_SOURCE = Path(__file__).with_name("powerloss_shim.c")
MAGIC = 0x504C4A31
R_WRITE, R_TRUNC, R_SYNC, R_NEW, R_OPEN, R_RENAME = 1, 2, 3, 4, 5, 6
_HEAD = struct.Struct("<IIQQqQ")

Key = tuple[int, int]  # (st_dev, st_ino)


def build_shim(out_dir: Path) -> Path | None:
    """Compile the shim into ``out_dir``; None when there is no C compiler."""
    cc = shutil.which("gcc") or shutil.which("cc")
    if cc is None:
        return None
    out = out_dir / "powerloss.so"
    subprocess.run([cc, "-shared", "-fPIC", "-O1", "-Wall", "-o", str(out), str(SHIM_SOURCE), "-ldl", "-lpthread"],
                   check=True, capture_output=True)
    return out


@dataclass(frozen=True)
class Record:
    kind: int
    key: Key
    off: int
    data: bytes


def read_journal(path: Path) -> list[Record]:
    """The shim's records in order; a record torn by the kill (the last one) is dropped."""
    raw = path.read_bytes() if path.exists() else b""
    out: list[Record] = []
    pos = 0
    while pos + _HEAD.size <= len(raw):
        magic, kind, dev, ino, off, length = _HEAD.unpack_from(raw, pos)
        if magic != MAGIC:
            raise AssertionError(f"power-loss journal damaged at byte {pos}")
        end = pos + _HEAD.size + length
        if end > len(raw):
            break
        out.append(Record(kind, (dev, ino), off, raw[pos + _HEAD.size:end]))
        pos = end
    return out


def snapshot(folder: Path) -> dict[Key, bytes]:
    """Every regular file under ``folder`` by (device, inode): the state before a run."""
    out: dict[Key, bytes] = {}
    for dirpath, _dirs, files in os.walk(folder):
        for name in files:
            p = Path(dirpath) / name
            st = p.lstat()
            if p.is_file() and not p.is_symlink():
                out[(st.st_dev, st.st_ino)] = p.read_bytes()
    return out


@dataclass
class Cut:
    files_rebuilt: int = 0
    writes_lost: int = 0  # write records after their file's last fsync (dropped by the cut)
    writes_kept: int = 0
    syncs: int = 0


def _durable(records: list[Record], start: bytes | None) -> tuple[bytes, int, int]:
    """Contents as of the last sync in ``records`` (one file's, in order), and how many
    writes were kept and lost."""
    last_sync = max((i for i, r in enumerate(records) if r.kind == R_SYNC), default=-1)
    state = bytearray(start or b"")
    kept = lost = 0
    for i, r in enumerate(records):
        if r.kind == R_NEW:
            state = bytearray()
            if i > last_sync:  # created again after its last sync: nothing of it survives
                return b"", kept, lost + sum(1 for x in records[i:] if x.kind == R_WRITE)
        if i > last_sync:
            lost += r.kind == R_WRITE
            continue
        if r.kind == R_WRITE:
            kept += 1
            if len(state) < r.off:
                state.extend(b"\0" * (r.off - len(state)))
            state[r.off:r.off + len(r.data)] = r.data
        elif r.kind == R_TRUNC:
            if len(state) > r.off:
                del state[r.off:]
            else:
                state.extend(b"\0" * (r.off - len(state)))
    return bytes(state), kept, lost


def power_cut(folder: Path, baseline: dict[Key, bytes], journal: Path) -> Cut:
    """Rewrite every file under ``folder`` the run touched with what survives the cut."""
    by_key: dict[Key, list[Record]] = {}
    for r in read_journal(journal):
        by_key.setdefault(r.key, []).append(r)
    cut = Cut(syncs=sum(1 for rs in by_key.values() for r in rs if r.kind == R_SYNC))
    for dirpath, _dirs, files in os.walk(folder):
        for name in files:
            p = Path(dirpath) / name
            st = p.lstat()
            key = (st.st_dev, st.st_ino)
            records = by_key.get(key)
            if records is None or not p.is_file() or p.is_symlink():
                continue
            content, kept, lost = _durable(records, baseline.get(key))
            cut.writes_kept += kept
            cut.writes_lost += lost
            with open(p, "r+b") as fh:
                fh.write(content)
                fh.truncate()
            cut.files_rebuilt += 1
    return cut
