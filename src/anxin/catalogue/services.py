"""Every write to the catalogue: items (a price change is a proposal), promotions."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.accounts.permissions import MANAGE_ITEMS, MANAGE_PROMOTIONS
from anxin.approvals.services import change_propose
from anxin.audit.services import diff, operation_log, use_log
from anxin.core.codes import allocate_code
from anxin.core.marks import store_changed
from anxin.core.models import Category, CategoryKind

from .approval_kinds import ITEM_PRICE
from .models import ItemPrice, Promotion, ServiceItem
from .rules import validate_rules

ITEM_FIELDS = ["name", "description", "duration", "active", "allows_parallel_bookings"]
PROMOTION_FIELDS = [
    "name",
    "content",
    "starts_on",
    "ends_on",
    "rules",
    "discount_kind",
    "discount_value",
]


def _require(*, actor, store, permission: str, record_type: str, request=None) -> None:
    """Refuse outside any transaction, so the denied attempt stays in the use log."""
    if not actor.has_store_perm(permission, store):
        use_log(
            actor=actor,
            action="change",
            record_type=record_type,
            record_id="*",
            outcome="denied",
            request=request,
            store=store,
        )
        raise PermissionDenied


def item_create(
    *,
    actor,
    store,
    category: Category,
    name: str,
    price: Decimal,
    duration: int,
    description: str = "",
    active: bool = True,
    allows_parallel_bookings: bool = False,
    request=None,
) -> ServiceItem:
    _require(
        actor=actor,
        store=store,
        permission=MANAGE_ITEMS,
        record_type="catalogue.serviceitem",
        request=request,
    )
    with transaction.atomic():
        return _item_create(
            actor=actor,
            store=store,
            category=category,
            name=name,
            price=price,
            duration=duration,
            description=description,
            active=active,
            allows_parallel_bookings=allows_parallel_bookings,
            request=request,
        )


def _item_create(
    *,
    actor,
    store,
    category,
    name,
    price,
    duration,
    description,
    active,
    request,
    allows_parallel_bookings=False,
):
    if category is None or category.kind != CategoryKind.ITEM:
        raise ValidationError({"category": _("Choose a service item category.")})
    item = ServiceItem(
        store=store,
        category=category,
        name=name,
        price=price,
        duration=duration,
        description=description,
        active=active,
        allows_parallel_bookings=bool(allows_parallel_bookings),
        created_by=actor,
        updated_by=actor,
        code="XM00000",
    )
    item.full_clean(exclude=["code"])
    item.code = allocate_code("XM", category=category.number)
    item.save()
    ItemPrice.objects.create(item=item, price=item.price, valid_from=timezone.now(), set_by=actor)
    after = {f: getattr(item, f) for f in [*ITEM_FIELDS, "price"]}
    after["category"] = category.number_text
    operation_log(
        actor=actor,
        action="create",
        instance=item,
        changes=diff({}, after),
        request=request,
        store=store,
    )
    return item


def _update_allowed(*, actor, store, record, changes, fields, permission, request) -> None:
    """The checks before an update: only ``fields`` change, the actor holds ``permission``,
    and the record is this store's."""
    unknown = set(changes) - set(fields)
    if unknown:
        raise ValidationError(
            _("These fields cannot be changed here: %s") % ", ".join(sorted(unknown))
        )
    _require(
        actor=actor,
        store=store,
        permission=permission,
        record_type=record._meta.label_lower,
        request=request,
    )
    if record.store_id != store.pk:
        raise ValidationError(_("No such record was found in this store."))


def item_update(*, actor, store, item: ServiceItem, request=None, **changes) -> ServiceItem:
    """Change what is not the price (the price goes through ``item_price_propose``)."""
    _update_allowed(
        actor=actor,
        store=store,
        record=item,
        changes=changes,
        fields=ITEM_FIELDS,
        permission=MANAGE_ITEMS,
        request=request,
    )
    with transaction.atomic():
        item = ServiceItem.objects.select_for_update().get(pk=item.pk)
        before = {k: getattr(item, k) for k in changes}
        for k, v in changes.items():
            setattr(item, k, v)
        item.updated_by = actor
        item.full_clean()
        item.save()
        changed = diff(before, changes)
        if changed:
            operation_log(
                actor=actor,
                action="update",
                instance=item,
                changes=changed,
                request=request,
                store=store,
            )
        return item


