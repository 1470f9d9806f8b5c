import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from anxin.catalogue.testing import make_client, make_item
from anxin.commissions.models import Rule
from anxin.core.marks import store_changed
from anxin.till import services as till
from anxin.till.models import Method


@pytest.fixture
def item(store, manager):
    return make_item(actor=manager, store=store, name="全身按摩", price="128.00")


@pytest.fixture
def client_a(store, front_desk):
    return make_client(actor=front_desk, store=store)


def old_rule(store, manager, *, basis, rate, days_ago=60, mode="percent", **key) -> Rule:
    """A rule in force since some time ago (a test's starting point: the service itself only
    takes rules from today on). Written past the service, so it moves the store's mark as the
    service does."""
    rule = Rule.objects.create(
        store=store,
        basis=basis,
        mode=mode,
        rate=Decimal(rate),
        effective_from=timezone.localdate() - dt.timedelta(days=days_ago),
        created_by=manager,
        **key,
    )
    store_changed(store)
    return rule


@pytest.fixture
def default_rules(store, manager):
    return [
        old_rule(store, manager, basis="requested", rate="15"),
        old_rule(store, manager, basis="rotation", rate="10"),
        old_rule(store, manager, basis="card_sale", rate="3"),
    ]


def pay(store, cashier, client, item, who, clock="named", n=1):
    """A walk-in bill of ``n`` services of ``item`` given by ``who``, paid in cash."""
    total = Decimal(item.price) * n
    return till.bill_pay(
        actor=cashier,
        store=store,
        client=client,
        services=[
            till.ServiceLine(item=item, practitioner=who, clock_type=clock) for _ in range(n)
        ],
        payments=[till.PaymentIn(method=Method.CASH, amount=total)],
    )
