"""Membership cards (POS-2): 20 concurrent payments from one card, and the liability report.

In a throw-away data directory: migrate, small demo data, then the store scale's 2,000 cards
with three years of top-ups, bonus, consumption, refunds and expiry (``cards.demo``).

1. Concurrency: a stored-value card holding 500 yuan, 20 threads (each with its own database
   connection) pay 100 yuan at once. Exactly 5 must succeed, 15 be refused, the balance end at
   0.00 and no running balance go below zero (exit 1 otherwise).
2. The monthly card-liability report of each of the three years (``selectors.liability_lines``:
   the flows by month and kind, and the reconciliation with the cards' running balances) against
   one hand-written SQL statement that aggregates the same monthly flows and opening balance.
   The first (untimed) pass also writes the ended months' month-end balances (once, as the
   report does lazily); the timed check then reads one row per card and month.
   Both must agree on every month's closing balance (exit 1 otherwise); every month must
   reconcile. Alternating runs (A B B A …); median times and the ratio.

Target: the report within 2x of the hand-written SQL. With DATABASE_URL (PostgreSQL) the same
runs on a throw-away database on that server.
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
    with throwaway_environment("cards") as env:
        started = django_in(env, "membership cards benchmark")
        from anxin.core.management.commands.demo import load_demo

        load_demo(scale="small", seed=1)
        from anxin.accounts.models import Store
        from anxin.cards.demo import demo_cards
        from anxin.cards.models import Card, CardMovement
        from anxin.catalogue.models import ServiceItem
        from anxin.core.demo import DemoRandom

        store = Store.objects.order_by("pk").first()
        demo_started = time.perf_counter()
        demo_cards(
            rnd=DemoRandom(7),
            store=store,
            items=list(ServiceItem.objects.filter(store=store)),
            scale="store",
        )
        print(
            f"data ready after {time.perf_counter() - started:.1f} s "
            f"(store-scale cards in {time.perf_counter() - demo_started:.1f} s): "
            f"{Card.objects.filter(store=store).count()} cards, "
            f"{CardMovement.objects.filter(store=store).count()} ledger rows"
        )
        ok = race_check(store)
        ok = measure(store, repeats) and ok
        return 0 if ok else 1


def race_check(store) -> bool:
    from anxin.cards.concurrency import race
    from anxin.cards.models import CardType
    from anxin.cards.services import card_issue
    from anxin.catalogue.demo import holder
    from anxin.clients.models import Client

    cashier = holder(store, "front_desk")
    client = Client.objects.filter(store=store, general_consent=True).first()
    card_type = CardType.objects.filter(store=store, kind="stored_value").first()
    from anxin.cards.services import card_top_up

    # 450 paid and 50 more: below the 500 bonus rule each time, so exactly 500.00 on the card.
    card = card_issue(
        actor=cashier, store=store, client=client, card_type=card_type, paid=Decimal("450")
    )

    card_top_up(actor=cashier, store=store, card=card, paid=Decimal("50"))
    result = race(card=card, client=client, store=store, user=cashier, amount=Decimal("100"))
    good = (
        result.succeeded == 5
        and result.refused == 15
        and not result.errors
        and result.balance == Decimal("0.00")
        and result.lowest_balance_after >= 0
    )
    print(
        f"RESULT cards-race: 20 concurrent payments of 100.00 from a card holding 500.00: "
        f"{result.succeeded} succeeded, {result.refused} refused, {len(result.errors)} errors, "
        f"final balance {result.balance}, lowest running balance {result.lowest_balance_after}, "
        f"{result.seconds:.2f} s ({'exactly 5, never negative' if good else 'WRONG'})"
    )
    for error in result.errors[:3]:
        print(f"  error: {error}")
    return good


def hand_sql(store_id: int, year: int):
    """One statement: the opening balance and each month's flows by kind of ``year``."""
    from django.db import connection

    if connection.vendor == "postgresql":
        month = "to_char(at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM')"
        start, end = f"'{year}-01-01 00:00:00+08'", f"'{year + 1}-01-01 00:00:00+08'"
    else:
        month = "strftime('%%Y-%%m', at, '+8 hours')"
        start = f"'{year - 1}-12-31 16:00:00'"
        end = f"'{year}-12-31 16:00:00'"
    sql = f"""
        SELECT CASE WHEN at < {start} THEN 'opening' ELSE {month} END AS m, kind, SUM(amount)
        FROM cards_cardmovement
        WHERE store_id = %s AND at < {end}
        GROUP BY 1, 2
    """  # noqa: S608 - figures only, no input
    with connection.cursor() as cursor:
        cursor.execute(sql, [store_id])
        rows = cursor.fetchall()
    opening = sum((Decimal(str(t)) for m, _k, t in rows if m == "opening"), Decimal("0"))
    months: dict[str, Decimal] = {}
    for m, _kind, total in rows:
        if m != "opening":
            months[m] = months.get(m, Decimal("0")) + Decimal(str(total))
    closing, out = opening, {}
    for m in sorted(months):
        closing += months[m]
        out[m] = closing.quantize(Decimal("0.01"))
    return out


