"""Restores and restore drills (STO-5): verified first, checked in a new database, then switched."""

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from anxin.accounts.models import Store, User
from anxin.audit import chain
from anxin.audit.models import OperationLog
from anxin.backups import archive, engine, services
from anxin.backups.models import Backup, Recovery, Result
from anxin.clients.models import Client
from anxin.notifications.models import Notification

pytestmark = pytest.mark.django_db(transaction=True)


def _backup_file(two_dirs, backup):
    return two_dirs[0] / (backup.name + archive.SUFFIX)


def _aside_files(settings):
    """Files this test's database set aside; other xdist workers share the data directory."""
    live = Path(connection.settings_dict["NAME"]).name
    return sorted(Path(settings.DATA_DIR).glob(f"{live}.before-restore-*"))


def _drop_aside_pg(checks):
    if connection.vendor == "postgresql" and checks.get("kept_aside"):
        engine.drop_database(checks["kept_aside"])


@pytest.mark.req("STO-5", "UX-4")
def test_restore_drill_checks_the_newest_backup(demo_data, two_dirs):
    services.run_backup()
    newest = services.run_backup()
    out = io.StringIO()
    call_command("restore-drill", stdout=out)
    assert "Restore drill OK" in out.getvalue()
    drill = Recovery.objects.get(kind="drill")
    assert drill.result == Result.OK and drill.backup_name == newest.name + archive.SUFFIX
    checks = drill.checks
    assert checks["integrity"].startswith("ok")
    assert checks["tables"] == newest.content["tables"] > 20
    assert checks["rows"] == newest.content["rows"]
    assert checks["audit"].startswith("OK")
    assert checks["decrypted"] >= 10  # phones, ID numbers, health notes of the demo clients
    entry = OperationLog.objects.get(record_type="backups.recovery")
    assert entry.action == "drill" and entry.changes["result"]["after"] == "ok"
    # The live database was not touched; no scratch database or file is left behind.
    assert Client.objects.count() == 40
    assert not list((Path(services.staging_root())).glob("*"))


@pytest.mark.req("STO-5")
def test_drill_refuses_counts_that_differ_from_the_manifest(demo_data, two_dirs, monkeypatch):
    services.run_backup()
    real = archive.extract

    def lying_manifest(*args, **kwargs):
        manifest = real(*args, **kwargs)
        manifest["row_counts"]["clients_client"] += 1
        return manifest

    monkeypatch.setattr(archive, "extract", lying_manifest)
    with pytest.raises(engine.RestoreRefused, match="row counts differ"):
        services.run_recovery(kind="drill")
    drill = Recovery.objects.get()
    assert drill.result == Result.FAILED and "clients_client" in drill.reason
    # A failed drill alerts the supervisors.
    notes = Notification.objects.filter(kind="backups.drill_failed")
    assert {n.recipient.username for n in notes} == {"admin", "auditor", "infosec"}


@pytest.mark.req("STO-5")
def test_drill_with_another_master_key_fails_clearly(demo_data, two_dirs, settings):
    services.run_backup()
    settings.ANXIN_MASTER_KEY = "another master key of enough length 0123456789"
    with pytest.raises(engine.RestoreRefused, match="master key"):
        services.run_recovery(kind="drill")


@pytest.mark.req("STO-5")
def test_restore_without_the_backup_key_fails_clearly(demo_data, two_dirs, settings):
    backup = services.run_backup()
    settings.ANXIN_BACKUP_KEY = "x" * 43
    with pytest.raises(CommandError, match=r"another backup key.*anxin keys import"):
        call_command("restore", backup.name, yes=True, stdout=io.StringIO())
    assert Client.objects.count() == 40
    assert not _aside_files(settings)


