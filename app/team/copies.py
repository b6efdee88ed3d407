"""Off-laptop copies of the store on the shared drive, and restoring one on a new laptop.

A copy is delivered to ``<folder>/casebook/backups/<officer-id>/`` whenever the store has
changed since the last delivered copy (see ``changed_since_last``):

* ``<officer>-<UTC time>-<hex>.casebook.age``: the store (a consistent ``sqlcipher_export``
  snapshot, keyed by the officer's passphrase) in age passphrase encryption with that same
  passphrase.  Restoring needs only the passphrase.
* ``<same stem>.recovery.age`` when the team recovery recipient is set: a snapshot under a
  random key, with that key, age-encrypted to the recovery recipient.  Restoring needs only
  the team manager's recovery identity; a new passphrase is chosen then.

Each goes through ``delivery.deliver_new`` (temp file, fsync, read back, verify, manifest
line, no-replace rename).  The newest ``offsite_keep`` (default 10) verified copies are kept;
only files older than the oldest of those are removed.  A failed delivery writes nothing to
the store: the copy simply stays due, with the reason in the outcome.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyrage

from app.models.errors import DamagedStoreError, NotFoundError, StoreError, UnlockError, ValidationError
from app.models.store import Store, snapshots
from app.models.store import entities as E
from app.models.store import settings as store_settings
from app.team import identity, layout, sealing
from app.team.delivery import (
    FileOps,
    NoFolderError,
    SyncError,
    cleanup_partials,
    configured_folder,
    deliver_new,
    describe_error,
    folder_problem,
    read_manifest,
)
from app.team.onstore import OnStore, inline

SETTING_KEEP = "offsite_keep"
SETTING_WARN_DAYS = "offsite_warn_days"
SETTING_LAST = "offsite_last"
SETTING_RECOVERY = sealing.SETTING_RECOVERY
DEFAULT_KEEP = store_settings.setting(SETTING_KEEP).default  # declared in app/models/store/settings.py
MAX_KEEP = store_settings.limits(SETTING_KEEP)[1]
DEFAULT_WARN_DAYS = store_settings.setting(SETTING_WARN_DAYS).default

# Audit actions that record something without changing the record itself: they alone never
# make a new off-laptop copy due (else every unlock would).
NON_CHANGING = frozenset({"unlock", "failed_unlock", "backup", "export", "share", "view_nfd", "offsite_copy",
                          "publish"})

# Hook for issue 21 (the authenticated commit counter) and anything else that wants to travel
# with each copy: functions called with the open store just before the snapshot, each returning
# plain JSON values (never case content).  Their merged result goes into the copy's manifest
# line under "meta" and into the store's record of the last copy (``LastCopy.meta``).
copy_metadata_hooks: list[Callable[[Store], dict[str, Any]]] = []


def commit_metadata(store: Store) -> dict[str, Any]:
    """Issue 21 item 2: the store's authenticated commit counter and audit head (no case content)."""
    return {"commit": store.security.commit_state()}


copy_metadata_hooks.append(commit_metadata)


def behind_a_copy(store: Store, entries: list[dict[str, Any]]) -> str | None:
    """One line when a copy on the drive (manifest ``entries``) carries a commit state that
    authenticates under this store's key and is ahead of the store: the store (seal
    included) was put back to an older version of itself.  Else None."""
    here = store.security.commit_state()
    if here.get("mac") is None:
        return None
    restored = _last_restore(store)
    for entry in entries:
        if restored is not None and _when(entry.get("created")) is not None \
                and _when(entry.get("created")) <= restored:  # type: ignore[operator]
            continue  # a copy from before a deliberate restore (audited): older is expected
        meta = entry.get("meta")
        state = meta.get("commit") if isinstance(meta, dict) else None
        if not isinstance(state, dict) or store.security.check_commit_state(state) is not None:
            continue
        counter = state.get("counter")
        if isinstance(counter, int) and not isinstance(counter, bool) and counter > here["counter"]:
            return (f"this store is older than its off-laptop copy {entry.get('file')} (commit {counter} there, "
                    f"{here['counter']} here): it was put back to an older version; nothing was delivered -- "
                    "restore that copy, or ask the team manager")
    return None


