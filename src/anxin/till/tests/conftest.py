from decimal import Decimal

import pytest

from anxin.catalogue.testing import make_client, make_item
from anxin.delivery.services import service_record
from anxin.till import services
from anxin.till.models import Method


@pytest.fixture
def item(store, manager):
    return make_item(actor=manager, store=store, name="全身按摩", price="128.00")


@pytest.fixture
def client_a(store, front_desk):
    return make_client(actor=front_desk, store=store)


@pytest.fixture
def record(store, front_desk, practitioner, client_a, item):
    return service_record(
        actor=front_desk,
        store=store,
        client=client_a,
        item=item,
        practitioner=practitioner,
        clock_type="named",
    )


@pytest.fixture
def oil(store, manager):
    product = services.product_create(
        actor=manager,
        store=store,
        code="p001",
        name="精油",
        unit="瓶",
        price=Decimal("58.00"),
        cost=Decimal("20.00"),
        low_stock=2,
    )
    services.stock_receive(actor=manager, store=store, product=product, quantity=5)
    return product


def cash(amount):
    return services.PaymentIn(method=Method.CASH, amount=Decimal(amount))


def wechat(amount, ref="4200001234"):
    return services.PaymentIn(method=Method.WECHAT, amount=Decimal(amount), reference=ref)


def voucher(amount, code):
    return services.PaymentIn(method=Method.VOUCHER, amount=Decimal(amount), voucher_code=code)
