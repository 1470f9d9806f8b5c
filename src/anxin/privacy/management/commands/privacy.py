"""``anxin privacy <subcommand>``: the privacy app's commands.

anxin privacy retention --dry-run     each rule in force and how many clients it finds now
anxin privacy retention --propose     record a run per rule (what the monthly task does)
anxin privacy retention --apply       apply the runs a second person approved
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from anxin.privacy import cli_retention

SUBCOMMANDS = {"retention": cli_retention}


class Command(BaseCommand):
    help = "Privacy operations (client rights, retention)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        for name, module in SUBCOMMANDS.items():
            module.add_arguments(sub.add_parser(name, help=module.HELP))

    def handle(self, *args, subcommand, **options):
        try:
            SUBCOMMANDS[subcommand].handle(self, **options)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