RESTORES = ("restore", "restore_shared", "recover")


def _when(value: Any) -> dt.datetime | None:
    try:
        at = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return at if at.tzinfo is not None else at.replace(tzinfo=dt.UTC)


def _last_restore(store: Store) -> dt.datetime | None:
    """When this store was last put back deliberately (a restore, audited), if ever."""
    with store.transaction() as tx:
        rows = tx.execute_raw("SELECT at FROM audit_events WHERE action IN (?, ?, ?)", RESTORES).fetchall()
    times = [t for t in (_when(r[0]) for r in rows) if t is not None]
    return max(times) if times else None


# ---------------------------------------------------------------------- the store's side
@dataclass(frozen=True)
class LastCopy:
    name: str
    at: dt.datetime
    marker: int
    size: int
    recovery: bool
    folder: str
    meta: dict[str, Any] = field(default_factory=dict)


def last_copy(store: Store) -> LastCopy | None:
    value = store.get_setting(SETTING_LAST)
    if not isinstance(value, dict):
        return None
    try:
        return LastCopy(str(value["name"]), dt.datetime.fromisoformat(value["at"]), int(value["marker"]),
                        int(value["size"]), bool(value.get("recovery")), str(value.get("folder", "")),
                        dict(value.get("meta") or {}))
    except (KeyError, TypeError, ValueError):
        return None


def changed_since_last(store: Store) -> bool:
    """True when something other than NON_CHANGING events happened after the last copy."""
    last = last_copy(store)
    marker = last.marker if last else 0
    placeholders = ",".join("?" * len(NON_CHANGING))
    with store.transaction() as tx:
        row = tx.execute_raw(
            f"SELECT 1 FROM audit_events WHERE id > ? AND action NOT IN ({placeholders}) LIMIT 1",
            (marker, *sorted(NON_CHANGING)),
        ).fetchone()
    return row is not None


def keep_count(store: Store) -> int:
    return int(store.settings.get(SETTING_KEEP))


def warn_days(store: Store) -> int:
    return int(store.settings.get(SETTING_WARN_DAYS))


def check_keep(n: Any) -> int:
    if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= MAX_KEEP:
        raise ValidationError(f"keep must be a whole number from 1 to {MAX_KEEP}")
    return n


def check_recipient(value: str) -> str:
    return store_settings.age_recipient(value)


def recovery_recipient(store: Store) -> str | None:
    value = store.get_setting(SETTING_RECOVERY)
    return value if isinstance(value, str) and value else None


def set_recovery_recipient(store: Store, recipient: str | None) -> None:
    """Set (None clears) the team recovery recipient; the next copy is then due."""
    store.settings.set(SETTING_RECOVERY, None if recipient is None else check_recipient(recipient))


@dataclass(frozen=True)
class CopyStatus:
    last: LastCopy | None
    changed: bool
    warn_days: int
    now: dt.datetime

    @property
    def overdue(self) -> bool:
        """The last copy is older than the warning threshold (or there is none) and the
        record has changed since."""
        if not self.changed:
            return False
        return self.last is None or self.now - self.last.at > dt.timedelta(days=self.warn_days)

    def line(self) -> str:
        if self.last is None:
            return "No off-laptop copy yet" + (" (due)" if self.changed else "")
        when = self.last.at.astimezone().strftime("%d/%m/%Y %H:%M")
        return f"Last off-laptop copy {when}" + ("; changed since" if self.changed else "")


def copy_status(store: Store, now: dt.datetime | None = None) -> CopyStatus:
    return CopyStatus(last_copy(store), changed_since_last(store), warn_days(store),
                      now or dt.datetime.now(dt.UTC))


