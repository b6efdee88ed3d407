"""The settings dialog's spin boxes take their limits from the settings registry, which
are the rule's: the dialog allowed 1-52 weeks between reviews while the rule allowed 1-104."""

from __future__ import annotations

from typing import Any

import pytest

from app.models.rules.deadlines import DeadlineConfig
from app.models.store import settings as S


def test_settings_dialog_spin_limits_are_the_rules(qtbot: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from app.ui import operations as ops
    from app.ui.settings_dialog import SettingsDialog

    class LocalSettings:
        @staticmethod
        def get(key: str) -> Any:
            return 5 if key == "idle_lock_minutes" else False

    class Ctx:  # just enough of the app context: the store settings are not loaded here
        settings = LocalSettings()

    monkeypatch.setattr(ops, "load_store_settings", lambda *a, **k: None)
    d = SettingsDialog(Ctx(), lambda: None)  # type: ignore[arg-type]
    qtbot.addWidget(d)
    weeks = [w for w in range(-5, 300) if DeadlineConfig.from_values({"low": w}).intensity_weeks["low"] == w]
    for spin in d.weeks.values():
        assert (spin.minimum(), spin.maximum()) == (min(weeks), max(weeks)) == S.limits("intensity_weeks")
    days = [n for n in range(-5, 300) if DeadlineConfig.from_values(None, n).report_days_before == n]
    assert (d.report_days.minimum(), d.report_days.maximum()) == (min(days), max(days))
