"""The deterministic synthetic store the benchmarks run on (cached under benchmarks/work/).

Cases come from ``app.models.demo`` with a fixed seed, a fixed "today" and a fixed number
of notes per case, plus one large case (``BIG_REVIEW_REF``) whose review and plan run to
about twenty pages.  The first batch goes through ``Store.import_bundle`` (full schema
validation, proving the generator's output is a valid bundle); the rest are bulk-loaded
(``app.models.store.bulk.add_cases``: the rows ``bundle.build_case`` would give, checked
with ``check_case_rules``, written with one Core ``executemany`` per table in one
transaction per batch).  The rows, ids and audit events are the same as the old path's
(``build_case`` and an ORM flush per batch, ``orm=True``; tests/test_bench_dataset.py
compares them), so the cache key did not change.  At 5,000 cases the build went from
55 s to 12 s (load average about 1); the 20,000-case store of ``make bench-scale`` builds
in about a minute.

The cache key includes the generator version, the scale, the seed and a hash of the
schema DDL and of app/models/demo.py, so a changed schema (say, a new index in migration
v1) or demo generator rebuilds the store.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import random
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.models import demo
from app.models.demo import demo_bundle
from app.models.rules.clock import Clock
from app.models.store import Store, bulk
from app.models.store import bundle as B
from app.models.store.migrations import FTS_DDL, schema_ddl

GENERATOR_VERSION = 2
TODAY = dt.date(2026, 11, 23)
SEED = 20261123
PASSPHRASE = "benchmark passphrase (synthetic data only)"
BIG_REVIEW_REF = "BENCH-REVIEW-20"
BATCH = 250


@dataclass(frozen=True)
class Scale:
    cases: int
    notes_per_case: int

    @property
    def label(self) -> str:
        return f"{self.cases}x{self.notes_per_case}"


def cache_key(scale: Scale) -> str:
    schema = "\n".join(schema_ddl() + list(FTS_DDL))
    source = Path(demo.__file__).read_text(encoding="utf-8")  # a changed demo generator rebuilds too
    digest = hashlib.sha256((schema + source).encode()).hexdigest()[:10]
    return f"store-g{GENERATOR_VERSION}-{scale.label}-s{SEED}-{digest}"


def clock() -> Clock:
    return Clock.fixed(TODAY)


LONG_NOTES = [
    "Home visit: talked through the week, the rent arrears plan and the appointment with the housing officer. "
    "He brought the letters from the council and we went through each one; agreed he will phone them on Monday "
    "and bring the reply to the next appointment. Unpaid work placement going well according to the supervisor.",
    "Office appointment: reviewed the drinking diary (three days over the agreed limit, all at the weekend). "
    "Discussed triggers and what helped on the good weeks; he agreed to try the Thursday football group again "
    "and to keep the diary for another month. Next appointment booked for the same time next week.",
    "Phone call: appointment rearranged because of a GP appointment (letter seen at the last visit). "
    "Reminded him of the unpaid work session on Saturday and the bus route to the community garden.",
    "Agency liaison: spoke with Community Learning and Development about the literacy group; a place is "
    "available from next month and attendance can count as other activity hours under the order.",
]


def big_review_case(today: dt.date = TODAY) -> dict[str, Any]:
    """One case whose latest review covers enough contacts and goals for a ~20-page review PDF."""
    rng = random.Random(SEED + 1)
    imposed = dt.date(2026, 1, 12)
    goals = []
    areas = ["accommodation", "employment_and_learning", "finances_and_benefits", "relationships_and_family",
             "health_and_wellbeing", "substance_use", "attitudes_and_thinking", "victim_awareness", "leisure"]
    for g in range(20):
        goals.append({
            "id": f"G{g + 1}",
            "need_area": areas[g % len(areas)],
            "description": f"Goal {g + 1}: work on {areas[g % len(areas)].replace('_', ' ')} with agreed steps "
                           "and support from the agencies named in the plan.",
            "measure": "Agreed evidence brought to the review (letters, attendance records, diary).",
            "achievable": "Broken into small steps agreed at supervision.",
            "realistic": "Support from Community Learning and Development and Housing Options.",
            "target_date": (imposed + dt.timedelta(days=120 + 7 * g)).isoformat(),
            "status": "in_progress",
            "agreed_with_individual": True,
            "actions": [{"description": f"Step {a + 1} towards goal {g + 1}", "owner": "individual",
                         "due_on": (imposed + dt.timedelta(days=30 + 10 * a)).isoformat()} for a in range(3)],
            "progress": [{"date": (imposed + dt.timedelta(days=20 + 15 * p)).isoformat(),
                          "text": LONG_NOTES[p % len(LONG_NOTES)], "sensitivity": "ordinary"} for p in range(4)],
        })
    notes = []
    for n in range(200):
        day = imposed + dt.timedelta(days=2 + (n * 3) // 2)
        if day > today:
            break
        notes.append({"date": day.isoformat(), "kind": rng.choice(["home_visit", "office", "phone", "agency_liaison"]),
                      "text": LONG_NOTES[n % len(LONG_NOTES)], "sensitivity": "ordinary"})
    held = dt.date(2026, 11, 16)
    review_text = " ".join(LONG_NOTES)
    return {
        "reference": BIG_REVIEW_REF,
        "individual": {"given_names": "Màiri", "family_name": "Nic a' Phearsain", "date_of_birth": "1991-04-02",
                       "address": "Flat 2/1, 12 Example Street, Paisley PA1 1AA", "phone": "07700 900123"},
        "order": {"court": "Paisley Sheriff Court", "imposed_on": imposed.isoformat(),
                  "ends_on": dt.date(2027, 7, 11).isoformat(), "responsible_officer": "Demo Officer A. Baird",
                  "status": "active",
                  "requirements": [{"kind": "offender_supervision", "months": 18},
                                   {"kind": "unpaid_work_or_other_activity", "hours": 150}]},
        "supervision_intensity": "medium",
        "goals": goals,
        "notes": notes,
        "reviews": [{
            "held_on": held.isoformat(), "kind": "scheduled",
            "attendees": ["Màiri Nic a' Phearsain", "Demo Officer A. Baird"],
            "upw_liaison_done": True, "summary": review_text, "compliance": review_text,
            "positive_developments": review_text, "autonomy_changes": review_text,
            "goal_progress": [{"goal_id": g["id"], "rating": "some_progress", "comment": LONG_NOTES[i % 4],
                               "sensitivity": "ordinary"} for i, g in enumerate(goals)],
            "next_review_on": (held + dt.timedelta(days=56)).isoformat(),
        }],
        "contract": {
            "agreed_on": "2026-01-26",
            "aims": [{"area": "education_and_training", "target": "Attend the weekly literacy group for 8 weeks",
                      "individual_responsibility": "Attend each week or phone beforehand",
                      "service_commitment": "Count attendance as other activity hours"}],
            "shared_with": [{"agency": "Community Learning and Development", "shared_on": "2026-01-26"}],
            "signed_by_individual_on": "2026-01-26", "signed_by_officer_on": "2026-01-26",
        },
    }


def _import_orm(store: Store, cases: list[dict[str, Any]]) -> None:
    """The old build path, kept for comparison (tests/test_bench_dataset.py): ``build_case``
    and an ORM flush, one transaction per batch, without the JSON-schema pass."""
    with store.transaction() as tx:
        now = store.clock.now()
        for i, case in enumerate(cases):
            B.check_case_rules(case, f"$.cases[{i}]")
            tx.session.add(B.build_case(case, now))
        tx.session.flush()
        tx.audit("import", "bundle", None, f"{len(cases)} case(s)")


def _import_bulk(store: Store, cases: list[dict[str, Any]]) -> None:
    """The same rows as ``_import_orm`` (same ids, same audit event), written with Core
    ``executemany`` (``app.models.store.bulk.add_cases``)."""
    with store.transaction() as tx:
        bulk.add_cases(tx, cases)
        tx.audit("import", "bundle", None, f"{len(cases)} case(s)")


def build_store(path: Path, scale: Scale, progress: bool = False, orm: bool = False) -> dict[str, Any]:
    """Create the synthetic store at ``path`` (which must not exist). Returns build facts.
    ``orm``: the old, slower path (row at a time through the ORM), for comparison."""
    load = _import_orm if orm else _import_bulk
    started = time.perf_counter()
    data = demo_bundle(scale.cases, seed=SEED, today=TODAY, notes_per_case=scale.notes_per_case)
    cases = data["cases"]
    generated = time.perf_counter() - started
    store = Store.create(path, PASSPHRASE, clock=clock(), actor="benchmark")
    try:
        store.import_bundle({**data, "cases": [big_review_case()] + cases[:BATCH]})
        for start in range(BATCH, len(cases), BATCH):
            load(store, cases[start:start + BATCH])
            if progress:
                print(f"  imported {min(start + BATCH, len(cases))}/{len(cases)} cases", flush=True)
        store.optimize()
    finally:
        store.close()
    return {"generate_s": round(generated, 2), "total_s": round(time.perf_counter() - started, 2),
            "cases": scale.cases + 1, "notes": sum(len(c.get("notes", [])) for c in cases)}


def cached_store(work: Path, scale: Scale, progress: bool = False) -> tuple[Path, dict[str, Any]]:
    """The cached store for ``scale``, built when missing. Returns (path, facts)."""
    work.mkdir(parents=True, exist_ok=True)
    key = cache_key(scale)
    path = work / f"{key}.cbk"
    if path.is_file():
        return path, {"cached": True, "file_mb": round(path.stat().st_size / 1e6, 1)}
    for stale in work.glob(f"store-*-{scale.label}-*.cbk*"):
        stale.unlink()
    tmp = work / f"{key}.building.cbk"
    for leftover in work.glob(f"{key}.building.cbk*"):
        leftover.unlink()
    facts = build_store(tmp, scale, progress)
    os.replace(tmp, path)
    for leftover in work.glob(f"{key}.building.cbk*"):  # its seal and lock files (the copies run unsealed)
        leftover.unlink()
    facts.update(cached=False, file_mb=round(path.stat().st_size / 1e6, 1))
    return path, facts


def working_copy(cached: Path, dest: Path) -> Path:
    """A throw-away copy of the cached store (benchmarks write audit events and outbox items)."""
    for leftover in dest.parent.glob(dest.name + "*"):
        leftover.unlink()
    shutil.copyfile(cached, dest)
    os.chmod(dest, 0o600)
    return dest
