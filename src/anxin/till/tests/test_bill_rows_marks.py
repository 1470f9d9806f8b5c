"""Issue 11: a day's bills as rows built in Python (``{% bill_rows %}``): the refund marks, the walk-in
client and the cashier's name in words, in the same queries however many bills (h-pgcrawl's
check of the markup, kept beside test_bill_rows.py)."""

from decimal import Decimal

import pytest
from django.utils import timezone

from anxin.approvals.services import change_approve
from anxin.core.testing import assert_constant_queries
from anxin.till import services
from anxin.till.models import Bill

from .conftest import cash

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def walk_in(store, cashier, item, who, n=1):
    return services.bill_pay(
        actor=cashier,
        store=store,
        client=None,
        services=[
            services.ServiceLine(item=item, practitioner=who, clock_type="named") for _ in range(n)
        ],
        payments=[cash(str(Decimal(item.price) * n))],
    )


@pytest.mark.req("POS-1")
def test_the_days_bills_are_rows_with_their_marks_in_constant_queries(
    client, login, store, front_desk, manager, practitioner, item
):
    front_desk.full_name = "王<b>前台"
    front_desk.save(update_fields=["full_name"])
    sold = walk_in(store, front_desk, item, practitioner)
    change = services.refund_propose(
        actor=front_desk, store=store, bill=sold, lines=list(sold.lines.values_list("pk", flat=True)),
        method="original", reason="客户投诉",
    )  # fmt: skip
    change_approve(actor=manager, change=change)
    refund = Bill.objects.get(kind="refund")
    login(client, manager)
    path = f"/till/bills/?day={timezone.localdate()}"
    page = client.get(path, **EN).content.decode()
    paid = timezone.localtime(sold.paid_at).strftime("%H:%M")
    assert (
        f'\n    <tr><th scope="row"><a href="/till/bills/{sold.pk}/">{sold.number}</a> '
        f"<small>(refunded)</small></th>\n      <td>{paid}</td><td>walk-in client</td>"
        "<td>王&lt;b&gt;前台</td><td>128.00 yuan</td></tr>\n  "
    ) in page
    assert (
        f'<a href="/till/bills/{refund.pk}/">{refund.number}</a> <small>(refund)</small></th>'
    ) in page
    assert "<b>" not in page.split("<tbody>")[1]
    assert_constant_queries(
        lambda: client.get(path), lambda n: walk_in(store, front_desk, item, practitioner, n)
    )
