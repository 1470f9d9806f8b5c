"""The monthly retention proposal (STO-6): it counts and proposes; a person approves."""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from anxin.accounts.permissions import MANAGE_RETENTION

log = logging.getLogger(__name__)


@db_periodic_task(crontab(day="1", hour="3", minute="17"))
def retention_monthly():
    from django.utils.translation import gettext as _

    from anxin.notifications.services import notify_holders

    from .retention import propose_all

    runs = propose_all()
    for run in runs:
        notify_holders(
            store=run.store,
            permission=MANAGE_RETENTION,
            subject=_("A retention run waits for approval: %(n)s clients") % {"n": run.candidates},
            url=f"/privacy/retention/runs/{run.pk}/",
            kind="privacy.retention_proposed",
        )
    log.info("retention runs proposed: %d", len(runs))


@db_task()
def retention_apply(run_id: int):
    """An approved run, applied on the worker: thousands of clients take longer than a page."""
    from .models import RetentionRun, RunState
    from .retention import run_apply

    run = RetentionRun.objects.filter(pk=run_id, state=RunState.APPROVED).first()
    if run is not None:
        run = run_apply(run=run)
        log.info("retention run %d applied: %d anonymised", run.pk, run.anonymised)
