"""POS-3: commissions from paid bills, by versioned rules; refunds offset them in the refund's
own transaction; a closed month is locked."""

import datetime as dt
from decimal import Decimal
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from anxin.approvals.services import change_approve
from anxin.audit.models import OperationLog
from anxin.commissions import services
from anxin.commissions.models import Commission, MonthClose, Rule
from anxin.commissions.rules import RuleBook
from anxin.staff.models import StaffMember
from anxin.till import services as till
from anxin.till.models import Bill, BillLine

from .conftest import old_rule, pay

pytestmark = pytest.mark.django_db


def amounts(who=None):
    qs = Commission.objects.order_by("pk")
    if who is not None:
        qs = qs.filter(practitioner=who)
    return [c.amount for c in qs]


def refund_all(store, front_desk, manager, bill, method="original"):
    change = till.refund_propose(
        actor=front_desk,
        store=store,
        bill=bill,
        lines=list(bill.lines.values_list("pk", flat=True)),
        method=method,
        reason="客户投诉",
    )
    change_approve(actor=manager, change=change)
    return Bill.objects.get(refund_of=bill)


@pytest.mark.req("POS-3")
def test_requested_and_rotation_services_earn_their_own_rates(
    store, front_desk, practitioner, client_a, item, default_rules
):
    pay(store, front_desk, client_a, item, practitioner, clock="named")
    pay(store, front_desk, client_a, item, practitioner, clock="rotation")
    pay(store, front_desk, client_a, item, practitioner, clock="extension")  # 加钟: requested
    assert amounts() == [Decimal("19.20"), Decimal("12.80"), Decimal("19.20")]
    first = Commission.objects.order_by("pk").first()
    assert first.bill_line.practitioner == practitioner
    assert first.month == timezone.localdate().replace(day=1)
    assert first.rule == default_rules[0]


@pytest.mark.req("POS-3")
def test_no_rule_no_commission_and_the_bill_is_paid(
    store, front_desk, practitioner, client_a, item
):
    bill = pay(store, front_desk, client_a, item, practitioner)
    assert bill.total == Decimal("128.00")
    assert not Commission.objects.exists()


@pytest.mark.req("POS-3")
def test_a_new_rule_version_is_never_retroactive(
    store, front_desk, manager, practitioner, client_a, item, default_rules
):
    pay(store, front_desk, client_a, item, practitioner)  # 15%
    v2 = services.rule_create(
        actor=manager,
        store=store,
        basis="requested",
        mode="percent",
        rate="20",
        effective_from=timezone.localdate(),
    )
    pay(store, front_desk, client_a, item, practitioner)  # 20% from today
    assert amounts() == [Decimal("19.20"), Decimal("25.60")]
    assert Rule.objects.filter(basis="requested").count() == 2  # the old version is kept
    entry = OperationLog.objects.get(record_type="commissions.rule", record_id=str(v2.pk))
    assert entry.changes["rate"] == ["15.00", "20"]
    # The rule book answers by day: yesterday's lines had the old version.
    book = RuleBook.of(store)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    assert book.find(basis="requested", day=yesterday).rate == Decimal("15")
    assert book.find(basis="requested", day=timezone.localdate()).rate == Decimal("20")
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    v3 = services.rule_create(
        actor=manager,
        store=store,
        basis="requested",
        mode="fixed",
        rate="30",
        effective_from=tomorrow,
    )
    assert RuleBook.of(store).find(basis="requested", day=tomorrow) == v3
    pay(store, front_desk, client_a, item, practitioner)  # still today's 20%
    assert amounts()[-1] == Decimal("25.60")


@pytest.mark.req("POS-3")
def test_tiers_by_monthly_volume_and_most_specific_rule(
    store, front_desk, manager, practitioner, practitioner_b, client_a, item, default_rules
):
    # From 256 yuan of services in the month: 20%; the senior level gets a fixed 40 per service
    # of this item's category.
    old_rule(store, manager, basis="requested", rate="20", min_volume=Decimal("256.00"))
    old_rule(
        store,
        manager,
        basis="requested",
        rate="40",
        mode="fixed",
        category=item.category,
        level="senior",
    )
    StaffMember.objects.create(
        store=store,
        user=practitioner_b,
        kind="practitioner",
        code="MS2601001",
        name="李四",
        hire_date=dt.date(2026, 1, 5),
        level="senior",
    )
    pay(store, front_desk, client_a, item, practitioner, n=3)  # 0, 128, 256 before each line
    assert amounts(practitioner) == [Decimal("19.20"), Decimal("19.20"), Decimal("25.60")]
    pay(store, front_desk, client_a, item, practitioner)  # 384 before: the upper tier
    assert amounts(practitioner)[-1] == Decimal("25.60")
    pay(store, front_desk, client_a, item, practitioner_b)
    assert amounts(practitioner_b) == [Decimal("40.00")]  # level and category beat the tier
    pay(store, front_desk, client_a, item, practitioner_b, clock="rotation")
    assert amounts(practitioner_b)[-1] == Decimal("12.80")  # no senior rotation rule: 10%