@pytest.mark.req("STO-5")
@pytest.mark.parametrize("damage", ["flip", "truncate"])
def test_altered_backup_refused_before_anything_is_touched(demo_data, two_dirs, settings, damage):
    backup = services.run_backup()
    Store.objects.filter(short_code="BJ01").update(name="改过的名字")
    path = _backup_file(two_dirs, backup)
    data = bytearray(path.read_bytes())
    if damage == "flip":
        data[len(data) // 2] ^= 0x01
    else:
        data = data[: len(data) - 100]
    for directory in two_dirs:  # every copy damaged the same way
        (directory / path.name).write_bytes(bytes(data))
    with pytest.raises(CommandError, match=r"SHA-256"):
        call_command("restore", backup.name, yes=True, stdout=io.StringIO())
    assert Store.objects.get(short_code="BJ01").name == "改过的名字"
    assert not _aside_files(settings)
    # Even when the recorded checksum is made to match, decryption refuses the altered file.
    import hashlib

    Backup.objects.filter(pk=backup.pk).update(sha256=hashlib.sha256(bytes(data)).hexdigest())
    with pytest.raises(CommandError, match=r"damaged|truncated"):
        call_command("restore", backup.name, yes=True, stdout=io.StringIO())
    assert Store.objects.get(short_code="BJ01").name == "改过的名字"
    assert Recovery.objects.filter(kind="restore", result=Result.FAILED).count() == 2


@pytest.mark.req("STO-5", "UX-4")
def test_restore_needs_explicit_confirmation(demo_data, two_dirs, monkeypatch):
    backup = services.run_backup()
    monkeypatch.setattr("sys.stdin", io.StringIO("yes\n"))
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", backup.name, stdout=io.StringIO())
    assert not Recovery.objects.exists()


@pytest.mark.req("STO-5", "UX-4")
def test_restore_switches_over_and_keeps_the_old_database(demo_data, two_dirs, settings):
    backup = services.run_backup()
    # After the backup: a change that the restore must undo.
    Store.objects.filter(short_code="BJ01").update(name="备份之后改的")
    User.objects.create(username="came-after-the-backup")
    out = io.StringIO()
    call_command("restore", backup.name, yes=True, stdout=out)
    assert "Restored" in out.getvalue()

    assert Store.objects.get(short_code="BJ01").name != "备份之后改的"
    assert not User.objects.filter(username="came-after-the-backup").exists()
    assert User.objects.filter(username="marketing").exists()
    assert Client.objects.count() == 40
    assert any(c.phone for c in Client.objects.all())  # decrypts under the keys in place
    recovery = Recovery.objects.get(kind="restore")
    assert recovery.result == Result.OK and recovery.checks["kept_aside"]
    assert OperationLog.objects.filter(record_type="backups.recovery", action="restore").exists()
    # The backup restored from is complete in its own (restored) record.
    assert Backup.objects.get(name=backup.name).result == Result.OK
    assert chain.verify().ok  # the audit chains hold, re-anchored in the checkpoint file
    if connection.vendor == "sqlite":
        (aside,) = _aside_files(settings)
        import sqlite3

        old = sqlite3.connect(aside)
        assert (
            old.execute("SELECT name FROM accounts_store WHERE short_code='BJ01'").fetchone()[0]
            == "备份之后改的"
        )
        old.close()
        aside.unlink()
    _drop_aside_pg(recovery.checks)


@pytest.mark.req("STO-5")
def test_restore_refused_when_the_copy_fails_a_check_leaves_live_data(
    demo_data, two_dirs, monkeypatch, settings
):
    backup = services.run_backup()
    Store.objects.filter(short_code="BJ01").update(name="现在的名字")

    def broken(alias, manifest):
        raise engine.RestoreRefused("integrity check failed: simulated")

    monkeypatch.setattr(engine, "check_copy", broken)
    with pytest.raises(CommandError, match="simulated"):
        call_command("restore", backup.name, yes=True, stdout=io.StringIO())
    assert Store.objects.get(short_code="BJ01").name == "现在的名字"
    assert not _aside_files(settings)
    if connection.vendor == "postgresql":
        import psycopg

        db = connection.settings_dict
        with engine._pg_connect(db, "postgres", autocommit=True) as conn:
            left = conn.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE %s",
                [db["NAME"][:40] + "_r%"],
            ).fetchall()
        assert left == [], psycopg


@pytest.mark.req("STO-5")
def test_a_damaged_copy_is_skipped_for_a_good_one(demo_data, two_dirs):
    backup = services.run_backup()
    path = _backup_file(two_dirs, backup)
    data = bytearray(path.read_bytes())
    data[100] ^= 0x01
    path.write_bytes(bytes(data))  # the local disk's copy rots; the NAS copy is good
    drill = services.run_recovery(kind="drill", spec=backup.name)
    assert drill.result == Result.OK
    assert drill.checks["copy"] == str(two_dirs[1])
    assert str(two_dirs[0]) in drill.checks["skipped"][0]
