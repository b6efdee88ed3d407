"""Team page at scale (issue 16): 100 officers x 50 cases of status packets in one folder.

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m benchmarks.team_bench [--officers N] [--cases N]
        [--repeats N] [--out FILE.json]

Generates a team folder: one real manager store, ``officers`` officer identities (age X25519 +
Ed25519, as ``app.team.identity`` makes them) each with a signed card and one signed status
packet of ``cases`` synthetic cases (7-10 due items each, the packet format of
``app.team.status``) encrypted to the manager.  Then, in an offscreen ``QApplication``:

* **open**: ``TeamPage.reload()`` until ``loaded`` is emitted and the page has painted (keys on
  the store worker, listing, decrypting, verifying and building rows on the page's thread, the
  models and charts on the GUI thread).  The first open also pins every card (reported apart).
* **filter**: each quick filter and the officer filter, on and off: ``apply_filters`` plus the
  repaint.

``benchmarks.run`` runs this as a child process (``m_team``) and records it next to the
single-store caseload of the same run.  Targets: open <= 1 s, filter <= 50 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

OPEN_TARGET_MS = 1000.0
FILTER_TARGET_MS = 50.0
PASSPHRASE = "team benchmark passphrase – synthetic"
TODAY = dt.date(2026, 11, 23)
SEED = 16
KINDS = ("first_meeting", "assessment", "plan_review", "departmental_review", "upw_start", "upw_completion",
         "progress_review_report", "order_end", "warning_letter", "victim_safety_plan_review")
GIVEN = ("Màiri", "Ciarán", "Zoë", "Eilidh", "Dòmhnall", "Siobhán", "Aonghas", "Kasia", "Ruairidh", "Fiona")
FAMILY = ("MacLeòid", "O'Neill", "Wiśniewska", "Campbell", "Nic a' Phearsain", "Kowalski", "Stewart", "Reid")
REQS = ("offender_supervision", "unpaid_work_or_other_activity", "programme", "conduct")


def _case(rng: random.Random, officer: int, n: int) -> dict[str, Any]:
    ref = f"CPO-{2024 + n % 3}-{officer:03d}{n:02d}"
    imposed = TODAY - dt.timedelta(days=rng.randint(10, 500))
    due = []
    for k in rng.sample(KINDS, rng.randint(7, 10)):
        day = imposed + dt.timedelta(days=rng.randint(5, 700))
        done = day - dt.timedelta(days=rng.randint(-5, 5)) if day < TODAY and rng.random() < 0.8 else None
        st = ("done" if done <= day else "met_late") if done else ("open" if day >= TODAY else "overdue")
        due.append({"kind": k, "due_on": day.isoformat(), "status": st, "done_on": done and done.isoformat(),
                    "label": k.replace("_", " ").capitalize()})
    reqs = [{"kind": r, "hours": 120 if r == REQS[1] else None, "months": 12 if r == REQS[0] else None}
            for r in rng.sample(REQS, rng.randint(1, 3))]
    dob = TODAY - dt.timedelta(days=rng.randint(16 * 365, 60 * 365))
    return {"reference": ref, "name": f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}", "date_of_birth": dob.isoformat(),
            "requirements": reqs, "intensity": rng.choice(("high", "medium", "low")), "order_status": "active",
            "ends_on": (imposed + dt.timedelta(days=730)).isoformat(), "archived": False,
            "flags": ["domestic_abuse"] if rng.random() < 0.2 else [], "due": due,
            "overdue": sum(1 for d in due if d["status"] == "overdue"),
            "last_contact": (TODAY - dt.timedelta(days=rng.randint(0, 40))).isoformat(),
            "upw": None, "pending_handovers": []}


def build_folder(root: Path, officers: int, cases: int) -> tuple[Path, Path]:
    """(manager store, shared folder) with every officer's card and status packet."""
    import pyrage
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from app.models.rules.clock import Clock
    from app.models.store import Store
    from app.team import cards, identity, layout, status

    share = root / "share"
    share.mkdir(parents=True)
    store_path = root / "manager.cbk"
    with Store.create(store_path, PASSPHRASE, clock=Clock.fixed(TODAY)) as manager:
        me = identity.ensure(manager, "Team Manager (synthetic)")
        cards.publish_card(manager, share)
    rng = random.Random(SEED)
    where_cards = layout.officers_dir(share)
    where_packets = status.status_dir(share, me.officer_id)
    where_packets.mkdir(parents=True)
    now = dt.datetime.combine(TODAY, dt.time(8, 0), tzinfo=dt.UTC)
    for i in range(officers):
        oid = identity.new_officer_id()
        age = pyrage.x25519.Identity.generate()
        key = Ed25519PrivateKey.generate()
        recipient = str(age.to_public())
        signing = identity.signing_public(key.private_bytes_raw().hex())
        body = {"format": cards.CARD_FORMAT, "officer_id": oid, "recipient": recipient, "signing_key": signing,
                "fingerprint": identity.fingerprint(oid, recipient, signing),
                "published": now.isoformat(timespec="seconds")}
        card = cards._canonical({"card": body, "signature": key.sign(cards._canonical(body)).hex()}) + b"\n"
        (where_cards / (layout.stem(oid, now) + layout.CARD_EXT)).write_bytes(card)
        synced = now - dt.timedelta(days=rng.choice((0, 0, 0, 1, 2, 9)))
        packet = {"format": status.STATUS_FORMAT, "officer_id": oid, "officer_name": f"Officer {i:03d} (synthetic)",
                  "manager_id": me.officer_id, "today": TODAY.isoformat(),
                  "laptop": {"last_sync": synced.isoformat(timespec="seconds"), "last_copy": None,
                             "outbox_waiting": rng.randint(0, 3)},
                  "cases": [_case(rng, i, n) for n in range(cases)], "warnings": []}
        data = status.seal_packet(packet, key, me.recipient)
        (where_packets / (layout.stem(oid, synced) + status.STATUS_EXT)).write_bytes(data)
    return store_path, share


