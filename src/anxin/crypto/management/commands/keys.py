"""``anxin keys status`` and ``anxin keys rotate``: the data keys of the encrypted fields."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db.utils import OperationalError, ProgrammingError

from anxin.crypto import rotation
from anxin.crypto.models import DataKey, KeyState


class Command(BaseCommand):
    help = "Show the data keys, or rotate them: re-encrypt every encrypted value and blind index."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("status", help="each data key, its state and how many values use it")
        rotate = sub.add_parser(
            "rotate",
            help="new data key; re-encrypt everything under it (resumes an unfinished rotation)",
        )
        rotate.add_argument(
            "--batch-size",
            type=int,
            default=rotation.BATCH_SIZE,
            help=f"rows per transaction (default {rotation.BATCH_SIZE})",
        )
        rotate.add_argument(
            "--force-new-key",
            action="store_true",
            help="start a new rotation even though an earlier one has not finished",
        )

    def handle(self, *args, action, **opts):
        try:
            DataKey.objects.exists()
        except (OperationalError, ProgrammingError) as exc:
            raise CommandError(
                f"the database is not ready ({exc}). Run 'anxin migrate' first."
            ) from exc
        if action == "status":
            self.status()
        else:
            self.rotate(opts["batch_size"], opts["force_new_key"])

    def status(self):
        usage = rotation.key_usage()
        for key in DataKey.objects.order_by("created_at"):
            self.stdout.write(
                f"{key.pk:>10}  {key.state:<8}  created {key.created_at:%Y-%m-%d %H:%M}  "
                f"{usage.get(key.pk, 0)} values"
            )
        if not DataKey.objects.exists():
            self.stdout.write("No data key yet: one is created when the first value is encrypted.")
        if usage.get(None):
            self.stdout.write(self.style.WARNING(f"{usage[None]} values are not Anxin tokens."))

    def rotate(self, batch_size: int, force_new_key: bool):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        last_print = [0.0]

        def progress(phase: str, label: str, done: int, total: int) -> None:
            now = time.monotonic()
            if done in (0, total) or now - last_print[0] >= 1:
                last_print[0] = now
                verb = "re-encrypted" if phase == "rewrite" else "checked"
                self.stdout.write(f"{label}: {done}/{total} rows {verb}")

        started = key_id, resumed = rotation.start_rotation(force_new_key=force_new_key)
        retiring = DataKey.objects.filter(state=KeyState.RETIRING).exclude(pk=key_id).count()
        if resumed:
            self.stdout.write(f"Resuming the unfinished rotation to data key {key_id}.")
        else:
            self.stdout.write(
                f"Data key {key_id} is now active"
                + (f"; {retiring} older key(s) retiring." if retiring else ".")
            )
        report = rotation.rotate(
            batch_size=batch_size, progress=progress, started=started, notify=self.stdout.write
        )
        for problem in report.problems:
            self.stderr.write(f"cannot re-encrypt (failed its integrity check): {problem}")
        if report.retired:
            self.stdout.write(f"Retired: {', '.join(map(str, report.retired))}.")
        for key, uses in report.still_retiring.items():
            self.stdout.write(self.style.WARNING(f"Data key {key} is still used by {uses} values."))
        if report.problems:
            raise CommandError(
                f"{len(report.problems)} values could not be re-encrypted; restore them from a "
                "backup, then run 'anxin keys rotate' again."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Rotation complete: {sum(report.rewritten.values())} rows rewritten "
                f"under data key {report.key_id}."
            )
        )
