"""Scheduled jobs of the appointment book (PLT-2)."""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import services

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*/10"), retries=2, retry_delay=60)
def appointment_reminders():
    sent = services.reminders_send()
    if sent:
        log.info("appointment reminders sent: %d", sent)
