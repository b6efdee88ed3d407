"""Case handover between officers through the shared drive (issue 15, items 2-6).

A **packet** carries one whole case record (every field the bundle carries, its signatures,
plan versions, aliases and audit events, with the audit events of earlier holders) from one
officer to another.  On the drive it is one file, ``<folder>/casebook/handovers/<recipient
id>/<packet id>.handover``::

    casebook-packet/v1\\n
    <header: canonical JSON, one line>\\n
    <Ed25519 signature, hex>\\n
    <age ciphertext>

The header holds ids only (format, kind, packet id, from, to, custody id, custody version,
hash of the previous packet for that case, time).  The signature (the sender's Ed25519 key)
covers the first line, the header and the ciphertext, so a packet truncated or altered
anywhere is refused.  The ciphertext (pyrage / age X25519) is readable only by the recipient
and, when one is set, the team recovery recipient; it holds the case, the note and the
sender's name.

A **decision** (``ack``, ``decline`` or ``cancel``) has the same form and is written to
``<folder>/casebook/handovers/<sender id>/<packet id>.decision`` with a no-replace create:
whichever of the recipient's acknowledgement (or decline) and the sender's cancel reaches the
drive first is the decision, and both stores follow it.  So a case has exactly one custodian:
the sender's copy is read-only from the moment the packet is queued; the recipient's
imported copy is read-only until its acknowledgement is on the drive.

Nothing here imports Qt.  The store side (custody state, the handover outbox, replay) is
``app.models.store.custody``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import secrets
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyrage

from app import safeio
from app.models.errors import NotFoundError, StoreError, ValidationError
from app.models.store import custody
from app.team import cards, identity, layout
from app.team.delivery import FileOps, SyncError, deliver_new, describe_error, folder_problem
from app.team.onstore import OnStore, inline

if TYPE_CHECKING:
    from app.models.store import Store

FORMAT = "casebook-packet/v1"
MAGIC = FORMAT.encode("ascii") + b"\n"
HANDOVER_EXT = ".handover"
DECISION_EXT = ".decision"
PACKET_ID_RE = re.compile(r"^pkt-[0-9a-f]{24}$")
CUSTODY_ID_RE = re.compile(r"^cus-[0-9a-f]{24}$")
NO_PREVIOUS = "0" * 64
MAX_NOTE = 1000
MAX_HEADER = 4096
DECISIONS = ("ack", "decline", "cancel")


class HandoverError(ValidationError):
    """A packet refused, with a one-line reason; nothing was imported."""


def new_packet_id() -> str:
    return "pkt-" + secrets.token_hex(12)


def new_custody_id() -> str:
    return "cus-" + secrets.token_hex(12)


def check_packet_id(value: str) -> str:
    if not isinstance(value, str) or not PACKET_ID_RE.match(value):
        raise ValidationError(f"{value!r} is not a packet id (pkt- and 24 hex digits; casebook incoming lists them)")
    return value


def check_note(text: str | None, what: str = "the note") -> str | None:
    if text is None:
        return None
    clean = " ".join(text.split())
    if len(clean) > MAX_NOTE or "\x00" in text:
        raise ValidationError(f"{what} must be at most {MAX_NOTE} characters")
    return clean or None


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=True, separators=(",", ":")).encode("ascii")


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


# ---------------------------------------------------------------------- the packet format
@dataclass(frozen=True)
class Parsed:
    header: dict[str, Any]
    signature: bytes
    signed: bytes
    ciphertext: bytes
    sha256: str


def seal(store: Store, header: dict[str, Any], payload: dict[str, Any], recipients: list[str]) -> bytes:
    """Encrypt ``payload`` to ``recipients`` (age X25519) and sign header + ciphertext."""
    keys = [pyrage.x25519.Recipient.from_str(r) for r in dict.fromkeys(recipients) if r]
    ciphertext = pyrage.encrypt(json.dumps(payload, ensure_ascii=False).encode("utf-8"), keys)
    head = _canonical({"format": FORMAT, **header})
    signed = MAGIC + head + b"\n" + ciphertext
    signature = identity.signing_private(store).sign(signed)
    return MAGIC + head + b"\n" + signature.hex().encode("ascii") + b"\n" + ciphertext


def parse(blob: bytes, what: str = "the packet") -> Parsed:
    """Split a packet or decision; HandoverError when it is not one (damaged, truncated)."""
    damaged = HandoverError(f"{what} is damaged (truncated or altered); nothing imported")
    if not isinstance(blob, bytes) or not blob.startswith(MAGIC):
        raise damaged
    end = blob.find(b"\n", len(MAGIC), len(MAGIC) + MAX_HEADER)
    if end < 0:
        raise damaged
    head = blob[len(MAGIC):end]
    sig_end = blob.find(b"\n", end + 1, end + 1 + 129)
    if sig_end != end + 129:
        raise damaged
    try:
        header = json.loads(head.decode("ascii"))
        signature = bytes.fromhex(blob[end + 1:sig_end].decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        raise damaged from None
    if not isinstance(header, dict) or header.get("format") != FORMAT or _canonical(header) != head:
        raise damaged
    for key in ("kind", "packet_id", "from", "to", "custody_id"):
        if not isinstance(header.get(key), str):
            raise damaged
    if not isinstance(header.get("custody_version"), int):
        raise damaged
    ciphertext = blob[sig_end + 1:]
    return Parsed(header, signature, MAGIC + head + b"\n" + ciphertext, ciphertext, hashlib.sha256(blob).hexdigest())


def verify(parsed: Parsed, signing_key_hex: str, what: str = "the packet") -> None:
    from cryptography.exceptions import InvalidSignature  # loaded with the first check, not with the window
    try:
        identity.load_signing_public(signing_key_hex).verify(parsed.signature, parsed.signed)
    except (InvalidSignature, ValueError):
        raise HandoverError(f"{what}: the signature does not verify (altered, truncated or not from "
                            f"{parsed.header.get('from')}); nothing imported") from None


def decrypt(store: Store, parsed: Parsed, what: str = "the packet") -> dict[str, Any]:
    try:
        plain = pyrage.decrypt(parsed.ciphertext, [identity.age_identity(store)])
        payload = json.loads(plain.decode("utf-8"))
    except Exception:  # pyrage.DecryptError, bad JSON: never a traceback
        raise HandoverError(f"{what} cannot be read with this store's key (not for this officer, or "
                            "damaged); nothing imported") from None
    if not isinstance(payload, dict) or payload.get("packet_id") != parsed.header["packet_id"]:
        raise HandoverError(f"{what} is damaged (its content does not match its header); nothing imported")
    return payload


# ---------------------------------------------------------------------- keys of colleagues
def _peer(store: Store, folder: Path | None, officer: str, ops: FileOps | None = None,
          drive: dict[str, cards.Card] | None = None) -> cards.Card:
    """The colleague's pinned card (pinned on first use when their card is on the drive).
    ``drive``: the cards on the reachable drive, read already by the caller (sync's pool)."""
    try:
        identity.check_officer_id(officer)
    except ValidationError:
        raise HandoverError(f"{officer!r} is not an officer id; nothing imported") from None
    reachable = drive is not None or (folder is not None and folder_problem(folder, ops) is None)
    if reachable:
        assert folder is not None
        try:
            return cards.pin_for_use(store, folder, officer, ops, drive)
        except cards.KeyChangedError as exc:
            raise HandoverError(str(exc)) from None
        except NotFoundError:
            raise HandoverError(f"officer {officer} is not pinned here and has no card on the shared drive "
                                "(their next sync publishes it); nothing imported") from None
    pin = cards.pins(store).get(officer)
    if pin is None:
        raise HandoverError(f"officer {officer} is not pinned here (connect the shared drive so their card "
                            "can be checked); nothing imported")
    return cards.Card(officer, str(pin.get("name") or ""), pin["recipient"], pin["signing_key"],
                      pin["fingerprint"], "", "")


def _recovery(store: Store) -> list[str]:
    from app.team import copies

    value = copies.recovery_recipient(store)
    return [value] if value else []


def _folder(store: Store, folder: Path | str | None) -> Path | None:
    if folder is not None:
        return Path(folder)
    from app.models.store import outbox

    value = store.get_setting(outbox.SETTING_FOLDER)
    return Path(value) if isinstance(value, str) and value else None


def _reachable(folder: Path | None, ops: FileOps | None = None) -> bool:
    return folder is not None and folder_problem(folder, ops) is None


# ---------------------------------------------------------------------- the sender
@dataclass
class Sent:
    packet_id: str
    reference: str
    to: str
    custody_version: int
    changes: Any


def colleagues(store: Store, folder: Path | str | None = None,
               ops: FileOps | None = None) -> list[cards.CardStatus]:
    """The colleagues a case can be handed to: every other officer's card on the shared drive,
    pinned or not (``state``: pinned | new | changed), names opened where this officer may read
    them.  SyncError when the drive cannot be read."""
    target = _folder(store, folder)
    if target is None:
        raise SyncError("no shared drive folder is set (Settings): a handover goes through it")
    problem = folder_problem(target, ops)
    if problem is not None:
        raise SyncError(problem)
    listed, _bad = cards.list_officers(store, target, ops)
    return [c for c in listed if c.state != "own"]


def hand_over(store: Store, ref: str, to: str, note: str | None = None, folder: Path | str | None = None,
              ops: FileOps | None = None, fingerprint: str | None = None) -> Sent:
    """Build the packet for case ``ref``, queue it for officer ``to`` and make the case
    read-only ("handover to NAME pending").  The next sync delivers it.  ``fingerprint``: the
    digits the colleague read out, confirming a card not pinned yet (or whose keys changed)
    first, as ``casebook officers --confirm`` does."""
    note = check_note(note)
    me = identity.ensure(store)
    identity.check_officer_id(to)
    if to == me.officer_id:
        raise ValidationError("a case cannot be handed over to this store's own officer")
    target = _folder(store, folder)
    if fingerprint is not None:
        if not _reachable(target, ops):
            raise SyncError("the shared drive is not reachable: the colleague's card cannot be checked")
        assert target is not None
        cards.confirm_pin(store, target, to, fingerprint, ops)
    card = _peer(store, target, to, ops)
    record = custody.snapshot(store, ref)
    held = record.custody
    if held is not None and held.state != "held":
        raise ValidationError(f"case {ref} cannot be handed over: {held.label()}")
    version = (held.custody_version if held else 0) + 1
    custody_id = held.custody_id if held else new_custody_id()
    packet_id = new_packet_id()
    # the packets that moved this case before (prev_hash is the last of them)
    chain = custody.chain_of(store, held.custody_id if held else None)
    header = {"kind": "handover", "packet_id": packet_id, "from": me.officer_id, "to": to,
              "custody_id": custody_id, "custody_version": version,
              "prev_hash": chain[-1] if chain else NO_PREVIOUS, "created": _now()}
    payload = {"packet_id": packet_id, "custody_id": custody_id, "custody_version": version,
               "sender": {"officer_id": me.officer_id, "name": me.name}, "recipient": to, "note": note,
               "record": record.payload(), "chain": chain}
    blob = seal(store, header, payload, [card.recipient, *_recovery(store)])
    changes = custody.begin_handover(store, ref, content_hash=record.content_hash, custody_id=custody_id,
                                     version=version, packet_id=packet_id, to=to, to_name=card.name or None,
                                     folder=to, filename=packet_id + HANDOVER_EXT, blob=blob,
                                     sha256=hashlib.sha256(blob).hexdigest())
    return Sent(packet_id, ref, to, version, changes)


def _decision(store: Store, kind: str, about: str, custody_id: str, version: int, original_sender: str,
              other: cards.Card, reason: str | None = None) -> dict[str, Any]:
    """A signed decision about packet ``about``, encrypted to both officers (and recovery)."""
    me = identity.ensure(store)
    packet_id = new_packet_id()
    header = {"kind": kind, "packet_id": packet_id, "about": about, "from": me.officer_id,
              "to": other.officer_id, "custody_id": custody_id, "custody_version": version, "created": _now()}
    payload = {"packet_id": packet_id, "about": about, "kind": kind, "name": me.name, "reason": reason,
               "at": _now()}
    blob = seal(store, header, payload, [other.recipient, me.recipient, *_recovery(store)])
    return {"packet_id": packet_id, "folder": original_sender, "filename": about + DECISION_EXT, "blob": blob,
            "sha256": hashlib.sha256(blob).hexdigest()}


def cancel(store: Store, ref: str, folder: Path | str | None = None, ops: FileOps | None = None) -> str:
    """Cancel the pending handover of ``ref``; effective at once when the drive is reachable
    and the recipient has not accepted first (else at the next sync).  Returns a line."""
    state = custody.state_of(store, ref)
    if state is None or state.state != "pending":
        raise ValidationError(f"case {ref} has no handover pending to cancel")
    me = identity.ensure(store)
    target = _folder(store, folder)
    other = _peer(store, target, str(state.counterpart), ops)
    d = _decision(store, "cancel", str(state.packet_id), state.custody_id, state.custody_version + 1,
                  me.officer_id, other)
    custody.request_cancel(store, ref, **d)
    if _reachable(target, ops):
        assert target is not None
        report = SyncReport()
        _send_decisions(store, target, me.officer_id, ops or FileOps(), report)
        after = custody.state_of(store, ref)
        if after is not None and after.state != "pending":
            return f"case {ref}: {after.label()}" if after.state == "transferred" else \
                f"handover of case {ref} cancelled; it is editable here again"
    return f"cancel of the handover of case {ref} queued; it takes effect at the next sync unless " \
           "the recipient accepted first"


# ---------------------------------------------------------------------- the recipient
@dataclass(frozen=True)
class Incoming:
    packet_id: str
    status: str
    sender: str | None
    sender_name: str | None
    reference: str | None
    note: str | None
    created: str | None
    custody_version: int | None
    problem: str | None

    def as_dict(self) -> dict[str, Any]:
        return {"packet_id": self.packet_id, "status": self.status, "from": self.sender,
                "from_name": self.sender_name, "case_reference": self.reference, "note": self.note,
                "when": self.created, "custody_version": self.custody_version, "problem": self.problem}


def incoming(store: Store, include_done: bool = False) -> list[Incoming]:
    """Packets collected for this officer (waiting ones; all with ``include_done``)."""
    out = []
    for m in custody.messages(store, "in"):
        if m.kind != "handover" or (m.status != "new" and not include_done):
            continue
        i = m.info
        out.append(Incoming(m.packet_id, m.status, i.get("from") or m.peer, i.get("from_name"), i.get("reference"),
                            i.get("note"), i.get("created"), i.get("custody_version"), i.get("problem")))
    return out


@dataclass
class Opened:
    parsed: Parsed
    payload: dict[str, Any]
    sender: cards.Card


def open_packet(store: Store, packet_id: str, blob: bytes, folder: Path | None,
                ops: FileOps | None = None, drive: dict[str, cards.Card] | None = None) -> Opened:
    """Every check of an incoming packet (format, recipient, sender pin, signature, content)."""
    what = f"packet {packet_id}"
    parsed = parse(blob, what)
    h = parsed.header
    if h["packet_id"] != packet_id or h["kind"] != "handover":
        raise HandoverError(f"{what} is damaged (its header names another packet); nothing imported")
    me = identity.officer_id(store) or identity.ensure(store).officer_id
    if h["to"] != me:
        raise HandoverError(f"{what} is addressed to officer {h['to']}, not to this store's officer {me}; "
                            "nothing imported")
    if not CUSTODY_ID_RE.match(h["custody_id"]) or h["custody_version"] < 1:
        raise HandoverError(f"{what} is damaged (bad custody id or version); nothing imported")
    sender = _peer(store, folder, h["from"], ops, drive)
    verify(parsed, sender.signing_key, what)
    payload = decrypt(store, parsed, what)
    if payload.get("custody_id") != h["custody_id"] or payload.get("custody_version") != h["custody_version"] \
            or payload.get("recipient") != me or not isinstance(payload.get("record"), dict):
        raise HandoverError(f"{what} is damaged (its content does not match its header); nothing imported")
    return Opened(parsed, payload, sender)


_HASH_RE = re.compile(r"^[0-9a-f]{64}$")


def packet_chain(packet_id: str, header: dict[str, Any], payload: dict[str, Any]) -> list[str]:
    """The hashes of the packets that moved the case before this one (oldest first); its last
    must be the header's prev_hash.  A packet without a chain (an older sender) counts as the
    one hash its header names."""
    prev = header.get("prev_hash", NO_PREVIOUS)
    chain = payload.get("chain")
    if chain is None:
        chain = [] if prev == NO_PREVIOUS else [prev]
    if not isinstance(chain, list) or not all(isinstance(x, str) and _HASH_RE.match(x) for x in chain) \
            or (chain[-1] if chain else NO_PREVIOUS) != prev:
        raise HandoverError(f"packet {packet_id} is damaged (its previous-packet hash does not match the "
                            "history it carries); nothing imported")
    return list(chain)


def accept(store: Store, packet_id: str, folder: Path | str | None = None,
           ops: FileOps | None = None) -> tuple[custody.Accepted, custody.CustodyState | None]:
    """Verify and import an incoming packet, all or nothing, and queue the signed
    acknowledgement (delivered at once when the drive is reachable)."""
    check_packet_id(packet_id)
    m = custody.message(store, packet_id)
    if m is None or m.direction != "in" or m.kind != "handover":
        raise NotFoundError(f"no incoming packet {packet_id} (casebook incoming lists them; sync collects them)")
    if m.status != "new":
        raise HandoverError(f"packet {packet_id} was already {m.status}: a packet is used once only (replay); "
                            "nothing imported")
    target = _folder(store, folder)
    opened = open_packet(store, packet_id, m.blob, target, ops)
    h, payload = opened.parsed.header, opened.payload
    record = payload["record"]
    case = record.get("case")
    ref = case.get("reference") if isinstance(case, dict) else None
    if not isinstance(ref, str):
        raise HandoverError(f"packet {packet_id} holds no case; nothing imported")
    chain = packet_chain(packet_id, h, payload)
    custody.check_acceptable(store, packet_id, h["custody_id"], h["custody_version"], ref, chain)
    if _reachable(target, ops):
        assert target is not None
        found = _read_decision(store, target, h["from"], packet_id, ops or FileOps())
        if found is not None and found[0] == "cancel":
            custody.mark_incoming(store, packet_id, "cancelled")
            raise HandoverError(f"packet {packet_id} was cancelled by its sender; nothing imported")
    me = identity.ensure(store)
    ack = _decision(store, "ack", packet_id, h["custody_id"], h["custody_version"], h["from"], opened.sender)
    sender_name = (payload.get("sender") or {}).get("name")
    try:
        result = custody.accept(store, packet_id, custody_id=h["custody_id"], version=h["custody_version"],
                                sender=h["from"], sender_name=sender_name if isinstance(sender_name, str) else None,
                                record=record, ack=ack, chain=chain)
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, StoreError):
            raise
        raise HandoverError(f"packet {packet_id} holds a case record Casebook cannot read; nothing imported") \
            from None
    if _reachable(target, ops):
        assert target is not None
        _send_decisions(store, target, me.officer_id, ops or FileOps(), SyncReport())
    return result, custody.by_custody_id(store, h["custody_id"])