# ---------------------------------------------------------------------- delivering
@dataclass(frozen=True)
class CopyOutcome:
    status: str  # delivered | current | failed
    name: str | None = None
    error: str | None = None
    removed: tuple[str, ...] = ()

    def line(self) -> str:
        if self.status == "delivered":
            return f"off-laptop copy delivered as {self.name}"
        if self.status == "current":
            return "off-laptop copy up to date (nothing changed since the last one)"
        return f"off-laptop copy still due: {self.error}"


def _mkdirs(path: Path) -> None:
    os.makedirs(path, exist_ok=True)


def take_copy(store: Store, folder: Path | str | None = None, *, force: bool = False,
              ops: FileOps | None = None, now: dt.datetime | None = None,
              min_age: dt.timedelta | None = None, on_store: OnStore = inline) -> CopyOutcome:
    """Deliver a copy if the store changed since the last one (``force``: regardless).
    ``min_age`` (the app's background polling): not while the last copy is younger than that.
    Three short store calls go through ``on_store`` (``app.team.onstore``): is one due, the
    snapshot, the record of it; the encryption and the drive's IO run on this thread."""
    ops = ops or FileOps()
    try:
        target, due = on_store(lambda: _copy_due(store, folder, force, now, min_age))
    except NoFolderError as exc:
        return CopyOutcome("failed", error=str(exc))
    if not due:
        return CopyOutcome("current")
    problem = folder_problem(target, ops)
    if problem is not None:
        return CopyOutcome("failed", error=problem)
    when = now or dt.datetime.now(dt.UTC)
    try:
        plan = on_store(lambda: _snapshot(store, when))
        dest = layout.backups_dir(target, plan.officer_id)
        entries = read_manifest(dest, ops).entries
        behind = on_store(lambda: behind_a_copy(store, entries))
        if behind is not None:
            return CopyOutcome("failed", error=behind)
        _mkdirs(dest)
        cleanup_partials(dest, ops)
        data = plan.copy.seal()
        entry = {"kind": "store-copy", "officer": plan.officer_id, "login": plan.login,
                 "created": when.isoformat(timespec="seconds"), "copy": plan.stem, "schema": plan.schema,
                 "meta": plan.meta}
        if plan.recovery is not None:
            deliver_new(dest, plan.stem + layout.RECOVERY_EXT, plan.recovery.seal(), {**entry, "kind": "recovery"},
                        ops)
        deliver_new(dest, plan.stem + layout.COPY_EXT, data, entry, ops)
    except (OSError, SyncError) as exc:
        return CopyOutcome("failed", error=describe_error(exc, target))
    name = plan.stem + layout.COPY_EXT
    keep = on_store(lambda: _record_copy(store, name, when, plan, len(data), target))
    try:
        removed = prune(dest, plan.officer_id, keep, ops)
    except OSError:
        removed = []
    return CopyOutcome("delivered", name=name, removed=tuple(removed))


def _copy_due(store: Store, folder: Path | str | None, force: bool, now: dt.datetime | None,
              min_age: dt.timedelta | None) -> tuple[Path, bool]:
    """Store step of ``take_copy``: (the folder, whether a copy is due)."""
    target = Path(folder) if folder is not None else configured_folder(store)
    if force:
        return target, True
    if not changed_since_last(store):
        return target, False
    if min_age is not None:
        last = last_copy(store)
        if last is not None and (now or dt.datetime.now(dt.UTC)) - last.at < min_age:
            return target, False
    return target, True


@dataclass(frozen=True)
class _CopyPlan:
    officer_id: str
    login: str
    stem: str
    schema: int
    meta: dict[str, Any]
    recipient: str | None
    copy: snapshots.Snapshot
    recovery: snapshots.Snapshot | None


