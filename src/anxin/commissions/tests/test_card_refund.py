"""POS-3: a card refund takes the seller's card-sale commission back, in the share of the money
paid in that is paid back, in the refund's own transaction; after a closed month it lands in
the next open month as an adjustment."""

import datetime as dt
from decimal import Decimal
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from anxin.audit.models import OperationLog
from anxin.cards.models import CardMovement
from anxin.cards.services import card_issue, card_refund, card_type_save
from anxin.cards.tests.conftest import consenting_client
from anxin.commissions import services
from anxin.commissions.models import Commission

pytestmark = pytest.mark.django_db


def sell(store, front_desk, manager, practitioner):
    """A 储值 1000 送 200 card sold by ``practitioner`` for 1,000 yuan: 30.00 commission."""
    holder = consenting_client(actor=front_desk, store=store, name="王芳", phone="13800001111")
    card_type = card_type_save(
        actor=manager,
        store=store,
        name="储值 1000 送 200",
        kind="stored_value",
        bonus_rules=[{"pay": "1000", "bonus": "200"}],
        valid_days=365,
        refund_rule="pro_rata",
    )
    card = card_issue(
        actor=front_desk,
        store=store,
        client=holder,
        card_type=card_type,
        paid=Decimal("1000"),
        seller=practitioner,
    )
    assert [c.amount for c in Commission.objects.all()] == [Decimal("30.00")]
    return card


@pytest.fixture
def sold_card(store, front_desk, manager, practitioner, default_rules):
    return sell(store, front_desk, manager, practitioner)


def amounts():
    return [c.amount for c in Commission.objects.order_by("pk")]


@pytest.mark.req("POS-3")
def test_a_card_refund_takes_back_the_commission_in_the_share_paid_back(
    store, manager, practitioner, sold_card
):
    # 600 of the 1,200 on the card is half the money paid in (500 of 1,000): half back.
    moved = card_refund(actor=manager, store=store, card=sold_card, amount="600", reason="搬家")
    assert moved.cash == Decimal("-500.00")
    back = Commission.objects.get(amount__lt=0)
    assert (back.practitioner, back.basis, back.amount, back.base) == (
        practitioner,
        "card_sale",
        Decimal("-15.00"),
        Decimal("-500.00"),
    )
    assert back.card_movement_id == moved.pk and not back.adjustment
    assert OperationLog.objects.filter(
        record_type="commissions.commission", action="refund", record_id=str(moved.pk)
    ).exists()
    # The rest paid back: the rest of the commission, never more than was earned.
    card_refund(actor=manager, store=store, card=sold_card, amount="600", reason="搬家")
    assert amounts() == [Decimal("30.00"), Decimal("-15.00"), Decimal("-15.00")]


@pytest.mark.req("POS-3")
def test_a_failed_card_refund_writes_no_commission_and_no_ledger_row(store, manager, sold_card):
    rows, logs = CardMovement.objects.count(), OperationLog.objects.count()
    with pytest.raises(ValidationError):  # more than the balance
        card_refund(actor=manager, store=store, card=sold_card, amount="1300", reason="搬家")
    with (
        mock.patch(
            "anxin.commissions.services.Commission.objects.bulk_create",
            side_effect=RuntimeError("disk full"),
        ),
        pytest.raises(RuntimeError),
    ):
        card_refund(actor=manager, store=store, card=sold_card, amount="600", reason="搬家")
    assert (CardMovement.objects.count(), OperationLog.objects.count()) == (rows, logs)
    assert amounts() == [Decimal("30.00")]


@pytest.mark.req("POS-3")
def test_a_card_refund_after_a_closed_month_lands_in_the_next_open_month(
    store, front_desk, manager, finance, practitioner, default_rules
):
    this_month = timezone.localdate().replace(day=1)
    last_month = (this_month - dt.timedelta(days=1)).replace(day=1)
    sold_at = timezone.make_aware(dt.datetime.combine(last_month, dt.time(15)))
    with mock.patch("django.utils.timezone.now", return_value=sold_at):
        card = sell(store, front_desk, manager, practitioner)  # sold last month
    closed = services.month_close(actor=finance, store=store, month=last_month)
    assert closed.total == Decimal("30.00")
    card_refund(actor=manager, store=store, card=card, amount="1200", reason="搬家")
    sale, back = Commission.objects.order_by("pk")
    assert (sale.month, back.month) == (last_month, this_month)
    assert (back.amount, back.adjustment) == (Decimal("-30.00"), True)
    assert sum(Commission.objects.filter(month=last_month).values_list("amount", flat=True)) == (
        closed.total
    )


@pytest.mark.req("POS-3")
def test_commissions_stay_append_only(store, front_desk, manager, practitioner, default_rules):
    from django.db import DatabaseError, transaction

    sell(store, front_desk, manager, practitioner)
    with pytest.raises(DatabaseError), transaction.atomic():
        Commission.objects.update(amount=Decimal("999.00"))
    assert amounts() == [Decimal("30.00")]
