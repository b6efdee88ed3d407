"""Issue 14 in the desktop: the status bar's last off-laptop copy, the overdue warning, the
offer of a copy before closing and before a passphrase change, "Restore from the shared
drive..." on the unlock screen, the first-run officer name, recovery recipient and identity in
Settings.  Real encrypted stores, real folders."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pyrage

from app.models.store import Store
from app.team import copies, identity, layout
from tests.ui.conftest import wait_idle

OLD = dt.datetime(2026, 10, 1, 9, 0, tzinfo=dt.UTC)


def _with_folder(path: Path, passphrase: str, share: Path) -> str:
    with Store.open(path, passphrase) as s:
        s.set_setting("shared_drive_folder", str(share))
        return identity.ensure(s, "Ailsa Synthetic-Officer").officer_id


def unlock(qtbot: Any, w: Any, path: Path, passphrase: str) -> None:
    """As tests.ui.conftest.unlock, with room for a background copy holding the store."""
    w.start_with(path, passphrase)
    qtbot.waitUntil(lambda: w.ctx.store is not None and w.caseload.model.rowCount() > 0
                    and not w.caseload.due_pending, timeout=60000)


def _copies_on(share: Path) -> list[Path]:
    return sorted(share.rglob("*" + layout.COPY_EXT))


def test_status_bar_shows_the_last_copy(qtbot: Any, make_window: Any, ui_store: Path, passphrase: str,
                                        tmp_path: Path) -> None:
    share = tmp_path / "share"
    share.mkdir()
    _with_folder(ui_store, passphrase, share)
    w = make_window(sync_delay_ms=0, sync_poll_ms=60_000)
    unlock(qtbot, w, ui_store, passphrase)
    qtbot.waitUntil(lambda: w.copy_label.text().startswith("Last off-laptop copy"), timeout=30000)
    assert len(_copies_on(share)) == 1 and "⚠" not in w.copy_label.text()
    assert "warn" not in w.ctx.prompts.kinds()


def test_overdue_copy_is_shown_and_warned_once(qtbot: Any, make_window: Any, ui_store: Path, passphrase: str,
                                               tmp_path: Path) -> None:
    _with_folder(ui_store, passphrase, tmp_path / "S-drive-not-connected")
    with Store.open(ui_store, passphrase) as s:
        s.set_setting(copies.SETTING_LAST, {"name": "x", "at": OLD.isoformat(), "marker": 1, "size": 1,
                                            "recovery": False, "folder": "", "meta": {}})
    w = make_window(sync_delay_ms=0, sync_poll_ms=200)
    unlock(qtbot, w, ui_store, passphrase)
    qtbot.waitUntil(lambda: w.copy_label.text().startswith("⚠ Last off-laptop copy 01/10/2026"), timeout=30000)
    assert "cannot be found" in w.copy_label.toolTip()
    qtbot.wait(600)  # several more passes: still one warning
    warnings = [m for k, m in w.ctx.prompts.calls if k == "warn"]
    assert len(warnings) == 1 and "no recent copy on the shared drive" in warnings[0]


def test_close_offers_a_copy_when_changed_and_reachable(qtbot: Any, make_window: Any, ui_store: Path,
                                                        passphrase: str, tmp_path: Path) -> None:
    share = tmp_path / "share"
    share.mkdir()
    _with_folder(ui_store, passphrase, share)
    w = make_window(sync_delay_ms=0, sync_poll_ms=60_000)
    unlock(qtbot, w, ui_store, passphrase)
    qtbot.waitUntil(lambda: w.copy_label.text().startswith("Last off-laptop copy"), timeout=30000)
    store = w.ctx.store
    ref = store.case_references()[0]
    w.ctx.tasks.run(lambda: store.add_item(ref, "notes", {"date": "2026-11-20", "kind": "phone",
                                                          "text": "synthetic call before closing"}))
    wait_idle(qtbot, w)
    w.ctx.prompts.confirm_answers = [True]
    w.close()
    qtbot.waitUntil(lambda: not w.isVisible() and store.closed, timeout=30000)
    asked = [m for k, m in w.ctx.prompts.calls if k == "confirm"]
    assert asked and "before closing" in asked[-1]
    assert len(_copies_on(share)) == 2
    with Store.open(ui_store, passphrase) as s:
        assert not copies.changed_since_last(s) or copies.last_copy(s) is not None


def test_close_does_not_ask_when_nothing_changed(qtbot: Any, make_window: Any, ui_store: Path, passphrase: str,
                                                 tmp_path: Path) -> None:
    share = tmp_path / "share"
    share.mkdir()
    _with_folder(ui_store, passphrase, share)
    w = make_window(sync_delay_ms=0, sync_poll_ms=60_000)
    unlock(qtbot, w, ui_store, passphrase)
    qtbot.waitUntil(lambda: w.copy_label.text().startswith("Last off-laptop copy"), timeout=30000)
    store = w.ctx.store
    w.close()
    qtbot.waitUntil(lambda: store.closed, timeout=30000)
    assert "confirm" not in w.ctx.prompts.kinds() and len(_copies_on(share)) == 1


def test_passphrase_change_offers_a_copy_first(qtbot: Any, make_window: Any, ui_store: Path, passphrase: str,
                                               tmp_path: Path) -> None:
    share = tmp_path / "share"
    share.mkdir()
    _with_folder(ui_store, passphrase, share)
    w = make_window(sync_delay_ms=0, sync_poll_ms=60_000)
    w.ctx.prompts.confirm_answers = [True]
    unlock(qtbot, w, ui_store, passphrase)
    qtbot.waitUntil(lambda: w.ctx.sync.reachable and w.copy_label.text() != "", timeout=30000)
    store = w.ctx.store
    w.ctx.tasks.run(lambda: store.set_setting("report_days_before", 6))
    wait_idle(qtbot, w)
    w.change_passphrase()
    qtbot.waitUntil(lambda: w.passphrase_dialog is not None and w.passphrase_dialog.isVisible(), timeout=30000)
    asked = [m for k, m in w.ctx.prompts.calls if k == "confirm"]
    assert asked and "passphrase changes" in asked[-1]
    assert len(_copies_on(share)) == 2


def test_restore_from_the_shared_drive_on_the_unlock_screen(qtbot: Any, make_window: Any, ui_store: Path,
                                                           passphrase: str, tmp_path: Path) -> None:
    share = tmp_path / "share"
    share.mkdir()
    with Store.open(ui_store, passphrase) as s:
        original = s.export_bundle()["cases"]
        assert copies.take_copy(s, share).status == "delivered"
    new = tmp_path / "new-laptop" / "mine.cbk"
    new.parent.mkdir()
    w = make_window()
    p = w.ctx.prompts
    p.files = [str(share), str(new)]
    p.choices = [0]  # with my passphrase
    p.passwords = ["not the passphrase"]
    w.unlock_page.restore_button.click()
    qtbot.waitUntil(lambda: w.unlock_page.message.isVisible() and not w.unlock_page.busy, timeout=30000)
    assert "does not open" in w.unlock_page.message.text() and not new.exists()

    p.files = [str(share), str(new)]
    p.choices = [0]
    p.passwords = [passphrase]
    w.unlock_page.restore_button.click()
    qtbot.waitUntil(lambda: "info" in p.kinds(), timeout=30000)
    assert w.unlock_page.path == new and new.exists()
    unlock(qtbot, w, new, passphrase)
    assert w.ctx.store.export_bundle()["cases"] == original


def test_recovery_on_the_unlock_screen(qtbot: Any, make_window: Any, ui_store: Path, passphrase: str,
                                       tmp_path: Path) -> None:
    share = tmp_path / "share"
    share.mkdir()
    team = pyrage.x25519.Identity.generate()
    key_file = tmp_path / "team.key"
    key_file.write_text(f"# team\n{team}\n", encoding="utf-8")
    with Store.open(ui_store, passphrase) as s:
        copies.set_recovery_recipient(s, str(team.to_public()))
        copies.take_copy(s, share)
    new = tmp_path / "recovered.cbk"
    w = make_window()
    p = w.ctx.prompts
    p.files = [str(share), str(new), str(key_file)]
    p.choices = [1]  # the team recovery identity
    p.passwords = ["a new long passphrase chosen by the team manager"]
    w.unlock_page.restore_button.click()
    qtbot.waitUntil(lambda: "info" in p.kinds(), timeout=30000)
    with Store.open(new, "a new long passphrase chosen by the team manager") as s:
        assert any(e.action == "recover" for e in s.audit_events())


def test_first_run_asks_the_officer_name(qtbot: Any, make_window: Any, tmp_path: Path) -> None:
    w = make_window()
    path = tmp_path / "first.cbk"
    w.ctx.prompts.texts = ["Ailsa  Synthetic-Officer"]
    w.unlock_page.set_store(path, creating=True)
    phrase = "several unrelated words make a strong passphrase"
    w.unlock_page.passphrase.setText(phrase)
    w.unlock_page.confirm.setText(phrase)
    w.unlock_page.submit()
    qtbot.waitUntil(lambda: w.ctx.store is not None, timeout=30000)
    store = w.ctx.store
    result: dict[str, Any] = {}
    w.ctx.tasks.run(lambda: result.setdefault("id", identity.ensure(store)))
    wait_idle(qtbot, w)
    assert result["id"].name == "Ailsa Synthetic-Officer" and result["id"].officer_id.startswith("off-")


def test_settings_show_identity_and_save_the_recovery_recipient(qtbot: Any, make_window: Any, ui_store: Path,
                                                               passphrase: str) -> None:
    w = make_window()
    unlock(qtbot, w, ui_store, passphrase)
    w.open_settings()
    d = w.settings_dialog
    qtbot.waitUntil(lambda: d.identity.text().startswith("off-"), timeout=10000)
    assert "fingerprint" in d.identity.text()
    d.recovery.setText("age1-not-a-key")
    d.save()
    assert d.error.isVisible() and "recovery recipient" in d.error.text()
    recipient = str(pyrage.x25519.Identity.generate().to_public())
    d.recovery.setText(recipient)
    d.save()
    wait_idle(qtbot, w)
    store = w.ctx.store
    got: dict[str, Any] = {}
    w.ctx.tasks.run(lambda: got.setdefault("r", copies.recovery_recipient(store)))
    wait_idle(qtbot, w)
    assert got["r"] == recipient


