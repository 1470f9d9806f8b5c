"""Every read at the till, scoped: bills (a practitioner: their own lines only), daily totals
(the manager and finance; a cashier their own day), products and stock."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Count, Exists, Max, Min, OuterRef, Q, QuerySet, Subquery, Sum
from django.http import Http404
from django.utils import timezone

from anxin.accounts.policy import Scope, scope_for
from anxin.audit.services import use_log
from anxin.clients.models import ServiceRecord
from anxin.core.prepared import Prepared

from .access import BILL, CLOSE, PRODUCT, deny
from .models import Bill, BillLine, DailyClose, Method, Payment, Product, StockMovement
from .money import ZERO

UNBILLED_DAYS = 7  # services of the last week wait at the till


def bill_scope(actor, store) -> Scope | None:
    return scope_for(actor, store, BILL, "view")


def bills_of_day(*, actor, store, day: dt.date) -> list[dict]:
    """The store's bills of one business day, newest first (store scope only; a practitioner
    has ``my_lines``), as the rows the list shows: number, kind, whether refunded, time, the
    client's name, the cashier's name and the total. Nothing else is read: a client's or an
    account's encrypted fields are decrypted when loaded, four a bill on a busy day."""
    if bill_scope(actor, store) != Scope.STORE:
        return []
    return list(
        Bill.objects.filter(store=store, business_day=day)
        .order_by("-paid_at", "-pk")
        .values(
            "pk",
            "kind",
            "business_day",
            "paid_at",
            "total",
            "client_id",
            "client__name",
            "cashier__full_name",
            "cashier__username",
            refunded=Exists(Bill.objects.filter(refund_of=OuterRef("pk"))),
        )
    )


def bill_get(*, actor, store, pk, request=None) -> tuple[Bill, list[BillLine], bool]:
    """A bill and the lines this person may read; ``full``: also the totals and payments.
    Unknown, another store's, or (for a practitioner) without their line: 404, logged."""
    scope = bill_scope(actor, store)
    bill = None
    if scope is not None and str(pk).isdigit():
        bill = (
            Bill.objects.filter(store=store, pk=pk)
            .select_related("client", "cashier", "approved_by", "refund_of")
            .first()
        )
    lines: list[BillLine] = []
    if bill is not None:
        qs = bill.lines.select_related("practitioner", "product", "promotion", "refunded_by")
        if scope == Scope.OWN:
            qs = qs.filter(practitioner=actor)
        lines = list(qs)
        if scope == Scope.OWN and not lines:
            bill = None
    if bill is None:
        deny(
            actor=actor, store=store, record_type=BILL, action="view", record_id=pk, request=request
        )
        raise Http404
    use_log(actor=actor, action="view", instance=bill, request=request, store=store)
    return bill, lines, scope == Scope.STORE


def bill_payments(bill: Bill) -> list[Payment]:
    return list(bill.payments.all())


def my_lines(*, actor, store, first: dt.date, last: dt.date) -> QuerySet[BillLine]:
    """The person's own service lines (sales and refunds) in paid bills: their amounts only."""
    if bill_scope(actor, store) is None:
        return BillLine.objects.none()
    # The period's bills' ids bound the person's lines (index ``till_line_practitioner``):
    # otherwise every line of theirs in three years is read to keep a month's (issue 11).
    period = (
        Bill.objects.filter(store=store, business_day__gte=first, business_day__lte=last)
        .values("store")
        .annotate(lo=Min("pk"), hi=Max("pk"))
    )
    return (
        BillLine.objects.filter(
            practitioner=actor,
            bill_id__gte=Subquery(period.values("lo")),
            bill_id__lte=Subquery(period.values("hi")),
            bill__store=store,
            bill__business_day__gte=first,
            bill__business_day__lte=last,
        )
        .select_related("bill")
        .order_by("-bill__paid_at", "-pk")
    )


def unbilled_services(*, actor, store, client, pks=None) -> list[ServiceRecord]:
    """The client's services of the last week not paid yet: the bill's first lines. ``pks``:
    only these of them (a POST names the ones it pays)."""
    if client is None or scope_for(actor, store, BILL, "create") is None:
        return []
    since = timezone.now() - dt.timedelta(days=UNBILLED_DAYS)
    qs = ServiceRecord.objects.filter(store=store, client=client, served_at__gte=since)
    if pks is not None:
        qs = qs.filter(pk__in=pks)
    return list(
        qs.filter(
            ~Exists(
                BillLine.objects.filter(service_record=OuterRef("pk"), refund_of_line__isnull=True)
            )
        )
        .select_related("practitioner", "item", "promotion")
        .order_by("served_at")
    )


def close_scope(actor, store) -> Scope | None:
    return scope_for(actor, store, CLOSE, "view")


