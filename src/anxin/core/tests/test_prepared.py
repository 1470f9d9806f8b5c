"""Statements built once per process (``core.prepared``, issue 15's checkout): the rows a
prepared statement returns are the ORM's rows for the same values, on SQLite and PostgreSQL,
whatever the values (ints, strings, dates, aware datetimes, lists, booleans); a statement the
ORM would change the values of is refused when built; ``insert`` writes what ``bulk_create``
writes."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.models import Max, Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from anxin.audit.models import OperationLog
from anxin.core.prepared import Prepared, insert
from anxin.till import services
from anxin.till.models import MovementKind, Product, StockMovement

pytestmark = [pytest.mark.django_db, pytest.mark.req("POS-1")]


def product(store, manager, code, price="10.00", active=True):
    p = services.product_create(
        actor=manager,
        store=store,
        code=code,
        name=f"商品{code}",
        unit="瓶",
        price=Decimal(price),
        cost=Decimal("1.00"),
    )
    if not active:
        Product.objects.filter(pk=p.pk).update(active=False)
    return p


@pytest.fixture
def products(store, other_store, manager, other_manager):
    made = [product(store, manager, f"p{n}", f"{n}.50", active=n != 3) for n in range(1, 6)]
    made.append(product(other_store, other_manager, "x1"))
    for n, p in enumerate(made, 1):
        for quantity in (n, 2 * n):
            StockMovement.objects.create(
                store_id=p.store_id,
                product=p,
                kind=MovementKind.RECEIPT,
                quantity=quantity,
                by=manager,
            )
    return made


BY_STORE = Prepared(
    lambda store, pks, active: Product.objects.filter(
        store_id=store, pk__in=pks, active=active
    ).order_by("code")
)


def test_model_rows_are_the_orms_rows_for_any_values(store, other_store, products):
    pks = [p.pk for p in products]
    for store_pk in (store.pk, other_store.pk):
        for wanted in (pks, pks[:2], [pks[0], pks[0], pks[1]], pks[-1:]):
            for active in (True, False):
                expected = list(
                    Product.objects.filter(store_id=store_pk, pk__in=wanted, active=active)
                    .order_by("code")
                    .values_list("pk", "code", "price", "active")
                )
                rows = BY_STORE(store=store_pk, pks=wanted, active=active)
                assert [(p.pk, p.code, p.price, p.active) for p in rows] == expected
                assert all(isinstance(p, Product) and not p._state.adding for p in rows)
    assert BY_STORE(store=store.pk, pks=[], active=True) == []  # ``__in`` nothing: no query


def test_sums_dates_and_datetimes_are_bound_and_converted(store, products):
    p = products[1]
    now = timezone.now()
    sums = Prepared(
        lambda pks, since: (
            StockMovement.objects.filter(product_id__in=pks, at__gte=since)
            .values_list("product_id")
            .annotate(total=Sum("quantity"), last=Max("at"))
            .values_list("product_id", "total", "last")
            .order_by("product_id")
        )
    )
    for since in (now - dt.timedelta(hours=1), now + dt.timedelta(hours=1)):
        expected = list(
            StockMovement.objects.filter(product_id__in=[p.pk, products[0].pk], at__gte=since)
            .values_list("product_id")
            .annotate(total=Sum("quantity"), last=Max("at"))
            .values_list("product_id", "total", "last")
            .order_by("product_id")
        )
        assert sums(pks=[p.pk, products[0].pk], since=since) == expected
    assert sums(pks=[p.pk], since=now - dt.timedelta(hours=1))[0][1] == 6
    on_day = Prepared(
        lambda day: StockMovement.objects.filter(at__date__gte=day).values_list("pk", flat=True)
    )
    for day in (timezone.localdate(), timezone.localdate() + dt.timedelta(days=1)):
        expected = list(
            StockMovement.objects.filter(at__date__gte=day).values_list("pk", flat=True)
        )
        assert on_day(day=day) == expected
    in_year = Prepared(lambda year: StockMovement.objects.filter(at__year=year))
    with pytest.raises(ValueError):  # ``__year`` makes two bounds of its value: refused
        in_year(year=2026)
    prices = Prepared(
        lambda code: Product.objects.filter(code=code).values("code", "price").order_by("pk")
    )
    code = products[1].code
    assert prices(code=code) == [{"code": code, "price": Decimal("2.50")}]


def test_a_changed_value_is_refused_when_built(store, products):
    like = Prepared(lambda text: Product.objects.filter(name__contains=text))
    with pytest.raises(ValueError):
        like(text="商品")
    with pytest.raises(TypeError):
        BY_STORE(store=store, pks=[1], active=True)  # a model instance: pass its id


def test_a_locking_read_keeps_its_lock(store, products):
    locked = Prepared(
        lambda pk: Product.objects.select_for_update().filter(pk=pk).values_list("pk", flat=True)
    )
    with transaction.atomic():
        assert locked(pk=products[0].pk) == [products[0].pk]
    plan = next(iter(locked._plans.values()))
    assert (
        plan.for_update and ("FOR UPDATE" in plan.sql) == connection.features.has_select_for_update
    )


def test_the_second_run_builds_nothing(store, products, django_assert_num_queries):
    BY_STORE(store=store.pk, pks=[products[0].pk], active=True)
    with CaptureQueriesContext(connection) as queries:
        rows = BY_STORE(store=store.pk, pks=[products[1].pk], active=True)
    assert [p.pk for p in rows] == [products[1].pk]
    assert len(queries) == 1


def test_insert_writes_what_bulk_create_writes(store, manager, products):
    now = timezone.now()
    made = [
        StockMovement(
            store=store,
            product=products[0],
            kind=MovementKind.SALE,
            quantity=-1,
            at=now,
            by=manager,
            note="甲",
        ),
        StockMovement(
            store=store,
            product=products[1],
            kind=MovementKind.SALE,
            quantity=-2,
            at=now,
            by=manager,
        ),
    ]
    with transaction.atomic():
        insert(made)
    assert all(m.pk and not m._state.adding for m in made)
    again = {m.pk: m for m in StockMovement.objects.filter(pk__in=[m.pk for m in made])}
    for m in made:
        row = again[m.pk]
        assert (row.product_id, row.quantity, row.at, row.by_id, row.note, row.override) == (
            m.product_id,
            m.quantity,
            now,
            manager.pk,
            m.note,
            False,
        )
    entry = OperationLog(
        seq=10**6, at=now, action="x", record_type="t", mac="m", changes={"名": "值", "n": [1, 2]}
    )
    with transaction.atomic():
        insert([entry])
    assert OperationLog.objects.get(pk=entry.pk).changes == {"名": "值", "n": [1, 2]}
    assert insert([]) == []
