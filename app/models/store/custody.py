"""Custody of cases handed between officers (issue 15): the store side.

A case has exactly one custodian at a time.  Each case that ever travelled has a
``case_custody`` row (see ``entities.CaseCustody`` for the states); ``handover_messages`` holds
the packets and decisions sent (the handover outbox) and received (kept whole: accept verifies
the bytes; a packet id seen once is never imported again).

Every public function is one transaction and, when it changes anything, returns the
``Changes`` it made.  Crypto and the shared drive are ``app.team.handover``'s job: this module
only records what was decided.  ``refuse_if_read_only`` is the one read-only check: the
Store's audit hook calls it for every change to a case, so every mutator (core, CLI, GUI)
refuses a case that is pending or transferred with the same clear message.
"""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.models.errors import NotFoundError, ValidationError
from app.models.store import bundle as B
from app.models.store import entities as E
from app.models.store.changes import Changes

if TYPE_CHECKING:
    from app.models.store.facade import Store

SETTING_RETENTION = "handover_retention_days"
DEFAULT_RETENTION_DAYS = 30
MAX_RETENTION_DAYS = 3650
READ_ONLY_STATES = ("pending", "transferred", "accepting")
# Audited actions allowed on a read-only case: reading, exporting, and custody itself.
FREE_ACTIONS = frozenset({"export", "view", "view_nfd", "handover", "handover_cancel", "handover_settle",
                          "handover_accept", "handover_ready", "handover_undo", "purge"})
_HAS_TABLE = text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'case_custody'")
_NOT_CASE = frozenset({"store", "setting", "local_holiday", "local_working_day", "bundle", "outbox", "officer",
                       "officer_card", "handover"})


# ---------------------------------------------------------------------- plain values
@dataclass(frozen=True)
class CustodyState:
    """The custody of one case, as plain values (for the CLI, the GUI and status packets)."""

    custody_id: str
    reference: str
    state: str  # held | pending | transferred | accepting | gone
    custody_version: int
    counterpart: str | None
    counterpart_name: str | None
    packet_id: str | None
    cancel_requested: bool
    since: dt.datetime
    transferred_on: dt.date | None
    purged_on: dt.date | None
    last_packet_hash: str | None

    @property
    def read_only(self) -> bool:
        return self.state in READ_ONLY_STATES and self.purged_on is None

    def who(self) -> str:
        return self.counterpart_name or self.counterpart or "another officer"

    def label(self) -> str:
        """One line for a banner or the CLI: "handover to NAME pending" and the like."""
        if self.state == "pending":
            extra = " (cancel waiting for the shared drive)" if self.cancel_requested else ""
            return f"handover to {self.who()} pending{extra}"
        if self.state == "transferred":
            when = f" on {self.transferred_on:%d/%m/%Y}" if self.transferred_on else ""
            return f"transferred to {self.who()}{when}" + (" (purged)" if self.purged_on else "")
        if self.state == "accepting":
            return f"accepted from {self.who()}; editable once the acknowledgement reaches the shared drive"
        if self.state == "gone":
            return "no copy here"
        return "held here"

    def as_dict(self) -> dict[str, Any]:
        return {"custody_id": self.custody_id, "reference": self.reference, "state": self.state,
                "custody_version": self.custody_version, "counterpart": self.counterpart,
                "counterpart_name": self.counterpart_name, "packet_id": self.packet_id,
                "cancel_requested": self.cancel_requested, "read_only": self.read_only, "label": self.label(),
                "since": self.since.isoformat(timespec="seconds"),
                "transferred_on": self.transferred_on.isoformat() if self.transferred_on else None,
                "purged_on": self.purged_on.isoformat() if self.purged_on else None}


@dataclass(frozen=True)
class Message:
    """One handover packet or decision, as plain values."""

    packet_id: str
    direction: str
    kind: str
    custody_id: str | None
    about: str | None
    peer: str | None
    folder: str
    filename: str
    blob: bytes
    sha256: str
    status: str
    info: dict[str, Any]
    created_at: dt.datetime


