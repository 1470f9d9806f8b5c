"""Issue 11: a day's bills (``/till/bills/?day``) are written in Python (``{% bill_rows %}``):
the rows say each bill in words, and a busier day adds rows, not queries, and no client's
encrypted field is read."""

import re
from decimal import Decimal

import pytest
from django.utils import timezone

from anxin.approvals.services import change_approve
from anxin.core.testing import assert_constant_queries, captured
from anxin.till import services
from anxin.till.models import Bill

from .conftest import cash, wechat

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ROW = re.compile(r'<tr><th scope="row">.*?</tr>', re.S)


@pytest.mark.req("POS-1")
def test_a_days_bills_say_number_time_client_cashier_and_total_in_words(
    client, login, store, front_desk, manager, client_a, record, oil
):
    client_a.name = "林<小>&雨"
    client_a.save(update_fields=["name"])
    sale = services.bill_pay(
        actor=front_desk,
        store=store,
        client=client_a,
        services=[services.ServiceLine(record=record)],
        payments=[wechat("128.00")],
    )
    walk_in = services.bill_pay(
        actor=front_desk,
        store=store,
        products=[services.ProductLine(product=oil, quantity=1)],
        payments=[cash("58.00")],
    )
    ids = list(sale.lines.values_list("pk", flat=True))
    change = services.refund_propose(
        actor=front_desk, store=store, bill=sale, lines=ids, method="original", reason="退货"
    )
    change_approve(actor=manager, change=change)
    refund = Bill.objects.get(kind="refund")
    login(client, manager)
    page = client.get("/till/bills/", **EN).content.decode()
    rows = ROW.findall(page)
    assert len(rows) == 3 and "3 bills" in page

    def at(bill):
        return f"{timezone.localtime(bill.paid_at):%H:%M}"

    cashier = front_desk.full_name or front_desk.username
    expected = {
        refund.pk: (
            f'<tr><th scope="row"><a href="/till/bills/{refund.pk}/">{refund.number}</a>'
            f" <small>(refund)</small></th>\n      <td>{at(refund)}</td>"
            f"<td>林&lt;小&gt;&amp;雨</td><td>{cashier}</td><td>-128.00 yuan</td></tr>"
        ),
        walk_in.pk: (
            f'<tr><th scope="row"><a href="/till/bills/{walk_in.pk}/">{walk_in.number}</a>'
            f"</th>\n      <td>{at(walk_in)}</td>"
            f"<td>walk-in client</td><td>{cashier}</td><td>58.00 yuan</td></tr>"
        ),
        sale.pk: (
            f'<tr><th scope="row"><a href="/till/bills/{sale.pk}/">{sale.number}</a>'
            f" <small>(refunded)</small></th>\n      <td>{at(sale)}</td>"
            f"<td>林&lt;小&gt;&amp;雨</td><td>{cashier}</td><td>128.00 yuan</td></tr>"
        ),
    }
    # Newest first: the refund, then the walk-in bill, then the sale (ties by number).
    by_time = sorted(expected, key=lambda pk: (Bill.objects.get(pk=pk).paid_at, pk), reverse=True)
    assert rows == [expected[pk] for pk in by_time]
    chinese = client.get("/till/bills/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "（已退款）" in chinese and "128.00 元" in chinese


@pytest.mark.req("POS-1")
def test_a_busier_day_adds_rows_not_queries_nor_encrypted_reads(
    client, login, store, front_desk, manager, client_a
):
    login(client, manager)
    today = timezone.localdate()

    def grow(n):
        for _ in range(n):
            Bill.objects.create(
                store=store,
                kind="sale",
                client=client_a,
                cashier=front_desk,
                business_day=today,
                subtotal=Decimal("10.00"),
                discount=Decimal("0.00"),
                total=Decimal("10.00"),
            )

    def page():
        response = client.get("/till/bills/", **EN)
        assert response.status_code == 200
        return response

    assert_constant_queries(page, grow, rows=5)
    response, sql = captured(page)
    assert len(ROW.findall(response.content.decode())) == 15
    (listing,) = [s for s in sql if s.startswith('SELECT "till_bill"."id"')]
    for secret in ("phone", "id_number", "address", "signature_image"):
        assert f'"clients_client"."{secret}"' not in listing
    assert '"accounts_user"."phone"' not in listing
