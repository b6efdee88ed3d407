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
    # errors whose messages quote the marker: a missing case, an unwritable file
    r = run_cli("case", "archive", "--store", store_path, f"{marker}-REF", passphrase="another long passphrase")
    assert r.returncode != 0 and marker in r.stderr  # the officer is told; the log must not be
    r = run_cli("appointments", "--store", store_path, "--ics", tmp_path / f"{marker}-missing" / "a.ics",
                passphrase="another long passphrase")
    assert r.returncode != 0, r.stderr
    logs_written = _files([paths.log_dir()], skip=[])
    assert any(f.name == "casebook.log" for f in logs_written)
    assert "NotFoundError" in (paths.log_dir() / "casebook.log").read_text(encoding="utf-8")

    # the scanner works: the exports (excepted from the check) do contain the marker
    assert len(_leaks(_files([exports], skip=[]), marker)) == 2
    scanned = _files([tmp_path, paths.config_dir(), paths.data_dir(), paths.log_dir()], skip=[exports])
    names = {f.name for f in scanned}
    assert "casebook.cbk" in names and "manual.bak" in names
    assert any(f.parent.name == "casebook.cbk.backups" for f in scanned)
    assert _leaks(scanned, marker) == []
    # nothing new anywhere in the system temp folder either
    assert _leaks(_files([real_tmp], skip=[exports], since=started), marker) == []


def test_marker_never_reaches_the_log_after_a_desktop_session_with_errors(
        qtbot, tmp_path: Path, passphrase: str, clock,  # type: ignore[no-untyped-def]
        example_bundle: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """The desktop app logs every worker task and every error shown (app/logs.py): after a
    session whose errors quote case text (a missing case named by it, a file named by it, a
    bug whose message holds it), the log folder holds the types and not the text."""
    from app import logs
    from app.settings import Settings
    from app.ui import appointment_ops as aops
    from app.ui import errors
    from app.ui.context import AppContext
    from app.ui.main_window import MainWindow
    from app.ui.tasks import Tasks
    from tests.ui.conftest import FakePrompts

    marker = f"Zq{uuid.uuid4().hex[:16]}Marker"
    data = copy.deepcopy(example_bundle)
    case = data["cases"][0]
    case["individual"]["family_name"] = marker
    for note in case.get("notes", []):
        note["text"] = f"{note['text']} {marker}"
    store_path = tmp_path / "casebook.cbk"
    with Store.create(store_path, passphrase, clock=clock, actor="test-officer") as s:
        s.import_bundle(data)
    log_file = logs.configure()
    assert log_file is not None and log_file.parent == paths.log_dir()
    try:
        ctx = AppContext(tasks=Tasks(), prompts=FakePrompts(), settings=Settings(), clock=clock)
        w = MainWindow(ctx, idle_ms=60 * 60 * 1000)  # type: ignore[arg-type]
        qtbot.addWidget(w)
        w.show()
        w.start_with(store_path, passphrase)
        qtbot.waitUntil(lambda: ctx.store is not None and ctx.tasks.pending == 0, timeout=10000)
        w.open_case(case["reference"])
        qtbot.waitUntil(lambda: ctx.tasks.pending == 0, timeout=10000)
        w.workspace.open_case(f"{marker}-REF")  # a NotFoundError naming it
        qtbot.waitUntil(lambda: ctx.tasks.pending == 0, timeout=10000)
        blocker = tmp_path / f"{marker}-a-file"  # a file where the folder should be
        blocker.write_bytes(b"")
        aops.export_calendar(ctx, blocker / "a.ics", clock.today(), clock.today(),
                             None, errors.shower(ctx.prompts, "Could not write the calendar file"))

        def bug() -> None:
            raise KeyError(f"{marker} in a message")

        ctx.tasks.run(bug)
        qtbot.waitUntil(lambda: ctx.tasks.pending == 0, timeout=10000)
        shown = [m for k, m in ctx.prompts.calls if k == "error"]
        assert len(shown) == 3 and marker in shown[0] and marker in shown[1], shown
        assert shown[2] == errors.UNEXPECTED.format(name="KeyError")
        w.ctx.prompts.save_discard = []
        w.close()
    finally:
        logs.shutdown()
    text = log_file.read_text(encoding="utf-8")
    # the scanner has something to read: each error is there by its type
    assert "NotFoundError" in text and "Error[E" in text and "KeyError" in text
    assert "task app.ui.operations.load_case" in text
    assert _leaks(_files([paths.log_dir()], skip=[]), marker) == []
    assert _leaks(_files([paths.config_dir(), paths.data_dir()], skip=[]), marker) == []
