"""``anxin keys status | rotate | export | import``: the data keys, and a passphrase-protected
export of the master, audit and backup keys (which no backup contains)."""

import getpass
import os
import time
from pathlib import Path

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

        for name, text in [
            ("export", "write the master, audit and backup keys to a passphrase-protected file"),
            ("import", "read them back into the data directory (e.g. before a restore)"),
        ]:
            sub_parser = sub.add_parser(name, help=text)
            sub_parser.add_argument("file")
            sub_parser.add_argument(
                "--force", action="store_true", help="replace an existing file or keys"
            )

    def handle(self, *args, action, **opts):
        if action in ("export", "import"):
            return self.key_file(action, Path(opts["file"]), opts["force"])
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

    def key_file(self, action: str, path: Path, force: bool):
        from anxin.backups import keyfile

        passphrase = os.environ.get("ANXIN_KEYS_PASSPHRASE")
        if passphrase is None:
            passphrase = getpass.getpass("Passphrase: ")
            if action == "export" and getpass.getpass("Passphrase again: ") != passphrase:
                raise CommandError("the passphrases differ; nothing was written")
        try:
            if action == "export":
                keyfile.export_keys(path, passphrase, force=force)
                self.stdout.write(
                    self.style.SUCCESS(f"Keys written to {path} (mode 0600, passphrase-protected).")
                )
                self.stdout.write(
                    "Keep this file apart from the backups (a safe, a USB stick held by the "
                    "owner) and the passphrase apart from the file."
                )
            else:
                changed = keyfile.import_keys(path, passphrase, force=force)
                self.stdout.write(
                    self.style.SUCCESS(
                        f"Keys imported: {', '.join(changed)}."
                        if changed
                        else "Keys already in place."
                    )
                )
                if changed:
                    self.stdout.write("Restart Anxin (web server and worker) to use them.")
        except keyfile.KeyFileError as exc:
            raise CommandError(str(exc)) from exc
