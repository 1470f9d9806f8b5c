"""Backups (STO-4): consistent, encrypted, to two places, recorded; faults make them partial."""

import errno
import hashlib
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from anxin.audit.models import OperationLog
from anxin.backups import archive, destinations, services
from anxin.backups.models import Backup, Result, Trigger
from anxin.notifications.models import Notification

pytestmark = pytest.mark.django_db(transaction=True)


def _table_counts():
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        counts = {}
        for table in tables:
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608
            counts[table] = cursor.fetchone()[0]
    return counts


@pytest.mark.req("STO-4")
def test_backup_to_two_destinations_recorded_with_manifest(demo_data, two_dirs, tmp_path):
    before = _table_counts()
    backup = services.run_backup(trigger=Trigger.SCHEDULE)

    assert backup.result == Result.OK and backup.reason == ""
    file_name = backup.name + archive.SUFFIX
    for directory in two_dirs:
        stored = directory / file_name
        assert hashlib.sha256(stored.read_bytes()).hexdigest() == backup.sha256
        assert stored.stat().st_size == backup.size
        assert (directory / (file_name + ".sha256")).read_text().split()[0] == backup.sha256
        assert oct(stored.stat().st_mode & 0o777) == "0o600"
    copies = list(backup.copies.order_by("id"))
    assert [c.destination for c in copies] == [str(d) for d in two_dirs]
    assert all(c.ok for c in copies)
    assert backup.trigger == Trigger.SCHEDULE and backup.finished_at is not None

    manifest = archive.extract(two_dirs[0] / file_name, services.backup_key(), None)
    assert manifest["database"] == connection.vendor
    assert manifest["anxin_version"] and manifest["created"]
    assert manifest["schema"]["backups"].startswith("0002")
    counts = manifest["row_counts"]
    # The backup's own record and its audit entry were written after the snapshot.
    assert counts["clients_client"] == before["clients_client"] == 40
    assert counts["accounts_user"] == before["accounts_user"]
    assert all(len(p["sha256"]) == 64 for p in manifest["parts"].values())
    entry = OperationLog.objects.filter(record_type="backups.backup", action="backup").get()
    assert entry.changes["result"]["after"] == "ok" and entry.record_id == str(backup.pk)
    assert not Notification.objects.filter(kind="backups.failed").exists()


@pytest.mark.req("STO-4", "UX-4")
def test_fresh_install_default_destination_works_and_warns(demo_data, settings, client, login):
    from anxin.accounts.models import User

    assert [str(Path(settings.DATA_DIR) / "backups")] == settings.ANXIN_BACKUP_DESTINATIONS
    out, err = io.StringIO(), io.StringIO()
    call_command("backup", stdout=out, stderr=err)
    backup = Backup.objects.get()
    assert backup.result == Result.OK and backup.sha256 in out.getvalue()
    assert "WARNING" in err.getvalue() and "ANXIN_BACKUP_DIRS" in err.getvalue()
    assert (Path(settings.DATA_DIR) / "backups" / (backup.name + archive.SUFFIX)).is_file()
    # ... and on the dashboard
    login(client, User.objects.get(username="admin"))
    page = client.get("/").content.decode()
    assert "ANXIN_BACKUP_DIRS" in page


@pytest.mark.req("STO-4")
@pytest.mark.parametrize(
    "fault,words",
    [
        ("missing", "does not exist"),
        ("full", "full"),
        ("read-only", "read-only"),
    ],
)
def test_faulty_destination_gives_partial_and_alert(
    demo_data, two_dirs, supervisors, monkeypatch, fault, words
):
    _first, second = two_dirs
    if fault == "missing":
        second.rmdir()
    else:
        code = errno.ENOSPC if fault == "full" else errno.EROFS
        real_copy = destinations.shutil.copyfileobj

        def copy(src, dst, length=0):
            if Path(dst.name).parent == second:
                dst.write(src.read(1000))  # part of a copy is written, then the device refuses
                raise OSError(code, "refused")
            return real_copy(src, dst, length)

        monkeypatch.setattr(destinations.shutil, "copyfileobj", copy)

    backup = services.run_backup()

    assert backup.result == Result.PARTIAL and words in backup.reason
    assert str(second) in backup.reason
    good, bad = backup.copies.order_by("id")
    assert good.ok and Path(good.location).is_file()
    assert not bad.ok and words in bad.reason
    if second.exists():
        assert not list(second.iterdir())  # no half copy left behind
    notes = Notification.objects.filter(kind="backups.failed")
    assert {n.recipient.username for n in notes} == {"admin", "auditor", "infosec"}
    entry = OperationLog.objects.get(record_type="backups.backup")
    assert entry.changes["result"]["after"] == "partial"