def decline(store: Store, packet_id: str, reason: str, folder: Path | str | None = None,
            ops: FileOps | None = None) -> str:
    """Send the packet back unopened into the store: nothing imported, the sender's case is
    editable again once their sync sees the decline."""
    check_packet_id(packet_id)
    clean = check_note(reason, "the reason")
    if not clean:
        raise ValidationError("give a reason for declining (--reason TEXT)")
    m = custody.message(store, packet_id)
    if m is None or m.direction != "in" or m.kind != "handover":
        raise NotFoundError(f"no incoming packet {packet_id}")
    if m.status != "new":
        raise HandoverError(f"packet {packet_id} was already {m.status}")
    parsed = parse(m.blob, f"packet {packet_id}")
    h = parsed.header
    target = _folder(store, folder)
    sender = _peer(store, target, h["from"], ops)
    verify(parsed, sender.signing_key, f"packet {packet_id}")
    d = _decision(store, "decline", packet_id, h["custody_id"], h["custody_version"], h["from"], sender, clean)
    custody.decline(store, packet_id, sender=h["from"], decision=d)
    if _reachable(target, ops):
        assert target is not None
        _send_decisions(store, target, identity.ensure(store).officer_id, ops or FileOps(), SyncReport())
        return f"packet {packet_id} declined; {h['from']} has been told"
    return f"packet {packet_id} declined; the next sync tells {h['from']}"


