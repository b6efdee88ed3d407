"""Child process: does the GUI thread ever block?  ``python -m benchmarks.gui_probe STORE PASSPHRASE OUT REF``

Runs the real ``MainWindow`` offscreen with a 10 ms ``QTimer`` heartbeat on the GUI thread
and drives it like a person would: unlock and load the caseload, type searches, open a
case, export a PDF.  A 5 ms poll (also on the GUI thread) moves to the next step when the
window's worker is idle and the step's own condition holds.  Writes JSON to OUT: the
longest gap between heartbeats overall and per step, and the step timings.

Exit 5 when the window lacks what the probe drives (reported as "not available").
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.proc import vmhwm_kb

NOT_AVAILABLE = 5
STEP_TIMEOUT_S = 90.0
SEARCHES = ["housing", "Màiri", "app", "CPO-2026-01"]


class Probe:
    def __init__(self, window: Any, app: Any, out: Path, ref: str, export_dir: Path) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.window, self.app, self.out, self.ref, self.export_dir = window, app, out, ref, export_dir
        self.steps: list[tuple[str, Callable[[], None], Callable[[], bool]]] = []
        self.results: list[dict[str, Any]] = []
        self.max_gap = 0.0
        self.step_gap = 0.0
        self.beats = 0
        self.last = time.perf_counter()
        self.flags: dict[str, bool] = {}
        self.modals: set[str] = set()
        self.long_gaps: list[dict[str, Any]] = []
        self.heart = QTimer()
        self.heart.setTimerType(Qt.TimerType.PreciseTimer)
        self.heart.setInterval(10)
        self.heart.timeout.connect(self.beat)
        self.poller = QTimer()
        self.poller.setInterval(5)
        self.poller.timeout.connect(self.poll)
        self.current = -1
        self.started = 0.0

    def beat(self) -> None:
        now = time.perf_counter()
        gap = (now - self.last) * 1000
        self.last = now
        self.beats += 1
        self.max_gap = max(self.max_gap, gap)
        self.step_gap = max(self.step_gap, gap)
        if gap > 50 and self.current < len(self.steps):
            self.long_gaps.append({"step": self.steps[self.current][0], "gap_ms": round(gap, 1),
                                   "ended_at_s": round(now - self.started, 3)})

    def idle(self) -> bool:
        tasks = self.window.ctx.tasks
        return int(getattr(tasks, "pending", 0)) == 0

    def start(self) -> None:
        self.last = time.perf_counter()
        self.heart.start()
        self.poller.start()
        self.next_step()

    def next_step(self) -> None:
        self.current += 1
        if self.current >= len(self.steps):
            self.finish()
            return
        name, action, _ = self.steps[self.current]
        self.step_gap = 0.0
        self.started = time.perf_counter()
        action()

    def poll(self) -> None:
        modal = self.app.activeModalWidget()
        if modal is not None:  # a preview or message box: note it and close it
            self.modals.add(type(modal).__name__)
            modal.close()
        name, _, done = self.steps[self.current]
        elapsed = time.perf_counter() - self.started
        if (self.idle() and done()) or elapsed > STEP_TIMEOUT_S:
            self.results.append({"step": name, "seconds": round(elapsed, 3), "max_gap_ms": round(self.step_gap, 1),
                                 "timed_out": elapsed > STEP_TIMEOUT_S})
            self.next_step()

    def finish(self) -> None:
        self.heart.stop()
        self.poller.stop()
        worst = max(self.results, key=lambda r: r["max_gap_ms"]) if self.results else None
        data = {"max_gap_ms": round(self.max_gap, 1), "beats": self.beats,
                "steps": [r["step"] for r in self.results], "per_step": self.results,
                "worst_step": worst["step"] if worst else None, "modals_closed": sorted(self.modals),
                "exported_files": len(list(self.export_dir.iterdir())),
                "gaps_over_50_ms": sorted(self.long_gaps, key=lambda g: -g["gap_ms"])[:10],
                "vmhwm_kb": vmhwm_kb()}
        self.out.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
        self.app.quit()


def fake_prompts(base: type, export_dir: Path) -> Any:
    """The window's dialog seam, answered without showing anything."""

    class Quiet(base):  # type: ignore[misc, valid-type]
        messages: list[str] = []

        def info(self, message: str) -> None:
            self.messages.append(message)

        warn = error = info

        def confirm(self, message: str) -> bool:
            return True

        def ask_save_discard(self, message: str) -> str:
            return "discard"

        def ask_text(self, message: str, text: str = "") -> str | None:
            return text or None

        def save_file(self, caption: str, filter: str = "") -> str | None:
            return str(export_dir / f"export-{len(list(export_dir.iterdir()))}.pdf")

        def choose_folder(self, caption: str) -> str | None:
            return str(export_dir)

    return Quiet()