@dataclass(frozen=True)
class CaseRecord:
    """Everything a packet carries about one case, read in one transaction."""

    reference: str
    case: dict[str, Any]
    plan_versions: list[dict[str, Any]]
    signatures: list[dict[str, Any]]
    aliases: list[str]
    archived_on: str | None
    audit: list[dict[str, Any]]
    custody: CustodyState | None
    content_hash: str

    def payload(self) -> dict[str, Any]:
        return {"case": self.case, "plan_versions": self.plan_versions, "signatures": self.signatures,
                "aliases": self.aliases, "archived_on": self.archived_on, "audit": self.audit}


@dataclass
class Accepted:
    changes: Changes
    reference: str
    replaced: bool
    summary: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------- helpers
def _now(store: Store) -> dt.datetime:
    return store.clock.now().astimezone(dt.UTC).replace(tzinfo=None)


def _state(row: E.CaseCustody) -> CustodyState:
    return CustodyState(row.custody_id, row.reference, row.state, int(row.custody_version or 0), row.counterpart,
                        row.counterpart_name, row.packet_id, bool(row.cancel_requested),
                        row.since.replace(tzinfo=dt.UTC), row.transferred_on, row.purged_on, row.last_packet_hash)


def _message(m: E.HandoverMessage) -> Message:
    return Message(m.packet_id, m.direction, m.kind, m.custody_id, m.about, m.peer, m.folder, m.filename,
                   bytes(m.blob), m.sha256, m.status, dict(m.info or {}), m.created_at.replace(tzinfo=dt.UTC))


def _row_for_case(s: Session, case: E.Case) -> E.CaseCustody | None:
    return s.scalar(select(E.CaseCustody).where(E.CaseCustody.case_id == case.id)
                    .order_by(E.CaseCustody.since.desc()).limit(1))


def refuse_if_read_only(s: Session, entity: str, ref: str | None, action: str) -> None:
    """The one read-only check (called by the Store for every audited change): a change to a
    case that is pending, transferred or being accepted is refused, with the reason."""
    if ref is None or action in FREE_ACTIONS or entity in _NOT_CASE:
        return
    with s.no_autoflush:
        if s.execute(_HAS_TABLE).first() is None:
            return  # a store being built at an older schema (tests of upgrades)
        row = s.scalar(select(E.CaseCustody).where(E.CaseCustody.reference == ref,
                                                   E.CaseCustody.state.in_(READ_ONLY_STATES),
                                                   E.CaseCustody.case_id.is_not(None)).limit(1))
    if row is not None:
        raise ValidationError(f"case {ref} is read-only: {_state(row).label()}; nothing was changed")


def retention_days(store: Store) -> int:
    value = store.get_setting(SETTING_RETENTION, DEFAULT_RETENTION_DAYS)
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_RETENTION_DAYS \
        else DEFAULT_RETENTION_DAYS