# ---------------------------------------------------------------------- the drive
@dataclass
class SyncReport:
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    collected: int = 0

    def add(self, line: str) -> None:
        self.lines.append(line)


def _place(where: Path, name: str, data: bytes, entry: dict[str, object], ops: FileOps) -> bool:
    """Put ``data`` at ``where/name`` unless something is there: True when this call (or an
    earlier, killed one) placed these very bytes, False when a different file holds the name."""
    target = where / name
    if not ops.isdir(where):
        where.mkdir(parents=True, exist_ok=True)
    if ops.lexists(target):
        return ops.sha256(target) == hashlib.sha256(data).hexdigest()
    try:
        deliver_new(where, name, data, entry, ops)
    except SyncError:
        if ops.lexists(target):
            return ops.sha256(target) == hashlib.sha256(data).hexdigest()
        raise
    return True


def _read_decision(store: Store, folder: Path, sender: str, about: str,
                   ops: FileOps, on_store: OnStore = inline) -> tuple[str, dict[str, Any], str] | None:
    """(kind, payload, decided by) of the decision on packet ``about`` if one is on the drive
    and verifies; None when there is none.  HandoverError when one is there but is bad.
    The drive is read here; the checks against the store go through ``on_store``."""
    path = layout.handovers_dir(folder, sender) / (about + DECISION_EXT)
    if not ops.lexists(path):
        return None
    what = f"the decision on packet {about}"
    parsed = parse(ops.read_bytes(path), what)
    h = parsed.header
    if h.get("about") != about or h["kind"] not in DECISIONS:
        raise HandoverError(f"{what} is damaged")
    drive = _cards_on(folder, ops)
    return on_store(lambda: _check_decision(store, folder, sender, parsed, what, ops, drive))


