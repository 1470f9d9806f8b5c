"""Month-end card balances (the liability check's second path) and the whole-ledger reconcile.

When a month has ended, each card's running balance at its end (the ``balance_after`` of its
last ledger row before the end) is written once per card holding something (``CardMonthEnd``,
under one ``CardMonthClose`` per store and month). The liability report's check then sums one
row per card instead of reading the year's ledger; it stays independent of the report's monthly
sums (which add up ``amount``). A row added to an ended month later (a backdated or forged row)
changes the sums but not the month's end: the check no longer matches, and that is the alert.
Written lazily (by the report, the monthly task or ``anxin cards reconcile``), oldest first.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F, Min, Sum, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from .models import Card, CardMonthClose, CardMonthEnd, CardMovement

ZERO = Decimal("0.00")
CENT = Decimal("0.01")


def month_start(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, 1, tzinfo=timezone.get_current_timezone())


def next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def previous_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def _last_rows(qs) -> list[tuple[int, Decimal, int, int]]:
    """(card, balance_after, sessions_after, seq) of each card's last row in ``qs``."""
    return list(
        qs.order_by()  # no default ordering: it would join the cards to sort by their date
        .annotate(rn=Window(RowNumber(), partition_by=[F("card_id")], order_by=F("seq").desc()))
        .filter(rn=1)
        .values_list("card_id", "balance_after", "sessions_after", "seq")
    )


def month_end_rows(*, store, month: dt.date) -> dict[int, tuple[Decimal, int, int]]:
    """The month-end balances kept for ``month`` (card -> (balance, sessions, last seq))."""
    return {
        card: (balance, sessions, seq)
        for card, balance, sessions, seq in CardMonthEnd.objects.filter(
            store=store, month=month
        ).values_list("card_id", "balance", "sessions", "last_seq")
    }


def closed_months(*, store) -> set[dt.date]:
    return set(CardMonthClose.objects.filter(store=store).values_list("month", flat=True))


def _unbroken(done: set[dt.date], *, until: dt.date) -> bool:
    """Whether ``done`` holds every month from its first to ``until`` (months are written
    oldest first, from the ledger's first month: then nothing is left to write)."""
    month = min(done)
    while month <= until:
        if month not in done:
            return False
        month = next_month(month)
    return True


def month_ends_write(*, store, now=None) -> int:
    """Write the month-end balances of every ended month of ``store`` not written yet, oldest
    first; returns how many months were written. Each month is one transaction; a month
    written meanwhile by another process is left as it is (written once)."""
    now = now or timezone.now()
    this_month = timezone.localdate(now).replace(day=1)
    done = closed_months(store=store)
    if done and _unbroken(done, until=previous_month(this_month)):
        return 0  # every month from the first kept one to the last ended one is kept
    first_at = CardMovement.objects.filter(store=store).aggregate(first=Min("at"))["first"]
    if first_at is None:
        return 0
    month = timezone.localtime(first_at).date().replace(day=1)
    balances: dict[int, tuple[Decimal, int, int]] | None = None
    written = 0
    while month < this_month:
        if month in done:
            balances = None  # read from the kept rows when the next month needs them
            month = next_month(month)
            continue
        if balances is None:
            before = previous_month(month)
            if before in done:
                balances = month_end_rows(store=store, month=before)
            else:
                rows = CardMovement.objects.filter(store=store, at__lt=month_start(month))
                balances = {card: (b, s, seq) for card, b, s, seq in _last_rows(rows)}
        start, end = month_start(month), month_start(next_month(month))
        rows = CardMovement.objects.filter(store=store, at__gte=start, at__lt=end)
        for card, balance, sessions, seq in _last_rows(rows):
            balances[card] = (balance, sessions, seq)
        kept = {c: v for c, v in balances.items() if v[0] or v[1]}
        try:
            with transaction.atomic():
                close = CardMonthClose.objects.create(
                    store=store,
                    month=month,
                    cards=len(kept),
                    total=sum((v[0] for v in kept.values()), ZERO),
                    written_at=now,
                )
                CardMonthEnd.objects.bulk_create(
                    [
                        CardMonthEnd(
                            close=close,
                            store=store,
                            month=month,
                            card_id=card,
                            balance=balance,
                            sessions=sessions,
                            last_seq=seq,
                        )
                        for card, (balance, sessions, seq) in kept.items()
                    ],
                    batch_size=500,
                )
            written += 1
        except IntegrityError:
            balances = None
        month = next_month(month)
    return written


def kept_totals(*, store, now=None) -> dict[dt.date, Decimal]:
    """Each kept month's total of the cards' running balances, after writing the ended months
    not kept yet (one query when none is missing)."""
    now = now or timezone.now()
    totals = dict(
        CardMonthClose.objects.filter(store=store).order_by().values_list("month", "total")
    )
    last_ended = previous_month(timezone.localdate(now).replace(day=1))
    if totals and _unbroken(set(totals), until=last_ended):
        return totals
    if month_ends_write(store=store, now=now):
        totals = dict(
            CardMonthClose.objects.filter(store=store).order_by().values_list("month", "total")
        )
    return totals


