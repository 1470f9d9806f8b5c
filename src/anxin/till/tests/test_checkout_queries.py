"""The checkout POST holds its line (issue 15's checkout benchmark): a 3-line bill paid by card
and cash runs a bounded number of queries, the same however many items, products,
practitioners and cards the store holds — a POST reads only what it names."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from anxin.cards.services import card_issue, card_type_save
from anxin.catalogue.testing import make_client, make_item
from anxin.commissions.services import rule_create
from anxin.till import services
from anxin.till.models import Bill

pytestmark = [pytest.mark.django_db, pytest.mark.req("POS-1")]

# The whole request: the session, the user and their stores and roles (middleware), the client,
# the posted items, practitioner, products and card, the bill's check of the practitioner, and
# one transaction writing the bill, lines, stock, payments, the card's ledger row, the
# commission, the client look-up's use entry and two chained operation-log entries. The store's
# running promotions, commission rules and closed months are kept per server process under the
# store's change mark (core.marks, a file): no query once kept.
# PostgreSQL also locks the cashier's and the products' rows (SQLite's IMMEDIATE transaction
# has one writer). Here, inside the test's transaction, one more: whether the look-up's entry
# was kept (a server knows it from the commit). The person's mark of their change is a file,
# not a query.
MAX_QUERIES = 35
LOCKS = 2


def _product(store, manager, code, price="30.00"):
    product = services.product_create(
        actor=manager,
        store=store,
        code=code,
        name=f"产品{code}",
        unit="瓶",
        price=Decimal(price),
        cost=Decimal("10.00"),
    )
    services.stock_receive(actor=manager, store=store, product=product, quantity=50)
    return product


def _stored_value(store, manager, front_desk, client, name="储值卡"):
    kind = card_type_save(
        actor=manager, store=store, name=name, kind="stored_value", valid_days=365
    )
    return card_issue(actor=front_desk, store=store, client=client, card_type=kind, paid="1000")


def _count(client, body) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as queries:
        response = client.post("/till/", body)
    assert response.status_code == 302, response.content.decode()[:2000]
    return len(queries.captured_queries), response


def test_a_paid_three_line_bill_runs_a_bounded_number_of_queries_whatever_the_store_holds(
    client, login, store, manager, front_desk, practitioner, item, make_persona
):
    rule_create(
        actor=manager,
        store=store,
        basis="rotation",
        mode="percent",
        rate="10",
        level="junior",
        min_volume=Decimal("0"),
        effective_from=timezone.localdate(),
    )
    buyer = make_client(actor=front_desk, store=store, name="会员", phone="13900000001")
    card = _stored_value(store, manager, front_desk, buyer)
    oil, salt = _product(store, manager, "p1", "58.00"), _product(store, manager, "p2")

    def bill(n):  # 128 + 58 + 2 × 30 = 246: 100 by card, the rest in cash
        return {
            "client": buyer.code,
            "item_1": str(item.pk),
            "practitioner_1": str(practitioner.pk),
            "clock_1": "rotation",
            "clock_2": "rotation",
            "product_1": str(oil.pk),
            "quantity_1": "1",
            "product_2": str(salt.pk),
            "quantity_2": "2",
            "quantity_3": "1",
            "card": str(card.pk),
            "card_amount": "100.00",
            "cash": "146.00",
            "action": "pay",
        }

    login(client, front_desk)
    _count(client, bill(1))  # the first write of each log makes its chain head
    small, _ = _count(client, bill(2))

    for n in range(25):
        make_item(actor=manager, store=store, name=f"项目{n}", price="88.00")
        _product(store, manager, f"x{n}")
    for n in range(8):
        make_persona(f"practitioner_x{n}", store, "practitioner")
    for n in range(4):  # the client's other cards, and other clients' cards
        _stored_value(store, manager, front_desk, buyer, name=f"储值卡{n}")
        other = make_client(actor=front_desk, store=store, name=f"客{n}", phone=f"1390000010{n}")
        _stored_value(store, manager, front_desk, other, name=f"他卡{n}")

    large, response = _count(client, bill(3))
    most = MAX_QUERIES + (LOCKS if connection.features.has_select_for_update else 0)
    assert large == small <= most, (small, large)
    paid = Bill.objects.order_by("-pk").first()
    assert response["Location"] == f"/till/bills/{paid.pk}/"
    assert paid.total == Decimal("246.00") and paid.lines.count() == 3
    assert {p.method: p.amount for p in paid.payments.all()} == {
        "card": Decimal("100.00"),
        "cash": Decimal("146.00"),
    }


def test_the_client_look_up_is_logged_in_the_bills_transaction_and_alone_when_it_fails(
    client, login, store, manager, front_desk, practitioner, item
):
    """The checkout's one write transaction carries the client look-up's use entry (SQLite
    queues every write transaction for its one writer); a refused payment still logs it."""
    from anxin.audit.models import UseLog

    buyer = make_client(actor=front_desk, store=store, name="会员", phone="13900000001")
    card = _stored_value(store, manager, front_desk, buyer)  # holds 1000.00
    body = {
        "client": buyer.code,
        "item_1": str(item.pk),
        "practitioner_1": str(practitioner.pk),
        "clock_1": "rotation",
        "card": str(card.pk),
        "card_amount": "128.00",
        "action": "pay",
    }

    def looked_up():
        return UseLog.objects.filter(record_code=buyer.code, user=front_desk).count()

    login(client, front_desk)
    client.post("/till/", body)  # the chain heads exist after a first write
    before, bills = looked_up(), Bill.objects.count()
    _, queries = _count_sql(client, body)
    assert looked_up() == before + 1 and Bill.objects.count() == bills + 1
    writes = [q for q in queries if q.startswith(("INSERT", "UPDATE", "DELETE"))]
    bill_at = next(i for i, q in enumerate(writes) if 'INTO "till_bill"' in q)
    use_at = next(i for i, q in enumerate(writes) if 'INTO "audit_uselog"' in q)
    assert use_at > bill_at  # written among the bill's rows, not in a transaction before it
    assert not [q for q in writes if "django_session" in q]  # the person's mark is no write

    refused = {**body, "card_amount": "5000.00", "cash": ""}  # more than the card holds
    response = client.post("/till/", refused)
    assert response.status_code == 400
    assert looked_up() == before + 2 and Bill.objects.count() == bills + 1


def _count_sql(client, body):
    with CaptureQueriesContext(connection) as queries:
        response = client.post("/till/", body)
    assert response.status_code == 302, response.content.decode()[:2000]
    return response, [q["sql"] for q in queries.captured_queries]
