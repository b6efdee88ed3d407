"""Status packets for the team manager (issue 16), and reading them back as the team's view.

When a team manager is set (``casebook team --store PATH --manager OFFICER-ID``, or Settings),
each sync publishes this officer's status to
``<folder>/casebook/status/<manager-id>/<officer-id>-<UTC time>-<hex>.status.age``:

* the body is plain JSON (``casebook-status/v1``): per case the reference, the person's name and
  date of birth, requirements (kind, hours, months), supervision intensity, open flag kinds
  (only those the disclosure rule does not restrict), every due item with its status (the same
  ``caseload_due`` computation as ``casebook due --json``), the overdue count, the last contact
  date, unpaid work hours done/remaining and pace, pending handovers; the laptop's last sync,
  last off-laptop copy and outbox waiting count.  **Never** note text, any free-text field, a
  not-for-disclosure item or victim detail (``tests/team/test_status.py`` plants markers).
* it is signed with the officer's Ed25519 key (``{"status": body, "signature": hex}``) and that
  is age-encrypted to the manager's pinned recipient only.  The file name carries ids only.

Reading (``read_team``) needs no store: the manager's keys (``manager_keys``) are read first
(on the store worker), then the folder is listed, the newest packet per officer decrypted and
verified against the sender's pinned card (pinned on first use; ``new_pins`` says which to
record).  A packet that fails its signature or pin is a *problem*, never data; a missing,
unreadable or half-written one is *skipped* with its reason.  Nothing here imports Qt.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyrage

from app.models.errors import StoreError, ValidationError
from app.models.rules import disclosure
from app.models.rules.deadlines import UNPAID_WORK, caseload_due, status_for, upw_progress
from app.models.store import entities as E
from app.team import cards, identity, layout, sealing
from app.team.delivery import (
    FileOps,
    SyncError,
    cleanup_partials,
    deliver_new,
    describe_error,
    folder_problem,
)
from app.team.onstore import OnStore, inline

if TYPE_CHECKING:
    from app.models.store import Store

STATUS_FORMAT = "casebook-status/v1"
STATUS_EXT = ".status.age"
SETTING_MANAGER = sealing.SETTING_MANAGER  # the manager's officer id (their card is pinned)
SETTING_LAST = "team_status_last"         # {"digest", "at", "file"} of the last packet published
KEEP_OWN = 2                              # own older packets beyond this many are removed
STALE_DAYS = 7                            # a laptop not synced for this long is flagged
# Contact with the person (never the victim: victim_contact notes are not contact with them).
CONTACT_NOTE_KINDS = frozenset({"home_visit", "office", "face_to_face", "phone"})
CONTACT_APPOINTMENT_OUTCOMES = frozenset({"attended", "failed_to_comply"})
PARTIAL_RE = re.compile(r"^\..+\.[0-9a-f]{12}\.partial$")
NAME_RE = re.compile(r"^(?P<officer>off-[a-z2-7]{8})-(?P<stamp>\d{8}T\d{9}Z)-(?P<rand>[0-9a-f]{6})"
                     + re.escape(STATUS_EXT) + "$")
MANIFEST = "casebook-manifest.jsonl"

# Pending handovers per case (issue 15): functions called with the open store, each returning
# {case reference: [{"to": officer id, "since": ISO time}, ...]}.  The handover code appends one.
pending_handovers_hooks: list[Callable[[Store], dict[str, list[dict[str, Any]]]]] = []


def _custody_pending(store: Store) -> dict[str, list[dict[str, Any]]]:
    """Handovers in flight, from the custody records of issue 15 (when that code is present)."""
    try:
        custody = importlib.import_module("app.models.store.custody")
    except ImportError:
        return {}
    pending = getattr(custody, "pending_handovers", None)
    out: dict[str, list[dict[str, Any]]] = {}
    for c in pending(store) if pending is not None else []:
        since = getattr(c, "since", None)
        out.setdefault(str(c.reference), []).append({
            "to": getattr(c, "counterpart", None), "to_name": getattr(c, "counterpart_name", None),
            "since": since.isoformat(timespec="seconds") if isinstance(since, dt.datetime) else None})
    return out


pending_handovers_hooks.append(_custody_pending)


def status_dir(folder: Path, manager_id: str) -> Path:
    return Path(folder) / layout.ROOT / "status" / manager_id


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# ====================================================================== the officer's side
def manager_id(store: Store) -> str | None:
    value = store.get_setting(SETTING_MANAGER)
    return value if isinstance(value, str) and identity.OFFICER_ID_RE.match(value) else None


def set_manager(store: Store, folder: Path | None, officer_id: str | None, ops: FileOps | None = None) -> cards.Card | None:
    """Set (None: clear) the team manager; their card on the shared drive is pinned (first use)
    or must match the pin.  Returns the manager's card."""
    if officer_id is None:
        with store.transaction() as tx:
            cards.put_setting(tx, SETTING_MANAGER, None)
            tx.audit("update", "team_manager", None, "cleared")
        return None
    identity.check_officer_id(officer_id)
    if officer_id == identity.officer_id(store):
        raise ValidationError("that is this store's own officer id; the manager is a colleague")
    if folder is None:
        raise SyncError("no shared drive folder is set (casebook sync --to FOLDER --save, or Settings)")
    problem = folder_problem(folder, ops)
    if problem is not None:
        raise SyncError(problem)
    card = cards.pin_for_use(store, folder, officer_id, ops)
    with store.transaction() as tx:
        cards.put_setting(tx, SETTING_MANAGER, officer_id)
        cards.put_setting(tx, SETTING_LAST, None)  # the next sync publishes at once
        tx.audit("update", "team_manager", officer_id, f"fingerprint {card.fingerprint}")
    return card


