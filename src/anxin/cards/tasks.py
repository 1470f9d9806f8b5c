"""Card expiry and its reminders (daily), the liability check (monthly), in the task queue."""

import datetime as dt
import logging

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

log = logging.getLogger(__name__)


@db_periodic_task(crontab(hour="1", minute="17"))
def cards_daily():
    from . import services

    expired = services.cards_expire()
    reminded = services.expiry_reminders()
    log.info("cards: %d expired, %d expiry reminders", expired, reminded)


@db_periodic_task(crontab(day="1", hour="3", minute="23"))
def liability_monthly():
    """Reconcile last month's card liability of every store; a mismatch is an alert."""
    from anxin.accounts.models import Store

    from . import selectors, services
    from .month_ends import month_ends_write

    today = timezone.localdate()
    last = today.replace(day=1) - dt.timedelta(days=1)
    for store in Store.objects.filter(active=True):
        month_ends_write(store=store)
        lines = selectors.liability_lines(store=store, year=last.year, months=last.month)
        services.liability_alert(store=store, lines=lines[-1:])
