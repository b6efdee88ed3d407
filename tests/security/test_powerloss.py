"""What kill -9 cannot show: a power cut on a disk that keeps only what was fsynced
(issue 21).  A kill -9 leaves everything the process wrote in the page cache, so a missing
fsync goes unnoticed; here an LD_PRELOAD shim journals every write and fsync of the
store's folder, the writer is killed, and every file is put back to its contents as of its
last fsync (tests/security/_powerloss.py) before the store is opened again.

The store must then open (its seal never ahead of it), pass ``check`` and
``audit --verify``, and hold every acknowledged write; and the same test run against a
store with SQLite's durability lowered (commits acknowledged before their fsync) must
fail, or it would prove nothing.
"""

from __future__ import annotations

import os
import queue
import random
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from app.models.store import Store, security
from tests.conftest import DATA
from tests.helpers import ROOT
from tests.security import _powerloss as pl

CUTS = int(os.environ.get("CASEBOOK_POWERCUT_RUNS", "10"))

pytestmark = [
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="LD_PRELOAD shim and /proc/self/fd: Linux only"),
]


@pytest.fixture(scope="module")
def shim(tmp_path_factory: pytest.TempPathFactory) -> Path:
    built = pl.build_shim(tmp_path_factory.mktemp("shim"))
    if built is None:
        pytest.skip("no C compiler (gcc or cc): the power-loss shim is built from tests/security/powerloss_shim.c")
    return built


@pytest.fixture
def drive(tmp_path: Path, passphrase: str, clock, example_bundle) -> Path:  # type: ignore[no-untyped-def]
    """A closed store with the example bundle, alone in its folder."""
    path = tmp_path / "disk" / "casebook.cbk"
    path.parent.mkdir()
    with Store.create(path, passphrase, clock=clock, actor="test-officer") as s:
        s.import_bundle(example_bundle)
    return path


def _env(shim: Path, folder: Path, journal: Path, passphrase: str, **extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "CASEBOOK_PASSPHRASE": passphrase,
            "LD_PRELOAD": str(shim), "CASEBOOK_PL_DIR": str(folder), "CASEBOOK_PL_JOURNAL": str(journal), **extra}


@dataclass
class Acks:
    notes: set[int] = field(default_factory=set)
    cases: set[str] = field(default_factory=set)
    backups: list[str] = field(default_factory=list)
    closes: int = 0
    ready: bool = False


def _run_and_kill(store: Path, journal: Path, env: dict[str, str], start: int, rng: random.Random,
                  *, min_notes: int = 0) -> Acks:
    """Start a writer under the shim, SIGKILL it at a random point (or once it acknowledged
    ``min_notes`` notes), and collect what it acknowledged."""
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.security._powerloss_writer", str(store), str(DATA / "example-bundle.json"),
         str(start)], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1)
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert child.stdout is not None
        for line in child.stdout:
            lines.put(line.strip())
        lines.put("eof")

    threading.Thread(target=pump, daemon=True).start()
    acks = Acks()

    def take(line: str) -> None:
        if line == "ready":
            acks.ready = True
        elif line.startswith("ack note "):
            acks.notes.add(int(line.split()[2]))
        elif line.startswith("ack case "):
            acks.cases.add(line.split()[2])
        elif line.startswith("ack backup "):
            acks.backups.append(line.split()[2])
        elif line == "ack closed":
            acks.closes += 1
        elif line != "eof":
            raise AssertionError(f"unexpected line from the writer: {line!r}")

    try:
        if min_notes:
            while len(acks.notes) < min_notes:
                line = lines.get(timeout=60)
                if line == "eof":
                    break
                take(line)
            time.sleep(rng.uniform(0.0, 0.3))
        elif rng.random() < 0.2:  # now and then during the unlock itself
            time.sleep(rng.uniform(0.0, 0.6))
        else:
            while not acks.ready:
                line = lines.get(timeout=60)
                if line == "eof":
                    break
                take(line)
            time.sleep(rng.uniform(0.0, 1.2))
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    while (line := lines.get(timeout=60)) != "eof":
        take(line)
    assert child.returncode == -signal.SIGKILL, (child.returncode, child.stderr.read() if child.stderr else "")
    return acks


def _after_the_power_came_back(store: Path, passphrase: str, acked: Acks) -> list[str]:
    """Every way the store fails to hold what was acknowledged ([] when it holds it all)."""
    problems: list[str] = []
    try:
        s = Store.open(store, passphrase)
    except Exception as exc:  # noqa: BLE001 - any refusal to open is the finding
        return [f"does not open: {type(exc).__name__}: {exc}"]
    try:
        problems += [f"check: {p}" for p in s.check()]
        problems += [f"audit --verify: {p}" for p in s.verify_audit()]
        texts = {row[0] for row in s._conn.execute("SELECT text FROM notes")}
        refs = {row[0] for row in s._conn.execute("SELECT reference FROM cases")}
    finally:
        s.close()
    lost = sorted(n for n in acked.notes if f"power-cut note {n}" not in texts)
    if lost:
        problems.append(f"{len(lost)} acknowledged note(s) lost, first {lost[:5]}")
    if acked.cases - refs:
        problems.append(f"acknowledged case(s) lost: {sorted(acked.cases - refs)[:5]}")
    if acked.backups:
        newest = security.backups_dir(store) / acked.backups[-1]
        if not security.backup_is_good(newest, passphrase):
            problems.append(f"acknowledged backup {newest.name} does not open and pass check")
    return problems


