"""``anxin kpi_compute [--month 2026-11] [--store BJ01]``: compute the monthly KPIs (AUD-6)."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from anxin.accounts.models import Store
from anxin.supervision.kpis import compute


class Command(BaseCommand):
    help = "Compute the information-management KPIs of a month (default: this month)."

    def add_arguments(self, parser):
        parser.add_argument("--month", help="year-month, e.g. 2026-11")
        parser.add_argument("--store", help="the store's short code (default: every open store)")

    def handle(self, *args, month=None, store=None, **options):
        if month:
            try:
                year, mon = (int(p) for p in month.split("-"))
                first = dt.date(year, mon, 1)
            except ValueError:
                raise CommandError("Give the month as year-month, e.g. 2026-11.") from None
        else:
            first = timezone.localdate().replace(day=1)
        stores = Store.objects.filter(active=True)
        if store:
            stores = stores.filter(short_code=store)
            if not stores.exists():
                raise CommandError(f"No open store with the code {store}.")
        for s in stores:
            rows = compute(store=s, month=first)
            self.stdout.write(f"{s.short_code} {first:%Y-%m}: {len(rows)} rows")