def _iso(day: Any) -> str | None:
    if day is None:
        return None
    return day.isoformat() if isinstance(day, dt.date) else str(day)[:10]


def _last_contact(case: dict[str, Any], today: dt.date) -> str | None:
    days = [str(n.get("date"))[:10] for n in case.get("notes") or []
            if n.get("kind") in CONTACT_NOTE_KINDS and n.get("date")]
    days += [str(a.get("date"))[:10] for a in case.get("appointments") or []
             if a.get("outcome") in CONTACT_APPOINTMENT_OUTCOMES and a.get("date")]
    days = [d for d in days if d <= today.isoformat()]
    return max(days) if days else None


def _case_status(case: dict[str, Any], items: list[Any], today: dt.date, config: Any,
                 handovers: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """One case's entry: only the fields listed in the module docstring (allow-list)."""
    person = case.get("individual") or {}
    order = case.get("order") or {}
    reqs = [{"kind": r.get("kind"), "hours": r.get("hours"), "months": r.get("months")}
            for r in order.get("requirements") or []]
    flags = sorted({f["kind"] for f in case.get("flags") or []
                    if not f.get("closed_on") and not disclosure.flag_restricted(f) and isinstance(f.get("kind"), str)})
    upw = None
    if any(r["kind"] == UNPAID_WORK for r in reqs):
        progress = upw_progress(case, today, config)
        if progress is not None:
            upw = {"required": progress.required_hours, "done": progress.hours_done,
                   "remaining": progress.hours_remaining, "complete_by": progress.complete_by.isoformat(),
                   "per_week_needed": progress.hours_per_week_needed}
    due = [{"kind": i.kind, "due_on": i.due_on.isoformat(), "status": i.status,
            "done_on": _iso(i.done_on), "label": i.label} for i in items]
    return {
        "reference": case["reference"],
        "name": " ".join(x for x in (person.get("given_names"), person.get("family_name")) if x),
        "date_of_birth": _iso(person.get("date_of_birth")),
        "requirements": reqs,
        "intensity": case.get("supervision_intensity"),
        "order_status": order.get("status") or "active",
        "ends_on": _iso(order.get("ends_on")),
        "archived": bool(case.get("archived_on")),
        "flags": flags,
        "due": due,
        "overdue": sum(1 for i in items if i.status == "overdue"),
        "last_contact": _last_contact(case, today),
        "upw": upw,
        "pending_handovers": list(handovers.get(case["reference"], [])),
    }


def build_status(store: Store, now: dt.datetime | None = None) -> dict[str, Any]:
    """The status body (unsigned) for the store as it is now."""
    from app.models.rules.deadlines import DeadlineConfig
    from app.models.store import outbox
    from app.team import copies

    ident = identity.ensure(store)
    now = (now or store.clock.now()).astimezone(dt.UTC)
    today = store.clock.today()
    config = DeadlineConfig.for_store(store)
    items, warnings = caseload_due(store, today, None, config=config)
    by_case: dict[str, list[Any]] = {}
    for i in items:
        by_case.setdefault(i.case, []).append(i)
    handovers: dict[str, list[dict[str, Any]]] = {}
    for hook in pending_handovers_hooks:
        for ref, rows in (hook(store) or {}).items():
            handovers.setdefault(ref, []).extend(rows)
    refs = set(by_case) | set(store.case_references())
    cases = [_case_status(c, by_case.get(c["reference"], []), today, config, handovers)
             for c in store.get_cases(sorted(refs))]
    last = copies.last_copy(store)
    return {
        "format": STATUS_FORMAT,
        "officer_id": ident.officer_id,
        "officer_name": ident.name,
        "manager_id": manager_id(store),
        "today": today.isoformat(),
        "laptop": {"last_sync": now.isoformat(timespec="seconds"),
                   "last_copy": None if last is None else last.at.astimezone(dt.UTC).isoformat(timespec="seconds"),
                   "outbox_waiting": outbox.waiting_count(store)},
        "cases": cases,
        "warnings": [{"case": w.case, "kind": w.kind, "message": w.message} for w in warnings],
    }


def _digest(body: dict[str, Any]) -> str:
    """What changed, leaving out the time of the sync itself."""
    rest = {**body, "laptop": {k: v for k, v in body["laptop"].items() if k != "last_sync"}}
    return hashlib.sha256(_canonical(rest)).hexdigest()


PLAIN_MAGIC = b"casebook-status/v1"


def seal_packet(body: dict[str, Any], signing_key: Any, recipient: str) -> bytes:
    """Sign ``body`` and encrypt it to ``recipient`` (the bytes that go on the drive).

    Plaintext: ``casebook-status/v1``, newline, the Ed25519 signature (hex) of the body's bytes,
    newline, the body (canonical JSON).  The signature covers the exact bytes, so reading
    verifies before parsing and never re-encodes."""
    data = _canonical(body)
    plain = PLAIN_MAGIC + b"\n" + signing_key.sign(data).hex().encode("ascii") + b"\n" + data
    return bytes(pyrage.encrypt(plain, [pyrage.x25519.Recipient.from_str(recipient)]))


def split_plain(plain: bytes) -> tuple[bytes, bytes]:
    """(signature, body bytes) of a decrypted packet; ValidationError when it is not one."""
    magic, _, rest = plain.partition(b"\n")
    sig_hex, _, data = rest.partition(b"\n")
    try:
        if magic != PLAIN_MAGIC or len(sig_hex) != 128:
            raise ValueError
        return bytes.fromhex(sig_hex.decode("ascii")), data
    except ValueError as exc:
        raise ValidationError("not a status packet (damaged or forged)") from exc


@dataclass(frozen=True)
class PublishOutcome:
    status: str  # published | current | off | failed
    name: str | None = None
    error: str | None = None

    def line(self) -> str:
        if self.status == "published":
            return f"team status published as {self.name}"
        if self.status == "current":
            return "team status up to date"
        if self.status == "off":
            return "no team manager set; no team status published"
        return f"team status not published: {self.error}"


def _since_last(last: Any, now: dt.datetime) -> dt.timedelta | None:
    if not isinstance(last, dict):
        return None
    when = _when(last.get("at"))
    return None if when is None else now - when


def publish_status(store: Store, folder: Path, ops: FileOps | None = None, *, force: bool = True,
                   min_age: dt.timedelta | None = None, min_interval: dt.timedelta | None = None,
                   now: dt.datetime | None = None, on_store: OnStore = inline) -> PublishOutcome:
    """Publish a status packet to the manager (when one is set).  ``force`` False (background
    passes): not within ``min_interval`` of the last one (the status is not even built), and
    then only when the status changed or the last one is older than ``min_age``.  The store
    calls (is one due, the status and keys, the record of it) go through ``on_store``; the
    packet's encryption and the drive's IO run on this thread."""
    ops = ops or FileOps()
    gate = on_store(lambda: _status_gate(store, force, min_interval, now))
    if isinstance(gate, PublishOutcome):
        return gate
    mid, now, last, since = gate
    try:
        recipient, body, signing_key = on_store(lambda: _status_body(store, folder, mid, now, ops))
        digest = _digest(body)
        if not force and isinstance(last, dict) and last.get("digest") == digest and since is not None \
                and (min_age is None or since < min_age):
            return PublishOutcome("current", str(last.get("file")))
        problem = folder_problem(folder, ops)
        if problem is not None:
            raise SyncError(problem)
        data = seal_packet(body, signing_key, recipient)
        where = status_dir(folder, mid)
        where.mkdir(parents=True, exist_ok=True)
        name = layout.stem(body["officer_id"], now) + STATUS_EXT
        deliver_new(where, name, data, {"kind": "status", "officer": body["officer_id"]}, ops)
    except (OSError, StoreError) as exc:
        return PublishOutcome("failed", error=describe_error(exc, folder))
    except KeyError:
        return PublishOutcome("failed", error="the team manager's card is not pinned")
    except Exception as exc:  # a damaged pin (not an age recipient) and the like: one line, never a traceback
        return PublishOutcome("failed", error=f"the team status could not be built ({type(exc).__name__})")
    on_store(lambda: _record_status(store, digest, now, name))
    _prune_own(where, body["officer_id"], ops)
    return PublishOutcome("published", name)


def _status_gate(store: Store, force: bool, min_interval: dt.timedelta | None, now: dt.datetime | None
                 ) -> PublishOutcome | tuple[str, dt.datetime, Any, dt.timedelta | None]:
    """Store step of ``publish_status``: an outcome when none is due yet, else (manager id, now,
    the last one published, time since it)."""
    mid = manager_id(store)
    if mid is None:
        return PublishOutcome("off")
    now = (now or store.clock.now()).astimezone(dt.UTC)
    last = store.get_setting(SETTING_LAST)
    since = _since_last(last, now)
    if not force and min_interval is not None and since is not None and dt.timedelta(0) <= since < min_interval:
        return PublishOutcome("current", str(last.get("file")))
    return mid, now, last, since


def _status_body(store: Store, folder: Path, mid: str, now: dt.datetime, ops: FileOps) -> tuple[str, dict[str, Any], Any]:
    """Store step of ``publish_status``: (manager's recipient, the status, our signing key)."""
    pin = cards.pins(store).get(mid)
    if pin is None:  # set before the pin was recorded (an older store): pin it now
        cards.pin_for_use(store, folder, mid, ops)
        pin = cards.pins(store)[mid]
    return pin["recipient"], build_status(store, now), identity.signing_private(store)


def _record_status(store: Store, digest: str, now: dt.datetime, name: str) -> None:
    with store.transaction() as tx:
        cards.put_setting(tx, SETTING_LAST, {"digest": digest, "at": now.isoformat(timespec="seconds"), "file": name})


def _prune_own(where: Path, officer_id: str, ops: FileOps) -> None:
    """Remove this officer's older packets (the manager reads only the newest)."""
    try:
        own = sorted(n for n in ops.listdir(where) if n.startswith(officer_id + "-") and NAME_RE.match(n))
        for old in own[:-KEEP_OWN]:
            ops.unlink(where / old)
        cleanup_partials(where, ops)
    except OSError:
        pass  # tidied on a later sync


# ====================================================================== the manager's side
@dataclass(frozen=True)
class ManagerKeys:
    """What reading the team folder needs from the manager's store (read on the store worker)."""

    officer_id: str
    age_identity: Any
    pins: dict[str, dict[str, Any]]


def manager_keys(store: Store) -> ManagerKeys:
    ident = identity.ensure(store)
    return ManagerKeys(ident.officer_id, identity.age_identity(store), cards.pins(store))


@dataclass(frozen=True)
class Problem:
    officer_id: str
    file: str
    reason: str


@dataclass(frozen=True)
class Packet:
    officer_id: str
    file: str
    body: dict[str, Any]


@dataclass
class TeamRead:
    folder: Path
    packets: list[Packet] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)   # failed signature or pin: never data
    skipped: list[Problem] = field(default_factory=list)    # missing, unreadable, half-written
    new_pins: list[cards.Card] = field(default_factory=list)
    unreachable: str | None = None


