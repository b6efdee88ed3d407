"""Security and reliability core: unlocking, failed-unlock record, not-for-disclosure
viewing, passphrase change, rolling encrypted backups, restore and damage reports.

UI-agnostic: the CLI (app/commands/security_verbs.py) and the GUI call these functions.
Nothing here writes case content outside the encrypted store: side files hold only
timestamps, the login name of whoever tried to unlock, and file names.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hmac
import json
import os
import re
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app import safeio
from app.atomic import fsync_dir, write_bytes_atomic
from app.models.errors import (
    DamagedStoreError,
    StoreError,
    UnlockError,
    ValidationError,
)
from app.models.rules.clock import Clock
from app.models.store import db, instance_lock, seal, settings

if TYPE_CHECKING:
    from app.models.store import Store

MIN_PASSPHRASE_LENGTH = 10
DEFAULT_BACKUP_KEEP = settings.BACKUP_KEEP.default
MAX_BACKUP_KEEP = settings.limits(settings.BACKUP_KEEP.key)[1]
FAILURES_SUFFIX = ".unlock-failures"
BACKUPS_SUFFIX = ".backups"
MAX_FAILURES_KEPT = 100
_STAMP = "%Y%m%d-%H%M%S-%f"
_REASON_RE = re.compile(r"^[a-z][a-z0-9-]{0,39}$")


# ---------------------------------------------------------------------- unlocking
def _now(clock: Clock | None) -> dt.datetime:
    return clock.now() if clock is not None else dt.datetime.now().astimezone()


def failures_path(store_path: Path | str) -> Path:
    p = Path(store_path)
    return p.with_name(p.name + FAILURES_SUFFIX)


def _login() -> str:
    try:
        return getpass.getuser()
    except Exception:  # pragma: no cover - no login name on this system
        return "unknown"


def pending_unlock_failures(store_path: Path | str) -> dict[str, Any]:
    """The failed attempts recorded since the last successful unlock: {count, attempts}."""
    path = failures_path(store_path)
    try:
        # Only a regular file is read: a FIFO planted here must not hang every open.
        data = json.loads(safeio.read_regular(path, safeio.MAX_SIDE_FILE_BYTES).decode("utf-8"))
        count = int(data["count"])
        attempts = [{"at": str(a["at"]), "actor": str(a["actor"])[:100]} for a in data["attempts"]]
        refused = [{"at": str(a["at"]), "actor": str(a["actor"])[:100]} for a in data.get("refused", [])]
    except FileNotFoundError:
        return {"count": 0, "attempts": [], "refused": []}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {"count": 1, "attempts": [], "refused": [], "unreadable": True}
    return {"count": max(count, len(attempts)), "attempts": attempts, "refused": refused[-MAX_FAILURES_KEPT:]}


def record_unlock_failure(store_path: Path | str, clock: Clock | None = None) -> None:
    """Count a failed unlock in ``<store>.unlock-failures`` (owner-only; no case content).

    Never raises: failing to record must not hide the real message from the user.
    """
    try:
        data = pending_unlock_failures(store_path)
        attempts = data["attempts"] + [{"at": _now(clock).isoformat(timespec="seconds"), "actor": _login()}]
        out = {"count": int(data["count"]) + 1, "attempts": attempts[-MAX_FAILURES_KEPT:],
               "refused": data.get("refused", [])}
        write_bytes_atomic(failures_path(store_path), json.dumps(out).encode("utf-8"), mode=0o600)
    except OSError:
        pass


def record_refused_command(store_path: Path | str, clock: Clock | None = None) -> None:
    """A command unlocked the store and was then refused: note it in the side file (not the
    store, which a refused command leaves byte-identical).  The next change writes it to the
    audit trail as a ``refused`` event.  Never raises."""
    try:
        data = pending_unlock_failures(store_path)
        refused = data.get("refused", []) + [{"at": _now(clock).isoformat(timespec="seconds"), "actor": _login()}]
        out = {"count": int(data["count"]), "attempts": data["attempts"], "refused": refused[-MAX_FAILURES_KEPT:]}
        write_bytes_atomic(failures_path(store_path), json.dumps(out).encode("utf-8"), mode=0o600)
    except OSError:
        pass


def pending_unlock_events(store_path: Path | str) -> tuple[list[tuple[str, str, str | None, str | None]], Any]:
    """The audit events owed by the side file (failed unlocks, refused commands), and a
    callable that removes the side file once they are committed."""
    data = pending_unlock_failures(store_path)
    events: list[tuple[str, str, str | None, str | None]] = []
    count = int(data["count"])
    listed = data["attempts"]
    if count > len(listed):
        why = "record unreadable" if data.get("unreadable") else "earlier attempts not itemised"
        events.append(("failed_unlock", "store", None, f"{count - len(listed)} attempt(s); {why}"))
    for attempt in listed:
        events.append(("failed_unlock", "store", None, f"attempt at {attempt['at']} by {attempt['actor']}"))
    for attempt in data.get("refused", []):
        events.append(("refused", "store", None,
                       f"unlocked at {attempt['at']} by {attempt['actor']}; the command was refused, nothing changed"))

    def done() -> None:
        if events:
            try:
                failures_path(store_path).unlink()
            except OSError:
                pass

    return events, done


def flush_unlock_failures(store: Store) -> int:
    """Write the owed failed-unlock events now (normally they go with the first change)."""
    pending = [e for e in store._deferred if e[0] in ("failed_unlock", "refused")]
    if pending:
        store.record_event("unlock", "store", None, None)
    return len(pending)


def damage_problems(conn: Any) -> list[str]:
    """Pages whose HMAC fails (cipher_integrity_check): [] when every page is intact."""
    try:
        return [str(row[0]) for row in conn.execute("PRAGMA cipher_integrity_check").fetchall()]
    except db.DatabaseError as exc:
        return [f"unreadable: {exc}"]


def unlock(path: Path | str, passphrase: str, clock: Clock | None = None, *, check_damage: bool = True) -> Any:
    """Open and key a connection to an existing store.

    A wrong passphrase is counted in the failures side file; with ``check_damage`` every
    page's HMAC is verified before anything can write, so a damaged store raises
    DamagedStoreError and is left byte-identical.
    """
    path = Path(path)
    try:
        conn = db.open_connection(path, passphrase)
    except DamagedStoreError:
        raise
    except UnlockError:
        record_unlock_failure(path, clock)
        raise
    if check_damage:
        problems = damage_problems(conn)
        if problems:
            conn.close()
            raise DamagedStoreError(
                f"{path.name} is damaged ({len(problems)} page(s) fail their integrity check)"
            )
    return conn


def seal_key(conn: Any) -> bytes | None:
    try:
        row = conn.execute("SELECT secret FROM store_seal WHERE id = 1").fetchone()
    except db.DatabaseError:
        return None  # schema < 3
    return seal.derive_key(bytes(row[0])) if row else None


def check_seal(conn: Any, path: Path, passphrase: str, sealed: dict[str, Any] | None,
                file_hash: str | None, wal_size: int) -> str:
    """Compare the seal with the store just unlocked; RollbackError on a mismatch (nothing
    written).  Returns a note worth an audit event ('' when none)."""
    key = seal_key(conn)
    if key is None:
        return ""
    counter = int(conn.execute("SELECT counter FROM store_seal WHERE id = 1").fetchone()[0])
    last = conn.execute("SELECT id, hash FROM audit_events ORDER BY id DESC LIMIT 1").fetchone()
    head = seal.Head(counter, int(last[0]) if last else 0, str(last[1]) if last else seal.GENESIS_HASH)

    def hash_at(event_id: int) -> str | None:
        row = conn.execute("SELECT hash FROM audit_events WHERE id = ?", (event_id,)).fetchone()
        return None if row is None else str(row[0])

    verdict = seal.compare(sealed, key, head, hash_at, path, file_hash, wal_size)
    if not verdict.ok:
        raise seal.RollbackError(rollback_message(path, passphrase, verdict, head))
    return verdict.note


def check_closed_store(path: Path | str, passphrase: str) -> list[str]:
    """Integrity problems of a store nobody has open ([] when healthy).

    Refuses (InstanceLockedError) while the store is open in a Casebook window: a check
    then would race the window's writes and could report half-written work.
    """
    with instance_lock.acquire(path):
        sealed = seal.read(Path(path))
        wal = seal.wal_path(path)
        wal_size = wal.stat().st_size if wal.is_file() else 0
        file_hash = seal.file_sha256(Path(path)) if sealed and sealed.get("closed") else None
        conn = unlock(path, passphrase, check_damage=False)
        try:
            problems = db.integrity_problems(conn)
            try:
                check_seal(conn, Path(path), passphrase, sealed, file_hash, wal_size)
            except seal.RollbackError as exc:
                problems.append(f"seal: {exc}")
            return problems
        finally:
            conn.close()


def unlock_failure_message(store_path: Path | str, exc: BaseException) -> str:
    """One line for a failed open, naming the newest backup to restore from."""
    store_path = Path(store_path)
    newest = newest_backup(store_path)
    restore = (f"casebook restore --store {store_path} --from {newest.path}" if newest else "")
    if isinstance(exc, DamagedStoreError):
        if newest is None:
            return f"{exc}; no backup found"
        return f"{exc}; newest backup: {newest.path} (restore with: {restore})"
    if isinstance(exc, UnlockError):
        if newest is None:
            return str(exc)
        return f"{exc}; if the passphrase is right, restore the newest backup: {newest.path}"
    return str(exc)


def damaged_message(store_path: Path | str, problem_count: int) -> str:
    newest = newest_backup(store_path)
    base = f"{Path(store_path).name} is damaged ({problem_count} problem(s) found)"
    if newest is None:
        return base + "; no backup found"
    return f"{base}; newest backup: {newest.path} (restore with: casebook restore --store {store_path} --from {newest.path})"


def rollback_message(store_path: Path | str, passphrase: str, verdict: seal.Verdict, head: seal.Head) -> str:
    """One line for a store that went back in time: what is missing, and the newest backup
    that has it (found by looking inside the backups, read-only)."""
    store_path = Path(store_path)
    if verdict.missing_from is not None:
        text = f"{store_path.name} is older than what Casebook last saved: {verdict.problem}"
    else:
        text = f"{store_path.name} does not match what Casebook last saved: {verdict.problem}"
    found: BackupInfo | None = None
    missing: list[str] = []
    for b in list_backups(store_path):
        try:
            conn = db.open_readonly(b.path, passphrase, immutable=True)
        except (StoreError, OSError):
            continue
        try:
            row = conn.execute("SELECT counter FROM store_seal WHERE id = 1").fetchone()
            counter = int(row[0]) if row else 0
            lo = verdict.missing_from if verdict.missing_from is not None else head.audit_id
            events = conn.execute(
                "SELECT id, at, action, entity, entity_ref FROM audit_events WHERE id > ? ORDER BY id",
                (lo,)).fetchall()
        except db.DatabaseError:
            continue
        finally:
            conn.close()
        if counter > head.counter or (events and verdict.missing_from is not None):
            found = b
            missing = [f"#{i} {action} {entity}{' ' + ref if ref else ''} ({at[:16].replace('T', ' ')})"
                       for i, at, action, entity, ref in events]
            break
    if verdict.missing_to is not None and verdict.missing_from is not None and verdict.missing_to > verdict.missing_from:
        text += f"; missing audit events {verdict.missing_from + 1} to {verdict.missing_to}"
    if found is None:
        return text + "; no backup has the missing changes. Nothing was written"
    shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
    return (text + f"; the newest backup that has them is {found.path}"
            + (f" (it has: {shown})" if shown else "")
            + f"; restore with: casebook restore --store {store_path} --from {found.path}. Nothing was written")


def commit_state(store: Store) -> dict[str, Any]:
    """Public, for off-laptop copies (issue 14): the store's commit counter and audit chain
    head with an HMAC-SHA256 over them under the store's seal key.  Holds no case content.
    ``{"counter", "audit_id", "audit_head", "mac"}``; ``mac`` is None for a store without
    a seal (schema < 3).  Check a copy's metadata with ``check_commit_state``."""
    with store.transaction():
        head = store._head() if store._seal_key is not None else None
    if head is None or store._seal_key is None:
        return {"counter": 0, "audit_id": 0, "audit_head": "", "mac": None}
    state: dict[str, Any] = {"counter": head.counter, "audit_id": head.audit_id, "audit_head": head.audit_head}
    state["mac"] = _state_mac(store._seal_key, state)
    return state