def _cards_on(folder: Path, ops: FileOps) -> dict[str, cards.Card] | None:
    """The colleagues' cards on the drive, read off the store's thread; None when the drive
    cannot be read now (``_peer`` then looks again itself, or falls back to the pins)."""
    try:
        return cards.read_cards(folder, ops)[0]
    except OSError:
        return None


def _check_decision(store: Store, folder: Path, sender: str, parsed: Parsed, what: str, ops: FileOps,
                    drive: dict[str, cards.Card] | None) -> tuple[str, dict[str, Any], str]:
    """Store step of ``_read_decision``: who signed it (the pins), its content (our key)."""
    h = parsed.header
    me = identity.ensure(store)
    key = me.signing_key if h["from"] == me.officer_id else _peer(store, folder, h["from"], ops, drive).signing_key
    verify(parsed, key, what)
    payload = decrypt(store, parsed, what)
    # the sender cancels; the recipient acknowledges or declines
    if (h["kind"] == "cancel") != (h["from"] == sender):
        raise HandoverError(f"{what} was not made by the right officer")
    return h["kind"], payload, h["from"]


def _send_decisions(store: Store, folder: Path, me: str, ops: FileOps, report: SyncReport,
                    on_store: OnStore = inline) -> None:
    for m in on_store(lambda: custody.messages(store, "out", "queued")):
        if m.kind == "handover":
            continue
        where = layout.handovers_dir(folder, m.folder)
        try:
            placed = _place(where, m.filename, m.blob, {"kind": "decision", "officer": me}, ops)
            if placed:
                on_store(partial(custody.mark_sent, store, m.packet_id))
                found: tuple[str, dict[str, Any], str] | None = (m.kind, {}, me)
            else:
                found = _read_decision(store, folder, m.folder, str(m.about), ops, on_store)
        except (OSError, SyncError, HandoverError) as exc:
            report.problems.append(f"decision on packet {m.about}: {describe_error(exc, folder)}")
            continue
        if found is None:
            continue
        line = on_store(partial(_decision_sent, store, m, placed, found))
        if line is not None:
            report.add(line)