def _open_packet(data: bytes, keys: ManagerKeys, officer_id: str, signing_key: str) -> dict[str, Any]:
    """Decrypt and verify; ValueError("unreadable ...") or InvalidSignature/ValidationError."""
    try:
        plain = pyrage.decrypt(data, [keys.age_identity])
    except Exception as exc:  # pyrage.DecryptError: truncated, damaged, or not for us
        raise ValueError("unreadable: damaged, half-written or not encrypted to this manager") from exc
    signature, data = split_plain(plain)
    identity.load_signing_public(signing_key).verify(signature, data)
    try:
        body = json.loads(data)
    except ValueError as exc:  # signed, yet not JSON: written by something else
        raise ValidationError("not a status packet (damaged or forged)") from exc
    if not isinstance(body, dict) or body.get("format") != STATUS_FORMAT:
        raise ValidationError("not a status packet of a version this Casebook reads")
    if body.get("officer_id") != officer_id:
        raise ValidationError("signed by one officer but filed under another")
    if body.get("manager_id") != keys.officer_id:
        raise ValidationError("addressed to a different manager")
    if not isinstance(body.get("cases"), list) or not isinstance(body.get("laptop"), dict):
        raise ValidationError("not a status packet (damaged or forged)")
    return body


def read_team(folder: Path, keys: ManagerKeys, ops: FileOps | None = None) -> TeamRead:
    """The newest verified packet per officer in the manager's status folder (no store needed)."""
    from cryptography.exceptions import InvalidSignature  # loaded with the first check, not with the window
    ops = ops or FileOps()
    folder = Path(folder)
    out = TeamRead(folder)
    problem = folder_problem(folder, ops)
    if problem is not None:
        out.unreachable = problem
        return out
    where = status_dir(folder, keys.officer_id)
    try:
        if not ops.isdir(where):
            return out
        names = sorted(ops.listdir(where))
    except OSError as exc:
        out.unreachable = describe_error(exc, folder)
        return out
    per_officer: dict[str, list[str]] = {}
    for name in names:
        if name == MANIFEST:
            continue
        if PARTIAL_RE.match(name):
            out.skipped.append(Problem("", name, "half-written (a sync is under way or was interrupted)"))
            continue
        m = NAME_RE.match(name)
        if m is None:
            out.skipped.append(Problem("", name, "not a status packet"))
            continue
        per_officer.setdefault(m.group("officer"), []).append(name)
    try:
        found, _bad = cards.read_cards(folder, ops)
    except OSError as exc:
        out.unreachable = describe_error(exc, folder)
        return out
    for oid, files in sorted(per_officer.items()):
        key, why = _signing_key_for(oid, found, keys, out)
        if key is None:
            out.problems.append(Problem(oid, files[-1], str(why)))
            continue
        for name in reversed(files):  # newest first; older ones are ignored once one verifies
            try:
                data = ops.read_bytes(where / name)  # regular files only (a FIFO is refused)
            except FileNotFoundError:
                out.skipped.append(Problem(oid, name, "missing (removed while reading)"))
                continue
            except OSError as exc:
                out.skipped.append(Problem(oid, name, f"unreadable: {describe_error(exc, folder)}"))
                continue
            try:
                body = _open_packet(data, keys, oid, key)
            except ValueError as exc:
                if isinstance(exc, ValidationError):
                    out.problems.append(Problem(oid, name, str(exc)))
                else:
                    out.skipped.append(Problem(oid, name, str(exc)))
                continue
            except InvalidSignature:
                out.problems.append(Problem(oid, name, "the signature does not verify against the officer's "
                                                       "pinned key (altered or forged)"))
                continue
            out.packets.append(Packet(oid, name, body))
            break
    return out