def _snapshot(store: Store, when: dt.datetime) -> _CopyPlan:
    """Store step of ``take_copy``: the identity, the hooks' metadata and the snapshot(s)."""
    ident = identity.ensure(store)
    stem = layout.stem(ident.officer_id, when)
    meta: dict[str, Any] = {}
    for hook in copy_metadata_hooks:
        meta.update(hook(store))
    recipient = recovery_recipient(store)
    copy = snapshots.passphrase_snapshot(store)
    recovery = None if recipient is None else \
        snapshots.recovery_snapshot(store, [recipient], {"officer": ident.officer_id, "copy": stem})
    return _CopyPlan(ident.officer_id, ident.login, stem, _schema(store), meta, recipient, copy, recovery)


def _record_copy(store: Store, name: str, when: dt.datetime, plan: _CopyPlan, size: int, target: Path) -> int:
    """Store step of ``take_copy``: record the delivered copy (and audit it); how many to keep."""
    with store.transaction() as tx:
        row = tx.session.get(E.StoreSetting, SETTING_LAST)
        value = {"name": name, "at": when.isoformat(), "marker": plan.copy.marker, "size": size,
                 "recovery": plan.recipient is not None, "folder": str(target), "meta": plan.meta}
        if row is None:
            tx.session.add(E.StoreSetting(key=SETTING_LAST, value=value))
        else:
            row.value = value
        tx.audit("offsite_copy", "store", None, f"{name} ({size} bytes"
                 + (", with recovery copy)" if plan.recipient else ")"))
    return keep_count(store)


def _schema(store: Store) -> int:
    with store.transaction() as tx:
        return int(tx.execute_raw("PRAGMA user_version").fetchone()[0])


# ---------------------------------------------------------------------- what is on the drive
@dataclass(frozen=True)
class SharedCopy:
    officer: str
    name: str
    path: Path
    kind: str | None  # store-copy | recovery | None (not a Casebook copy)
    taken: dt.datetime | None
    size: int
    verified: bool
    problem: str | None = None
    login: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"officer": self.officer, "file": self.name, "kind": self.kind,
                "taken": self.taken.isoformat(timespec="seconds") if self.taken else None,
                "size": self.size, "verified": self.verified, "problem": self.problem, "login": self.login}


def scan_officer(folder: Path, officer_id: str, ops: FileOps | None = None,
                 check: bool = True) -> list[SharedCopy]:
    """Every file in the officer's backups folder, newest first, each checked against the
    manifest (``check``: size and SHA-256 read back)."""
    ops = ops or FileOps()
    where = layout.backups_dir(folder, officer_id)
    manifest = read_manifest(where, ops)
    listed: dict[str, dict[str, Any]] = {}
    for e in manifest.entries:
        listed.setdefault(str(e["file"]), e)
    out = []
    for name in ops.listdir(where):
        if name.startswith(".") or name == "casebook-manifest.jsonl":
            continue
        path = where / name
        size = ops.size(path) or 0
        parsed = layout.parse(name)
        if parsed is None or parsed[0] != officer_id or parsed[2] not in (layout.COPY_EXT, layout.RECOVERY_EXT):
            out.append(SharedCopy(officer_id, name, path, None, None, size, False, "not a Casebook copy"))
            continue
        kind = "store-copy" if parsed[2] == layout.COPY_EXT else "recovery"
        entry = listed.get(name)
        problem = None
        if entry is None:
            problem = "not in the manifest"
        elif check and (entry.get("size") != size or ops.sha256(path) != entry.get("sha256")):
            problem = "truncated or altered (differs from its manifest line)"
        login = str(entry.get("login")) if entry and entry.get("login") else None
        out.append(SharedCopy(officer_id, name, path, kind, parsed[1], size, problem is None, problem, login))
    epoch = dt.datetime.min.replace(tzinfo=dt.UTC)
    out.sort(key=lambda c: (c.taken or epoch, c.name), reverse=True)
    return out


def officers_on_drive(folder: Path, ops: FileOps | None = None) -> list[str]:
    ops = ops or FileOps()
    root = layout.backups_root(folder)
    if not ops.isdir(root):
        return []
    return sorted(n for n in ops.listdir(root) if identity.OFFICER_ID_RE.match(n) and ops.isdir(root / n))


