"""POS-4, POS-1: sales at the same moment, each on its own connection (SQLite and PostgreSQL):
the last items are sold once, a voucher is redeemed once."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from anxin.catalogue.testing import make_item
from anxin.till import services
from anxin.till.models import Bill, Method, Payment

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


def _card_bill_set_up(store, make_persona):
    """A manager, a front desk, a client with a stored-value card, a product in stock."""
    from anxin.accounts.services import roles_ensure_defaults
    from anxin.cards.services import card_issue, card_type_save
    from anxin.catalogue.testing import make_client

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
    services.stock_receive(actor=manager, store=store, product=product, quantity=1000)
    buyer = make_client(actor=cashier, store=store, name="会员", phone="13900000001")
    kind = card_type_save(
        actor=manager, store=store, name="储值卡", kind="stored_value", valid_days=365
    )
    card = card_issue(actor=cashier, store=store, client=buyer, card_type=kind, paid="10000")
    return manager, cashier, product, buyer, card


def _card_bill(store, cashier, product, buyer, card):
    """A bill of one product, paid 8.00 by the card and the rest in cash."""
    return services.bill_pay(
        actor=cashier,
        store=store,
        client=buyer,
        products=[services.ProductLine(product=product, quantity=1)],
        payments=[
            services.PaymentIn(method=Method.CARD, amount=Decimal("8.00"), card=card),
            cash("50.00"),
        ],
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.req("POS-1", "POS-2")
def test_a_cashiers_refunds_and_checkouts_on_one_card_at_once_do_not_deadlock(store, make_persona):
    """A checkout locks the products, then the cashier (the daily close's guard, taken late),
    then the card, then the audit chain's head; a refund (approved by a second person) the
    cashier, then the card, then the chain's head: one order, so neither waits for a lock the
    other holds while holding one it wants (PostgreSQL: "deadlock detected" otherwise)."""
    from anxin.approvals.services import change_approve
    from anxin.cards.services import balance_of

    manager, cashier, product, buyer, card = _card_bill_set_up(store, make_persona)
    sold = [_card_bill(store, cashier, product, buyer, card) for _ in range(8)]
    changes = [
        services.refund_propose(
            actor=cashier,
            store=store,
            bill=bill,
            lines=list(bill.lines.values_list("pk", flat=True)),
            method="original",
            reason="客户投诉",
        )
        for bill in sold
    ]

    def attempt(job):
        if job[0] == "refund":
            change_approve(actor=manager, change=job[1])
        else:
            _card_bill(store, cashier, product, buyer, card)

    for round_ in range(4):
        jobs = [("refund", c) for c in changes[round_ * 2 : round_ * 2 + 2]] + [("bill",)] * 2
        outcomes = at_once(attempt, jobs)
        assert outcomes == ["paid"] * 4, outcomes
    assert Bill.objects.filter(kind="refund").count() == 8
    assert Bill.objects.filter(kind="sale").count() == 16
    # 10000 paid in, 16 bills of 8.00, 8 of them reversed
    assert balance_of(card)[0] == Decimal("10000.00") - 8 * Decimal("8.00")


@pytest.mark.django_db(transaction=True)
@pytest.mark.req("POS-5")
def test_a_daily_close_excludes_a_bill_paid_at_the_same_moment(store, make_persona):
    """The close and a bill of one cashier at once: either the bill is paid first and the close
    counts its cash, or the close is first and the bill is refused — never a paid bill missing
    from the closed day's expected cash (the bill takes the cashier's lock late, but before it
    checks the day)."""
    from django.db.models import Sum

    from anxin.till.models import DailyClose

    _manager, _cashier, product, _buyer, _card = _card_bill_set_up(store, make_persona)

    def attempt(job):
        kind, cashier = job
        if kind == "close":
            services.day_close(actor=cashier, store=store, counted_cash="0", reason="点钞")
        else:
            services.bill_pay(
                actor=cashier,
                store=store,
                products=[services.ProductLine(product=product, quantity=1)],
                payments=[cash("58.00")],
            )

    for round_ in range(2):
        cashiers = [make_persona(f"d{round_}{i}", store, "front_desk") for i in range(4)]
        jobs = [(kind, c) for c in cashiers for kind in ("close", "bill", "bill")]
        outcomes = at_once(attempt, jobs)
        assert set(outcomes) <= {"paid", "closed"}, outcomes
        assert outcomes.count("paid") + outcomes.count("closed") == len(jobs)
        for cashier in cashiers:
            close = DailyClose.objects.get(cashier=cashier)
            paid = Payment.objects.filter(
                bill__cashier=cashier, method=Method.CASH, bill__business_day=close.day
            ).aggregate(total=Sum("amount"))["total"] or Decimal("0")
            assert close.expected_cash == paid, (cashier, close.expected_cash, paid)
