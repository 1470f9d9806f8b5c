"""The till's pages: checkout by form, receipts (a practitioner reads their own lines only),
the daily close, products; out of scope is 404 and logged."""

from decimal import Decimal

import pytest

from anxin.audit.models import UseLog
from anxin.till import services
from anxin.till.models import Bill, DailyClose, Product

from .conftest import cash, wechat

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def paid(store, front_desk, client_a, record, oil):
    return services.bill_pay(
        actor=front_desk,
        store=store,
        client=client_a,
        services=[services.ServiceLine(record=record)],
        products=[services.ProductLine(product=oil, quantity=1)],
        payments=[wechat("100.00"), cash("86.00")],
    )


@pytest.mark.req("POS-1")
def test_checkout_by_the_form(client, login, store, front_desk, client_a, record, oil):
    login(client, front_desk)
    page = client.get(f"/till/?client={client_a.code}", **EN)
    assert page.status_code == 200 and "全身按摩" in page.content.decode()
    form = {
        "client": client_a.code,
        "records": [str(record.pk)],
        "product_1": str(oil.pk),
        "quantity_1": "2",
        "clock_1": "rotation",
        "clock_2": "rotation",
        "quantity_2": "1",
        "quantity_3": "1",
    }
    quote = client.post("/till/", {**form, "action": "quote"}, **EN)
    assert quote.status_code == 200
    assert "244.00 yuan" in quote.content.decode()
    short = client.post("/till/", {**form, "action": "pay", "cash": "100.00"}, **EN)
    assert short.status_code == 400 and "must be equal" in short.content.decode()
    assert not Bill.objects.exists()
    done = client.post(
        "/till/",
        {
            **form,
            "action": "pay",
            "cash": "44.00",
            "epay_method": "alipay",
            "epay_reference": "2026120222001",
            "epay_amount": "200.00",
        },
        **EN,
    )
    bill = Bill.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/till/bills/{bill.pk}/"
    receipt = client.get(f"/till/bills/{bill.pk}/receipt/", **EN).content.decode()
    assert "244.00 yuan" in receipt and "Alipay" in receipt


@pytest.mark.req("POS-1")
def test_a_practitioner_reads_only_their_own_lines(
    client, login, store, paid, practitioner, practitioner_b
):
    login(client, practitioner)
    page = client.get(f"/till/bills/{paid.pk}/", **EN).content.decode()
    assert "128.00 yuan" in page and "精油" not in page and "186.00" not in page
    assert "Alipay" not in page and "WeChat" not in page
    mine = client.get("/till/bills/", **EN).content.decode()
    assert "128.00 yuan" in mine
    client.logout()
    login(client, practitioner_b)
    assert client.get(f"/till/bills/{paid.pk}/", **EN).status_code == 404
    assert UseLog.objects.filter(
        user=practitioner_b, outcome="denied", record_type="till.bill"
    ).exists()


@pytest.mark.req("POS-1")
def test_another_stores_manager_gets_404_logged(client, login, paid, other_manager):
    login(client, other_manager)
    assert client.get(f"/till/bills/{paid.pk}/").status_code == 404
    assert client.get(f"/till/bills/{paid.pk}/receipt/").status_code == 404
    assert UseLog.objects.filter(user=other_manager, outcome="denied").exists()


@pytest.mark.req("POS-1")
def test_refund_request_by_form(client, login, store, front_desk, paid):
    from anxin.approvals.models import ChangeRequest

    login(client, front_desk)
    ids = [str(pk) for pk in paid.lines.values_list("pk", flat=True)]
    bad = client.post(
        f"/till/bills/{paid.pk}/refund/",
        {"lines": ids, "method": "cash", "amount": "999.00", "reason": "x"},
        **EN,
    )
    assert bad.status_code == 400 and not ChangeRequest.objects.exists()
    ok = client.post(
        f"/till/bills/{paid.pk}/refund/", {"lines": ids, "method": "original", "reason": "退货"}
    )
    assert ok.status_code == 302 and ChangeRequest.objects.filter(kind="till.refund").exists()


@pytest.mark.req("POS-5")
def test_daily_totals_for_the_manager_and_finance_only(
    client, login, store, paid, front_desk, manager, finance, practitioner
):
    for who in (manager, finance):
        client.logout()
        login(client, who)
        page = client.get("/till/days/", **EN)
        assert page.status_code == 200 and "186.00 yuan" in page.content.decode()
    client.logout()
    login(client, practitioner)
    assert client.get("/till/days/").status_code == 403
    client.logout()
    login(client, front_desk)
    bad = client.post("/till/close/", {"counted_cash": "80.00"}, **EN)
    assert bad.status_code == 400 and not DailyClose.objects.exists()
    assert "say why" in bad.content.decode()
    ok = client.post("/till/close/", {"counted_cash": "86.00"})
    assert ok.status_code == 302 and DailyClose.objects.get().difference == Decimal("0.00")


@pytest.mark.req("POS-4")
def test_products_pages(client, login, store, manager, front_desk, oil):
    login(client, manager)
    assert client.get("/till/products/?low=1").status_code == 200
    new = client.post(
        "/till/products/new/",
        {
            "code": "p9",
            "name": "艾草贴",
            "unit": "盒",
            "price": "39.00",
            "cost": "12.00",
            "low_stock": "3",
            "active": "on",
        },
    )
    product = Product.objects.get(code="P9")
    assert new.status_code == 302
    assert client.post(f"/till/products/{product.pk}/", {"quantity": "10"}).status_code == 302
    assert services.stock_balances([product.pk])[product.pk] == 10
    take = client.post("/till/products/stocktake/", {f"count_{product.pk}": "9"})
    assert take.status_code == 302
    assert services.stock_balances([product.pk])[product.pk] == 9
    client.logout()
    login(client, front_desk)
    assert client.post(f"/till/products/{product.pk}/", {"quantity": "10"}).status_code == 403
    assert services.stock_balances([product.pk])[product.pk] == 9