def _state_mac(key: bytes, state: dict[str, Any]) -> str:
    payload = json.dumps(["casebook.commit-state", state.get("counter"), state.get("audit_id"),
                          state.get("audit_head")], separators=(",", ":"))
    return hmac.new(key, payload.encode("utf-8"), "sha256").hexdigest()


def check_commit_state(store: Store, state: dict[str, Any]) -> str | None:
    """None when ``state`` (from ``commit_state``, e.g. a copy's metadata) is authentic for
    this store's seal key; else one line saying why not."""
    if store._seal_key is None:
        return "this store has no seal key"
    mac = state.get("mac")
    if not isinstance(mac, str) or not hmac.compare_digest(mac, _state_mac(store._seal_key, state)):
        return "the commit state does not authenticate under this store's key (altered, or another store)"
    return None


# ---------------------------------------------------------------------- audit helpers
def record_nfd_view(store: Store, ref: str, what: str) -> None:
    """Record that someone viewed not-for-disclosure information of case ``ref``.

    ``what`` says where (e.g. ``"notes#3"`` or ``"flags"``), never the text itself.
    """
    if not what or len(what) > 80 or any(ch in what for ch in "\r\n"):
        raise ValidationError("describe the item viewed in one short line (e.g. notes#3), not its text")
    with store._tx() as s:
        store._case(s, ref)
        store._audit(s, "view_nfd", "case", ref, what)