def day_totals(*, actor, store, first: dt.date, last: dt.date) -> list[dict]:
    """Per business day and cashier: bills, refunds, each method's sum and the close. A
    cashier (own scope) sees their own days only."""
    scope = close_scope(actor, store)
    if scope is None:
        return []
    bills = Bill.objects.filter(store=store, business_day__gte=first, business_day__lte=last)
    closes = DailyClose.objects.filter(store=store, day__gte=first, day__lte=last)
    if scope == Scope.OWN:
        bills = bills.filter(cashier=actor)
        closes = closes.filter(cashier=actor)
    rows: dict = defaultdict(lambda: {"methods": {}, "sales": 0, "refunds": 0, "close": None})
    lowest = highest = None
    for day, cashier, sales, refunds, total, low, high in (
        bills.values_list("business_day", "cashier")
        .annotate(
            sales=Count("pk", filter=Q(kind="sale")),
            refunds=Count("pk", filter=Q(kind="refund")),
            total=Sum("total"),
            low=Min("pk"),
            high=Max("pk"),
        )
        .values_list("business_day", "cashier", "sales", "refunds", "total", "low", "high")
    ):
        row = rows[(day, cashier)]
        row.update(sales=sales, refunds=refunds, total=(total or ZERO).quantize(ZERO))
        lowest = low if lowest is None else min(lowest, low)
        highest = high if highest is None else max(highest, high)
    if lowest is not None:
        # The payments of those bills, read through the bill index within the bills' id range:
        # joined on the bill's day alone, PostgreSQL reads every payment of the store's years.
        payments = Payment.objects.filter(
            store=store,
            bill_id__gte=lowest,
            bill_id__lte=highest,
            bill__store=store,
            bill__business_day__gte=first,
            bill__business_day__lte=last,
        )
        if scope == Scope.OWN:
            payments = payments.filter(bill__cashier=actor)
        for day, cashier, method, total in (
            payments.values_list("bill__business_day", "bill__cashier", "method")
            .annotate(total=Sum("amount"))
            .values_list("bill__business_day", "bill__cashier", "method", "total")
        ):
            rows[(day, cashier)]["methods"][method] = (total or ZERO).quantize(ZERO)
    for close in closes.select_related("cashier", "closed_by"):
        rows[(close.day, close.cashier_id)]["close"] = close
    from anxin.accounts.models import User

    people = User.objects.in_bulk({cashier for _day, cashier in rows})
    out = []
    for (day, cashier), row in sorted(
        rows.items(), key=lambda kv: (kv[0][0], kv[0][1]), reverse=True
    ):
        row.setdefault("total", ZERO)
        row["day"], row["cashier"] = day, people.get(cashier)
        row["method_rows"] = [
            (label, row["methods"][value])
            for value, label in Method.choices
            if value in row["methods"]
        ]
        out.append(row)
    return out


def product_scope(actor, store) -> Scope | None:
    return scope_for(actor, store, PRODUCT, "view")


def products_with_stock(*, actor, store, active_only=False, low_only=False) -> list[Product]:
    """The store's products, each with ``stock`` (the sum of its movements) and ``low``."""
    if product_scope(actor, store) is None and scope_for(actor, store, BILL, "create") is None:
        return []
    qs = Product.objects.filter(store=store)
    if active_only:
        qs = qs.filter(active=True)
    qs = qs.annotate(stock=Sum("movements__quantity")).order_by("code")
    out = []
    for product in qs:
        product.stock = int(product.stock or 0)
        product.low = product.stock <= product.low_stock
        if not low_only or (product.low and product.active):
            out.append(product)
    return out


def products_for_sale(*, actor, store, pks) -> list[Product]:
    """The active products of the store among ``pks``, without their stock (a checkout POST:
    the sale itself counts the stock under its lock). Same scope as ``products_with_stock``."""
    if not pks or (
        product_scope(actor, store) is None and scope_for(actor, store, BILL, "create") is None
    ):
        return []
    return _PRODUCTS_FOR_SALE(store=store.pk, pks=sorted(pks))


_PRODUCTS_FOR_SALE = Prepared(
    lambda store, pks: Product.objects.filter(store_id=store, active=True, pk__in=pks).order_by(
        "code"
    )
)


def items_for_sale(*, actor, store, pks) -> list:
    """The store's active service items among ``pks`` (a checkout POST names them): whoever
    may take payments here may bill them."""

    if not pks or scope_for(actor, store, BILL, "create") is None:
        return []
    return _ITEMS_FOR_SALE(store=store.pk, pks=sorted(pks))


def _items_for_sale(store, pks):
    from anxin.catalogue.models import ServiceItem

    return ServiceItem.objects.filter(store_id=store, active=True, pk__in=pks).select_related(
        "category"
    )


_ITEMS_FOR_SALE = Prepared(_items_for_sale)


def product_get(*, actor, store, pk, request=None) -> Product:
    product = None
    if product_scope(actor, store) is not None and str(pk).isdigit():
        product = Product.objects.filter(store=store, pk=pk).first()
    if product is None:
        deny(
            actor=actor,
            store=store,
            record_type=PRODUCT,
            action="view",
            record_id=pk,
            request=request,
        )
        raise Http404
    product.stock = int(product.movements.aggregate(s=Sum("quantity"))["s"] or 0)
    product.low = product.stock <= product.low_stock
    return product


def product_movements(product: Product, limit: int = 50) -> list[StockMovement]:
    return list(product.movements.select_related("by", "bill_line__bill")[:limit])
