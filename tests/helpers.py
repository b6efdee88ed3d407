"""Helpers for tests: run the real CLI in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_cli(*args: str | os.PathLike[str], passphrase: str | None = None, env: dict[str, str] | None = None,
            input: str | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if k != "CASEBOOK_PASSPHRASE"}
    full_env["QT_QPA_PLATFORM"] = "offscreen"
    full_env["PYTHONPATH"] = str(ROOT)
    if passphrase is not None:
        full_env["CASEBOOK_PASSPHRASE"] = passphrase
    if env:
        full_env.update(env)
    return subprocess.run([sys.executable, "-m", "app", *map(str, args)], cwd=ROOT, env=full_env, input=input,
                          capture_output=True, text=True, timeout=timeout)


def shared_documents(share: Path, age_identity: object) -> dict[str, bytes]:
    """Every exported document under ``<share>/casebook/documents/``, decrypted with
    ``age_identity`` (app.team.identity.age_identity): path relative to ``share`` -> bytes.
    A file that does not decrypt fails the test."""
    import pyrage

    root = share / "casebook" / "documents"
    out: dict[str, bytes] = {}
    if not root.exists():
        return out
    for path in sorted(root.rglob("*.age")):
        out[path.relative_to(share).as_posix()] = bytes(pyrage.decrypt(path.read_bytes(), [age_identity]))
    return out


def documents_manifest(share: Path, officer_id: str) -> list[dict[str, object]]:
    """The lines of one officer's documents manifest on the shared drive."""
    import json

    path = share / "casebook" / "documents" / officer_id / "casebook-manifest.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
