"""The promotion effect at a store's scale (BIZ-2): local days as ranges of time an index
answers, both windows in one pass, the same queries however many records."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from anxin.catalogue.services import promotion_create
from anxin.catalogue.testing import make_client
from anxin.clients.models import ServiceRecord
from anxin.core.dates import day_start
from anxin.core.testing import assert_constant_queries, assert_no_full_scans, captured

ONE = dt.timedelta(microseconds=1)


@pytest.fixture
def promotion(manager, store):
    start = timezone.localdate() - dt.timedelta(days=20)
    return promotion_create(
        actor=manager, store=store, name="三日特惠", starts_on=start,
        ends_on=start + dt.timedelta(days=2), discount_kind="amount",
        discount_value=Decimal("10"),
    )  # fmt: skip


@pytest.fixture
def record(store, front_desk, practitioner):
    someone = make_client(actor=front_desk, store=store)

    def at(when, amount="100.00"):
        return ServiceRecord.objects.create(
            store=store, client=someone, practitioner=practitioner, served_at=when,
            item_name="足疗", amount=Decimal(amount),
        )  # fmt: skip

    return at


@pytest.mark.django_db
@pytest.mark.req("BIZ-2")
def test_the_windows_are_whole_local_days(client, login, manager, promotion, record):
    first, last = promotion.starts_on, promotion.ends_on
    before_first = first - dt.timedelta(days=3)
    record(day_start(before_first) - ONE, "1.00")  # the evening before: in neither window
    record(day_start(before_first), "2.00")  # before
    record(day_start(first) - ONE, "4.00")  # before: 23:59:59.999999 local
    record(day_start(first), "8.00")  # during: local midnight (16:00 UTC the day before)
    record(day_start(last + dt.timedelta(days=1)) - ONE, "16.00")  # during, its last instant
    record(day_start(last + dt.timedelta(days=1)), "32.00")  # after: in neither
    login(client, manager)
    report = client.get(f"/catalogue/promotions/{promotion.code}/effect/").context["report"]
    assert (report["before"]["visits"], report["before"]["revenue"]) == (2, Decimal("6.00"))
    assert (report["during"]["visits"], report["during"]["revenue"]) == (2, Decimal("24.00"))
    assert report["before"]["clients"] == report["during"]["clients"] == 1
    assert report["revenue_change"] == 300.0


@pytest.mark.django_db
@pytest.mark.req("BIZ-2")
def test_the_effect_takes_the_same_queries_for_more_records(
    client, login, manager, promotion, record
):
    login(client, manager)

    def grow(n):
        for i in range(n):
            record(day_start(promotion.starts_on) + dt.timedelta(hours=i + 1))
            record(day_start(promotion.starts_on) - dt.timedelta(hours=i + 1))

    url = f"/catalogue/promotions/{promotion.code}/effect/"
    assert_constant_queries(lambda: client.get(url), grow, rows=3)


@pytest.mark.sqlite_only
@pytest.mark.django_db
@pytest.mark.req("BIZ-2")
def test_the_effect_reads_its_days_through_the_index(client, login, manager, promotion, record):
    record(day_start(promotion.starts_on))
    login(client, manager)
    response, sql = captured(lambda: client.get(f"/catalogue/promotions/{promotion.code}/effect/"))
    assert response.status_code == 200
    assert_no_full_scans(sql)  # no date cast per row: a range of the (store, served_at) index
    effect = [s for s in sql if 'FROM "clients_servicerecord"' in s and "SUM(" in s]
    assert len(effect) == 2  # both windows in one pass, and the promotion's own records
