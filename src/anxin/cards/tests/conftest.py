import datetime as dt
from decimal import Decimal

import pytest

from anxin.catalogue.testing import make_item
from anxin.clients.services import ConsentGiven, client_create


def consenting_client(*, actor, store, name, phone):
    return client_create(
        actor=actor,
        store=store,
        name=name,
        phone=phone,
        consent=ConsentGiven(paper_location="A-1"),
    )


@pytest.fixture
def item(manager, store):
    return make_item(actor=manager, store=store)


@pytest.fixture
def other_item(manager, store):
    return make_item(actor=manager, store=store, name="足底按摩", price="98.00", category=2)


@pytest.fixture
def holder(front_desk, store):
    return consenting_client(actor=front_desk, store=store, name="王芳", phone="13800001111")


@pytest.fixture
def friend(front_desk, store):
    return consenting_client(actor=front_desk, store=store, name="李娜", phone="13800002222")


@pytest.fixture
def stored_type(manager, store):
    from anxin.cards.services import card_type_save

    return card_type_save(
        actor=manager,
        store=store,
        name="储值 1000 送 200",
        kind="stored_value",
        bonus_rules=[{"pay": "1000", "bonus": "200"}, {"pay": "500", "bonus": "50"}],
        valid_days=365,
        refund_rule="pro_rata",
    )


@pytest.fixture
def session_type(manager, store, item):
    from anxin.cards.services import card_type_save

    return card_type_save(
        actor=manager,
        store=store,
        name="全身按摩 10 次",
        kind="sessions",
        price=Decimal("1000.00"),
        sessions=10,
        items=[item],
        valid_days=180,
    )


@pytest.fixture
def term_type(manager, store):
    from anxin.cards.services import card_type_save

    return card_type_save(
        actor=manager,
        store=store,
        name="月卡",
        kind="term",
        price=Decimal("600.00"),
        valid_days=30,
    )


@pytest.fixture
def stored_card(front_desk, store, holder, stored_type):
    from anxin.cards.services import card_issue

    return card_issue(
        actor=front_desk, store=store, client=holder, card_type=stored_type, paid=Decimal("1000")
    )


@pytest.fixture
def yesterday():
    from django.utils import timezone

    return timezone.localdate() - dt.timedelta(days=1)
