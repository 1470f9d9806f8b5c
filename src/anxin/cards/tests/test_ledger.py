"""The card ledger (POS-2): top-up with bonus, payments, transfers, refunds, expiry, reversal;
the balance is the ledger's sum; bad input changes nothing."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import override

from anxin.audit.models import OperationLog
from anxin.cards import selectors, services
from anxin.cards.models import Card, CardMovement, CardTransfer, MovementKind

from .conftest import consenting_client

pytestmark = [pytest.mark.req("POS-2"), pytest.mark.django_db]


def _sum(card):
    return card.movements.aggregate(s=Sum("amount"))["s"]


def _snapshot():
    return (
        CardMovement.objects.count(),
        Card.objects.count(),
        CardTransfer.objects.count(),
        OperationLog.objects.filter(action__startswith="cards.").count(),
    )


def test_top_up_with_bonus_is_two_ledger_rows_and_logged(stored_card, front_desk, store):
    rows = list(stored_card.movements.order_by("seq"))
    assert [(m.kind, m.amount, m.cash) for m in rows] == [
        (MovementKind.TOP_UP, Decimal("1000.00"), Decimal("1000.00")),
        (MovementKind.BONUS, Decimal("200.00"), Decimal("0.00")),
    ]
    assert services.balance_of(stored_card) == (Decimal("1200.00"), 0)
    assert rows[-1].balance_after == Decimal("1200.00")
    logged = OperationLog.objects.filter(record_code=stored_card.number).values_list(
        "action", flat=True
    )
    assert set(logged) == {"cards.issue", "cards.top_up", "cards.bonus"}
    # A second top-up of 600 reaches only the 500 rule.
    services.card_top_up(actor=front_desk, store=store, card=stored_card, paid="600")
    assert services.balance_of(stored_card)[0] == Decimal("1850.00")


def test_charge_card_contract_and_reversal(stored_card, holder, store, front_desk):
    moved = services.charge_card(
        card=stored_card,
        client=holder,
        store=store,
        amount=Decimal("128.00"),
        user=front_desk,
        reference="BILL-1",
    )
    assert moved.kind == MovementKind.CONSUMPTION and moved.amount == Decimal("-128.00")
    assert moved.balance_after == Decimal("1072.00") == _sum(stored_card)
    back = services.reverse_charge(movement=moved, user=front_desk, reason="收错了")
    assert back.kind == MovementKind.REVERSAL and back.reverses == moved
    assert _sum(stored_card) == Decimal("1200.00")
    with pytest.raises(ValidationError):
        services.reverse_charge(movement=moved, user=front_desk, reason="again")
    assert OperationLog.objects.filter(action="cards.reversal").count() == 1


def test_refused_charges_say_why_and_change_nothing(
    stored_card, holder, friend, store, other_store, front_desk, yesterday
):
    from anxin.accounts.services import role_assign

    role_assign(user=front_desk, store=other_store, role_key="front_desk")  # a cashier of both
    before = _snapshot()
    cases = [
        ({"client": friend}, "belongs to another client"),
        ({"store": other_store}, "belongs to another store"),
        ({"amount": Decimal("5000")}, "Not enough on card"),
        ({"amount": Decimal("-5")}, "cannot be negative"),
        ({"amount": Decimal("1e9")}, "more than one card movement"),
        ({"amount": "abc"}, "Enter the amount in yuan"),
        ({"amount": Decimal("1.234")}, "two decimals"),
    ]
    for change, words in cases:
        kwargs = {
            "card": stored_card,
            "client": holder,
            "store": store,
            "amount": Decimal("10"),
            "user": front_desk,
            "reference": "B",
            **change,
        }
        with override("en"), pytest.raises(ValidationError) as caught:
            services.charge_card(**kwargs)
        assert words in " ".join(caught.value.messages), (change, caught.value.messages)
    Card.objects.filter(pk=stored_card.pk).update(expires_on=yesterday)
    with override("en"), pytest.raises(ValidationError, match="expired on"):
        services.charge_card(
            card=stored_card, client=holder, store=store, amount=1, user=front_desk, reference="B"
        )
    # The message is translated (the default language is Simplified Chinese).
    assert _snapshot() == before


def test_charge_needs_the_cashier_permission(stored_card, holder, store, practitioner):
    before = _snapshot()
    with pytest.raises(PermissionDenied):
        services.charge_card(
            card=stored_card, client=holder, store=store, amount=1, user=practitioner, reference="B"
        )
    assert _snapshot() == before


def test_session_card_spends_sessions_of_covered_items_only(
    session_type, holder, store, front_desk, item, other_item
):
    card = services.card_issue(actor=front_desk, store=store, client=holder, card_type=session_type)
    assert services.balance_of(card) == (Decimal("1000.00"), 10)
    before = _snapshot()
    with override("en"), pytest.raises(ValidationError, match="does not cover"):
        services.charge_card(
            card=card,
            client=holder,
            store=store,
            amount=Decimal("98"),
            user=front_desk,
            reference="B",
            item_ids=[other_item.pk],
        )
    assert _snapshot() == before
    moved = services.charge_card(
        card=card,
        client=holder,
        store=store,
        amount=Decimal("128"),
        user=front_desk,
        reference="B",
        item_ids=[item.pk],
    )
    assert (moved.sessions, moved.amount) == (-1, Decimal("-100.00"))
    for _n in range(9):
        services.charge_card(
            card=card, client=holder, store=store, amount=128, user=front_desk, reference="B",
            item_ids=[item.pk],
        )  # fmt: skip
    assert services.balance_of(card) == (Decimal("0.00"), 0)
    with override("en"), pytest.raises(ValidationError, match="0 sessions left"):
        services.charge_card(
            card=card, client=holder, store=store, amount=128, user=front_desk, reference="B",
            item_ids=[item.pk],
        )  # fmt: skip


def test_term_card_within_its_dates(term_type, holder, store, front_desk, yesterday):
    card = services.card_issue(actor=front_desk, store=store, client=holder, card_type=term_type)
    moved = services.charge_card(
        card=card, client=holder, store=store, amount=128, user=front_desk, reference="B"
    )
    assert moved.amount == 0 and moved.kind == MovementKind.CONSUMPTION
    Card.objects.filter(pk=card.pk).update(expires_on=yesterday)
    with pytest.raises(ValidationError):
        services.charge_card(
            card=card, client=holder, store=store, amount=128, user=front_desk, reference="B"
        )


def test_transfer_needs_both_consents(stored_card, holder, friend, store, front_desk, stored_type):
    target = services.card_issue(
        actor=front_desk, store=store, client=friend, card_type=stored_type, paid="100"
    )
    before = _snapshot()
    with override("en"), pytest.raises(ValidationError, match="consent of both clients"):
        services.card_transfer(
            actor=front_desk, store=store, from_card=stored_card, to_card=target, amount="300",
            from_consent=True, to_consent=False, from_channel="in_store", to_channel="phone",
        )  # fmt: skip
    with override("en"), pytest.raises(ValidationError):
        services.card_transfer(
            actor=front_desk, store=store, from_card=stored_card, to_card=target, amount="5000",
            from_consent=True, to_consent=True, from_channel="in_store", to_channel="phone",
        )  # fmt: skip
    assert _snapshot() == before
    transfer = services.card_transfer(
        actor=front_desk, store=store, from_card=stored_card, to_card=target, amount="300",
        from_consent=True, to_consent=True, from_channel="in_store", to_channel="phone",
    )  # fmt: skip
    assert transfer.witness == front_desk and transfer.to_consent_channel == "phone"
    assert _sum(stored_card) == Decimal("900.00")
    assert _sum(target) == Decimal("400.00")  # 100 paid (no bonus rule reached) + 300 in
    kinds = set(CardMovement.objects.filter(transfer=transfer).values_list("kind", flat=True))
    assert kinds == {MovementKind.TRANSFER_OUT, MovementKind.TRANSFER_IN}


def test_transfer_refused_without_a_consent_on_file(stored_card, store, front_desk, stored_type):
    from anxin.catalogue.testing import make_client

    bare = make_client(actor=front_desk, store=store, name="赵六", phone="13700003333")
    target = services.card_issue(
        actor=front_desk, store=store, client=bare, card_type=stored_type, paid="100"
    )
    with override("en"), pytest.raises(ValidationError, match="no consent on file"):
        services.card_transfer(
            actor=front_desk, store=store, from_card=stored_card, to_card=target, amount="10",
            from_consent=True, to_consent=True, from_channel="in_store", to_channel="in_store",
        )  # fmt: skip


def test_refund_pro_rata_and_not_more_than_the_balance(stored_card, store, front_desk):
    before = _snapshot()
    with override("en"), pytest.raises(ValidationError, match="more than the card's balance"):
        services.card_refund(
            actor=front_desk, store=store, card=stored_card, amount="1500", reason="搬家"
        )
    assert _snapshot() == before
    # 1000 paid for 1200 credited: 600 of balance refunds 500 in cash.
    moved = services.card_refund(
        actor=front_desk, store=store, card=stored_card, amount="600", reason="搬家"
    )
    assert (moved.amount, moved.cash) == (Decimal("-600.00"), Decimal("-500.00"))
    assert _sum(stored_card) == Decimal("600.00")


def test_expiry_takes_the_rest_and_reminds_first(stored_card, store, front_desk):
    from anxin.notifications.models import Notification

    today = timezone.localdate()
    Card.objects.filter(pk=stored_card.pk).update(expires_on=today + dt.timedelta(days=10))
    assert services.expiry_reminders(today=today) == 1
    assert services.expiry_reminders(today=today) == 0  # once
    assert Notification.objects.filter(kind="cards.expiry", recipient=front_desk).exists()
    assert services.cards_expire(today=today + dt.timedelta(days=11)) == 1
    stored_card.refresh_from_db()
    assert stored_card.state == "closed" and _sum(stored_card) == 0
    assert stored_card.movements.last().kind == MovementKind.EXPIRY


def test_the_database_refuses_a_negative_balance_or_a_duplicate_line(stored_card):
    row = stored_card.movements.last()
    with pytest.raises(IntegrityError), transaction.atomic():
        CardMovement.objects.create(
            card=stored_card, store_id=row.store_id, seq=99, kind="consumption", at=row.at,
            amount=Decimal("-5000"), balance_after=Decimal("-3800"),
        )  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        CardMovement.objects.create(
            card=stored_card, store_id=row.store_id, seq=row.seq, kind="consumption", at=row.at,
            amount=Decimal("-1"), balance_after=Decimal("1199"),
        )  # fmt: skip


def test_checkout_suggests_one_card(
    stored_card, session_type, holder, store, front_desk, practitioner
):
    sessions = services.card_issue(
        actor=front_desk, store=store, client=holder, card_type=session_type
    )
    with override("en"):
        listed = selectors.cards_for_checkout(front_desk, holder, store)
    assert [c.pk for c, _d, s in listed if s] == [sessions.pk]
    stored = next(d for c, d, _s in listed if c.pk == stored_card.pk)
    assert "balance 1200.00 yuan" in stored
    assert selectors.cards_for_checkout(practitioner, holder, store) == []


def test_card_type_bad_input(manager, store, front_desk):
    with pytest.raises(ValidationError):
        services.card_type_save(actor=manager, store=store, name="x", kind="sessions", price=0)
    with pytest.raises(ValidationError):
        services.card_type_save(
            actor=manager, store=store, name="x", kind="stored_value",
            bonus_rules=[{"pay": "100", "bonus": "-5"}],
        )  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.card_type_save(actor=front_desk, store=store, name="x", kind="stored_value")


def test_issue_refuses_a_client_of_another_store(stored_type, other_manager, other_store):
    client = consenting_client(
        actor=other_manager, store=other_store, name="陈晨", phone="13900004444"
    )
    from anxin.cards.services import card_issue

    with pytest.raises((ValidationError, PermissionDenied)):
        card_issue(
            actor=other_manager, store=other_store, client=client, card_type=stored_type, paid=1
        )
