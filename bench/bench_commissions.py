"""Commissions (POS-3): a month's commissions of 60 practitioners on store-scale data.

In a throw-away data directory: migrate and ``demo --scale store`` (three years of paid bills,
2,000 cards, 60 practitioners), whose last step computes every commission in bulk; its time is
printed (what commissions add to the store demo).

Then, for each of the last 12 months, the commissions page's aggregate
(``commissions.selectors.month_totals``: per practitioner, 点钟 / 轮钟 / card sales /
adjustments and the count, turned into rows) against one hand-written SQL statement grouping
the same month by practitioner. Both must agree on every practitioner's total (exit 1
otherwise). Alternating runs (A B B A …); median times and the ratio.

Target: the page's aggregate within 2x of the hand-written SQL. With DATABASE_URL (PostgreSQL)
the same runs on a throw-away database on that server.
"""

from __future__ import annotations

import signal
import statistics
import sys
import time
from decimal import Decimal

from _common import django_in, parse_args, table, throwaway_environment

TARGET = 2.0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(
        __doc__.splitlines()[0],
        argv,
        repeats=dict(type=int, default=None, help="timed runs of each (default 10, quick 3)"),
    )
    repeats = args.repeats or (3 if args.quick else 10)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with throwaway_environment("commissions") as env:
        started = django_in(env, "commissions benchmark")
        import anxin.commissions.demo as commission_demo
        from anxin.core.management.commands.demo import load_demo

        timed = {}
        real = commission_demo.demo_commissions

        def demo_commissions(**kwargs):
            timed.update(real(**kwargs))
            return timed

        commission_demo.demo_commissions = demo_commissions
        load_demo(scale="store", seed=1)
        from anxin.accounts.models import Store
        from anxin.commissions.models import Commission
        from anxin.till.models import BillLine

        store = Store.objects.order_by("pk").first()
        print(
            f"data ready after {time.perf_counter() - started:.1f} s: "
            f"{BillLine.objects.filter(bill__store=store).count()} bill lines, "
            f"{Commission.objects.filter(store=store).count()} commissions "
            f"({timed.get('commissions')} computed in bulk in {timed.get('seconds')} s, "
            f"{timed.get('closed')} months closed)"
        )
        return 0 if measure(store, repeats, timed) else 1


def hand_sql(store_id: int, month) -> dict[int, Decimal]:
    from django.db import connection

    sql = """
        SELECT practitioner_id,
               SUM(CASE WHEN basis = 'requested' THEN amount ELSE 0 END),
               SUM(CASE WHEN basis = 'rotation' THEN amount ELSE 0 END),
               SUM(CASE WHEN basis = 'card_sale' THEN amount ELSE 0 END),
               SUM(CASE WHEN adjustment THEN amount ELSE 0 END),
               COUNT(*)
        FROM commissions_commission
        WHERE store_id = %s AND month = %s
        GROUP BY practitioner_id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [store_id, month])
        rows = cursor.fetchall()
    return {
        pk: sum((Decimal(str(x)) for x in (a, b, c)), Decimal("0")).quantize(Decimal("0.01"))
        for pk, a, b, c, _adj, _n in rows
    }


def months_back(n: int):
    import datetime as dt

    from django.utils import timezone

    month = timezone.localdate().replace(day=1)
    out = []
    for _ in range(n):
        month = (month - dt.timedelta(days=1)).replace(day=1)
        out.append(month)
    return out


def measure(store, repeats: int, timed: dict) -> bool:
    from anxin.commissions.selectors import month_totals

    months = months_back(12)
    agree, people = True, 0
    for month in months:  # correctness first, untimed
        ours = {pk: t.total for pk, t in month_totals(store=store, month=month).items()}
        theirs = hand_sql(store.pk, month)
        people = max(people, len(ours))
        if ours != theirs:
            agree = False
            print(f"  {month:%Y-%m}: page and SQL differ")
    page_times, sql_times = [], []
    for n in range(repeats):
        order = ("page", "sql") if n % 2 == 0 else ("sql", "page")
        for which in order:
            for month in months:
                began = time.perf_counter()
                if which == "page":
                    month_totals(store=store, month=month)
                    page_times.append(time.perf_counter() - began)
                else:
                    hand_sql(store.pk, month)
                    sql_times.append(time.perf_counter() - began)
    page = statistics.median(page_times) * 1000
    sql = statistics.median(sql_times) * 1000
    ratio = page / sql if sql else float("inf")
    print(
        table(
            ["", "median ms (one month)", "best ms"],
            [
                ["commissions page aggregate", f"{page:.2f}", f"{min(page_times) * 1000:.2f}"],
                ["hand-written SQL", f"{sql:.2f}", f"{min(sql_times) * 1000:.2f}"],
            ],
        )
    )
    met = "met" if ratio <= TARGET else "NOT met"
    print(
        f"RESULT commissions: month of {people} practitioners {page:.2f} ms vs hand-written SQL "
        f"{sql:.2f} ms ({len(page_times)} runs each), ratio {ratio:.2f} (target <= {TARGET}, "
        f"{met}); totals agree: {'yes' if agree else 'NO'}; demo commissions computed in "
        f"{timed.get('seconds')} s ({timed.get('commissions')} rows)"
    )
    return agree


if __name__ == "__main__":
    sys.exit(main())
