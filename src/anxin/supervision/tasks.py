"""Periodic jobs: remind of overdue rectifications (hourly; once a day per finding) and compute
the KPIs nightly (the month so far, and on the first days the month before)."""

import logging

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="25"))
def supervision_overdue_reminders():
    from .services.audits import overdue_reminders

    reminded = overdue_reminders()
    if reminded:
        log.info("supervision: %d overdue rectification reminders", len(reminded))
    return len(reminded)


@db_periodic_task(crontab(minute="40", hour="2"))
def supervision_kpis_nightly():
    import datetime as dt

    from anxin.accounts.models import Store

    from .kpis import compute

    today = timezone.localdate()
    months = [today.replace(day=1)]
    if today.day <= 3:
        months.append((today.replace(day=1) - dt.timedelta(days=1)).replace(day=1))
    done = 0
    for store in Store.objects.filter(active=True):
        for month in months:
            compute(store=store, month=month)
            done += 1
    return done