def item_price_propose(
    *, actor, store, item: ServiceItem, price: Decimal, reason: str, request=None
):
    """Propose a new price; it applies when another person approves it (SEC-5)."""
    return change_propose(
        actor=actor,
        store=store,
        kind=ITEM_PRICE,
        target=item,
        payload={"price": str(price)},  # the kind's validate checks and normalises it
        reason=reason,
        request=request,
    )


def item_price_apply(*, actor, store, target: ServiceItem, payload: dict) -> ServiceItem:
    """The approved price: the item changes and the history gains a row (BIZ-1)."""
    price = Decimal(payload["price"])
    target.price = price
    target.updated_by = actor
    target.full_clean()
    target.save()
    from django.contrib.contenttypes.models import ContentType

    from anxin.approvals.models import ChangeRequest, ChangeState

    # The proposal being approved (still pending inside the approval's transaction).
    proposer_id = (
        ChangeRequest.objects.filter(
            kind=ITEM_PRICE,
            target_type=ContentType.objects.get_for_model(ServiceItem),
            target_id=str(target.pk),
            state=ChangeState.PENDING,
        )
        .values_list("proposer_id", flat=True)
        .first()
    )
    ItemPrice.objects.create(
        item=target,
        price=price,
        valid_from=timezone.now(),
        set_by_id=proposer_id,
        approved_by=actor,
    )
    return target


# -- promotions ---------------------------------------------------------------------------------


def promotion_create(*, actor, store, request=None, **data) -> Promotion:
    _require(
        actor=actor,
        store=store,
        permission=MANAGE_PROMOTIONS,
        record_type="catalogue.promotion",
        request=request,
    )
    with transaction.atomic():
        fields = {k: data[k] for k in PROMOTION_FIELDS if k in data}
        fields["rules"] = validate_rules(fields.get("rules") or {})
        promotion = Promotion(
            store=store, created_by=actor, updated_by=actor, code="CX00000", **fields
        )
        _clean_promotion(promotion)
        promotion.code = allocate_code("CX", on=promotion.starts_on)
        promotion.save()
        store_changed(store)  # the running promotions each bill reads are kept per process
        operation_log(
            actor=actor,
            action="create",
            instance=promotion,
            changes=diff({}, {k: getattr(promotion, k) for k in PROMOTION_FIELDS}),
            request=request,
            store=store,
        )
        return promotion


def _clean_promotion(promotion: Promotion) -> None:
    promotion.full_clean(exclude=["code"])
    if promotion.ends_on < promotion.starts_on:
        raise ValidationError({"ends_on": _("The promotion cannot end before it starts.")})
    if promotion.discount_kind == "percent" and promotion.discount_value > 100:
        raise ValidationError({"discount_value": _("A percentage cannot be more than 100.")})


def promotion_update(*, actor, store, promotion: Promotion, request=None, **changes) -> Promotion:
    _update_allowed(
        actor=actor,
        store=store,
        record=promotion,
        changes=changes,
        fields=PROMOTION_FIELDS,
        permission=MANAGE_PROMOTIONS,
        request=request,
    )
    with transaction.atomic():
        promotion = Promotion.objects.select_for_update().get(pk=promotion.pk)
        if "rules" in changes:
            changes["rules"] = validate_rules(changes["rules"])
        before = {k: getattr(promotion, k) for k in changes}
        for k, v in changes.items():
            setattr(promotion, k, v)
        promotion.updated_by = actor
        _clean_promotion(promotion)
        promotion.save()
        store_changed(store)
        changed = diff(before, changes)
        if changed:
            operation_log(
                actor=actor,
                action="update",
                instance=promotion,
                changes=changed,
                request=request,
                store=store,
            )
        return promotion