def scan(folder: Path | str, ops: FileOps | None = None) -> list[SharedCopy]:
    folder = Path(folder)
    problem = folder_problem(folder, ops)
    if problem is not None:
        raise SyncError(problem)
    return [c for o in officers_on_drive(folder, ops) for c in scan_officer(folder, o, ops)]


def prune(where: Path, officer_id: str, keep: int, ops: FileOps | None = None) -> list[str]:
    """Remove Casebook files older than the ``keep``-th newest verified store copy."""
    ops = ops or FileOps()
    found = scan_officer(where.parent.parent.parent, officer_id, ops)
    good = [c for c in found if c.verified and c.kind == "store-copy"]
    if len(good) <= keep:
        return []
    cutoff = good[keep - 1].taken
    assert cutoff is not None
    removed = []
    for c in found:
        if c.kind is not None and c.taken is not None and c.taken < cutoff:
            try:
                ops.unlink(c.path)
                removed.append(c.name)
            except OSError:
                continue
    return removed


# ---------------------------------------------------------------------- restoring
@dataclass
class RestoreResult:
    path: Path
    officer: str
    copy: str
    skipped: list[tuple[str, str]] = field(default_factory=list)
    recovered: bool = False


def pick_officer(folder: Path, officer: str | None, ops: FileOps | None = None) -> str:
    found = officers_on_drive(folder, ops)
    if officer is not None:
        identity.check_officer_id(officer)
        if officer not in found:
            raise NotFoundError(f"no copies for officer {officer} in {folder}")
        return officer
    if not found:
        raise NotFoundError(f"no off-laptop copies in {folder} (expected {layout.backups_root(folder)})")
    if len(found) > 1:
        raise ValidationError(f"copies of {len(found)} officers are there ({', '.join(found)}): give --officer ID")
    return found[0]


