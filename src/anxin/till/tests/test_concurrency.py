"""POS-4, POS-1: sales at the same moment, each on its own connection (SQLite and PostgreSQL):
the last items are sold once, a voucher is redeemed once."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from anxin.catalogue.testing import make_item
from anxin.till import services
from anxin.till.models import Bill, Payment

from .conftest import cash, voucher


def at_once(attempt, arguments) -> list[str]:
    arguments = list(arguments)
    barrier = threading.Barrier(len(arguments))
    outcomes, lock = [], threading.Lock()

    def run(argument):
        try:
            barrier.wait()
            attempt(argument)
            result = "paid"
        except ValidationError as exc:
            result = exc.error_list[0].code or "invalid"
        except BaseException as exc:
            result = f"error {exc!r}"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(a,)) for a in arguments]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(outcomes)


@pytest.mark.django_db(transaction=True)
@pytest.mark.req("POS-4")
def test_eight_concurrent_sales_of_the_last_three_sell_three(store, make_persona):
    from anxin.accounts.services import roles_ensure_defaults

    roles_ensure_defaults()
    manager = make_persona("m", store, "store_manager")
    cashiers = [make_persona(f"c{i}", store, "front_desk") for i in range(8)]
    product = services.product_create(
        actor=manager,
        store=store,
        code="P1",
        name="精油",
        unit="瓶",
        price=Decimal("58.00"),
        cost=Decimal("20.00"),
    )
    services.stock_receive(actor=manager, store=store, product=product, quantity=3)
    outcomes = at_once(
        lambda cashier: services.bill_pay(
            actor=cashier,
            store=store,
            products=[services.ProductLine(product=product, quantity=1)],
            payments=[cash("58.00")],
        ),
        cashiers,
    )
    assert outcomes == ["paid"] * 3 + ["short"] * 5
    assert services.stock_balances([product.pk])[product.pk] == 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.req("POS-1")
def test_six_concurrent_redemptions_of_one_voucher_redeem_it_once(store, make_persona):
    from anxin.accounts.services import roles_ensure_defaults

    roles_ensure_defaults()
    manager = make_persona("m", store, "store_manager")
    practitioner = make_persona("p", store, "practitioner")
    cashiers = [make_persona(f"c{i}", store, "front_desk") for i in range(6)]
    item = make_item(actor=manager, store=store, price="100.00")
    outcomes = at_once(
        lambda cashier: services.bill_pay(
            actor=cashier,
            store=store,
            services=[
                services.ServiceLine(item=item, practitioner=practitioner, clock_type="rotation")
            ],
            payments=[voucher("100.00", "DP-777")],
        ),
        cashiers,
    )
    assert outcomes == ["paid"] + ["voucher_used"] * 5
    assert Bill.objects.count() == 1 and Payment.objects.filter(voucher_code="DP-777").count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.req("POS-1")
def test_one_cashiers_bills_and_their_other_requests_use_log_entries_at_once_all_succeed(
    store, make_persona
):
    """A bill locks its cashier's row, then appends to the operation log; the cashier's other
    requests at the same moment append use-log entries naming them (holding the logs' chain
    head). On PostgreSQL a ``FOR UPDATE`` of the cashier deadlocked with those entries' foreign
    key check (the checkout benchmark's 4 connections: most POSTs failed)."""
    from anxin.accounts.services import roles_ensure_defaults
    from anxin.audit.services import use_log

    roles_ensure_defaults()
    manager = make_persona("m", store, "store_manager")
    cashier = make_persona("c", store, "front_desk")
    product = services.product_create(
        actor=manager,
        store=store,
        code="P1",
        name="精油",
        unit="瓶",
        price=Decimal("58.00"),
        cost=Decimal("20.00"),
    )
    services.stock_receive(actor=manager, store=store, product=product, quantity=100)

    def attempt(kind):
        if kind == "bill":
            services.bill_pay(
                actor=cashier,
                store=store,
                products=[services.ProductLine(product=product, quantity=1)],
                payments=[cash("58.00")],
            )
        else:  # what another of the cashier's requests writes (a client look-up, say)
            use_log(actor=cashier, action="view", record_type="till.bill", store=store)

    for _round in range(3):
        outcomes = at_once(attempt, ["bill", "log"] * 4)
        assert outcomes == ["paid"] * 8, outcomes
    assert Bill.objects.count() == 12
