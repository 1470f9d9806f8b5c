"""POS-1: a bill of services and products, paid by one or more methods; a paid bill is
immutable; bad input refused whole."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction

from anxin.audit.models import OperationLog
from anxin.till import services
from anxin.till.models import Bill, BillLine, Payment, StockMovement

from .conftest import cash, voucher, wechat

pytestmark = [pytest.mark.django_db, pytest.mark.req("POS-1")]


def counts():
    return (
        Bill.objects.count(),
        BillLine.objects.count(),
        Payment.objects.count(),
        StockMovement.objects.count(),
    )


def pay(front_desk, store, client, record, oil, payments, quantity=2, **kw):
    return services.bill_pay(
        actor=front_desk,
        store=store,
        client=client,
        services=[services.ServiceLine(record=record)],
        products=[services.ProductLine(product=oil, quantity=quantity)],
        payments=payments,
        **kw,
    )


def test_a_bill_of_a_service_and_products_paid_by_e_payment_and_cash(
    store, front_desk, client_a, record, oil
):
    bill = pay(front_desk, store, client_a, record, oil, [wechat("200.00"), cash("44.00")])
    assert bill.total == Decimal("244.00") and bill.subtotal == Decimal("244.00")
    lines = list(bill.lines.order_by("pk"))
    assert [(line.kind, line.amount) for line in lines] == [
        ("service", Decimal("128.00")),
        ("product", Decimal("116.00")),
    ]
    service = lines[0]
    assert service.practitioner_id == record.practitioner_id
    assert service.clock_type == "named" and service.item_id == record.item_id
    assert services.stock_balances([oil.pk])[oil.pk] == 3
    assert sorted(bill.payments.values_list("method", "amount")) == [
        ("cash", Decimal("44.00")),
        ("wechat", Decimal("200.00")),
    ]
    entry = OperationLog.objects.filter(record_type="till.bill", record_id=str(bill.pk)).get()
    assert entry.changes["total"] == "244.00" and len(entry.changes["payment_summary"]) == 2


def test_a_walk_in_service_line_takes_the_running_promotion(
    store, front_desk, manager, item, practitioner
):
    import datetime as dt

    from django.utils import timezone

    from anxin.catalogue.services import promotion_create

    today = timezone.localdate()
    promotion_create(
        actor=manager,
        store=store,
        name="八折",
        starts_on=today - dt.timedelta(days=1),
        ends_on=today + dt.timedelta(days=1),
        discount_kind="percent",
        discount_value=Decimal("20"),
        rules={},
    )
    quote = services.bill_quote(
        store=store,
        client=None,
        services=[
            services.ServiceLine(item=item, practitioner=practitioner, clock_type="rotation")
        ],
    )
    line = quote.lines[0]
    assert (line.unit_price, line.discount, line.amount) == (
        Decimal("128.00"),
        Decimal("25.60"),
        Decimal("102.40"),
    )
    assert quote.total == Decimal("102.40") and line.promotion is not None


def test_payments_must_add_up_and_nothing_is_written(store, front_desk, client_a, record, oil):
    before = counts()
    with pytest.raises(ValidationError) as err:
        pay(front_desk, store, client_a, record, oil, [cash("100.00")])
    assert "must be equal" in str(err.value) or err.value.error_list[0].code == "not_adding_up"
    assert counts() == before


@pytest.mark.parametrize("amount", ["-5.00", "0", "1e9", "12.345", "abc", "NaN"])
def test_negative_or_absurd_amounts_are_refused(store, front_desk, client_a, record, oil, amount):
    before = counts()
    payment = services.PaymentIn(method="cash", amount=amount)
    with pytest.raises(ValidationError):
        pay(front_desk, store, client_a, record, oil, [payment, cash("244.00")])
    assert counts() == before


def test_a_voucher_is_redeemed_once(store, front_desk, client_a, record, oil, item, practitioner):
    pay(
        front_desk,
        store,
        client_a,
        record,
        oil,
        [voucher("100.00", "mt 8888 1234"), cash("144.00")],
    )
    before = counts()
    with pytest.raises(ValidationError) as err:
        services.bill_pay(
            actor=front_desk,
            store=store,
            client=None,
            services=[
                services.ServiceLine(item=item, practitioner=practitioner, clock_type="rotation")
            ],
            payments=[voucher("100.00", "MT88881234"), cash("28.00")],
        )
    assert err.value.error_list[0].code == "voucher_used"
    assert counts() == before


def test_the_database_refuses_a_second_redemption_too(store, front_desk, client_a, record, oil):
    bill = pay(front_desk, store, client_a, record, oil, [voucher("244.00", "MT1")])
    with pytest.raises(DatabaseError), transaction.atomic():
        Payment.objects.create(
            bill=bill, store=store, method="voucher", amount=1, voucher_code="MT1"
        )


def test_a_service_is_paid_once(store, front_desk, client_a, record, oil):
    pay(front_desk, store, client_a, record, oil, [cash("244.00")])
    before = counts()
    with pytest.raises(ValidationError):
        pay(front_desk, store, client_a, record, oil, [cash("244.00")])
    assert counts() == before


def test_e_payment_needs_its_reference(store, front_desk, client_a, record, oil):
    with pytest.raises(ValidationError):
        pay(front_desk, store, client_a, record, oil, [wechat("244.00", ref=" ")])


def test_a_paid_bill_is_immutable_in_the_database(store, front_desk, client_a, record, oil):
    bill = pay(front_desk, store, client_a, record, oil, [cash("244.00")])
    for change in (
        lambda: Bill.objects.filter(pk=bill.pk).update(total=1, subtotal=1),
        lambda: BillLine.objects.filter(bill=bill).update(description="x"),
        lambda: Payment.objects.filter(bill=bill).update(reference="x"),
        lambda: Payment.objects.filter(bill=bill).delete(),
        lambda: StockMovement.objects.all().delete(),
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            change()
    bill.refresh_from_db()
    assert bill.total == Decimal("244.00")


def test_a_practitioner_takes_no_payment_and_nothing_changes(
    store, practitioner, client_a, record, oil
):
    from anxin.audit.models import UseLog

    before = counts()
    with pytest.raises(PermissionDenied):
        pay(practitioner, store, client_a, record, oil, [cash("244.00")])
    assert counts() == before
    assert UseLog.objects.filter(
        user=practitioner, outcome="denied", record_type="till.bill"
    ).exists()


def test_another_stores_product_is_refused(
    store, other_store, other_manager, front_desk, client_a, record
):
    theirs = services.product_create(
        actor=other_manager,
        store=other_store,
        code="X1",
        name="面膜",
        unit="盒",
        price=Decimal("10"),
        cost=Decimal("5"),
    )
    before = counts()
    with pytest.raises(ValidationError):
        pay(front_desk, store, client_a, record, theirs, [cash("148.00")], quantity=2)
    assert counts() == before
