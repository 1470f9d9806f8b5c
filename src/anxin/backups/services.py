"""Backups, restores and restore drills (STO-4, STO-5): the work and its records.

One operation at a time per data directory (a lock file). A backup only reads the database; its
files are staged in the data directory, written to each destination under a temporary name and
renamed when complete, so a backup killed at any point leaves the database and every earlier
backup as they were (the next run cleans up and records the interrupted one as failed).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import logging
import os
import secrets
import shutil
import tarfile
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.audit.services import operation_log

from . import archive, destinations, engine
from .models import Backup, BackupCopy, Recovery, RecoveryKind, Result, Trigger

log = logging.getLogger(__name__)

PHASES = {  # phase -> (start %, end %)
    "database": (0, 25),
    "media": (25, 30),
    "archive": (30, 60),
    "verify": (60, 80),
    "copies": (80, 100),
}


class BackupBusy(Exception):
    pass


class BackupFailed(Exception):
    pass


def backup_key() -> bytes:
    return archive.key_material(settings.ANXIN_BACKUP_KEY)


def anxin_version() -> str:
    try:
        return version("anxin")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "unknown"


def _database_label() -> str:
    """Which database of the data directory (usually the only one): for the lock and staging."""
    name = Path(str(connections["default"].settings_dict["NAME"])).name
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)


def staging_root() -> Path:
    return Path(settings.DATA_DIR) / "backup-staging" / _database_label()


def lock_path() -> Path:
    return Path(settings.DATA_DIR) / f"backup-{_database_label()}.lock"


@contextlib.contextmanager
def exclusive():
    """One backup, restore or drill at a time for this database."""
    path = lock_path()
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BackupBusy(_("Another backup, restore or drill is running.")) from None
        _clean_interrupted()
        yield
    finally:
        os.close(fd)


@contextlib.contextmanager
def _recording_busy(record):
    """A record made in advance (by the page) says so when another operation holds the lock."""
    try:
        yield
    except BackupBusy as exc:
        if record is not None:
            type(record).objects.filter(pk=record.pk, result=Result.RUNNING).update(
                result=Result.FAILED, reason=str(exc), finished_at=timezone.now()
            )
        raise


def _clean_interrupted() -> None:
    """Holding the lock: whatever is still 'running' was interrupted (the process died)."""
    shutil.rmtree(staging_root(), ignore_errors=True)
    for dest in destinations.configured():
        with contextlib.suppress(Exception):
            dest.clean_partials()
    now = timezone.now()
    reason = _("Interrupted: the process stopped before it finished.")
    Backup.objects.filter(result=Result.RUNNING, phase__gt="").update(
        result=Result.FAILED, reason=reason, finished_at=now
    )
    Recovery.objects.filter(result=Result.RUNNING, phase__gt="").update(
        result=Result.FAILED, reason=reason, finished_at=now
    )


def _test_pause() -> None:
    """Tests make a backup slow on purpose (to kill it mid-way); never in production."""
    delay = os.environ.get("ANXIN_BACKUP_TEST_PAUSE")
    if delay and str(getattr(settings, "SETTINGS_MODULE", "")).endswith(".test"):
        time.sleep(float(delay))


class Progress:
    """Writes phase and percent to the record, at most twice a second (UX-6)."""

    def __init__(self, model, pk):
        self.model, self.pk = model, pk
        self.phase, self.total, self.done, self._last = "", 1, 0, 0.0

    def start(self, phase: str, total: int = 1) -> None:
        self.phase, self.total, self.done = phase, max(total, 1), 0
        self._save(force=True)

    def advance(self, n: int) -> None:
        self.done += n
        self._save()

    def _save(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last < 0.5:
            return
        self._last = now
        low, high = PHASES.get(self.phase, (0, 100))
        percent = low + (high - low) * min(self.done, self.total) // self.total
        self.model.objects.filter(pk=self.pk).update(phase=self.phase, progress=percent)


# -- backup ----------------------------------------------------------------------------------


def media_root() -> Path | None:
    location = settings.STORAGES.get("default", {}).get("OPTIONS", {}).get("location")
    location = location or getattr(settings, "MEDIA_ROOT", "")
    return Path(location) if location else None


def backup_create(*, trigger: str = Trigger.OPERATOR, operator=None) -> Backup:
    """The record of a backup about to run (so a page can show its progress at once)."""
    now = timezone.now()
    utc = now.astimezone(UTC)  # names sort by time, to the millisecond
    name = f"anxin-{utc:%Y%m%dT%H%M%S}.{utc.microsecond // 1000:03d}Z-{secrets.token_hex(3)}"
    return Backup.objects.create(name=name, started_at=now, trigger=trigger, operator=operator)


def run_backup(*, backup: Backup | None = None, trigger=Trigger.OPERATOR, operator=None) -> Backup:
    """Make a backup and write it to every destination. Raises ``BackupFailed`` only when no
    destination got it (the scheduler then retries); a partial result is recorded and alerted."""
    with _recording_busy(backup), exclusive():
        if backup is None:
            backup = backup_create(trigger=trigger, operator=operator)
        try:
            _backup(backup)
        except Exception as exc:
            log.exception("backup %s failed", backup.name)
            _finish_backup(backup, Result.FAILED, f"{type(exc).__name__}: {exc}")
            raise BackupFailed(f"backup {backup.name} failed: {exc}") from exc
        finally:
            shutil.rmtree(staging_root() / backup.name, ignore_errors=True)
    if backup.result == Result.FAILED:
        raise BackupFailed(f"backup {backup.name} failed: {backup.reason}")
    return backup


def _backup(backup: Backup) -> None:
    progress = Progress(Backup, backup.pk)
    stage = staging_root() / backup.name
    stage.mkdir(parents=True, mode=0o700)
    kind = engine.vendor()
    parts: dict[str, Path] = {}

    progress.start("database")
    counting = ThreadPoolExecutor(max_workers=1)
    if kind == "sqlite":
        parts[engine.SQLITE_PART] = stage / engine.SQLITE_PART
        engine.sqlite_dump(parts[engine.SQLITE_PART], count=False)
        # The copy's row counts are taken on another thread while the copy is being archived;
        # the manifest (which goes last in the archive) waits for them.
        facts = counting.submit(engine.sqlite_facts, parts[engine.SQLITE_PART])
    elif kind == "postgresql":
        parts[engine.PG_PART] = stage / engine.PG_PART
        facts = Future()
        facts.set_result(engine.pg_dump(parts[engine.PG_PART]))
    else:
        raise BackupFailed(f"backups of {kind} databases are not supported")
    progress.advance(1)
    _test_pause()

    progress.start("media")
    media = media_root()
    if media is not None and media.is_dir() and any(media.iterdir()):
        parts["media.tar"] = stage / "media.tar"
        with tarfile.open(parts["media.tar"], "w", format=tarfile.PAX_FORMAT) as tar:
            tar.add(media, arcname=".")
    _test_pause()

    manifest = {
        "format": archive.FORMAT,
        "backup": backup.name,
        "created": backup.started_at.isoformat(),
        "anxin_version": anxin_version(),
        "database": kind,
    }

    def add_facts(manifest: dict) -> None:
        found = facts.result()
        manifest["migrations"] = found["migrations"]
        manifest["schema"] = {app: names[-1] for app, names in sorted(found["migrations"].items())}
        manifest["row_counts"] = found["row_counts"]

    total = sum(path.stat().st_size for path in parts.values())

    progress.start("archive", total)
    file_name = backup.name + archive.SUFFIX
    target = stage / file_name
    with counting:  # waits for the counting thread, also when the archive fails
        checksum, size = archive.write_archive(
            target,
            backup_key(),
            name=backup.name,
            created=manifest["created"],
            manifest=manifest,
            parts=parts,
            progress=progress.advance,
            complete=add_facts,
        )
    facts = facts.result()
    _test_pause()
    for path in parts.values():  # the plaintext copies go as soon as they are sealed
        path.unlink()

    content = {
        "database": kind,
        "parts": manifest["parts"],
        "tables": len(facts["row_counts"]),
        "rows": sum(facts["row_counts"].values()),
        "schema": manifest["schema"],
        "anxin_version": manifest["anxin_version"],
        "file": file_name,
    }
    Backup.objects.filter(pk=backup.pk).update(content=content, size=size, sha256=checksum)
    backup.content, backup.size, backup.sha256 = content, size, checksum

    # The copies go out (each read back and checked against the SHA-256 by its destination)
    # while the archive is verified here: decrypted, every part hashed against the manifest. A
    # failed verification takes the copies back.
    dests = destinations.configured()
    progress.start("verify", total)
    with ThreadPoolExecutor(max_workers=max(1, min(len(dests), 2))) as pool:
        puts = [pool.submit(dest.put, target, file_name, checksum) for dest in dests]
        try:
            archive.extract(target, backup_key(), None, progress=progress.advance)
        except BaseException:
            _take_back(dests, puts, file_name)
            raise
    _test_pause()
    progress.start("copies", len(dests))
    failures = []
    for dest, future in zip(dests, puts, strict=True):
        now = timezone.now()
        try:
            location = future.result()
        except OSError as exc:
            failures.append((dest, destinations.describe_oserror(exc)))
            BackupCopy.objects.create(
                backup=backup, destination=dest.label, ok=False, reason=failures[-1][1], at=now
            )
        except Exception as exc:  # S3 errors and the like: recorded, the others still go
            failures.append((dest, f"{type(exc).__name__}: {exc}"))
            BackupCopy.objects.create(
                backup=backup, destination=dest.label, ok=False, reason=failures[-1][1], at=now
            )
        else:
            BackupCopy.objects.create(
                backup=backup, destination=dest.label, location=location, ok=True, at=now
            )
        progress.advance(1)
        _test_pause()
    good = len(dests) - len(failures)
    reasons = "; ".join(f"{d.label}: {why}" for d, why in failures)
    if not good:
        _finish_backup(backup, Result.FAILED, reasons or _("No destination is configured."))
    elif failures:
        _finish_backup(backup, Result.PARTIAL, reasons)
    else:
        _finish_backup(backup, Result.OK, "")
        prune(dests)


def _take_back(dests: list, puts: list[Future], file_name: str) -> None:
    """Delete the copies of an archive that failed its verification."""
    for dest, future in zip(dests, puts, strict=True):
        if future.exception() is None:
            try:
                dest.delete(file_name)
            except Exception:  # the verification's error is the one to report
                log.warning("backup: could not delete an unverified copy at %s", dest.label)


def _finish_backup(backup: Backup, result: str, reason: str) -> None:
    backup.result, backup.reason, backup.finished_at = result, reason, timezone.now()
    backup.phase, backup.progress = "", 100 if result != Result.FAILED else backup.progress
    with transaction.atomic():
        backup.save(update_fields=["result", "reason", "finished_at", "phase", "progress"])
        operation_log(
            actor=backup.operator,
            action="backup",
            instance=backup,
            changes={
                "result": {"before": None, "after": result},
                "size": {"before": None, "after": backup.size},
                "sha256": {"before": None, "after": backup.sha256},
                "destinations": {
                    "before": None,
                    "after": [
                        {"destination": c.destination, "ok": c.ok}
                        for c in backup.copies.order_by("id")
                    ],
                },
            },
            reason=reason[:500],
        )
    if result != Result.OK:
        alert_supervisors(
            subject=_("Backup %(name)s: %(result)s")
            % {"name": backup.name, "result": Result(result).label},
            body=reason,
            kind="backups.failed",
        )


def prune(dests: list, keep: int | None = None) -> None:
    """Each destination keeps the newest ``ANXIN_BACKUP_KEEP`` backups."""
    keep = settings.ANXIN_BACKUP_KEEP if keep is None else keep
    if keep < 1:
        return
    for dest in dests:
        try:
            names = dest.names()
            for name in names[:-keep]:
                dest.delete(name)
        except Exception:
            log.exception("could not prune old backups in %s", dest.label)


def alert_supervisors(*, subject: str, body: str = "", kind: str, url: str = "") -> None:
    """An inbox entry for everyone who supervises (audit alerts) or sees backups, per store."""
    from anxin.accounts.models import Store
    from anxin.accounts.permissions import VIEW_ALERTS, VIEW_BACKUPS
    from anxin.notifications.services import holders, notify

    if not url:
        from django.urls import reverse

        url = reverse("backups:list")
    seen = set()
    for store in Store.objects.filter(active=True):
        people = [
            u
            for perm in (VIEW_ALERTS, VIEW_BACKUPS)
            for u in holders(store=store, permission=perm)
            if u.pk not in seen
        ]
        seen.update(u.pk for u in people)
        if people:
            notify(recipients=people, subject=subject, body=body, url=url, kind=kind, store=store)


# -- finding a backup ------------------------------------------------------------------------


@dataclass
class Located:
    path: Path | None
    name: str
    expected: str | None  # the SHA-256 recorded for it (database or .sha256 file)
    sources: list[str] = field(default_factory=list)


def locate(spec: str, into: Path) -> list[Located]:
    """A backup by path, by name (with or without the suffix), or ``latest``: every copy of it,
    in the order of the destinations (each fetched lazily by the caller)."""
    candidate = Path(spec)
    if candidate.is_file():
        name = candidate.name
        expected = _recorded_checksum(name)
        side = candidate.with_name(name + ".sha256")
        if expected is None and side.is_file():
            with contextlib.suppress(OSError, IndexError):
                expected = side.read_text().split()[0]
        return [Located(candidate, name, expected, [str(candidate)])]
    wanted = None if spec == "latest" else spec.removesuffix(archive.SUFFIX) + archive.SUFFIX
    found: list[tuple[str, object]] = []
    for dest in destinations.configured():
        try:
            for name in dest.names():
                if wanted is None or name == wanted:
                    found.append((name, dest))
        except Exception:
            log.warning("destination %s cannot be listed", dest.label)
    if wanted is None:
        good = set(
            Backup.objects.filter(result__in=[Result.OK, Result.PARTIAL]).values_list(
                "name", flat=True
            )
        )
        preferred = [f for f in found if f[0].removesuffix(archive.SUFFIX) in good]
        newest = max(f[0] for f in preferred or found) if found else None
        found = [f for f in found if f[0] == newest]
    if not found:
        raise FileNotFoundError(errno.ENOENT, _("No such backup in any destination"), spec)
    return [Located(None, name, None, [dest]) for name, dest in found]


def _fetch(located: Located, into: Path) -> Located:
    """Bring one copy here (a directory is read in place) with the checksum recorded for it."""
    if located.path is not None:
        return located
    dest = located.sources[0]
    path = dest.fetch(located.name, into)
    expected = _recorded_checksum(located.name) or dest.checksum(located.name)
    return Located(Path(path), located.name, expected, [dest.label])


def _recorded_checksum(file_name: str) -> str | None:
    name = file_name.removesuffix(archive.SUFFIX)
    return (
        Backup.objects.filter(name=name).exclude(sha256="").values_list("sha256", flat=True).first()
    )


# -- restore and drill -----------------------------------------------------------------------


def recovery_create(
    *, kind: str, trigger=Trigger.OPERATOR, operator=None, backup_name=""
) -> Recovery:
    return Recovery.objects.create(
        token=secrets.token_hex(8),
        kind=kind,
        backup_name=backup_name,
        started_at=timezone.now(),
        trigger=trigger,
        operator=operator,
    )


def run_recovery(
    *,
    kind: str,
    spec: str = "latest",
    recovery: Recovery | None = None,
    trigger=Trigger.OPERATOR,
    operator=None,
) -> Recovery:
    """A restore drill (into a scratch database, then discarded) or a real restore.

    Order: the file's SHA-256 against its record, decryption and every part against the
    manifest, a new database from it, the checks; only a restore then switches over.
    Raises ``engine.RestoreRefused`` (recorded, supervisors alerted) when anything fails.
    """
    with _recording_busy(recovery), exclusive():
        if recovery is None:
            recovery = recovery_create(kind=kind, trigger=trigger, operator=operator)
        stage = staging_root() / f"recovery-{recovery.token}"
        stage.mkdir(parents=True, mode=0o700)
        try:
            return _recovery(recovery, spec, stage)
        except Exception as exc:
            reason = (
                str(exc)
                if isinstance(exc, engine.RestoreRefused | archive.ArchiveError)
                else f"{type(exc).__name__}: {exc}"
            )
            _finish_recovery(recovery, Result.FAILED, reason, {})
            if isinstance(exc, engine.RestoreRefused):
                raise
            raise engine.RestoreRefused(reason) from exc
        finally:
            shutil.rmtree(stage, ignore_errors=True)


def _recovery(recovery: Recovery, spec: str, stage: Path) -> Recovery:
    progress = Progress(Recovery, recovery.pk)
    progress.start("verify")
    copies = locate(spec, stage)
    name = copies[0].name
    Recovery.objects.filter(pk=recovery.pk).update(backup_name=name)
    recovery.backup_name = name
    refused = []
    found = None
    for copy in copies:  # the first copy whose SHA-256 matches the record
        try:
            copy = _fetch(copy, stage)
        except Exception as exc:
            refused.append(f"{copy.sources[0].label}: {exc}")
            continue
        where = copy.sources[0]
        if copy.expected is None:
            refused.append(
                _(
                    "%(where)s: no checksum is recorded for %(name)s (neither in the database nor "
                    "in a .sha256 file next to it): it cannot be verified."
                )
                % {"where": where, "name": name}
            )
            continue
        progress.start("verify", copy.path.stat().st_size)
        if archive.sha256_file(copy.path, progress.advance) != copy.expected:
            refused.append(
                _(
                    "%(where)s: the backup file %(name)s does not match its recorded SHA-256: it "
                    "is damaged or was altered."
                )
                % {"where": where, "name": name}
            )
            continue
        found = copy
        break
    if found is None:
        raise engine.RestoreRefused(" ".join(refused) + " " + _("Nothing was changed."))
    size = found.path.stat().st_size
    parts = stage / "parts"
    parts.mkdir(mode=0o700)
    progress.start("archive", size)
    manifest = archive.extract(found.path, backup_key(), parts, progress=progress.advance)
    kind = engine.vendor()
    if manifest.get("database") != kind:
        raise engine.RestoreRefused(
            f"the backup is of a {manifest.get('database')} database; this installation uses {kind}"
        )
    progress.start("database")
    part = parts / (engine.SQLITE_PART if kind == "sqlite" else engine.PG_PART)
    db_name = engine.scratch_database(part, kind)
    switched = False
    try:
        with engine.alias_for(db_name) as alias:
            checks = engine.check_copy(alias, manifest)
        checks["copy"] = found.sources[0]
        if refused:
            checks["skipped"] = refused
        checks["backup"] = manifest.get("backup")
        checks["created"] = manifest.get("created")
        progress.start("copies")
        if recovery.kind == RecoveryKind.DRILL:
            _finish_recovery(recovery, Result.OK, "", checks)
            return recovery
        aside = _switch(kind, db_name, parts, manifest)
        switched = True
    finally:
        if kind == "postgresql" and not switched:
            engine.drop_database(db_name)
    checks["kept_aside"] = aside
    return _after_restore(recovery, manifest, found, checks)


def _switch(kind: str, db_name: str, parts: Path, manifest: dict) -> str:
    stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime())
    if kind == "sqlite":
        aside = str(engine.switch_sqlite(Path(db_name), stamp))
    else:
        aside = engine.switch_postgres(db_name, stamp)
    media = media_root()
    if "media.tar" in manifest.get("parts", {}) and media is not None:
        fresh = media.with_name(f"{media.name}.restoring-{stamp}")
        fresh.mkdir(mode=0o700)
        with tarfile.open(parts / "media.tar") as tar:
            tar.extractall(fresh, filter="data")
        if media.exists():
            media.rename(media.with_name(f"{media.name}.before-restore-{stamp}"))
        fresh.rename(media)
    return aside


# Called in the restored database after every restore, ``hook(recovery) -> int`` (how many
# records it fixed): e.g. the privacy app re-applies the anonymisations a backup predates.
AFTER_RESTORE: list = []


def register_after_restore(hook) -> None:
    if hook not in AFTER_RESTORE:
        AFTER_RESTORE.append(hook)


def _run_after_restore(recovery: Recovery, checks: dict) -> None:
    for hook in AFTER_RESTORE:
        name = f"{hook.__module__}.{hook.__qualname__}"
        try:
            checks.setdefault("after_restore", {})[name] = hook(recovery)
        except Exception as exc:  # the restore is done; say loudly what did not follow it
            log.error("after-restore hook %s failed (%s)", name, type(exc).__name__)
            checks.setdefault("after_restore", {})[name] = f"failed: {type(exc).__name__}"
            alert_supervisors(
                subject=_("A step after the restore failed: %(name)s") % {"name": name},
                body=str(exc)[:500],
                kind="backups.after_restore_failed",
            )


def _after_restore(recovery: Recovery, manifest: dict, found: Located, checks: dict) -> Recovery:
    """In the restored database: caches dropped, chains re-anchored, the restore recorded."""
    from django.core.management import call_command

    from anxin.audit import chain
    from anxin.core import marks
    from anxin.core.db import update_statistics
    from anxin.crypto import keyring

    connections.close_all()
    keyring.forget_cached_keys()
    marks.every_store_changed()  # what server processes keep of each store's set-up
    if checks.get("schema") == "older":
        call_command("migrate", interactive=False, verbosity=0)
    # A restored PostgreSQL database has no planner statistics (pg_restore does not carry them).
    update_statistics()
    # The checkpoints of the replaced database describe entries that are no longer there.
    chain.write_reset()
    chain.verify(checkpoint=True)
    _run_after_restore(recovery, checks)
    Backup.objects.filter(name=manifest.get("backup"), result=Result.RUNNING).update(
        result=Result.OK,
        finished_at=timezone.now(),
        phase="",
        progress=100,
        sha256=found.expected or "",
        size=found.path.stat().st_size,
    )
    restored = Recovery.objects.filter(token=recovery.token).first()
    values = {
        f.attname: getattr(recovery, f.attname)
        for f in Recovery._meta.concrete_fields
        if f.attname != "id"
    }
    if restored is None:
        operator_id = values.pop("operator_id")
        from anxin.accounts.models import User

        if operator_id and not User.objects.filter(pk=operator_id).exists():
            operator_id = None
        restored = Recovery.objects.create(**values, operator_id=operator_id)
    _finish_recovery(restored, Result.OK, "", checks)
    return restored


def _finish_recovery(recovery: Recovery, result: str, reason: str, checks: dict) -> None:
    recovery.result, recovery.reason, recovery.checks = result, reason, checks
    recovery.finished_at = timezone.now()
    recovery.phase, recovery.progress = "", 100
    with transaction.atomic():
        recovery.save(
            update_fields=["result", "reason", "checks", "finished_at", "phase", "progress"]
        )
        operation_log(
            actor=recovery.operator,
            action=recovery.kind,
            instance=recovery,
            changes={
                "backup": {"before": None, "after": recovery.backup_name},
                "result": {"before": None, "after": result},
            },
            reason=reason[:500],
        )
    if result != Result.OK:
        alert_supervisors(
            subject=_("%(kind)s of %(name)s failed")
            % {
                "kind": RecoveryKind(recovery.kind).label.capitalize(),
                "name": recovery.backup_name or "-",
            },
            body=reason,
            kind=f"backups.{recovery.kind}_failed",
        )
