"""Reads of the catalogue: items anyone in the store may see; promotions and their effect."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404

from anxin.accounts.models import RoleAssignment
from anxin.accounts.permissions import MANAGE_ITEMS, MANAGE_PROMOTIONS
from anxin.audit.services import use_log
from anxin.core.dates import day_range, day_start
from anxin.core.marks import kept

from .models import Promotion, ServiceItem
from .rules import Purchase, discounted, eligible


def works_in(user, store) -> bool:
    """Everyone who holds a role in the store may see its items."""
    if store is None or not user.is_authenticated or not user.is_active:
        return False
    return RoleAssignment.objects.filter(user=user, store=store, active=True).exists()


def can_manage_items(user, store) -> bool:
    return user.has_store_perm(MANAGE_ITEMS, store)


def can_manage_promotions(user, store) -> bool:
    return user.has_store_perm(MANAGE_PROMOTIONS, store)


def item_list(*, actor, store, active_only: bool = False) -> QuerySet[ServiceItem]:
    if not works_in(actor, store):
        return ServiceItem.objects.none()
    qs = ServiceItem.objects.filter(store=store).select_related("category")
    return qs.filter(active=True) if active_only else qs


def item_rows(*, actor, store) -> list[dict]:
    """The item list's columns only (code, name, category, price, minutes, offered), in code
    order, as plain rows: a store has 150 items (issue 11)."""
    return list(
        item_list(actor=actor, store=store).values(
            "code", "name", "category__name", "price", "duration", "active"
        )
    )


def item_get(*, actor, store, code: str) -> ServiceItem:
    item = item_list(actor=actor, store=store).filter(code=code).first()
    if item is None:
        raise Http404
    return item


def can_open_item(user, item, store) -> bool:
    return item.store_id == store.pk and works_in(user, store)


def promotion_list(*, actor, store) -> QuerySet[Promotion]:
    if not works_in(actor, store):
        return Promotion.objects.none()
    return Promotion.objects.filter(store=store)


def promotion_get(*, actor, store, code: str) -> Promotion:
    promotion = promotion_list(actor=actor, store=store).filter(code=code).first()
    if promotion is None:
        raise Http404
    return promotion


def can_open_promotion(user, promotion, store) -> bool:
    return promotion.store_id == store.pk and works_in(user, store)


def promotions_running(*, store, on: dt.date) -> list[Promotion]:
    """The promotions running on ``on``: read by every bill, kept per server process until a
    promotion of the store changes (``core.marks``; the promotions are shared: not to be
    changed)."""
    return list(
        kept(
            store,
            f"catalogue.promotions:{on.isoformat()}",
            lambda: tuple(
                Promotion.objects.filter(store=store, starts_on__lte=on, ends_on__gte=on)
            ),
        )
    )


def best_offer(
    *,
    store,
    item: ServiceItem,
    on: dt.date,
    is_new_client: bool,
    member_level=None,
    promotions: list[Promotion] | None = None,
) -> tuple[Decimal, Promotion | None]:
    """The lowest price any running promotion gives this client for this item. ``promotions``:
    ``promotions_running(store=, on=)`` read once for several items (a bill's lines)."""
    best, chosen = item.price, None
    purchase = Purchase(
        item_code=item.code,
        price=item.price,
        is_new_client=is_new_client,
        member_level=member_level,
    )
    if promotions is None:
        promotions = promotions_running(store=store, on=on)
    for promotion in promotions:
        if eligible(promotion.rules, purchase):
            price = discounted(item.price, promotion.discount_kind, promotion.discount_value)
            if price < best:
                best, chosen = price, promotion
    return best, chosen


def promotion_effect(*, actor, store, promotion: Promotion, request=None) -> dict:
    """Participants, revenue and visits during the promotion vs. as long just before it (BIZ-2)."""
    from anxin.clients.models import ServiceRecord

    if not can_manage_promotions(actor, store) or promotion.store_id != store.pk:
        raise Http404
    days = (promotion.ends_on - promotion.starts_on).days + 1
    before_start = promotion.starts_on - dt.timedelta(days=days)
    # One pass over the two windows (before, then during), as ranges of time the (store,
    # served_at) index answers: not a date cast per row, not one scan per window.
    start, end = day_range(before_start, promotion.ends_on)
    middle = day_start(promotion.starts_on)
    windows = {"before": Q(served_at__lt=middle), "during": Q(served_at__gte=middle)}
    totals = ServiceRecord.objects.filter(
        store=store, served_at__gte=start, served_at__lt=end
    ).aggregate(
        **{
            f"{name}_{what}": agg
            for name, when in windows.items()
            for what, agg in (
                ("visits", Count("pk", filter=when)),
                ("revenue", Sum("amount", filter=when)),
                ("clients", Count("client", distinct=True, filter=when)),
            )
        }
    )

    def window(name: str, first: dt.date, last: dt.date) -> dict:
        return {
            "start": first,
            "end": last,
            "visits": totals[f"{name}_visits"] or 0,
            "revenue": totals[f"{name}_revenue"] or Decimal("0.00"),
            "clients": totals[f"{name}_clients"] or 0,
        }

    during = window("during", promotion.starts_on, promotion.ends_on)
    before = window("before", before_start, promotion.starts_on - dt.timedelta(days=1))
    used = ServiceRecord.objects.filter(promotion=promotion).aggregate(
        n=Count("pk"), participants=Count("client", distinct=True), revenue=Sum("amount")
    )
    during["participants"] = used["participants"] or 0
    during["promotion_visits"] = used["n"] or 0
    during["promotion_revenue"] = used["revenue"] or Decimal("0.00")

    def change(a, b):
        return None if not b else round((a - b) * 100 / b, 1)

    use_log(
        actor=actor,
        action="report",
        instance=promotion,
        purpose="promotion effect",
        request=request,
        store=store,
    )
    return {
        "days": days,
        "during": during,
        "before": before,
        "revenue_change": change(during["revenue"], before["revenue"]),
        "visits_change": change(during["visits"], before["visits"]),
    }
