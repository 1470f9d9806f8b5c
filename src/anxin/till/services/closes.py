"""Daily close (交班/日结, POS-5): a cashier's cash expected vs. counted; the day is then frozen."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.accounts.names import person_name
from anxin.accounts.policy import Scope
from anxin.audit.services import operation_log

from ..access import CLOSE, require
from ..models import DailyClose, Method, Payment
from ..money import ZERO, amount_in
from .bills import _lock_cashier


def expected_cash(*, store, cashier, day: dt.date):
    total = Payment.objects.filter(
        store=store, method=Method.CASH, bill__cashier=cashier, bill__business_day=day
    ).aggregate(total=Sum("amount"))["total"]
    return (total or ZERO).quantize(ZERO)


def day_close(
    *, actor, store, counted_cash, reason: str = "", cashier=None, day=None, request=None
):
    """Close ``cashier``'s day (their own by default). A difference needs a reason."""
    scope = require(actor=actor, store=store, record_type=CLOSE, action="create", request=request)
    cashier = cashier or actor
    if scope == Scope.OWN and cashier.pk != actor.pk:
        require(actor=actor, store=store, record_type=CLOSE, action="approve", request=request)
    day = day or timezone.localdate()
    if day > timezone.localdate():
        raise ValidationError(_("A day is closed at its end, not before it begins."))
    counted = amount_in(counted_cash, field="counted_cash", allow_zero=True)
    reason = (reason or "").strip()[:200]
    try:
        with transaction.atomic():
            _lock_cashier(cashier)
            if DailyClose.objects.filter(store=store, cashier=cashier, day=day).exists():
                raise ValidationError(
                    _("%(name)s's day %(day)s is closed already."),
                    params={"name": person_name(cashier, store), "day": day.isoformat()},
                )
            expected = expected_cash(store=store, cashier=cashier, day=day)
            difference = counted - expected
            if difference and not reason:
                raise ValidationError(
                    {
                        "reason": _(
                            "The counted cash differs from the expected by %(diff)s yuan: say why."
                        )
                        % {"diff": difference}
                    }
                )
            close = DailyClose.objects.create(
                store=store,
                cashier=cashier,
                day=day,
                expected_cash=expected,
                counted_cash=counted,
                difference=difference,
                reason=reason,
                closed_by=actor,
            )
            operation_log(
                actor=actor,
                action="close",
                instance=close,
                changes={
                    "day": day.isoformat(),
                    "cashier": cashier.pk,
                    "expected_cash": str(expected),
                    "counted_cash": str(counted),
                    "difference": str(difference),
                },
                reason=reason,
                request=request,
                store=store,
            )
    except IntegrityError:
        raise ValidationError(_("This day was closed meanwhile.")) from None
    return close
