"""Shared fixtures: every test works on a real SQLCipher file in a temp folder."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from app.models.rules.clock import Clock  # noqa: E402
from app.models.store import Store  # noqa: E402

DATA = Path(__file__).parent / "data"
PASSPHRASE = "correct horse battery staple – ✓"
TODAY = dt.date(2026, 11, 23)


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never touch the real user's config, data or log folders."""
    base = tmp_path_factory.mktemp("userdirs")
    monkeypatch.setenv("CASEBOOK_CONFIG_DIR", str(base / "config"))
    monkeypatch.setenv("CASEBOOK_DATA_DIR", str(base / "data"))
    monkeypatch.setenv("CASEBOOK_LOG_DIR", str(base / "logs"))
    monkeypatch.delenv("CASEBOOK_PASSPHRASE", raising=False)
    monkeypatch.delenv("CASEBOOK_TODAY", raising=False)


@pytest.fixture
def passphrase() -> str:
    return PASSPHRASE


@pytest.fixture
def clock() -> Clock:
    return Clock.fixed(TODAY)


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "casebook.cbk"


@pytest.fixture
def store(store_path: Path, passphrase: str, clock: Clock) -> Any:
    s = Store.create(store_path, passphrase, clock=clock, actor="test-officer")
    yield s
    s.close()


@pytest.fixture
def example_bundle() -> dict[str, Any]:
    with open(DATA / "example-bundle.json", encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data


@pytest.fixture
def loaded_store(store: Store, example_bundle: dict[str, Any]) -> Store:
    store.import_bundle(example_bundle)
    return store
