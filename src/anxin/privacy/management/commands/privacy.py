"""``anxin privacy <subcommand>``: the privacy app's command line.

Each area adds its subcommands in a module of its own (``cli_<area>.py``) listed in
``SUBCOMMAND_MODULES``: ``register(subparsers) -> {name: handler}``, ``handler(command, **opts)``.
"""

import importlib

from django.core.management.base import BaseCommand

from anxin.core.management.commands._util import require_migrated

SUBCOMMAND_MODULES = [
    "anxin.privacy.cli_sharing",  # review-grants (PRV-3)
]


class Command(BaseCommand):
    help = "Privacy records from the command line (PIPL duties: grants, retention, ...)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        self.handlers = {}
        for name in SUBCOMMAND_MODULES:
            self.handlers.update(importlib.import_module(name).register(sub))

    def handle(self, *args, subcommand, **opts):
        require_migrated()
        return self.handlers[subcommand](self, **opts)
