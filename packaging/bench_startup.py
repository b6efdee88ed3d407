"""Measure the frozen build: size, ``--version`` time, time to first window and to unlocked store.

    .venv/bin/python packaging/bench_startup.py [--bundle dist/casebook] [--runs 5] [--cold]

``--cold`` drops the OS page cache before each run (Linux, root only: writes
/proc/sys/vm/drop_caches), so the numbers include reading the bundle from disk.
Uses a synthetic demo store made by the bundle itself; prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSPHRASE = "benchmark passphrase for casebook"


def drop_caches() -> None:
    subprocess.run(["sync"], check=True)
    Path("/proc/sys/vm/drop_caches").write_text("3\n")


def folder_size(path: Path) -> tuple[int, int]:
    files = [p for p in path.rglob("*") if p.is_file() and not p.is_symlink()]
    return sum(p.stat().st_size for p in files), len(files)


def env_for(work: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env.update(QT_QPA_PLATFORM="offscreen", CASEBOOK_PASSPHRASE=PASSPHRASE,
               CASEBOOK_CONFIG_DIR=str(work / "config"), CASEBOOK_DATA_DIR=str(work / "data"), **extra)
    return env


def time_version(exe: Path, work: Path, cold: bool) -> float:
    if cold:
        drop_caches()
    start = time.perf_counter()
    subprocess.run([str(exe), "--version"], env=env_for(work), check=True, capture_output=True)
    return time.perf_counter() - start


def time_window(exe: Path, work: Path, store: Path, cold: bool) -> tuple[float, float, float]:
    """Seconds from launch to first window, to the unlocked store's window, and total run."""
    if cold:
        drop_caches()
    env = env_for(work, CASEBOOK_SMOKE_EXIT_AFTER_MS="0", CASEBOOK_SMOKE_UNTIL_TITLE=store.name)
    start_wall = time.time()
    start = time.perf_counter()
    result = subprocess.run([str(exe), "--store", str(store)], env=env, capture_output=True, text=True,
                            timeout=120)
    total = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"GUI run failed ({result.returncode}): {result.stderr}")
    shown = re.search(r"window shown at=([\d.]+)", result.stderr)
    ready = re.search(r"ready at=([\d.]+)", result.stderr)
    if not shown or not ready:
        raise SystemExit(f"no smoke lines: {result.stderr}")
    return float(shown.group(1)) - start_wall, float(ready.group(1)) - start_wall, total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bundle", type=Path, default=ROOT / "dist" / "casebook")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cold", action="store_true", help="drop the page cache before each run")
    args = parser.parse_args()
    exe = args.bundle / ("casebook.exe" if sys.platform == "win32" else "casebook")
    if not exe.exists():
        raise SystemExit(f"no build at {exe}: run `make package` first")
    size, count = folder_size(args.bundle)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        store = work / "bench.cbk"
        subprocess.run([str(exe), "demo", "--store", str(store), "--cases", "40"], env=env_for(work), check=True,
                       capture_output=True)
        versions = [time_version(exe, work, args.cold) for _ in range(args.runs)]
        windows = [time_window(exe, work, store, args.cold) for _ in range(args.runs)]
    mode = "cold (page cache dropped before each run)" if args.cold else "warm (files in page cache)"
    print(f"Bundle: {args.bundle} — {size / 2**20:.0f} MiB in {count} files; {mode}; median of {args.runs} runs\n")
    print("| measure | median | min | max |")
    print("| --- | --- | --- | --- |")
    rows = [("`casebook --version`", versions),
            ("launch → first window shown (offscreen)", [w[0] for w in windows]),
            ("launch → unlocked store's caseload window", [w[1] for w in windows]),
            ("whole GUI run (launch → exit)", [w[2] for w in windows])]
    for name, values in rows:
        print(f"| {name} | {statistics.median(values):.2f} s | {min(values):.2f} s | {max(values):.2f} s |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
