"""What one store operation changed: the change-set every mutating Store method returns.

Modelled on Anki's ``OpChanges``: the screen redraws only what a change-set names.  A
change-set is plain data (no Qt), merged with ``|`` when one action runs several steps.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Changes:
    """References of cases whose content changed, the lists touched per case, whether the
    caseload itself changed (a case added, removed or renamed), and store settings or the
    calendar (local holidays), which invalidate every case's due dates."""

    cases: set[str] = field(default_factory=set)
    lists: dict[str, set[str]] = field(default_factory=dict)  # case reference -> list keys
    caseload: bool = False  # cases added, deleted or their reference changed
    settings: set[str] = field(default_factory=set)  # store setting keys
    calendar: bool = False  # local holidays / working-day overrides
    custody: bool = False  # handover state of some case changed

    def case(self, ref: str, *lists: str) -> Changes:
        """Record that case ``ref`` changed (and, optionally, which of its lists)."""
        self.cases.add(ref)
        if lists:
            self.lists.setdefault(ref, set()).update(lists)
        return self

    def __or__(self, other: Changes) -> Changes:
        out = Changes(set(self.cases), {k: set(v) for k, v in self.lists.items()}, self.caseload or other.caseload,
                      self.settings | other.settings, self.calendar or other.calendar,
                      self.custody or other.custody)
        out.cases |= other.cases
        for k, v in other.lists.items():
            out.lists.setdefault(k, set()).update(v)
        return out

    @property
    def all_due_dates(self) -> bool:
        """True when every case's due dates may have moved (deadline settings, calendar)."""
        return self.calendar or bool(self.settings)

    @property
    def empty(self) -> bool:
        return not (self.cases or self.caseload or self.settings or self.calendar or self.custody)