def _signing_key_for(oid: str, found: dict[str, cards.Card], keys: ManagerKeys,
                     out: TeamRead) -> tuple[str | None, str | None]:
    pin = keys.pins.get(oid)
    card = found.get(oid)
    if pin is not None:
        if card is not None and (card.signing_key != pin.get("signing_key") or card.recipient != pin.get("recipient")):
            status = cards.CardStatus(card, "changed", pin.get("fingerprint"))
            return None, cards.changed_message(status)
        return str(pin["signing_key"]), None
    if card is None:
        return None, f"no officer card for {oid} on the shared drive, so the packet cannot be checked"
    out.new_pins.append(card)  # trust on first use, recorded by the caller (record_pins)
    return card.signing_key, None


def record_pins(store: Store, new: Iterable[cards.Card]) -> None:
    """Pin, in one transaction, the cards first used by ``read_team``."""
    new = list(new)
    if not new:
        return
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    with store.transaction() as tx:
        row = tx.session.get(E.StoreSetting, cards.SETTING_PINS)
        current = dict(row.value) if row is not None and isinstance(row.value, dict) else {}
        for card in new:
            if card.officer_id in current:
                continue
            current[card.officer_id] = {**card.keys(), "name": card.name, "pinned_at": now}
            tx.audit("pin", "officer_card", card.officer_id, f"pinned on first use: {card.fingerprint}")
        cards.put_setting(tx, cards.SETTING_PINS, current)


