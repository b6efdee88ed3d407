"""Officer cards and pinning (issue 15, item 1).

A card is the public half of an officer's identity, self-signed with the officer's Ed25519
key: ``{"card": {format, officer_id, recipient, signing_key, fingerprint, published},
"signature": hex}``.  Sync publishes it to ``<folder>/casebook/officers/`` as
``<officer-id>-<UTC time>-<hex>.card.json`` whenever it differs from the last one published
(never overwriting: a new file each time; the newest valid card per officer counts).

The card carries no readable name: the drive shows nobody's name (issue 15).  The officer's
display name travels in the card as ``sealed_name``, an age file (base64) readable only by the
officers who may read it: this officer, every colleague pinned here, the pinned team manager and
the team recovery recipient.  A colleague who cannot open it sees the officer id.  Sync checks
the card on every pass and publishes a new one when the name or those recipients changed (a
colleague pinned since).

Trust is on first use: the first time a colleague's card is used (``pin_for_use``) its keys
are pinned in this store (setting ``officer_pins``).  A card whose keys differ from the pin is
refused with a clear message until the officer confirms the new fingerprint
(``confirm_pin``), compared by voice or in person with the colleague's Settings or
``casebook identity``.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.models.errors import NotFoundError, StoreError, ValidationError
from app.models.store import entities as E
from app.team import identity, layout, sealing
from app.team.delivery import FileOps, SyncError, deliver_new, describe_error, folder_problem
from app.team.onstore import OnStore, inline

if TYPE_CHECKING:
    from app.models.store import Store

CARD_FORMAT = "casebook-card/v1"
CARD_EXT = layout.CARD_EXT
SETTING_PINS = sealing.SETTING_PINS  # declared with the other keys shared-drive readers use
SETTING_PUBLISHED = "card_published"
NAME_FORMAT = "casebook-card-name/v1"
MAX_SEALED_NAME = 8 * 1024


class KeyChangedError(StoreError):
    """A known officer id now shows different keys: refused until the new fingerprint is confirmed."""


@dataclass(frozen=True)
class Card:
    officer_id: str
    name: str
    recipient: str
    signing_key: str
    fingerprint: str
    published: str
    file: str
    sealed_name: str = ""  # base64 age file: the display name, for the officers who may read it

    def keys(self) -> dict[str, str]:
        return {"recipient": self.recipient, "signing_key": self.signing_key, "fingerprint": self.fingerprint}


@dataclass(frozen=True)
class CardStatus:
    card: Card
    state: str  # own | pinned | new | changed
    pinned_fingerprint: str | None

    def as_dict(self) -> dict[str, Any]:
        return {"officer_id": self.card.officer_id, "name": self.card.name, "fingerprint": self.card.fingerprint,
                "recipient": self.card.recipient, "signing_key": self.card.signing_key,
                "published": self.card.published, "file": self.card.file, "state": self.state,
                "pinned": self.state in ("own", "pinned"), "pinned_fingerprint": self.pinned_fingerprint}


def _canonical(value: dict[str, Any]) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def name_recipients(store: Store) -> list[str]:
    """Who may read this officer's name on its card: the officer, every colleague pinned here,
    the pinned team manager and the team recovery recipient (valid age recipients only)."""
    import pyrage

    out = list(sealing.recipients_for(store))
    out += [p["recipient"] for p in pins(store).values() if isinstance(p, dict) and isinstance(p.get("recipient"), str)]
    good = []
    for r in dict.fromkeys(out):
        try:
            pyrage.x25519.Recipient.from_str(r)
        except Exception:  # a damaged pin: that colleague sees the id
            continue
        good.append(r)
    return good


def seal_name(officer_id: str, name: str, recipients: list[str]) -> str:
    import pyrage

    plain = _canonical({"format": NAME_FORMAT, "officer_id": officer_id, "name": name})
    keys = [pyrage.x25519.Recipient.from_str(r) for r in recipients]
    return base64.b64encode(bytes(pyrage.encrypt(plain, keys))).decode("ascii")


def open_name(store: Store, card: Card) -> str | None:
    """The name sealed in ``card`` if this store's officer may read it, else None."""
    if not card.sealed_name or len(card.sealed_name) > MAX_SEALED_NAME:
        return None
    try:
        blob = base64.b64decode(card.sealed_name.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return None
    import pyrage

    try:
        body = json.loads(bytes(pyrage.decrypt(blob, [identity.age_identity(store)])).decode("utf-8"))
    except Exception:  # pyrage.DecryptError (not sealed to us, or damaged), bad JSON
        return None
    if not isinstance(body, dict) or body.get("format") != NAME_FORMAT or body.get("officer_id") != card.officer_id:
        return None
    name = body.get("name")
    return name[:100] if isinstance(name, str) and name.strip() else None


def named(store: Store, card: Card) -> Card:
    """``card`` with the name this officer can read: sealed in the card, else the one kept
    with its pin, else none (the GUI and CLI then show the officer id)."""
    name = open_name(store, card)
    if name is None:
        pin = pins(store).get(card.officer_id)
        name = str(pin.get("name") or "") if isinstance(pin, dict) else ""
    return card if name == card.name else replace(card, name=name)


def card_bytes(store: Store, now: dt.datetime | None = None) -> tuple[bytes, str]:
    """This store's signed card and the digest of what it says (without the time and the
    randomness of the sealed name: the same name to the same readers is the same card)."""
    ident = identity.ensure(store)
    # No readable name: the drive shows nobody's name (issue 15 item 6).  The name is sealed to
    # the officers who may read it; colleagues match an id to a person by its fingerprint.
    body = {"format": CARD_FORMAT, "officer_id": ident.officer_id,
            "recipient": ident.recipient, "signing_key": ident.signing_key, "fingerprint": ident.fingerprint}
    readers = name_recipients(store) if ident.name else []
    digest = hashlib.sha256(_canonical({**body, "name": ident.name or "", "readers": sorted(readers)})).hexdigest()
    if readers:
        body["sealed_name"] = seal_name(ident.officer_id, str(ident.name), readers)
    body["published"] = (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")
    signature = identity.signing_private(store).sign(_canonical(body)).hex()
    return _canonical({"card": body, "signature": signature}) + b"\n", digest


def parse_card(data: bytes, file: str = "") -> Card:
    """A card whose signature verifies and whose fingerprint matches its keys; ValidationError else."""
    from cryptography.exceptions import InvalidSignature  # loaded with the first check, not with the window
    try:
        outer = json.loads(data.decode("utf-8"))
        body, signature = outer["card"], bytes.fromhex(outer["signature"])
        if body.get("format") != CARD_FORMAT:
            raise ValueError
        oid = identity.check_officer_id(body["officer_id"])
        key = identity.load_signing_public(body["signing_key"])
        key.verify(signature, _canonical(body))
        if identity.fingerprint(oid, body["recipient"], body["signing_key"]) != body["fingerprint"]:
            raise ValueError
        import pyrage

        pyrage.x25519.Recipient.from_str(body["recipient"])
        sealed = body.get("sealed_name", "")
        if not isinstance(sealed, str) or len(sealed) > MAX_SEALED_NAME:
            raise ValueError
        return Card(oid, str(body.get("name") or ""), body["recipient"], body["signing_key"], body["fingerprint"],
                    str(body.get("published") or ""), file, sealed)
    except (InvalidSignature, ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as exc:
        raise ValidationError(f"{file or 'the card'} is not a valid officer card (damaged or forged)") from exc
    except Exception as exc:  # pyrage.RecipientError and friends
        raise ValidationError(f"{file or 'the card'} is not a valid officer card (damaged or forged)") from exc


def publish_card(store: Store, folder: Path, ops: FileOps | None = None, *, force: bool = False,
                 on_store: OnStore = inline) -> str | None:
    """Deliver this officer's card if it changed since the last one published; its file name,
    or None when already published.  OSError/SyncError on failure (nothing recorded then).
    The store calls (the signed card, the record of it) go through ``on_store``."""
    ops = ops or FileOps()
    card = on_store(lambda: _card_due(store, force))
    if card is None:
        return None
    data, digest, oid = card
    problem = folder_problem(folder, ops)
    if problem is not None:
        raise SyncError(problem)
    where = layout.officers_dir(folder)
    where.mkdir(parents=True, exist_ok=True)
    name = layout.stem(oid, dt.datetime.now(dt.UTC)) + CARD_EXT
    deliver_new(where, name, data, {"kind": "card", "officer": oid}, ops)
    on_store(lambda: _record_published(store, digest, oid, name))
    return name


def _card_due(store: Store, force: bool) -> tuple[bytes, str, str] | None:
    """Store step of ``publish_card``: (card, digest, officer id), None when already published."""
    data, digest = card_bytes(store)
    if not force and store.get_setting(SETTING_PUBLISHED) == digest:
        return None
    return data, digest, identity.ensure(store).officer_id


def _record_published(store: Store, digest: str, oid: str, name: str) -> None:
    with store.transaction() as tx:
        put_setting(tx, SETTING_PUBLISHED, digest)
        tx.audit("publish", "officer_card", oid, name)


def put_setting(tx: Any, key: str, value: Any) -> None:
    """Write a team setting inside the caller's transaction (cards and status packets)."""
    row = tx.session.get(E.StoreSetting, key)
    if row is None:
        tx.session.add(E.StoreSetting(key=key, value=value))
    else:
        row.value = value


def read_cards(folder: Path, ops: FileOps | None = None) -> tuple[dict[str, Card], list[tuple[str, str]]]:
    """The newest valid card per officer id, and (file, problem) for every bad file."""
    ops = ops or FileOps()
    where = layout.officers_dir(folder)
    if not ops.isdir(where):
        return {}, []
    best: dict[str, tuple[str, Card]] = {}
    bad: list[tuple[str, str]] = []
    for name in sorted(ops.listdir(where)):
        if name.startswith(".") or name == "casebook-manifest.jsonl":
            continue
        m = layout.NAME_RE.match(name)
        if m is None or m.group("ext") != CARD_EXT:
            bad.append((name, "not an officer card"))
            continue
        try:
            card = parse_card(ops.read_bytes(where / name), name)
        except ValidationError as exc:
            bad.append((name, str(exc)))
            continue
        except OSError as exc:
            bad.append((name, describe_error(exc, folder)))
            continue
        if card.officer_id != m.group("officer"):
            bad.append((name, "names a different officer than its file name"))
            continue
        stamp = name[len(card.officer_id) + 1:]
        if card.officer_id not in best or stamp > best[card.officer_id][0]:
            best[card.officer_id] = (stamp, card)
    return {k: v[1] for k, v in best.items()}, bad


def pins(store: Store) -> dict[str, dict[str, Any]]:
    value = store.get_setting(SETTING_PINS)
    return dict(value) if isinstance(value, dict) else {}


def status_of(store: Store, card: Card) -> CardStatus:
    own = identity.officer_id(store)
    if card.officer_id == own:
        return CardStatus(card, "own", card.fingerprint)
    pin = pins(store).get(card.officer_id)
    if pin is None:
        return CardStatus(card, "new", None)
    same = pin.get("fingerprint") == card.fingerprint and pin.get("signing_key") == card.signing_key \
        and pin.get("recipient") == card.recipient
    return CardStatus(card, "pinned" if same else "changed", pin.get("fingerprint"))


def list_officers(store: Store, folder: Path, ops: FileOps | None = None) -> tuple[list[CardStatus], list[tuple[str, str]]]:
    """Every officer's newest card, with the name this officer may read (else none)."""
    found, bad = read_cards(folder, ops)
    return [status_of(store, named(store, c)) for _, c in sorted(found.items())], bad


def changed_message(status: CardStatus) -> str:
    return (f"the keys of officer {status.card.officer_id} ({status.card.name or 'no name'}) have changed since "
            f"they were pinned (was {status.pinned_fingerprint}, now {status.card.fingerprint}); check the new "
            "fingerprint with the colleague, then confirm it: casebook officers --confirm "
            f"{status.card.officer_id} --fingerprint \"{status.card.fingerprint}\" (or Settings)")


def pin_for_use(store: Store, folder: Path, officer_id: str, ops: FileOps | None = None,
                found: dict[str, Card] | None = None) -> Card:
    """The colleague's card, pinned on first use; KeyChangedError when it differs from the pin.
    ``found``: the cards on the drive when the caller read them already (off the store's thread)."""
    identity.check_officer_id(officer_id)
    if found is None:
        found, _ = read_cards(folder, ops)
    card = found.get(officer_id)
    if card is not None:
        card = named(store, card)
    pin = pins(store).get(officer_id)
    if card is None:
        if pin is not None:  # no card on the drive now, but we know the keys
            return Card(officer_id, str(pin.get("name") or ""), pin["recipient"], pin["signing_key"],
                        pin["fingerprint"], str(pin.get("pinned_at") or ""), "")
        raise NotFoundError(f"no card for officer {officer_id} on the shared drive (their next sync publishes it)")
    status = status_of(store, card)
    if status.state == "changed":
        raise KeyChangedError(changed_message(status))
    if status.state == "new":
        _pin(store, card, "pinned on first use")
    elif card.name and pin is not None and pin.get("name") != card.name:
        _pin(store, card, "name read from the card")  # a name sealed to us since: kept with the pin
    return card


def confirm_pin(store: Store, folder: Path, officer_id: str, fingerprint: str, ops: FileOps | None = None) -> Card:
    """Pin the officer's current card after the officer checked its fingerprint."""
    found, _ = read_cards(folder, ops)
    card = found.get(identity.check_officer_id(officer_id))
    if card is None:
        raise NotFoundError(f"no card for officer {officer_id} on the shared drive")
    card = named(store, card)
    if " ".join(fingerprint.split()) != card.fingerprint:
        raise ValidationError(f"that fingerprint is not the one on {officer_id}'s card ({card.fingerprint}); "
                              "nothing was pinned")
    _pin(store, card, "new fingerprint confirmed")
    return card


def _pin(store: Store, card: Card, why: str) -> None:
    with store.transaction() as tx:
        row = tx.session.get(E.StoreSetting, SETTING_PINS)
        current = dict(row.value) if row is not None and isinstance(row.value, dict) else {}
        current[card.officer_id] = {**card.keys(), "name": card.name,
                                    "pinned_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
        put_setting(tx, SETTING_PINS, current)
        tx.audit("pin", "officer_card", card.officer_id, f"{why}: {card.fingerprint}")
