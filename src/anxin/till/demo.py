"""Demo data for the till: products with stock, and the services paid through checkout.

Small scale: the last few days' services are paid through ``bill_pay`` (the real path, with
its audit entries), some with a product, and the past days closed. Store scale: every
service before today becomes a paid bill — written in batches with one prepared INSERT each,
like the services themselves (demo history, no per-row audit) — plus 40 products with their
stock and the last days' product sales through ``bill_pay``. The bulk bills are paid by cash,
e-payment or voucher, and by membership card where the cards demo chose a holder's visit
(``bulk_visits`` → ``anxin.cards.demo``): a card payment whose ledger row names the bill, as
checkout writes them. Today's services stay unpaid, waiting at the till.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from anxin.clients.models import ServiceRecord
from anxin.delivery.demo import _insert, _max_id, stamp

from . import cards_bridge, services
from .models import Bill, BillLine, MovementKind, Payment, Product, StockMovement

PRODUCTS = [
    ("玫瑰精油", "瓶", "98.00", "35.00"),
    ("薰衣草精油", "瓶", "88.00", "30.00"),
    ("艾草贴", "盒", "39.00", "12.00"),
    ("足浴包", "袋", "25.00", "8.00"),
    ("护肤套装", "套", "268.00", "110.00"),
    ("按摩膏", "支", "45.00", "15.00"),
    ("颈椎枕", "个", "168.00", "70.00"),
    ("养生茶", "盒", "58.00", "20.00"),
]
PRODUCT_COUNTS = {"small": 8, "store": 40, "chain": 8}
# Realistic shares of how services are paid (cards come with anxin.cards).
METHODS = [("wechat", 45), ("alipay", 25), ("cash", 20), ("bank_card", 7), ("voucher", 3)]
SMALL_DAYS = 4
BATCH = 5_000
# The share of the bills paid by membership card, taken from the bills of clients holding a
# card that can pay (anxin.cards; the cards demo runs before the till's).
CARD_SHARE = 0.15
# The scales whose history before the last days is billed in bulk.
BULK_SCALES = {"store"}


def _method(rnd) -> str:
    return rnd.choices([m for m, _w in METHODS], weights=[w for _m, w in METHODS])[0]


@dataclass
class _HeldCard:
    card: object
    kind: str
    items: set
    balance: Decimal
    sessions: int
    last_at: dt.datetime


def _usable_cards(store) -> dict[int, list[_HeldCard]]:
    """Each client's cards that can pay today (in use, within their dates, not a discount
    card), with what they hold and the time of their last ledger row."""
    if not cards_bridge.installed():
        return {}
    from django.db.models import Max, Sum

    from anxin.cards.models import Card

    held: dict[int, list[_HeldCard]] = {}
    cards = (
        Card.objects.filter(store=store, state="active", expires_on__gte=timezone.localdate())
        .exclude(card_type__kind="discount")
        .select_related("card_type")
        .prefetch_related("card_type__items")
        .annotate(
            balance=Sum("movements__amount"),
            left=Sum("movements__sessions"),
            last_at=Max("movements__at"),
        )
        .order_by("pk")
    )
    for card in cards:
        held.setdefault(card.client_id, []).append(
            _HeldCard(
                card=card,
                kind=card.card_type.kind,
                items={i.pk for i in card.card_type.items.all()},
                balance=card.balance or Decimal("0"),
                sessions=int(card.left or 0),
                last_at=card.last_at,
            )
        )
    return held


def _card_for(held: list[_HeldCard], record, paid_at) -> _HeldCard | None:
    """The first of the client's cards that can pay this service on its day."""
    for h in held:
        if (
            h.last_at is None
            or h.last_at >= paid_at
            or h.card.issued_on > timezone.localtime(paid_at).date()
        ):
            continue  # its ledger stays in time order
        if h.items and record.item_id not in h.items:
            continue
        if h.kind == "stored_value" and h.balance >= record.amount > 0:
            return h
        if h.kind == "sessions" and h.sessions >= 1:
            return h
        if h.kind == "term":
            return h
    return None