# ====================================================================== the team's view
@dataclass(slots=True)
class CaseRow:
    officer_id: str
    officer_name: str
    reference: str
    name: str
    age: int | None
    requirements: str
    intensity: str
    overdue: int
    due_this_week: int
    next_due_on: dt.date | None
    next_due_label: str
    last_contact: dt.date | None
    domestic_abuse: bool
    under_18: bool
    archived: bool
    plan_past_review: bool
    case: dict[str, Any]  # the packet's entry (read-only summary)


@dataclass(slots=True)
class OfficerRow:
    officer_id: str
    name: str
    cases: int
    overdue: int
    due_this_week: int
    plans_past_review: int
    last_heard: dt.datetime | None
    last_sync: dt.datetime | None
    last_copy: dt.datetime | None
    outbox_waiting: int
    not_synced_days: int | None
    stale: bool
    file: str


@dataclass
class TeamView:
    today: dt.date
    officers: list[OfficerRow]
    cases: list[CaseRow]
    problems: list[Problem]
    skipped: list[Problem]
    unreachable: str | None
    weekly_due: list[tuple[dt.date, int]]  # (week starting, open items due in it), 8 weeks


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _when(value: Any) -> dt.datetime | None:
    try:
        when = dt.datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
    return when if when is None or when.tzinfo else when.replace(tzinfo=dt.UTC)