def _decision_sent(store: Store, m: Any, placed: bool, found: tuple[str, dict[str, Any], str]) -> str | None:
    """Store step of ``_send_decisions``: what our decision ``m`` (placed now, or found on the
    drive as ``found``) settles; the report's line."""
    kind, payload, _ = found
    if m.kind == "ack":
        if kind == "ack":
            custody.ack_placed(store, str(m.custody_id), str(m.about), m.packet_id)
            return f"accepted packet {m.about}: the case is held here now"
        custody.undo_accept(store, str(m.custody_id), str(m.about), m.packet_id)
        return f"packet {m.about} had been cancelled by its sender first: its case was removed here"
    if m.kind == "decline":
        if not placed:
            _withdraw(store, m.packet_id)
        return f"decline of packet {m.about} delivered" if placed else f"packet {m.about} had been cancelled by its sender"
    if m.kind == "cancel":
        if not placed:
            _withdraw(store, m.packet_id)
        return _settle(store, str(m.custody_id), str(m.about), kind, payload)
    return None


def _settle(store: Store, custody_id: str, packet_id: str, kind: str, payload: dict[str, Any]) -> str:
    """Store step: record the decision ``kind`` on our packet; the report's line."""
    name = payload.get("name") if isinstance(payload.get("name"), str) else None
    custody.settle(store, custody_id, packet_id, kind, name=name,
                   info={"reason": payload.get("reason")} if kind == "decline" else None)
    return _settled_line(store, custody_id, kind)


