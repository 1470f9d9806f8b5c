"""Month-end card balances (the liability check's second path) and the whole-ledger reconcile
(POS-2): kept once per ended month, equal to the ledger; a row slipped into an ended month later
no longer matches, and that is an alert."""

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, transaction
from django.db.models import Sum
from django.utils import timezone

from anxin.cards import month_ends, selectors, services
from anxin.cards.models import CardMonthClose, CardMonthEnd, CardMovement

pytestmark = [pytest.mark.req("POS-2"), pytest.mark.django_db]


def _months_ago(n: int) -> dt.datetime:
    day = timezone.localdate().replace(day=1)
    for _ in range(n):
        day = month_ends.previous_month(day)
    return month_ends.month_start(day) + dt.timedelta(days=9, hours=3)


@pytest.fixture
def history(stored_card, holder, store, front_desk, session_type):
    """Three months of movements on two cards: issued 3 months ago, paid 2 and 1 months ago,
    one payment this month."""
    card2 = services.card_issue(
        actor=front_desk, store=store, client=holder, card_type=session_type
    )
    for n, card in enumerate((stored_card, card2)):
        CardMovement.objects.filter(card=card).update(at=_months_ago(3 - n))
    for months, amount in ((2, "100"), (1, "250.50")):
        moved = services.charge_card(
            card=stored_card, client=holder, store=store, amount=Decimal(amount),
            user=front_desk, reference=f"B{months}",
        )  # fmt: skip
        CardMovement.objects.filter(pk=moved.pk).update(at=_months_ago(months))
    services.charge_card(
        card=stored_card, client=holder, store=store, amount=Decimal("10"), user=front_desk,
        reference="now",
    )  # fmt: skip
    return stored_card, card2


def test_month_ends_are_kept_once_and_agree_with_the_ledger(history, store):
    stored_card, card2 = history
    assert month_ends.month_ends_write(store=store) == 3  # three ended months
    assert month_ends.month_ends_write(store=store) == 0  # written once
    for close in CardMonthClose.objects.filter(store=store):
        end = month_ends.month_start(month_ends.next_month(close.month))
        for card in (stored_card, card2):
            ledger = card.movements.filter(at__lt=end).aggregate(s=Sum("amount"), n=Sum("sessions"))
            kept = CardMonthEnd.objects.filter(card=card, month=close.month).first()
            if ledger["s"] is None:
                assert kept is None
            else:
                assert (kept.balance, kept.sessions) == (ledger["s"], ledger["n"])
        assert close.total == sum(r.balance for r in close.rows.all())
    last = CardMonthEnd.objects.get(card=stored_card, month=month_ends.previous_month(
        timezone.localdate()))  # fmt: skip
    assert last.balance == Decimal("849.50")
    # The report's check reads the kept rows and agrees with the monthly sums, month by month.
    for year in {timezone.localdate().year, _months_ago(3).year}:
        assert all(line.reconciled for line in selectors.liability_lines(store=store, year=year))
    assert month_ends.reconcile_store(store=store).ok
    with pytest.raises(DatabaseError), transaction.atomic():  # append-only
        CardMonthEnd.objects.filter(pk=last.pk).update(balance=Decimal("1"))


def test_a_row_slipped_into_an_ended_month_is_a_mismatch_and_an_alert(
    history, store, finance, manager
):
    from anxin.notifications.models import Notification

    stored_card, _card2 = history
    month_ends.month_ends_write(store=store)
    last = stored_card.movements.order_by("-seq").first()
    # A consumption row written behind the application's back, dated last month.
    CardMovement.objects.create(
        card=stored_card, store=store, seq=last.seq + 1, kind="consumption",
        at=_months_ago(1) + dt.timedelta(days=1), amount=Decimal("-50.00"),
        balance_after=last.balance_after - 50,
    )  # fmt: skip
    lines = selectors.liability_lines(store=store, year=_months_ago(1).year)
    bad = [line for line in lines if not line.reconciled]
    # From that month on (the sums count the row, the running balances kept do not).
    assert bad and bad[0].month == _months_ago(1).date().replace(day=1)
    assert bad[0].difference == Decimal("50.00")
    assert [line.month for line in lines if line.month < bad[0].month and not line.reconciled] == []
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("cards", "reconcile", stdout=out)
    text = out.getvalue()
    month = _months_ago(1)
    assert f"{month:%Y-%m}: closing 1799.50 by the monthly sums, 1849.50 by the running" in text
    alerts = Notification.objects.filter(kind="cards.liability_mismatch")
    assert alerts.filter(recipient=finance).exists() and alerts.filter(recipient=manager).exists()


def test_reconcile_command_on_a_clean_ledger(history, store):
    out = StringIO()
    call_command("cards", "reconcile", stdout=out)
    text = out.getvalue()
    assert "2 cards, 6 ledger rows, balance owed 1839.50 yuan" in text and "0 problems" in text
    assert "the card ledger reconciles." in text
    assert CardMonthClose.objects.filter(store=store).count() == 3
