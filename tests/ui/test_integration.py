"""The desktop app wired to documents, sync, security and deadline settings, over real
encrypted temp stores (every dialog answered by the scripted FakePrompts)."""

from __future__ import annotations

import datetime as dt
import io
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import shiboken6
from pypdf import PdfReader
from PySide6.QtCore import QPointF

from app.models.rules.clock import Clock
from app.models.store import Store, outbox
from app.models.store.security import list_backups
from app.ui.export_flow import OFFICERS_COPY, PERSONS_COPY
from app.ui.workspace import TAB_NAMES
from tests.ui.conftest import (
    SECRET_FLAG,
    SECRET_GP,
    SECRET_NOTE,
    SECRET_PROGRESS,
    SECRET_REVIEW,
    TODAY,
    open_case,
    unlock,
    wait_idle,
)

REF = "CPO-2026-0001"
RESTRICTED = "CPO-2026-0777"
SECRETS = [SECRET_NOTE, SECRET_PROGRESS, SECRET_REVIEW, SECRET_FLAG, SECRET_GP]
ROOT = Path(__file__).resolve().parents[2]


def _reopen(path: Path, passphrase: str) -> Store:
    return Store.open(path, passphrase, clock=Clock.fixed(TODAY))


def _pdf_text(data: bytes, password: str | None = None) -> str:
    reader = PdfReader(io.BytesIO(data))
    if password is not None:
        assert reader.is_encrypted
        reader.decrypt(password)
    return "\n".join(page.extract_text() for page in reader.pages)


def _export(qtbot: Any, w: Any, document: str, copy: str) -> Any:
    before = w.workspace.export_dialog
    w.workspace._export(document, copy)
    qtbot.waitUntil(lambda: w.workspace.export_dialog not in (None, before), timeout=15000)
    return w.workspace.export_dialog


def _events(w: Any, action: str) -> list[Any]:
    return [e for e in w.ctx.store.audit_events() if e.action == action]


def _sign(pad: Any, wiggle: int = 24) -> None:
    pad.begin_stroke(QPointF(20, 60))
    for x in range(24, 200, 8):
        pad.extend_stroke(QPointF(x, 60 + (x % wiggle)))
    pad.end_stroke()


# ------------------------------------------------------------------ documents
def test_persons_copy_preview_save_with_password_queue_and_print(qtbot: Any, make_window: Any, ui_store: Path,
                                                                  passphrase: str, tmp_path: Path) -> None:
    w = make_window()
    unlock(qtbot, w, ui_store, passphrase)
    open_case(qtbot, w, RESTRICTED)
    wait_idle(qtbot, w)
    d = _export(qtbot, w, "plan", "individual")
    assert d.copy_banner.text() == PERSONS_COPY and "person's copy" in d.windowTitle()
    assert d.isVisible() and d.page_count >= 1
    text = _pdf_text(d._pdf)
    assert "Information withheld" in text
    for secret in SECRETS:
        assert secret not in text
    wait_idle(qtbot, w)
    assert _events(w, "export") == []  # a preview is not an export

    # Save as… with a password: written atomically, AES-256, owner only
    w.ctx.prompts.files = [str(tmp_path / "out" / "plan-for-person")]
    w.ctx.prompts.passwords = ["correct horse battery"]
    d.password_box.setChecked(True)
    with qtbot.waitSignal(d.exported, timeout=15000) as saved:
        d.save_as()
    assert saved.args == ["saved"]
    target = tmp_path / "out" / "plan-for-person.pdf"
    assert "Information withheld" in _pdf_text(target.read_bytes(), "correct horse battery")
    assert b"/AESV3" in target.read_bytes() or b"/V 5" in target.read_bytes()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert "Saved as plan-for-person.pdf (password protected)" == d.status.text()

    # cancelling the password prompt saves nothing
    w.ctx.prompts.files = [str(tmp_path / "cancelled.pdf")]
    w.ctx.prompts.passwords = [None]
    d.save_as()
    wait_idle(qtbot, w)
    assert not (tmp_path / "cancelled.pdf").exists()

    # queue for the shared drive (no folder set: it waits in the store)
    d.password_box.setChecked(False)
    with qtbot.waitSignal(d.exported, timeout=15000) as queued:
        d.queue()
    assert queued.args == ["queued"]
    assert "CPO-2026-0777_case-management-plan_individual-copy.pdf" in d.status.text()
    qtbot.waitUntil(lambda: w.sync_label.text().startswith("1 export waiting for the shared drive"), timeout=15000)

    # "Print to File" in the print dialog: the real document through Save (text, owner only)
    w.ctx.prompts.print_to = str(tmp_path / "printed.pdf")
    with qtbot.waitSignal(d.exported, timeout=15000) as printed:
        assert d.print_() is False  # not sent to a printer
    assert printed.args == ["saved"]
    assert "Information withheld" in _pdf_text((tmp_path / "printed.pdf").read_bytes())
    assert stat.S_IMODE((tmp_path / "printed.pdf").stat().st_mode) == 0o600
    assert d.status.text() == "Saved as printed.pdf"

    wait_idle(qtbot, w)
    exports = _events(w, "export")
    assert [(e.entity, e.entity_ref, e.detail) for e in exports] == [("plan", RESTRICTED, "for-individual")] * 3
    (item,) = outbox.pending(w.ctx.store)
    assert item.filename == "CPO-2026-0777_case-management-plan_individual-copy.pdf"
    assert item.document_kind == "plan" and item.case_reference == RESTRICTED
    for secret in SECRETS:
        assert secret.encode() not in outbox.content(w.ctx.store, item.id)


