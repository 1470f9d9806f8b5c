"""Page setups for the backups app (records made directly: the pages, not the backups, are
what these tests look at)."""

from datetime import timedelta


def _records(request):
    from django.utils import timezone

    from anxin.backups.models import Backup, BackupCopy, Recovery

    admin = request.getfixturevalue("admin_user")
    now = timezone.now()
    good = Backup.objects.create(
        name="anxin-20260301T023000.000Z-a1b2c3",
        started_at=now - timedelta(hours=7),
        finished_at=now - timedelta(hours=7) + timedelta(seconds=40),
        trigger="schedule",
        result="ok",
        size=52_428_800,
        sha256="ab" * 32,
        content={"database": "sqlite", "tables": 36, "rows": 120_345, "anxin_version": "0.1.0"},
    )
    BackupCopy.objects.create(
        backup=good,
        destination="/srv/anxin/backups",
        location="/srv/anxin/backups/x",
        ok=True,
        at=now,
    )
    partial = Backup.objects.create(
        name="anxin-20260302T023000.000Z-d4e5f6",
        started_at=now - timedelta(hours=2),
        finished_at=now - timedelta(hours=2) + timedelta(seconds=41),
        trigger="operator",
        operator=admin,
        result="partial",
        reason="/mnt/nas: the destination is full (no space left) [ENOSPC]",
        size=52_428_900,
        sha256="cd" * 32,
    )
    BackupCopy.objects.create(
        backup=partial,
        destination="/srv/anxin/backups",
        location="/srv/anxin/backups/y",
        ok=True,
        at=now,
    )
    BackupCopy.objects.create(
        backup=partial,
        destination="/mnt/nas",
        ok=False,
        reason="the destination is full (no space left) [ENOSPC]",
        at=now,
    )
    running = Backup.objects.create(
        name="anxin-20260302T120000.000Z-0a0b0c",
        started_at=now,
        trigger="operator",
        operator=admin,
        phase="archive",
        progress=45,
    )
    drill = Recovery.objects.create(
        token="drill0000000001",
        kind="drill",
        backup_name=good.name + ".anxbak",
        started_at=now - timedelta(days=1),
        finished_at=now - timedelta(days=1),
        trigger="schedule",
        result="ok",
        checks={
            "integrity": "ok",
            "tables": 36,
            "rows": 120_345,
            "audit": "OK: operation log 603 entries, use log 20000 entries",
            "decrypted": 20,
        },
    )
    return good, partial, running, drill


def backups(request):
    _records(request)


def backup_page(request):
    return f"/backups/{_records(request)[1].pk}/"


def running_page(request):
    return f"/backups/{_records(request)[2].pk}/"


def restore_page(request):
    return f"/backups/{_records(request)[0].pk}/restore/"


def drill_page(request):
    return f"/backups/recoveries/{_records(request)[3].token}/"
