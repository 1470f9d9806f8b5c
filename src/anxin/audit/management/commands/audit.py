"""``anxin audit verify | purge | scan``: tamper check, retention run and anomaly scan."""

import datetime as dt

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from anxin.core.management.commands._util import require_migrated

from ... import chain, rules, services


class Command(BaseCommand):
    help = "Audit logs: verify the tamper-evident chains, purge past retention, scan for anomalies."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="{verify,purge,scan}")
        verify = sub.add_parser("verify", help="Recompute both chains and compare the checkpoints.")
        verify.add_argument(
            "--no-checkpoint",
            action="store_true",
            help="Do not record the verified heads as new checkpoints.",
        )
        purge = sub.add_parser("purge", help="Delete entries older than the retention period.")
        purge.add_argument("--dry-run", action="store_true", help="Only count what would go.")
        scan = sub.add_parser("scan", help="Evaluate the anomaly rules and raise alerts.")
        scan.add_argument(
            "--hours", type=int, default=None, help="Only uses of the last N hours (default: all)."
        )

    def handle(self, *args, action, **options):
        require_migrated()
        if action == "verify":
            return self.verify(options)
        if action == "purge":
            return self.purge(options)
        return self.scan(options)

    def verify(self, options):
        report = chain.verify(checkpoint=not options["no_checkpoint"])
        if report.ok:
            self.stdout.write(report.summary())
            return
        for problem in report.problems[:20]:
            self.stderr.write(f"BROKEN: {problem}")
        if len(report.problems) > 20:
            self.stderr.write(f"... and {len(report.problems) - 20} more problems")
        count = len(report.problems)
        raise CommandError(
            f"the audit logs do not verify ({count} problem{'' if count == 1 else 's'})",
            returncode=1,
        )

    def purge(self, options):
        try:
            deleted = services.purge(dry_run=options["dry_run"])
        except (ImproperlyConfigured, services.PurgeRefused) as exc:
            raise CommandError(str(exc)) from exc
        days = services.retention_days()
        verb = "Would delete" if options["dry_run"] else "Deleted"
        self.stdout.write(
            f"{verb} {deleted[chain.OPERATION]} operation log and {deleted[chain.USE]} use log "
            f"entries older than {days} days."
        )

    def scan(self, options):
        since = None
        if options["hours"]:
            since = timezone.now() - dt.timedelta(hours=options["hours"])
        created = rules.scan(since=since)
        self.stdout.write(f"{len(created)} new alerts.")
