"""A practitioner's own lines at the till read the period's bills, not three years of theirs
(issue 11: 5,400 lines read for a month's few at a store's scale, 28 ms of SQL a page)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from anxin.core.testing import assert_constant_queries, assert_no_full_scans, captured, query_plan
from anxin.till import selectors
from anxin.till.models import Bill, BillLine

pytestmark = pytest.mark.django_db


def _line(store, cashier, who, day, amount="10.00"):
    value = Decimal(amount)
    bill = Bill.objects.create(
        store=store, kind="sale", cashier=cashier, business_day=day,
        subtotal=value, discount=Decimal("0.00"), total=value,
    )  # fmt: skip
    return BillLine.objects.create(
        bill=bill, kind="service", description="足疗", practitioner=who,
        quantity=1, unit_price=value, discount=Decimal("0.00"), amount=value,
    )  # fmt: skip


@pytest.mark.req("POS-1")
def test_a_practitioners_lines_are_the_periods_bounded_by_its_bills(
    store, front_desk, practitioner, practitioner_b
):
    today = timezone.localdate()
    first, long_ago = today.replace(day=1), today - dt.timedelta(days=400)
    _line(store, front_desk, practitioner, long_ago)

    def page():
        return list(selectors.my_lines(actor=practitioner, store=store, first=first, last=today))

    def grow(n):
        for _ in range(n):
            _line(store, front_desk, practitioner, today)
            _line(store, front_desk, practitioner_b, today)
            # A bill of another day whose id falls among the period's: not theirs this month.
            _line(store, front_desk, practitioner, long_ago, amount="7.00")

    assert_constant_queries(page, grow)
    lines, sql = captured(page)
    assert len(lines) == 15 and {line.amount for line in lines} == {Decimal("10.00")}
    assert_no_full_scans(sql, ("till_bill", "till_billline"))
    (statement,) = [s for s in sql if 'FROM "till_billline"' in s]
    if connection.vendor == "sqlite":  # SQLite's plan (PostgreSQL: the bounds are in the SQL)
        plan = " ".join(query_plan(statement))
        assert "till_line_practitioner (practitioner_id=? AND bill_id>? AND bill_id<?)" in plan
    assert '"bill_id" >= ' in statement and '"bill_id" <= ' in statement, statement