def test_officers_copy_and_choosing_a_review(qtbot: Any, make_window: Any, ui_store: Path, passphrase: str) -> None:
    with _reopen(ui_store, passphrase) as s:
        s.add_item(RESTRICTED, "reviews", {"held_on": "2026-10-01", "kind": "scheduled",
                                           "summary": "Earlier review summary okapiword"})
    w = make_window()
    unlock(qtbot, w, ui_store, passphrase)
    open_case(qtbot, w, RESTRICTED)
    # cancelling the choice renders nothing
    w.ctx.prompts.choices = [None]
    w.workspace._export("review", "officer")
    wait_idle(qtbot, w)
    assert w.workspace.export_dialog is None
    assert w.ctx.prompts.calls[-1] == ("choose", "Which review summary? | 20/11/2026 (latest) / 01/10/2026")

    w.ctx.prompts.choices = [1]
    d = _export(qtbot, w, "review", "officer")
    assert d.review_date == dt.date(2026, 10, 1)
    assert d.copy_banner.text() == OFFICERS_COPY
    assert "okapiword" in _pdf_text(d._pdf)

    w.ctx.prompts.choices = [0]
    d = _export(qtbot, w, "review", "officer")
    assert d.review_date == dt.date(2026, 11, 20)
    assert SECRET_REVIEW in _pdf_text(d._pdf)  # the officer's copy keeps third-party information
    d.queue()
    qtbot.waitUntil(lambda: "review-summary_2026-11-20_officer-copy" in d.status.text(), timeout=15000)

    # privacy mode closes the officer's copy, and asks before showing one
    w.set_privacy(True)
    assert w.workspace.export_dialog is None
    w.ctx.prompts.confirm_answers = [False]
    w.workspace._export("plan", "officer")
    wait_idle(qtbot, w)
    assert w.workspace.export_dialog is None and "Privacy mode is on" in w.ctx.prompts.calls[-1][1]
    w.ctx.prompts.confirm_answers = [True]
    d = _export(qtbot, w, "plan", "officer")
    w.set_privacy(False)

    # locking closes the preview (it holds case content)
    w.lock()
    wait_idle(qtbot, w)
    assert w.workspace.export_dialog is None
    assert not shiboken6.isValid(d) or not d.isVisible()


def test_export_problem_is_one_line(qtbot: Any, make_window: Any, ui_store: Path, passphrase: str) -> None:
    w = make_window()
    unlock(qtbot, w, ui_store, passphrase)
    open_case(qtbot, w, REF)
    w.workspace._export("review", "individual")  # this case has no reviews
    qtbot.waitUntil(lambda: "info" in w.ctx.prompts.kinds(), timeout=15000)
    (message,) = [m for k, m in w.ctx.prompts.calls if k == "info"]
    assert "review" in message and "\n" not in message and "Traceback" not in message
    assert w.workspace.export_dialog is None


