"""Demo data for commissions: the default rules, practitioners' levels, the commissions of
every paid service and of the cards sold, and the past months closed for payroll.

``demo_rules`` runs before the till's demo, so the bills paid through checkout's own steps earn
their commissions on the real path. ``demo_commissions`` then computes, in bulk, the
commissions of the history the till wrote in bulk (store scale: three years), with the same rule
book and the same running monthly volumes as the real path, one prepared INSERT per batch.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from decimal import Decimal

from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from anxin.core.marks import store_changed
from anxin.delivery.demo import _insert, stamp
from anxin.staff.models import PractitionerLevel, StaffMember

from .models import Commission, MonthClose, Rule
from .rules import ZERO, RuleBook, basis_of, commission_on
from .services import month_of, next_month, open_month

BATCH = 5_000
# 点钟 15%, 轮钟 10%, card sales 3%; from 30,000 yuan of services in a month 点钟 pays 18%;
# a master (特级) practitioner's 点钟 pays 20%.
DEFAULT_RULES = [
    ("requested", "percent", "15", "", "0"),
    ("rotation", "percent", "10", "", "0"),
    ("card_sale", "percent", "3", "", "0"),
    ("requested", "percent", "18", "", "30000"),
    ("requested", "percent", "20", PractitionerLevel.MASTER, "0"),
]
LEVELS = [PractitionerLevel.JUNIOR, PractitionerLevel.INTERMEDIATE, PractitionerLevel.SENIOR]


def demo_rules(*, rnd, store, since: dt.date) -> list[Rule]:
    from anxin.catalogue.demo import holder

    manager = holder(store, "store_manager")
    if manager is None:
        return []
    rules = Rule.objects.bulk_create(
        [
            Rule(
                store=store,
                basis=basis,
                mode=mode,
                rate=Decimal(rate),
                level=level,
                min_volume=Decimal(volume),
                effective_from=since,
                note="默认提成规则",
                created_by=manager,
            )
            for basis, mode, rate, level, volume in DEFAULT_RULES
        ]
    )
    members = list(StaffMember.objects.filter(store=store, kind="practitioner").order_by("pk"))
    for i, member in enumerate(members):
        member.level = PractitionerLevel.MASTER if i == 0 else rnd.choice(LEVELS)
    StaffMember.objects.bulk_update(members, ["level"])
    store_changed(store)  # each server process reads the rule book again
    return rules


COLUMNS = (
    "store_id",
    "practitioner_id",
    "month",
    "at",
    "basis",
    "description",
    "base",
    "rule_id",
    "amount",
    "bill_line_id",
    "card_movement_id",
    "refund_of_id",
    "adjustment",
)


def _lines(store):
    from anxin.till.models import BillLine

    return (
        BillLine.objects.filter(
            bill__store=store,
            kind="service",
            practitioner__isnull=False,
            refund_of_line__isnull=True,
            amount__gt=0,
            commission__isnull=True,
        )
        .order_by("bill__paid_at", "pk")
        .values_list(
            "pk",
            "practitioner_id",
            "item_id",
            "item__category_id",
            "clock_type",
            "amount",
            "quantity",
            "description",
            "bill__paid_at",
        )
    )


def _service_commissions(store, book, levels, closed, sqlite) -> int:
    volumes: dict[tuple[int, dt.date], Decimal] = defaultdict(lambda: ZERO)
    made, batch = 0, []
    for pk, who, item_id, category_id, clock, amount, qty, name, paid_at in _lines(store).iterator(
        chunk_size=BATCH
    ):
        local = timezone.localtime(paid_at)
        day = local.date()
        key = (who, month_of(day))
        volume = volumes[key]
        volumes[key] = volume + amount
        rule = book.find(
            basis=basis_of(clock),
            day=day,
            item_id=item_id,
            category_id=category_id,
            level=levels.get(who, ""),
            volume=volume,
        )
        if rule is None:
            continue
        commission = commission_on(rule, amount, qty)
        if not commission:
            continue
        batch.append(
            (
                store.pk,
                who,
                open_month(store, day, closed),
                stamp(paid_at, sqlite),
                rule.basis,
                name[:80],
                amount,
                rule.pk,
                commission,
                pk,
                None,
                None,
                False,
            )
        )
        if len(batch) >= BATCH:
            _insert(COLUMNS, Commission, batch)
            made += len(batch)
            batch = []
    _insert(COLUMNS, Commission, batch)
    return made + len(batch)


def _card_commissions(rnd, store, book, levels, closed, sqlite, sellers) -> int:
    """Cards sold and topped up: about four in ten by a practitioner, who earns on it."""
    from django.apps import apps

    if not apps.is_installed("anxin.cards") or not sellers:
        return 0
    from anxin.cards.models import CardMovement

    done = set(
        Commission.objects.filter(store=store, card_movement_id__isnull=False).values_list(
            "card_movement_id", flat=True
        )
    )
    rows = []
    for pk, at, cash, type_name in (
        CardMovement.objects.filter(store=store, kind="top_up", cash__gt=0)
        .order_by("at", "pk")
        .values_list("pk", "at", "cash", "card__card_type__name")
        .iterator(chunk_size=BATCH)
    ):
        if pk in done or rnd.random() >= 0.4:
            continue
        who = rnd.choice(sellers)
        day = timezone.localtime(at).date()
        rule = book.find(basis="card_sale", day=day, level=levels.get(who, ""))
        if rule is None:
            continue
        commission = commission_on(rule, cash)
        if commission:
            rows.append(
                (
                    store.pk,
                    who,
                    open_month(store, day, closed),
                    stamp(at, sqlite),
                    "card_sale",
                    type_name[:80],
                    cash,
                    rule.pk,
                    commission,
                    None,
                    pk,
                    None,
                    False,
                )
            )
    _insert(COLUMNS, Commission, rows)
    return len(rows)


def _close_months(store, manager, *, until: dt.date) -> int:
    """Every month with commissions before ``until`` closed for payroll (on its next 5th)."""
    totals = dict(
        Commission.objects.filter(store=store, month__lt=until)
        .values_list("month")
        .annotate(total=Sum("amount"))
        .values_list("month", "total")
    )
    done = set(MonthClose.objects.filter(store=store).values_list("month", flat=True))
    closes = [
        MonthClose(
            store=store,
            month=month,
            total=total or ZERO,
            closed_by=manager,
            closed_at=timezone.make_aware(
                dt.datetime.combine(next_month(month).replace(day=5), dt.time(10))
            ),
        )
        for month, total in sorted(totals.items())
        if month not in done
    ]
    MonthClose.objects.bulk_create(closes)
    store_changed(store)
    return len(closes)


def demo_commissions(*, rnd, store, scale: str) -> dict:
    """The commissions of every paid service and card sale not yet commissioned; the months
    before last month closed."""
    from anxin.catalogue.demo import holder
    from anxin.delivery.services import practitioners_of

    started = time.perf_counter()
    manager = holder(store, "store_manager")
    book = RuleBook.of(store)
    if manager is None or not book.versions:
        return {"commissions": 0, "closed": 0, "seconds": 0.0}
    sqlite = connection.vendor == "sqlite"
    levels = dict(
        StaffMember.objects.filter(store=store, user__isnull=False).values_list("user_id", "level")
    )
    sellers = sorted(practitioners_of(store).values_list("pk", flat=True))
    closed: set[dt.date] = set()
    made = _service_commissions(store, book, levels, closed, sqlite)
    made += _card_commissions(rnd, store, book, levels, closed, sqlite, sellers)
    last_month = month_of(month_of(timezone.localdate()) - dt.timedelta(days=1))
    closes = _close_months(store, manager, until=last_month)
    return {
        "commissions": made,
        "closed": closes,
        "seconds": round(time.perf_counter() - started, 2),
    }
