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
        from app.models.store import db
        from app.models.store import Store

        enc = self.open_encrypted()
        try:
            t = time.perf_counter()
            db.export_plain_copy(enc._conn, self.plain_path)
            self.facts["plain_copy_s"] = round(time.perf_counter() - t, 2)
            refs = enc.case_references()
            self.refs = [r for r in refs if r != D.BIG_REVIEW_REF]
            self.contract = next((r for r in self.refs if enc.get_case(r).get("contract")), D.BIG_REVIEW_REF)
            self.facts["cases"] = len(refs)
            self.facts["notes"] = enc._conn.execute("SELECT count(*) FROM notes").fetchone()[0]
        finally:
            enc.close()  # one Casebook at a time per store: the unlock and app probes open it themselves
        self.plain = Store(self.plain_path, db.open_plain_connection(self.plain_path), "", clock=D.clock(),
                           actor="benchmark")
        assert db.is_plain_sqlite(self.plain_path) and not db.is_plain_sqlite(self.enc_path)
        self.log(f"store: {self.facts['cases']} cases, {self.facts['notes']} notes, "
                 f"{facts.get('file_mb')} MB; plain copy in {self.facts['plain_copy_s']} s")

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
        enc_fn, plain_fn = make(self.enc), make(self.plain)
        enc_fn()
        plain_fn()
        enc: list[float] = []
        plain: list[float] = []
        for _ in range(n):
            enc += ms_samples(enc_fn, 1, warmup=0)
            plain += ms_samples(plain_fn, 1, warmup=0)
        m.value, m.plain, m.samples = median(enc), median(plain), n

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
        """The caseload's first step (ops.load_caseload): rows without due dates, shown at once."""
        tm = need("app.ui.table_models")
        today = self.today
        self.both(m, lambda s: lambda: tm.build_caseload_rows(s.list_cases(), [], [], today))
        m.note = ("the caseload's first step (app.ui.operations.load_caseload): list_cases + "
                  "build_caseload_rows; the due columns are filled in by the second step")

    def m_unlock(self, m: Measurement) -> None:
        from app.models.store import db
        from app.models.store import Store

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
        for q in SEARCH_QUERIES:
            enc_fn = functools.partial(search, self.enc, q)
            plain_fn = functools.partial(search, self.plain, q)
            enc_fn()
            plain_fn()
            xs: list[float] = []
            for _ in range(self.cfg.search_repeats):
                xs += ms_samples(enc_fn, 1, warmup=0)
                per_store["plain"] += ms_samples(plain_fn, 1, warmup=0)
            per_store["enc"] += xs
            slowest[q] = median(xs)
        for m, p in ((p50, 50), (p95, 95)):
            m.value = percentile(per_store["enc"], p)
            m.plain = percentile(per_store["plain"], p)
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
        deadlines = need("app.models.rules.deadlines")
        today = self.today
        self.both(m, lambda s: lambda: deadlines.caseload_due(s, today), repeats=max(3, self.cfg.repeats // 2))
        items, warnings = deadlines.caseload_due(self.enc, today)
        m.note = f"{self.facts['cases']} cases -> {len(items)} due items, {len(warnings)} warnings"

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
        self.child_rss_mb["app GUI session"] = round(data["vmhwm_kb"] / 1024, 1)
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
            self.measure(M("caseload_first_screen", "Caseload first screen (rows, before due dates)", "ms", 100),
                         self.m_rows_only)
            self.measure(M("caseload_with_due", "Caseload complete (rows with due dates)", "ms"), self.m_caseload)
            p50 = M("search_p50", "Search p50", "ms")
            p95 = M("search_p95", "Search p95", "ms", 50)

            def both_search(_m: Measurement) -> None:
                self.m_search(p50, p95)
            self.measure(p50, both_search)
            if p50.status in ("error", "not available"):
                p95.status, p95.note = p50.status, p50.note
                self.results.append(p95)
            else:
                self.results.append(p95.settle())
            self.measure(M("open_case", "Open a case workspace", "ms", 150), self.m_open_case)
            self.measure(M("due_dates", f"Due dates, whole caseload ({self.facts['cases']} cases)", "ms", 1000),
                         self.m_due)
            self.measure(M("contract_pdf", "Contract PDF", "ms", 200),
                         lambda m: self.m_pdf(m, "contract", self.contract, cfg.repeats))
            self.measure(M("review_pdf_20_pages", "Review PDF (~20 pages)", "ms"),
                         lambda m: self.m_pdf(m, "review", D.BIG_REVIEW_REF, max(3, cfg.repeats // 2)))
            self.measure(M("plan_pdf", "Plan PDF (large plan)", "ms"),
                         lambda m: self.m_pdf(m, "plan", D.BIG_REVIEW_REF, max(3, cfg.repeats // 2)))
            self.measure(M("sync_files", f"Sync {cfg.sync_files} files", "ms"), self.m_sync)
            window = M("cold_start_window", "Cold start to first window", "ms", 2000)
            version = M("cold_start_version", "Cold start: python -m app --version", "ms")
            self.enc.close()  # the app children open the store themselves
            if cfg.subprocesses:
                self.measure(window, lambda m: self.m_cold_start(m, version))
                self.results.append(version)
                self.measure(M("gui_max_block", "GUI thread longest block", "ms", 100), self.m_gui)
                team_bench.add_to(self, M)
            else:
                team_bench.add_to(self, M, subprocesses=False)
                for m in (window, version, M("gui_max_block", "GUI thread longest block", "ms", 100)):
                    m.status, m.note = "skipped", "child processes disabled (--no-subprocess)"
                    self.results.append(m)
        finally:
            self.close()
        self.add_ratio()
        self.add_rss()
        return self.report(time.perf_counter() - started)

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
        own = round(vmhwm_kb() / 1024, 1)
        rss = {"benchmark process (core work, both stores open)": own, **self.child_rss_mb}
        worst = max(rss, key=lambda k: rss[k])
        m = Measurement("peak_rss", "Peak RSS", "MB", 300, value=rss[worst], samples=len(rss))
        m.extra["rss_mb"] = rss
        m.note = f"max over {', '.join(f'{k} {v:g} MB' for k, v in rss.items())}"
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
            write_markdown(self.cfg.markdown_out, out)
        return out


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

Options: `--cases N --notes-per-case N` (other scales, cached separately), `--repeats N`,
`--no-subprocess` (skip the store-build child, cold start and GUI probes), `--json PATH`,
`--markdown PATH`. Benchmarks are not part of `make test`; `tests/test_bench_smoke.py` runs the
harness at 20 cases to prove it works.

Changes made from these measurements (issue #8):

- `app/models/store/db.py`: a 64 MiB page cache per connection (`CACHE_KIB`; SQLite's default is 2 MiB).
  With the default, every large query re-read and re-decrypted its pages: search p95 was 3.4× the
  plain-SQLite time; with the cache the whole store is decrypted once per session and the ratio is
  about 1×. Cost: up to 64 MiB more resident memory (decrypted pages, only while unlocked).
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

What each line measures:

- **Unlock**: `Store.open` (PBKDF2-HMAC-SHA512 with 256,000 iterations: slow on purpose) plus the
  first query.
- **Caseload first screen**: the first step of the caseload's two-step load
  (`app.ui.operations.load_caseload`): `Store.list_cases` + `build_caseload_rows`, which the table
  shows at once. **Caseload complete** is the second step's result: the same rows with every due
  date and overdue count (`deadlines.caseload_due` for the whole store), filled in when ready.
- **Search**: the caseload search (`app.models.store.search.search_cases`: names/references plus note text
  through FTS5) over words, prefixes as typed, accented names with and without accents, references.
- **Open a case workspace**: what the UI loads to open a case with 50 notes: `get_case`, `case_due`,
  `upw_progress`, `plan_versions`; cycling over 7 different cases.
- **Due dates**: `deadlines.caseload_due` for the whole store.
- **PDFs**: `app.reports.render.render_document` (read the case, redact, lay out, render).
- **Sync**: queue N files in the outbox, then `sync_outbox` delivers them to a local temp folder
  (each file written, fsynced, verified and recorded; the queueing time is in the note).
- **Cold start**: from just before the process starts until the main window is shown (store
  unlocked), offscreen; `benchmarks/coldstart.py` wraps `QApplication.exec` from outside, so the app
  needs no benchmark code. The OS file cache is warm (dropping it needs root).
- **GUI thread longest block**: the real main window offscreen with a 10 ms `QTimer` heartbeat on
  the GUI thread; the longest gap between beats while it loads the caseload, searches, opens a case
  and exports a PDF (`benchmarks/gui_probe.py`).
- **Peak RSS**: peak resident set (VmHWM) of the benchmark process (both stores open, all core work,
  the store itself built in a child) and of each app child process (cold start, GUI session).
- **Encrypted / plain**: for each query measured on both copies, encrypted time / plain time; the
  worst one is held to the target.
"""


def write_markdown(path: Path, out: dict[str, Any]) -> None:
    mach = out["machine"]
    ds = out["dataset"]
    lines = [DOC_HEAD, "## Latest results", "",
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
    # The packaged build is measured by packaging/bench_startup.py (it needs `make package`);
    # its write-up is kept in its own file and carried into this one, a level down.
    bundle = path.parent / "BENCHMARKS-bundle.md"
    if bundle.is_file():
        text = bundle.read_text(encoding="utf-8").replace("*(For the lead to merge into docs/BENCHMARKS.md.)*\n", "")
        lines += ["", *("#" + ln if ln.startswith("#") else ln for ln in text.splitlines())]
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
    p.add_argument("--quiet", action="store_true")
    p.add_argument("--build-only", action="store_true", help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    cfg = Config(cases=a.cases, notes_per_case=a.notes_per_case, repeats=a.repeats, search_repeats=a.search_repeats,
                 sync_files=a.sync_files, subprocesses=not a.no_subprocess, work=a.work, json_out=a.json,
                 markdown_out=a.markdown, progress=not a.quiet)
    return cfg, a.build_only


def main(argv: list[str] | None = None) -> int:
    cfg, build_only = parse_args(argv)
    if build_only:
        _, facts = D.cached_store(cfg.work, D.Scale(cfg.cases, cfg.notes_per_case), progress=cfg.progress)
        print(f"store ready: {facts}", flush=True)
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
