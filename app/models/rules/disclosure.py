"""What the person may see: one rule for their copies of documents, privacy mode and search.

An item is restricted (never shown to the person) when it is marked not for disclosure, or
when its kind makes it victim information whatever its sensitivity field says
(guidance 8.1, "service generated risks"):

- notes of kind ``victim_contact`` (what the victim said, or how they are);
- flags that describe the victim's safety arrangements or multi-agency risk processes the
  person must not learn of from us: ``victim_safety_plan``, ``caledonian_system`` (the victim's
  support worker), ``marac`` and ``matac``.

The note search index applies the same note rule in SQL (app/models/store/migrations.py, v2).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

NFD = "not_for_disclosure"
VICTIM_NOTE_KINDS = frozenset({"victim_contact"})
VICTIM_FLAG_KINDS = frozenset({"victim_safety_plan", "caledonian_system", "marac", "matac"})


def marked_nfd(item: Mapping[str, Any]) -> bool:
    return item.get("sensitivity") == NFD


def note_restricted(note: Mapping[str, Any]) -> bool:
    return marked_nfd(note) or note.get("kind") in VICTIM_NOTE_KINDS


def flag_restricted(flag: Mapping[str, Any]) -> bool:
    return marked_nfd(flag) or flag.get("kind") in VICTIM_FLAG_KINDS
