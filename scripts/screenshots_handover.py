"""Save the handover screenshots of the desktop app (issue 15) into docs/screenshots/.

    QT_QPA_PLATFORM=offscreen python scripts/screenshots_handover.py
    (or on a virtual display: Xvfb :41 -screen 0 1366x768x24 & DISPLAY=:41 QT_QPA_PLATFORM=xcb ...)

Two synthetic demo stores (app.models.demo, fixed date 23/11/2026) share one temp folder as
the team's shared drive: the window is officer A's; officer B's laptop is driven through the
core (app.team.handover), as ``casebook handover`` would.
"""

from __future__ import annotations

import datetime as dt
import sys

from shots import PASSPHRASE, SIZE, prepare, settler
from shots import save as save_png

TMP = prepare("casebook-handover-shots-")

from PySide6.QtWidgets import QApplication  # noqa: E402

from app.models.demo import demo_bundle  # noqa: E402
from app.models.rules.clock import default_clock  # noqa: E402
from app.models.store import Store  # noqa: E402
from app.models.store import outbox as O  # noqa: E402
from app.team import cards, handover, identity  # noqa: E402

A_NAME, B_NAME = "Morag Demo-Officer", "Iain Demo-Colleague"


def main() -> int:
    today = dt.date(2026, 11, 23)
    share = TMP / "share"
    share.mkdir()
    a_path, b_path = TMP / "a.cbk", TMP / "b.cbk"
    a = Store.create(a_path, PASSPHRASE, clock=default_clock(), actor="demo")
    mine = demo_bundle(40, today=today)
    a.import_bundle(mine)
    identity.ensure(a, A_NAME)
    a.set_setting(O.SETTING_FOLDER, str(share))
    cards.publish_card(a, share)
    a_id = identity.ensure(a).officer_id
    a.close()
    b = Store.create(b_path, PASSPHRASE, clock=default_clock(), actor="demo")
    theirs = demo_bundle(3, seed=77, today=today)
    for i, c in enumerate(theirs["cases"]):
        c["reference"] = f"CPO-2026-{500 + i:04d}"
    b.import_bundle(theirs)
    identity.ensure(b, B_NAME)
    b.set_setting(O.SETTING_FOLDER, str(share))
    cards.publish_card(b, share)
    cards.pin_for_use(b, share, a_id)  # B knows A: B's card names B to A (sealed)
    cards.publish_card(b, share)

    app = QApplication.instance() or QApplication(sys.argv)
    from app.ui.main_window import MainWindow

    w = MainWindow(sync_delay_ms=600_000)  # the passes are this script's
    w.ctx.prompts.warn = lambda message: print("warning:", message)  # type: ignore[method-assign]
    w.ctx.prompts.confirm = lambda message: True  # type: ignore[method-assign]
    w.resize(*SIZE)
    w.show()

    settle = settler(app, w)

    def save(widget: object, name: str) -> None:
        settle()
        save_png(widget, name)

    def sync_a() -> None:
        store = w.ctx.store
        w.ctx.tasks.run(lambda: handover.sync(store))
        settle()
        w._after_sync_pass()
        settle()

    w.start_with(a_path, PASSPHRASE)
    settle(lambda: w.ctx.store is not None and w.caseload.model.rowCount() > 0 and not w.caseload.due_pending)
    # an active case with appointments (the Appointments tab shows what stays: reading, letters)
    ref = max(mine["cases"], key=lambda c: (c["order"].get("status") in (None, "active"),
                                            min(len(c.get("appointments", [])), 6), c["reference"]))["reference"]
    w.open_case(ref, 0)
    settle(lambda: w.workspace.data is not None and w.workspace.ref == ref)
    # Case > Hand over…: B's card is not pinned here yet, so its fingerprint is typed as B reads it out
    w.hand_over()
    settle(lambda: w.handover_dialog is not None and w.handover_dialog.isVisible())
    d = w.handover_dialog
    assert d is not None
    d.typed.setText(d.chosen().card.fingerprint)
    d.note.setText("Moving to the Paisley team in January; next appointment is booked for 2 December")
    save(d, "handover-dialog")
    d.accept()
    settle(lambda: w.workspace.read_only)
    w.workspace.show_tab("appointments")  # Book…, Change…, Record outcome greyed; the letters still print
    save(w, "handover-pending")
    w.show_caseload()
    w.caseload.select_reference(ref)
    save(w, "handover-caseload")
    # B hands one of theirs to A; A's next sync shows it above the page
    handover.hand_over(b, "CPO-2026-0501", a_id, "Off sick from Monday; please take over supervision")
    handover.sync(b)
    sync_a()
    settle(lambda: w.incoming.isVisible())
    w.show_today()
    save(w, "handover-incoming")
    # B accepts A's case: A's copy reads "transferred", read-only, off the caseload
    handover.sync(b)
    [item] = [i for i in handover.incoming(b) if i.reference == ref]
    handover.accept(b, item.packet_id)
    sync_a()
    w.open_case(ref, 0)
    settle(lambda: w.workspace.data is not None and w.workspace.custody_banner.text.text().startswith("Transferred"))
    save(w, "handover-transferred")
    b.close()
    w._do_lock()
    settle()
    w.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
