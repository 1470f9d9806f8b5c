"""Refunds and reversals (退款/冲正, POS-1): a new bill linked to the one it refunds, proposed by
one person and written when a second approves (approvals app, kind ``till.refund``).

The refund returns the products to stock and reverses card charges in the approval's
transaction; its negative lines let commissions net out. A line is refunded at most once, and
never for more than was paid for it.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anxin.accounts.policy import Scope, grant
from anxin.approvals import registry
from anxin.approvals.services import change_propose
from anxin.audit.services import operation_log
from anxin.core.money import format_yuan

from .. import cards_bridge, commissions_bridge
from ..access import BILL, require
from ..models import (
    E_PAYMENT,
    Bill,
    BillKind,
    BillLine,
    Method,
    MovementKind,
    Payment,
    StockMovement,
)
from ..money import ZERO, amount_in, cents
from .bills import _lock_cashier, _refuse_closed_day

REFUND = "till.refund"
ORIGINAL = "original"  # pay back by the bill's own methods (a whole bill only)
REFUND_METHODS = (ORIGINAL, Method.CASH, *E_PAYMENT)


def _refunded_line_ids(bill: Bill) -> list[int]:
    return sorted(
        BillLine.objects.filter(bill=bill, refunded_by__isnull=False).values_list("pk", flat=True)
    )


def refund_check(*, bill: Bill, payload: dict) -> dict:
    """The refund's payload, checked: which lines, how much, paid back how."""
    if bill.kind != BillKind.SALE:
        raise ValidationError(_("A refund cannot itself be refunded."))
    lines = {line.pk: line for line in bill.lines.all()}
    try:
        ids = sorted({int(pk) for pk in payload.get("lines") or []})
    except (TypeError, ValueError):
        raise ValidationError(_("Choose the lines to refund.")) from None
    if not ids:
        raise ValidationError({"lines": _("Choose the lines to refund.")})
    if any(pk not in lines for pk in ids):
        raise ValidationError({"lines": _("Those lines are not on this bill.")})
    done = set(_refunded_line_ids(bill))
    again = [lines[pk].description for pk in ids if pk in done]
    if again:
        raise ValidationError(
            {"lines": _("Refunded already: %(lines)s.") % {"lines": ", ".join(again)}}
        )
    most = sum((lines[pk].amount for pk in ids), ZERO)
    raw = payload.get("amount")
    amount = most if raw in (None, "") else amount_in(raw, field="amount", allow_zero=True)
    if amount > most:
        raise ValidationError(
            {
                "amount": _(
                    "A refund cannot be more than was paid for these lines (%(most)s yuan)."
                )
                % {"most": format_yuan(most)}
            }
        )
    method = payload.get("method") or ORIGINAL
    if method not in REFUND_METHODS:
        raise ValidationError({"method": _("Choose how the money goes back.")})
    whole = not done and len(ids) == len(lines) and amount == bill.total
    if method == ORIGINAL and not whole:
        raise ValidationError(
            {
                "method": _(
                    "Only a whole bill goes back by its own payment methods; for part of it "
                    "choose cash or an e-payment."
                )
            }
        )
    reference = str(payload.get("reference") or "").strip()[:64]
    if method in E_PAYMENT and not reference:
        raise ValidationError({"reference": _("Enter the refund's transaction number.")})
    return {
        "lines": ids,
        "amount": str(amount),
        "method": method,
        "reference": reference,
        "cashier": payload.get("cashier"),
        "reason": str(payload.get("reason") or "").strip()[:200],
    }


def refund_propose(
    *,
    actor,
    store,
    bill: Bill,
    lines,
    method: str,
    reason: str,
    amount=None,
    reference="",
    request=None,
):
    """Ask for a refund; a second person approves it on the approvals pages."""
    require(
        actor=actor,
        store=store,
        record_type=BILL,
        action="change",
        request=request,
        record_id=bill.pk,
    )
    payload = {
        "lines": [int(pk) for pk in lines],
        "amount": "" if amount in (None, "") else str(amount),
        "method": method,
        "reference": reference,
        "reason": reason,
    }
    return change_propose(
        actor=actor,
        store=store,
        kind=REFUND,
        target=bill,
        payload=payload,
        reason=reason,
        request=request,
    )


def _validate(*, actor, store, target, payload) -> dict:
    if target.store_id != store.pk:
        raise ValidationError(_("No such bill in this store."))
    checked = refund_check(bill=target, payload=payload)
    checked["cashier"] = actor.pk  # who pays the money back: the proposer, at the till
    return checked