def test_the_shim_rebuilds_files_from_their_last_fsync(shim: Path, tmp_path: Path) -> None:
    """The model itself: synced data survives, unsynced writes and truncates do not, a
    file never synced is empty, files outside the folder are not journaled."""
    folder, journal = tmp_path / "disk", tmp_path / "journal.bin"
    folder.mkdir()
    (folder / "old.txt").write_bytes(b"old contents")
    baseline = pl.snapshot(folder)
    script = (
        "import os\n"
        "d = os.environ['CASEBOOK_PL_DIR']\n"
        "fd = os.open(d + '/a.txt', os.O_CREAT | os.O_WRONLY, 0o600)\n"
        "os.write(fd, b'synced'); os.fsync(fd); os.write(fd, b' and not')\n"
        "os.pwrite(fd, b'S', 0); os.close(fd)\n"
        "with open(d + '/b.txt', 'wb') as fh: fh.write(b'never synced')\n"
        "with open(d + '/old.txt', 'r+b') as fh: fh.write(b'NEW'); fh.flush(); os.fsync(fh.fileno()); fh.truncate(3)\n"
        "with open(d + '/../outside.txt', 'wb') as fh: fh.write(b'x')\n"
    )
    subprocess.run([sys.executable, "-c", script], env=_env(shim, folder, journal, ""), check=True)
    assert (folder / "a.txt").read_bytes() == b"Synced and not"  # the kernel has it all
    cut = pl.power_cut(folder, baseline, journal)
    assert (folder / "a.txt").read_bytes() == b"synced"
    assert (folder / "b.txt").read_bytes() == b""
    assert (folder / "old.txt").read_bytes() == b"NEW contents"
    assert (tmp_path / "outside.txt").read_bytes() == b"x"
    assert cut.files_rebuilt == 3 and cut.writes_lost == 3 and cut.syncs == 2


def test_a_cleanly_closed_store_survives_the_cut_byte_for_byte(shim: Path, drive: Path, passphrase: str,
                                                             tmp_path: Path) -> None:
    """Every write of a clean session is journaled and synced by the close: the rebuilt
    store and seal are exactly the files the kernel has (the shim misses no write)."""
    journal = tmp_path / "journal.bin"
    baseline = pl.snapshot(drive.parent)
    script = ("import os\nfrom app.models.store import Store\n"
              "with Store.open(os.environ['CASEBOOK_STORE'], os.environ['CASEBOOK_PASSPHRASE']) as s:\n"
              "    s.add_item('CPO-2026-0001', 'notes', {'date': '2026-11-20', 'kind': 'office', 'text': 'clean'})\n")
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, check=True,
                   env=_env(shim, drive.parent, journal, passphrase, CASEBOOK_STORE=str(drive)))
    before = {p.name: p.read_bytes() for p in drive.parent.iterdir() if p.is_file()}
    cut = pl.power_cut(drive.parent, baseline, journal)
    assert cut.writes_kept > 0 and cut.syncs > 0
    for name in (drive.name, drive.name + ".seal"):
        assert (drive.parent / name).read_bytes() == before[name], name
    assert _after_the_power_came_back(drive, passphrase, Acks()) == []


@pytest.mark.slow
def test_a_power_cut_at_random_points_never_loses_an_acknowledged_write(
        shim: Path, drive: Path, passphrase: str, tmp_path: Path) -> None:
    seed = int(os.environ.get("CASEBOOK_POWERCUT_SEED", str(random.randrange(1 << 30))))
    rng = random.Random(seed)
    acked = Acks()
    start, lost_writes, closes = 1, 0, 0
    for run in range(CUTS):
        journal = tmp_path / f"journal-{run}.bin"
        baseline = pl.snapshot(drive.parent)
        got = _run_and_kill(drive, journal, _env(shim, drive.parent, journal, passphrase), start, rng,
                            min_notes=4 if run % 3 == 0 else 0)  # now and then past a close and a backup
        acked.notes |= got.notes
        acked.cases |= got.cases
        acked.backups += got.backups
        closes += got.closes
        cut = pl.power_cut(drive.parent, baseline, journal)
        lost_writes += cut.writes_lost
        problems = _after_the_power_came_back(drive, passphrase, acked)
        assert problems == [], f"run {run}, seed {seed}: {problems}"
        start = max([start, *acked.notes]) + 1
        if got.notes:  # notes written but not acknowledged may survive: never reuse a number
            start += 1
    assert len(acked.notes) > CUTS, f"too few acknowledged writes to mean anything (seed {seed})"
    assert lost_writes > 0, f"no cut ever dropped an unsynced write: the shim is not biting (seed {seed})"
    assert closes > 0 and acked.backups, f"no clean close or backup happened under the cut (seed {seed})"


@pytest.mark.slow
def test_the_cut_catches_commits_acknowledged_before_their_fsync(
        shim: Path, drive: Path, passphrase: str, tmp_path: Path) -> None:
    """The control: the same writer with SQLite's synchronous lowered to NORMAL (a WAL
    commit is no longer fsynced) survives kill -9, but not the power cut."""
    rng = random.Random(0)
    weak = {"CASEBOOK_PL_SYNCHRONOUS": "NORMAL"}
    journal = tmp_path / "journal-kill.bin"
    acked = _run_and_kill(drive, journal, _env(shim, drive.parent, journal, passphrase, **weak), 1, rng, min_notes=3)
    assert _after_the_power_came_back(drive, passphrase, acked) == [], "kill -9 alone does not show it"

    journal = tmp_path / "journal-cut.bin"
    baseline = pl.snapshot(drive.parent)
    acked = _run_and_kill(drive, journal, _env(shim, drive.parent, journal, passphrase, **weak), 1000, rng,
                          min_notes=3)
    assert len(acked.notes) >= 3
    pl.power_cut(drive.parent, baseline, journal)
    problems = _after_the_power_came_back(drive, passphrase, acked)
    assert any("acknowledged note(s) lost" in p for p in problems), problems
