"""Keyset pages, days as time ranges, and the plan checks that hold a page's speed."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from anxin.audit.models import UseLog
from anxin.audit.services import use_log
from anxin.core.dates import day_range, in_days
from anxin.core.paging import keyset_page
from anxin.core.testing import captured, full_scans, pg_full_scans

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def test_a_day_is_the_range_from_local_midnight_to_the_next():
    start, end = day_range(dt.date(2026, 3, 4), dt.date(2026, 3, 5))
    assert start == dt.datetime(2026, 3, 4, tzinfo=SHANGHAI)
    assert end == dt.datetime(2026, 3, 6, tzinfo=SHANGHAI)
    assert start.utcoffset() == dt.timedelta(hours=8)
    assert day_range(None, None) == (None, None)
    assert in_days("at", None, dt.date(2026, 3, 4)) == {
        "at__lt": dt.datetime(2026, 3, 5, tzinfo=SHANGHAI)
    }


@pytest.fixture
def entries(store, other_store, manager):
    """30 entries of the store and 10 store-less, interleaved; 5 of another store."""
    for i in range(45):
        where = other_store if i % 9 == 8 else (None if i % 4 == 3 else store)
        use_log(actor=manager, action="view", record_type="t", record_id=str(i), store=where)
    return UseLog.objects.all()


def _seqs(page):
    return [e.seq for e in page]


@pytest.mark.django_db
def test_keyset_pages_merge_the_parts_and_walk_both_ways(entries, store):
    parts = [entries.filter(store=store), entries.filter(store__isnull=True)]
    wanted = sorted((e.seq for e in entries if e.store_id in (store.pk, None)), reverse=True)
    pages, page = [], keyset_page(parts, order=("-seq",), size=7)
    assert not page.has_previous
    while True:
        pages.append(_seqs(page))
        if not page.has_next:
            break
        page = keyset_page(parts, order=("-seq",), size=7, after=page.next_cursor)
        assert page.has_previous
    assert [s for p in pages for s in p] == wanted and all(len(p) == 7 for p in pages[:-1])
    back = keyset_page(parts, order=("-seq",), size=7, before=page.previous_cursor)
    assert _seqs(back) == pages[-2] and back.has_next
    oldest = keyset_page(parts, order=("-seq",), size=7, oldest=True)
    assert _seqs(oldest) == wanted[-7:] and not oldest.has_next and oldest.has_previous
    garbage = keyset_page(parts, order=("-seq",), size=7, after="12'; DROP")
    assert _seqs(garbage) == pages[0]


@pytest.mark.django_db
def test_keyset_pages_break_ties_of_a_time_by_the_id(make_persona, store):
    from anxin.accounts.models import User

    people = [make_persona(f"p{i}", store, "front_desk") for i in range(5)]
    User.objects.filter(pk__in=[p.pk for p in people[1:4]]).update(date_joined=timezone.now())
    qs = User.objects.filter(pk__in=[p.pk for p in people])
    first = keyset_page(qs, order=("-date_joined", "-pk"), size=2)
    rest = keyset_page(qs, order=("-date_joined", "-pk"), size=10, after=first.next_cursor)
    seen = [e.pk for e in first] + [e.pk for e in rest]
    assert sorted(seen) == sorted(p.pk for p in people)
    assert not rest.has_next


@pytest.mark.sqlite_only
@pytest.mark.django_db
def test_the_plan_check_finds_scans_per_row_subqueries_date_casts_and_offsets(entries, store):
    from django.db.models import Exists, OuterRef

    assert connection.vendor == "sqlite"
    _r, scan = captured(lambda: list(UseLog.objects.filter(purpose="x")))
    _r, cast = captured(
        lambda: list(UseLog.objects.filter(store=store, at__date=timezone.localdate()))
    )
    _r, offset = captured(lambda: list(UseLog.objects.filter(store=store).order_by("-seq")[50:60]))
    later = UseLog.objects.filter(record_type=OuterRef("record_type"), seq__gt=OuterRef("seq"))
    _r, correlated = captured(
        lambda: list(UseLog.objects.filter(store=store).filter(Exists(later)))
    )
    _r, good = captured(lambda: list(UseLog.objects.filter(store=store).order_by("-seq")[:10]))
    assert any("SCAN" in f for f in full_scans(scan)), (scan, full_scans(scan))
    assert any("django_datetime_cast_date" in f for f in full_scans(cast))
    assert any("OFFSET" in f for f in full_scans(offset))
    assert any("CORRELATED" in f for f in full_scans(correlated))
    assert full_scans(good) == []


@pytest.mark.postgresql_only
@pytest.mark.django_db
def test_the_postgresql_plan_check_finds_what_no_index_serves(entries, store):
    assert connection.vendor == "postgresql"
    _r, scan = captured(lambda: list(UseLog.objects.filter(purpose="x")))
    _r, walk = captured(lambda: list(UseLog.objects.filter(purpose="x").order_by("pk")))
    _r, good = captured(lambda: list(UseLog.objects.filter(store=store).order_by("-seq")[:10]))
    # Without an order: the record index or nothing (with one, a tiny table's guesses may walk
    # the seq index backwards instead, a plan the store's statistics never choose).
    _r, indexed = captured(
        lambda: list(UseLog.objects.filter(record_type="t", record_id="3").order_by())
    )
    assert pg_full_scans(scan) and "audit_uselog" in pg_full_scans(scan)[0]
    assert pg_full_scans(walk)
    assert pg_full_scans(good) == []
    assert pg_full_scans(indexed) == []
