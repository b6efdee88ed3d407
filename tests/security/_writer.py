"""Fork server for the kill -9 test (run as ``python -m tests.security._writer STORE``).

Reads ``go N`` lines on stdin; for each, forks a writer child that opens the store once
and commits numbered notes from N upwards (every 7th also a new case), writing
``ack note N`` / ``ack case REF`` to stdout only after the commit returned.  The server
prints ``child PID`` after forking and ``dead PID`` once the child has died (the test
kills it with SIGKILL).  The passphrase comes from CASEBOOK_PASSPHRASE.
"""

from __future__ import annotations

import json
import os
import sys


def _child(store_path: str, passphrase: str, start: int, case: dict[str, object]) -> None:
    from app.models.store import Store

    store = Store.open(store_path, passphrase)
    os.write(1, b"ready\n")
    n = start
    while True:
        store.add_item("CPO-2026-0001", "notes",
                       {"date": "2026-11-20", "kind": "office", "text": f"kill-test note {n}"})
        os.write(1, f"ack note {n}\n".encode())
        if n % 7 == 0:
            ref = f"KILL-{n:06d}"
            store.create_case({**case, "reference": ref})
            os.write(1, f"ack case {ref}\n".encode())
        n += 1


def main() -> None:
    store_path = sys.argv[1]
    passphrase = os.environ["CASEBOOK_PASSPHRASE"]
    with open(sys.argv[2], encoding="utf-8") as fh:
        case = json.load(fh)["cases"][0]
    import app.models.store  # noqa: F401  (warm imports once, before forking)

    for line in sys.stdin:
        parts = line.split()
        if not parts or parts[0] != "go":
            break
        pid = os.fork()
        if pid == 0:
            try:
                _child(store_path, passphrase, int(parts[1]), case)
            finally:
                os._exit(1)
        os.write(1, f"child {pid}\n".encode())
        os.waitpid(pid, 0)
        os.write(1, f"dead {pid}\n".encode())


if __name__ == "__main__":
    main()