def demo_products(*, rnd, store, manager, count: int) -> list[Product]:
    rows = []
    for i in range(count):
        name, unit, price, cost = PRODUCTS[i % len(PRODUCTS)]
        series = i // len(PRODUCTS)
        rows.append(
            Product(
                store=store,
                code=f"SP{i + 1:03d}",
                name=name if not series else f"{name}（{series + 1}号）",
                unit=unit,
                price=Decimal(price),
                cost=Decimal(cost),
                supplier=rnd.choice(["广州芳香日化", "杭州本草堂", "北京康健用品"]),
                low_stock=5,
                created_by=manager,
                updated_by=manager,
            )
        )
    Product.objects.bulk_create(rows)
    products = list(Product.objects.filter(store=store).order_by("code"))
    at = timezone.now() - dt.timedelta(days=30)
    StockMovement.objects.bulk_create(
        [
            StockMovement(
                store=store,
                product=p,
                kind=MovementKind.RECEIPT,
                quantity=rnd.randrange(3, 60),
                unit_cost=p.cost,
                note="期初入库",
                at=at,
                by=manager,
            )
            for p in products
        ]
    )
    return products


def _pay_through_checkout(*, rnd, store, cashier, records, products, day, cards=None) -> int:
    """Each record (one visit) paid through checkout's own steps, on its day; some with a
    product; about ``CARD_SHARE`` of them by the client's membership card, when they hold one
    that can pay."""
    cards = cards or {}
    made = 0
    balances = services.stock_balances([p.pk for p in products])
    holders = sum(1 for r in records if r.client_id in cards)
    by_card = min(1.0, CARD_SHARE * len(records) / holders) if holders else 0.0
    for record in records:
        paid_at = record.served_at + dt.timedelta(minutes=5)
        held = None
        if record.client_id in cards and rnd.random() < by_card:
            held = _card_for(cards[record.client_id], record, paid_at)
        lines = []
        if products and rnd.random() < 0.2 and (held is None or held.kind == "stored_value"):
            product = rnd.choice(products)
            if balances[product.pk] > 0 and (
                held is None or held.balance >= record.amount + product.price
            ):
                balances[product.pk] -= 1
                lines.append(services.ProductLine(product=product, quantity=1))
        if held is not None:
            try:
                bill = _write_paid(
                    store=store,
                    cashier=cashier,
                    record=record,
                    lines=lines,
                    day=day,
                    paid_at=paid_at,
                    payment=lambda total, h=held: services.PaymentIn(
                        method="card", amount=total, card=h.card
                    ),
                )
            except ValidationError:
                pass  # the card refused: paid another way below
            else:
                held.balance -= bill.total if held.kind == "stored_value" else 0
                held.sessions -= 1 if held.kind == "sessions" else 0
                held.last_at = paid_at
                made += 1
                continue
        method = _method(rnd)
        _write_paid(
            store=store,
            cashier=cashier,
            record=record,
            lines=lines,
            day=day,
            paid_at=paid_at,
            payment=lambda total, method=method: services.PaymentIn(
                method=method,
                amount=total,
                reference=f"{rnd.randrange(10**11, 10**12)}"
                if method in ("wechat", "alipay", "bank_card")
                else "",
                voucher_code=f"MT{rnd.randrange(10**9, 10**10)}" if method == "voucher" else "",
            ),
        )
        made += 1
    return made


def _write_paid(*, store, cashier, record, lines, day, paid_at, payment) -> Bill:
    """One bill through checkout's own steps: ``payment(total)`` pays it whole."""
    from django.db import transaction

    from .services.bills import _clean_payments, _write_bill

    quote = services.bill_quote(
        store=store,
        client=record.client,
        services=[services.ServiceLine(record=record)],
        products=lines,
        on=day,
    )
    with transaction.atomic():
        return _write_bill(
            actor=cashier,
            store=store,
            client=record.client,
            quote=quote,
            payments=_clean_payments(
                payments=[payment(quote.total)], client=record.client, total=quote.total
            ),
            override_stock=False,
            day=day,
            request=None,
            paid_at=paid_at,
        )


