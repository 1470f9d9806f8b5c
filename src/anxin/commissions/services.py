"""Every write of commissions: rule versions, month closes, and the commission rows written with
the bill, the refund or the card sale that earns them (in that same transaction).

The till calls ``for_sale`` and ``for_refund`` from inside its own transaction (see
``anxin.till.commissions_bridge``): if the bill or the refund fails, no commission is written,
and if the commission fails, neither is the bill.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Set
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.accounts.permissions import MANAGE_COMMISSIONS
from anxin.audit.services import operation_log, use_log
from anxin.core.marks import kept, store_changed
from anxin.core.prepared import Prepared, insert
from anxin.staff.models import PractitionerLevel, StaffMember

from .models import MAX_FIXED, Basis, Commission, Mode, MonthClose, Rule
from .rules import ZERO, RuleBook, basis_of, cents, commission_on

RECORD = "commissions.commission"


def may_manage(actor, store) -> bool:
    return (
        store is not None
        and actor is not None
        and actor.is_authenticated
        and MANAGE_COMMISSIONS in actor.permissions_in(store)
    )


def require_manage(*, actor, store, action: str, request=None) -> None:
    if not may_manage(actor, store):
        use_log(
            actor=actor,
            action=action,
            record_type="commissions.rule",
            record_id="*",
            outcome="denied",
            request=request,
            store=store,
        )
        raise PermissionDenied


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def closed_months(store) -> frozenset[dt.date]:
    """The months closed for payroll, read by every bill: kept per server process until a month
    of the store is closed (``core.marks``)."""
    return kept(
        store,
        "commissions.closed_months",
        lambda: frozenset(MonthClose.objects.filter(store=store).values_list("month", flat=True)),
    )


def open_month(store, day: dt.date, closed: Set[dt.date] | None = None) -> dt.date:
    """The payroll month a commission paid on ``day`` lands in: its own month, or the first
    open month after it when that one is closed."""
    closed = closed_months(store) if closed is None else closed
    month = month_of(day)
    while month in closed:
        month = next_month(month)
    return month


# -- rules --------------------------------------------------------------------------------


def _decimal(value, *, field: str) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({field: _("Enter a number, such as 15 or 20.00.")}) from None
    if not number.is_finite():
        raise ValidationError({field: _("Enter a number, such as 15 or 20.00.")})
    if number != number.quantize(Decimal("0.01")):
        raise ValidationError({field: _("At most two decimal places.")})
    return number


def rule_create(
    *,
    actor,
    store,
    basis: str,
    mode: str,
    rate,
    effective_from: dt.date,
    item=None,
    category=None,
    level: str = "",
    min_volume=ZERO,
    note: str = "",
    request=None,
) -> Rule:
    """A new rule, or a new version of one (same basis, item or category, level and tier) from
    its date. Never retroactive: the date is today or later and not in a closed month."""
    require_manage(actor=actor, store=store, action="create", request=request)
    errors: dict[str, str] = {}
    if basis not in Basis.values:
        errors["basis"] = _("Choose what the commission is paid on.")
    if mode not in Mode.values:
        errors["mode"] = _("Choose a percentage or a fixed amount.")
    if level and level not in PractitionerLevel.values:
        errors["level"] = _("Choose a practitioner level, or none for every level.")
    if item is not None and (item.store_id != store.pk):
        errors["item"] = _("Choose a service item of this store.")
    if category is not None and getattr(category, "kind", "item") != "item":
        errors["category"] = _("Choose a category of service items.")
    if item is not None and category is not None:
        errors["category"] = _("Give a service item or a category, not both.")
    if basis == Basis.CARD_SALE and (item is not None or category is not None):
        errors["item"] = _("A card-sale rule covers every card: leave the item and category empty.")
    try:
        rate = _decimal(rate, field="rate")
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    else:
        if rate < 0:
            errors["rate"] = _("A rate cannot be negative.")
        elif mode == Mode.PERCENT and rate > 100:
            errors["rate"] = _("A percentage is at most 100.")
        elif mode == Mode.FIXED and rate > MAX_FIXED:
            errors["rate"] = _("%(rate)s yuan per service is more than any commission here.") % {
                "rate": rate
            }
    try:
        min_volume = _decimal(min_volume if min_volume not in (None, "") else "0", field="x")
    except ValidationError:
        errors["min_volume"] = _("Enter the monthly volume in yuan, such as 20000.")
    else:
        if min_volume < 0:
            errors["min_volume"] = _("A monthly volume cannot be negative.")
        elif min_volume > 0 and basis == Basis.CARD_SALE:
            errors["min_volume"] = _(
                "Tiers follow the monthly volume of services: a card-sale rule has none."
            )
    today = timezone.localdate()
    if not isinstance(effective_from, dt.date):
        errors["effective_from"] = _("Give the day the rule is in force from.")
    elif month_of(effective_from) in closed_months(store):
        errors["effective_from"] = _(
            "%(month)s is closed for payroll: a rule can only take effect in an open month."
        ) % {"month": f"{effective_from:%Y-%m}"}
    elif effective_from < today:
        errors["effective_from"] = _(
            "A rule takes effect today or later: a change never reaches back to services "
            "already paid."
        )
    note = (note or "").strip()[:200]
    if errors:
        raise ValidationError(errors)
    key = dict(
        store=store,
        basis=basis,
        item=item,
        category=category,
        level=level or "",
        min_volume=min_volume,
    )
    with transaction.atomic():
        if Rule.objects.filter(**key, effective_from=effective_from).exists():
            raise ValidationError(
                {
                    "effective_from": _(
                        "A version of this rule already takes effect on %(day)s: choose "
                        "another day."
                    )
                    % {"day": effective_from.isoformat()}
                }
            )
        previous = Rule.objects.filter(**key).order_by("-effective_from", "-pk").first()
        rule = Rule(
            **key,
            mode=mode,
            rate=rate,
            effective_from=effective_from,
            note=note,
            created_by=actor,
        )
        rule.full_clean()
        rule.save()
        store_changed(store)  # each process reads the rule book again
        operation_log(
            actor=actor,
            action="create",
            instance=rule,
            changes={
                "basis": basis,
                "item": item.code if item is not None else "",
                "category": str(category) if category is not None else "",
                "level": level or "",
                "min_volume": str(min_volume),
                "mode": mode,
                "rate": [str(previous.rate) if previous else None, str(rate)],
                "effective_from": effective_from.isoformat(),
                "previous_version": previous.pk if previous else None,
            },
            reason=note,
            request=request,
            store=store,
        )
    return rule


# -- month close --------------------------------------------------------------------------


def month_close(*, actor, store, month: dt.date, request=None) -> MonthClose:
    """Close a month's commissions for payroll: from now on nothing lands in it."""
    require_manage(actor=actor, store=store, action="approve", request=request)
    month = month_of(month)
    if month >= month_of(timezone.localdate()):
        raise ValidationError(
            {"month": _("Only a month that has ended can be closed for payroll.")}
        )
    if MonthClose.objects.filter(store=store, month=month).exists():
        raise ValidationError(
            {"month": _("%(month)s is closed already.") % {"month": f"{month:%Y-%m}"}}
        )
    try:
        with transaction.atomic():
            total = (
                Commission.objects.filter(store=store, month=month).aggregate(total=Sum("amount"))[
                    "total"
                ]
                or ZERO
            )
            closed = MonthClose.objects.create(
                store=store, month=month, total=total, closed_by=actor
            )
            store_changed(store)  # each process reads the closed months again
            operation_log(
                actor=actor,
                action="close",
                instance=closed,
                changes={"month": f"{month:%Y-%m}", "total": str(total)},
                request=request,
                store=store,
            )
    except IntegrityError:
        raise ValidationError(
            {"month": _("%(month)s is closed already.") % {"month": f"{month:%Y-%m}"}}
        ) from None
    return closed