def check_retention(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_RETENTION_DAYS:
        raise ValidationError(f"the handover retention must be 0 (keep) to {MAX_RETENTION_DAYS} days")
    return value


def set_retention(store: Store, days: int) -> Changes:
    check_retention(days)
    store.set_setting(SETTING_RETENTION, days)
    return Changes(settings={SETTING_RETENTION})


# ---------------------------------------------------------------------- reads
def state_of(store: Store, ref: str) -> CustodyState | None:
    """The custody of the case with this reference (None: it never travelled)."""
    with store.transaction() as tx:
        case = tx.session.scalar(select(E.Case).where(E.Case.reference == ref))
        row = _row_for_case(tx.session, case) if case is not None else None
        return None if row is None else _state(row)


def states(store: Store) -> dict[str, CustodyState]:
    """Reference -> custody of every case held here that travelled (and purged ones by the
    reference they had).  For status packets (issue 16): ``pending`` ones are handovers in flight."""
    with store.transaction() as tx:
        rows = tx.session.scalars(select(E.CaseCustody).order_by(E.CaseCustody.since)).all()
        return {r.reference: _state(r) for r in rows}


def pending_handovers(store: Store) -> list[CustodyState]:
    return [c for c in states(store).values() if c.state == "pending"]


def read_only_reason(store: Store, ref: str) -> str | None:
    got = state_of(store, ref)
    return got.label() if got is not None and got.read_only else None


def by_custody_id(store: Store, custody_id: str) -> CustodyState | None:
    with store.transaction() as tx:
        row = tx.session.get(E.CaseCustody, custody_id)
        return None if row is None else _state(row)


def snapshot(store: Store, ref: str) -> CaseRecord:
    """The whole case record for a packet (one transaction)."""
    from app.models.store import content

    with store.transaction() as tx:
        s = tx.session
        case = tx.case(ref, full=True)
        data = B.dump_case(case)
        plans = [{"version": p.version, "saved_at": p.saved_at.isoformat(), "reason": p.reason, "goals": p.goals}
                 for p in s.scalars(select(E.PlanVersion).where(E.PlanVersion.case_id == case.id)
                                    .order_by(E.PlanVersion.version))]
        sigs = [{"document": g.document, "role": g.role, "png": base64.b64encode(g.png).decode("ascii"),
                 "signed_on": g.signed_on.isoformat(), "captured_at": g.captured_at.isoformat()}
                for g in s.scalars(select(E.Signature).where(E.Signature.case_id == case.id)
                                   .order_by(E.Signature.document, E.Signature.role))]
        aliases = sorted(s.scalars(select(E.CaseAlias.alias).where(E.CaseAlias.case_id == case.id)))
        row = _row_for_case(s, case)
        refs = {ref, *aliases}
        events = [{"at": e.at, "actor": e.actor, "action": e.action, "entity": e.entity, "ref": e.entity_ref,
                   "detail": e.detail, "hash": e.hash}
                  for e in s.scalars(select(E.AuditEvent).where(E.AuditEvent.entity_ref.in_(refs))
                                     .order_by(E.AuditEvent.id))
                  if e.entity not in _NOT_CASE]
        history = list(row.history or []) if row is not None else []
        digest = content.case_hashes(tx.store._raw(s), [ref]).get(ref, "")
        return CaseRecord(ref, data, plans, sigs, aliases,
                          case.archived_on.isoformat() if case.archived_on else None, history + events,
                          None if row is None else _state(row), digest)


def messages(store: Store, direction: str | None = None, status: str | None = None,
             kind: str | None = None) -> list[Message]:
    with store.transaction() as tx:
        q = select(E.HandoverMessage).order_by(E.HandoverMessage.created_at, E.HandoverMessage.packet_id)
        if direction:
            q = q.where(E.HandoverMessage.direction == direction)
        if status:
            q = q.where(E.HandoverMessage.status == status)
        if kind:
            q = q.where(E.HandoverMessage.kind == kind)
        return [_message(m) for m in tx.session.scalars(q)]


def message(store: Store, packet_id: str) -> Message | None:
    with store.transaction() as tx:
        m = tx.session.get(E.HandoverMessage, packet_id)
        return None if m is None else _message(m)


def known_ids(store: Store) -> set[str]:
    with store.transaction() as tx:
        return set(tx.session.scalars(select(E.HandoverMessage.packet_id)))


# ---------------------------------------------------------------------- writes: the sender
def _add_message(s: Session, store: Store, *, packet_id: str, direction: str, kind: str, custody_id: str | None,
                 about: str | None, peer: str | None, folder: str, filename: str, blob: bytes, sha256: str,
                 status: str, info: dict[str, Any] | None = None) -> None:
    if s.get(E.HandoverMessage, packet_id) is not None:
        raise ValidationError(f"packet {packet_id} is already in this store")
    s.add(E.HandoverMessage(packet_id=packet_id, direction=direction, kind=kind, custody_id=custody_id,
                            about=about, peer=peer, folder=folder, filename=filename, blob=blob, sha256=sha256,
                            status=status, info=info or {}, created_at=_now(store)))


def begin_handover(store: Store, ref: str, *, content_hash: str, custody_id: str, version: int, packet_id: str,
                   to: str, to_name: str | None, folder: str, filename: str, blob: bytes, sha256: str) -> Changes:
    """Queue the packet and make the case read-only ("handover to NAME pending"), in one
    transaction; refused when the case changed since the packet was built or is not held here."""
    from app.models.store import content

    with store.transaction() as tx:
        s = tx.session
        case = tx.case(ref)
        row = _row_for_case(s, case)
        if row is not None and row.state != "held":
            raise ValidationError(f"case {ref} cannot be handed over: {_state(row).label()}")
        held = 0 if row is None else int(row.custody_version or 0)
        if version != held + 1 or (row is not None and row.custody_id != custody_id):
            raise ValidationError(f"case {ref} changed hands while the packet was built; try again")
        if content.case_hashes(store._raw(s), [ref]).get(ref) != content_hash:
            raise ValidationError(f"case {ref} changed while the packet was built; try again")
        if row is None:
            row = E.CaseCustody(custody_id=custody_id, case_id=case.id, history=[])
            s.add(row)
        row.reference, row.state, row.packet_id = ref, "pending", packet_id
        row.counterpart, row.counterpart_name, row.cancel_requested = to, to_name, False
        row.since, row.transferred_on, row.purged_on = _now(store), None, None
        _add_message(s, store, packet_id=packet_id, direction="out", kind="handover", custody_id=custody_id,
                     about=None, peer=to, folder=to, filename=filename, blob=blob, sha256=sha256, status="queued",
                     info={"custody_version": version})
        tx.audit("handover", "case", ref, f"packet {packet_id} to {to}, custody v{version}")
        tx.touched(ref)  # the case stays in the caseload (read-only): its row is redrawn, not the list
        tx.changes.custody = True
        return tx.changes


def request_cancel(store: Store, ref: str, *, packet_id: str, folder: str, filename: str, blob: bytes,
                   sha256: str) -> Changes:
    """Queue the cancel decision for the case's pending handover (it takes effect once it is on
    the shared drive before any acceptance); the packet itself is not delivered any more."""
    with store.transaction() as tx:
        s = tx.session
        case = tx.case(ref)
        row = _row_for_case(s, case)
        if row is None or row.state != "pending":
            raise ValidationError(f"case {ref} has no handover pending to cancel")
        if row.cancel_requested:
            raise ValidationError(f"the handover of case {ref} is already being cancelled")
        row.cancel_requested = True
        packet = s.get(E.HandoverMessage, row.packet_id)
        if packet is not None and packet.status == "queued":
            packet.status = "withdrawn"
        _add_message(s, store, packet_id=packet_id, direction="out", kind="cancel", custody_id=row.custody_id,
                     about=row.packet_id, peer=row.counterpart, folder=folder, filename=filename, blob=blob,
                     sha256=sha256, status="queued")
        tx.audit("handover_cancel", "case", ref, f"cancel of packet {row.packet_id} requested")
        tx.touched(ref)
        tx.changes.custody = True
        return tx.changes


def mark_sent(store: Store, packet_id: str) -> None:
    """An outgoing packet or decision is on the shared drive."""
    with store.transaction() as tx:
        m = tx.session.get(E.HandoverMessage, packet_id)
        if m is None:
            raise NotFoundError(f"no packet {packet_id}")
        if m.status == "queued":
            m.status, m.done_at = "delivered", _now(store)


def settle(store: Store, custody_id: str, about: str, outcome: str, *, name: str | None = None,
           info: dict[str, Any] | None = None) -> Changes:
    """The sender's side of a decision seen on the drive: ``ack`` -> transferred (read-only, off
    the work lists, purged after the retention period); ``decline`` or ``cancel`` -> held again."""
    if outcome not in ("ack", "decline", "cancel"):
        raise ValidationError(f"unknown handover outcome {outcome!r}")
    with store.transaction() as tx:
        s = tx.session
        row = s.get(E.CaseCustody, custody_id)
        if row is None or row.state != "pending" or row.packet_id != about:
            return tx.changes  # already settled (a second sync, or a killed one finishing)
        packet = s.get(E.HandoverMessage, about)
        version = int(packet.info.get("custody_version", row.custody_version + 1)) if packet is not None \
            else row.custody_version + 1
        for m in s.scalars(select(E.HandoverMessage).where(E.HandoverMessage.about == about,
                                                           E.HandoverMessage.direction == "out",
                                                           E.HandoverMessage.status == "queued")):
            m.status = "withdrawn"  # a cancel that lost the race is never delivered
        if packet is not None:
            packet.info = {**(packet.info or {}), "outcome": outcome, **(info or {})}
            if packet.status == "queued":
                packet.status = "withdrawn"
        row.custody_version = version
        if packet is not None and outcome == "ack":
            # the chain of custody is the packets that moved the case: a declined or cancelled
            # packet never joins it (the next packet chains to the one before)
            row.last_packet_hash = packet.sha256
        if name:
            row.counterpart_name = name[:100]
        row.cancel_requested = False
        if outcome == "ack":
            row.state, row.transferred_on = "transferred", store.clock.today()
            detail = f"transferred to {row.counterpart} (packet {about}, custody v{version})"
        else:
            row.state = "held"
            detail = f"handover {'declined by ' + str(row.counterpart) if outcome == 'decline' else 'cancelled'}" \
                     f" (packet {about})"
        row.since = _now(store)
        tx.audit("handover_settle", "case", row.reference, detail)
        tx.touched(row.reference)
        tx.changes.caseload = True
        tx.changes.custody = True
        return tx.changes


def purge_expired(store: Store) -> Changes:
    """Remove transferred copies older than the retention period (0 keeps them).  The audit
    event ``purge`` stays: the audit trail outlives the case."""
    days = retention_days(store)
    if days == 0:
        return Changes()
    today = store.clock.today()
    with store.transaction() as tx:
        s = tx.session
        rows = s.scalars(select(E.CaseCustody).where(E.CaseCustody.state == "transferred",
                                                     E.CaseCustody.case_id.is_not(None))).all()
        for row in rows:
            if row.transferred_on is None or row.transferred_on + dt.timedelta(days=days) > today:
                continue
            case = s.get(E.Case, row.case_id)
            if case is not None:
                s.delete(case)
                s.flush()
            row.case_id, row.purged_on = None, today
            tx.audit("purge", "case", row.reference,
                     f"transferred to {row.counterpart} on {row.transferred_on.isoformat()}; "
                     f"purged after {days} days")
            tx.touched(row.reference)
            tx.changes.caseload = True
            tx.changes.custody = True
        return tx.changes


# ---------------------------------------------------------------------- writes: the recipient
def collect(store: Store, found: list[dict[str, Any]]) -> list[str]:
    """Keep packets found on the drive addressed here (whole, with what could be read of
    them); returns the ids added (ids already known are skipped: replay)."""
    added = []
    with store.transaction() as tx:
        s = tx.session
        for item in found:
            if s.get(E.HandoverMessage, item["packet_id"]) is not None:
                continue
            _add_message(s, store, packet_id=item["packet_id"], direction="in", kind=item.get("kind", "handover"),
                         custody_id=item.get("custody_id"), about=None, peer=item.get("peer"),
                         folder=item["folder"], filename=item["filename"], blob=item["blob"],
                         sha256=item["sha256"], status="new", info=item.get("info") or {})
            added.append(item["packet_id"])
        if added:
            tx.audit("collect", "handover", None, f"{len(added)} packet(s)")
        return added


def mark_incoming(store: Store, packet_id: str, status: str, info: dict[str, Any] | None = None) -> Changes:
    """An incoming packet that will not be imported: ``cancelled`` by its sender."""
    with store.transaction() as tx:
        m = tx.session.get(E.HandoverMessage, packet_id)
        if m is None or m.direction != "in":
            raise NotFoundError(f"no incoming packet {packet_id}")
        if m.status == "new":
            m.status, m.done_at = status, _now(store)
            m.info = {**(m.info or {}), **(info or {})}
            tx.audit("handover_" + status if status != "cancelled" else "handover_cancel", "handover", None,
                     f"packet {packet_id}")
            tx.changes.custody = True
        return tx.changes


def _check_new(s: Session, packet_id: str) -> E.HandoverMessage:
    m = s.get(E.HandoverMessage, packet_id)
    if m is None or m.direction != "in" or m.kind != "handover":
        raise NotFoundError(f"no incoming packet {packet_id} (casebook incoming lists them; sync collects them)")
    if m.status != "new":
        raise ValidationError(f"packet {packet_id} was already {m.status}: a packet is used once only (replay)")
    return m


def chain_of(store: Store, custody_id: str | None) -> list[str]:
    """The hashes of the packets that moved this case so far, oldest first, as far as this
    store knows (the chain carried by the packet that brought the case here, and that packet).
    Empty for a case that never came here in a packet."""
    if custody_id is None:
        return []
    with store.transaction() as tx:
        m = tx.session.scalar(select(E.HandoverMessage).where(
            E.HandoverMessage.custody_id == custody_id, E.HandoverMessage.direction == "in",
            E.HandoverMessage.kind == "handover", E.HandoverMessage.status == "accepted")
            .order_by(E.HandoverMessage.done_at.desc()).limit(1))
        if m is None:
            return []
        chain = (m.info or {}).get("chain")
        return [*(chain if isinstance(chain, list) else []), m.sha256]


def check_acceptable(store: Store, packet_id: str, custody_id: str, version: int, ref: str,
                     chain: list[str] | None = None) -> None:
    """The store-side refusals, before anything is decrypted into the store."""
    with store.transaction() as tx:
        _acceptable(tx.session, packet_id, custody_id, version, ref, chain)


def _acceptable(s: Session, packet_id: str, custody_id: str, version: int, ref: str,
                chain: list[str] | None = None) -> tuple[E.HandoverMessage, E.CaseCustody | None, E.Case | None]:
    m = _check_new(s, packet_id)
    row = s.get(E.CaseCustody, custody_id)
    if row is not None and int(row.custody_version or 0) >= version:
        raise ValidationError(f"packet {packet_id} carries custody version {version}, not newer than the "
                              f"version {row.custody_version} known here; nothing imported")
    if row is not None and row.last_packet_hash and row.last_packet_hash not in (chain or []):
        # this store held the case: the packet's history must run through the last handover known here
        raise ValidationError(f"packet {packet_id} does not chain to the last handover of this case known here "
                              f"(previous-packet hash {str(row.last_packet_hash)[:12]}… missing from its history); "
                              "nothing imported")
    existing = s.scalar(select(E.Case).where(E.Case.reference == ref))
    if existing is not None:
        mine = row is not None and row.case_id == existing.id and row.state in ("pending", "transferred")
        if not mine:
            raise ValidationError(f"case {ref} is already held here and editable; nothing imported")
    return m, row, existing


def accept(store: Store, packet_id: str, *, custody_id: str, version: int, sender: str, sender_name: str | None,
           record: dict[str, Any], ack: dict[str, Any], chain: list[str] | None = None) -> Accepted:
    """Import the case from a verified packet, all or nothing, and queue the acknowledgement.
    The case stays read-only ("accepting") until the acknowledgement is on the shared drive."""
    case_data = record["case"]
    ref = case_data.get("reference") if isinstance(case_data, dict) else None
    if not isinstance(ref, str):
        raise ValidationError(f"packet {packet_id} holds no case; nothing imported")
    B.check(case_data, "case")
    B.check_case_rules(case_data, "$")
    with store.transaction() as tx:
        s = tx.session
        m, row, existing = _acceptable(s, packet_id, custody_id, version, ref, chain)
        before: dict[str, Any] | None = None
        if existing is not None:
            before = _counts(B.dump_case(tx.case(ref, full=True)), s, existing.id)
            s.delete(existing)
            s.flush()
        case = B.build_case(case_data, store.clock.now())
        if record.get("archived_on"):
            case.archived_on = dt.date.fromisoformat(record["archived_on"])
        s.add(case)
        s.flush()
        for p in record.get("plan_versions") or []:
            s.add(E.PlanVersion(case_id=case.id, version=int(p["version"]),
                                saved_at=dt.datetime.fromisoformat(p["saved_at"]), reason=p.get("reason"),
                                goals=list(p.get("goals") or [])))
        for g in record.get("signatures") or []:
            s.add(E.Signature(case_id=case.id, document=str(g["document"])[:20], role=str(g["role"])[:20],
                              png=base64.b64decode(g["png"], validate=True),
                              signed_on=dt.date.fromisoformat(g["signed_on"]),
                              captured_at=dt.datetime.fromisoformat(g["captured_at"])))
        for alias in record.get("aliases") or []:
            if s.scalar(select(E.CaseAlias.id).where(E.CaseAlias.alias == alias)) is None and alias != ref:
                s.add(E.CaseAlias(case_id=case.id, alias=str(alias)[:40], created_at=store.clock.now()))
        if row is None:
            row = E.CaseCustody(custody_id=custody_id)
            s.add(row)
        # the chain is kept with the packet (the next packet from here carries it on); the
        # hash known before is kept too, for a crossing cancel that undoes this accept
        m.info = {**(m.info or {}), "chain": list(chain or []), "prev_last": row.last_packet_hash}
        row.case_id, row.reference, row.state, row.custody_version = case.id, ref, "accepting", version
        row.last_packet_hash, row.packet_id, row.counterpart = m.sha256, packet_id, sender
        row.counterpart_name = (sender_name or None) and sender_name[:100]
        row.cancel_requested, row.since, row.transferred_on, row.purged_on = False, _now(store), None, None
        row.history = list(record.get("audit") or [])
        m.status, m.done_at = "accepted", _now(store)
        _add_message(s, store, direction="out", kind="ack", custody_id=custody_id, about=packet_id, peer=sender,
                     status="queued", **ack)
        s.flush()
        tx.audit("handover_accept", "case", ref, f"packet {packet_id} from {sender}, custody v{version}")
        after = _counts(case_data, s, case.id)
        tx.touched(ref)
        tx.changes.caseload = True
        tx.changes.custody = True
        return Accepted(tx.changes, ref, before is not None, _summary(before, after) if before else [])


def _counts(case: dict[str, Any], s: Session, case_id: int) -> dict[str, Any]:
    out: dict[str, Any] = {k: (len(v) if isinstance(v, list) else v) for k, v in case.items()}
    out["plan versions"] = len(list(s.scalars(select(E.PlanVersion.id).where(E.PlanVersion.case_id == case_id))))
    out["signatures"] = len(list(s.scalars(select(E.Signature.id).where(E.Signature.case_id == case_id))))
    return out


_LABELS = {"unpaid_work_sessions": "unpaid work sessions", "enforcement": "enforcement steps"}


def _summary(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """What changed since this officer last held the case: counts per list, parts changed."""
    lines = []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old == new or key == "reference":
            continue
        label = _LABELS.get(key, key.replace("_", " "))
        if isinstance(old, int | None) and isinstance(new, int | None) and not isinstance(old, bool):
            o, n = old or 0, new or 0
            lines.append(f"{label}: {o} -> {n} ({'+' if n >= o else ''}{n - o})")
        else:
            lines.append(f"{label} changed")
    return lines or ["nothing changed since you held it"]


def ack_placed(store: Store, custody_id: str, about: str, ack_id: str) -> Changes:
    """The acknowledgement is on the drive: this store is the custodian (editable)."""
    with store.transaction() as tx:
        s = tx.session
        m = s.get(E.HandoverMessage, ack_id)
        if m is not None and m.status == "queued":
            m.status, m.done_at = "delivered", _now(store)
        row = s.get(E.CaseCustody, custody_id)
        if row is None or row.state != "accepting" or row.packet_id != about:
            return tx.changes
        row.state, row.since = "held", _now(store)
        tx.audit("handover_ready", "case", row.reference, f"acknowledgement of packet {about} delivered")
        tx.touched(row.reference)
        tx.changes.custody = True
        return tx.changes


def undo_accept(store: Store, custody_id: str, about: str, ack_id: str) -> Changes:
    """The sender's cancel reached the drive before this store's acknowledgement: the case
    imported here (read-only all along) is removed; the sender kept custody."""
    with store.transaction() as tx:
        s = tx.session
        m = s.get(E.HandoverMessage, ack_id)
        if m is not None and m.status == "queued":
            m.status, m.done_at = "withdrawn", _now(store)
        incoming = s.get(E.HandoverMessage, about)
        if incoming is not None and incoming.status == "accepted":
            incoming.status = "cancelled"
        row = s.get(E.CaseCustody, custody_id)
        if row is None or row.state != "accepting" or row.packet_id != about:
            return tx.changes
        if incoming is not None:  # the cancelled packet never joined the chain
            prev = (incoming.info or {}).get("prev_last")
            row.last_packet_hash = prev if isinstance(prev, str) else None
        case = s.get(E.Case, row.case_id) if row.case_id is not None else None
        if case is not None:
            s.delete(case)
            s.flush()
        row.state, row.case_id, row.since = "gone", None, _now(store)
        tx.audit("handover_undo", "case", row.reference, f"packet {about} was cancelled by its sender first")
        tx.touched(row.reference)
        tx.changes.caseload = True
        tx.changes.custody = True
        return tx.changes


def decline(store: Store, packet_id: str, *, sender: str, decision: dict[str, Any]) -> Changes:
    """Refuse an incoming packet (nothing imported) and queue the signed decline."""
    with store.transaction() as tx:
        s = tx.session
        m = _check_new(s, packet_id)
        m.status, m.done_at = "declined", _now(store)
        _add_message(s, store, direction="out", kind="decline", custody_id=m.custody_id, about=packet_id,
                     peer=sender, status="queued", **decision)
        tx.audit("handover_decline", "handover", None, f"packet {packet_id} from {sender}")
        tx.changes.custody = True
        return tx.changes
