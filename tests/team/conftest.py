"""Fixtures for the shared-drive team tests: a laptop folder with a real encrypted store full
of synthetic casework, and a shared folder."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest

from app.models.store import Store
from tests.conftest import DATA

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00signature-strokes" * 8
EXTRA_NOTE = "Synthetic home visit: spoke about the Tuesday allotment placement"
OFFICER_NAME = "Ailsa Synthetic-Officer"


def make_store(path: Path, passphrase: str, clock: Any = None) -> Store:
    from app.team import identity

    with open(DATA / "full-bundle.json", encoding="utf-8") as fh:
        bundle = json.load(fh)
    store = Store.create(path, passphrase, **({"clock": clock} if clock else {}))
    identity.ensure(store, OFFICER_NAME)
    store.import_bundle(bundle)
    ref = bundle["cases"][0]["reference"]
    store.add_item(ref, "notes", {"date": "2026-11-20", "kind": "home_visit", "text": EXTRA_NOTE})
    store.save_plan_version(ref, "review")
    store.save_signature(ref, "contract", "individual", PNG, dt.date(2026, 11, 20))
    return store


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
_CODE = re.compile(r"^[a-z0-9_./-]+$")


def secret_strings(extra: list[str] | None = None) -> list[str]:
    """Every name, reference, address and free text of the test data (6+ characters)."""
    with open(DATA / "full-bundle.json", encoding="utf-8") as fh:
        bundle = json.load(fh)
    found: set[str] = set(extra or [])

    def walk(v: Any) -> None:
        if isinstance(v, dict):
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)
        elif isinstance(v, str) and len(v) >= 6 and not _DATE.match(v) and not _CODE.match(v):
            found.add(v)

    walk(bundle["cases"])
    found.add(EXTRA_NOTE)
    found.add(OFFICER_NAME)
    return sorted(found)


def grep_folder(folder: Path, needles: list[str]) -> list[tuple[str, str]]:
    """(file, text) for every needle found in any file under ``folder`` (UTF-8, and UTF-16 for
    good measure), file names included."""
    hits = []
    for f in folder.rglob("*"):
        for n in needles:
            if n.casefold() in str(f.relative_to(folder)).casefold():
                hits.append((str(f), n))
        if f.is_file():
            data = f.read_bytes()
            for n in needles:
                if n.encode("utf-8") in data or n.encode("utf-16-le") in data:
                    hits.append((str(f), n))
    return hits


def cases_of(store: Store) -> list[dict[str, Any]]:
    return store.export_bundle()["cases"]


@pytest.fixture
def laptop(tmp_path: Path) -> Path:
    folder = tmp_path / "laptop"
    folder.mkdir()
    return folder


@pytest.fixture
def share(tmp_path: Path) -> Path:
    folder = tmp_path / "share"
    folder.mkdir()
    return folder
