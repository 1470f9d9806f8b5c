"""Scheduled upkeep of the database (PLT-2)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .db import update_statistics


@db_periodic_task(crontab(minute="23"))
def database_statistics():
    """Hourly: planner statistics kept current as the tables grow (a sample, not every row)."""
    update_statistics(full=False)
