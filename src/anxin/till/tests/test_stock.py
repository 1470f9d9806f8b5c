"""POS-4: products, receipts, sales, stocktaking differences, the low-stock list; stock never
goes negative silently."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from anxin.audit.models import OperationLog
from anxin.till import selectors, services
from anxin.till.models import Bill, Product, StockMovement

from .conftest import cash

pytestmark = [pytest.mark.django_db, pytest.mark.req("POS-4")]


@pytest.fixture(autouse=True)
def _english():
    """These tests read the messages in English (the default language is zh-Hans)."""
    with translation.override("en"):
        yield


def sell(actor, store, product, quantity, **kw):
    return services.bill_pay(
        actor=actor,
        store=store,
        products=[services.ProductLine(product=product, quantity=quantity)],
        payments=[cash(str(product.price * quantity))],
        **kw,
    )


def test_a_sale_beyond_stock_is_refused_unless_a_manager_allows_it(store, front_desk, manager, oil):
    before = StockMovement.objects.count()
    with pytest.raises(ValidationError) as err:
        sell(front_desk, store, oil, 6)
    assert err.value.error_list[0].code == "short"
    with pytest.raises(ValidationError):  # the front desk cannot override
        sell(front_desk, store, oil, 6, override_stock=True)
    assert StockMovement.objects.count() == before and not Bill.objects.exists()
    bill = sell(manager, store, oil, 6, override_stock=True)
    assert services.stock_balances([oil.pk])[oil.pk] == -1
    assert StockMovement.objects.get(bill_line__bill=bill).override
    assert "manager" in OperationLog.objects.get(record_type="till.bill").reason


def test_stocktaking_records_the_differences(store, manager, oil):
    sell(manager, store, oil, 1)
    take = services.stocktake_record(actor=manager, store=store, counts={oil: 2}, note="月末盘点")
    line = take.lines.get()
    assert (line.expected, line.counted, line.difference) == (4, 2, -2)
    assert services.stock_balances([oil.pk])[oil.pk] == 2
    assert OperationLog.objects.filter(action="stocktake").exists()


def test_the_low_stock_list(store, manager, oil):
    other = services.product_create(
        actor=manager,
        store=store,
        code="P002",
        name="足浴盐",
        unit="袋",
        price=Decimal("30"),
        cost=Decimal("10"),
        low_stock=3,
    )
    services.stock_receive(actor=manager, store=store, product=other, quantity=20)
    assert [
        p.code for p in selectors.products_with_stock(actor=manager, store=store, low_only=True)
    ] == []
    sell(manager, store, oil, 3)
    low = selectors.products_with_stock(actor=manager, store=store, low_only=True)
    assert [(p.code, p.stock) for p in low] == [("P001", 2)]


def test_bad_quantities_and_rights(store, front_desk, manager, oil):
    for bad in (0, -3, 10**6, "5"):
        with pytest.raises(ValidationError):
            services.stock_receive(actor=manager, store=store, product=oil, quantity=bad)
    before = StockMovement.objects.count()
    with pytest.raises(PermissionDenied):
        services.stock_receive(actor=front_desk, store=store, product=oil, quantity=5)
    with pytest.raises(PermissionDenied):
        services.product_create(
            actor=front_desk, store=store, code="Z", name="z", unit="个", price=1, cost=1
        )
    assert StockMovement.objects.count() == before and Product.objects.count() == 1


def test_a_product_code_is_unique_in_the_store(store, manager, oil):
    with pytest.raises(ValidationError):
        services.product_create(
            actor=manager, store=store, code="p001", name="x", unit="瓶", price=1, cost=1
        )
