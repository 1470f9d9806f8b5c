"""The card pages: who may do what, out of scope is 404 and logged, bad input changes nothing,
the liability report reconciles (and a mismatch is an alert), the client's copy lists cards."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from anxin.audit.models import UseLog
from anxin.cards import selectors
from anxin.cards.models import Card, CardMovement, CardType

pytestmark = [pytest.mark.req("POS-2"), pytest.mark.django_db]
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def test_manager_defines_a_card_type(client, login, manager):
    login(client, manager)
    response = client.post(
        "/cards/types/new/",
        {
            "name": "储值 1000 送 200",
            "kind": "stored_value",
            "price": "0",
            "bonus_text": "1000 200\n500 50",
            "valid_days": "365",
            "refund_rule": "pro_rata",
            "active": "on",
        },
        **EN,
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    card_type = CardType.objects.get()
    assert card_type.bonus_rules == [
        {"pay": "500.00", "bonus": "50.00"},
        {"pay": "1000.00", "bonus": "200.00"},
    ]
    page = client.get("/cards/types/", **EN).content.decode()
    assert "pay 1000.00 yuan, get 200.00 yuan more" in page


def test_front_desk_cannot_define_card_types(client, login, front_desk):
    login(client, front_desk)
    assert client.get("/cards/types/").status_code == 403
    response = client.post("/cards/types/new/", {"name": "x", "kind": "term"})
    assert response.status_code == 403
    assert not CardType.objects.exists()


def test_issue_top_up_and_the_ledger_page(client, login, front_desk, holder, stored_type):
    login(client, front_desk)
    response = client.post(
        "/cards/new/",
        {"client_code": holder.code, "card_type": stored_type.pk, "paid": "1000"},
        **EN,
    )
    assert response.status_code == 302
    card = Card.objects.get()
    page = client.get(f"/cards/{card.number}/", **EN).content.decode()
    assert "1200.00 yuan" in page and "bonus" in page
    # Bad input: negative, absurd, not a number — a clear message, nothing written.
    rows = CardMovement.objects.count()
    for paid in ["-10", "99999999", "abc"]:
        response = client.post(f"/cards/{card.number}/top-up/", {"paid": paid}, **EN)
        assert response.status_code == 400
        assert "There is a problem" in response.content.decode()
    assert CardMovement.objects.count() == rows
    response = client.post(f"/cards/{card.number}/top-up/", {"paid": "100"}, **EN)
    assert response.status_code == 302
    assert selectors.with_balance(Card.objects.filter(pk=card.pk)).get().balance == Decimal(
        "1300.00"
    )


def test_refund_larger_than_the_balance_is_refused(client, login, front_desk, stored_card):
    login(client, front_desk)
    rows = CardMovement.objects.count()
    response = client.post(
        f"/cards/{stored_card.number}/refund/", {"amount": "5000", "reason": "搬家"}, **EN
    )
    assert response.status_code == 400
    assert "more than the card&#x27;s balance" in response.content.decode()
    assert CardMovement.objects.count() == rows


def test_transfer_form_needs_both_consents(client, login, front_desk, stored_card, friend):
    from anxin.cards.services import card_issue

    target = card_issue(
        actor=front_desk, store=stored_card.store, client=friend,
        card_type=stored_card.card_type, paid="100",
    )  # fmt: skip
    login(client, front_desk)
    rows = CardMovement.objects.count()
    data = {
        "to_card": target.number,
        "amount": "50",
        "from_consent": "on",
        "from_channel": "in_store",
        "to_channel": "in_store",
    }
    response = client.post(f"/cards/{stored_card.number}/transfer/", data, **EN)
    assert response.status_code == 400
    assert "receiving client&#x27;s consent is required" in response.content.decode()
    assert CardMovement.objects.count() == rows
    response = client.post(
        f"/cards/{stored_card.number}/transfer/", {**data, "to_consent": "on"}, **EN
    )
    assert response.status_code == 302
    assert CardMovement.objects.count() == rows + 2


def test_out_of_scope_is_404_and_logged(client, login, other_manager, stored_card):
    login(client, other_manager)
    rows = CardMovement.objects.count()
    assert client.get(f"/cards/{stored_card.number}/").status_code == 404
    response = client.post(f"/cards/{stored_card.number}/top-up/", {"paid": "100"})
    assert response.status_code == 404
    assert CardMovement.objects.count() == rows
    assert UseLog.objects.filter(
        user=other_manager, record_type="cards.card", record_id=stored_card.number, outcome="denied"
    ).exists()


def test_practitioner_sees_no_cards(client, login, practitioner, stored_card):
    login(client, practitioner)
    assert client.get("/cards/").status_code == 403
    assert client.get(f"/cards/{stored_card.number}/").status_code == 404


def test_client_file_shows_cards_under_view_spending(
    client, login, manager, front_desk, stored_card, holder
):
    login(client, manager)
    page = client.get(f"/clients/{holder.code}/", **EN).content.decode()
    assert stored_card.number in page and "1200.00 yuan" in page
    client.logout()
    login(client, front_desk)  # no spending: a link to the cards, not the balances
    page = client.get(f"/clients/{holder.code}/", **EN).content.decode()
    assert "Membership cards" in page and "1200.00 yuan" not in page


def test_liability_report_reconciles_and_exports(client, login, finance, stored_card, holder):
    from anxin.cards.services import charge_card

    charge_card(
        card=stored_card, client=holder, store=stored_card.store, amount=Decimal("200"),
        user=stored_card.created_by, reference="B1",
    )  # fmt: skip
    today = timezone.localdate()
    lines = selectors.liability_lines(store=stored_card.store, year=today.year)
    now = lines[-1]
    assert now.flows["top_ups"] == Decimal("1000.00")
    assert now.flows["bonus"] == Decimal("200.00")
    assert now.flows["consumption"] == Decimal("200.00")
    assert now.closing == Decimal("1000.00") == now.ledger_closing
    assert all(line.reconciled for line in lines)
    login(client, finance)
    page = client.get("/cards/liability/", **EN)
    assert page.status_code == 200 and "does not reconcile" not in page.content.decode()
    xlsx = client.get(f"/cards/liability/?year={today.year}&format=xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_liability_mismatch_raises_an_alert(client, login, finance, manager, stored_card):
    from anxin.notifications.models import Notification

    # A running balance edited behind the application's back.
    CardMovement.objects.filter(card=stored_card, seq=2).update(balance_after=Decimal("1300"))
    login(client, finance)
    page = client.get("/cards/liability/", **EN).content.decode()
    assert "does not reconcile" in page
    alerts = Notification.objects.filter(kind="cards.liability_mismatch")
    assert alerts.filter(recipient=finance).exists() and alerts.filter(recipient=manager).exists()
    client.get("/cards/liability/")
    assert alerts.filter(recipient=finance).count() == 1  # once per month


def test_liability_report_is_for_manager_and_finance(client, login, front_desk, stored_card):
    login(client, front_desk)
    assert client.get("/cards/liability/").status_code == 404
    assert UseLog.objects.filter(
        user=front_desk, record_type="cards.card", action="view_liability", outcome="denied"
    ).exists()


def test_client_copy_lists_cards_and_movements(stored_card, holder, yesterday):
    from anxin.privacy import registry

    sections = {s.key: tables for s, tables in registry.export(holder)}
    tables = {t.key: t for t in sections["cards"]}
    assert [r["number"] for r in tables["cards"].rows] == [stored_card.number]
    assert len(tables["card_movements"].rows) == 2
    assert registry.holds(holder)  # the store still owes the balance
    assert yesterday < dt.date.max