def measure(store, repeats: int) -> bool:
    from django.utils import timezone

    from anxin.cards.selectors import liability_lines

    this_year = timezone.localdate().year
    years = [this_year - 2, this_year - 1, this_year]
    agree, reconciled = True, True
    for year in years:  # correctness first, untimed
        lines = liability_lines(store=store, year=year)
        reconciled = reconciled and all(line.reconciled for line in lines)
        by_month = {f"{line.month:%Y-%m}": line.closing for line in lines}
        for m, value in hand_sql(store.pk, year).items():
            if by_month.get(m) != value:
                agree = False
                print(f"  {m}: report {by_month.get(m)} vs SQL {value}")
    report_times, flows_times, sql_times = [], [], []
    for n in range(repeats):
        order = ("report", "flows", "sql") if n % 2 == 0 else ("sql", "flows", "report")
        for which in order:
            for year in years:
                began = time.perf_counter()
                if which == "report":
                    liability_lines(store=store, year=year)
                    report_times.append(time.perf_counter() - began)
                elif which == "flows":
                    liability_lines(store=store, year=year, reconcile=False)
                    flows_times.append(time.perf_counter() - began)
                else:
                    hand_sql(store.pk, year)
                    sql_times.append(time.perf_counter() - began)
    report = statistics.median(report_times) * 1000
    flows = statistics.median(flows_times) * 1000
    sql = statistics.median(sql_times) * 1000
    ratio = report / sql if sql else float("inf")
    flows_ratio = flows / sql if sql else float("inf")
    print(
        table(
            ["", "median ms (one year)", "best ms"],
            [
                ["liability report", f"{report:.1f}", f"{min(report_times) * 1000:.1f}"],
                ["  without the check", f"{flows:.1f}", f"{min(flows_times) * 1000:.1f}"],
                ["hand-written SQL", f"{sql:.1f}", f"{min(sql_times) * 1000:.1f}"],
            ],
        )
    )
    met = "met" if ratio <= TARGET else "NOT met"
    flows_met = "met" if flows_ratio <= TARGET else "NOT met"
    print(
        f"RESULT cards-liability: report {report:.1f} ms vs hand-written SQL {sql:.1f} ms per "
        f"year ({len(report_times)} runs each), ratio {ratio:.2f} (target <= {TARGET}, {met}); "
        f"monthly sums alone {flows:.1f} ms, ratio {flows_ratio:.2f} ({flows_met}); "
        f"closing balances agree: {'yes' if agree else 'NO'}; every month reconciles with the "
        f"ledger: {'yes' if reconciled else 'NO'}"
    )
    return agree and reconciled


if __name__ == "__main__":
    sys.exit(main())
