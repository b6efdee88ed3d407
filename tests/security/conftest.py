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
