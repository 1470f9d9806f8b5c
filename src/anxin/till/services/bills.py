"""Checkout (收银, POS-1): a bill of services and products, paid by one or more methods.

``bill_pay`` writes the bill, its lines, its payments, the stock it sells and the operation-log
entry in one transaction, or nothing. Refunds are proposed (``refund_propose``) and written
when a second person approves them (``refund_apply``, the approval kind ``till.refund``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.accounts.models import RoleAssignment
from anxin.accounts.names import person_name
from anxin.audit.services import operation_log, operations_together
from anxin.catalogue.selectors import best_offer, promotions_running
from anxin.clients.models import ClockType, ServiceRecord
from anxin.core.prepared import Prepared, insert

from .. import cards_bridge, commissions_bridge
from ..access import BILL, PRODUCT, may, require
from ..models import (
    E_PAYMENT,
    MAX_QUANTITY,
    Bill,
    BillKind,
    BillLine,
    DailyClose,
    LineKind,
    Method,
    MovementKind,
    Payment,
    Product,
    StockMovement,
)
from ..money import ZERO, amount_in, cents

__all__ = [
    "PaymentIn",
    "ProductLine",
    "Quote",
    "ServiceLine",
    "bill_pay",
    "bill_quote",
    "day_is_closed",
    "stock_balances",
]


@dataclass(frozen=True)
class ServiceLine:
    """A service to bill: a recorded service, or an item given by a practitioner (walk-in)."""

    record: ServiceRecord | None = None
    item: object | None = None
    practitioner: object | None = None
    clock_type: str = ""


@dataclass(frozen=True)
class ProductLine:
    product: Product
    quantity: int


@dataclass(frozen=True)
class PaymentIn:
    method: str
    amount: Decimal
    reference: str = ""
    voucher_code: str = ""
    card: object | None = None


@dataclass
class QuoteLine:
    kind: str
    description: str
    quantity: int
    unit_price: Decimal
    discount: Decimal
    amount: Decimal
    record: ServiceRecord | None = None
    item: object | None = None
    practitioner: object | None = None
    clock_type: str = ""
    product: Product | None = None
    promotion: object | None = None


@dataclass
class Quote:
    lines: list[QuoteLine] = field(default_factory=list)

    @property
    def subtotal(self) -> Decimal:
        return cents(sum((line.unit_price * line.quantity for line in self.lines), ZERO))

    @property
    def discount(self) -> Decimal:
        return cents(sum((line.discount for line in self.lines), ZERO))

    @property
    def total(self) -> Decimal:
        return self.subtotal - self.discount


_PRACTITIONERS = Prepared(
    lambda ids, store: RoleAssignment.objects.filter(
        user_id__in=ids,
        store_id=store,
        active=True,
        role__key="practitioner",
        user__is_active=True,
    ).values_list("user_id", flat=True)
)


def _practitioner_ids(users, store) -> set[int]:
    """Which of these people work here as practitioners (one query for a bill's lines)."""
    ids = sorted({user.pk for user in users if user is not None})
    if not ids:
        return set()
    return set(_PRACTITIONERS(ids=ids, store=store.pk))


def _paid_record_ids(records) -> set[int]:
    """Which of these service records a bill (not a refund) has paid already (one query)."""
    ids = {record.pk for record in records}
    if not ids:
        return set()
    return set(
        BillLine.objects.filter(service_record_id__in=ids, refund_of_line__isnull=True).values_list(
            "service_record_id", flat=True
        )
    )


def _is_new_client(client, store) -> bool:
    return client is None or not ServiceRecord.objects.filter(client=client, store=store).exists()


def bill_quote(*, store, client, services=(), products=(), on: dt.date | None = None) -> Quote:
    """The bill's lines with their prices and discounts (the running promotions' rules); a
    translated ``ValidationError`` for a line that cannot be billed. Nothing is written.

    The checks read the database once per bill, not once per line: the records already paid,
    who works here as a practitioner, the running promotions."""
    on = on or timezone.localdate()
    quote = Quote()
    services = list(services)
    paid = _paid_record_ids(line.record for line in services if line.record is not None)
    practitioners = _practitioner_ids(
        (line.practitioner for line in services if line.record is None), store
    )
    seen_records: set[int] = set()
    new_client = promotions = None
    for line in services:
        record = line.record
        if record is not None:
            if record.store_id != store.pk or client is None or record.client_id != client.pk:
                raise ValidationError(_("That service was not given to this client here."))
            if record.pk in seen_records or record.pk in paid:
                raise ValidationError(
                    _("The service %(item)s of %(day)s is paid already."),
                    params={
                        "item": record.item_name,
                        "day": timezone.localtime(record.served_at).strftime("%Y-%m-%d"),
                    },
                )
            seen_records.add(record.pk)
            amount = cents(record.amount)
            price = cents(record.item.price) if record.item_id and record.promotion_id else amount
            price = max(price, amount)
            quote.lines.append(
                QuoteLine(
                    kind=LineKind.SERVICE,
                    description=record.item_name,
                    quantity=1,
                    unit_price=price,
                    discount=price - amount,
                    amount=amount,
                    record=record,
                    item=record.item,
                    practitioner=record.practitioner,
                    clock_type=record.clock_type,
                    promotion=record.promotion,
                )
            )
            continue
        item, who = line.item, line.practitioner
        if item is None or item.store_id != store.pk or not item.active:
            raise ValidationError(_("Choose a service item this store offers."))
        if who is None or who.pk not in practitioners:
            raise ValidationError(
                _("Choose who gave the %(item)s (someone working here)."),
                params={"item": item.name},
            )
        if line.clock_type not in ClockType.values:
            raise ValidationError(_("Say whether the service was requested or by rotation."))
        if promotions is None:
            promotions = promotions_running(store=store, on=on)
        if new_client is None:  # asked only when a running promotion is for new clients
            new_client = any(p.rules.get("new_clients_only") for p in promotions) and (
                _is_new_client(client, store)
            )
        price, promotion = best_offer(
            store=store,
            item=item,
            on=on,
            is_new_client=new_client,
            member_level=getattr(client, "member_level", None),
            promotions=promotions,
        )
        quote.lines.append(
            QuoteLine(
                kind=LineKind.SERVICE,
                description=item.name,
                quantity=1,
                unit_price=cents(item.price),
                discount=cents(item.price) - cents(price),
                amount=cents(price),
                item=item,
                practitioner=who,
                clock_type=line.clock_type,
                promotion=promotion,
            )
        )
    for line in products:
        product = line.product
        if product is None or product.store_id != store.pk or not product.active:
            raise ValidationError(_("Choose a product this store sells."))
        if not isinstance(line.quantity, int) or line.quantity < 1 or line.quantity > MAX_QUANTITY:
            raise ValidationError(
                _("The quantity of %(product)s must be a whole number from 1 to %(max)s."),
                params={"product": product.name, "max": MAX_QUANTITY},
            )
        price = cents(product.price)
        quote.lines.append(
            QuoteLine(
                kind=LineKind.PRODUCT,
                description=product.name,
                quantity=line.quantity,
                unit_price=price,
                discount=ZERO,
                amount=price * line.quantity,
                product=product,
            )
        )
    if not quote.lines:
        raise ValidationError(_("The bill has no lines: add a service or a product."))
    return quote


_CLOSED = Prepared(
    lambda store, cashier, day: DailyClose.objects.filter(
        store_id=store, cashier_id=cashier, day=day
    ).values_list("pk", flat=True)[:1]
)


def day_is_closed(*, store, cashier, day: dt.date) -> bool:
    return bool(_CLOSED(store=store.pk, cashier=cashier.pk, day=day))


def _refuse_closed_day(*, store, cashier, day) -> None:
    if day_is_closed(store=store, cashier=cashier, day=day):
        raise ValidationError(
            _(
                "%(name)s's day %(day)s is closed: nothing more can be paid or refunded on it. "
                "A correction is a refund on the next open day."
            ),
            params={"name": person_name(cashier, store), "day": day.isoformat()},
            code="closed",
        )


def _lock_cashier(cashier) -> None:
    """Checkout, refunds and the daily close of one cashier queue on the cashier's row
    (PostgreSQL; SQLite's IMMEDIATE transactions have one writer anyway: no query there). The
    order of the locks, in every transaction taking several: products, cashier, card, the
    audit chain's head (``_write_bill``, ``refund_apply``, ``day_close``).

    ``FOR NO KEY UPDATE``, not ``FOR UPDATE``: every row written with the cashier as its author
    (a use-log entry of another of their requests, holding the log's chain head) takes a
    ``KEY SHARE`` lock on the same row, which ``FOR UPDATE`` would block — a deadlock with
    this transaction's own wait for the chain head."""
    if connection.features.has_select_for_update:
        list(
            get_user_model()
            .objects.select_for_update(no_key=True)
            .filter(pk=cashier.pk)
            .values_list("pk")
        )


_STOCK = Prepared(
    lambda ids: (
        StockMovement.objects.filter(product_id__in=ids)
        .values_list("product_id")
        .annotate(total=Sum("quantity"))
        .values_list("product_id", "total")
    )
)


def stock_balances(product_ids, *, lock: bool = False) -> dict[int, int]:
    """Each product's stock: the sum of its movements. ``lock``: first lock the product rows
    (in id order, so two sales cannot deadlock nor both sell the last one; SQLite's IMMEDIATE
    transaction holds the one write lock already)."""
    ids = sorted(set(product_ids))
    if lock and ids and connection.features.has_select_for_update:
        # NO KEY UPDATE: sales queue on the products; rows merely referring to them do not.
        list(
            Product.objects.select_for_update(no_key=True)
            .filter(pk__in=ids)
            .order_by("pk")
            .values("pk")
        )
    sums = dict(_STOCK(ids=ids)) if ids else {}
    return {pk: int(sums.get(pk) or 0) for pk in ids}


def _clean_payments(*, payments, client, total: Decimal) -> list[PaymentIn]:
    clean = []
    for p in payments:
        if p.method not in Method.values:
            raise ValidationError(_("Unknown payment method."))
        if p.method == Method.CARD and not cards_bridge.installed():
            raise ValidationError(_("Membership cards are not in use here."))
        amount = amount_in(p.amount, field="__all__")
        reference = (p.reference or "").strip()
        code = "".join((p.voucher_code or "").split()).upper()
        if p.method in E_PAYMENT and not reference:
            raise ValidationError(
                _("Enter the %(method)s transaction number from the slip or the phone."),
                params={"method": Method(p.method).label},
            )
        if p.method == Method.VOUCHER and not code:
            raise ValidationError(_("Enter the voucher code."))
        if p.method == Method.CARD and (p.card is None or client is None):
            raise ValidationError(_("Choose the client's card."))
        clean.append(
            PaymentIn(
                method=p.method,
                amount=amount,
                reference=reference[:64],
                voucher_code=code[:40],
                card=p.card,
            )
        )
    if not clean:
        raise ValidationError(_("Record how the bill was paid."))
    paid = sum((p.amount for p in clean), ZERO)
    if paid != total:
        raise ValidationError(
            _(
                "The payments add up to %(paid)s yuan but the bill is %(total)s yuan: "
                "they must be equal."
            ),
            params={"paid": paid, "total": total},
            code="not_adding_up",
        )
    codes = [p.voucher_code for p in clean if p.method == Method.VOUCHER]
    if len(codes) != len(set(codes)):
        raise ValidationError(_("The same voucher code is entered twice."))
    return clean


def _voucher_used(store, code: str) -> ValidationError:
    return ValidationError(
        _("The voucher %(code)s was redeemed already: a voucher is redeemed once."),
        params={"code": code},
        code="voucher_used",
    )


def bill_pay(
    *,
    actor,
    store,
    client=None,
    services=(),
    products=(),
    payments=(),
    override_stock: bool = False,
    request=None,
) -> Bill:
    """Write a paid bill. Refused whole (a translated ``ValidationError``) when a line cannot
    be billed, the payments do not add up, a voucher was redeemed already, a card refuses, the
    cashier's day is closed or a product is short (unless a manager allows it: logged)."""
    require(actor=actor, store=store, record_type=BILL, action="create", request=request)
    if client is not None and client.store_id != store.pk:
        raise ValidationError(_("That client is not a client of this store."))
    today = timezone.localdate()
    quote = bill_quote(store=store, client=client, services=services, products=products, on=today)
    clean = _clean_payments(payments=payments, client=client, total=quote.total)
    for p in clean:
        if (
            p.method == Method.VOUCHER
            and Payment.objects.filter(
                store=store, method=Method.VOUCHER, voucher_code=p.voucher_code
            ).exists()
        ):
            raise _voucher_used(store, p.voucher_code)
    if override_stock and not may(actor, store, PRODUCT, "change"):
        override_stock = False
    try:
        with transaction.atomic():
            bill = _write_bill(
                actor=actor,
                store=store,
                client=client,
                quote=quote,
                payments=clean,
                override_stock=override_stock,
                day=today,
                request=request,
            )
    except IntegrityError as exc:
        text = str(exc)
        if "voucher" in text:
            raise _voucher_used(store, "") from None
        if "service" in text or "billed" in text:
            raise ValidationError(_("One of these services was paid meanwhile.")) from None
        raise
    return bill


def _write_bill(
    *, actor, store, client, quote, payments, override_stock, day, request, paid_at=None
) -> Bill:
    """The bill's rows. PostgreSQL's row locks are taken in one order by every transaction of
    the till (sale, refund, daily close): the products, the cashier, the card, the audit chain's
    head; each as late as it can be, since it is held until the commit."""
    wanted: dict[int, int] = {}
    for line in quote.lines:
        if line.product is not None:
            wanted[line.product.pk] = wanted.get(line.product.pk, 0) + line.quantity
    overridden = []
    if wanted:
        balances = stock_balances(wanted, lock=True)
        for line in quote.lines:
            if line.product is None or line.product.pk in overridden:
                continue
            have = balances[line.product.pk]
            if wanted[line.product.pk] > have:
                if not override_stock:
                    raise ValidationError(
                        _(
                            "Only %(have)s %(unit)s of %(product)s in stock, %(want)s wanted. "
                            "A manager may allow selling beyond the stock."
                        ),
                        params={
                            "have": have,
                            "unit": line.product.unit,
                            "product": line.product.name,
                            "want": wanted[line.product.pk],
                        },
                        code="short",
                    )
                overridden.append(line.product.pk)
    now = paid_at or timezone.now()
    bill = Bill(
        store=store,
        kind=BillKind.SALE,
        client=client,
        cashier=actor,
        business_day=day,
        paid_at=now,
        subtotal=quote.subtotal,
        discount=quote.discount,
        total=quote.total,
    )
    insert([bill])
    rows = insert(
        [
            BillLine(
                bill=bill,
                kind=line.kind,
                description=line.description[:80],
                service_record=line.record,
                item=line.item,
                practitioner=line.practitioner,
                clock_type=line.clock_type,
                product=line.product,
                promotion=line.promotion,
                quantity=line.quantity,
                unit_price=line.unit_price,
                discount=line.discount,
                amount=line.amount,
            )
            for line in quote.lines
        ]
    )
    insert(
        [
            StockMovement(
                store=store,
                product_id=row.product_id,
                kind=MovementKind.SALE,
                quantity=-row.quantity,
                bill_line=row,
                override=row.product_id in overridden,
                at=now,
                by=actor,
            )
            for row in rows
            if row.product_id is not None
        ]
    )
    # The commissions before the card's charge: the charge's log entry takes the audit chain's
    # head (PostgreSQL: a row lock every audited change waits for) until the commit, so what
    # follows it is kept short.
    commissions_bridge.for_sale(bill=bill, lines=rows)
    # The daily close's guard, after the products and before the card and the chain head: the
    # cashier's bills queue on it from here to the commit, not from the transaction's start
    # (the rows above only refer to the cashier; a refused bill's rows roll back).
    _lock_cashier(actor)
    _refuse_closed_day(store=store, cashier=actor, day=day)
    with operations_together():  # the card's charge and the bill: one append to the audit chain
        _pay(
            actor=actor,
            store=store,
            client=client,
            bill=bill,
            rows=rows,
            payments=payments,
            overridden=overridden,
            paid_at=paid_at,
            request=request,
        )
    return bill


def _pay(*, actor, store, client, bill, rows, payments, overridden, paid_at, request) -> None:
    payment_rows = []
    for p in payments:
        movement_id = None
        if p.method == Method.CARD:
            movement = cards_bridge.charge(
                card=p.card,
                client=client,
                store=store,
                amount=p.amount,
                user=actor,
                reference=f"bill:{bill.pk}",
                item_ids=[row.item_id for row in rows if row.item_id] or None,
                at=paid_at,
            )
            movement_id = movement.pk
        payment_rows.append(
            Payment(
                bill=bill,
                store=store,
                method=p.method,
                amount=p.amount,
                reference=p.reference,
                voucher_code=p.voucher_code,
                card_movement_id=movement_id,
            )
        )
    insert(payment_rows)
    operation_log(
        actor=actor,
        action="create",
        instance=bill,
        changes={
            "kind": BillKind.SALE,
            "client": client.code if client is not None else "",
            "total": str(bill.total),
            "discount": str(bill.discount),
            "line_summary": [
                f"{row.kind}:{row.description}×{row.quantity}={row.amount}" for row in rows
            ],
            "payment_summary": [
                {
                    "method": p.method,
                    "amount": str(p.amount),
                    "reference": p.reference,
                    "voucher": p.voucher_code,
                    "card_movement": p.card_movement_id,
                }
                for p in payment_rows
            ],
        },
        reason=(
            _("Sold beyond stock with a manager's permission: %(products)s")
            % {"products": ", ".join(str(pk) for pk in overridden)}
            if overridden
            else ""
        ),
        request=request,
        store=store,
    )