@pytest.mark.req("POS-3")
def test_a_refund_takes_the_commission_back_with_the_bill(
    store, front_desk, manager, practitioner, client_a, item, default_rules
):
    bill = pay(store, front_desk, client_a, item, practitioner, n=2)
    assert amounts() == [Decimal("19.20"), Decimal("19.20")]
    refund = refund_all(store, front_desk, manager, bill)
    offsets = list(Commission.objects.filter(refund_of__isnull=False).order_by("pk"))
    assert [c.amount for c in offsets] == [Decimal("-19.20"), Decimal("-19.20")]
    assert {c.bill_line.bill_id for c in offsets} == {refund.pk}
    assert not any(c.adjustment for c in offsets)
    assert sum(amounts()) == 0
    assert OperationLog.objects.filter(
        record_type="commissions.commission", action="refund", record_id=str(refund.pk)
    ).exists()


@pytest.mark.req("POS-3")
def test_a_part_refund_takes_back_the_same_share(
    store, front_desk, manager, practitioner, client_a, item, default_rules
):
    bill = pay(store, front_desk, client_a, item, practitioner)
    line = bill.lines.get()
    change = till.refund_propose(
        actor=front_desk,
        store=store,
        bill=bill,
        lines=[line.pk],
        method="cash",
        amount="32.00",
        reason="少做了一刻钟",
    )
    change_approve(actor=manager, change=change)
    assert amounts() == [Decimal("19.20"), Decimal("-4.80")]  # a quarter back


@pytest.mark.req("POS-3")
def test_a_failing_commission_fails_the_refund_and_nothing_is_half_written(
    store, front_desk, manager, practitioner, client_a, item, default_rules
):
    bill = pay(store, front_desk, client_a, item, practitioner)
    change = till.refund_propose(
        actor=front_desk,
        store=store,
        bill=bill,
        lines=list(bill.lines.values_list("pk", flat=True)),
        method="original",
        reason="x",
    )
    bills, lines, logs = (
        Bill.objects.count(),
        BillLine.objects.count(),
        OperationLog.objects.count(),
    )
    with (
        mock.patch(
            "anxin.commissions.services.Commission.objects.bulk_create",
            side_effect=RuntimeError("disk full"),
        ),
        pytest.raises(RuntimeError),
    ):
        change_approve(actor=manager, change=change)
    assert (Bill.objects.count(), BillLine.objects.count()) == (bills, lines)
    assert OperationLog.objects.count() == logs
    assert amounts() == [Decimal("19.20")]
    # And a failing sale writes neither bill nor commission.
    with (
        mock.patch(
            "anxin.commissions.services.insert",
            side_effect=RuntimeError("disk full"),
        ),
        pytest.raises(RuntimeError),
    ):
        pay(store, front_desk, client_a, item, practitioner)
    assert Bill.objects.count() == bills and amounts() == [Decimal("19.20")]


def _close_last_month(store, actor):
    last = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    return services.month_close(actor=actor, store=store, month=last)


def pay_on(store, cashier, client, item, who, paid_at):
    """A bill paid at ``paid_at`` through checkout's own steps (as the demo pays history)."""
    from django.db import transaction

    from anxin.till.services.bills import _clean_payments, _write_bill

    quote = till.bill_quote(
        store=store,
        client=client,
        services=[till.ServiceLine(item=item, practitioner=who, clock_type="named")],
    )
    payments = [till.PaymentIn(method="cash", amount=quote.total)]
    with transaction.atomic():
        return _write_bill(
            actor=cashier,
            store=store,
            client=client,
            quote=quote,
            payments=_clean_payments(payments=payments, client=client, total=quote.total),
            override_stock=False,
            day=timezone.localtime(paid_at).date(),
            request=None,
            paid_at=paid_at,
        )


@pytest.mark.req("POS-3")
def test_a_closed_month_is_locked_a_late_refund_lands_in_the_next_open_month(
    store, front_desk, manager, finance, practitioner, client_a, item, default_rules
):
    this_month = timezone.localdate().replace(day=1)
    last_month = (this_month - dt.timedelta(days=1)).replace(day=1)
    bill = pay_on(
        store,
        front_desk,
        client_a,
        item,
        practitioner,
        timezone.make_aware(dt.datetime.combine(last_month, dt.time(15))),
    )
    assert Commission.objects.get().month == last_month
    with pytest.raises(ValidationError):
        services.month_close(actor=finance, store=store, month=this_month)  # not ended yet
    closed = _close_last_month(store, finance)
    assert closed.closed_by == finance and closed.total == Decimal("19.20")
    assert OperationLog.objects.filter(action="close", record_id=str(closed.pk)).exists()
    with pytest.raises(ValidationError) as err:
        _close_last_month(store, manager)
    assert "month" in err.value.message_dict
    assert MonthClose.objects.count() == 1
    # A rule change after the close does not touch it.
    services.rule_create(
        actor=manager,
        store=store,
        basis="requested",
        mode="percent",
        rate="50",
        effective_from=timezone.localdate(),
    )
    # Anything dated in the closed month lands in the next open one; so does the late refund.
    assert services.open_month(store, last_month + dt.timedelta(days=3)) == this_month
    refund_all(store, front_desk, manager, bill)
    paid, back = Commission.objects.order_by("pk")
    assert (paid.month, paid.amount, paid.adjustment) == (last_month, Decimal("19.20"), False)
    assert (back.month, back.amount, back.adjustment) == (this_month, Decimal("-19.20"), True)
    assert back.refund_of == paid
    totals = Commission.objects.filter(month=last_month).values_list("amount", flat=True)
    assert sum(totals) == closed.total  # the closed month is what was closed


