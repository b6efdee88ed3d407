"""What the person may see: one rule for their copies of documents, privacy mode, search and badges.

An item is restricted (never shown to the person) when it is marked not for disclosure, or
when its kind makes it victim information whatever its sensitivity field says
(guidance 8.1, "service generated risks"):

- notes of kind ``victim_contact`` (what the victim said, or how they are);
- flags that describe the victim's safety arrangements or multi-agency risk processes the
  person must not learn of from us: ``victim_safety_plan``, ``caledonian_system`` (the victim's
  support worker), ``marac`` and ``matac``.

The same rule decides the NOT FOR DISCLOSURE badge and the sensitivity the screen shows
(``sensitivity_text``): a victim item marked "ordinary" reads "Not for disclosure (victim
information)", never "Ordinary".  The note search index applies the note rule in SQL
(``NOTE_RESTRICTED_SQL``, used by app/models/store/migrations.py, v2).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from app.models.rules import vocabulary as V

NFD = V.NOT_FOR_DISCLOSURE
VICTIM_NOTE_KINDS = frozenset({"victim_contact"})
VICTIM_FLAG_KINDS = frozenset({"victim_safety_plan", "caledonian_system", "marac", "matac"})

MARKED = "marked"  # the item's sensitivity field says not for disclosure
VICTIM = "victim"  # its kind makes it victim information
NFD_TEXT = V.SENSITIVITY[NFD]                              # "NOT FOR DISCLOSURE"
VICTIM_TEXT = "Not for disclosure (victim information)"
VICTIM_BADGE = "NOT FOR DISCLOSURE (victim information)"

# The note rule in SQL over a notes row aliased {n} (the note search index's two columns).
NOTE_RESTRICTED_SQL = ("(COALESCE({n}.sensitivity, 'ordinary') = '" + NFD + "' OR "
                       + " OR ".join(f"{{n}}.kind = '{k}'" for k in sorted(VICTIM_NOTE_KINDS)) + ")")

Item = Mapping[str, Any]


def marked_nfd(item: Item) -> bool:
    return item.get("sensitivity") == NFD


def note_restricted(note: Item) -> bool:
    return marked_nfd(note) or note.get("kind") in VICTIM_NOTE_KINDS


def flag_restricted(flag: Item) -> bool:
    return marked_nfd(flag) or flag.get("kind") in VICTIM_FLAG_KINDS


_VICTIM_KINDS: dict[str, frozenset[str]] = {"notes": VICTIM_NOTE_KINDS, "flags": VICTIM_FLAG_KINDS}


def why_restricted(list_key: str, item: Item) -> str | None:
    """Why an item of the case list ``list_key`` ("notes", "flags", ...) is withheld from the
    person: ``MARKED``, ``VICTIM`` (its kind, whatever its sensitivity says) or None (it is not)."""
    if marked_nfd(item):
        return MARKED
    if item.get("kind") in _VICTIM_KINDS.get(list_key, ()):
        return VICTIM
    return None


def restricted(list_key: str, item: Item) -> bool:
    return why_restricted(list_key, item) is not None


def rule_for(list_key: str) -> Callable[[Item], bool]:
    """The rule for one list, as a predicate (privacy mode's "hide this item")."""
    return lambda item: why_restricted(list_key, item) is not None


def effective_sensitivity(list_key: str, item: Item) -> Any:
    """The sensitivity the documents act on: not for disclosure when the rule says so."""
    return NFD if restricted(list_key, item) else item.get("sensitivity")


def sensitivity_text(list_key: str, item: Item) -> str:
    """What a list's Sensitivity column says: '' for an ordinary item."""
    why = why_restricted(list_key, item)
    return "" if why is None else (NFD_TEXT if why == MARKED else VICTIM_TEXT)


def badge_text(list_key: str, item: Item) -> str | None:
    """The NOT FOR DISCLOSURE badge's words for an item (None: no badge)."""
    why = why_restricted(list_key, item)
    return None if why is None else (NFD_TEXT if why == MARKED else VICTIM_BADGE)


def ordinary_reads(list_key: str, item: Item) -> str:
    """How the form's "ordinary" choice reads for this item: "Ordinary", or, for victim
    information, the rule's words (the field keeps its stored value)."""
    return VICTIM_TEXT if why_restricted(list_key, item) == VICTIM else V.SENSITIVITY[V.ORDINARY]
