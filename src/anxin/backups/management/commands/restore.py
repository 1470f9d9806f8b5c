"""``anxin restore BACKUP``: verify, restore into a new database, check, then switch (STO-5)."""

import sys

from django.core.management.base import BaseCommand, CommandError

from anxin.core.management.commands._util import require_migrated

from ... import archive, services
from ...engine import RestoreRefused
from ...models import RecoveryKind


class Command(BaseCommand):
    help = (
        "Restore the database from a backup (a file path, a backup name, or 'latest'). The "
        "current database is kept aside. Stop the web server and worker first."
    )

    def add_arguments(self, parser):
        parser.add_argument("backup", help="path of a .anxbak file, a backup name, or 'latest'")
        parser.add_argument(
            "--yes",
            action="store_true",
            help="do not ask: I confirm that the current data is replaced by the backup's",
        )

    def handle(self, *args, backup, yes, **options):
        require_migrated()
        if not yes:
            if not sys.stdin.isatty():
                raise CommandError(
                    "a restore replaces the current data: confirm with --yes, or run it in a "
                    "terminal and type RESTORE"
                )
            self.stdout.write(
                f"This replaces ALL current data with the backup {backup!r}; the current "
                "database is kept aside. Type RESTORE to go on: "
            )
            if input().strip() != "RESTORE":
                raise CommandError("not confirmed; nothing was changed")
        try:
            recovery = services.run_recovery(kind=RecoveryKind.RESTORE, spec=backup)
        except services.BackupBusy as exc:
            raise CommandError(str(exc)) from exc
        except (RestoreRefused, archive.ArchiveError, FileNotFoundError) as exc:
            raise CommandError(f"restore refused: {exc}", returncode=1) from exc
        checks = recovery.checks
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {recovery.backup_name} (made {checks.get('created')}): "
                f"{checks.get('tables')} tables, {checks.get('rows')} rows, "
                f"{checks.get('decrypted')} encrypted values decrypted, audit {checks.get('audit')}."
            )
        )
        self.stdout.write(f"The previous database is kept aside: {checks.get('kept_aside')}")
