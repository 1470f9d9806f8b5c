import datetime as dt

import phonenumbers
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric

from anxin.accounts.models import RoleAssignment, Store, User
from anxin.accounts.permissions import DEFAULT_ROLES
from anxin.core.demo import DemoRandom
from anxin.core.models import Category
from anxin.org.models import Post


@given(seed=st.integers(0, 10**6))
def test_demo_id_numbers_are_valid_gb11643(seed):
    rnd = DemoRandom(seed)
    birth = rnd.birth_date(today=dt.date(2026, 1, 1))
    female = rnd.random() < 0.5
    number = rnd.id_number(birth=birth, female=female)
    assert ric.is_valid(number)
    assert ric.get_birth_date(number) == birth
    assert (int(number[16]) % 2 == 0) == female


@given(seed=st.integers(0, 10**6))
def test_demo_phones_and_names_are_realistic(seed):
    rnd = DemoRandom(seed)
    phone = phonenumbers.parse(rnd.mobile(), "CN")
    assert phonenumbers.is_valid_number(phone)
    name = rnd.person_name()
    assert 2 <= len(name) <= 4 and all("\u4e00" <= ch <= "\u9fff" for ch in name)


def test_demo_generators_are_deterministic():
    a, b = DemoRandom(7), DemoRandom(7)
    assert [a.person_name() for _ in range(20)] == [b.person_name() for _ in range(20)]


@pytest.mark.django_db
@pytest.mark.req("SEC-2", "COD-3")
def test_demo_command_loads_stores_one_account_per_role_and_category_tables(capsys):
    call_command("demo", scale="chain", seed=5)
    out = capsys.readouterr().out
    assert Store.objects.count() == 3
    # One account per role can log in (printed with its password); the other practitioners
    # have accounts without a password (they record their own services once issued one).
    printed = [u for u in User.objects.all() if u.has_usable_password()]
    assert len(printed) == len(DEFAULT_ROLES)
    unusable = User.objects.exclude(pk__in=[u.pk for u in printed])
    assert unusable.count() == 4 and all(u.username not in out for u in unusable)
    assert not unusable.exclude(role_assignments__role__key="practitioner").exists()
    for key in DEFAULT_ROLES:
        assert RoleAssignment.objects.filter(role__key=key).exists()
    assert Category.objects.filter(kind="department").count() >= 5
    assert Post.objects.filter(code="JG0101").exists()
    for user in printed:
        assert user.username in out
        assert not user.password.startswith(("pbkdf2", "!")) or user.has_usable_password()
        line = next(
            line for line in out.splitlines() if line.strip().startswith(user.username + " ")
        )
        password = line.split()[1]
        assert user.check_password(password) and password not in user.password
    with pytest.raises(CommandError):
        call_command("demo", scale="small")


class _Undo(Exception):
    """Roll the first load back: its operation-log entries protect what it created."""


@pytest.mark.django_db
def test_demo_data_is_the_same_for_the_same_seed(capsys):
    with pytest.raises(_Undo), transaction.atomic():
        call_command("demo", scale="small", seed=9)
        first = sorted(User.objects.values_list("username", "full_name", "phone"))
        raise _Undo
    assert not Store.objects.exists()
    call_command("demo", scale="small", seed=9)
    assert sorted(User.objects.values_list("username", "full_name", "phone")) == first


@pytest.mark.django_db
@pytest.mark.req("POS-1", "POS-2")
def test_the_small_demo_pays_card_holders_bills_by_card_and_the_ledger_reconciles(capsys):
    from anxin.cards.models import CardMovement
    from anxin.till.models import Bill, Payment

    call_command("demo", scale="small", seed=9)
    by_card = Payment.objects.filter(method="card")
    assert by_card.exists() and not by_card.filter(card_movement_id__isnull=True).exists()
    paid = Bill.objects.filter(kind="sale", payments__isnull=False).distinct().count()
    assert by_card.count() <= paid  # a share of the bills, not all of them
    for payment in by_card.select_related("bill"):
        moved = CardMovement.objects.get(pk=payment.card_movement_id)
        assert moved.kind == "consumption" and moved.at == payment.bill.paid_at
        assert moved.card.client_id == payment.bill.client_id
    call_command("cards", "reconcile")  # raises CommandError when it does not reconcile
    assert "the card ledger reconciles." in capsys.readouterr().out


@pytest.mark.django_db
@pytest.mark.req("POS-1", "POS-2")
def test_the_bulk_demo_pays_every_card_consumption_through_a_bills_card_payment(
    capsys, monkeypatch
):
    """The store scale's bulk bills (here over the small demo's history): each card
    consumption is a bill's card payment, its ledger row naming the bill as checkout does."""
    from django.db.models import Sum

    from anxin.cards.models import CardMovement
    from anxin.till.models import Payment

    monkeypatch.setattr("anxin.till.demo.BULK_SCALES", {"small", "store"})
    call_command("demo", scale="small", seed=9)
    consumed = CardMovement.objects.filter(kind="consumption").select_related("card__card_type")
    by_card = Payment.objects.filter(method="card").select_related("bill")
    assert consumed.count() > 8  # the history's bills, not only the last days'
    payments = {p.card_movement_id: p for p in by_card}
    assert len(payments) == by_card.count() == consumed.count()
    for row in consumed:
        payment = payments[row.pk]
        assert row.reference == f"bill:{payment.bill_id}"
        assert (row.at, row.card.client_id) == (payment.bill.paid_at, payment.bill.client_id)
        assert payment.amount == payment.bill.total
        if row.card.card_type.kind == "stored_value":
            assert -row.amount == payment.amount
    stored = consumed.filter(card__card_type__kind="stored_value")
    assert (
        -stored.aggregate(s=Sum("amount"))["s"]
        == by_card.filter(card_movement_id__in=stored.values("pk")).aggregate(s=Sum("amount"))["s"]
    )
    assert not CardMovement.objects.filter(reference="demo", kind="consumption").exists()
    call_command("cards", "reconcile")  # raises CommandError when it does not reconcile
    assert "the card ledger reconciles." in capsys.readouterr().out
