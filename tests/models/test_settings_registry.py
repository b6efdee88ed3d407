"""The store settings registry (app/models/store/settings.py): every store setting declared
once; the rule, the dialog and the CLI take their limits from it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from app.cli import main
from app.models.errors import ValidationError
from app.models.rules import appointments as policy
from app.models.rules.deadlines import DeadlineConfig, save_deadline_config
from app.models.store import Store
from app.models.store import settings as S

APP = Path(__file__).resolve().parents[2] / "app"


def test_every_setting_key_used_in_the_code_is_declared() -> None:
    """A store setting key constant anywhere in the core is declared in the registry."""
    found: set[str] = set()
    for path in APP.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        found |= set(re.findall(r'^\s*SETTING_\w+\s*=\s*"([a-z_]+)"', text, re.M))
    assert found, "no SETTING_ constants found"
    assert found <= set(S.REGISTRY), sorted(found - set(S.REGISTRY))
    for key, *_ in policy.POLICY_SETTINGS:
        assert S.limits(key) == next((lo, hi) for k, _d, lo, hi, _h in policy.POLICY_SETTINGS if k == key)


def test_a_key_is_declared_once() -> None:
    with pytest.raises(ValueError, match="declared twice"):
        S.declare("officer_name", str, None, "Officer name")


def test_rule_and_registry_agree_on_the_weeks_limits() -> None:
    """The rule keeps exactly the values the registry accepts."""
    lo, hi = S.limits("intensity_weeks")
    for weeks in range(lo - 2, hi + 3):
        kept = DeadlineConfig.from_values({"high": weeks}).intensity_weeks["high"] == weeks
        assert kept == (lo <= weeks <= hi), weeks


def test_get_set_update_validate_and_return_changes(store: Store) -> None:
    assert store.settings.get("report_days_before") == 5
    assert store.settings.get("intensity_weeks") == {"high": 4, "medium": 8, "low": 12}
    changes = store.settings.set("report_days_before", 7)
    assert changes.settings == {"report_days_before"} and store.settings.get("report_days_before") == 7
    assert store.settings.set("report_days_before", 7).empty  # unchanged: nothing written
    before = len(store.audit_events())
    with pytest.raises(ValidationError) as err:
        store.settings.update({"officer_name": "New Name", "report_days_before": 61})
    assert "report_days_before" in str(err.value) and "0 to 60" in str(err.value) and "\n" not in str(err.value)
    assert store.settings.get("officer_name") is None and len(store.audit_events()) == before  # all or nothing
    with pytest.raises(ValidationError, match="unknown store setting"):
        store.settings.set("no_such_setting", 1)
    with pytest.raises(ValidationError, match="whole number"):
        store.settings.set("offsite_keep", True)
    with pytest.raises(ValidationError, match="urgent"):
        store.settings.set("intensity_weeks", {"urgent": 2})
    store.settings.update({"intensity_weeks": {"low": 20}, "officer_name": "  A. Officer "})
    assert store.settings.get("intensity_weeks") == {"high": 4, "medium": 8, "low": 20}
    assert store.settings.get("officer_name") == "A. Officer"
    assert store.settings.set("report_days_before", None).settings == {"report_days_before"}
    assert store.settings.get("report_days_before") == 5 and store.settings.stored("report_days_before") is None
    store.set_setting("report_days_before", 900)  # stored outside its limits (an old or edited store)
    assert store.settings.get("report_days_before") == 5
    values = store.settings.values()
    assert "team_signing_key" not in values and values["backup_keep"] == 5
    assert save_deadline_config(store, upw_only_review_weeks=104).upw_only_review_weeks == 104
    with pytest.raises(ValidationError):
        save_deadline_config(store, upw_only_review_weeks=105)


def test_cli_lists_and_sets(store_path: Path, passphrase: str, capsys: pytest.CaptureFixture[str],
                            monkeypatch: pytest.MonkeyPatch) -> None:
    Store.create(store_path, passphrase).close()
    monkeypatch.setenv("CASEBOOK_PASSPHRASE", passphrase)
    code = main(["settings", "--store", str(store_path), "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["intensity_weeks"]["limits"] == [1, 104] and "team_age_identity" not in data
    code = main(["settings", "--store", str(store_path), "--set", "intensity_weeks.high=3",
                 "--set", "report_days_before=9", "--set", "officer_name=Demo Officer Q"])
    out = capsys.readouterr().out
    assert code == 0 and "saved" in out and "Demo Officer Q" in out
    for bad in (["--set", "report_days_before=99"], ["--set", "nonsense=1"], ["--set", "report_days_before=x"],
                ["--set", "officer_id=abc"], ["--set", "intensity_weeks.urgent=3"], ["--set", "novalue"]):
        code = main(["settings", "--store", str(store_path), *bad])
        err = capsys.readouterr().err
        assert code == 2 and err.startswith("casebook: ") and err.count("\n") == 1, (bad, err)
    with Store.open(store_path, passphrase) as s:
        assert s.settings.get("intensity_weeks")["high"] == 3 and s.settings.get("report_days_before") == 9
    code = main(["settings", "--store", str(store_path), "--set", "report_days_before="])
    capsys.readouterr()
    with Store.open(store_path, passphrase) as s:
        assert code == 0 and s.settings.stored("report_days_before") is None
