"""What every bill reads of a store's set-up — the commission rules, the months closed for
payroll, the running promotions — is kept per server process under the store's change mark
(``core.marks``, a file every process reads): a change written through a service, in any
process, is used by the next bill everywhere; a cleared mark reads everything again."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from anxin.catalogue.services import promotion_create, promotion_update
from anxin.commissions import services
from anxin.commissions.models import Commission, Rule
from anxin.core import marks
from anxin.till import services as till

from .conftest import old_rule, pay

pytestmark = [pytest.mark.django_db, pytest.mark.req("POS-3")]


def last_commission():
    return Commission.objects.order_by("-pk").first().amount


def version(store, manager, rate, days_ago=0):
    """A new version of the rotation rule, written past the services (as another server
    process's write looks to this one: the row is there, this process's book unchanged)."""
    return Rule.objects.create(
        store=store,
        basis="rotation",
        mode="percent",
        rate=Decimal(rate),
        effective_from=timezone.localdate() - dt.timedelta(days=days_ago),
        created_by=manager,
    )


def test_the_rule_book_is_kept_until_the_stores_mark_moves(
    store, manager, front_desk, practitioner, client_a, item
):
    old_rule(store, manager, basis="rotation", rate="10")
    pay(store, front_desk, client_a, item, practitioner, clock="rotation")
    assert last_commission() == Decimal("12.80")

    version(
        store, manager, "20", days_ago=1
    )  # no mark moved: the kept book is used (no query for it)
    with CaptureQueriesContext(connection) as queries:
        pay(store, front_desk, client_a, item, practitioner, clock="rotation")
    assert last_commission() == Decimal("12.80")
    assert not [q for q in queries if 'FROM "commissions_rule"' in q["sql"]]

    marks.store_changed(store)  # what every service writing a rule does, in whichever process
    pay(store, front_desk, client_a, item, practitioner, clock="rotation")
    assert last_commission() == Decimal("25.60")

    version(store, manager, "30")
    caches[marks.MARKS].clear()  # a cleared (or culled) mark is a new mark
    pay(store, front_desk, client_a, item, practitioner, clock="rotation")
    assert last_commission() == Decimal("38.40")


def test_a_rule_written_by_the_service_is_used_by_the_next_bill(
    store, manager, front_desk, practitioner, client_a, item
):
    old_rule(store, manager, basis="rotation", rate="10")
    pay(store, front_desk, client_a, item, practitioner, clock="rotation")
    kept = marks._kept.copy()  # this process's book of the old rules
    services.rule_create(
        actor=manager,
        store=store,
        basis="rotation",
        mode="percent",
        rate="15",
        effective_from=timezone.localdate(),
    )
    # Another process still holds the old book: give it back to this one, as it would be there.
    marks._kept.update(kept)
    pay(store, front_desk, client_a, item, practitioner, clock="rotation")
    assert last_commission() == Decimal("19.20")


def test_a_month_closed_in_another_process_is_not_paid_into(
    store, manager, front_desk, practitioner, client_a, item
):
    """A commission paid on a day of a closed month lands in the next open month, also when
    this process read the closed months before the month was closed."""
    old_rule(store, manager, basis="rotation", rate="10", days_ago=90)
    last_month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    assert services.open_month(store, last_month) == last_month  # read and kept
    kept = marks._kept.copy()
    services.month_close(actor=manager, store=store, month=last_month)
    marks._kept.update(kept)  # the other process's kept months
    assert services.open_month(store, last_month) == timezone.localdate().replace(day=1)


def test_a_promotion_changed_in_another_process_prices_the_next_bill(
    store, manager, front_desk, practitioner, client_a, item
):
    today = timezone.localdate()
    promotion = promotion_create(
        actor=manager,
        store=store,
        name="八折",
        starts_on=today - dt.timedelta(days=1),
        ends_on=today + dt.timedelta(days=1),
        discount_kind="percent",
        discount_value=Decimal("20"),
        rules={},
    )
    line = till.ServiceLine(item=item, practitioner=practitioner, clock_type="rotation")
    assert till.bill_quote(store=store, client=None, services=[line]).total == Decimal("102.40")
    kept = marks._kept.copy()
    promotion_update(actor=manager, store=store, promotion=promotion, discount_value=Decimal("50"))
    marks._kept.update(kept)
    assert till.bill_quote(store=store, client=None, services=[line]).total == Decimal("64.00")
    kept = marks._kept.copy()
    promotion_update(actor=manager, store=store, promotion=promotion, ends_on=today)
    promotion_update(
        actor=manager, store=store, promotion=promotion, starts_on=today - dt.timedelta(days=3)
    )
    promotion_update(
        actor=manager, store=store, promotion=promotion, ends_on=today - dt.timedelta(days=1)
    )
    marks._kept.update(kept)
    assert till.bill_quote(store=store, client=None, services=[line]).total == Decimal("128.00")


def test_a_restore_reads_every_stores_set_up_again(store, manager):
    old_rule(store, manager, basis="rotation", rate="10")
    first = services.RuleBook.of(store)
    assert services.RuleBook.of(store) is first  # kept
    marks.every_store_changed()
    assert services.RuleBook.of(store) is not first
