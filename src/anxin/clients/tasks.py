"""The data-quality figures (STO-1), computed in the task queue: on request and nightly."""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from anxin.accounts.models import Store

from . import quality
from .models import QualitySummary

log = logging.getLogger(__name__)


@db_task()
def quality_compute(store_id: int, months: int):
    store = Store.objects.filter(pk=store_id).first()
    if store is not None:
        quality.compute(store=store, months=months)


@db_periodic_task(crontab(hour="2", minute="37"))
def quality_nightly():
    """Every store's figures for the default period, and for each period someone looked at."""
    stores = {s.pk: s for s in Store.objects.filter(active=True)}
    wanted = {(pk, quality.DEFAULT_MONTHS) for pk in stores}
    wanted |= set(QualitySummary.objects.values_list("store_id", "months"))
    for store_id, months in sorted(wanted):
        if store_id in stores:
            quality.compute(store=stores[store_id], months=months)
    log.info("data-quality figures computed: %d", len(wanted))
