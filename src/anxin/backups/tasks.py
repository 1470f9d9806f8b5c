"""Scheduled jobs (PLT-2): the nightly backup, the monthly restore drill, and the failure hook.

huey runs them (``anxin run_huey``; ``anxin serve`` / ``make run`` starts it next to the web
server). Any task of any app that fails for good — after its retries — puts a notification in
the supervisors' inbox.
"""

import logging

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, signal
from huey.signals import SIGNAL_ERROR, SIGNAL_TIMEOUT

from .models import Backup, Recovery, RecoveryKind, Trigger

log = logging.getLogger(__name__)
RETRY_DELAY = 15 * 60  # seconds: a NAS that is back after a reboot, a disk that was freed


def hour_minute(value: str, name: str) -> tuple[str, str]:
    hour, sep, minute = str(value).partition(":")
    if not sep or not hour.isdigit() or not minute.isdigit():
        raise ImproperlyConfigured(f"{name} must be a time of day such as 02:30, not '{value}'")
    if not (0 <= int(hour) < 24 and 0 <= int(minute) < 60):
        raise ImproperlyConfigured(f"{name} must be a time of day such as 02:30, not '{value}'")
    return str(int(hour)), str(int(minute))


_BACKUP_AT = hour_minute(settings.ANXIN_BACKUP_TIME, "ANXIN_BACKUP_TIME")
_DRILL_AT = hour_minute(settings.ANXIN_DRILL_TIME, "ANXIN_DRILL_TIME")
if not 1 <= settings.ANXIN_DRILL_DAY <= 28:
    raise ImproperlyConfigured("ANXIN_DRILL_DAY must be a day of the month from 1 to 28")


@db_periodic_task(
    crontab(hour=_BACKUP_AT[0], minute=_BACKUP_AT[1]), retries=2, retry_delay=RETRY_DELAY
)
def nightly_backup():
    """STO-4: every night; retried when no destination took it."""
    from . import services

    backup = services.run_backup(trigger=Trigger.SCHEDULE)
    return backup.result


@db_periodic_task(
    crontab(day=str(settings.ANXIN_DRILL_DAY), hour=_DRILL_AT[0], minute=_DRILL_AT[1]),
    retries=1,
    retry_delay=RETRY_DELAY,
)
def monthly_drill():
    """STO-5: once a month the newest backup is restored into a scratch database and checked."""
    from . import services

    return services.run_recovery(kind=RecoveryKind.DRILL, trigger=Trigger.SCHEDULE).result


@db_task(retries=0)
def backup_now(backup_id: int):
    """A backup someone started from the backups page (its record exists already)."""
    from . import services

    backup = Backup.objects.get(pk=backup_id)
    return services.run_backup(backup=backup).result


@db_task(retries=0)
def recovery_now(recovery_id: int, spec: str):
    """A drill or restore someone started from the backups page."""
    from . import services

    recovery = Recovery.objects.get(pk=recovery_id)
    return services.run_recovery(kind=recovery.kind, spec=spec, recovery=recovery).result


@signal(SIGNAL_ERROR, SIGNAL_TIMEOUT)
def report_failure(signal_name, task, exc=None):
    """A task failed and has no retries left: tell the supervisors (every task, every app)."""
    if getattr(task, "retries", 0):
        return  # huey tries again; only the final failure is reported
    try:
        from django.utils.translation import gettext as _

        from .services import alert_supervisors

        what = f"{type(exc).__name__}: {exc}" if exc is not None else signal_name
        alert_supervisors(
            subject=_("Scheduled job %(name)s failed") % {"name": task.name},
            body=what[:1000],
            kind="tasks.failed",
            url="/",
        )
    except Exception:  # the hook must never take the worker down
        log.exception("could not report the failure of task %s", getattr(task, "name", task))
