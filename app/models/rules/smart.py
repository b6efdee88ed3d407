"""Is a plan goal SMART?  One check for the Plan tab and the officer's copy of the plan PDF.

Specific (a description of what will change, long enough to say it: at least
``MIN_SPECIFIC_WORDS`` words and ``MIN_SPECIFIC_CHARS`` characters, so "Get job" is not),
Measurable (a measure), Achievable and Realistic (something recorded for each), Time bound
(a valid target date).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.models.rules.dates import iso_date

MIN_SPECIFIC_WORDS = 3
MIN_SPECIFIC_CHARS = 15


@dataclass(frozen=True)
class SmartProblem:
    letter: str
    reason: str


def smart_check(goal: Mapping[str, Any]) -> list[SmartProblem]:
    """Which SMART letters a plan goal is missing, and why ([] when it is SMART)."""
    problems: list[SmartProblem] = []

    def text(key: str) -> str:
        value = goal.get(key)
        return value.strip() if isinstance(value, str) else ""

    description = text("description")
    if not description:
        problems.append(SmartProblem("S", "no description of what will change"))
    elif len(description.split()) < MIN_SPECIFIC_WORDS or len(description) < MIN_SPECIFIC_CHARS:
        problems.append(SmartProblem("S", "the description is too short to say specifically what will change"))
    if not text("measure"):
        problems.append(SmartProblem("M", "no measure of progress"))
    if not text("achievable"):
        problems.append(SmartProblem("A", "nothing recorded on why it is achievable for this person"))
    if not text("realistic"):
        problems.append(SmartProblem("R", "no supports or resources recorded to make it realistic"))
    target = goal.get("target_date")
    if target in (None, ""):
        problems.append(SmartProblem("T", "no target date"))
    elif iso_date(target) is None:
        problems.append(SmartProblem("T", "the target date is not a valid date"))
    return problems


def smart_missing(goal: Mapping[str, Any]) -> str:
    """The letters a goal misses, in SMART order ('' when it is SMART): "SMT"."""
    return "".join(p.letter for p in smart_check(goal))
