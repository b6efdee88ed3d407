"""Handover requests (issue 16, work allocation): the team manager asks an officer to hand a
case over to a colleague.  The handover itself still goes from the officer's laptop, under the
handover rules (issue 15); a request only asks.

A request is signed by the manager's Ed25519 key and age-encrypted to the officer's pinned
recipient, delivered to ``<folder>/casebook/requests/<officer-id>/`` as
``<manager-id>-<UTC time>-<hex>.request.age`` (ids only).  The officer's store shows the
requests whose signature verifies against the pinned card of *its* team manager
(``casebook requests``); anything else is listed as a problem, never shown as a request.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyrage

from app.models.errors import ValidationError
from app.team import cards, identity, layout
from app.team.delivery import FileOps, SyncError, deliver_new, describe_error, folder_problem

if TYPE_CHECKING:
    from app.models.store import Store

REQUEST_FORMAT = "casebook-request/v1"
REQUEST_EXT = ".request.age"
MAX_NOTE = 500
NAME_RE = re.compile(r"^(?P<officer>off-[a-z2-7]{8})-\d{8}T\d{9}Z-[0-9a-f]{6}" + re.escape(REQUEST_EXT) + "$")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def requests_dir(folder: Path, officer_id: str) -> Path:
    return Path(folder) / layout.ROOT / "requests" / officer_id


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@dataclass(frozen=True)
class Request:
    request_id: str
    case: str
    from_officer: str
    from_name: str
    to_officer: str
    to_name: str
    note: str
    at: dt.datetime
    file: str = ""

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["at"] = self.at.isoformat(timespec="seconds")
        return out


def check_note(note: str | None) -> str:
    text = " ".join((note or "").split())
    if len(text) > MAX_NOTE or _CONTROL.search(note or ""):
        raise ValidationError(f"the note must be at most {MAX_NOTE} characters of plain text")
    return text


def send_request(store: Store, folder: Path, custodian: str, case: str, to_officer: str, to_name: str = "",
                 note: str | None = None, ops: FileOps | None = None) -> Request:
    """The manager (this store) asks ``custodian`` to hand ``case`` over to ``to_officer``."""
    ops = ops or FileOps()
    identity.check_officer_id(custodian)
    identity.check_officer_id(to_officer)
    if custodian == to_officer:
        raise ValidationError("the case is already with that officer")
    text = check_note(note)
    if not case or len(case) > 40:
        raise ValidationError("no case reference")
    problem = folder_problem(folder, ops)
    if problem is not None:
        raise SyncError(problem)
    me = identity.ensure(store)
    card = cards.pin_for_use(store, folder, custodian, ops)  # KeyChangedError when the officer's keys changed
    now = store.clock.now().astimezone(dt.UTC)
    body = {"format": REQUEST_FORMAT, "request_id": secrets.token_hex(8), "case": case,
            "from_officer": me.officer_id, "from_name": me.name, "to_officer": to_officer, "to_name": to_name,
            "custodian": custodian, "note": text, "at": now.isoformat(timespec="seconds")}
    signed = {"request": body, "signature": identity.signing_private(store).sign(_canonical(body)).hex()}
    data = bytes(pyrage.encrypt(_canonical(signed), [pyrage.x25519.Recipient.from_str(card.recipient)]))
    where = requests_dir(folder, custodian)
    where.mkdir(parents=True, exist_ok=True)
    name = layout.stem(me.officer_id, now) + REQUEST_EXT
    deliver_new(where, name, data, {"kind": "request", "officer": me.officer_id}, ops)
    store.record_event("request_handover", "case", None, f"to {custodian}: {body['request_id']}")
    return Request(body["request_id"], case, me.officer_id, me.name, to_officer, to_name, text, now, name)


@dataclass(frozen=True)
class Problem:
    file: str
    reason: str


@dataclass
class Found:
    requests: list[Request] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class OfficerKeys:
    """What reading this officer's requests needs from the store (read on the store worker)."""

    officer_id: str
    age_identity: Any
    manager_id: str | None
    manager_signing_key: str | None


def officer_keys(store: Store) -> OfficerKeys:
    from app.team import status

    me = identity.ensure(store)
    manager = status.manager_id(store)
    pin = cards.pins(store).get(manager or "")
    return OfficerKeys(me.officer_id, identity.age_identity(store), manager,
                       str(pin["signing_key"]) if pin and pin.get("signing_key") else None)


def load_requests(store: Store, folder: Path, ops: FileOps | None = None) -> Found:
    """Requests addressed to this officer from its team manager, newest first."""
    return read_requests(folder, officer_keys(store), ops)


def read_requests(folder: Path, keys: OfficerKeys, ops: FileOps | None = None) -> Found:
    """The same, from the keys alone (no store: the GUI reads the folder off the store worker)."""
    from cryptography.exceptions import InvalidSignature  # loaded with the first check, not with the window
    ops = ops or FileOps()
    out = Found()
    where = requests_dir(folder, keys.officer_id)
    try:
        names = sorted(ops.listdir(where)) if ops.isdir(where) else []
    except OSError as exc:
        out.problems.append(Problem(str(where), describe_error(exc, folder)))
        return out
    manager = keys.manager_id
    for name in reversed(names):
        m = NAME_RE.match(name)
        if m is None:
            continue  # the manifest, temp files of a delivery under way
        if manager is None or m.group("officer") != manager or keys.manager_signing_key is None:
            out.problems.append(Problem(name, "not from this store's team manager"))
            continue
        try:
            plain = pyrage.decrypt(ops.read_bytes(where / name), [keys.age_identity])
            outer = json.loads(plain.decode("utf-8"))
            body, signature = outer["request"], bytes.fromhex(outer["signature"])
            identity.load_signing_public(keys.manager_signing_key).verify(signature, _canonical(body))
            if body.get("format") != REQUEST_FORMAT or body.get("from_officer") != manager \
                    or body.get("custodian") != keys.officer_id:
                raise ValidationError("not addressed to this officer")
            out.requests.append(Request(str(body["request_id"]), str(body["case"]), manager,
                                        str(body.get("from_name") or ""), str(body["to_officer"]),
                                        str(body.get("to_name") or ""), str(body.get("note") or ""),
                                        dt.datetime.fromisoformat(body["at"]), name))
        except InvalidSignature:
            out.problems.append(Problem(name, "the signature does not verify against the manager's pinned key"))
        except OSError as exc:
            out.problems.append(Problem(name, f"unreadable: {describe_error(exc, folder)}"))
        except (ValidationError, ValueError, KeyError, TypeError) as exc:
            out.problems.append(Problem(name, f"not a valid request ({exc})" if isinstance(exc, ValidationError)
                                        else "unreadable: damaged, half-written or not for this officer"))
        except Exception:  # pyrage.DecryptError
            out.problems.append(Problem(name, "unreadable: damaged, half-written or not for this officer"))
    return out