def _snapshot(*, target, store, payload) -> dict:
    return {"refunded_lines": _refunded_line_ids(target)}


def _preview(*, target, store, before, payload) -> dict:
    return {"refunded_lines": sorted({*before.get("refunded_lines", []), *payload["lines"]})}


def _describe(*, target, before, after, kind):
    lines = {line.pk: line for line in target.lines.all()}
    chosen = [
        lines[pk].description
        for pk in after.get("refunded_lines", [])
        if pk in lines and pk not in before.get("refunded_lines", [])
    ]
    return [(_("Refunded lines"), "—", ", ".join(chosen) or "—")]


def refund_apply(*, actor, store, target: Bill, payload: dict) -> Bill:
    """Write the refund bill (called by the approval, in its transaction; ``actor`` approves)."""
    bill = target
    checked = refund_check(bill=bill, payload=payload)
    cashier = get_user_model().objects.get(pk=payload["cashier"])
    today = timezone.localdate()
    _lock_cashier(cashier)
    _refuse_closed_day(store=store, cashier=cashier, day=today)
    amount = Decimal(checked["amount"])
    originals = list(BillLine.objects.filter(pk__in=checked["lines"]).order_by("pk"))
    paid = sum((line.amount for line in originals), ZERO)
    shares, left = [], amount
    for i, line in enumerate(originals):
        share = (
            left
            if i == len(originals) - 1
            else cents(amount * line.amount / paid)
            if paid
            else ZERO
        )
        share = min(share, line.amount, left)
        shares.append(share)
        left -= share
    now = timezone.now()
    refund_lines = [
        BillLine(
            kind=line.kind,
            description=line.description,
            service_record=line.service_record,
            item=line.item,
            practitioner=line.practitioner,
            clock_type=line.clock_type,
            product=line.product,
            promotion=line.promotion,
            quantity=-line.quantity,
            unit_price=line.unit_price,
            discount=line.unit_price * -line.quantity + share,
            amount=-share,
            refund_of_line=line,
        )
        for line, share in zip(originals, shares, strict=True)
    ]
    subtotal = sum((row.unit_price * row.quantity for row in refund_lines), ZERO)
    refund = Bill.objects.create(
        store=store,
        kind=BillKind.REFUND,
        client=bill.client,
        cashier=cashier,
        business_day=today,
        paid_at=now,
        subtotal=subtotal,
        discount=subtotal + amount,
        total=-amount,
        refund_of=bill,
        reason=checked["reason"],
        approved_by=actor,
    )
    for row in refund_lines:
        row.bill = refund
    rows = BillLine.objects.bulk_create(refund_lines)
    StockMovement.objects.bulk_create(
        [
            StockMovement(
                store=store,
                product_id=row.product_id,
                kind=MovementKind.REFUND,
                quantity=-row.quantity,
                bill_line=row,
                at=now,
                by=cashier,
            )
            for row in rows
            if row.product_id is not None
        ]
    )
    payments = []
    if checked["method"] == ORIGINAL:
        for p in Payment.objects.filter(bill=bill).order_by("pk"):
            movement_id = None
            if p.method == Method.CARD and p.card_movement_id:
                movement = cards_bridge.reverse(
                    movement_id=p.card_movement_id, user=actor, reason=f"refund:{refund.pk}"
                )
                movement_id = movement.pk
            payments.append(
                Payment(
                    bill=refund,
                    store=store,
                    method=p.method,
                    amount=-p.amount,
                    reference=p.reference,
                    card_movement_id=movement_id,
                )
            )
    elif amount:
        payments.append(
            Payment(
                bill=refund,
                store=store,
                method=checked["method"],
                amount=-amount,
                reference=checked["reference"],
            )
        )
    Payment.objects.bulk_create(payments)
    commissions_bridge.for_refund(refund=refund, lines=rows)
    operation_log(
        actor=actor,
        action="refund",
        instance=refund,
        changes={
            "refund_of": bill.number,
            "total": str(refund.total),
            "line_summary": [f"{row.description}×{row.quantity}={row.amount}" for row in rows],
            "payment_summary": [{"method": p.method, "amount": str(p.amount)} for p in payments],
            "cashier": cashier.pk,
        },
        request=None,
        store=store,
    )
    return refund


def register_all() -> None:
    from ..models import Bill as BillModel

    registry.register(
        REFUND,
        label=gettext_lazy("Refund a bill"),
        target_model=BillModel,
        apply=refund_apply,
        propose_permission=grant(BILL, "change", Scope.STORE),
        validate=_validate,
        snapshot=_snapshot,
        preview=_preview,
        describe=_describe,
    )