# ---------------------------------------------------------------------- passphrase
def check_new_passphrase(new: str, old: str | None = None) -> None:
    if not new:
        raise ValidationError("the new passphrase is empty")
    if len(new) < MIN_PASSPHRASE_LENGTH:
        raise ValidationError(f"the new passphrase is too short: use at least {MIN_PASSPHRASE_LENGTH} characters")
    if new.strip() != new:
        raise ValidationError("the new passphrase starts or ends with a space")
    if old is not None and hmac.compare_digest(new.encode("utf-8"), old.encode("utf-8")):
        raise ValidationError("the new passphrase is the same as the current one")


def passphrase_matches(store: Store, given: str) -> bool:
    """Whether ``given`` is the open store's passphrase (constant-time; leaving privacy mode).
    A wrong one is audited, never the text typed."""
    if store.closed:
        raise StoreError("the store is locked")
    ok = hmac.compare_digest(given.encode("utf-8"), store._passphrase.encode("utf-8"))
    if not ok:
        store.record_event("passphrase_refused", "store", None, "leaving privacy mode")
    return ok


def change_passphrase(store: Store, old: str, new: str) -> Path:
    """Re-encrypt the open store under ``new``.  A verified backup (still under ``old``)
    is taken first; its path is returned."""
    if store.closed:
        raise StoreError("the store is locked")
    if not hmac.compare_digest(old.encode("utf-8"), store._passphrase.encode("utf-8")):
        record_unlock_failure(store.path, store.clock)
        raise UnlockError("the current passphrase is wrong")
    check_new_passphrase(new, old)
    backup = rolling_backup(store, "before-passphrase-change")
    with store._lock:
        db.rekey(store._conn, new)
        store._passphrase = new
    store.record_event("passphrase_change", "store", None, f"backup {backup.name} keeps the old passphrase")
    return backup


