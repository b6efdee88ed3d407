"""export --share puts the PDF in the outbox; sync delivers it to the shared drive."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import DATA, PASSPHRASE
from tests.helpers import run_cli


def test_export_share_then_sync(tmp_path: Path) -> None:
    store = tmp_path / "s.cbk"
    assert run_cli("init", "--store", store, passphrase=PASSPHRASE).returncode == 0
    assert run_cli("import", "--store", store, DATA / "example-bundle.json", passphrase=PASSPHRASE).returncode == 0
    nowhere = run_cli("export", "contract", "--store", store, "--case", "CPO-2026-0001", passphrase=PASSPHRASE)
    assert nowhere.returncode == 2 and "--share" in nowhere.stderr
    local = tmp_path / "contract.pdf"
    result = run_cli("export", "contract", "--store", store, "--case", "CPO-2026-0001", "--for-individual",
                     "--to", local, "--share", passphrase=PASSPHRASE)
    assert result.returncode == 0, result.stderr
    listed = json.loads(run_cli("outbox", "--store", store, "--json", passphrase=PASSPHRASE).stdout)
    items = listed["items"] if isinstance(listed, dict) else listed
    assert len(items) == 1
    drive = tmp_path / "drive"
    drive.mkdir()
    synced = run_cli("sync", "--store", store, "--to", drive, passphrase=PASSPHRASE)
    assert synced.returncode == 0, synced.stderr
    # delivered encrypted under an id-only name; `documents` lists it and opens it back exactly
    docs = [p for p in (drive / "casebook" / "documents").rglob("*") if p.is_file()]
    assert len(docs) == 2 and not any("CPO" in p.as_posix() for p in drive.rglob("*"))
    listed = run_cli("documents", "--store", store, "--shared", drive, "--json", passphrase=PASSPHRASE)
    assert listed.returncode == 0, listed.stderr
    [doc] = json.loads(listed.stdout)["documents"]
    assert (doc["document_kind"], doc["case_reference"]) == ("contract", "CPO-2026-0001")
    out = tmp_path / "back.pdf"
    opened = run_cli("documents", "--store", store, "--shared", drive, "--open", doc["id"], "--to", out,
                     passphrase=PASSPHRASE)
    assert opened.returncode == 0, opened.stderr
    assert out.read_bytes() == local.read_bytes()
    assert (out.stat().st_mode & 0o077) == 0
