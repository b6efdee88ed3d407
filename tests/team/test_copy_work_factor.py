"""An off-laptop copy is not refused because rage's scrypt work-factor cap, measured at
decrypt time, came out low on a loaded machine ("excessive work"): that refusal is retried;
a wrong passphrase is not."""

from __future__ import annotations

from typing import Any

import pyrage
import pytest

from app.models.errors import UnlockError
from app.models.store import snapshots


def test_excessive_work_is_retried_wrong_passphrase_is_not(monkeypatch: pytest.MonkeyPatch) -> None:
    blob = pyrage.passphrase.encrypt(b"synthetic store bytes", "correct horse battery staple")
    real = pyrage.passphrase.decrypt
    calls = {"n": 0}

    def flaky(data: bytes, passphrase: str) -> Any:
        calls["n"] += 1
        if calls["n"] <= 2:
            raise pyrage.DecryptError("Excessive work parameter for passphrase.")
        return real(data, passphrase)

    monkeypatch.setattr(pyrage.passphrase, "decrypt", flaky)
    assert snapshots._passphrase_decrypt(blob, "correct horse battery staple") == b"synthetic store bytes"
    assert calls["n"] == 3

    calls["n"] = 10  # from now on the real decrypt: a wrong passphrase is one attempt, UnlockError
    counted = {"n": 0}

    def counting(data: bytes, passphrase: str) -> Any:
        counted["n"] += 1
        return real(data, passphrase)

    monkeypatch.setattr(pyrage.passphrase, "decrypt", counting)
    with pytest.raises(UnlockError):
        snapshots._passphrase_decrypt(blob, "wrong passphrase entirely")
    assert counted["n"] == 1
