"""The daily totals read the days asked for, not the store's years of payments (issue 11).

On PostgreSQL at a store's scale (300,000 payments) the payments were joined to their bills on
the bill's day alone: the planner read every payment (0.15–0.2 s). They are now bounded by the
id range of the bills of those days too, which the payment's bill index answers.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from anxin.core.testing import assert_constant_queries, assert_no_full_scans, captured, pg_plan
from anxin.till import selectors
from anxin.till.models import Bill, Method, Payment

pytestmark = pytest.mark.django_db
TILL = ("till_bill", "till_payment")


def _sell(store, cashier, day, n, *, amount="10.00", method=Method.CASH):
    for _ in range(n):
        value = Decimal(amount)
        bill = Bill.objects.create(
            store=store,
            kind="sale",
            cashier=cashier,
            business_day=day,
            subtotal=value,
            discount=Decimal("0.00"),
            total=value,
        )
        Payment.objects.create(bill=bill, store=store, method=method, amount=value)


@pytest.mark.req("POS-5")
def test_the_daily_totals_add_up_the_days_asked_for_in_constant_queries(store, manager, front_desk):
    today = timezone.localdate()
    long_ago = today - dt.timedelta(days=400)
    _sell(store, front_desk, long_ago, 2, amount="99.00")

    def page():
        return selectors.day_totals(
            actor=manager, store=store, first=today - dt.timedelta(days=13), last=today
        )

    def grow(n):
        _sell(store, front_desk, today, n)
        # A bill of another day whose id falls among today's: outside the days all the same.
        _sell(store, front_desk, long_ago, 1, amount="7.00", method=Method.WECHAT)
        _sell(store, front_desk, today, 1, amount="5.00", method=Method.ALIPAY)

    assert_constant_queries(page, grow)
    rows = page()
    assert [row["day"] for row in rows] == [today]
    assert rows[0]["methods"] == {Method.CASH: Decimal("150.00"), Method.ALIPAY: Decimal("10.00")}
    assert rows[0]["sales"] == 17 and rows[0]["total"] == Decimal("160.00")


def _payments_statement(store, manager, front_desk) -> str:
    today = timezone.localdate()
    for back in range(0, 30, 3):
        _sell(store, front_desk, today - dt.timedelta(days=back), 3)
    rows, sql = captured(
        lambda: selectors.day_totals(
            actor=manager, store=store, first=today - dt.timedelta(days=13), last=today
        )
    )
    assert sum(row["sales"] for row in rows) == 15
    assert_no_full_scans(sql, TILL)
    (statement,) = [s for s in sql if 'FROM "till_payment"' in s]
    return statement


def test_the_daily_totals_bound_the_payments_by_their_bills(store, manager, front_desk):
    statement = _payments_statement(store, manager, front_desk)
    assert '"till_payment"."bill_id" >=' in statement
    assert '"till_payment"."bill_id" <=' in statement


@pytest.mark.postgresql_only
def test_postgresql_reads_the_payments_of_those_bills_only(store, manager, front_desk):
    plan = pg_plan(_payments_statement(store, manager, front_desk))
    reads = [i for i, line in enumerate(plan) if "on till_payment" in line]
    assert reads, plan
    condition = plan[reads[0] + 1]
    assert "Index Cond" in condition and "bill_id >=" in condition, "\n".join(plan)
