"""Amounts at the till: Decimal yuan to the fen (ROUND_HALF_UP), within sane bounds."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .models import MAX_MONEY

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def cents(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def amount_in(value, *, field: str = "amount", allow_zero: bool = False) -> Decimal:
    """A positive amount someone typed, or a translated ``ValidationError`` for ``field``."""
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({field: _("Enter an amount in yuan, such as 128.00.")}) from None
    if not amount.is_finite():
        raise ValidationError({field: _("Enter an amount in yuan, such as 128.00.")})
    if amount != amount.quantize(CENT):
        raise ValidationError({field: _("An amount has at most two decimal places (fen).")})
    if amount < 0 or (amount == 0 and not allow_zero):
        raise ValidationError({field: _("The amount must be more than zero.")})
    if amount > MAX_MONEY:
        raise ValidationError(
            {
                field: _("%(amount)s yuan is more than any bill here; check the amount.")
                % {"amount": amount}
            }
        )
    return cents(amount)
