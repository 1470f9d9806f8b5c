"""Daily sharing job (PRV-3): record the grants whose term ran out and tell their grantors.

The access itself ended at the grant's end (the selectors check the time at every read)."""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import services_sharing

log = logging.getLogger(__name__)


@db_periodic_task(crontab(hour="6", minute="5"))
def privacy_grants_expire():
    ended = services_sharing.grants_mark_expired()
    if ended:
        log.info("sharing grants: %d ended by their term", len(ended))
    return len(ended)
