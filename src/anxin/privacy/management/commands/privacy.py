"""``anxin privacy <subcommand>``: the privacy app's commands.

anxin privacy retention --dry-run     each rule in force and how many clients it finds now
anxin privacy retention --propose     record a run per rule (what the monthly task does)
anxin privacy retention --apply       apply the runs a second person approved
anxin privacy review-grants           the sharing grants in force, to confirm or end (PRV-3)
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from anxin.core.management.commands._util import require_migrated
from anxin.privacy import cli_retention, cli_sharing

SUBCOMMANDS = {"retention": cli_retention, "review-grants": cli_sharing}


class Command(BaseCommand):
    help = "Privacy operations (client rights, retention, sharing grants)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        for name, module in SUBCOMMANDS.items():
            module.add_arguments(sub.add_parser(name, help=module.HELP))

    def handle(self, *args, subcommand, **options):
        require_migrated()
        try:
            SUBCOMMANDS[subcommand].handle(self, **options)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
