"""Retail products and stock (POS-4): products, receipts, stocktaking; sales are in ``bills``."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.audit.services import diff, operation_log

from ..access import PRODUCT, require
from ..models import MAX_QUANTITY, MovementKind, Product, StockMovement, Stocktake, StocktakeLine
from .bills import stock_balances

PRODUCT_FIELDS = ["code", "name", "unit", "price", "cost", "supplier", "low_stock", "active"]


def _quantity(value, *, field="quantity", allow_zero=False) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError({field: _("Enter a whole number.")})
    if value < (0 if allow_zero else 1) or value > MAX_QUANTITY:
        raise ValidationError(
            {
                field: _("Enter a whole number from %(min)s to %(max)s.")
                % {"min": 0 if allow_zero else 1, "max": MAX_QUANTITY}
            }
        )
    return value


def product_create(*, actor, store, request=None, **data) -> Product:
    require(actor=actor, store=store, record_type=PRODUCT, action="create", request=request)
    product = Product(store=store, created_by=actor, updated_by=actor)
    for name in PRODUCT_FIELDS:
        if name in data:
            setattr(product, name, data[name])
    product.code = (product.code or "").strip().upper()
    product.full_clean()
    with transaction.atomic():
        product.save()
        operation_log(
            actor=actor,
            action="create",
            instance=product,
            changes=diff({}, {f: getattr(product, f) for f in PRODUCT_FIELDS}),
            request=request,
            store=store,
        )
    return product


def product_update(*, actor, store, product: Product, request=None, **changes) -> Product:
    require(
        actor=actor,
        store=store,
        record_type=PRODUCT,
        action="change",
        request=request,
        record_id=product.pk,
    )
    if product.store_id != store.pk:
        raise ValidationError(_("No such product in this store."))
    unknown = set(changes) - set(PRODUCT_FIELDS)
    if unknown:
        raise ValidationError(_("These values cannot be changed this way."))
    before = {f: getattr(product, f) for f in PRODUCT_FIELDS}
    for name, value in changes.items():
        setattr(product, name, value)
    product.code = (product.code or "").strip().upper()
    product.updated_by = actor
    product.full_clean()
    with transaction.atomic():
        product.save()
        operation_log(
            actor=actor,
            action="change",
            instance=product,
            changes=diff(before, {f: getattr(product, f) for f in PRODUCT_FIELDS}),
            request=request,
            store=store,
        )
    return product


def stock_receive(
    *, actor, store, product: Product, quantity: int, unit_cost=None, note: str = "", request=None
) -> StockMovement:
    """Goods received (入库): a positive movement with what they cost."""
    require(actor=actor, store=store, record_type=PRODUCT, action="create", request=request)
    if product.store_id != store.pk:
        raise ValidationError(_("No such product in this store."))
    quantity = _quantity(quantity)
    cost = product.cost if unit_cost in (None, "") else Decimal(unit_cost)
    if cost < 0 or cost > Decimal("100000"):
        raise ValidationError({"unit_cost": _("Enter the unit cost in yuan, 0 or more.")})
    with transaction.atomic():
        movement = StockMovement.objects.create(
            store=store,
            product=product,
            kind=MovementKind.RECEIPT,
            quantity=quantity,
            unit_cost=cost,
            note=(note or "").strip()[:200],
            by=actor,
        )
        operation_log(
            actor=actor,
            action="receive",
            instance=product,
            changes={"quantity": quantity, "unit_cost": str(cost), "note": movement.note},
            request=request,
            store=store,
        )
    return movement


def stocktake_record(*, actor, store, counts: dict, note: str = "", request=None) -> Stocktake:
    """A count of the shelves (盘点): each product counted differently from its balance gets a
    movement of the difference; every counted product is on the stocktake's list."""
    require(actor=actor, store=store, record_type=PRODUCT, action="create", request=request)
    if not counts:
        raise ValidationError(_("Count at least one product."))
    for product, counted in counts.items():
        if product.store_id != store.pk:
            raise ValidationError(_("No such product in this store."))
        _quantity(counted, field="__all__", allow_zero=True)
    with transaction.atomic():
        balances = stock_balances([p.pk for p in counts], lock=True)
        take = Stocktake.objects.create(
            store=store, taken_by=actor, note=(note or "").strip()[:200]
        )
        now = timezone.now()
        lines, movements = [], []
        for product, counted in sorted(counts.items(), key=lambda kv: kv[0].pk):
            expected = balances[product.pk]
            lines.append(
                StocktakeLine(
                    stocktake=take,
                    product=product,
                    expected=expected,
                    counted=counted,
                    difference=counted - expected,
                )
            )
            if counted != expected:
                movements.append(
                    StockMovement(
                        store=store,
                        product=product,
                        kind=MovementKind.STOCKTAKE,
                        quantity=counted - expected,
                        stocktake=take,
                        at=now,
                        by=actor,
                    )
                )
        StocktakeLine.objects.bulk_create(lines)
        StockMovement.objects.bulk_create(movements)
        operation_log(
            actor=actor,
            action="stocktake",
            instance=take,
            changes={
                "differences": {
                    line.product.code: line.difference for line in lines if line.difference
                },
                "counted": len(lines),
            },
            reason=take.note,
            request=request,
            store=store,
        )
    return take
