"""The shared drive's layout (docs/SYNC.md): one place for every folder and file name.

    <folder>/casebook-manifest.jsonl         delivered exports (app.team.delivery)
    <folder>/casebook/backups/<officer-id>/  off-laptop copies (app.team.copies), with their
                                             own casebook-manifest.jsonl
    <folder>/casebook/officers/              public officer cards (issue 15)
    <folder>/casebook/handovers/<officer-id>/ packets addressed to that officer (issue 15)
    <folder>/casebook/documents/<officer-id>/ exported documents from that officer, age-encrypted
                                             (app.team.documents), with their own
                                             casebook-manifest.jsonl

File names carry an officer id, a UTC time and random hex only; never a name or reference.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from pathlib import Path

ROOT = "casebook"
COPY_EXT = ".casebook.age"
RECOVERY_EXT = ".recovery.age"
CARD_EXT = ".card.json"
_STAMP = "%Y%m%dT%H%M%S"
NAME_RE = re.compile(
    r"^(?P<officer>off-[a-z2-7]{8})-(?P<stamp>\d{8}T\d{6})(?P<ms>\d{3})Z-(?P<rand>[0-9a-f]{6})"
    r"(?P<ext>\.casebook\.age|\.recovery\.age|\.card\.json)$"
)


def backups_root(folder: Path) -> Path:
    return Path(folder) / ROOT / "backups"


def backups_dir(folder: Path, officer_id: str) -> Path:
    return backups_root(folder) / officer_id


def officers_dir(folder: Path) -> Path:
    return Path(folder) / ROOT / "officers"


def handovers_dir(folder: Path, officer_id: str) -> Path:
    return Path(folder) / ROOT / "handovers" / officer_id


def documents_dir(folder: Path, officer_id: str) -> Path:
    return documents_root(folder) / officer_id


def documents_root(folder: Path) -> Path:
    return Path(folder) / ROOT / "documents"


def stem(officer_id: str, when: dt.datetime) -> str:
    when = when.astimezone(dt.UTC)
    return f"{officer_id}-{when.strftime(_STAMP)}{when.microsecond // 1000:03d}Z-{secrets.token_hex(3)}"


def parse(name: str) -> tuple[str, dt.datetime, str] | None:
    """(officer id, UTC time, extension) of a Casebook file name, or None for anything else."""
    m = NAME_RE.match(name)
    if not m:
        return None
    try:
        when = dt.datetime.strptime(m.group("stamp"), _STAMP).replace(tzinfo=dt.UTC)
    except ValueError:
        return None
    return m.group("officer"), when + dt.timedelta(milliseconds=int(m.group("ms"))), m.group("ext")
