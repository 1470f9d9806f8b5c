import pytest

from anxin.catalogue.testing import make_item


@pytest.fixture
def item(manager, store):
    return make_item(actor=manager, store=store, name="全身推拿", price="128.00", duration=60)
