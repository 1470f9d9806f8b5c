"""The till's demo data: products with stock; the last days' services paid and closed."""

import datetime as dt

import pytest
from django.utils import timezone

from anxin.clients.models import ServiceRecord
from anxin.core.demo import DemoRandom
from anxin.till.demo import demo_till
from anxin.till.models import Bill, DailyClose, Product
from anxin.till.services import stock_balances


@pytest.mark.django_db
@pytest.mark.req("POS-1", "POS-4", "POS-5")
@pytest.mark.parametrize("scale", ["small", "store"])
def test_demo_pays_past_services_and_stocks_products(store, front_desk, manager, record, scale):
    today = timezone.localdate()
    for days in (1, 2, 9):  # two recent services and an older one
        ServiceRecord.objects.create(
            store=store,
            client=record.client,
            practitioner=record.practitioner,
            served_at=timezone.now() - dt.timedelta(days=days),
            item=record.item,
            item_name=record.item_name,
            amount=record.amount,
            clock_type="rotation",
        )
    result = demo_till(rnd=DemoRandom(1), store=store, scale=scale)
    assert Product.objects.filter(store=store).count() == (40 if scale == "store" else 8)
    assert all(
        v >= 0 for v in stock_balances(Product.objects.values_list("pk", flat=True)).values()
    )
    paid = Bill.objects.filter(store=store)
    assert paid.count() == result["bills"] == (3 if scale == "store" else 2)
    assert not paid.filter(business_day=today).exists()  # today's service waits at the till
    for bill in paid:
        assert sum(p.amount for p in bill.payments.all()) == bill.total
        assert sum(line.amount for line in bill.lines.all()) == bill.total
    assert DailyClose.objects.filter(store=store).count() == 4
