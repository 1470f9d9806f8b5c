"""POS-1 refunds by two people; POS-5 daily close per cashier, a closed day frozen."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from anxin.approvals.models import ChangeRequest
from anxin.approvals.services import change_approve
from anxin.audit.models import OperationLog
from anxin.till import services
from anxin.till.models import Bill, DailyClose, Payment

from .conftest import cash, wechat

pytestmark = pytest.mark.django_db


@pytest.fixture
def bill(store, front_desk, client_a, record, oil):
    return services.bill_pay(
        actor=front_desk,
        store=store,
        client=client_a,
        services=[services.ServiceLine(record=record)],
        products=[services.ProductLine(product=oil, quantity=2)],
        payments=[wechat("200.00"), cash("44.00")],
    )


@pytest.mark.req("POS-1", "POS-4")
def test_a_whole_refund_needs_a_second_person_and_rolls_back_stock(
    store, front_desk, manager, bill, oil
):
    ids = list(bill.lines.values_list("pk", flat=True))
    change = services.refund_propose(
        actor=front_desk, store=store, bill=bill, lines=ids, method="original", reason="客户投诉"
    )
    assert Bill.objects.count() == 1  # nothing until approved
    assert services.stock_balances([oil.pk])[oil.pk] == 3
    with pytest.raises(PermissionDenied):
        change_approve(actor=front_desk, change=change)
    change_approve(actor=manager, change=change)
    refund = Bill.objects.get(kind="refund")
    assert refund.refund_of == bill and refund.total == Decimal("-244.00")
    assert refund.cashier == front_desk and refund.approved_by == manager
    assert refund.reason == "客户投诉"
    assert sorted(refund.payments.values_list("method", "amount")) == [
        ("cash", Decimal("-44.00")),
        ("wechat", Decimal("-200.00")),
    ]
    assert services.stock_balances([oil.pk])[oil.pk] == 5
    assert OperationLog.objects.filter(action="refund", record_id=str(refund.pk)).exists()


@pytest.mark.req("POS-1")
def test_a_refund_larger_than_paid_is_refused(store, front_desk, bill):
    service_line = bill.lines.get(kind="service")
    with pytest.raises(ValidationError) as err:
        services.refund_propose(
            actor=front_desk,
            store=store,
            bill=bill,
            lines=[service_line.pk],
            method="cash",
            amount="128.01",
            reason="x",
        )
    assert "amount" in err.value.message_dict
    assert not ChangeRequest.objects.exists()


@pytest.mark.req("POS-1")
def test_a_part_refund_in_cash_and_a_line_refunded_once(store, front_desk, manager, bill):
    service_line = bill.lines.get(kind="service")
    change = services.refund_propose(
        actor=front_desk,
        store=store,
        bill=bill,
        lines=[service_line.pk],
        method="cash",
        amount="100.00",
        reason="服务不满意",
    )
    change_approve(actor=manager, change=change)
    refund = Bill.objects.get(kind="refund")
    assert refund.total == Decimal("-100.00")
    assert list(refund.lines.values_list("amount", flat=True)) == [Decimal("-100.00")]
    assert services.expected_cash(
        store=store, cashier=front_desk, day=timezone.localdate()
    ) == Decimal("-56.00")
    with pytest.raises(ValidationError):
        services.refund_propose(
            actor=front_desk,
            store=store,
            bill=bill,
            lines=[service_line.pk],
            method="cash",
            reason="again",
        )
    with pytest.raises(ValidationError):  # "original" is for a whole bill only
        services.refund_propose(
            actor=front_desk,
            store=store,
            bill=bill,
            lines=list(bill.lines.exclude(pk=service_line.pk).values_list("pk", flat=True)),
            method="original",
            reason="x",
        )


@pytest.mark.req("POS-5")
def test_a_daily_close_records_the_difference_with_a_reason(store, front_desk, bill):
    with pytest.raises(ValidationError) as err:
        services.day_close(actor=front_desk, store=store, counted_cash="40.00")
    assert "reason" in err.value.message_dict
    assert not DailyClose.objects.exists()
    close = services.day_close(
        actor=front_desk, store=store, counted_cash="40.00", reason="找零错误"
    )
    assert (close.expected_cash, close.counted_cash, close.difference) == (
        Decimal("44.00"),
        Decimal("40.00"),
        Decimal("-4.00"),
    )
    assert OperationLog.objects.filter(record_type="till.dailyclose", action="close").exists()


@pytest.mark.req("POS-5")
def test_a_closed_day_is_frozen_except_a_reversal_on_the_next_open_day(
    store, front_desk, manager, bill, oil, monkeypatch
):
    services.day_close(actor=front_desk, store=store, counted_cash="44.00")
    before = (Bill.objects.count(), Payment.objects.count())
    with pytest.raises(ValidationError) as err:
        services.bill_pay(
            actor=front_desk,
            store=store,
            products=[services.ProductLine(product=oil, quantity=1)],
            payments=[cash("58.00")],
        )
    assert err.value.error_list[0].code == "closed"
    change = services.refund_propose(
        actor=front_desk,
        store=store,
        bill=bill,
        lines=list(bill.lines.values_list("pk", flat=True)),
        method="original",
        reason="退货",
    )
    with pytest.raises(ValidationError):  # today is closed for this cashier
        change_approve(actor=manager, change=change)
    assert (Bill.objects.count(), Payment.objects.count()) == before
    with pytest.raises(ValidationError):
        services.day_close(actor=front_desk, store=store, counted_cash="44.00")
    # The next day is open: the reversal goes there.
    tomorrow = timezone.now() + dt.timedelta(days=1)
    monkeypatch.setattr(timezone, "now", lambda: tomorrow)
    change_approve(actor=manager, change=change)
    refund = Bill.objects.get(kind="refund")
    assert refund.business_day == timezone.localdate() == bill.business_day + dt.timedelta(days=1)


@pytest.mark.req("POS-5")
def test_a_cashier_closes_only_their_own_day(store, front_desk, make_persona):
    other = make_persona("cashier2", store, "front_desk")
    with pytest.raises(PermissionDenied):
        services.day_close(actor=front_desk, store=store, counted_cash="0", cashier=other)
    assert not DailyClose.objects.exists()
