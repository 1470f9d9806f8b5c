"""Every write of the till; the modules hold bills, refunds, daily closes and stock."""

from .bills import (
    PaymentIn,
    ProductLine,
    Quote,
    ServiceLine,
    bill_pay,
    bill_quote,
    day_is_closed,
    stock_balances,
)
from .closes import day_close, expected_cash
from .refunds import ORIGINAL, REFUND, REFUND_METHODS, refund_check, refund_propose
from .stock import product_create, product_update, stock_receive, stocktake_record

__all__ = [
    "ORIGINAL",
    "REFUND",
    "REFUND_METHODS",
    "PaymentIn",
    "ProductLine",
    "Quote",
    "ServiceLine",
    "bill_pay",
    "bill_quote",
    "day_close",
    "day_is_closed",
    "expected_cash",
    "product_create",
    "product_update",
    "refund_check",
    "refund_propose",
    "stock_balances",
    "stock_receive",
    "stocktake_record",
]