# -- commissions earned (called inside the till's and the cards' transactions) -----------------


_LEVELS = Prepared(
    lambda ids: StaffMember.objects.filter(user_id__in=ids).values_list("user_id", "level")
)


def _levels(user_ids) -> dict[int, str]:
    ids = sorted(set(user_ids))
    return dict(_LEVELS(ids=ids)) if ids else {}


def _volume_rows(store, ids, start, end, bill):
    from anxin.till.models import BillLine

    return (
        BillLine.objects.filter(  # index till_line_practitioner_paid: the month's lines only
            practitioner_id__in=ids,
            paid_at__gte=start,
            paid_at__lt=end,
            kind="service",
            bill__store_id=store,
        )
        .exclude(bill_id=bill)
        .values_list("practitioner_id")
        .annotate(total=Sum("amount"))
        .values_list("practitioner_id", "total")
    )


_VOLUMES = Prepared(_volume_rows)


def _month_range(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(month, dt.time(), tzinfo=tz)
    end = dt.datetime.combine(next_month(month), dt.time(), tzinfo=tz)
    return start, end


def _volumes(*, store, practitioner_ids, month: dt.date, exclude_bill) -> dict[int, Decimal]:
    """Each practitioner's services paid in the calendar month, before this bill."""
    start, end = _month_range(month)
    ids = sorted(set(practitioner_ids))
    rows = (
        _VOLUMES(store=store.pk, ids=ids, start=start, end=end, bill=exclude_bill.pk) if ids else []
    )
    return {pk: total or ZERO for pk, total in rows}


def for_sale(*, bill, lines) -> list[Commission]:
    """The commissions of a sale's service lines, by the rules in force when it was paid."""
    services = [
        line
        for line in lines
        if line.kind == "service" and line.practitioner_id and line.amount > 0
    ]
    if not services:
        return []
    store = bill.store
    paid_at = timezone.localtime(bill.paid_at)
    day = paid_at.date()
    book = RuleBook.of(store)
    if not book.versions:
        return []
    who = {line.practitioner_id for line in services}
    # Read once per bill, and only what the store's rules ask about.
    levels = _levels(who) if book.uses_levels else {}
    volumes = (
        _volumes(store=store, practitioner_ids=who, month=month_of(day), exclude_bill=bill)
        if book.uses_tiers
        else {}
    )
    categories = _line_categories(services) if book.uses_categories else {}
    month = open_month(store, day)
    rows = []
    for line in services:
        volume = volumes.get(line.practitioner_id, ZERO)
        rule = book.find(
            basis=basis_of(line.clock_type),
            day=day,
            item_id=line.item_id,
            category_id=categories.get(line.item_id),
            level=levels.get(line.practitioner_id, ""),
            volume=volume,
        )
        volumes[line.practitioner_id] = volume + line.amount
        if rule is None:
            continue
        amount = commission_on(rule, line.amount, line.quantity)
        if not amount:
            continue
        rows.append(
            Commission(
                store=store,
                practitioner_id=line.practitioner_id,
                month=month,
                at=bill.paid_at,
                basis=rule.basis,
                description=line.description[:80],
                base=line.amount,
                rule=rule,
                amount=amount,
                bill_line=line,
            )
        )
    return insert(rows)


def _line_categories(lines) -> dict[int, int]:
    """Each line's item's category: from the items the lines carry (a bill being written), else
    one query."""
    found, missing = {}, set()
    for line in lines:
        if not line.item_id:
            continue
        if type(line)._meta.get_field("item").is_cached(line):
            found[line.item_id] = line.item.category_id
        else:
            missing.add(line.item_id)
    return {**found, **_categories(missing)} if missing else found


def _categories(item_ids) -> dict[int, int]:
    from anxin.catalogue.models import ServiceItem

    ids = {pk for pk in item_ids if pk}
    if not ids:
        return {}
    return dict(ServiceItem.objects.filter(pk__in=ids).values_list("pk", "category_id"))


def _refund_rows(originals, refunds, *, store, at, month) -> list[Commission]:
    rows = []
    for line in refunds:
        original = originals.get(line.refund_of_line_id)
        if original is None:
            continue
        back = -line.amount  # what was paid back for the line (positive)
        amount = (
            -original.amount
            if back >= original.base or not original.base
            else -cents(original.amount * back / original.base)
        )
        rows.append(
            Commission(
                store=store,
                practitioner_id=original.practitioner_id,
                month=month,
                at=at,
                basis=original.basis,
                description=original.description,
                base=line.amount,
                rule_id=original.rule_id,
                amount=amount,
                bill_line=line,
                refund_of=original,
                adjustment=month != original.month,
            )
        )
    return rows


def for_refund(*, refund, lines) -> list[Commission]:
    """The negative commissions of a refund's lines: each offsets the line it refunds, in the
    same share as the money paid back; in the refund's month, or the next open one."""
    refunded = [line for line in lines if line.refund_of_line_id]
    if not refunded:
        return []
    originals = {
        c.bill_line_id: c
        for c in Commission.objects.filter(bill_line_id__in=[x.refund_of_line_id for x in refunded])
    }
    if not originals:
        return []
    store = refund.store
    month = open_month(store, timezone.localtime(refund.paid_at).date())
    rows = _refund_rows(originals, refunded, store=store, at=refund.paid_at, month=month)
    created = Commission.objects.bulk_create(rows)
    if created:
        operation_log(
            actor=refund.approved_by,
            action="refund",
            record_type=RECORD,
            record_id=str(refund.pk),
            changes={
                "refund": refund.number,
                "commissions": [f"{c.practitioner_id}:{c.amount}" for c in created],
                "month": f"{month:%Y-%m}",
            },
            store=store,
        )
    return created