def load_identity_file(path: Path | str) -> list[Any]:
    """The X25519 identities in an age key file (``age-keygen`` / ``recovery-key`` format)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise StoreError(f"cannot read the recovery identity {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ValidationError(f"{path} is not an age identity file") from None
    keys = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            try:
                keys.append(pyrage.x25519.Identity.from_str(line))
            except pyrage.IdentityError:
                raise ValidationError(f"{path} is not an age identity file") from None
    if not keys:
        raise ValidationError(f"{path} holds no age identity (AGE-SECRET-KEY-1...)")
    return keys


def _check_new_path(new: Path) -> None:
    for suffix in ("", "-wal", "-shm", ".lock"):
        if Path(str(new) + suffix).exists():
            raise StoreError(f"{Path(str(new) + suffix)} already exists; choose a new file (nothing was replaced)")
    if not new.parent.is_dir():
        raise StoreError(f"the folder {new.parent} does not exist")


def restore_from_shared(new: Path | str, folder: Path | str, *, officer: str | None = None,
                        passphrase: str | None = None, recovery_identities: list[Any] | None = None,
                        new_passphrase: str | None = None, ops: FileOps | None = None,
                        clock: Any = None) -> RestoreResult:
    """Put the newest good copy for ``officer`` at the new file ``new``.

    With ``passphrase``: store copies, opened with it.  With ``recovery_identities`` (and
    ``new_passphrase``): recovery copies, rekeyed to the new passphrase.  Bad or foreign files
    are skipped (listed in ``skipped``).  UnlockError when no verified copy opens with the key
    given; nothing is written then.  ``new`` is never replaced.
    """
    ops = ops or FileOps()
    new, folder = Path(new), Path(folder)
    _check_new_path(new)
    problem = folder_problem(folder, ops)
    if problem is not None:
        raise SyncError(problem)
    who = pick_officer(folder, officer, ops)
    recovering = recovery_identities is not None
    if recovering and not new_passphrase:
        raise ValidationError("a recovery needs a new passphrase")
    if not recovering and not passphrase:
        raise ValidationError("a passphrase is required")
    want = "recovery" if recovering else "store-copy"
    result = RestoreResult(new, who, "", recovered=recovering)
    wrong_key = 0
    found = scan_officer(folder, who, ops, check=False)
    result.skipped.extend((c.name, c.problem or "not a Casebook copy") for c in found if c.kind is None)
    for c in found:
        if c.kind != want:
            continue
        checked = scan_one(folder, who, c.name, ops)
        if not checked.verified:
            result.skipped.append((c.name, checked.problem or "did not verify"))
            continue
        tmp = new.with_name(f".{new.name}.restore-{secrets.token_hex(6)}")
        try:
            data = ops.read_bytes(c.path)
            if recovering:
                assert new_passphrase is not None
                snapshots.open_recovery_copy(data, recovery_identities or [], new_passphrase, tmp)
            else:
                assert passphrase is not None
                snapshots.open_passphrase_copy(data, passphrase, tmp)
        except DamagedStoreError as exc:  # decrypted, but not a healthy store: not the key's fault
            result.skipped.append((c.name, str(exc)))
            continue
        except UnlockError:  # only the age layer's "this key does not decrypt it" (snapshots)
            wrong_key += 1
            result.skipped.append((c.name, "does not open with this " + ("recovery identity" if recovering
                                                                          else "passphrase")))
            continue
        except StoreError as exc:
            result.skipped.append((c.name, str(exc)))
            continue
        except OSError as exc:
            result.skipped.append((c.name, describe_error(exc, folder)))
            continue
        try:
            _adopt(tmp, new, new_passphrase if recovering else passphrase, c, recovering, clock)
        finally:
            snapshots.remove_copy(tmp)
        result.copy = c.name
        return result
    if wrong_key:
        raise UnlockError(("the recovery identity" if recovering else "the passphrase")
                          + f" does not open any copy of officer {who}; nothing was restored")
    reasons = "; ".join(f"{n}: {r}" for n, r in result.skipped[:3]) or "none there"
    raise StoreError(f"no good {'recovery ' if recovering else ''}copy of officer {who} to restore ({reasons})")


def scan_one(folder: Path, officer_id: str, name: str, ops: FileOps) -> SharedCopy:
    for c in scan_officer(folder, officer_id, ops, check=False):
        if c.name == name:
            break
    else:
        raise NotFoundError(f"{name} is no longer on the shared drive")
    if not c.verified:
        return c
    entry = next((e for e in read_manifest(layout.backups_dir(folder, officer_id), ops).entries
                  if e.get("file") == name), {})
    if ops.size(c.path) != entry.get("size") or ops.sha256(c.path) != entry.get("sha256"):
        return SharedCopy(c.officer, c.name, c.path, c.kind, c.taken, c.size, False,
                          "truncated or altered (differs from its manifest line)", c.login)
    return c


def _adopt(tmp: Path, new: Path, key: str | None, c: SharedCopy, recovering: bool, clock: Any) -> None:
    """Open the checked temp store once (migrations, audit event), then give it its final name
    without ever replacing a file."""
    assert key is not None
    kw = {"clock": clock} if clock is not None else {}
    with Store.open(tmp, key, **kw) as store:
        what = "recovered with the team recovery identity (new passphrase set)" if recovering \
            else "restored with the officer's passphrase"
        store.record_event("recover" if recovering else "restore_shared", "store", None,
                           f"from shared-drive copy {c.name} taken {c.taken:%Y-%m-%d %H:%M} UTC; {what}")
    for suffix in ("-wal", "-shm"):
        Path(str(tmp) + suffix).unlink(missing_ok=True)
    try:
        os.link(tmp, new)  # fails if NEW appeared meanwhile: never replaced
    except FileExistsError:
        raise StoreError(f"{new} appeared meanwhile; nothing was replaced") from None
    except OSError:
        FileOps().rename_noreplace(tmp, new)
    else:
        tmp.unlink()
    from app.atomic import fsync_dir

    fsync_dir(new.parent)
