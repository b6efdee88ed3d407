"""The officer's identity: a stable officer id, a display name, and the store's key material.

Everything is kept in store settings, i.e. inside the encrypted store (never in a file):

* ``officer_id``: ``off-`` and 8 random base32 characters, made once and never changed; the
  audit trail, the shared drive's file names and manifests use it (the login name is detail).
* ``officer_name``: the display name, asked at first run / ``init --officer``, editable.
* ``team_age_identity``: an age X25519 secret key (``AGE-SECRET-KEY-1...``); its public
  recipient goes on the officer's card (issue 15).
* ``team_signing_key``: an Ed25519 private key (32 raw bytes, hex); signs packets (issue 15).
"""

from __future__ import annotations

import base64
import getpass
import hashlib
import re
import secrets
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import pyrage

from app.models.errors import ValidationError
from app.models.store import entities as E

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

    from app.models.store import Store, Tx

SETTING_OFFICER_ID = "officer_id"
SETTING_OFFICER_NAME = "officer_name"
SETTING_AGE_IDENTITY = "team_age_identity"
SETTING_SIGNING_KEY = "team_signing_key"
SECRET_SETTINGS = frozenset({SETTING_AGE_IDENTITY, SETTING_SIGNING_KEY})

OFFICER_ID_RE = re.compile(r"^off-[a-z2-7]{8}$")
MAX_NAME = 100
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Identity:
    """The public half of an officer's identity (safe to show and to publish)."""

    officer_id: str
    name: str
    login: str
    recipient: str  # age X25519 public key, age1...
    signing_key: str  # Ed25519 public key, 64 hex
    fingerprint: str  # groups of digits over id + both public keys

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def new_officer_id() -> str:
    return "off-" + base64.b32encode(secrets.token_bytes(5)).decode("ascii").lower()


def check_officer_name(name: str) -> str:
    clean = " ".join((name or "").split())
    if not clean:
        raise ValidationError("the officer name is empty")
    if len(clean) > MAX_NAME or _CONTROL.search(clean):
        raise ValidationError(f"the officer name must be at most {MAX_NAME} characters on one line")
    return clean


def check_officer_id(value: str) -> str:
    if not isinstance(value, str) or not OFFICER_ID_RE.match(value):
        raise ValidationError(f"{value!r} is not an officer id (off- and 8 letters or digits)")
    return value


def fingerprint(officer_id: str, recipient: str, signing_key: str) -> str:
    """Six groups of five digits, the same on every laptop for the same keys."""
    digest = hashlib.sha256(f"casebook-card/v1\n{officer_id}\n{recipient}\n{signing_key}".encode()).digest()
    groups = [int.from_bytes(digest[i * 5:(i + 1) * 5], "big") % 100_000 for i in range(6)]
    return " ".join(f"{g:05d}" for g in groups)


def _login() -> str:
    try:
        return getpass.getuser()
    except Exception:  # pragma: no cover - no login name
        return "unknown"


def _get(tx: Tx, key: str) -> Any:
    row = tx.session.get(E.StoreSetting, key)
    return None if row is None else row.value


def _put(tx: Tx, key: str, value: Any) -> None:
    row = tx.session.get(E.StoreSetting, key)
    if row is None:
        tx.session.add(E.StoreSetting(key=key, value=value))
    else:
        row.value = value


def signing_public(secret_hex: str) -> str:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(secret_hex))
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def _public(officer_id: str, name: str, age_secret: str, signing_secret: str) -> Identity:
    recipient = str(pyrage.x25519.Identity.from_str(age_secret).to_public())
    signing = signing_public(signing_secret)
    return Identity(officer_id, name, _login(), recipient, signing, fingerprint(officer_id, recipient, signing))


def ensure_in(tx: Tx, name: str | None = None) -> Identity:
    """Inside a transaction: the store's identity, made (id, keys) where missing."""
    officer_id = _get(tx, SETTING_OFFICER_ID)
    made = []
    if not isinstance(officer_id, str) or not OFFICER_ID_RE.match(officer_id):
        officer_id = new_officer_id()
        _put(tx, SETTING_OFFICER_ID, officer_id)
        made.append("officer id")
    current = _get(tx, SETTING_OFFICER_NAME)
    if name is not None:
        clean = check_officer_name(name)
        if clean != current:
            _put(tx, SETTING_OFFICER_NAME, clean)
            tx.audit("update", "officer", officer_id, "display name")
        current = clean
    age_secret = _get(tx, SETTING_AGE_IDENTITY)
    if not isinstance(age_secret, str):
        age_secret = str(pyrage.x25519.Identity.generate())
        _put(tx, SETTING_AGE_IDENTITY, age_secret)
        made.append("age identity")
    signing_secret = _get(tx, SETTING_SIGNING_KEY)
    if not isinstance(signing_secret, str):
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        signing_secret = Ed25519PrivateKey.generate().private_bytes_raw().hex()
        _put(tx, SETTING_SIGNING_KEY, signing_secret)
        made.append("signing key")
    if made:
        tx.audit("create", "officer", officer_id, ", ".join(made))
    return _public(officer_id, current if isinstance(current, str) else "", age_secret, signing_secret)


def ensure(store: Store, name: str | None = None) -> Identity:
    """The store's identity, made where missing (and the display name set when given)."""
    with store.transaction() as tx:
        ident = ensure_in(tx, name)
    if store.actor == _login():  # the default actor: from now on the audit trail names the officer
        store.actor = ident.officer_id
    return ident


def officer_id(store: Store) -> str | None:
    value = store.get_setting(SETTING_OFFICER_ID)
    return value if isinstance(value, str) and OFFICER_ID_RE.match(value) else None


def age_identity(store: Store) -> Any:
    """The store's own age X25519 identity (pyrage object; it never leaves the process)."""
    with store.transaction() as tx:
        ensure_in(tx)
        return pyrage.x25519.Identity.from_str(_get(tx, SETTING_AGE_IDENTITY))


def signing_private(store: Store) -> Ed25519PrivateKey:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    with store.transaction() as tx:
        ensure_in(tx)
        return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(_get(tx, SETTING_SIGNING_KEY)))


def load_signing_public(hex_key: str) -> Ed25519PublicKey:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    return Ed25519PublicKey.from_public_bytes(bytes.fromhex(hex_key))
