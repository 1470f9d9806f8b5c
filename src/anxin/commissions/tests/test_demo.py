"""POS-3 demo data: the default rules; every paid service commissioned (bulk history and the
real checkout path agree); past months closed."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from anxin.clients.models import ServiceRecord
from anxin.commissions.demo import demo_commissions, demo_rules
from anxin.commissions.models import Commission, MonthClose
from anxin.core.demo import DemoRandom
from anxin.delivery.services import service_record
from anxin.till.demo import demo_till
from anxin.till.models import BillLine


@pytest.mark.django_db
@pytest.mark.req("POS-3")
def test_demo_commissions_every_paid_service(
    store, front_desk, manager, practitioner, client_a, item
):
    record = service_record(
        actor=front_desk,
        store=store,
        client=client_a,
        item=item,
        practitioner=practitioner,
        clock_type="named",
    )
    for days, clock in ((1, "rotation"), (2, "named"), (45, "rotation"), (80, "named")):
        ServiceRecord.objects.create(
            store=store,
            client=client_a,
            practitioner=practitioner,
            served_at=timezone.now() - dt.timedelta(days=days),
            item=item,
            item_name=record.item_name,
            amount=record.amount,
            clock_type=clock,
        )
    rnd = DemoRandom(1)
    demo_rules(rnd=rnd, store=store, since=timezone.localdate() - dt.timedelta(days=400))
    demo_till(rnd=rnd, store=store, scale="store")  # the last days on the real path
    assert Commission.objects.count() == 2
    result = demo_commissions(rnd=rnd, store=store, scale="store")
    assert result["commissions"] == 2  # the bulk history
    lines = BillLine.objects.filter(kind="service").select_related("commission")
    assert lines.count() == 4
    for line in lines:
        rate = Decimal("0.15") if line.clock_type == "named" else Decimal("0.10")
        assert line.commission.amount == (line.amount * rate).quantize(Decimal("0.01"))
        assert line.commission.practitioner_id == line.practitioner_id
    this_month = timezone.localdate().replace(day=1)
    last_month = (this_month - dt.timedelta(days=1)).replace(day=1)
    assert not MonthClose.objects.filter(month__gte=last_month).exists()
    for close in MonthClose.objects.all():
        assert close.total == sum(
            Commission.objects.filter(month=close.month).values_list("amount", flat=True)
        )
    # Run again: nothing is commissioned twice.
    assert demo_commissions(rnd=rnd, store=store, scale="store")["commissions"] == 0
