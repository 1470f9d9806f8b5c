"""Hourly incident job (PRV-7): remind the information officer of a regulator report that is
due soon (``ANXIN_PRIVACY_REMIND_HOURS`` before the deadline) and not yet made."""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import services_incidents

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="12"))
def privacy_regulator_reminders():
    reminded = services_incidents.regulator_reminders()
    if reminded:
        log.info("incidents: %d regulator report reminders", len(reminded))
    return len(reminded)
