"""``anxin privacy retention``: a dry run, a proposal, or applying the approved runs (STO-6)."""

from django.core.exceptions import ValidationError

from . import retention
from .models import RetentionRun, RunState

HELP = "Retention: --dry-run (count), --propose (record runs), --apply (approved runs only)."


def add_arguments(parser) -> None:
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--dry-run", action="store_true", help="count; change nothing")
    mode.add_argument("--propose", action="store_true", help="record a run per rule")
    mode.add_argument("--apply", action="store_true", help="apply the approved runs")


def handle(command, *, dry_run=False, propose=False, apply=False, **options) -> None:
    out = command.stdout
    if dry_run:
        found = retention.dry_run()
        for rule, count in found:
            out.write(f"{rule.store.short_code}: {rule} → {count}")
        out.write(f"Dry run: {sum(c for _r, c in found)} clients found; nothing was changed.")
        return
    if propose:
        runs = retention.propose_all()
        for run in runs:
            out.write(f"Run #{run.pk} proposed: {run.candidates} clients ({run.rule}).")
        out.write(f"{len(runs)} runs proposed; each needs a second person's approval.")
        return
    waiting = RetentionRun.objects.filter(state=RunState.PROPOSED).order_by("pk")
    for run in waiting:
        out.write(f"Run #{run.pk} has not been approved by a second person: nothing done.")
    approved = list(RetentionRun.objects.filter(state=RunState.APPROVED).order_by("pk"))
    if not approved and waiting.exists():
        raise ValidationError("No run has been approved by a second person: nothing was changed.")
    for run in approved:
        run = retention.run_apply(run=run)
        out.write(f"Run #{run.pk} applied: {run.anonymised} anonymised, {run.held} on hold.")
    out.write(f"{len(approved)} runs applied.")
