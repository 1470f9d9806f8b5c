"""``flush`` that can empty the append-only audit tables too (Django's test runner uses it).

Erasing the whole database is an operator's act outside the application; it is written to
the checkpoint file as a reset, so ``audit verify`` tells the story instead of crying wolf.
"""

from django.core.management.commands import flush

from anxin.core.db import deletes_allowed

from ... import chain
from ...services import PURGE_SWITCH


class Command(flush.Command):
    help = flush.Command.help + " The audit logs are emptied too."

    def handle(self, **options):
        database = options["database"]
        with deletes_allowed(PURGE_SWITCH, using=database):
            result = super().handle(**options)
        models = chain.LOGS.values()
        if not any(m.objects.using(database).exists() for m in models):
            try:
                chain.write_reset(using=database)
            except OSError as exc:  # the data directory is the operator's to fix
                self.stderr.write(f"could not record the reset in the checkpoint file: {exc}")
        return result
