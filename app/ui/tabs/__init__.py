"""The case workspace's tabs, one module each, and the table that puts them on screen.

To add a tab: write ``app/ui/tabs/<name>.py`` with a ``CaseTab`` subclass and add one row to
``TABS``.  The workspace builds the tab bar, the tooltips and the shortcuts from this table;
nothing else refers to a tab by its position."""

from __future__ import annotations

from dataclasses import dataclass

from .appointments import AppointmentsTab
from .base import CaseTab
from .contract import ContractTab
from .details import DetailsTab
from .flags import FlagsTab
from .learning import LearningTab
from .notes import NotesTab
from .plan import PlanTab
from .reviews import ReviewsTab
from .summary import SummaryTab
from .unpaid_work import UnpaidWorkTab


@dataclass(frozen=True, slots=True)
class TabSpec:
    key: str  # stable name used in code ("notes")
    title: str  # shown on the tab
    cls: type[CaseTab]
    shortcut: str  # keyboard shortcut that shows the tab


TABS: tuple[TabSpec, ...] = (
    TabSpec("summary", "Summary", SummaryTab, "Alt+1"),
    TabSpec("details", "Details", DetailsTab, "Alt+2"),
    TabSpec("plan", "Plan", PlanTab, "Alt+3"),
    TabSpec("reviews", "Reviews", ReviewsTab, "Alt+4"),
    TabSpec("notes", "Notes", NotesTab, "Alt+5"),
    TabSpec("unpaid_work", "Unpaid work", UnpaidWorkTab, "Alt+6"),
    TabSpec("contract", "Contract", ContractTab, "Alt+7"),
    TabSpec("learning", "Learning", LearningTab, "Alt+8"),
    TabSpec("flags", "Flags", FlagsTab, "Alt+9"),
    TabSpec("appointments", "Appointments", AppointmentsTab, "Alt+0"),
)

__all__ = ["TABS", "CaseTab", "TabSpec"]