def test_capture_signatures_then_the_contract_draws_them(qtbot: Any, make_window: Any, ui_store: Path,
                                                         passphrase: str) -> None:
    w = make_window()
    unlock(qtbot, w, ui_store, passphrase)
    open_case(qtbot, w, REF, TAB_NAMES.index("Contract"))
    ws = w.workspace
    assert ws.signature_state.text() == "Signatures: person not captured; officer not captured."
    ws.sign_button.click()
    dlg = ws.signature_dialog
    assert dlg is not None and dlg.isVisible()
    dlg.save()
    assert "sign in at least one pad" in dlg.error.text()
    _sign(dlg.pads["individual"])
    _sign(dlg.pads["officer"], 40)
    dlg.dates["officer"].setText("31/11/2026")
    dlg.save()
    assert "not a date" in dlg.error.text()
    dlg.dates["individual"].setText("20/11/2026")
    dlg.dates["officer"].setText("23/11/2026")
    with qtbot.waitSignal(w.case_opened, timeout=15000):
        dlg.save()
    assert ws.signature_state.text() == "Signatures: person signed 20/11/2026 ✓; officer signed 23/11/2026 ✓."
    sig = w.ctx.store.get_signature(REF, "contract", "individual")
    assert sig is not None and sig[0].startswith(b"\x89PNG") and sig[1] == dt.date(2026, 11, 20)
    d = _export(qtbot, w, "contract", "individual")
    reader = PdfReader(io.BytesIO(d._pdf))
    images = sum(len(page.images) for page in reader.pages)
    assert images >= 2  # both signatures drawn in place (two different images)


def test_signatures_need_a_saved_contract(qtbot: Any, make_window: Any, ui_store: Path, passphrase: str) -> None:
    with _reopen(ui_store, passphrase) as s:
        s.update_case(REF, {"contract": None})
    w = make_window()
    unlock(qtbot, w, ui_store, passphrase)
    open_case(qtbot, w, REF, TAB_NAMES.index("Contract"))
    assert not w.workspace.sign_button.isEnabled()
    assert "save the contract first" in w.workspace.signature_state.text()


# ------------------------------------------------------------------ sync
def test_sync_status_survives_lock_and_sync_now_delivers(qtbot: Any, make_window: Any, ui_store: Path,
                                                         passphrase: str, tmp_path: Path) -> None:
    w = make_window()
    unlock(qtbot, w, ui_store, passphrase)
    qtbot.waitUntil(lambda: w.sync_label.text() == "All exports delivered", timeout=15000)
    open_case(qtbot, w, REF)
    d = _export(qtbot, w, "plan", "officer")
    with qtbot.waitSignal(d.exported, timeout=15000):
        d.queue()
    qtbot.waitUntil(lambda: w.sync_label.text().startswith("1 export waiting for the shared drive"), timeout=15000)
    assert "no shared drive folder set" in w.sync_label.toolTip()

    service = w.ctx.sync
    with qtbot.waitSignal(w.locked, timeout=15000):
        w.lock()
    assert w.ctx.sync is None and not service.running and not service.busy
    assert w.sync_label.text() == ""

    w.unlock_page.passphrase.setText(passphrase)
    w.unlock_page.submit()
    qtbot.waitUntil(lambda: w.sync_label.text().startswith("1 export waiting for the shared drive"), timeout=15000)
    assert w.ctx.sync is not None and w.ctx.sync is not service

    share = tmp_path / "share"
    share.mkdir()
    w.ctx.store.set_setting("shared_drive_folder", str(share))
    w.act_sync.trigger()
    qtbot.waitUntil(lambda: w.sync_label.text() == "All exports delivered", timeout=15000)
    from app.team import identity
    from tests.helpers import shared_documents

    [(name, pdf)] = shared_documents(share, identity.age_identity(w.ctx.store)).items()
    assert pdf.startswith(b"%PDF") and "CPO-2026-0001" not in name  # encrypted, under an id-only name
    assert (share / name).parent.joinpath("casebook-manifest.jsonl").exists()


def test_idle_lock_stops_sync_before_closing(qtbot: Any, make_window: Any, ui_store: Path, passphrase: str) -> None:
    w = make_window(idle_ms=1500, sync_delay_ms=0, sync_poll_ms=50)
    unlock(qtbot, w, ui_store, passphrase)
    service = w.ctx.sync
    store = w.ctx.store
    qtbot.waitUntil(lambda: service.running, timeout=5000)
    with qtbot.waitSignal(w.locked, timeout=10000):
        pass
    assert w.ctx.sync is None and not service.running and not service.busy
    wait_idle(qtbot, w)
    assert store.closed