def ledger_closings(
    *, store, start: dt.datetime, end: dt.datetime, totals: dict | None = None
) -> dict[dt.date, Decimal]:
    """The liability at each month's end as the cards' running balances say it (independent of
    the report's monthly sums). A month whose end was written is its close's total (the sum of
    its one row per card); a month after the last written one (the current month) is the
    previous month's kept total with the cards its own ledger rows touched put at their new
    running balance — two small queries, however long the ledger. ``totals``: the kept months'
    totals, when the caller has them (``kept_totals``)."""
    first, stop = timezone.localtime(start).date(), timezone.localtime(end).date()
    if totals is None:
        totals = dict(
            CardMonthClose.objects.filter(store=store, month__lt=stop)
            .order_by()
            .values_list("month", "total")
        )
    out: dict[dt.date, Decimal] = {}
    balances: dict[int, Decimal] | None = None
    month = first
    while month < stop:
        if month in totals:
            out[month] = totals[month].quantize(CENT)
            balances = None
            month = next_month(month)
            continue
        month_rows = CardMovement.objects.filter(
            store=store, at__gte=month_start(month), at__lt=month_start(next_month(month))
        )
        touched = {card: b for card, b, _s, _q in _last_rows(month_rows)}
        before = previous_month(month)
        if balances is None and before in totals:
            kept = CardMonthEnd.objects.filter(
                store=store, month=before, card_id__in=month_rows.order_by().values("card_id")
            )
            left = kept.aggregate(t=Sum("balance"))["t"] or ZERO
            out[month] = (totals[before] - left + sum(touched.values(), ZERO)).quantize(CENT)
            balances = None
            month = next_month(month)
            continue
        if balances is None:
            rows = CardMovement.objects.filter(store=store, at__lt=month_start(month))
            balances = {card: b for card, b, _s, _q in _last_rows(rows)}
        balances.update(touched)
        out[month] = sum(balances.values(), ZERO).quantize(CENT)
        month = next_month(month)
    return out


# -- the whole ledger, card by card --------------------------------------------------------


@dataclass
class Reconciliation:
    cards: int = 0
    rows: int = 0
    months: int = 0
    month_end_rows: int = 0
    balance: Decimal = ZERO
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def reconcile_store(*, store, now=None) -> Reconciliation:
    """Every card of ``store``: its rows numbered 1, 2, … without a gap, each running balance
    the previous one plus the row's amount (never negative), its balance (the ledger's sum)
    equal to its last running balance, and every kept month-end balance equal to the ledger's
    sum up to that month's end. Reads the ledger once, in order."""
    result = Reconciliation()
    ends: dict[tuple[int, dt.date], tuple[Decimal, int]] = {
        (card, month): (balance, sessions)
        for card, month, balance, sessions in CardMonthEnd.objects.filter(store=store).values_list(
            "card_id", "month", "balance", "sessions"
        )
    }
    result.months = CardMonthClose.objects.filter(store=store).count()
    result.month_end_rows = len(ends)
    numbers = dict(Card.objects.filter(store=store).values_list("pk", "number"))
    result.cards = len(numbers)
    seen_ends: set[tuple[int, dt.date]] = set()
    closed = sorted(closed_months(store=store))

    def check_month_ends(card, balance, sessions, upto: dt.date | None):
        """Compare the card's kept month ends of the months before ``upto`` (all if None)."""
        for month in closed:
            if upto is not None and next_month(month) > upto:
                break
            if (card, month) in seen_ends:
                continue
            seen_ends.add((card, month))
            kept = ends.get((card, month), (ZERO, 0))
            if kept != (balance, sessions):
                result.problems.append(
                    f"card {numbers[card]}: kept balance at the end of {month:%Y-%m} is "
                    f"{kept[0]} ({kept[1]} sessions), the ledger says {balance} ({sessions})"
                )

    rows = (
        CardMovement.objects.filter(store=store)
        .order_by("card_id", "seq")
        .values_list(
            "card_id", "seq", "at", "amount", "sessions", "balance_after", "sessions_after"
        )
    )
    card = None
    balance, sessions, last_seq = ZERO, 0, 0
    for card_id, seq, at, amount, moved, balance_after, sessions_after in rows.iterator(2000):
        if card_id != card:
            if card is not None:
                check_month_ends(card, balance, sessions, None)
                result.balance += balance
            card, balance, sessions, last_seq = card_id, ZERO, 0, 0
        result.rows += 1
        check_month_ends(card, balance, sessions, timezone.localtime(at).date())
        balance, sessions = balance + amount, sessions + moved
        if seq != last_seq + 1:
            result.problems.append(f"card {numbers[card]}: line {seq} follows line {last_seq}")
        last_seq = seq
        if (balance_after, sessions_after) != (balance, sessions) or balance < 0:
            result.problems.append(
                f"card {numbers[card]}: line {seq} says {balance_after} ({sessions_after} "
                f"sessions) after it, the sum of the ledger is {balance} ({sessions})"
            )
            balance, sessions = balance_after, sessions_after
    if card is not None:
        check_month_ends(card, balance, sessions, None)
        result.balance += balance
    stray = {key for key in ends if key not in seen_ends}
    for card_id, month in sorted(stray):
        result.problems.append(
            f"card {numbers.get(card_id, card_id)}: a balance is kept for {month:%Y-%m} "
            "but the card has no ledger row before that month's end"
        )
    result.balance = result.balance.quantize(CENT)
    return result
