"""``anxin backup``: a consistent, compressed, encrypted backup to every destination (STO-4)."""

import time

from django.core.management.base import BaseCommand, CommandError

from anxin.core.management.commands._util import require_migrated

from ... import destinations, services
from ...models import Result, Trigger


class Command(BaseCommand):
    help = "Back up the database (and uploaded files) to every configured destination."

    def handle(self, *args, **options):
        require_migrated()
        for warning in destinations.warnings(destinations.configured()):
            detail = getattr(warning, "detail", "") or ""
            self.stderr.write(self.style.WARNING(f"WARNING: {detail or warning}"))
        started = time.monotonic()
        try:
            backup = services.run_backup(trigger=Trigger.OPERATOR)
        except services.BackupBusy as exc:
            raise CommandError(str(exc)) from exc
        except services.BackupFailed as exc:
            raise CommandError(str(exc), returncode=1) from exc
        for copy in backup.copies.order_by("id"):
            if copy.ok:
                self.stdout.write(f"  written: {copy.location}")
            else:
                self.stderr.write(f"  FAILED:  {copy.destination}: {copy.reason}")
        size = (backup.size or 0) / 1e6
        line = (
            f"Backup {backup.name}: {backup.get_result_display()}, {size:.1f} MB, "
            f"{backup.content.get('tables', 0)} tables, {backup.content.get('rows', 0)} rows, "
            f"SHA-256 {backup.sha256}, {time.monotonic() - started:.1f} s"
        )
        if backup.result == Result.OK:
            self.stdout.write(self.style.SUCCESS(line))
        else:
            self.stderr.write(self.style.WARNING(line))
            raise CommandError(f"the backup is {backup.result}: {backup.reason}", returncode=3)
