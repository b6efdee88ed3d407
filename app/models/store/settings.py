"""The store settings registry: every store setting declared once.

A setting is declared here with its key, type, default, limits, label and help; nothing
else in Casebook states them again.  The settings dialog builds its spin boxes from the
limits, the ``casebook settings`` verb lists and sets them, and the rules read their values
through ``store.settings`` (a value that is missing, or stored outside its limits, reads as
the default).  The numbers of local policy (the deadline and enforcement limits) are the
constants the rules apply (``app.models.rules``), which cannot import the store: they are
named here, not repeated.

``store.settings`` (the ``Settings`` part):

- ``get(key)``: the value in force (stored and valid, else the default);
- ``values()``: every setting that is not secret, key -> value in force;
- ``stored(key)``: what is stored (None when nothing is);
- ``set(key, value)`` / ``update({key: value, ...})``: validate every value first (a bad one
  is a ``ValidationError`` of one line naming the setting), then write them in one
  transaction, audited; ``None`` removes a setting so it falls back to its default.  Both
  return the ``Changes`` (``changes.settings`` = the keys whose stored value changed).
- ``put(tx, key, value)``: the same inside a caller's transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.models.errors import ValidationError
from app.models.rules import appointments as policy
from app.models.rules import deadlines as D
from app.models.store import entities as E
from app.models.store.changes import Changes

if TYPE_CHECKING:  # pragma: no cover
    from app.models.store.facade import Store, Tx


@dataclass(frozen=True)
class Setting:
    """One store setting.  ``type``: int, str or dict (a dict of whole numbers, one per name
    in ``keys``); ``limits``: the inclusive range of a whole number (of each one, for a dict);
    ``editable``: False for what Casebook keeps itself (identity, bookkeeping); ``secret``:
    never listed or printed; ``check``: a further check of a string (returns it cleaned)."""

    key: str
    type: type
    default: Any
    label: str
    help: str = ""
    limits: tuple[int, int] | None = None
    keys: tuple[str, ...] = ()
    editable: bool = True
    secret: bool = False
    check: Callable[[str], str] | None = None
    group: str = "store"

    def validate(self, value: Any) -> Any:
        """``value`` checked (and cleaned); raises ValidationError naming the setting."""
        if value is None:
            return None
        if self.type is int:
            return self._whole(value, self.label)
        if self.type is str:
            if not isinstance(value, str):
                raise ValidationError(f"{self.label} ({self.key}) must be text, not {value!r}")
            text = value.strip()
            if not text:
                return None  # an empty text removes the setting
            if self.check is not None:
                try:
                    text = self.check(text)
                except ValidationError as exc:
                    raise ValidationError(f"{self.label} ({self.key}): {exc}") from None
            return text
        if self.type is dict:
            if not isinstance(value, Mapping):
                raise ValidationError(f"{self.label} ({self.key}) must be a mapping, not {value!r}")
            if not self.keys:
                return dict(value)
            out = {}
            for name, v in value.items():
                if name not in self.keys:
                    raise ValidationError(f"{self.label} ({self.key}): unknown {name!r} "
                                          f"({', '.join(self.keys)})")
                out[name] = self._whole(v, f"{self.label}, {name}")
            return out
        if not isinstance(value, self.type):  # pragma: no cover - no other types declared
            raise ValidationError(f"{self.label} ({self.key}) must be a {self.type.__name__}, not {value!r}")
        return value

    def _whole(self, value: Any, what: str) -> int:
        if not _whole_in(value, self.limits):
            span = f" from {self.limits[0]} to {self.limits[1]}" if self.limits is not None else ""
            raise ValidationError(f"{what} ({self.key}) must be a whole number{span}, not {value!r}")
        return int(value)

    def in_force(self, stored: Any) -> Any:
        """The value in force given what is stored: anything unusable falls back to the
        default (for a dict of whole numbers, name by name)."""
        if stored is None:
            return _copy(self.default)
        if self.type is dict:
            if not isinstance(stored, Mapping):
                return _copy(self.default)
            if not self.keys:
                return dict(stored)
            out = dict(self.default)
            for name, v in stored.items():
                if name in self.keys and _whole_in(v, self.limits):
                    out[name] = int(v)
            return out
        if self.type is int:
            return int(stored) if _whole_in(stored, self.limits) else self.default
        if self.type is str:
            return stored if isinstance(stored, str) and stored else self.default
        return stored if isinstance(stored, self.type) else _copy(self.default)  # pragma: no cover


def _whole_in(value: Any, limits: tuple[int, int] | None) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and (
        limits is None or limits[0] <= value <= limits[1])


def _copy(value: Any) -> Any:
    return dict(value) if isinstance(value, dict) else value


REGISTRY: dict[str, Setting] = {}


def declare(key: str, type: type, default: Any, label: str, help: str = "", **kw: Any) -> Setting:
    """Declare a store setting (once: a second declaration of a key is a programming error)."""
    if key in REGISTRY:
        raise ValueError(f"store setting {key!r} is declared twice")
    setting = Setting(key, type, default, label, help, **kw)
    REGISTRY[key] = setting
    return setting


def setting(key: str) -> Setting:
    """The declaration of ``key`` (ValidationError for a key nobody declared)."""
    found = REGISTRY.get(key)
    if found is None:
        raise ValidationError(f"unknown store setting {key!r}")
    return found


def limits(key: str) -> tuple[int, int]:
    """The (low, high) limits of a whole-number setting (for spin boxes)."""
    found = setting(key).limits
    assert found is not None, key
    return found


def age_recipient(text: str) -> str:
    """An age X25519 recipient (``age1...``), checked by parsing it."""
    import pyrage

    text = (text or "").strip()
    try:
        pyrage.x25519.Recipient.from_str(text)
    except pyrage.RecipientError:
        raise ValidationError(f"{text[:80]!r} is not an age recipient (age1... from casebook recovery-key)") from None
    return text


# ---------------------------------------------------------------------------- declarations
OFFICER_NAME = declare("officer_name", str, None, "Officer name",
                       "Your name as it appears on documents and to colleagues", group="officer")
OFFICER_ID = declare("officer_id", str, None, "Officer id",
                     "Made once per store: names this store's officer in the audit trail and on the shared drive",
                     editable=False, group="officer")
declare("team_age_identity", str, None, "Officer decryption key", editable=False, secret=True, group="officer")
declare("team_signing_key", str, None, "Officer signing key", editable=False, secret=True, group="officer")

INTENSITY_WEEKS = declare(
    D.SETTING_INTENSITY_WEEKS, dict, dict(D.DEFAULT_INTENSITY_WEEKS), "Weeks between plan reviews",
    "Weeks between plan reviews at each supervision intensity (high, medium, low)",
    limits=D.WEEKS_LIMITS, keys=tuple(D.DEFAULT_INTENSITY_WEEKS), group="deadline policy")
REPORT_DAYS_BEFORE = declare(
    D.SETTING_REPORT_DAYS_BEFORE, int, D.DEFAULT_REPORT_DAYS_BEFORE, "Progress review report due",
    "Working days before a court progress review that the officer's report is due",
    limits=D.REPORT_DAYS_LIMITS, group="deadline policy")
declare(D.SETTING_OTHER_ACTIVITY_CAP, int, D.DEFAULT_OTHER_ACTIVITY_CAP_PERCENT, "Other activity cap",
        "Share (percent) of the unpaid work hours that other activity may make up",
        limits=D.PERCENT_LIMITS, group="deadline policy")
declare(D.SETTING_UPW_ONLY_REVIEW_WEEKS, int, D.DEFAULT_UPW_ONLY_REVIEW_WEEKS,
        "Weeks between reviews of unpaid-work-only orders",
        "Plan review interval of an unpaid-work-only order with no supervision intensity recorded",
        limits=D.WEEKS_LIMITS, group="deadline policy")
for _key, _default, _lo, _hi, _help in policy.POLICY_SETTINGS:
    declare(_key, int, _default, _help.split(" (")[0], _help, limits=(_lo, _hi), group="enforcement policy")

SHARED_DRIVE_FOLDER = declare("shared_drive_folder", str, None, "Shared drive folder",
                              "The team's folder on the shared drive: exports and off-laptop copies go there",
                              group="team")
RECOVERY_RECIPIENT = declare("recovery_recipient", str, None, "Team recovery recipient",
                             "age1... from the team manager (casebook recovery-key): each off-laptop copy can "
                             "then also be restored with the team's recovery identity",
                             check=age_recipient, group="team")
declare("offsite_keep", int, 10, "Off-laptop copies kept", "How many off-laptop copies are kept on the shared drive",
        limits=(1, 100), group="team")
declare("offsite_warn_days", int, 7, "Warn after days without a copy",
        "Days after the last off-laptop copy before Casebook warns that none was made", limits=(1, 365),
        group="team")
declare("offsite_last", dict, None, "Last off-laptop copy", editable=False, group="team")
declare("officer_pins", dict, None, "Colleagues' pinned keys", editable=False, group="team")
declare("card_published", str, None, "Officer card last published", editable=False, group="team")
declare("team_manager", str, None, "Team manager", "The team manager's officer id (their card is pinned)",
        editable=False, group="team")
declare("team_status_last", dict, None, "Last team status packet", editable=False, group="team")
declare("handover_retention_days", int, 30, "Days a handed-over case is kept",
        "Days a case handed over to a colleague is kept on this laptop before it is removed",
        limits=(0, 3650), group="team")
BACKUP_KEEP = declare("backup_keep", int, 5, "Rolling backups kept",
                      "How many verified rolling backups beside the store are kept", limits=(1, 100), group="store")


# ---------------------------------------------------------------------------- the part
class Settings:
    """``store.settings``: the registry's settings of one store (see the module docstring)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    @staticmethod
    def declared() -> list[Setting]:
        return list(REGISTRY.values())

    def stored(self, key: str, default: Any = None) -> Any:
        """What is stored under ``key`` (any key, declared or not), else ``default``."""
        with self._store.transaction() as tx:
            row = tx.session.get(E.StoreSetting, key)
            return default if row is None else row.value

    def get(self, key: str) -> Any:
        """The value in force of a declared setting."""
        decl = setting(key)
        return decl.in_force(self.stored(key))

    def get_many(self, keys: list[str]) -> dict[str, Any]:
        """The values in force of these declared settings, read in one transaction."""
        decls = [setting(k) for k in keys]
        with self._store.transaction() as tx:
            return {d.key: d.in_force(getattr(tx.session.get(E.StoreSetting, d.key), "value", None))
                    for d in decls}

    def values(self) -> dict[str, Any]:
        """Every setting that is not secret: key -> value in force (one transaction)."""
        return self.get_many([s.key for s in REGISTRY.values() if not s.secret])

    def set(self, key: str, value: Any) -> Changes:
        return self.update({key: value})

    def update(self, values: Mapping[str, Any]) -> Changes:
        """Validate every value, then store them all in one transaction (None removes)."""
        checked = self.check(values)
        with self._store.transaction() as tx:
            for key, value in checked.items():
                self._put(tx, key, value)
            return tx.changes

    @staticmethod
    def check(values: Mapping[str, Any]) -> dict[str, Any]:
        """The values checked and cleaned (ValidationError on the first bad one)."""
        return {key: setting(key).validate(value) for key, value in values.items()}

    def put(self, tx: Tx, key: str, value: Any) -> None:
        """Validate and store one setting inside the caller's transaction."""
        self._put(tx, key, setting(key).validate(value))

    @staticmethod
    def _put(tx: Tx, key: str, value: Any) -> None:
        decl = REGISTRY.get(key)
        s = tx.session
        row = s.get(E.StoreSetting, key)
        if value is not None and decl is not None and decl.type is dict and decl.keys:
            # a partial mapping changes only the names given
            value = {**decl.in_force(None if row is None else row.value), **value}
        if value is None:
            if row is None:
                return
            s.delete(row)
        elif row is None:
            s.add(E.StoreSetting(key=key, value=value))
        elif row.value == value:
            return
        else:
            row.value = value
        tx.audit("update", "setting", key)
        tx.changes.settings.add(key)

    def put_raw(self, tx: Tx, key: str, value: Any) -> None:
        """Store ``value`` as given (any key, unchecked, audited even when unchanged): the
        old ``Store.set_setting`` behaviour, kept for it."""
        s = tx.session
        row = s.get(E.StoreSetting, key)
        if value is None:
            if row is not None:
                s.delete(row)
        elif row is None:
            s.add(E.StoreSetting(key=key, value=value))
        else:
            row.value = value
        tx.audit("update", "setting", key)
        tx.changes.settings.add(key)
