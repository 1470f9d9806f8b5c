"""The till and the membership cards through the checkout page (POS-1, POS-2): a card payment
writes the bill, the card's ledger row and both operation-log entries together; a card that
cannot pay is refused with its reason and nothing is written."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from anxin.audit.models import OperationLog
from anxin.cards.models import CardMovement
from anxin.cards.services import card_issue, card_type_save
from anxin.catalogue.testing import make_client, make_item
from anxin.till.models import Bill, Payment, StockMovement

pytestmark = [pytest.mark.django_db, pytest.mark.req("POS-1", "POS-2")]
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def foot(store, manager):
    return make_item(actor=manager, store=store, name="足底按摩", price="98.00", category=2)


@pytest.fixture
def session_card(store, manager, front_desk, client_a, item):
    kind = card_type_save(
        actor=manager,
        store=store,
        name="全身按摩 10 次",
        kind="sessions",
        price=Decimal("1000.00"),
        sessions=10,
        items=[item],
        valid_days=180,
    )
    return card_issue(actor=front_desk, store=store, client=client_a, card_type=kind)


@pytest.fixture
def stored_type(store, manager):
    return card_type_save(
        actor=manager,
        store=store,
        name="储值 1000 送 200",
        kind="stored_value",
        bonus_rules=[{"pay": "1000", "bonus": "200"}],
        valid_days=365,
    )


@pytest.fixture
def stored_card(store, front_desk, client_a, stored_type):
    return card_issue(
        actor=front_desk, store=store, client=client_a, card_type=stored_type, paid="1000"
    )


def _written():
    return (
        Bill.objects.count(),
        Payment.objects.count(),
        StockMovement.objects.filter(kind="sale").count(),
        CardMovement.objects.filter(kind="consumption").count(),
        OperationLog.objects.count(),
    )


def _form(client_a, **more):
    return {
        "client": client_a.code,
        "clock_1": "rotation",
        "clock_2": "rotation",
        "quantity_1": "1",
        "quantity_2": "1",
        "quantity_3": "1",
        "action": "pay",
        **more,
    }


def test_a_stored_value_card_and_cash_pay_a_bill_through_the_page(
    client, login, store, front_desk, client_a, record, oil, stored_card, session_card
):
    login(client, front_desk)
    page = client.get(f"/till/?client={client_a.code}", **EN).content.decode()
    # Both cards are offered; one is suggested and chosen, the cashier confirms by the amount.
    assert stored_card.number in page and session_card.number in page
    assert page.count("(suggested)") == 1 and "selected>" in page
    form = _form(
        client_a,
        records=[str(record.pk)],
        product_1=str(oil.pk),
        card=str(stored_card.pk),
        card_amount="150.00",
        cash="36.00",
    )
    done = client.post("/till/", form, **EN)
    bill = Bill.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/till/bills/{bill.pk}/"
    assert bill.total == Decimal("186.00") and bill.client == client_a
    card_payment = bill.payments.get(method="card")
    assert card_payment.amount == Decimal("150.00")
    movement = CardMovement.objects.get(pk=card_payment.card_movement_id)
    assert (movement.card_id, movement.kind, movement.amount) == (
        stored_card.pk,
        "consumption",
        Decimal("-150.00"),
    )
    assert movement.reference == f"bill:{bill.pk}"
    assert stored_card.movements.aggregate(s=Sum("amount"))["s"] == Decimal("1050.00")
    bill_log = OperationLog.objects.get(record_type="till.bill", record_id=str(bill.pk))
    assert {p["method"] for p in bill_log.changes["payment_summary"]} == {"card", "cash"}
    assert OperationLog.objects.filter(
        record_code=stored_card.number, action="cards.consumption"
    ).exists()
    receipt = client.get(f"/till/bills/{bill.pk}/", **EN).content.decode()
    assert "150.00 yuan" in receipt and "186.00 yuan" in receipt
    # The card's ledger names the bill by its number, linked to it, not by its database id.
    ledger = client.get(f"/cards/{stored_card.number}/", **EN).content.decode()
    assert f'<a href="/till/bills/{bill.pk}/">Bill {bill.number}</a>' in ledger
    assert f"bill:{bill.pk}" not in ledger


def test_a_session_card_pays_a_service_it_covers(
    client, login, store, front_desk, client_a, record, session_card
):
    login(client, front_desk)
    form = _form(client_a, records=[str(record.pk)], card=str(session_card.pk), card_amount="128")
    assert client.post("/till/", form, **EN).status_code == 302
    bill = Bill.objects.get()
    movement = CardMovement.objects.get(pk=bill.payments.get().card_movement_id)
    assert (movement.card_id, movement.sessions, movement.amount) == (
        session_card.pk,
        -1,
        Decimal("-100.00"),
    )
    assert session_card.movements.aggregate(n=Sum("sessions"))["n"] == 9
    assert OperationLog.objects.filter(record_type="till.bill", record_id=str(bill.pk)).exists()


def _refused(client, form, message):
    before = _written()
    answer = client.post("/till/", form, **EN)
    text = answer.content.decode()
    assert answer.status_code == 400 and message in text, text[text.find("problem") :][:600]
    assert 'id="form-errors"' in text
    assert _written() == before
    return text


def test_a_card_that_cannot_pay_is_refused_with_its_reason_and_nothing_written(
    client,
    login,
    store,
    manager,
    front_desk,
    practitioner,
    client_a,
    record,
    oil,
    foot,
    session_card,
    stored_type,
):
    login(client, front_desk)
    # A session card for an item it does not cover (a walk-in foot massage).
    _refused(
        client,
        _form(
            client_a,
            item_1=str(foot.pk),
            practitioner_1=str(practitioner.pk),
            card=str(session_card.pk),
            card_amount="98.00",
        ),
        "does not cover this service item",
    )
    # A card that expired yesterday (not offered; its number typed in).
    long_ago = timezone.localdate() - dt.timedelta(days=366)
    expired = card_issue(
        actor=front_desk,
        store=store,
        client=client_a,
        card_type=stored_type,
        paid="1000",
        today=long_ago,
    )
    _refused(
        client,
        _form(client_a, records=[str(record.pk)], card=expired.number, card_amount="128.00"),
        f"Card {expired.number} expired on",
    )
    # Another client's card.
    other = make_client(actor=front_desk, store=store, name="李娜", phone="13800002222")
    theirs = card_issue(
        actor=front_desk, store=store, client=other, card_type=stored_type, paid="1000"
    )
    _refused(
        client,
        _form(client_a, records=[str(record.pk)], card=str(theirs.pk), card_amount="128.00"),
        f"Card {theirs.number} belongs to another client",
    )
    # A card number that does not exist.
    _refused(
        client,
        _form(client_a, records=[str(record.pk)], card="HY99999999", card_amount="128.00"),
        "There is no card HY99999999 in this store.",
    )
    assert not Bill.objects.exists()
    assert theirs.movements.aggregate(s=Sum("amount"))["s"] == Decimal("1200.00")