# ---------------------------------------------------------------------- backups
@dataclass(frozen=True)
class BackupInfo:
    path: Path
    taken: dt.datetime
    size: int
    kind: str  # "rolling" or "migration"
    reason: str | None


def backups_dir(store_path: Path | str) -> Path:
    p = Path(store_path)
    return p.with_name(p.name + BACKUPS_SUFFIX)


def _rolling_re(store_name: str) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(store_name)}\.(\d{{8}}-\d{{6}}-\d{{6}})(?:-([a-z0-9-]+))?\.bak$")


def _migration_re(store_name: str) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(store_name)}\.v\d+-(\d{{8}}-\d{{6}})\.bak$")


def list_backups(store_path: Path | str) -> list[BackupInfo]:
    """Rolling backups (``<store>.backups/``) and pre-migration backups, newest first.
    Reads only file names and sizes: no passphrase needed."""
    store_path = Path(store_path)
    found: list[BackupInfo] = []
    folder = backups_dir(store_path)
    pattern = _rolling_re(store_path.name)
    if folder.is_dir():
        for f in folder.iterdir():
            m = pattern.match(f.name)
            if m and f.is_file():
                taken = dt.datetime.strptime(m.group(1), _STAMP)
                found.append(BackupInfo(f, taken, f.stat().st_size, "rolling", m.group(2)))
    mig = _migration_re(store_path.name)
    if store_path.parent.is_dir():
        for f in store_path.parent.iterdir():
            m = mig.match(f.name)
            if m and f.is_file():
                taken = dt.datetime.strptime(m.group(1), "%Y%m%d-%H%M%S")
                found.append(BackupInfo(f, taken, f.stat().st_size, "migration", "before-upgrade"))
    found.sort(key=lambda b: (b.taken, b.path.name), reverse=True)
    return found