def main(argv: list[str]) -> int:
    store, passphrase, out, ref = argv
    from PySide6.QtWidgets import QApplication

    try:
        from app.ui.context import AppContext
        from app.ui.main_window import MainWindow
        from app.ui.prompts import Prompts
        from app.ui.tasks import Tasks
    except ImportError as exc:
        print(f"the desktop UI is not in this build: {exc}", file=sys.stderr)
        return NOT_AVAILABLE
    app = QApplication.instance() or QApplication([])
    export_dir = Path(tempfile.mkdtemp(prefix="casebook-bench-export-"))
    try:
        from app.settings import Settings

        ctx = AppContext(tasks=Tasks(), prompts=fake_prompts(Prompts, export_dir), settings=Settings(write_behind=True))
        window = MainWindow(ctx, idle_ms=24 * 3600 * 1000)
        ctx.tasks.setParent(window)
        ctx.prompts.parent = window
        caseload, workspace = window.caseload, window.workspace
        needed = [caseload.search, caseload.model, caseload.filtered, window.start_with, window.open_case,
                  window.case_opened, workspace._export]
    except (AttributeError, TypeError, ImportError) as exc:
        print(f"the main window lacks what the GUI probe drives: {exc}", file=sys.stderr)
        return NOT_AVAILABLE
    del needed
    try:
        from app.ui.launch import prepare_runtime
    except ImportError:
        pass
    else:
        prepare_runtime()  # as ``launch`` does once the window is built
    probe = Probe(window, app, Path(out), ref, export_dir)
    flags = probe.flags

    def on(signal: Any, key: str) -> None:
        signal.connect(lambda *_: flags.__setitem__(key, True))

    on(caseload.filtered, "filtered")
    on(window.case_opened, "opened")

    def clear(*keys: str) -> None:
        for k in keys:
            flags.pop(k, None)

    def unlock() -> None:
        clear("filtered")
        window.start_with(Path(store), passphrase)

    probe.steps.append(("unlock and load the caseload", unlock,
                        lambda: flags.get("filtered", False) and caseload.model.rowCount() > 0))
    for text in SEARCHES:
        def typed(text: str = text) -> None:
            clear("filtered")
            caseload.search.setText(text)

        def searched() -> bool:
            debounce = getattr(caseload, "debounce", None)
            return flags.get("filtered", False) and not (debounce is not None and debounce.isActive())
        probe.steps.append((f"search {text!r}", typed, searched))

    def clear_search() -> None:
        clear("filtered")
        caseload.search.setText("")
    probe.steps.append(("clear the search", clear_search, lambda: flags.get("filtered", False)))

    def open_case() -> None:
        clear("opened")
        window.open_case(ref)
    probe.steps.append((f"open case {ref}", open_case, lambda: flags.get("opened", False)))

    def export() -> None:
        workspace._export("contract", "officer")
    probe.steps.append(("export the contract PDF", export, lambda: True))

    window.show()
    probe.start()
    app.exec()
    if not Path(out).is_file():
        return 1
    for step in json.loads(Path(out).read_text(encoding="utf-8"))["per_step"]:
        if step["timed_out"]:
            print(f"step timed out: {step['step']}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
