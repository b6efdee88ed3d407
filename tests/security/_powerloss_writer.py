"""Writer for the power-loss test (``python -m tests.security._powerloss_writer STORE BUNDLE START``).

Runs under the LD_PRELOAD shim (tests/security/powerloss_shim.c).  Opens the store and
commits numbered notes from START upwards (every 7th also a new case), printing
``ack note N`` / ``ack case REF`` only after the store method returned; now and then it
closes the store cleanly and opens it again (``ack closed``; the 2nd, 5th, ... note of each
run) or takes a rolling backup (``ack backup NAME``; the 3rd, 7th, ...).  The passphrase
comes from CASEBOOK_PASSPHRASE.

``CASEBOOK_PL_SYNCHRONOUS=NORMAL`` (or ``OFF``) lowers SQLite's durability after each open:
the deliberately broken store the test must catch (commits acknowledged before they reach
the disk).  Only this test helper reads it; the app has no such switch.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any


def main() -> None:
    store_path, bundle, start = sys.argv[1], sys.argv[2], int(sys.argv[3])
    passphrase = os.environ["CASEBOOK_PASSPHRASE"]
    with open(bundle, encoding="utf-8") as fh:
        case = json.load(fh)["cases"][0]
    from app.models.store import Store, security

    weak = os.environ.get("CASEBOOK_PL_SYNCHRONOUS")

    def open_store() -> Any:
        store = Store.open(store_path, passphrase)
        if weak:
            store._conn.execute(f"PRAGMA synchronous = {weak}")
        return store

    store = open_store()
    os.write(1, b"ready\n")
    n = start
    while True:
        store.add_item("CPO-2026-0001", "notes",
                       {"date": "2026-11-20", "kind": "office", "text": f"power-cut note {n}"})
        os.write(1, f"ack note {n}\n".encode())
        if n % 7 == 0:
            ref = f"PCUT-{n:06d}"
            store.create_case({**case, "reference": ref})
            os.write(1, f"ack case {ref}\n".encode())
        if (n - start) % 4 == 2:
            dest = security.rolling_backup(store, "pcut")
            os.write(1, f"ack backup {dest.name}\n".encode())
        if (n - start) % 3 == 1:
            store.close()
            os.write(1, b"ack closed\n")
            store = open_store()
        n += 1


if __name__ == "__main__":
    main()
