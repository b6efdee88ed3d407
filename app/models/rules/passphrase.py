"""Passphrase strength: zxcvbn's estimate of the guesses an attacker needs (dictionary words,
names, keyboard patterns, dates and repeats all count against it), for the meter and the
minimum a new passphrase must meet.  One rule: the unlock page, the change-passphrase dialog
and the CLI all use it."""

from __future__ import annotations

import math
from dataclasses import dataclass

MIN_LENGTH = 10
MIN_SCORE = 4  # zxcvbn 0-4: 4 = about 10^10 guesses or more
MIN_BITS = 40.0  # and at least 2^40 (about 10^12) estimated guesses
MAX_CHECKED = 100  # zxcvbn's cost grows with length; the rest only adds strength
LABELS = ("Very weak", "Weak", "Fair", "Good", "Strong")


@dataclass(frozen=True)
class Strength:
    score: int  # 0-4
    bits: float  # log2 of the estimated guesses
    label: str
    advice: str  # zxcvbn's warning or first suggestion ("" when strong)

    @property
    def acceptable(self) -> bool:
        return self.score >= MIN_SCORE and self.bits >= MIN_BITS


def strength(passphrase: str, hints: tuple[str, ...] = ("casebook",)) -> Strength:
    if not passphrase:
        return Strength(0, 0.0, LABELS[0], "")
    from zxcvbn import zxcvbn  # its dictionaries load on the first check, not at start

    result = zxcvbn(passphrase[:MAX_CHECKED], user_inputs=list(hints))
    score = int(result["score"])
    if score >= MIN_SCORE and float(result["guesses_log10"]) * math.log2(10) < MIN_BITS:
        score = MIN_SCORE - 1  # the meter never says "Strong" for a passphrase that is refused
    bits = float(result["guesses_log10"]) * math.log2(10)
    feedback = result.get("feedback") or {}
    advice = feedback.get("warning") or next(iter(feedback.get("suggestions") or []), "")
    return Strength(score, bits, LABELS[score], str(advice or ""))


def problem(passphrase: str) -> str | None:
    """Why a new passphrase is refused, in one line; None when it is strong enough."""
    if len(passphrase) < MIN_LENGTH:
        return f"too short: use at least {MIN_LENGTH} characters (several unrelated words work well)"
    s = strength(passphrase)
    if not s.acceptable:
        return f"too easy to guess ({s.label.lower()})" + (f": {s.advice.rstrip('.')}" if s.advice else "") + \
            "; add another unrelated word or two"
    return None