def newest_backup(store_path: Path | str) -> BackupInfo | None:
    backups = list_backups(store_path)
    return backups[0] if backups else None


def backup_keep(store: Store) -> int:
    return int(store.settings.get(settings.BACKUP_KEEP.key))


def set_backup_keep(store: Store, n: int) -> None:
    store.settings.set(settings.BACKUP_KEEP.key, n)


def _private_dir(path: Path) -> Path:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if os.name == "posix":
        os.chmod(path, stat.S_IRWXU)
    return path


def rolling_backup(store: Store, reason: str | None = None) -> Path:
    """Take a verified encrypted backup into ``<store>.backups/`` and keep the newest N
    (store setting ``backup_keep``, default 5).  Call on close and before migrations."""
    if reason is not None and not _REASON_RE.match(reason):
        raise ValidationError("a backup reason is a short lower-case word")
    folder = _private_dir(backups_dir(store.path))
    stamp = dt.datetime.now()
    while True:
        name = f"{store.path.name}.{stamp.strftime(_STAMP)}{'-' + reason if reason else ''}.bak"
        dest = folder / name
        if not dest.exists():
            break
        stamp += dt.timedelta(microseconds=1)
    store.backup(dest)  # verified: reopened with the passphrase and fully checked
    prune_backups(store.path, backup_keep(store), known_good=dest)
    return dest


def backup_is_good(path: Path, passphrase: str) -> bool:
    """Whether ``path`` opens with ``passphrase`` and passes every integrity check."""
    try:
        conn = db.open_connection(path, passphrase)
    except (StoreError, OSError):
        return False
    try:
        return not db.integrity_problems(conn)
    finally:
        conn.close()


def prune_backups(store_path: Path | str, keep: int, *, known_good: Path | None = None,
                  passphrase: str | None = None) -> list[Path]:
    """Delete all but the newest ``keep`` rolling backups; returns what was removed.

    Never removes the last backup that opens and passes ``check``: unless one of the kept
    backups is ``known_good`` (just taken and verified) or verifies with ``passphrase``,
    the newest older backup that verifies is kept too; with no way to verify, nothing is
    removed."""
    rolling = [b for b in list_backups(store_path) if b.kind == "rolling"]
    kept, doomed = rolling[: max(keep, 1)], rolling[max(keep, 1):]
    if not doomed:
        return []
    good = known_good is not None and any(b.path == Path(known_good) for b in kept)
    if not good:
        if passphrase is None:
            return []
        good = any(backup_is_good(b.path, passphrase) for b in kept)
        if not good:
            for b in doomed:
                if backup_is_good(b.path, passphrase):
                    doomed.remove(b)
                    break
    removed = []
    for b in doomed:
        try:
            b.path.unlink()
            removed.append(b.path)
        except OSError:
            pass
    return removed


