"""20 payments at once from a stored-value card that covers only 5 (POS-2, issue 15): exactly
5 succeed, the others are refused, the balance never goes below zero — on SQLite (IMMEDIATE
transactions, WAL) and PostgreSQL (a row lock on the card), whichever the suite runs on."""

from decimal import Decimal

import pytest

from anxin.cards.concurrency import race
from anxin.cards.services import card_issue, card_type_save

from .conftest import consenting_client


@pytest.mark.req("POS-2")
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_payments_five_succeed(store, manager, front_desk):
    card_type = card_type_save(
        actor=manager, store=store, name="储值卡", kind="stored_value", valid_days=365
    )
    client = consenting_client(actor=front_desk, store=store, name="王芳", phone="13800001111")
    card = card_issue(
        actor=front_desk, store=store, client=client, card_type=card_type, paid=Decimal("500")
    )
    result = race(
        card=card, client=client, store=store, user=front_desk, payments=20, amount=Decimal("100")
    )
    assert result.errors == []
    assert (result.succeeded, result.refused) == (5, 15)
    assert result.balance == Decimal("0.00")
    assert result.lowest_balance_after >= 0
    assert card.movements.filter(kind="consumption").count() == 5
