"""Scheduled audit jobs (PLT-2): anomaly scan every five minutes; nightly verify and purge."""

import datetime as dt
import logging

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import chain, rules, services
from .models import AlertRule

log = logging.getLogger(__name__)

# Each scan looks back this far: overlapping scans are harmless (scan() is idempotent),
# and an hour's margin covers a consumer that was down for a while.
SCAN_LOOKBACK = dt.timedelta(hours=1)


@db_periodic_task(crontab(minute="*/5"))
def audit_scan():
    created = rules.scan(since=timezone.now() - SCAN_LOOKBACK)
    if created:
        log.info("audit scan: %d new alerts", len(created))


@db_periodic_task(crontab(hour="3", minute="17"))
def audit_verify():
    """Verify both chains (and checkpoint them); a failure becomes an alert for the supervisor."""
    verify_and_alert()


@db_periodic_task(crontab(hour="3", minute="47"))
def audit_purge():
    """The retention run (AUD-2): entries past ANXIN_AUDIT_RETENTION_DAYS go, provably."""
    try:
        deleted = services.purge()
    except services.PurgeRefused as exc:  # the nightly verification has raised the alert
        log.error("audit purge refused: %s", exc)
        return None
    if any(deleted.values()):
        log.info("audit purge: %s", deleted)
    return deleted


def verify_and_alert() -> chain.Report:
    report = chain.verify()
    if not report.ok:
        problem = report.problems[0]
        log.error("audit verify failed: %s", problem)
        now = timezone.now()
        rules._create(
            f"integrity:{problem.log}:{problem.seq}:{problem.what[:60]}",
            rule=AlertRule.INTEGRITY,
            window_start=now,
            occurred_at=now,
            raised_at=now,
            facts={"problem": str(problem), "problems": len(report.problems)},
        )
    return report