def _withdraw(store: Store, packet_id: str) -> None:
    with store.transaction() as tx:
        from app.models.store import entities as E

        m = tx.session.get(E.HandoverMessage, packet_id)
        if m is not None and m.status == "queued":
            m.status = "withdrawn"


def _settled_line(store: Store, custody_id: str, kind: str) -> str:
    state = custody.by_custody_id(store, custody_id)
    ref = state.reference if state else "?"
    if kind == "ack":
        return f"case {ref}: {state.label() if state else 'transferred'}"
    if kind == "decline":
        return f"case {ref}: handover declined by {state.who() if state else 'the recipient'}; editable here again"
    return f"case {ref}: handover cancelled; editable here again"


def _collect(store: Store, folder: Path, me: str, ops: FileOps, report: SyncReport,
             on_store: OnStore = inline) -> None:
    where = layout.handovers_dir(folder, me)
    if not ops.isdir(where):
        return
    known = on_store(lambda: custody.known_ids(store))
    drive: dict[str, cards.Card] | None = None
    found = []
    for name in sorted(ops.listdir(where)):
        if not name.endswith(HANDOVER_EXT):
            continue
        packet_id = name[: -len(HANDOVER_EXT)]
        if not PACKET_ID_RE.match(packet_id) or packet_id in known:
            continue
        try:
            blob = ops.read_bytes(where / name)
        except OSError as exc:
            report.problems.append(f"packet {packet_id}: {describe_error(exc, folder)}")
            continue
        info: dict[str, Any] = {}
        peer = custody_id = None
        try:
            parsed = parse(blob, f"packet {packet_id}")
            peer, custody_id = parsed.header["from"], parsed.header["custody_id"]
            info.update({"from": peer, "created": parsed.header.get("created"),
                         "custody_version": parsed.header["custody_version"]})
            if drive is None:
                drive = _cards_on(folder, ops)
            opened = on_store(partial(open_packet, store, packet_id, blob, folder, ops, drive))
            sender = opened.payload.get("sender") or {}
            case = opened.payload["record"].get("case") or {}
            info.update({"from_name": sender.get("name"), "reference": case.get("reference"),
                         "note": opened.payload.get("note")})
        except StoreError as exc:
            info["problem"] = str(exc)
        found.append({"packet_id": packet_id, "kind": "handover", "custody_id": custody_id, "peer": peer,
                      "folder": me, "filename": name, "blob": blob, "sha256": hashlib.sha256(blob).hexdigest(),
                      "info": info})
    added = on_store(lambda: custody.collect(store, found))
    report.collected += len(added)
    for packet_id in added:
        report.add(f"incoming packet {packet_id} (casebook incoming)")
    for m in on_store(lambda: custody.messages(store, "in", "new", "handover")):
        if not m.peer:
            continue
        try:
            decided = _read_decision(store, folder, m.peer, m.packet_id, ops, on_store)
        except (OSError, HandoverError):
            continue
        if decided is not None and decided[0] == "cancel":
            on_store(partial(custody.mark_incoming, store, m.packet_id, "cancelled"))
            report.add(f"packet {m.packet_id} was cancelled by its sender")