def clean_stale_partials(store_path: Path | str) -> list[Path]:
    """Remove what a killed backup or restore left behind (``*.bak.partial`` and its
    ``-journal``/``-wal``/``-shm``, ``<store>.restoring*``).  Call only while holding the
    store's instance lock: then no backup or restore of this store is under way."""
    store_path = Path(store_path)
    removed: list[Path] = []
    candidates: list[Path] = []
    folder = backups_dir(store_path)
    if folder.is_dir():
        candidates += [f for f in folder.iterdir() if f.name.startswith(store_path.name) and ".partial" in f.name]
    if store_path.parent.is_dir():
        for f in store_path.parent.iterdir():
            name = f.name
            if not name.startswith(store_path.name + "."):
                continue
            rest = name[len(store_path.name) + 1:]
            if rest.startswith("restoring") or (rest.startswith("v") and ".bak.partial" in rest):
                candidates.append(f)
    for f in candidates:
        try:
            if f.is_file() or f.is_symlink():
                f.unlink()
                removed.append(f)
        except OSError:
            pass
    return removed


def _copy_private(src: Path, dest: Path) -> None:
    db.create_private_file(dest)
    with open(src, "rb") as fin, open(dest, "r+b") as fout:
        shutil.copyfileobj(fin, fout, 1024 * 1024)
        fout.flush()
        os.fsync(fout.fileno())


def restore_backup(store_path: Path | str, backup: Path | str, passphrase: str,
                   clock: Clock | None = None) -> Path | None:
    """Put ``backup`` in place of the store.

    The backup is copied beside the store, opened with ``passphrase`` and fully checked
    first (so a wrong passphrase or a damaged backup changes nothing); the current store
    (with any -wal) is kept as ``<store>.before-restore-<stamp>``; the checked copy is then
    renamed over the store in one step.  Refused while the store is open.  Returns the
    path the old store was kept at (None when there was none).
    """
    from app.models.store import Store

    store_path = Path(store_path)
    backup = Path(backup)
    if not backup.is_file():
        raise StoreError(f"no backup at {backup}")
    if store_path.exists() and backup.resolve() == store_path.resolve():
        raise StoreError("a store cannot be restored from itself")
    with instance_lock.acquire(store_path, create_dirs=True):
        staging = store_path.with_name(store_path.name + ".restoring")
        for suffix in ("", "-wal", "-shm", ".lock", FAILURES_SUFFIX, seal.SEAL_SUFFIX):
            Path(str(staging) + suffix).unlink(missing_ok=True)
        try:
            _copy_private(backup, staging)
            try:
                restored = Store.open(staging, passphrase, clock=clock)
            except DamagedStoreError:
                raise DamagedStoreError(f"the backup {backup.name} is damaged (truncated or altered) or not a "
                                        "Casebook store; nothing was changed") from None
            except UnlockError:
                raise UnlockError(f"the backup {backup.name} does not open with this passphrase "
                                  "(or is damaged); nothing was changed") from None
            try:
                problems = restored.check()
                if problems:
                    raise DamagedStoreError(f"the backup {backup.name} is damaged: {problems[0]}")
                restored.record_event("restore", "store", None, f"from {backup.name}")
            finally:
                restored.close()
            aside: Path | None = None
            if store_path.exists():
                stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
                aside = store_path.with_name(f"{store_path.name}.before-restore-{stamp}")
                n = 1
                while aside.exists():
                    n += 1
                    aside = store_path.with_name(f"{store_path.name}.before-restore-{stamp}-{n}")
                try:
                    os.link(store_path, aside)
                except OSError:
                    shutil.copy2(store_path, aside)
                for suffix in ("-wal", "-shm", seal.SEAL_SUFFIX):  # these belong to the old file
                    side = Path(str(store_path) + suffix)
                    if side.exists():
                        os.replace(side, Path(str(aside) + suffix))
            os.replace(staging, store_path)
            staged_seal = seal.seal_path(staging)
            if staged_seal.exists():  # the restored file's own seal, as it was closed
                os.replace(staged_seal, seal.seal_path(store_path))
            fsync_dir(store_path.parent)
        finally:
            for suffix in ("", "-wal", "-shm", FAILURES_SUFFIX, seal.SEAL_SUFFIX):
                Path(str(staging) + suffix).unlink(missing_ok=True)
    return aside

