"""Fixtures for the shared-drive tests: a mutable clock and a shared folder."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from app.models.rules.clock import Clock
from app.models.store import Store


class MovableClock(Clock):
    def __init__(self, start: dt.datetime) -> None:
        self.current = start
        super().__init__(lambda: self.current)

    def advance(self, seconds: float) -> None:
        self.current += dt.timedelta(seconds=seconds)


@pytest.fixture
def mclock() -> MovableClock:
    return MovableClock(dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC))


@pytest.fixture
def mstore(tmp_path: Path, passphrase: str, mclock: MovableClock) -> Any:
    s = Store.create(tmp_path / "outbox.cbk", passphrase, clock=mclock, actor="test-officer")
    yield s
    s.close()


@pytest.fixture
def share(tmp_path: Path) -> Path:
    folder = tmp_path / "share"
    folder.mkdir()
    return folder