def _bulk_before() -> dt.datetime:
    """The bulk bills' end: the last ``SMALL_DAYS`` days are paid through checkout."""
    midnight = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time()))
    return midnight - dt.timedelta(days=SMALL_DAYS)


def bulk_visits(*, store, scale: str) -> dict[int, list]:
    """The services the bulk bills will pay, by client, in time order, for the cards demo to
    choose the ones a card pays (``anxin.cards.demo.Visit``); none at the small scale."""
    if scale not in BULK_SCALES or not cards_bridge.installed():
        return {}
    from anxin.cards.demo import Visit

    visits: dict[int, list] = {}
    rows = (
        ServiceRecord.objects.filter(
            store=store, served_at__lt=_bulk_before(), bill_lines__isnull=True
        )
        .exclude(client=None)
        .order_by("served_at", "pk")
        .values_list("pk", "client_id", "served_at", "item_id", "amount")
    )
    for pk, client_id, served_at, item_id, amount in rows.iterator(chunk_size=BATCH):
        visits.setdefault(client_id, []).append(
            Visit(
                at=served_at + dt.timedelta(minutes=5),
                record_id=pk,
                item_id=item_id,
                amount=Decimal(amount).quantize(Decimal("0.01")),
            )
        )
    return visits


def _close_days(*, store, cashier, days) -> None:
    from .models import DailyClose

    DailyClose.objects.bulk_create(
        [
            DailyClose(
                store=store,
                cashier=cashier,
                day=day,
                expected_cash=(
                    cash := services.expected_cash(store=store, cashier=cashier, day=day)
                ),
                counted_cash=cash,
                difference=Decimal("0.00"),
                closed_by=cashier,
                closed_at=timezone.make_aware(dt.datetime.combine(day, dt.time(22, 0))),
            )
            for day in days
        ]
    )


def _bulk_bills(*, rnd, store, cashier, before: dt.datetime, card_plan=None) -> int:
    """Every service before ``before`` becomes a paid bill of one line (store scale); the ones
    ``card_plan`` pays by card get their card payment once the card ledgers are written."""
    sqlite = connection.vendor == "sqlite"
    records = (
        ServiceRecord.objects.filter(store=store, served_at__lt=before, bill_lines__isnull=True)
        .order_by("served_at", "pk")
        .values_list(
            "pk",
            "client_id",
            "practitioner_id",
            "served_at",
            "item_id",
            "item_name",
            "promotion_id",
            "amount",
            "clock_type",
        )
    )
    prices = dict(
        ServiceRecord.objects.filter(store=store, item__isnull=False)
        .values_list("item_id", "item__price")
        .distinct()
    )
    by_card = card_plan.by_record if card_plan is not None else {}
    made, batch, paid_by_card = 0, [], {}
    for row in records.iterator(chunk_size=BATCH):
        batch.append(row)
        if len(batch) == BATCH:
            made += _write_batch(rnd, store, cashier, batch, prices, sqlite, by_card, paid_by_card)
            batch = []
    if batch:
        made += _write_batch(rnd, store, cashier, batch, prices, sqlite, by_card, paid_by_card)
    if card_plan is not None:
        moved = card_plan.write({pk: bill_id for pk, (bill_id, _a) in paid_by_card.items()})
        _insert(
            PAYMENT_COLUMNS,
            Payment,
            [
                (bill_id, store.pk, "card", amount, "", "", moved[pk].pk)
                for pk, (bill_id, amount) in paid_by_card.items()
            ],
        )
    return made


