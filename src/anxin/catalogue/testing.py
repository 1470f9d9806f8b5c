"""Test helpers shared by the catalogue and delivery tests (and the browser tests)."""

from decimal import Decimal

from anxin.core.models import Category, CategoryKind
from anxin.core.seeding import categories_ensure_defaults


def item_category(number: int = 1) -> Category:
    categories_ensure_defaults()
    return Category.objects.get(kind=CategoryKind.ITEM, number=number)


def make_item(*, actor, store, name="全身按摩", price="128.00", duration=60, category=1):
    from .services import item_create

    return item_create(
        actor=actor,
        store=store,
        category=item_category(category),
        name=name,
        price=Decimal(price),
        duration=duration,
    )


def make_client(*, actor, store, name="王芳", phone="13800001111"):
    from anxin.clients.services import client_create

    return client_create(actor=actor, store=store, name=name, phone=phone)
