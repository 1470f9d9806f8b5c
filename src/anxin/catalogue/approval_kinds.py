"""A service item's price changes only through two-person review (BIZ-1, SEC-5)."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anxin.accounts.permissions import MANAGE_ITEMS
from anxin.approvals import registry

from .models import MAX_PRICE, ServiceItem

ITEM_PRICE = "catalogue.item_price"


def _validate(*, actor, store, target, payload) -> dict:
    if set(payload) != {"price"}:
        raise ValidationError(_("Only the price can be changed this way."))
    try:
        price = Decimal(str(payload["price"])).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ValidationError(_("Enter the price in yuan, e.g. 128.00.")) from None
    if not price.is_finite() or price < 0 or price > MAX_PRICE:
        raise ValidationError(
            _("A price must be between 0 and %(max)s yuan."), params={"max": MAX_PRICE}
        )
    if price == target.price:
        raise ValidationError(_("The proposed values are the current ones: nothing to change."))
    return {"price": str(price)}


def _snapshot(*, target, store, payload) -> dict:
    return {"price": str(target.price)}


def _apply(*, actor, store, target, payload):
    from .services import item_price_apply

    return item_price_apply(actor=actor, store=store, target=target, payload=payload)


def register_all() -> None:
    registry.register(
        ITEM_PRICE,
        label=gettext_lazy("Change a service item's price"),
        target_model=ServiceItem,
        apply=_apply,
        propose_permission=MANAGE_ITEMS,
        fields=("price",),
        validate=_validate,
        snapshot=_snapshot,
    )
