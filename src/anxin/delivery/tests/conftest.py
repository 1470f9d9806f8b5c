import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from anxin.catalogue.testing import make_client, make_item
from anxin.clients.models import ServiceRecord


@pytest.fixture
def item(manager, store):
    return make_item(actor=manager, store=store)


@pytest.fixture
def regular(front_desk, practitioner, store, item):
    """A client the practitioner served last week: in the practitioner's scope."""
    client = make_client(actor=front_desk, store=store)
    ServiceRecord.objects.create(
        store=store,
        client=client,
        practitioner=practitioner,
        served_at=timezone.now() - dt.timedelta(days=7),
        item=item,
        item_name=item.name,
        amount=Decimal("128.00"),
    )
    return client


@pytest.fixture
def stranger(front_desk, store):
    """A client of the store the practitioner never served."""
    return make_client(actor=front_desk, store=store, name="赵六", phone="13700003333")