@pytest.mark.req("POS-3")
def test_a_rule_change_cannot_reach_a_closed_month_nor_the_past(
    store, manager, finance, default_rules
):
    _close_last_month(store, finance)
    last = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    before = Rule.objects.count()
    with translation.override("en"):
        with pytest.raises(ValidationError) as err:
            services.rule_create(
                actor=manager,
                store=store,
                basis="requested",
                mode="percent",
                rate="30",
                effective_from=last + dt.timedelta(days=5),
            )
        assert "closed for payroll" in err.value.message_dict["effective_from"][0]
        with pytest.raises(ValidationError) as err:
            services.rule_create(
                actor=manager,
                store=store,
                basis="requested",
                mode="percent",
                rate="30",
                effective_from=timezone.localdate() - dt.timedelta(days=1),
            )
        assert "never reaches back" in err.value.message_dict["effective_from"][0]
    assert Rule.objects.count() == before


@pytest.mark.req("POS-3")
@pytest.mark.parametrize(
    ("fields", "field", "english"),
    [
        ({"rate": "-5"}, "rate", "cannot be negative"),
        ({"rate": "120"}, "rate", "at most 100"),
        ({"rate": "abc"}, "rate", "Enter a number"),
        ({"rate": "1.234"}, "rate", "two decimal places"),
        ({"mode": "fixed", "rate": "99999"}, "rate", "more than any commission"),
        ({"min_volume": "-1"}, "min_volume", "cannot be negative"),
        ({"basis": "card_sale", "min_volume": "100"}, "min_volume", "card-sale rule has none"),
        ({"level": "boss"}, "level", "practitioner level"),
        ({"basis": "tips"}, "basis", "paid on"),
    ],
)
def test_bad_rules_are_refused_with_clear_messages(store, manager, fields, field, english):
    data = {
        "basis": "requested",
        "mode": "percent",
        "rate": "15",
        "effective_from": timezone.localdate(),
        **fields,
    }
    with translation.override("en"), pytest.raises(ValidationError) as err:
        services.rule_create(actor=manager, store=store, **data)
    assert english in err.value.message_dict[field][0]
    assert not Rule.objects.exists()


@pytest.mark.req("POS-3")
def test_an_item_of_another_store_is_refused(store, other_store, manager, other_manager):
    from anxin.catalogue.testing import make_item

    theirs = make_item(actor=other_manager, store=other_store, name="足疗")
    with translation.override("en"), pytest.raises(ValidationError) as err:
        services.rule_create(
            actor=manager,
            store=store,
            basis="requested",
            mode="percent",
            rate="15",
            item=theirs,
            effective_from=timezone.localdate(),
        )
    assert "of this store" in err.value.message_dict["item"][0]
    assert not Rule.objects.exists()


@pytest.mark.req("POS-3")
def test_only_the_manager_and_finance_set_rules_and_close_months(
    store, front_desk, practitioner, finance
):
    for who in (front_desk, practitioner):
        with pytest.raises(PermissionDenied):
            services.rule_create(
                actor=who,
                store=store,
                basis="requested",
                mode="percent",
                rate="50",
                effective_from=timezone.localdate(),
            )
        with pytest.raises(PermissionDenied):
            _close_last_month(store, who)
    assert not Rule.objects.exists() and not MonthClose.objects.exists()
    services.rule_create(
        actor=finance,
        store=store,
        basis="card_sale",
        mode="percent",
        rate="3",
        effective_from=timezone.localdate(),
    )
    assert Rule.objects.count() == 1


@pytest.mark.req("POS-3")
def test_rules_and_commissions_are_append_only(
    store, practitioner, front_desk, client_a, item, default_rules
):
    from django.db import DatabaseError, transaction

    pay(store, front_desk, client_a, item, practitioner)
    with pytest.raises(DatabaseError), transaction.atomic():
        Commission.objects.update(amount=Decimal("999.00"))
    with pytest.raises(DatabaseError), transaction.atomic():
        Rule.objects.update(rate=Decimal("50"))
    assert amounts() == [Decimal("19.20")]
