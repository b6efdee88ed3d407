"""Officer names on cards (issue 15: "cards reveal no name"; the app still says NAME, not an
id): the name is sealed to the officers who may read it and re-published when they change."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pyrage

from app.models.store import Store
from app.team import cards, copies, identity, layout
from tests.team.conftest import grep_folder

PW = "correct horse battery staple – ✓"
A_NAME, B_NAME, C_NAME = "Ailsa Synthetic-Alpha", "Beathag Synthetic-Beta", "Calum Synthetic-Gamma"


def _store(path: Path, name: str) -> Store:
    s = Store.create(path, PW)
    identity.ensure(s, name)
    return s


def _names(store: Store, share: Path) -> dict[str, str]:
    return {s.card.officer_id: s.card.name for s in cards.list_officers(store, share)[0]}


def test_a_pinned_colleague_reads_the_name_nobody_else_does(tmp_path: Path) -> None:
    share = tmp_path / "share"
    share.mkdir()
    a, b, c = (_store(tmp_path / f"{n}.cbk", name) for n, name in (("a", A_NAME), ("b", B_NAME), ("c", C_NAME)))
    a_id, b_id, c_id = (identity.ensure(s).officer_id for s in (a, b, c))
    for s in (a, b, c):
        assert cards.publish_card(s, share)
    # nobody has pinned anybody: each sees only its own name, the others by id
    assert _names(b, share) == {a_id: "", b_id: B_NAME, c_id: ""}
    # A pins B (a handover to B, say); A's next sync re-publishes the card sealed to B too
    cards.pin_for_use(a, share, b_id)
    assert cards.publish_card(a, share)
    assert cards.publish_card(a, share) is None  # same name, same readers: not published again
    assert _names(b, share)[a_id] == A_NAME  # a colleague sees the name
    assert _names(c, share)[a_id] == ""  # C was not pinned by A: the id only
    # B pins A: B's card names B to A from B's next sync; B's pin keeps A's name
    assert cards.pin_for_use(b, share, a_id).name == A_NAME
    assert cards.pins(b)[a_id]["name"] == A_NAME
    assert cards.publish_card(b, share)
    assert _names(a, share)[b_id] == B_NAME
    # a new name is re-published; the team recovery recipient can read it as well
    key = pyrage.x25519.Identity.generate()
    copies.set_recovery_recipient(a, str(key.to_public()))
    identity.ensure(a, "Ailsa Renamed-Alpha")
    assert cards.publish_card(a, share)
    assert _names(b, share)[a_id] == "Ailsa Renamed-Alpha"
    newest = max(layout.officers_dir(share).glob(a_id + "-*"))
    body = json.loads(newest.read_bytes())["card"]
    plain = json.loads(pyrage.decrypt(base64.b64decode(body["sealed_name"]), [key]))
    assert plain["name"] == "Ailsa Renamed-Alpha" and plain["officer_id"] == a_id
    # and nothing on the drive shows a name
    assert grep_folder(share, [A_NAME, B_NAME, C_NAME, "Ailsa Renamed-Alpha", "Synthetic"]) == []
    for s in (a, b, c):
        s.close()