@pytest.mark.req("STO-4")
def test_no_destination_takes_it_fails_and_raises(demo_data, tmp_path, settings, supervisors):
    settings.ANXIN_BACKUP_DESTINATIONS = [str(tmp_path / "gone1"), str(tmp_path / "gone2")]
    with pytest.raises(services.BackupFailed):
        services.run_backup()
    backup = Backup.objects.get()
    assert backup.result == Result.FAILED and "does not exist" in backup.reason
    assert Notification.objects.filter(kind="backups.failed").count() == 3
    with pytest.raises(CommandError):
        call_command("backup", stdout=io.StringIO(), stderr=io.StringIO())


@pytest.mark.req("STO-4")
def test_archive_failing_its_verification_is_taken_back(
    demo_data, two_dirs, monkeypatch, supervisors
):
    """The copies go out while the archive is verified; when verification fails they are
    deleted again, the backup is recorded as failed and the supervisors are alerted."""

    def damaged(*args, **kwargs):
        raise archive.Damaged("the backup file is damaged: simulated")

    monkeypatch.setattr(archive, "extract", damaged)
    with pytest.raises(services.BackupFailed):
        services.run_backup()
    backup = Backup.objects.get()
    assert backup.result == Result.FAILED and "simulated" in backup.reason
    assert [p for d in two_dirs for p in d.iterdir() if p.suffix == archive.SUFFIX] == []
    assert Notification.objects.filter(kind="backups.failed").exists()


@pytest.mark.req("STO-4")
def test_one_backup_at_a_time(demo_data, two_dirs, settings):
    import fcntl
    import os

    fd = os.open(services.lock_path(), os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        with pytest.raises(services.BackupBusy):
            services.run_backup()
        assert not Backup.objects.exists()
        queued = services.backup_create()  # as the page does, before the worker picks it up
        with pytest.raises(services.BackupBusy):
            services.run_backup(backup=queued)
    finally:
        os.close(fd)
    queued.refresh_from_db()
    assert queued.result == Result.FAILED and queued.reason


@pytest.mark.req("STO-4")
def test_old_backups_pruned_per_destination(demo_data, two_dirs, settings):
    settings.ANXIN_BACKUP_KEEP = 2
    names = [services.run_backup().name for _ in range(3)]
    for directory in two_dirs:
        kept = sorted(p.name for p in directory.glob("*" + archive.SUFFIX))
        assert kept == sorted(n + archive.SUFFIX for n in names[1:])


@pytest.mark.req("UX-6")
def test_progress_is_recorded_while_it_runs(demo_data, two_dirs, monkeypatch):
    seen = []

    def pause():
        seen.append(Backup.objects.values_list("phase", "progress").get())

    monkeypatch.setattr(services, "_test_pause", pause)
    services.run_backup()
    phases = [p for p, _ in seen]
    assert phases[:4] == ["database", "media", "archive", "verify"]
    assert "copies" in phases
    percents = [p for _, p in seen]
    assert percents == sorted(percents) and percents[-1] >= 80
    assert Backup.objects.get().progress == 100


@pytest.mark.req("STO-4")
def test_uploaded_files_are_in_the_backup(demo_data, two_dirs, tmp_path, settings):
    media = tmp_path / "media"
    (media / "photos").mkdir(parents=True)
    (media / "photos" / "a.jpg").write_bytes(b"jpeg")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(media)},
        },
    }
    backup = services.run_backup()
    assert "media.tar" in backup.content["parts"]
    out = tmp_path / "out"
    out.mkdir()
    archive.extract(two_dirs[0] / (backup.name + archive.SUFFIX), services.backup_key(), out)
    import tarfile

    with tarfile.open(out / "media.tar") as tar:
        assert tar.extractfile("./photos/a.jpg").read() == b"jpeg"


@pytest.mark.req("STO-4")
def test_s3_compatible_destination(demo_data, tmp_path, settings, monkeypatch):
    boto3 = pytest.importorskip("boto3")
    from moto import mock_aws

    for var, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(var, value)
    disk = tmp_path / "disk"
    disk.mkdir()
    settings.ANXIN_BACKUP_DESTINATIONS = [str(disk), "s3://anxin-backups/shop1"]
    with mock_aws():
        boto3.client("s3").create_bucket(Bucket="anxin-backups")
        backup = services.run_backup()
        assert backup.result == Result.OK
        assert destinations.warnings(destinations.configured()) == []
        key = f"shop1/{backup.name}{archive.SUFFIX}"
        head = boto3.client("s3").head_object(Bucket="anxin-backups", Key=key)
        assert head["Metadata"]["sha256"] == backup.sha256
        # The local disk is lost: the drill fetches the backup from the bucket.
        for path in disk.iterdir():
            path.unlink()
        drill = services.run_recovery(kind="drill")
        assert drill.result == Result.OK and drill.backup_name == backup.name + archive.SUFFIX