# ------------------------------------------------------------------ security
def test_close_takes_a_rolling_backup(qtbot: Any, make_window: Any, ui_store: Path, passphrase: str,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    w = make_window(sync_delay_ms=600_000)  # no sync pass: its copy warning is not this test's
    unlock(qtbot, w, ui_store, passphrase)
    assert list_backups(ui_store) == []
    seen_while_backing_up: list[bool] = []
    import app.ui.main_window as mw

    real_backup = mw.rolling_backup

    def watched_backup(store: Any) -> Any:
        seen_while_backing_up.append(w.isVisible())
        return real_backup(store)

    monkeypatch.setattr(mw, "rolling_backup", watched_backup)
    w.close()
    assert seen_while_backing_up == [False]  # the window is gone while the backup runs
    (backup,) = list_backups(ui_store)
    assert backup.kind == "rolling" and w.close_backup == backup.path
    with Store.open(backup.path, passphrase) as copy:  # an encrypted copy under the same passphrase
        assert {c.reference for c in copy.list_cases()} == {REF, RESTRICTED}
    assert w.ctx.prompts.kinds() == []


def test_close_backup_failure_is_shown_and_closing_goes_on(qtbot: Any, make_window: Any, ui_store: Path,
                                                           passphrase: str, monkeypatch: Any) -> None:
    import app.ui.main_window as mw

    def broken(store: Any, reason: str | None = None) -> Path:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(mw, "rolling_backup", broken)
    w = make_window()
    unlock(qtbot, w, ui_store, passphrase)
    w.close()
    assert not w.isVisible()
    (kind, message), = w.ctx.prompts.calls
    assert kind == "error" and "backup taken on closing failed" in message and "No space left" in message
    with _reopen(ui_store, passphrase) as s:  # the store was closed all the same
        assert s.list_cases()


def test_nfd_view_is_recorded_once_per_case_opening(qtbot: Any, make_window: Any, ui_store: Path,
                                                    passphrase: str) -> None:
    w = make_window()
    unlock(qtbot, w, ui_store, passphrase)

    def views() -> list[tuple[str | None, str | None]]:
        wait_idle(qtbot, w)
        return [(e.entity_ref, e.detail) for e in w.ctx.store.audit_events() if e.action == "view_nfd"]

    open_case(qtbot, w, RESTRICTED)
    assert views() == [(RESTRICTED, "notes,plan,reviews,flags")]
    w.workspace.refresh()  # repaint / reload after a save: not a new opening
    qtbot.waitUntil(lambda: w.ctx.tasks.pending == 0, timeout=10000)
    w.workspace.tabs.setCurrentIndex(TAB_NAMES.index("Notes"))
    assert len(views()) == 1
    open_case(qtbot, w, REF)  # nothing restricted here
    assert len(views()) == 1
    w.set_privacy(True)
    open_case(qtbot, w, RESTRICTED)  # privacy mode: nothing shown, nothing recorded
    assert len(views()) == 1
    w.set_privacy(False)  # now it is on screen
    assert len(views()) == 2
    w.set_privacy(True)
    w.set_privacy(False)  # the same opening
    assert len(views()) == 2
    detail = " ".join(d or "" for _, d in views())
    for secret in SECRETS:
        assert secret not in detail


def test_change_passphrase(qtbot: Any, make_window: Any, ui_store: Path, passphrase: str) -> None:
    w = make_window()
    unlock(qtbot, w, ui_store, passphrase)
    w.act_passphrase.trigger()
    d = w.passphrase_dialog
    assert d is not None and d.isVisible()
    new = "otter lantern granite meadow 7"
    d.old.setText(passphrase)
    d.new.setText("short")
    d.confirm.setText("short")
    d.submit()
    assert "too short" in d.error.text()
    d.new.setText("aaaaaaaaaaaa")
    d.confirm.setText("aaaaaaaaaaaa")
    assert d.strength.format().startswith(("Very weak", "Weak"))
    d.submit()
    assert d.error.text().startswith("The new passphrase is too easy to guess")
    d.new.setText(new)
    assert d.strength.format().startswith(("Good", "Strong"))
    d.confirm.setText(new + "x")
    d.submit()
    assert d.error.text() == "The two new passphrases differ."
    d.old.setText("not the passphrase at all")
    d.confirm.setText(new)
    d.submit()
    qtbot.waitUntil(lambda: "wrong" in d.error.text(), timeout=15000)
    assert d.error.text() == "The current passphrase is wrong: nothing was changed."
    assert "\n" not in d.error.text()
    d.old.setText(passphrase)
    d.submit()
    qtbot.waitUntil(lambda: "info" in w.ctx.prompts.kinds(), timeout=30000)
    assert not d.isVisible() and d.old.text() == "" and d.new.text() == ""
    message = dict(w.ctx.prompts.calls)["info"]
    assert "Passphrase changed" in message and "before-passphrase-change" in message

    with qtbot.waitSignal(w.locked, timeout=15000):
        w.lock()
    w.unlock_page.passphrase.setText(passphrase)  # the old one no longer opens it
    with qtbot.waitSignal(w.unlock_page.failed, timeout=15000):
        w.unlock_page.submit()
    w.unlock_page.lockout_seconds = [0] * 7
    w.unlock_page._wait = 0
    w.unlock_page._tick()
    w.unlock_page.passphrase.setText(new)
    w.unlock_page.submit()
    qtbot.waitUntil(lambda: w.ctx.store is not None, timeout=15000)


def test_second_window_is_told_the_store_is_already_open(qtbot: Any, make_window: Any, ui_store: Path,
                                                         passphrase: str) -> None:
    first = make_window()
    unlock(qtbot, first, ui_store, passphrase)
    second = make_window()
    with qtbot.waitSignal(second.unlock_page.failed, timeout=15000):
        second.start_with(ui_store, passphrase)
    page = second.unlock_page
    assert page.message.isVisible()
    assert page.message.text() == "Ui.cbk is already open in another Casebook window"
    assert second.ctx.store is None and page.failures == 0 and page.button.isEnabled()
    first.close()
    page.unlock_with(passphrase)  # once the first window has closed it opens
    qtbot.waitUntil(lambda: second.ctx.store is not None, timeout=15000)


def test_store_open_in_another_process(qtbot: Any, make_window: Any, ui_store: Path, passphrase: str) -> None:
    code = ("import sys, time\nfrom app.models.store import instance_lock\n"
            "lock = instance_lock.acquire(sys.argv[1])\nprint('held', flush=True)\nsys.stdin.readline()\n")
    holder = subprocess.Popen([sys.executable, "-c", code, str(ui_store)], cwd=ROOT, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        w = make_window()
        with qtbot.waitSignal(w.unlock_page.failed, timeout=15000):
            w.start_with(ui_store, passphrase)
        assert "already open in another Casebook window" in w.unlock_page.message.text()
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=10)


# ------------------------------------------------------------------ deadline settings
def test_settings_edit_local_holidays(qtbot: Any, make_window: Any, ui_store: Path, passphrase: str) -> None:
    with _reopen(ui_store, passphrase) as s:
        s.set_local_holiday(dt.date(2026, 12, 28), "Council winter day")
    w = make_window()
    unlock(qtbot, w, ui_store, passphrase)
    w.open_settings()
    d = w.settings_dialog
    wait_idle(qtbot, w)
    assert d.holiday_list() == [(dt.date(2026, 12, 28), "Council winter day")]
    d.holiday_date.setText("31/02/2027")
    d.holiday_name.setText("Nonsense")
    d.add_holiday()
    assert "not a date" in d.error.text() and len(d.holiday_list()) == 1
    d.holiday_date.setText("24/11/2026")
    d.holiday_name.setText("  St Andrew's   week  ")
    d.add_holiday()
    d.holiday_date.setText("28/12/2026")
    d.holiday_name.setText("Twice")
    d.add_holiday()
    assert "already in the list" in d.error.text()
    assert [day for day, _ in d.holiday_list()] == [dt.date(2026, 11, 24), dt.date(2026, 12, 28)]
    d.holidays.setCurrentRow(1)
    d.remove_holiday()
    d.weeks["low"].setValue(10)
    with qtbot.waitSignal(d.finished, timeout=15000):
        d.save()
    wait_idle(qtbot, w)
    assert w.ctx.store.local_holidays() == [(dt.date(2026, 11, 24), "St Andrew's week")]
    assert w.ctx.store.get_setting("intensity_weeks") == {"high": 4, "medium": 8, "low": 10}
    w.open_settings()
    wait_idle(qtbot, w)
    assert w.settings_dialog.holiday_list() == [(dt.date(2026, 11, 24), "St Andrew's week")]


def test_store_config_is_one_transaction(store: Store) -> None:
    from app.models.errors import ValidationError
    from app.models.store.store_config import save_store_config

    with pytest.raises(ValidationError, match="needs a name"):
        save_store_config(store, {"officer_name": "Changed"}, [(dt.date(2026, 12, 1), " ")])
    with pytest.raises(ValidationError, match="1 to 104"):
        save_store_config(store, {"intensity_weeks": {"high": 0}}, [(dt.date(2026, 12, 1), "Day")])
    assert store.get_setting("officer_name") is None and store.local_holidays() == []
    save_store_config(store, {"report_days_before": 6}, [(dt.date(2026, 12, 1), "Day")])
    assert store.get_setting("report_days_before") == 6
    assert store.local_holidays() == [(dt.date(2026, 12, 1), "Day")]