def _write_batch(rnd, store, cashier, batch, prices, sqlite, by_card, paid_by_card) -> int:
    """One batch of bills with their lines and payments; a bill a card pays (``by_card``) is
    noted in ``paid_by_card`` (service record id → (bill id, amount)) for its card payment."""
    last_bill = _max_id(Bill)
    bills, plan = [], []
    for pk, client_id, who, served_at, item_id, name, promotion_id, amount, clock in batch:
        amount = Decimal(amount).quantize(Decimal("0.01"))
        price = (
            Decimal(prices.get(item_id) or amount).quantize(Decimal("0.01"))
            if promotion_id
            else amount
        )
        price = max(price, amount)
        paid_at = served_at + dt.timedelta(minutes=5)
        day = timezone.localtime(paid_at).date()
        bills.append(
            (
                store.pk,
                "sale",
                client_id,
                cashier.pk,
                day,
                stamp(paid_at, sqlite),
                price,
                price - amount,
                amount,
                None,
                "",
                None,
            )
        )
        plan.append((pk, who, item_id, name, promotion_id, amount, price, clock))
    _insert(BILL_COLUMNS, Bill, bills)
    bill_ids = list(
        Bill.objects.filter(pk__gt=last_bill).order_by("pk").values_list("pk", flat=True)
    )
    lines, payments = [], []
    for bill_id, (pk, who, item_id, name, promotion_id, amount, price, clock) in zip(
        bill_ids, plan, strict=True
    ):
        lines.append(
            (
                bill_id,
                "service",
                name,
                pk,
                item_id,
                who,
                clock,
                None,
                promotion_id,
                1,
                price,
                price - amount,
                amount,
                None,
            )
        )
        if pk in by_card:
            paid_by_card[pk] = (bill_id, amount)
            continue
        method = _method(rnd)
        payments.append(
            (
                bill_id,
                store.pk,
                method,
                amount,
                f"{rnd.randrange(10**11, 10**12)}"
                if method in ("wechat", "alipay", "bank_card")
                else "",
                f"MT{bill_id:010d}" if method == "voucher" else "",
                None,
            )
        )
    _insert(LINE_COLUMNS, BillLine, lines)
    _insert(PAYMENT_COLUMNS, Payment, payments)
    return len(bill_ids)


BILL_COLUMNS = (
    "store_id",
    "kind",
    "client_id",
    "cashier_id",
    "business_day",
    "paid_at",
    "subtotal",
    "discount",
    "total",
    "refund_of_id",
    "reason",
    "approved_by_id",
)
LINE_COLUMNS = (
    "bill_id",
    "kind",
    "description",
    "service_record_id",
    "item_id",
    "practitioner_id",
    "clock_type",
    "product_id",
    "promotion_id",
    "quantity",
    "unit_price",
    "discount",
    "amount",
    "refund_of_line_id",
)
PAYMENT_COLUMNS = (
    "bill_id",
    "store_id",
    "method",
    "amount",
    "reference",
    "voucher_code",
    "card_movement_id",
)


def demo_till(*, rnd, store, scale: str, card_plan=None) -> dict:
    """Products, the bills of every service before today, the last days closed. ``card_plan``
    (``anxin.cards.demo``): the card ledgers waiting for the bulk bills their cards pay."""
    from anxin.catalogue.demo import holder

    cashier, manager = holder(store, "front_desk"), holder(store, "store_manager")
    if cashier is None or manager is None:
        return {"bills": 0, "products": 0}
    products = demo_products(rnd=rnd, store=store, manager=manager, count=PRODUCT_COUNTS[scale])
    today = timezone.localdate()
    midnight = timezone.make_aware(dt.datetime.combine(today, dt.time()))
    recent_from = _bulk_before()
    bills = 0
    if scale in BULK_SCALES:
        bills += _bulk_bills(
            rnd=rnd, store=store, cashier=cashier, before=recent_from, card_plan=card_plan
        )
    elif card_plan is not None:
        card_plan.write({})
    recent = list(
        ServiceRecord.objects.filter(
            store=store, served_at__gte=recent_from, served_at__lt=midnight
        )
        .filter(bill_lines__isnull=True)
        .select_related("client")
        .order_by("served_at")
    )
    cards = _usable_cards(store)
    for day_offset in range(SMALL_DAYS, 0, -1):
        day = today - dt.timedelta(days=day_offset)
        todays = [r for r in recent if timezone.localtime(r.served_at).date() == day]
        bills += _pay_through_checkout(
            rnd=rnd,
            store=store,
            cashier=cashier,
            records=todays,
            products=products,
            day=day,
            cards=cards,
        )
    _close_days(
        store=store,
        cashier=cashier,
        days=[today - dt.timedelta(days=n) for n in range(SMALL_DAYS, 0, -1)],
    )
    return {"bills": bills, "products": len(products)}
