"""POS-3: value that leaves a card unused takes the seller's card-sale commission back like a
refund does — a transfer to another client's card in the share moved, a reversed top-up in
full — in the movement's own transaction; after a closed month, in the next open month."""

import datetime as dt
from decimal import Decimal
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from anxin.audit.models import OperationLog
from anxin.cards.models import CardMovement, CardTransfer, MovementKind
from anxin.cards.services import card_issue, card_refund, card_top_up, card_transfer, reverse_charge
from anxin.cards.tests.conftest import consenting_client
from anxin.commissions import services
from anxin.commissions.models import Commission

from .test_card_refund import amounts, sell

pytestmark = pytest.mark.django_db


@pytest.fixture
def sold_card(store, front_desk, manager, practitioner, default_rules):
    return sell(store, front_desk, manager, practitioner)


def other_card(card, *, front_desk, store):
    """Another client's card of the same type, bought without a seller (no commission)."""
    holder = consenting_client(actor=front_desk, store=store, name="李娜", phone="13800002222")
    return card_issue(
        actor=front_desk, store=store, client=holder, card_type=card.card_type, paid="100"
    )


def transfer(card, target, *, front_desk, store, amount, to_consent=True):
    return card_transfer(
        actor=front_desk, store=store, from_card=card, to_card=target, amount=amount,
        from_consent=True, to_consent=to_consent, from_channel="in_store", to_channel="phone",
    )  # fmt: skip


@pytest.mark.req("POS-3")
def test_a_transfer_takes_back_the_source_sellers_commission_in_the_share_moved(
    store, front_desk, manager, practitioner, sold_card
):
    target = other_card(sold_card, front_desk=front_desk, store=store)
    # 600 of the 1,200 credited to the card leaves it: half the commission comes back.
    moved = transfer(sold_card, target, front_desk=front_desk, store=store, amount="600")
    out = CardMovement.objects.get(transfer=moved, kind=MovementKind.TRANSFER_OUT)
    back = Commission.objects.get(amount__lt=0)
    assert (back.practitioner, back.basis, back.amount, back.base) == (
        practitioner,
        "card_sale",
        Decimal("-15.00"),
        Decimal("-600.00"),
    )
    assert back.card_movement_id == out.pk and not back.adjustment
    assert OperationLog.objects.filter(
        record_type="commissions.commission", action="refund", record_id=str(out.pk)
    ).exists()
    # A refund of the rest takes back the rest, counted with the transfer: never more.
    card_refund(actor=manager, store=store, card=sold_card, amount="600", reason="搬家")
    assert amounts() == [Decimal("30.00"), Decimal("-15.00"), Decimal("-15.00")]
    # The receiving card's money earns its seller nothing, and spending it takes nothing back.
    assert not Commission.objects.filter(card_movement_id__in=target.movements.values("pk"))


@pytest.mark.req("POS-3")
def test_a_refused_or_failed_transfer_writes_no_commission(store, front_desk, manager, sold_card):
    target = other_card(sold_card, front_desk=front_desk, store=store)
    rows, logs = CardMovement.objects.count(), OperationLog.objects.count()
    with pytest.raises(ValidationError):  # the receiver did not consent
        transfer(sold_card, target, front_desk=front_desk, store=store, amount="600",
                 to_consent=False)  # fmt: skip
    with pytest.raises(ValidationError):  # more than the balance
        transfer(sold_card, target, front_desk=front_desk, store=store, amount="5000")
    with (
        mock.patch(
            "anxin.commissions.card_sales.Commission.objects.bulk_create",
            side_effect=RuntimeError("disk full"),
        ),
        pytest.raises(RuntimeError),
    ):
        transfer(sold_card, target, front_desk=front_desk, store=store, amount="600")
    assert (CardMovement.objects.count(), OperationLog.objects.count()) == (rows, logs)
    assert not CardTransfer.objects.exists()
    assert amounts() == [Decimal("30.00")]


@pytest.mark.req("POS-3")
def test_a_reversed_top_up_takes_back_its_commission(store, manager, practitioner, sold_card):
    top_up, bonus = sold_card.movements.order_by("seq")
    reverse_charge(movement=bonus, user=manager, reason="录错")  # bonus earned nothing
    assert amounts() == [Decimal("30.00")]
    moved = reverse_charge(movement=top_up, user=manager, reason="录错")
    back = Commission.objects.get(amount__lt=0)
    assert (back.amount, back.base, back.card_movement_id) == (
        Decimal("-30.00"),
        Decimal("-1000.00"),
        moved.pk,
    )
    with pytest.raises(ValidationError):  # reversed once only: nothing more taken back
        reverse_charge(movement=top_up, user=manager, reason="录错")
    assert amounts() == [Decimal("30.00"), Decimal("-30.00")]


@pytest.mark.req("POS-3")
def test_a_reversal_after_a_refund_leaves_the_seller_only_what_is_still_paid_in(
    store, manager, practitioner, sold_card
):
    second, _bonus = card_top_up(
        actor=manager, store=store, card=sold_card, paid="1000", seller=practitioner
    )
    # 1,200 of the 2,400 on the card refunded pays back 1,000 of the 2,000 paid in: half.
    card_refund(actor=manager, store=store, card=sold_card, amount="1200", reason="搬家")
    assert amounts() == [Decimal("30.00"), Decimal("30.00"), Decimal("-30.00")]
    # The second 1,000 reversed: what is still paid in (1,000) has all been paid back.
    reverse_charge(movement=second, user=manager, reason="重复收款")
    assert sum(amounts()) == Decimal("0.00")


@pytest.mark.req("POS-3")
def test_a_transfer_after_a_closed_month_lands_in_the_next_open_month(
    store, front_desk, manager, finance, practitioner, default_rules
):
    this_month = timezone.localdate().replace(day=1)
    last_month = (this_month - dt.timedelta(days=1)).replace(day=1)
    sold_at = timezone.make_aware(dt.datetime.combine(last_month, dt.time(15)))
    with mock.patch("django.utils.timezone.now", return_value=sold_at):
        card = sell(store, front_desk, manager, practitioner)  # sold last month
    closed = services.month_close(actor=finance, store=store, month=last_month)
    target = other_card(card, front_desk=front_desk, store=store)
    transfer(card, target, front_desk=front_desk, store=store, amount="1200")
    sale, back = Commission.objects.order_by("pk")
    assert (sale.month, back.month) == (last_month, this_month)
    assert (back.amount, back.adjustment) == (Decimal("-30.00"), True)
    assert sum(Commission.objects.filter(month=last_month).values_list("amount", flat=True)) == (
        closed.total
    )


@pytest.mark.req("POS-3")
def test_the_practitioner_reads_the_take_back_on_their_page(
    client, login, store, front_desk, practitioner, sold_card
):
    target = other_card(sold_card, front_desk=front_desk, store=store)
    transfer(sold_card, target, front_desk=front_desk, store=store, amount="600")
    login(client, practitioner)
    month = f"{timezone.localdate():%Y-%m}"
    page = client.get(
        f"/commissions/people/{practitioner.pk}/?month={month}", HTTP_ACCEPT_LANGUAGE="en"
    )
    text = page.content.decode()
    assert page.status_code == 200
    assert "-15.00 yuan" in text and "(taken back: the card" in text
    assert "15.00 yuan</strong>" in text  # the month's total: 30.00 earned, 15.00 back