def _settle_sent(store: Store, folder: Path, me: str, ops: FileOps, report: SyncReport,
                 on_store: OnStore = inline) -> None:
    for state in on_store(lambda: custody.pending_handovers(store)):
        if state.packet_id is None:
            continue
        try:
            found = _read_decision(store, folder, me, state.packet_id, ops, on_store)
        except (OSError, HandoverError) as exc:
            report.problems.append(f"case {state.reference}: {describe_error(exc, folder)}")
            continue
        if found is None:
            continue
        kind, payload, _ = found
        report.add(on_store(partial(_settle, store, state.custody_id, state.packet_id, kind, payload)))


def sync(store: Store, folder: Path | str | None = None, ops: FileOps | None = None, *,
         on_store: OnStore = inline) -> SyncReport:
    """One pass over the drive: deliver queued packets and decisions, see the decisions on
    packets sent, collect packets addressed here, purge transferred copies past retention.
    Every store call goes through ``on_store`` (``app.team.onstore``); the drive's IO, the
    packets' reading and hashing run here."""
    ops = ops or FileOps()
    report = SyncReport()
    target = on_store(lambda: _folder(store, folder))
    if target is None:
        report.problems.append("no shared drive folder is set")
        return report
    problem = folder_problem(target, ops)
    if problem is not None:
        report.problems.append(problem)
        return report
    me = on_store(lambda: identity.ensure(store).officer_id)
    for m in on_store(lambda: custody.messages(store, "out", "queued", "handover")):
        try:
            if _place(layout.handovers_dir(target, m.folder), m.filename, m.blob,
                      {"kind": "handover", "officer": me}, ops):
                on_store(partial(custody.mark_sent, store, m.packet_id))
                report.add(f"handover packet {m.packet_id} delivered to {m.folder}")
            else:
                report.problems.append(f"packet {m.packet_id}: a different file has its name on the shared drive")
        except (OSError, SyncError) as exc:
            report.problems.append(f"packet {m.packet_id}: {describe_error(exc, target)}")
    _send_decisions(store, target, me, ops, report, on_store)
    _settle_sent(store, target, me, ops, report, on_store)
    _collect(store, target, me, ops, report, on_store)
    purged = on_store(lambda: custody.purge_expired(store))
    for ref in sorted(purged.cases):
        report.add(f"case {ref}: transferred copy purged after the retention period")
    return report


def safe_limit() -> int:
    return safeio.MAX_BUNDLE_BYTES
