import pytest

from anxin.catalogue.testing import make_item


@pytest.fixture
def item(manager, store):
    return make_item(actor=manager, store=store)


@pytest.fixture
def second_manager(store, make_persona):
    return make_persona("manager2", store, "store_manager")


@pytest.fixture
def marketing(store, make_persona):
    return make_persona("marketing", store, "marketing")