def _age(dob: dt.date | None, today: dt.date) -> int | None:
    if dob is None:
        return None
    return today.year - dob.year - ((today.month, today.day) < (dob.month, dob.day))


def item_status(item: dict[str, Any], today: dt.date) -> str:
    """An item's status on the manager's today (the packet's is as of the officer's sync)."""
    due_on = _date(item.get("due_on"))
    if due_on is None:
        return str(item.get("status") or "")
    return status_for(due_on, _date(item.get("done_on")), today)


REQ_SHORT = {
    "offender_supervision": "Supervision", "unpaid_work_or_other_activity": "UPW", "compensation": "Compensation",
    "programme": "Programme", "residence": "Residence", "mental_health_treatment": "MH treatment",
    "drug_treatment": "Drug treatment", "alcohol_treatment": "Alcohol treatment", "conduct": "Conduct",
    "restricted_movement": "Restricted movement",
}


def team_view(read: TeamRead, today: dt.date) -> TeamView:
    """Plain rows for the Team page and ``team-status`` (pure Python; dates compared as ISO text,
    each distinct date parsed once, as 5,000 cases carry about 50,000 items)."""
    week_end = today + dt.timedelta(days=7)
    monday = today - dt.timedelta(days=today.weekday())
    weeks = [monday + dt.timedelta(weeks=n) for n in range(8)]
    weekly = [0] * 8
    horizon = weeks[-1] + dt.timedelta(days=7)
    t_iso, week_iso, monday_iso, horizon_iso = today.isoformat(), week_end.isoformat(), monday.isoformat(), \
        horizon.isoformat()
    parsed: dict[str, dt.date | None] = {}

    def day(text: Any) -> dt.date | None:
        if not text:
            return None
        key = str(text)
        if key not in parsed:
            parsed[key] = _date(key)
        return parsed[key]

    officers: list[OfficerRow] = []
    case_rows: list[CaseRow] = []
    for packet in read.packets:
        body = packet.body
        oname = str(body.get("officer_name") or packet.officer_id)
        n_cases = n_overdue = n_week = n_plans = 0
        for c in body.get("cases") or []:
            if not isinstance(c, dict):
                continue
            overdue = week = 0
            plan_late = False
            next_on = ""
            next_label = ""
            for item in c.get("due") or []:
                if not isinstance(item, dict):
                    continue
                due_on = str(item.get("due_on") or "")[:10]
                done_on = item.get("done_on")
                if done_on or not due_on:
                    continue  # done or met late: nothing to count
                kind = item.get("kind")
                if t_iso > due_on:
                    overdue += 1
                    if kind == "plan_review":
                        plan_late = True
                else:
                    if due_on <= week_iso:
                        week += 1
                    if monday_iso <= due_on < horizon_iso:
                        d = day(due_on)
                        if d is not None:
                            weekly[(d - monday).days // 7] += 1
                if kind != "order_end" and (not next_on or due_on < next_on):
                    next_on, next_label = due_on, str(item.get("label") or kind)
            age = _age(day(c.get("date_of_birth")), today)
            archived = bool(c.get("archived"))
            n_cases += not archived
            n_overdue += overdue
            n_week += week
            n_plans += plan_late
            reqs = ", ".join(REQ_SHORT.get(str(r.get("kind")), str(r.get("kind"))) for r in c.get("requirements") or []
                             if isinstance(r, dict))
            flags = c.get("flags") or ()
            case_rows.append(CaseRow(
                officer_id=packet.officer_id, officer_name=oname, reference=str(c.get("reference")),
                name=str(c.get("name") or ""), age=age, requirements=reqs, intensity=str(c.get("intensity") or ""),
                overdue=overdue, due_this_week=week, next_due_on=day(next_on), next_due_label=next_label,
                last_contact=day(c.get("last_contact")), domestic_abuse="domestic_abuse" in flags,
                under_18=age is not None and age < 18, archived=archived, plan_past_review=plan_late, case=c))
        laptop = body.get("laptop") or {}
        last_sync = _when(laptop.get("last_sync"))
        days = None if last_sync is None else (today - last_sync.date()).days
        officers.append(OfficerRow(
            officer_id=packet.officer_id, name=oname, cases=n_cases, overdue=n_overdue,
            due_this_week=n_week, plans_past_review=n_plans, last_heard=last_sync,
            last_sync=last_sync, last_copy=_when(laptop.get("last_copy")),
            outbox_waiting=int(laptop.get("outbox_waiting") or 0), not_synced_days=days,
            stale=days is None or days >= STALE_DAYS, file=packet.file))
    officers.sort(key=lambda o: (o.name.casefold(), o.officer_id))
    return TeamView(today, officers, case_rows, list(read.problems), list(read.skipped), read.unreachable,
                    list(zip(weeks, weekly, strict=True)))


def load_team(store: Store, folder: Path | None = None, ops: FileOps | None = None) -> TeamRead:
    """CLI convenience: keys, read, pins recorded.  The GUI splits these across threads."""
    from app.team.delivery import configured_folder

    target = Path(folder) if folder is not None else configured_folder(store)
    keys = manager_keys(store)
    read = read_team(target, keys, ops)
    record_pins(store, read.new_pins)
    return read


def view_as_json(view: TeamView) -> dict[str, Any]:
    def iso(v: Any) -> str | None:
        return None if v is None else v.isoformat()

    return {
        "today": view.today.isoformat(),
        "officers": [{"officer_id": o.officer_id, "name": o.name, "cases": o.cases, "overdue": o.overdue,
                      "due_this_week": o.due_this_week, "plans_past_review": o.plans_past_review,
                      "last_sync": iso(o.last_sync), "last_copy": iso(o.last_copy),
                      "outbox_waiting": o.outbox_waiting, "not_synced_days": o.not_synced_days,
                      "not_synced_warning": o.stale, "file": o.file} for o in view.officers],
        "cases": [{"officer_id": r.officer_id, "reference": r.reference, "name": r.name,
                   "requirements": r.case.get("requirements") or [], "intensity": r.case.get("intensity"),
                   "archived": r.archived, "under_18": r.under_18, "domestic_abuse": r.domestic_abuse,
                   "overdue": r.overdue, "due_this_week": r.due_this_week, "last_contact": iso(r.last_contact),
                   "upw": r.case.get("upw"), "pending_handovers": r.case.get("pending_handovers") or [],
                   "items": [{"case": r.reference, "kind": i.get("kind"), "due_on": i.get("due_on"),
                              "status": item_status(i, view.today)} for i in r.case.get("due") or []
                             if isinstance(i, dict)]}
                  for r in view.cases],
        "weekly_due": [{"week_of": w.isoformat(), "open": n} for w, n in view.weekly_due],
        "problems": [{"officer_id": p.officer_id, "file": p.file, "problem": p.reason} for p in view.problems],
        "skipped": [{"officer_id": p.officer_id, "file": p.file, "reason": p.reason} for p in view.skipped],
        "unreachable": view.unreachable,
    }

