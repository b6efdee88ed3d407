"""Issue 19 item 17: white text on every status colour meets WCAG AA (4.5:1)."""

from __future__ import annotations

import pytest

from app.ui.export_flow import PERSON_COLOUR
from app.ui.table_models import NFD_COLOUR, STATUS_COLOURS

NEUTRAL_BADGE = "#455a64"  # the U18 and plain flag badges


def _luminance(hex_colour: str) -> float:
    def channel(v: int) -> float:
        x = v / 255
        return x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_contrast_formula() -> None:
    assert contrast("#ffffff", "#000000") == pytest.approx(21.0)
    assert contrast("#ffffff", "#e65100") == pytest.approx(3.79, abs=0.01)  # the old orange: fails AA


@pytest.mark.parametrize("name,colour", [*STATUS_COLOURS.items(), ("nfd badge", NFD_COLOUR),
                                         ("person's copy", PERSON_COLOUR), ("neutral badge", NEUTRAL_BADGE)])
def test_white_text_on_status_colours_meets_aa(name: str, colour: str) -> None:
    assert contrast("#ffffff", colour) >= 4.5, f"{name} {colour}: {contrast('#ffffff', colour):.2f}:1"
