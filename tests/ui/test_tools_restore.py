"""Tools (issue 19, item 13): the sync status says why exports wait, Sync now answers in the
status bar, and a backup can be restored from the app (confirmed, the current store kept first)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from app.models.rules.clock import Clock
from app.models.store import Store, outbox, security
from tests.ui.conftest import TODAY, unlock, wait_idle


def test_sync_reason_is_shown_and_sync_now_answers(qtbot: Any, make_window: Any, ui_store: Path,
                                                   passphrase: str) -> None:
    with Store.open(ui_store, passphrase, clock=Clock.fixed(TODAY)) as s:
        outbox.enqueue(s, "CPO-2026-0001_case-management-plan_officer-copy.pdf", "plan", "CPO-2026-0001", b"%PDF-1.4")
    w = make_window()
    unlock(qtbot, w, ui_store, passphrase)
    qtbot.waitUntil(lambda: w.sync_label.text().startswith("1 export waiting"), timeout=15000)
    # the reason on the status bar itself, not only in its tooltip
    assert w.sync_label.text() == "1 export waiting for the shared drive: no shared drive folder set"
    w.act_sync.trigger()
    assert w.statusBar().currentMessage() == "Syncing…"
    qtbot.waitUntil(lambda: w.statusBar().currentMessage().startswith("Sync finished"), timeout=15000)
    assert "no shared drive folder set" in w.statusBar().currentMessage()
    # the Tools page's Sync now goes the same way, and its page shows the last result
    w.tool_actions[0].trigger()
    t = w.tools_dialog
    qtbot.waitUntil(lambda: t.outbox_model.rowCount() == 1, timeout=10000)
    assert "Last sync: 1 export waiting: no shared drive folder set" in t.outbox_status.text()
    t.sync_button.click()
    assert w.statusBar().currentMessage() == "Syncing…"
    qtbot.waitUntil(lambda: w.statusBar().currentMessage().startswith("Sync finished"), timeout=15000)


def _backup_then_change(qtbot: Any, w: Any, example: dict[str, Any]) -> Path:
    store = w.ctx.store
    backup = security.rolling_backup(store, "by-hand")
    case = copy.deepcopy(example)
    case["reference"] = "CPO-2026-0999"
    store.create_case({k: v for k, v in case.items() if k in ("reference", "individual", "order",
                                                              "supervision_intensity")})
    assert "CPO-2026-0999" in store.case_references()
    return backup


def test_restore_a_backup_from_the_tools_page(qtbot: Any, make_window: Any, ui_store: Path, passphrase: str,
                                              example_bundle: dict[str, Any]) -> None:
    w = make_window()
    unlock(qtbot, w, ui_store, passphrase)
    wait_idle(qtbot, w)
    backup = _backup_then_change(qtbot, w, example_bundle["cases"][0])
    w.act_restore.trigger()
    t = w.tools_dialog
    assert t.tabs.currentIndex() == t.BACKUPS
    qtbot.waitUntil(lambda: t.selected_backup() is not None, timeout=10000)
    assert t.selected_backup().path == backup and t.restore_button.isEnabled()
    prompts = w.ctx.prompts
    prompts.passwords = [passphrase]
    with qtbot.waitSignal(w.unlock_page.unlocked, timeout=30000):
        t.restore_button.click()
    confirm = [m for k, m in prompts.calls if k == "confirm"][-1]
    assert "kept first" in confirm and backup.name in confirm
    qtbot.waitUntil(lambda: w.ctx.store is not None, timeout=10000)
    wait_idle(qtbot, w)
    assert "CPO-2026-0999" not in w.ctx.store.case_references()  # the store is the backup again
    assert w.statusBar().currentMessage().startswith("Restored the backup taken")
    kept = [p for p in ui_store.parent.glob(ui_store.name + ".before-restore-*")
            if p.suffix != ".seal" and not p.name.endswith(("-wal", "-shm"))]
    assert len(kept) == 1 and kept[0].name in w.statusBar().currentMessage()
    with Store.open(kept[0], passphrase) as before:  # the store as it was, kept whole
        assert "CPO-2026-0999" in before.case_references()


def test_restore_refused_with_a_wrong_passphrase_changes_nothing(qtbot: Any, make_window: Any, ui_store: Path,
                                                                 passphrase: str,
                                                                 example_bundle: dict[str, Any]) -> None:
    w = make_window()
    unlock(qtbot, w, ui_store, passphrase)
    wait_idle(qtbot, w)
    _backup_then_change(qtbot, w, example_bundle["cases"][0])
    store = w.ctx.store
    w.act_restore.trigger()
    t = w.tools_dialog
    qtbot.waitUntil(lambda: t.selected_backup() is not None, timeout=10000)
    w.ctx.prompts.passwords = ["not the passphrase"]
    t.restore_button.click()
    qtbot.waitUntil(lambda: "error" in w.ctx.prompts.kinds(), timeout=20000)
    assert "nothing was changed" in [m for k, m in w.ctx.prompts.calls if k == "error"][-1]
    assert w.ctx.store is store and "CPO-2026-0999" in store.case_references()
    assert not list(ui_store.parent.glob(ui_store.name + ".before-restore-*"))
    # and answering No to the question does nothing at all
    w.ctx.prompts.confirm_answers = [False]
    t.restore_button.click()
    assert w.ctx.store is store and "ask_password" not in w.ctx.prompts.kinds()[-1:]
