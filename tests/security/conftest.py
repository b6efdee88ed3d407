"""Helpers for the security tests (real encrypted stores in temp folders)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from app.models.store import Store


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def side_files(path: Path) -> set[str]:
    """Names of the files next to ``path`` that start with its name (store, -wal, -shm, ...)."""
    return {p.name for p in path.parent.iterdir() if p.name.startswith(path.name)}


@pytest.fixture
def closed_store(store_path: Path, passphrase: str, clock, example_bundle) -> Path:  # type: ignore[no-untyped-def]
    """A store with the example bundle, closed again."""
    with Store.create(store_path, passphrase, clock=clock, actor="test-officer") as s:
        s.import_bundle(example_bundle)
    return store_path


# Side files a refused command may touch: the lock (held while open) and the shared-memory
# index SQLite keeps while open; ``.unlock-failures`` is where a refused command is recorded
# (as a failed unlock is) until the next change moves it into the audit trail.
MAY_CHANGE_WHEN_REFUSED = (".lock", "-shm", ".unlock-failures")


def store_state(path: Path) -> dict[str, str]:
    """Every file of a store -- the store, -wal, seal, backups and any other file beside it
    whose name starts with the store's -- by name, as digests (a missing -wal is absent)."""
    state: dict[str, str] = {}
    for p in sorted(path.parent.rglob(path.name + "*")):
        if p.is_file() and not p.name.endswith(MAY_CHANGE_WHEN_REFUSED):
            state[str(p.relative_to(path.parent))] = digest(p)
    for p in sorted(path.parent.glob(path.name + "*")):
        if p.is_dir():
            for q in sorted(p.rglob("*")):
                if q.is_file():
                    state[str(q.relative_to(path.parent))] = digest(q)
    return state
