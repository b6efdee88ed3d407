"""No plaintext outside the store: a marker written through a whole workflow never
appears in temp folders, side files, the store, its WAL/SHM, backups or user folders."""

from __future__ import annotations

import copy
import json
import os
import stat
import tempfile
import time
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from app import paths
from app.models.store import Store, security
from tests.helpers import run_cli


def _needles(marker: str) -> list[bytes]:
    return [marker.encode("utf-8"), marker.encode("utf-16-le"), marker.encode("utf-16-be")]


def _files(roots: Iterable[Path], skip: Iterable[Path], since: float | None = None) -> list[Path]:
    skip = [s.resolve() for s in skip]
    out = []
    for root in roots:
        if not root.exists():
            continue
        for dirpath, _dirs, names in os.walk(root, onerror=lambda e: None):
            d = Path(dirpath).resolve()
            if any(d == s or s in d.parents for s in skip):
                continue
            for name in names:
                f = d / name
                try:
                    st = f.stat()
                except OSError:
                    continue
                if not stat.S_ISREG(st.st_mode):  # a FIFO another test left open would block the read
                    continue
                if since is not None and st.st_mtime < since:
                    continue
                if st.st_size <= 64 * 1024 * 1024:
                    out.append(f)
    return out


def _leaks(files: Iterable[Path], marker: str) -> list[str]:
    leaks = []
    needles = _needles(marker)
    for f in files:
        try:  # O_NONBLOCK: a file swapped for a FIFO since it was listed never blocks the scan
            fd = os.open(f, os.O_RDONLY | os.O_NONBLOCK)
            try:
                if not stat.S_ISREG(os.fstat(fd).st_mode):
                    continue
                with os.fdopen(fd, "rb", closefd=False) as fh:
                    data = fh.read()
            finally:
                os.close(fd)
        except OSError:
            continue
        if any(n in data for n in needles):
            leaks.append(str(f))
    return leaks


def test_marker_never_leaves_the_encrypted_store(tmp_path: Path, passphrase: str, clock,  # type: ignore[no-untyped-def]
                                                 example_bundle: dict[str, Any],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    started = time.time() - 1
    marker = f"Zq{uuid.uuid4().hex[:16]}Marker"
    real_tmp = Path(tempfile.gettempdir())
    private_tmp = tmp_path / "tmp"
    private_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private_tmp))
    for var in ("TMPDIR", "TEMP", "TMP", "SQLITE_TMPDIR"):
        monkeypatch.setenv(var, str(private_tmp))
    stores, exports = tmp_path / "stores", tmp_path / "exports"
    exports.mkdir()
    store_path = stores / "casebook.cbk"

    data = copy.deepcopy(example_bundle)
    case = data["cases"][0]
    case["individual"]["family_name"] = marker
    case["individual"]["given_names"] = f"{marker} Given"
    for note in case.get("notes", []):
        note["text"] = f"{note['text']} {marker}"
    for goal in case.get("goals", []):
        goal["description"] = f"{marker} goal"
    ref = case["reference"]

    s = Store.create(store_path, passphrase, clock=clock, actor="test-officer")
    try:
        s.import_bundle(data)
        for i in range(30):  # enough to spill past one page and into the WAL
            s.add_item(ref, "notes", {"date": "2026-11-20", "kind": "office", "sensitivity": "not_for_disclosure",
                                      "text": f"Note {i} {marker} " + "synthetic text " * 40})
        s.update_case(ref, {"individual": {**s.get_case(ref)["individual"], "preferred_name": marker}})
        security.record_nfd_view(s, ref, "notes#3")
        export = s.export_bundle()
        (exports / "core-export.json").write_text(json.dumps(export, ensure_ascii=False), encoding="utf-8")
        s.backup(stores / "manual.bak")
        security.rolling_backup(s)
        wal = Path(str(store_path) + "-wal")
        assert wal.exists() and wal.stat().st_size > 0
        # while open: store, WAL and SHM are all on disk
        open_leaks = _leaks(_files([tmp_path], skip=[exports]), marker)
        assert open_leaks == [], open_leaks
    finally:
        s.close()

    r = run_cli("export-json", "--store", store_path, "--to", exports / "cli-export.json", passphrase=passphrase,
                env={"TMPDIR": str(private_tmp), "SQLITE_TMPDIR": str(private_tmp)})
    assert r.returncode == 0, r.stderr
    r = run_cli("passphrase", "--store", store_path, passphrase=passphrase,
                env={"CASEBOOK_NEW_PASSPHRASE": "another long passphrase", "TMPDIR": str(private_tmp)})
    assert r.returncode == 0, r.stderr
    r = run_cli("check", "--store", store_path, passphrase="another long passphrase")
    assert r.returncode == 0, r.stderr

    # the scanner works: the exports (excepted from the check) do contain the marker
    assert len(_leaks(_files([exports], skip=[]), marker)) == 2
    scanned = _files([tmp_path, paths.config_dir(), paths.data_dir()], skip=[exports])
    names = {f.name for f in scanned}
    assert "casebook.cbk" in names and "manual.bak" in names
    assert any(f.parent.name == "casebook.cbk.backups" for f in scanned)
    assert _leaks(scanned, marker) == []
    # nothing new anywhere in the system temp folder either
    assert _leaks(_files([real_tmp], skip=[exports], since=started), marker) == []
