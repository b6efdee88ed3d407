"""Officer cards and pinning (issue 15, item 1) over real stores sharing one folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main
from app.models.errors import ValidationError
from app.models.store import Store
from app.team import cards, identity, layout
from app.team.identity import SETTING_AGE_IDENTITY, SETTING_SIGNING_KEY

PW = "correct horse battery staple – ✓"


def _store(path: Path, name: str) -> Store:
    s = Store.create(path, PW)
    identity.ensure(s, name)
    return s


def test_publish_list_pin_and_refuse_a_changed_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    share = tmp_path / "share"
    share.mkdir()
    a, b = _store(tmp_path / "a.cbk", "Officer Alpha"), _store(tmp_path / "b.cbk", "Officer Beta")
    a_id, b_id = identity.ensure(a).officer_id, identity.ensure(b).officer_id
    name = cards.publish_card(b, share)
    assert name and layout.parse(name) and name.startswith(b_id)
    assert cards.publish_card(b, share) is None  # unchanged: not published again
    assert cards.publish_card(a, share)

    listed, bad = cards.list_officers(a, share)
    assert bad == [] and {s.card.officer_id: s.state for s in listed} == {a_id: "own", b_id: "new"}
    card = cards.pin_for_use(a, share, b_id)  # first use pins
    assert card.fingerprint == identity.ensure(b).fingerprint
    assert {s.card.officer_id: s.state for s in cards.list_officers(a, share)[0]}[b_id] == "pinned"

    # B's keys change (a reinstalled laptop, or someone forging B's card)
    with b.transaction() as tx:
        for key in (SETTING_AGE_IDENTITY, SETTING_SIGNING_KEY):
            tx.session.delete(tx.session.get(__import__("app.models.store.entities", fromlist=["E"]).StoreSetting,
                                             key))
    new_fp = identity.ensure(b).fingerprint
    assert cards.publish_card(b, share)
    with pytest.raises(cards.KeyChangedError, match="have changed since they were pinned"):
        cards.pin_for_use(a, share, b_id)
    with pytest.raises(ValidationError):
        cards.confirm_pin(a, share, b_id, "00000 00000 00000 00000 00000 00000")
    a.close()
    b.close()

    monkeypatch.setenv("CASEBOOK_PASSPHRASE", PW)
    capsys.readouterr()
    assert main(["officers", "--store", str(tmp_path / "a.cbk"), "--shared", str(share), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    state = {o["officer_id"]: o for o in out["officers"]}
    assert state[b_id]["state"] == "changed" and not state[b_id]["pinned"] and state[b_id]["fingerprint"] == new_fp
    assert main(["officers", "--store", str(tmp_path / "a.cbk"), "--shared", str(share),
                 "--confirm", b_id, "--fingerprint", new_fp]) == 0
    with Store.open(tmp_path / "a.cbk", PW) as a2:
        assert cards.pin_for_use(a2, share, b_id).fingerprint == new_fp
    assert not [p for p in share.rglob("*") if p.is_file() and b"Officer Beta" in p.read_bytes()]


def test_forged_or_damaged_cards_are_skipped(tmp_path: Path) -> None:
    share = tmp_path / "share"
    share.mkdir()
    with _store(tmp_path / "b.cbk", "Officer Beta") as b:
        name = cards.publish_card(b, share)
    where = layout.officers_dir(share)
    data = json.loads((where / str(name)).read_text("utf-8"))
    data["card"]["recipient"] = "age1" + "q" * 58  # swap the key, keep the signature
    forged = where / str(name).replace(str(name).split("-")[3], "ffffff" + layout.CARD_EXT)
    forged.write_text(json.dumps(data), encoding="utf-8")
    (where / "notes.txt").write_text("hello", encoding="utf-8")
    found, bad = cards.read_cards(share)
    assert list(found.values())[0].file == name
    assert dict(bad)[forged.name].endswith("not a valid officer card (damaged or forged)")
    assert set(dict(bad)) == {forged.name, "notes.txt"}
