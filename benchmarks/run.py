"""``make bench``: performance at 5,000 cases / 250,000 notes, in one run.

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m benchmarks.run [--cases N] [--notes-per-case N]

Builds (or reuses) the cached synthetic store under benchmarks/work/, copies it, makes a
plain (unencrypted) SQLite copy of it, runs every measurement (medians over repeats; the
core queries on both copies, to report the cost of encryption), writes
``benchmarks/results.json`` and the table in ``docs/BENCHMARKS.md``.

A measurement whose module has not landed yet is reported as "not available"; one that
raises is reported as "error" with the exception's one-line message.  Neither stops the run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import importlib
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from benchmarks import dataset as D
from benchmarks import team_bench
from benchmarks.proc import vmhwm_kb

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "benchmarks" / "work"
RESULTS = ROOT / "benchmarks" / "results.json"
RESULTS_SCALE = ROOT / "benchmarks" / "results-scale.json"
SCALE_SIZES = (1000, 5000, 20000)
GUI_SESSION = "app GUI session"  # the process the peak RSS target is about (see Bench.add_rss)
DOC = ROOT / "docs" / "BENCHMARKS.md"

SEARCH_QUERIES = [
    # note words, whole and partial, as typed
    "housing", "arrears", "rent arrears", "jobcentre", "garden", "appointment", "home visit", "budgeting",
    "hous", "arr", "app", "gard", "liais",
    # names with accents, typed with and without them; apostrophes; prefixes
    "Màiri", "mairi", "Ciarán", "Siobhán", "siobhan", "Wiśniewska", "MacLeòid", "O'Neill", "Nic a' Phearsain",
    "Mac", "Kow", "Eil", "Dòmhnall Mac",
    # references and nothing at all
    "CPO-2026-01", "CPO-2025-0042", "zzyzx",
]


@dataclass
class Measurement:
    key: str
    label: str
    unit: str
    target: float | None = None  # upper bound, same unit; None: reported for information
    value: float | None = None
    status: str = "not available"  # pass | fail | info | not available | skipped | error
    plain: float | None = None
    ratio: float | None = None
    samples: int = 0
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def settle(self) -> Measurement:
        if self.value is None:
            return self
        if self.plain:
            self.ratio = round(self.value / self.plain, 2)
        self.status = "info" if self.target is None else ("pass" if self.value <= self.target else "fail")
        return self


@dataclass
class Config:
    cases: int = 5000
    notes_per_case: int = 50
    repeats: int = 7
    search_repeats: int = 5
    sync_files: int = 500
    subprocesses: bool = True  # build in a child; cold start and GUI children
    work: Path = WORK
    json_out: Path | None = RESULTS
    markdown_out: Path | None = DOC
    progress: bool = True
    plain: bool = True  # also measure a plain SQLite copy (the --scale runs skip it)
    scale: tuple[int, ...] = ()  # --scale: case counts to run the interactive measurements at
    scale_json_out: Path | None = RESULTS_SCALE


class NotAvailable(Exception):
    """A module the measurement needs has not landed yet."""


def need(module: str) -> Any:
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name and (module == exc.name or module.startswith(exc.name + ".")):
            raise NotAvailable(f"{module} is not in this build yet") from exc
        raise


def ms_samples(fn: Callable[[], Any], repeats: int, warmup: int = 1) -> list[float]:
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def median(xs: list[float]) -> float:
    return round(statistics.median(xs), 2)


def percentile(xs: list[float], p: float) -> float:
    s = sorted(xs)
    k = max(0, min(len(s) - 1, round(p / 100 * (len(s) - 1))))
    return round(s[k], 2)


class Bench:
    def __init__(self, cfg: Config) -> None:
        self.cfg = cfg
        self.results: list[Measurement] = []
        self.facts: dict[str, Any] = {}
        self.child_rss_mb: dict[str, float] = {}
        self.today = D.TODAY

    def log(self, msg: str) -> None:
        if self.cfg.progress:
            print(msg, flush=True)

    # ------------------------------------------------------------------ running one measurement
    def measure(self, m: Measurement, body: Callable[[Measurement], None]) -> Measurement:
        started = time.perf_counter()
        try:
            body(m)
            m.settle()
        except NotAvailable as exc:
            m.status, m.note = "not available", str(exc)
        except Exception as exc:  # never crash the run: report it
            m.status = "error"
            m.note = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
            if self.cfg.progress:
                traceback.print_exc()
        self.results.append(m)
        shown = "-" if m.value is None else f"{m.value:g} {m.unit}"
        self.log(f"  {m.label}: {shown} [{m.status}] ({time.perf_counter() - started:.1f} s)"
                 + (f" {m.note}" if m.note and m.status != "pass" else ""))
        return m

    # ------------------------------------------------------------------ setup
    def prepare(self) -> None:
        cfg = self.cfg
        scale = D.Scale(cfg.cases, cfg.notes_per_case)
        cached = cfg.work / f"{D.cache_key(scale)}.cbk"
        t = time.perf_counter()
        built = not cached.is_file()
        if built and cfg.subprocesses:
            self.log(f"building the synthetic store ({scale.label}) in a child process ...")
            code, _ = self.run_child([sys.executable, "-m", "benchmarks.run", "--build-only",
                                      "--cases", str(cfg.cases), "--notes-per-case", str(cfg.notes_per_case),
                                      "--work", str(cfg.work)], capture=False)
            if code != 0:
                raise SystemExit(f"benchmark store build failed (exit {code})")
        cached, facts = D.cached_store(cfg.work, scale, progress=cfg.progress)
        facts["seconds"] = round(time.perf_counter() - t, 1)
        facts["cached"] = not built
        self.facts["store"] = facts
        run_dir = cfg.work / "run"
        run_dir.mkdir(parents=True, exist_ok=True)
        self.enc_path = D.working_copy(cached, run_dir / "encrypted.cbk")
        self.plain_path = run_dir / "plain.db"
        for leftover in run_dir.glob("plain.db*"):
            leftover.unlink()
        from app.models.store import Store, db

        conn = db.open_connection(self.enc_path, D.PASSPHRASE)  # its own connection: no Store internals
        try:
            if cfg.plain:
                t = time.perf_counter()
                db.export_plain_copy(conn, self.plain_path)
                self.facts["plain_copy_s"] = round(time.perf_counter() - t, 2)
            self.facts["notes"] = conn.execute("SELECT count(*) FROM notes").fetchone()[0]
        finally:
            conn.close()
        enc = self.open_encrypted()
        try:
            refs = enc.case_references()
            self.refs = [r for r in refs if r != D.BIG_REVIEW_REF]
            self.contract = next((r for r in self.refs if enc.get_case(r).get("contract")), D.BIG_REVIEW_REF)
            self.facts["cases"] = len(refs)
        finally:
            enc.close()  # one Casebook at a time per store: the unlock and app probes open it themselves
        if cfg.plain:
            self.plain = Store(self.plain_path, db.open_plain_connection(self.plain_path), "", clock=D.clock(),
                               actor="benchmark")
            assert db.is_plain_sqlite(self.plain_path) and not db.is_plain_sqlite(self.enc_path)
        self.log(f"store: {self.facts['cases']} cases, {self.facts['notes']} notes, "
                 f"{facts.get('file_mb')} MB" + (f"; plain copy in {self.facts['plain_copy_s']} s" if cfg.plain else ""))

    def open_encrypted(self) -> Any:
        from app.models.store import Store

        return Store.open(self.enc_path, D.PASSPHRASE, clock=D.clock(), actor="benchmark")

    def close(self) -> None:
        for s in (getattr(self, "enc", None), getattr(self, "plain", None)):
            if s is not None:
                s.close()

    # ------------------------------------------------------------------ child processes
    def child_env(self, tmp: Path) -> dict[str, str]:
        env = dict(os.environ)
        env.update(QT_QPA_PLATFORM="offscreen", CASEBOOK_TODAY=self.today.isoformat(),
                   CASEBOOK_CONFIG_DIR=str(tmp / "config"), CASEBOOK_DATA_DIR=str(tmp / "data"),
                   PYTHONPATH=str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""))
        env.pop("CASEBOOK_PASSPHRASE", None)
        return env

    def run_child(self, argv: list[str], env: dict[str, str] | None = None, capture: bool = True,
                  timeout: float = 600.0) -> tuple[int, str]:
        """Run a child; returns (exit code, stderr tail).  Children report their own peak RSS
        (VmHWM): getrusage's child maxrss would include the parent's size at fork."""
        try:
            proc = subprocess.run(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL if capture else None,
                                  stderr=subprocess.PIPE if capture else None, timeout=timeout)
        except subprocess.TimeoutExpired:
            return -9, f"timed out after {timeout:g} s"
        err = proc.stderr.decode(errors="replace") if proc.stderr else ""
        return proc.returncode, err.strip()[-300:]

    # ------------------------------------------------------------------ the measurements
    def both(self, m: Measurement, make: Callable[[Any], Callable[[], Any]], repeats: int | None = None) -> None:
        """Median on each copy; samples alternate between the copies so machine load hits both alike."""
        n = repeats or self.cfg.repeats
        has_plain = getattr(self, "plain", None) is not None
        enc_fn = make(self.enc)
        plain_fn = make(self.plain) if has_plain else None
        enc_fn()
        if plain_fn is not None:
            plain_fn()
        enc: list[float] = []
        plain: list[float] = []
        for _ in range(n):
            enc += ms_samples(enc_fn, 1, warmup=0)
            if plain_fn is not None:
                plain += ms_samples(plain_fn, 1, warmup=0)
        m.value, m.plain, m.samples = median(enc), (median(plain) if plain else None), n

    def caseload_loader(self) -> tuple[Callable[[Any], Callable[[], Any]], str]:
        """What the caseload table needs before it can show its first screen."""
        try:
            deadlines = need("app.models.rules.deadlines")
        except NotAvailable:
            return (lambda s: s.list_cases), "Store.list_cases only (deadlines not in this build)"
        today = self.today
        try:
            tm = need("app.ui.table_models")
            build = tm.build_caseload_rows
        except (NotAvailable, AttributeError):
            return (lambda s: lambda: (s.list_cases(), deadlines.caseload_due(s, today))), \
                "Store.list_cases + deadlines.caseload_due (UI loader not in this build)"

        def make(s: Any) -> Callable[[], Any]:
            def work() -> Any:
                summaries = s.list_cases()
                due, warnings = deadlines.caseload_due(s, today)
                return build(summaries, due, warnings, today)
            return work
        return make, "UI loader: list_cases + caseload_due + build_caseload_rows"

    def m_rows_only(self, m: Measurement) -> None:
        """The caseload's first step (ops.load_caseload): the rows shown at once, before due dates."""
        tm = need("app.ui.table_models")
        today = self.today
        first = getattr(tm, "first_screen_refs", None)
        if first is None:  # an older build: every row
            self.both(m, lambda s: lambda: tm.build_caseload_rows(s.list_cases(), [], [], today))
            m.note = ("the caseload's first step (app.ui.operations.load_caseload): list_cases + "
                      "build_caseload_rows; the due columns are filled in by the second step")
            return

        def make(s: Any) -> Callable[[], Any]:
            def work() -> Any:
                names = s.case_names()
                return tm.build_caseload_rows(s.list_cases(refs=first(names)), [], [], today), len(names)
            return work
        self.both(m, make)
        m.note = (f"the caseload's first step (app.ui.operations.load_caseload, sorted by name as at unlock): "
                  f"every case's name, the first {tm.FIRST_SCREEN} by name read whole (list_cases(refs=...)) "
                  "and built; every row and the due columns come with the second step "
                  "(\"Caseload complete\")")

    def m_unlock(self, m: Measurement) -> None:
        from app.models.store import Store, db

        samples: list[float] = []
        for _ in range(min(3, self.cfg.repeats)):
            t = time.perf_counter()
            s = Store.open(self.enc_path, D.PASSPHRASE, clock=D.clock(), actor="benchmark")
            s.count_cases()
            samples.append((time.perf_counter() - t) * 1000)
            s.close()
        m.value, m.samples = median(samples), len(samples)
        t = time.perf_counter()
        conn = db.open_connection(self.enc_path, D.PASSPHRASE)
        kdf = (time.perf_counter() - t) * 1000
        m.extra["key_derivation_ms"] = round(kdf, 1)
        m.note = f"Store.open + count_cases; of which key derivation (PBKDF2, 256,000 iterations) {kdf:.0f} ms"
        try:
            security = need("app.models.store.security")
            t = time.perf_counter()
            security.damage_problems(conn)
            check = (time.perf_counter() - t) * 1000
            m.extra["damage_check_ms"] = round(check, 1)
            m.note += f", page integrity check at unlock {check:.0f} ms"
        except (NotAvailable, AttributeError):
            pass
        finally:
            conn.close()

    def m_caseload(self, m: Measurement) -> None:
        make, how = self.caseload_loader()
        self.both(m, make)
        m.note = how

    def m_search(self, p50: Measurement, p95: Measurement) -> None:
        search = self.search_fn()
        per_store: dict[str, list[float]] = {"enc": [], "plain": []}
        slowest: dict[str, float] = {}
        has_plain = getattr(self, "plain", None) is not None
        for q in SEARCH_QUERIES:
            enc_fn = functools.partial(search, self.enc, q)
            plain_fn = functools.partial(search, self.plain, q) if has_plain else None
            enc_fn()
            if plain_fn is not None:
                plain_fn()
            xs: list[float] = []
            for _ in range(self.cfg.search_repeats):
                xs += ms_samples(enc_fn, 1, warmup=0)
                if plain_fn is not None:
                    per_store["plain"] += ms_samples(plain_fn, 1, warmup=0)
            per_store["enc"] += xs
            slowest[q] = median(xs)
        for m, p in ((p50, 50), (p95, 95)):
            m.value = percentile(per_store["enc"], p)
            m.plain = percentile(per_store["plain"], p) if per_store["plain"] else None
            m.samples = len(per_store["enc"])
        worst = sorted(slowest.items(), key=lambda kv: -kv[1])[:3]
        p95.extra["slowest_queries_ms"] = dict(worst)
        p95.note = f"{len(SEARCH_QUERIES)} queries x {self.cfg.search_repeats}; slowest: " + \
            ", ".join(f"{q!r} {v:g} ms" for q, v in worst)
        p50.note = "words, prefixes, accented names (with and without accents), references"

    def search_fn(self) -> Callable[[Any, str], Any]:
        search = need("app.models.store.search")
        fn: Callable[[Any, str], Any] = search.search_cases
        return fn

    def m_open_case(self, m: Measurement) -> None:
        pick = [r for r in self.refs[:: max(1, len(self.refs) // 7)]][:7]
        try:
            deadlines = need("app.models.rules.deadlines")
            calendar = need("app.models.rules.calendar")
        except NotAvailable:
            deadlines = calendar = None
        today = self.today

        def make(s: Any) -> Callable[[], Any]:
            cycle = iter(pick * (self.cfg.repeats + 2))

            def work() -> Any:
                ref = next(cycle)
                case = s.get_case(ref)
                if deadlines is None or calendar is None:
                    return case
                cfg = deadlines.DeadlineConfig.for_store(s) if hasattr(deadlines, "DeadlineConfig") else None
                due = deadlines.case_due(case, today, calendar.WorkingCalendar.for_store(s), cfg)
                return case, due, deadlines.upw_progress(case, today), s.plan_versions(ref)
            return work
        self.both(m, make)
        notes = len(self.enc.get_case(pick[0]).get("notes", []))
        m.note = (f"{len(pick)} different cases, {notes} notes each; "
                  + ("get_case + case_due + upw_progress + plan_versions" if deadlines
                     else "Store.get_case only (deadlines not in this build)"))

    def m_due(self, m: Measurement) -> None:
        """Every case worked out (the per-case cache emptied first: the first load of a session)."""
        deadlines = need("app.models.rules.deadlines")
        cache = getattr(need("app.models.store.caseload_facts"), "due_cache", None)
        today = self.today

        def make(s: Any) -> Callable[[], Any]:
            def work() -> Any:
                if cache is not None:
                    cache(s).clear()
                return deadlines.caseload_due(s, today)
            return work
        self.both(m, make, repeats=max(3, self.cfg.repeats // 2))
        items, warnings = deadlines.caseload_due(self.enc, today)
        m.note = (f"{self.facts['cases']} cases -> {len(items)} due items, {len(warnings)} warnings; "
                  + ("cold: the per-case cache emptied before each sample (as at unlock)" if cache else "no cache"))

    def m_save_note(self, m: Measurement) -> None:
        """What the user waits for after saving a note: the save (its transaction, fsync and
        seal), that case's caseload row with its due dates (as ops.load_caseload_rows), and the
        caseload's due dates brought up to date (the per-case cache works out that case)."""
        deadlines = need("app.models.rules.deadlines")
        calendar = need("app.models.rules.calendar")
        tm = need("app.ui.table_models")
        ops = need("app.ui.operations")
        today = self.today
        pick = [r for r in self.refs[:: max(1, len(self.refs) // 7)]][:7]

        def make(s: Any) -> Callable[[], Any]:
            cycle = iter(pick * (self.cfg.repeats + 2))
            deadlines.caseload_due(s, today)  # the caseload is loaded (the cache is warm)

            def work() -> Any:
                ref = next(cycle)
                s.add_item(ref, "notes", {"date": today.isoformat(), "kind": "phone", "sensitivity": "ordinary",
                                          "text": "Phoned to rearrange the appointment (benchmark)"})
                case = s.get_case(ref)
                due, warnings = deadlines.case_due(case, today, calendar.WorkingCalendar.for_store(s),
                                                   deadlines.DeadlineConfig.for_store(s))
                row = tm.build_caseload_rows([ops.summary_of(case)], due, warnings, today)
                return row, deadlines.caseload_due(s, today)
            return work
        self.both(m, make)
        cache = getattr(need("app.models.store.caseload_facts"), "due_cache", None)
        recomputed = len(cache(self.enc).recomputed) if cache else None
        m.note = ("add_item (one transaction, fsync) + get_case + case_due + the caseload row + caseload_due; "
                  f"cases worked out again by the last caseload_due: {recomputed}")

    def m_pdf(self, m: Measurement, kind: str, ref: str, repeats: int) -> None:
        render = need("app.reports.render")
        samples = ms_samples(lambda: render.render_document(self.enc, kind, ref), repeats)
        m.value, m.samples = median(samples), repeats
        pdf = render.render_document(self.enc, kind, ref)
        pages = _page_count(pdf)
        m.extra.update(pages=pages, bytes=len(pdf))
        m.note = f"case {ref}: {pages} pages, {len(pdf) // 1024} KB"

    def m_sync(self, m: Measurement) -> None:
        outbox = need("app.models.store.outbox")
        sync = need("app.team.delivery")
        n = self.cfg.sync_files
        content = b"%PDF-1.4\n" + bytes(range(256)) * 80  # ~20 KB, like a small PDF
        t = time.perf_counter()
        for i in range(n):
            outbox.enqueue(self.enc, f"BENCH-{i:04d}_case-management-plan_officer-copy.pdf", "plan",
                           None, content + str(i).encode())
        queued = time.perf_counter() - t
        with tempfile.TemporaryDirectory(prefix="casebook-bench-sync-") as folder:
            t = time.perf_counter()
            report = sync.sync_outbox(self.enc, Path(folder), force=True)
            m.value = round((time.perf_counter() - t) * 1000, 1)
            delivered = len(os.listdir(folder))
        m.samples = 1
        failed = len(getattr(report, "failed", []))
        m.note = (f"{n} files of ~20 KB to a local temp folder (fsync per file): {delivered} entries in the "
                  f"folder, {failed} failed; queueing them took {queued:.1f} s")
        m.extra.update(queue_s=round(queued, 2), failed=failed)

    def m_cold_start(self, window: Measurement, version: Measurement) -> None:
        with tempfile.TemporaryDirectory(prefix="casebook-bench-cold-") as tmp_s:
            tmp = Path(tmp_s)
            env = self.child_env(tmp)
            vs: list[float] = []
            for _ in range(3):
                t = time.time()
                code, err = self.run_child([sys.executable, "-m", "app", "--version"], env)
                vs.append((time.time() - t) * 1000)
                if code != 0:
                    raise RuntimeError(f"python -m app --version failed: {err}")
            version.value, version.samples = median(vs), len(vs)
            version.note = "interpreter start + CLI imports (python -m app --version)"
            version.settle()
            pw = tmp / "passphrase"
            pw.write_text(D.PASSPHRASE, encoding="utf-8")
            os.chmod(pw, 0o600)
            shown_file = tmp / "shown"
            env["CASEBOOK_BENCH_SHOWN_FILE"] = str(shown_file)
            ws: list[float] = []
            rss_max = 0.0
            cls = ""
            for _ in range(3):
                shown_file.unlink(missing_ok=True)
                t = time.time()
                code, err = self.run_child([sys.executable, "-m", "benchmarks.coldstart", "--store",
                                            str(self.enc_path), "--passphrase-file", str(pw)], env, timeout=120)
                if code != 0 or not shown_file.is_file():
                    raise RuntimeError(f"no window shown (exit {code}) {err.splitlines()[-1] if err else ''}")
                stamp, cls, hwm_kb = shown_file.read_text(encoding="utf-8").split()
                ws.append((float(stamp) - t) * 1000)
                rss_max = max(rss_max, round(int(hwm_kb) / 1024, 1))
            window.value, window.samples = median(ws), len(ws)
            self.child_rss_mb["app cold start"] = rss_max
            main_window = importlib.util.find_spec("app.ui.main_window") is not None
            window.note = (f"process start -> {cls} shown, offscreen, warm OS file cache (the store then unlocks "
                           "on the window's worker: see the GUI probe's first step)")
            if not main_window:
                window.note += "; minimal launcher window: app.ui.main_window is not in this build"

    def m_gui(self, m: Measurement) -> None:
        need("app.ui.main_window")
        from benchmarks import gui_probe

        with tempfile.TemporaryDirectory(prefix="casebook-bench-gui-") as tmp_s:
            tmp = Path(tmp_s)
            env = self.child_env(tmp)
            out = tmp / "gui.json"
            code, err = self.run_child([sys.executable, "-m", "benchmarks.gui_probe", str(self.enc_path),
                                        D.PASSPHRASE, str(out), self.contract], env, timeout=300)
            if code == gui_probe.NOT_AVAILABLE:
                raise NotAvailable(err.splitlines()[-1] if err else "main window has no usable hooks")
            if code != 0 or not out.is_file():
                raise RuntimeError(f"GUI probe failed (exit {code}): {err.splitlines()[-1] if err else ''}")
            data = json.loads(out.read_text(encoding="utf-8"))
        self.child_rss_mb[GUI_SESSION] = round(data["vmhwm_kb"] / 1024, 1)
        m.value = data["max_gap_ms"]
        m.samples = data["beats"]
        m.extra.update(data)
        m.note = "max gap of a 10 ms QTimer heartbeat while: " + ", ".join(data.get("steps", []))
        if data.get("worst_step"):
            m.note += f"; worst step: {data['worst_step']}"
            gaps = data.get("gaps_over_50_ms") or []
            m.note += f" ({len(gaps)} gaps over 50 ms)"
        if not data.get("exported_files"):
            m.note += ("; the export step renders the PDF on the worker and opens the preview dialog "
                       "(no file is saved)")

    # ------------------------------------------------------------------ all of it
    def interactive(self) -> None:
        """What a user waits for at the keyboard (the measurements --scale repeats at each size)."""
        M = Measurement
        big = self.facts.get("cases", 0) > 10_000
        self.measure(M("caseload_first_screen", "Caseload first screen (rows, before due dates)", "ms", 40),
                     self.m_rows_only)
        self.measure(M("caseload_with_due", "Caseload complete (rows with due dates)", "ms", 120), self.m_caseload)
        p50 = M("search_p50", "Search p50", "ms")
        p95 = M("search_p95", "Search p95", "ms", 30 if big else 15)

        def both_search(_m: Measurement) -> None:
            self.m_search(p50, p95)
        self.measure(p50, both_search)
        if p50.status in ("error", "not available"):
            p95.status, p95.note = p50.status, p50.note
            self.results.append(p95)
        else:
            self.results.append(p95.settle())
        self.measure(M("open_case", "Open a case workspace", "ms", 150), self.m_open_case)
        self.measure(M("save_note", "Save one note -> its caseload row and due dates", "ms", 30), self.m_save_note)
        self.measure(M("due_dates", "Due dates, whole caseload, cold", "ms", 1000),
                     self.m_due)

    def run(self) -> dict[str, Any]:
        cfg = self.cfg
        started = time.perf_counter()
        self.facts["load_before"] = [round(x, 2) for x in os.getloadavg()]
        self.facts["io_pressure_before"] = _io_pressure()
        self.prepare()
        M = Measurement
        try:
            self.measure(M("unlock", "Unlock (key derivation + first query)", "ms"), self.m_unlock)
            self.enc = self.open_encrypted()
            self.interactive()
            self.measure(M("contract_pdf", "Contract PDF", "ms", 200),
                         lambda m: self.m_pdf(m, "contract", self.contract, cfg.repeats))
            self.measure(M("review_pdf_20_pages", "Review PDF (~20 pages)", "ms"),
                         lambda m: self.m_pdf(m, "review", D.BIG_REVIEW_REF, max(3, cfg.repeats // 2)))
            self.measure(M("plan_pdf", "Plan PDF (large plan)", "ms"),
                         lambda m: self.m_pdf(m, "plan", D.BIG_REVIEW_REF, max(3, cfg.repeats // 2)))
            self.measure(M("sync_files", f"Sync {cfg.sync_files} files", "ms"), self.m_sync)
            window = M("cold_start_window", "Cold start to first window", "ms", 1000)
            version = M("cold_start_version", "Cold start: python -m app --version", "ms")
            self.enc.close()  # the app children open the store themselves
            if cfg.subprocesses:
                self.measure(window, lambda m: self.m_cold_start(m, version))
                self.results.append(version)
                self.measure(M("gui_max_block", "GUI thread longest block", "ms", 33), self.m_gui)
                team_bench.add_to(self, M)
            else:
                team_bench.add_to(self, M, subprocesses=False)
                for m in (window, version, M("gui_max_block", "GUI thread longest block", "ms", 33)):
                    m.status, m.note = "skipped", "child processes disabled (--no-subprocess)"
                    self.results.append(m)
        finally:
            self.close()
        self.add_ratio()
        self.add_rss()
        return self.report(time.perf_counter() - started)

    def run_interactive(self) -> dict[str, Any]:
        """One size of a --scale run: the interactive measurements only, encrypted store only."""
        started = time.perf_counter()
        self.prepare()
        try:
            self.enc = self.open_encrypted()
            self.interactive()
        finally:
            self.close()
        shutil.rmtree(self.cfg.work / "run", ignore_errors=True)
        return {"cases": self.facts.get("cases"), "notes": self.facts.get("notes"),
                "store": self.facts.get("store"), "runtime_s": round(time.perf_counter() - started, 1),
                "measurements": [asdict(m) for m in self.results]}

    def add_ratio(self) -> None:
        ratios = {m.key: m.ratio for m in self.results if m.ratio is not None}
        m = Measurement("encrypted_plain_ratio", "Encrypted / plain SQLite (worst query)", "x", 2.0)
        if ratios:
            worst = max(ratios, key=lambda k: ratios[k] or 0)
            m.value, m.samples = ratios[worst], len(ratios)
            m.extra["ratios"] = ratios
            m.note = f"worst: {worst}; " + ", ".join(f"{k} {v:g}" for k, v in ratios.items())
            m.settle()
        else:
            m.status, m.note = "error", "no query measured on both copies"
        self.results.append(m)

    def add_rss(self) -> None:
        """The target is the GUI session's peak (what a user's Casebook holds); the benchmark
        process (both stores open, every PDF, the sync) and the cold start are reported beside
        it.  Without the GUI probe (--no-subprocess) the worst process stands in."""
        own = round(vmhwm_kb() / 1024, 1)
        rss = {"benchmark process (core work, both stores open)": own, **self.child_rss_mb}
        judged = GUI_SESSION if GUI_SESSION in rss else max(rss, key=lambda k: rss[k])
        m = Measurement("peak_rss", "Peak RSS", "MB", 200, value=rss[judged], samples=len(rss))
        m.extra["rss_mb"] = rss
        m.note = f"{judged}; all: {', '.join(f'{k} {v:g} MB' for k, v in rss.items())}"
        self.results.append(m.settle())

    def report(self, seconds: float) -> dict[str, Any]:
        from app.models.store import db

        conn = db.open_plain_connection(self.plain_path)
        try:
            sqlite_version = conn.execute("SELECT sqlite_version()").fetchone()[0]
            cipher = conn.execute("PRAGMA cipher_version").fetchone()
        finally:
            conn.close()
        shutil.rmtree(self.cfg.work / "run", ignore_errors=True)
        out = {
            "generated": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            "runtime_s": round(seconds, 1),
            "machine": {"cores": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
                        "sqlite": sqlite_version, "sqlcipher": cipher[0] if cipher else None,
                        "cpu": _cpu_model(),
                        "load_average_1_5_15_min": {"start": self.facts.get("load_before"),
                                                    "end": [round(x, 2) for x in os.getloadavg()]},
                        "io_pressure_some_avg60": {"start": self.facts.get("io_pressure_before"),
                                                   "end": _io_pressure()}},
            "dataset": {"cases": self.facts.get("cases"), "notes": self.facts.get("notes"), "today": str(self.today),
                        "seed": D.SEED, "generator_version": D.GENERATOR_VERSION, "store": self.facts.get("store"),
                        "plain_copy_s": self.facts.get("plain_copy_s")},
            "config": {"repeats": self.cfg.repeats, "search_repeats": self.cfg.search_repeats,
                       "sync_files": self.cfg.sync_files},
            "measurements": [asdict(m) for m in self.results],
            "summary": {s: sum(1 for m in self.results if m.status == s)
                        for s in ("pass", "fail", "info", "not available", "skipped", "error")},
        }
        if self.cfg.json_out:
            self.cfg.json_out.parent.mkdir(parents=True, exist_ok=True)
            self.cfg.json_out.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        if self.cfg.markdown_out:
            scale_file = self.cfg.scale_json_out
            scale = json.loads(scale_file.read_text(encoding="utf-8")) if scale_file and scale_file.is_file() else None
            write_markdown(self.cfg.markdown_out, out, scale)
        return out


def growth(n_a: float, v_a: float | None, n_b: float, v_b: float | None) -> float | None:
    """The log-log slope between two sizes: 1 is linear, 2 quadratic, 0 flat."""
    if not v_a or not v_b or n_a <= 0 or n_b <= 0 or n_a == n_b:
        return None
    return round(math.log(v_b / v_a) / math.log(n_b / n_a), 2)


def run_scale(cfg: Config) -> dict[str, Any]:
    """``--scale``: the interactive measurements at each size of ``cfg.scale`` (cases, each
    with ``cfg.notes_per_case`` notes), and for each the growth exponent between sizes."""
    started = time.perf_counter()
    load_before = [round(x, 2) for x in os.getloadavg()]
    sizes: list[dict[str, Any]] = []
    for n in cfg.scale:
        print(f"--scale: {n} cases x {cfg.notes_per_case} notes", flush=True) if cfg.progress else None
        sub = Config(cases=n, notes_per_case=cfg.notes_per_case, repeats=cfg.repeats,
                     search_repeats=cfg.search_repeats, subprocesses=cfg.subprocesses, work=cfg.work,
                     json_out=None, markdown_out=None, progress=cfg.progress, plain=False)
        run = Bench(sub).run_interactive()
        run["load_average_1_5_15_min"] = [round(x, 2) for x in os.getloadavg()]
        sizes.append(run)
    rows = []
    for m in sizes[0]["measurements"]:
        key = m["key"]
        values = [next((x["value"] for x in size["measurements"] if x["key"] == key), None) for size in sizes]
        slopes = [growth(a["cases"], va, b["cases"], vb)
                  for a, b, va, vb in zip(sizes, sizes[1:], values, values[1:], strict=False)]
        rows.append({"key": key, "label": m["label"], "unit": m["unit"], "values": values, "growth": slopes})
    out = {"generated": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
           "runtime_s": round(time.perf_counter() - started, 1), "cores": os.cpu_count(),
           "load_average_1_5_15_min": {"start": load_before, "end": [round(x, 2) for x in os.getloadavg()]},
           "notes_per_case": cfg.notes_per_case,
           "sizes": [{"cases": z["cases"], "notes": z["notes"], "runtime_s": z["runtime_s"],
                      "store": z["store"], "load_average_1_5_15_min": z["load_average_1_5_15_min"]} for z in sizes],
           "rows": rows, "measurements": {str(z["cases"]): z["measurements"] for z in sizes}}
    if cfg.scale_json_out:
        cfg.scale_json_out.parent.mkdir(parents=True, exist_ok=True)
        cfg.scale_json_out.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if cfg.markdown_out:
        main_results = None
        if cfg.json_out and cfg.json_out.is_file():
            main_results = json.loads(cfg.json_out.read_text(encoding="utf-8"))
        write_markdown(cfg.markdown_out, main_results, out)
    return out


def scale_markdown(sc: dict[str, Any]) -> list[str]:
    sizes = sc["sizes"]
    head = " | ".join(f"{z['cases']:,} cases" for z in sizes)
    steps = " | ".join(f"growth {a['cases']:,}→{b['cases']:,}" for a, b in zip(sizes, sizes[1:], strict=False))
    loads = ", ".join(f"{z['cases']:,}: {z['load_average_1_5_15_min'][0]:g}" for z in sizes)
    lines = ["## Growth with the caseload (`make bench-scale`)", "",
             f"Run {sc['generated']} in {sc['runtime_s']:g} s on {sc['cores']} cores, {sc['notes_per_case']} notes "
             f"per case, encrypted store only. Load average (1 min) at start "
             f"{sc['load_average_1_5_15_min']['start'][0]:g}, after each size {loads}: the machine is shared (a load "
             "above 2 means work waited for a core), so single figures are inflated and noisy; the exponents, "
             "measured under the same load at each size, are the part to read.", "",
             "Growth is the log-log slope between two sizes, log(t₂/t₁) / log(n₂/n₁): about 1 means the cost "
             "grows in step with the caseload, below 1 slower (0: flat), above 1 faster than the caseload "
             "(super-linear, **bold** from 1.2).", "",
             f"| Measurement | {head} | {steps} |", "|---" * (1 + len(sizes) + len(sizes) - 1) + "|"]
    for r in sc["rows"]:
        vals = " | ".join(_fmt(v, r["unit"]) for v in r["values"])
        grow = " | ".join("—" if g is None else (f"**{g:.2f}**" if g >= 1.2 else f"{g:.2f}") for g in r["growth"])
        lines.append(f"| {r['label']} | {vals} | {grow} |")
    return lines


def _page_count(pdf: bytes) -> int | None:
    try:
        import io

        from pypdf import PdfReader

        return len(PdfReader(io.BytesIO(pdf)).pages)
    except Exception:
        return None


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "x":
        return f"{value:.2f}×"
    if unit == "ms" and value >= 1000:
        return f"{value / 1000:.2f} s"
    return f"{value:g} {unit}"


def _io_pressure() -> float | None:
    """Share of the last minute some task waited on disk I/O (Linux PSI), in percent."""
    try:
        first = Path("/proc/pressure/io").read_text().splitlines()[0]
        return float(dict(kv.split("=") for kv in first.split()[1:])["avg60"])
    except (OSError, KeyError, ValueError, IndexError):
        return None


def _load(mach: dict[str, Any], when: str) -> str:
    value = (mach.get("load_average_1_5_15_min") or {}).get(when)
    return f"{value[0]:g}" if value else "?"


def _pressure(mach: dict[str, Any]) -> str:
    p = mach.get("io_pressure_some_avg60") or {}
    if p.get("start") is None:
        return "not recorded"
    return f"{p['start']:g}% at start, {p['end']:g}% at end"


def _target(m: dict[str, Any]) -> str:
    if m["target"] is None:
        return "(info)"
    return "≤ " + _fmt(m["target"], m["unit"])


RESULT_TEXT = {"pass": "PASS", "fail": "**FAIL**", "info": "info", "not available": "not available",
               "skipped": "skipped", "error": "**error**"}

DOC_HEAD = """# Benchmarks

`make bench` (or `QT_QPA_PLATFORM=offscreen .venv/bin/python -m benchmarks.run`) measures Casebook at
a realistic worst case: a deterministic synthetic store of 5,000 cases and 250,000 notes (demo
generator, fixed seed, "today" fixed at 23/11/2026, 50 notes per case, plus one large case whose
review and plan run to about 20 pages). The store is built once and cached under
`benchmarks/work/` (git-ignored; the cache key includes a generator version and a hash of the
schema, so a schema change rebuilds it). Each run works on a throw-away copy of it and on a plain
(unencrypted) SQLite copy made with `sqlcipher_export`, so the cost of encryption is measured on the
same data in the same run. Times are medians over repeats (search: p50/p95 over every query and
repeat). Results are also written to `benchmarks/results.json`.

Options (`make bench ARGS="..."`): `--cases N --notes-per-case N` (other scales, cached
separately), `--repeats N`, `--no-subprocess` (skip the store-build child, cold start and GUI
probes), `--json PATH`, `--markdown PATH`. Benchmarks are not part of `make test`;
`tests/test_bench_smoke.py` runs the harness at 20 cases to prove it works, and `--scale` at
10 and 30 cases (the quick mode).

`make bench-scale` (the same as `make bench ARGS=--scale`; `--scale 1000,5000` for other
sizes) runs only the interactive measurements (caseload, search, opening a case, saving a note,
due dates) on the encrypted store at 1,000, 5,000 and 20,000 cases of 50 notes each, and
reports for each measurement the growth exponent between sizes: the slope of log(time) against
log(cases), so a cost that grows faster than the caseload (exponent above 1) shows. Results go
to `benchmarks/results-scale.json` and the table below. Each size's store is built once and
cached like the main one. The store is bulk-loaded (`app.models.store.bulk.add_cases`: Core
`executemany`, the same rows as the old build through the ORM, so cached stores stay valid):
5,000 cases in 12 s (was 55 s through the ORM, both at a load average of about 1), 20,000 cases
/ 1,000,000 notes in 53 s (load 1.8; 337 MB file; peak RSS of the build 740 MB).

Changes made from these measurements (issue #20):

- **Due dates kept per case** (`app/models/store/caseload_facts.py`, `DueCache`; details in
  docs/PERF-CASELOAD-DUE.md). `caseload_due` works out only the cases written since its last
  call (noted by temporary triggers on the store's connection), every case when the deadline
  settings or the calendar changed; statuses are derived from today when read. "Caseload
  complete" is now the cached answer; "Due dates, whole caseload, cold" empties the cache first
  (what the first load after unlocking costs).
- **Search** (`app/models/store/search.py`): the name and reference match used to fold every
  case's names on every search (the floor under every query, a few tens of ms at 5,000 cases);
  `NameIndex` keeps the folded names of the open store, brought up to date from the same change
  log, and finds cases with `str.find` over one joined string. The matching notes are ranked
  (newest first) on their date and id alone and only the page shown is read whole. The results
  are the same as before (`tests/models/test_search_index.py` compares with the old scan).
- **Start-up** (profiled with pyinstrument 5.1.3, pinned in requirements-dev.txt:
  `pyinstrument -o out.txt` over a wrapper that runs `app.cli.main` and quits once the main
  window is shown; one warm run on the loaded machine). Of the samples up to the first window,
  importing `app.ui.main_window` was about 85 %: SQLAlchemy and the ORM mappings about 15 %, reportlab (through
  `app.ui.operations` -> `app.reports.pdf`, and `app.reports.render`) about a fifth, jsonschema
  (bundle validation) a tenth, building the outbox's `defer()` load option at import 7 %,
  shiboken's signature loader 7 %, holidays, zxcvbn and icalendar 3 % each. Now loaded on first
  use instead: reportlab (`render_document`, `encrypt_pdf`), zxcvbn (`passphrase.strength`),
  icalendar (`ics.calendar_bytes`), holidays (`calendar.scottish_holidays`, on the worker with
  the first due date) and the outbox load option. Left as they are: SQLAlchemy (the store needs
  it at unlock), jsonschema (its format checker is declared at import in bundle.py; moving it is
  a larger change), pypdfium2 (imported with the window on purpose, see issue #8 below). Peak
  RSS: a GUI session that never exports no longer loads reportlab; the rest of the resident set
  is Qt, the 64 MiB page cache (issue #8) and the store's data; not reduced further here.

Peak RSS of the GUI session (issue #20, round 2; RSS does not depend on the machine's load, the
times quoted with it do: load average 2-3 on 2 cores, noisy). Measured on the GUI probe's session
(`benchmarks/gui_probe.py`, 5,000 cases) with VmRSS/VmHWM read after each step, per-import RSS
deltas in a bare interpreter, and tracemalloc snapshot diffs around each store call:

- Where it went (before, peak 304 MB): interpreter + PySide6 39 MB; importing the window's modules
  +87 MB (SQLAlchemy core 24 MB and ORM 11 MB, the declarative mappings of the entities 14 MB,
  jsonschema 4 MB, cryptography's Rust bindings 6 MB through app.team, the rest our modules and
  Qt's libraries); building the window +24 MB; unlock and the caseload +93 MB (the page cache
  filling, Python objects of the due-date cache about 24 MB: ~55,000 row tuples and ~50,000
  `DueItem`s at 5,000 cases, caseload summaries and rows about 10 MB, holidays 4.5 MB on the
  first due date); the first note search +33 MB (the page cache reaching 64 MiB); the contract
  export +24 MB (reportlab, its parsed TrueType fonts about 10 MB, the preview).
- Changed: the page cache is 16 MiB (`db.CACHE_KIB`, was 64 MiB). Interleaved samples on two
  copies of the store showed no difference between 2, 16 and 64 MiB for search (p95 16.6 ms at
  64 MiB, 18.3 at 16 MiB, 18.1 at 2 MiB, load 2.5: within noise), the caseload, cold due dates or
  opening a case, at 5,000 and at 20,000 cases (search p95 63.5 / 59.6 ms at 64 / 16 MiB): the
  search of issue #20 no longer rereads the store. jsonschema is imported with the first
  validation (`bundle._validator`), not with the store package. Peak RSS of the same session:
  304 MB -> 258 MB.
- Left (not in this change's files): the due-date cache holds each item twice (a row tuple and
  a `DueItem`, `app/models/store/caseload_facts.py`), growing with the caseload (about 100 MB at
  20,000 cases); building the `DueItem`s on read instead of keeping them would halve it. The
  window builds every page at start (+24 MB).
- Also changed: app.team imports cryptography where a signature is made or checked (its Rust
  bindings were 6 MB of the first window's resident set: cold-start peak RSS 150.5 -> 142.6 MB);
  a session that exports a PDF still loads it (pypdf).

Cold start, round 2 (issue #20; pyinstrument 5.1.3 over `benchmarks/coldstart.py`'s run of
`app.cli.main` until the window is shown, `python -X importtime`, and CPU time (user + system) of
interleaved runs, which the shared machine's load inflates less than wall time; load 2.5-2.9):

- Found: the desktop path built the full verb parser, importing every `app.commands` module
  (`python -m app --version` took 560 ms); the cyclic garbage collector ran ~200 times (194
  young, 17 middle, 1 full collection: 70-115 ms) over the objects start-up creates; of what is
  left, the store package (SQLAlchemy core and ORM, the entity mappings, the facade) is about
  half of the profile to the first window, Qt's signature loader and first enum about 10 %,
  building the window (the case workspace's tabs) about 10 %, `prepare_runtime`'s full collection
  about 6 %.
- Changed: `app.cli.desktop_args` parses the desktop app's own options without loading the verbs
  (`--version` 560 -> 60 ms); `app.cli.main` pauses the collector until `launch.prepare_runtime`
  (which freezes and re-enables it) or until a verb runs; `prepare_runtime` no longer runs a full
  collection before the freeze (it walked ~140,000 objects for ~500 of garbage, ~120 KiB, now
  frozen with the rest: CPU time to the first window 0.65 -> 0.59 s, six interleaved runs, load 4). CPU time to the first window,
  median of six interleaved runs: 0.83 -> 0.75 s; wall time in the same runs is too noisy to
  quote (0.75-1.5 s at that load).
- Left: loading the store package after the window is shown (on the worker, with the unlock)
  would take about half of what remains off the first window. It needs the window's modules to
  stop importing it at module level: `app/ui/sync_service.py` (`Store`, `outbox`), `app/ui/main_window.py`
  (`security`), `app/models/store/search.py` through `caseload.py`/`table_models.py` (SQLAlchemy's
  `text`, and `migrations`, which imports the entities), and a lazy `app/models/store/__init__.py`.
- Key derivation, reported apart (deliberate, SQLCipher 4 defaults unchanged: PBKDF2-HMAC-SHA512,
  256,000 iterations): about 80 ms CPU for `PRAGMA key` and the first read. It runs on the
  worker after the window is shown, as does the page integrity check at unlock
  (`cipher_integrity_check`, every page's HMAC): 185 ms at 5,000 cases (84 MB), 1.04 s at
  20,000 (337 MB). A store closed cleanly also has its whole file hashed against the seal before
  unlocking (57 ms / 253 ms); the benchmark's working copies carry no seal file, so `make bench`'s
  unlock does not include that hash.

GUI thread, caseload and search, round 3 (issue #20; the GUI probe with `gc.callbacks` and the
probe's heartbeat gaps on one clock, py-spy, CPU time of interleaved samples; load 1-3):

- Found: every GUI gap over 35 ms in the probe's session coincided with a garbage collection on
  the worker. The caseload build pauses the collector (`deadlines._gc_paused`); re-enabling it
  left the build's ~200,000 new objects in the young generation, so the next allocation started a
  young collection over all of them (60 ms, holding the GIL); later full collections walked them
  again (40-70 ms). Changed: in the desktop app (`deadlines.freeze_after_builds`, set by
  `prepare_runtime`) what a build made is frozen as the build ends, as start-up's objects are.
  Cost: cyclic garbage alive at that moment is kept for the session (about 10,000 objects, 1-2 MB,
  counted by unfreezing and collecting at the end of the probe's session). Longest GUI gap over
  the probe's session: 74-98 ms before, 29-32 ms after (two runs each, load about 1).
- Found: PySide6 6.12.0 on Python 3.11 releases None once too often on every Qt call that returns
  a null pointer (`focusWidget()`, `activeModalWidget()`, `parentWidget()` of a window); the probe
  died with "Fatal Python error: none_dealloc" when a step polled for long (a refused unlock), and
  a long desktop session would too. Pinned PySide6 6.11.3 (`tests/ui/test_qt_none_refcount.py`).
- Caseload first screen: at unlock the caseload is sorted by name, so its first step now reads
  every case's name only (`Store.case_names`), picks the first 60 by the Name column's order
  (`table_models.first_screen_refs`) and reads those rows whole (`list_cases(refs=...)`); every
  row with its due dates follows in the second step as before ("Caseload complete"). About 58 ms
  -> 12 ms at 5,000 cases (load about 1). Also: `list_cases` sorts by reference in Python instead
  of `ORDER BY` (walking the reference index visited the table's rows out of order), covering
  indexes for the requirements and open flags it reads in order (migration v8), and the rows'
  requirement labels and badges worked out once per combination (13 and 11 at 5,000 cases).
- Search: a one-word query finds its cases in a case-level note index (migration v8: one
  contentless FTS5 row per case, rebuilt from the case's notes by triggers on every note write,
  the same two columns and disclosure rule as the note index). "app" is in half of all notes:
  the note index read 123,000 entries for it, the case index 5,000 (10 -> 2.6 ms CPU). Queries of
  several words still read the note index, because the words must be in one note; they are now
  the slowest ("rent arrears", "home visit", 5-8 ms). The matching ids are read as DB-API rows.
  Search p95: 29 ms in the last quiet run before, about 6 ms after (load about 1).

Changes made from these measurements (issue #8):

- `app/models/store/db.py`: a 64 MiB page cache per connection (`CACHE_KIB`; SQLite's default is 2 MiB).
  With the default, every large query re-read and re-decrypted its pages: search p95 was 3.4× the
  plain-SQLite time; with the cache the whole store is decrypted once per session and the ratio is
  about 1×. Cost: up to 64 MiB more resident memory (decrypted pages, only while unlocked). (Now 16 MiB:
  see the RSS notes above.)
- `Store.list_cases`: plain SQL rows instead of ORM rows (about 40% faster at 5,000 cases).
- `search.search_cases`: plain rows for the name pass, an ASCII fast path in `fold`, and distinct
  case ids straight from the matching notes (no join to `cases` per matching note). Same results.
- `db.export_plain_copy` / `db.open_plain_connection`: for the benchmarks only (the plain copy).
- GUI thread stalls found by the probe, each now guarded by a test:
  - `app/ui/launch.py` `prepare_runtime()`: once the window is built, `gc.collect()` + `gc.freeze()`.
    A full (generation 2) collection walked everything loaded at start and paused every thread
    for 60-100 ms; it fired during the caseload load.
  - `app/ui/workspace.py` imports the export preview with the window. Loading it (pypdfium2, print
    support) on the first Export click took about 70 ms on the GUI thread.
  - `app/settings.py` `write_behind`: the desktop app writes its settings file (the last case and
    tab, each write fsynced) on a background thread. On a busy disk the fsync on the GUI thread
    paused the window for 0.4-1.2 s when a case was opened.
  - `app/ui/main_window.py` `IdleWatcher` filters the top-level windows, where input arrives
    first, instead of the whole application. The application-wide Python filter ran, and took
    the GIL, for every paint and layout event of every widget.
  - `prepare_runtime()` also sets `sys.setswitchinterval(0.0005)`. While the worker renders a
    PDF, each Python call the GUI thread makes to repaint (model `data()`, widget overrides)
    waited up to CPython's default 5 ms for the GIL. Painting a freshly opened case during the
    export took 75-150 ms. After all five changes, three runs of the probe gave 50-76 ms.

Timings on a shared 2-core machine vary by up to 2× from run to run with other work running
(the load average is recorded with each run); compare runs made on a quiet machine.

**The issue 20 run below (2 December 2026) was made on a heavily loaded machine**: a load average
of about 24 on 2 cores (other engineers' test suites), disk I/O pressure 7 %. The contract PDF,
untouched by this work, took 1.50 s against 48.67 ms in the quiet issue #8 run (the version run
2.79 s against 92 ms): every absolute figure is some 10-30× what a quiet machine gives, and no
target can be judged from it. What can be read from it, because both sides ran under the same
load: caseload complete (3.21 s, due dates from the per-case cache) against the cold due dates
alone (17.41 s, the old cost of every caseload load); saving a note (1.36 s here, including its
fsync'd transaction) at 1,001 and 5,001 cases in the scale run (growth exponent 0.17: about
independent of the caseload); search growing at 0.6 (p95) with the caseload. The 20,000-case
size of `make bench-scale` was not run: building its store took longer than this session had
left at that load (10,750 of 20,000 cases after about 50 minutes, row at a time through the ORM;
the bulk load now builds it in about a minute); `make bench-scale` builds and caches it on its
first run. Re-run `make bench` and `make bench-scale` on a quiet machine before
judging the targets.

What each line measures:

- **Unlock**: `Store.open` (PBKDF2-HMAC-SHA512 with 256,000 iterations: slow on purpose) plus the
  first query.
- **Caseload first screen**: the first step of the caseload's two-step load
  (`app.ui.operations.load_caseload`): `Store.list_cases` + `build_caseload_rows`, which the table
  shows at once. **Caseload complete** is the second step's result: the same rows with every due
  date and overdue count (`deadlines.caseload_due` for the whole store, from the per-case cache
  once loaded), filled in when ready.
- **Search**: the caseload search (`app.models.store.search.search_cases`: names/references plus note text
  through FTS5) over words, prefixes as typed, accented names with and without accents, references.
- **Open a case workspace**: what the UI loads to open a case with 50 notes: `get_case`, `case_due`,
  `upw_progress`, `plan_versions`; cycling over 7 different cases.
- **Save one note**: what follows a saved note: `add_item` (its transaction, fsync and seal), that
  case's caseload row with its due dates (`get_case` + `case_due`, as `ops.load_caseload_rows`),
  and `caseload_due` brought up to date (one case worked out again); cycling over 7 cases.
- **Due dates, cold**: `deadlines.caseload_due` for the whole store with the cache emptied first.
- **PDFs**: `app.reports.render.render_document` (read the case, redact, lay out, render).
- **Sync**: queue N files in the outbox, then `sync_outbox` delivers them to a local temp folder
  (each file written, fsynced, verified and recorded; the queueing time is in the note).
- **Cold start**: from just before the process starts until the main window is shown (store
  unlocked), offscreen; `benchmarks/coldstart.py` wraps `QApplication.exec` from outside, so the app
  needs no benchmark code. The OS file cache is warm (dropping it needs root).
- **GUI thread longest block**: the real main window offscreen with a 10 ms `QTimer` heartbeat on
  the GUI thread; the longest gap between beats while it loads the caseload, searches, opens a case
  and exports a PDF (`benchmarks/gui_probe.py`).
- **Peak RSS**: peak resident set (VmHWM) of the GUI session (the GUI probe's app process), which
  the target is about; the note gives the benchmark process's (both stores open, all core work,
  the store itself built in a child) and the cold start's beside it.
- **Encrypted / plain**: for each query measured on both copies, encrypted time / plain time; the
  worst one is held to the target.
"""


def write_markdown(path: Path, out: dict[str, Any] | None, scale: dict[str, Any] | None = None) -> None:
    """docs/BENCHMARKS.md: the method, the latest `make bench` results (``out``) and the latest
    --scale run (``scale``; each read back from its JSON file when not given)."""
    lines = [DOC_HEAD]
    if out is not None:
        lines += _results_markdown(out)
    if scale is not None:
        lines += ["", *scale_markdown(scale)]
    _finish_markdown(path, lines)


def _results_markdown(out: dict[str, Any]) -> list[str]:
    mach = out["machine"]
    ds = out["dataset"]
    lines = ["## Latest results", "",
             f"Run {out['generated']} in {out['runtime_s']:g} s on {mach['cores']} cores ({mach['cpu']}), "
             f"{mach['platform']}, Python {mach['python']}, SQLite {mach['sqlite']}, SQLCipher {mach['sqlcipher']}. "
             f"Dataset: {ds['cases']} cases, {ds['notes']} notes. Load average (1 min) at start "
             f"{_load(mach, 'start')}, at end {_load(mach, 'end')}; disk I/O pressure (share of the last minute "
             f"spent waiting) {_pressure(mach)}: other work on the machine inflates times.", "",
             "| Measurement | Target | Measured (encrypted) | Plain SQLite | Ratio | Result |",
             "|---|---|---|---|---|---|"]
    for m in out["measurements"]:
        ratio = f"{m['ratio']:.2f}×" if m["ratio"] is not None else ""
        plain = _fmt(m["plain"], m["unit"]) if m["plain"] is not None else ""
        lines.append(f"| {m['label']} | {_target(m)} | {_fmt(m['value'], m['unit'])} | {plain} | {ratio} | "
                     f"{RESULT_TEXT.get(m['status'], m['status'])} |")
    lines += ["", "Notes:", ""]
    for m in out["measurements"]:
        if m["note"]:
            lines.append(f"- {m['label']}: {m['note']}")
    gui = next((m for m in out["measurements"] if m["key"] == "gui_max_block" and m["extra"].get("per_step")), None)
    if gui:
        lines += ["", "GUI probe, step by step (the store work runs on the window's worker thread; the gap is the",
                  "GUI thread's longest pause in that step):", "", "| Step | Took | Longest GUI gap |", "|---|---|---|"]
        for st in gui["extra"]["per_step"]:
            lines.append(f"| {st['step']} | {st['seconds']:g} s | {st['max_gap_ms']:g} ms |")
    return lines


def _finish_markdown(path: Path, lines: list[str]) -> None:
    # The packaged build is measured by packaging/bench_startup.py (it needs `make package`);
    # its write-up is kept in its own file and carried into this one, a level down.
    bundle = path.parent / "BENCHMARKS-bundle.md"
    if bundle.is_file():
        text = bundle.read_text(encoding="utf-8").replace("*(For the lead to merge into docs/BENCHMARKS.md.)*\n", "")
        lines += ["", *("#" + ln if ln.startswith("#") else ln for ln in text.splitlines())]
    # The team page's own write-up (benchmarks/team_bench.py), carried in as it is.
    team = path.parent / "BENCHMARKS-team.md"
    if team.is_file():
        lines += ["", *team.read_text(encoding="utf-8").rstrip("\n").splitlines()]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def parse_args(argv: list[str] | None) -> tuple[Config, bool]:
    p = argparse.ArgumentParser(prog="benchmarks.run", description=__doc__.splitlines()[0] if __doc__ else "")
    p.add_argument("--cases", type=int, default=5000)
    p.add_argument("--notes-per-case", type=int, default=50)
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--search-repeats", type=int, default=5)
    p.add_argument("--sync-files", type=int, default=500)
    p.add_argument("--work", type=Path, default=WORK)
    p.add_argument("--json", type=Path, default=RESULTS)
    p.add_argument("--markdown", type=Path, default=DOC)
    p.add_argument("--no-subprocess", action="store_true")
    p.add_argument("--scale", nargs="?", const=",".join(map(str, SCALE_SIZES)), default=None, metavar="N,N,...",
                   help="only the interactive measurements, at each number of cases (default 1000,5000,20000), "
                        "with the growth exponent between sizes")
    p.add_argument("--scale-json", type=Path, default=RESULTS_SCALE)
    p.add_argument("--quiet", action="store_true")
    p.add_argument("--build-only", action="store_true", help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.scale is not None and not all(x.strip().isdigit() and int(x) > 0 for x in a.scale.split(",")):
        p.error(f"--scale takes numbers of cases separated by commas, not {a.scale!r}")
    cfg = Config(cases=a.cases, notes_per_case=a.notes_per_case, repeats=a.repeats, search_repeats=a.search_repeats,
                 sync_files=a.sync_files, subprocesses=not a.no_subprocess, work=a.work, json_out=a.json,
                 markdown_out=a.markdown, progress=not a.quiet, scale_json_out=a.scale_json,
                 scale=tuple(int(x) for x in a.scale.split(",") if x.strip()) if a.scale else ())
    return cfg, a.build_only


def main(argv: list[str] | None = None) -> int:
    cfg, build_only = parse_args(argv)
    if build_only:
        _, facts = D.cached_store(cfg.work, D.Scale(cfg.cases, cfg.notes_per_case), progress=cfg.progress)
        print(f"store ready: {facts}", flush=True)
        return 0
    if cfg.scale:
        sc = run_scale(cfg)
        for r in sc["rows"]:
            vals = ", ".join("-" if v is None else f"{v:g}" for v in r["values"])
            print(f"{r['label']}: {vals} {r['unit']}; growth {r['growth']}")
        print(f"done in {sc['runtime_s']:g} s; results: {cfg.scale_json_out}")
        return 0
    out = Bench(cfg).run()
    s = out["summary"]
    print(f"done in {out['runtime_s']:g} s: {s['pass']} pass, {s['fail']} fail, {s['info']} info, "
          f"{s['not available']} not available, {s['skipped']} skipped, {s['error']} error")
    if cfg.json_out:
        print(f"results: {cfg.json_out}")
    if cfg.markdown_out:
        print(f"table: {cfg.markdown_out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
