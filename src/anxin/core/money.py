"""Money is Decimal yuan with two places, on screen as in the database.

A sum over a DecimalField on SQLite comes back as ``Decimal("115.200000000000")``; every template
that shows money goes through ``yuan`` (``{% load money %}{{ total|yuan }}``) so it reads
``115.20``.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.formats import number_format

CENT = Decimal("0.01")


def to_yuan(value) -> Decimal | None:
    """``value`` (Decimal, number or text) as Decimal yuan with 2 places; None if it is none."""
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    if not amount.is_finite():
        return None
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def format_yuan(value) -> str:
    """``115.2`` → ``115.20`` in the active language's number format; "" for no amount, and
    text that is not an amount is shown as it is."""
    amount = to_yuan(value)
    if amount is None:
        return "" if value is None else str(value)
    return number_format(amount, decimal_pos=2)
