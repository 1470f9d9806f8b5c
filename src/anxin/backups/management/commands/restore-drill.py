"""``anxin restore-drill``: restore the newest backup into a scratch database and check it."""

from django.core.management.base import BaseCommand, CommandError

from anxin.core.management.commands._util import require_migrated

from ... import archive, services
from ...engine import RestoreRefused
from ...models import RecoveryKind


class Command(BaseCommand):
    help = (
        "Restore drill: the newest backup (or the one named) into a scratch database; checks "
        "integrity, row counts, the audit chains and a sample of encrypted values."
    )

    def add_arguments(self, parser):
        parser.add_argument("backup", nargs="?", default="latest")

    def handle(self, *args, backup, **options):
        require_migrated()
        try:
            drill = services.run_recovery(kind=RecoveryKind.DRILL, spec=backup)
        except services.BackupBusy as exc:
            raise CommandError(str(exc)) from exc
        except (RestoreRefused, archive.ArchiveError, FileNotFoundError) as exc:
            raise CommandError(f"restore drill FAILED: {exc}", returncode=1) from exc
        c = drill.checks
        self.stdout.write(
            self.style.SUCCESS(
                f"Restore drill OK: {drill.backup_name} (made {c.get('created')}); integrity "
                f"{c.get('integrity')}; {c.get('tables')} tables and {c.get('rows')} rows match "
                f"the manifest; audit {c.get('audit')}; {c.get('decrypted')} encrypted values "
                "decrypted."
            )
        )