def measure(officers: int = 100, cases: int = 50, repeats: int = 5) -> dict[str, Any]:
    from PySide6.QtWidgets import QApplication

    from app.models.rules.clock import Clock
    from app.models.store import Store
    from app.settings import Settings
    from app.ui.context import AppContext
    from app.ui.prompts import Prompts
    from app.ui.tasks import Tasks
    from app.ui.team_page import TeamPage

    app = QApplication.instance() or QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory(prefix="casebook-bench-team-") as tmp:
        t0 = time.perf_counter()
        store_path, share = build_folder(Path(tmp), officers, cases)
        generate_s = time.perf_counter() - t0
        packet_bytes = sum(p.stat().st_size for p in share.rglob("*.status.age"))
        store = Store.open(store_path, PASSPHRASE, clock=Clock.fixed(TODAY))
        tasks = Tasks()
        ctx = AppContext(tasks=tasks, prompts=Prompts(), settings=Settings(), clock=Clock.fixed(TODAY), store=store)
        page = TeamPage(ctx, folder=share)
        page.resize(1366, 800)
        page.show()
        app.processEvents()

        def open_once() -> float:
            done: list[Any] = []
            page.loaded.connect(done.append)
            start = time.perf_counter()
            page.reload()
            while not done:
                app.processEvents()
                time.sleep(0.0005)
            app.processEvents()  # the repaint of the rows and charts
            elapsed = (time.perf_counter() - start) * 1000
            page.loaded.disconnect()
            return elapsed

        first = open_once()
        while tasks.pending:  # the first open pins every card through the store worker
            app.processEvents()
            time.sleep(0.001)
        opens = [open_once() for _ in range(repeats)]
        rows = page.case_model.rowCount()
        assert rows == officers * cases, f"{rows} rows, expected {officers * cases}"
        assert not page.view_data or not page.view_data.problems, page.view_data.problems

        filters: dict[str, list[float]] = {}

        def timed(name: str, action: Any) -> None:
            start = time.perf_counter()
            action()
            app.processEvents()
            filters.setdefault(name, []).append((time.perf_counter() - start) * 1000)

        for _ in range(repeats):
            for key, cb in page.filters.items():
                timed(f"{key} on", lambda cb=cb: cb.setChecked(True))
                timed(f"{key} off", lambda cb=cb: cb.setChecked(False))
            timed("officer on", lambda: page.officer_filter.setCurrentIndex(officers // 2))
            timed("officer off", lambda: page.officer_filter.setCurrentIndex(0))
        flat = [x for xs in filters.values() for x in xs]
        page.stop()
        tasks.stop()
        store.close()
        page.deleteLater()
        app.processEvents()
    return {
        "officers": officers, "cases_per_officer": cases, "cases": officers * cases, "repeats": repeats,
        "generate_s": round(generate_s, 2), "packet_mb": round(packet_bytes / 1e6, 2),
        "first_open_ms": round(first, 1),
        "open_ms": round(statistics.median(opens), 1), "open_max_ms": round(max(opens), 1),
        "filter_ms": round(statistics.median(flat), 1), "filter_p95_ms": round(sorted(flat)[int(0.95 * (len(flat) - 1))], 1),
        "filter_max_ms": round(max(flat), 1),
        "filter_by_kind_ms": {k: round(statistics.median(v), 1) for k, v in filters.items()},
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="benchmarks.team_bench", description=__doc__.splitlines()[0] if __doc__ else "")
    p.add_argument("--officers", type=int, default=100)
    p.add_argument("--cases", type=int, default=50)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--out", type=Path)
    args = p.parse_args(argv)
    result = measure(args.officers, args.cases, args.repeats)
    text = json.dumps(result, indent=2)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


# ---------------------------------------------------------------------- in ``make bench``
OPEN_KEY, FILTER_KEY = "team_page_open", "team_page_filter"


def add_to(bench: Any, measurement: Any, subprocesses: bool = True) -> None:
    """Run this benchmark as a child of ``benchmarks.run`` and add its two measurements
    (``measurement`` is ``benchmarks.run.Measurement``), next to the single-store caseload."""
    open_m = measurement(OPEN_KEY, "Team page open (100 officers x 50 cases = 5,000 cases)", "ms", OPEN_TARGET_MS)
    filter_m = measurement(FILTER_KEY, "Team page filter, p95 (5,000 cases)", "ms", FILTER_TARGET_MS)
    if not subprocesses:
        for m in (open_m, filter_m):
            m.status, m.note = "skipped", "child processes disabled (--no-subprocess)"
            bench.results.append(m)
        return

    def body(m: Any) -> None:
        import os
        import subprocess

        with tempfile.TemporaryDirectory(prefix="casebook-bench-team-") as tmp_s:
            out = Path(tmp_s) / "team.json"
            env = bench.child_env(Path(tmp_s))
            repeats = str(max(3, bench.cfg.repeats // 2))
            proc = subprocess.run([sys.executable, "-m", "benchmarks.team_bench", "--out", str(out),
                                   "--repeats", repeats], cwd=Path(__file__).resolve().parent.parent,
                                  env={**env, "PYTHONPATH": env.get("PYTHONPATH", os.getcwd())},
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=1200)
            if proc.returncode != 0 or not out.is_file():
                tail = proc.stderr.decode(errors="replace").strip().splitlines()[-1:] or [""]
                raise RuntimeError(f"team benchmark failed (exit {proc.returncode}): {tail[0][:200]}")
            data = json.loads(out.read_text(encoding="utf-8"))
        caseload = next((r.value for r in bench.results if r.key == "caseload_with_due"), None)
        m.value, m.samples = data["open_ms"], data["repeats"]
        m.extra.update(data)
        m.note = (f"median of {data['repeats']} opens, max {data['open_max_ms']:g} ms; the first open also pins "
                  f"every card: {data['first_open_ms']:g} ms; packets {data['packet_mb']:g} MB; single-store "
                  f"caseload complete (5,000 cases) in the same run: {caseload if caseload is not None else '-'} ms")
        filter_m.value, filter_m.samples = data["filter_p95_ms"], data["repeats"] * 10
        filter_m.note = f"median {data['filter_ms']:g} ms, max {data['filter_max_ms']:g} ms over each quick filter " \
                        "and the officer filter, on and off (filter + repaint)"

    bench.measure(open_m, body)
    if open_m.status in ("error", "not available"):
        filter_m.status, filter_m.note = open_m.status, open_m.note
        bench.results.append(filter_m)
    else:
        bench.results.append(filter_m.settle())
