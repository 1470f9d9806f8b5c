"""A store's change mark is read once per request (``core.marks.request_scope``, entered by
``RequestIdMiddleware``): a checkout looked at it three times, a file read each. A change the
request makes itself is read again; outside a request every look reads the mark."""

import pytest
from django.core.cache import caches

from anxin.core import marks

pytestmark = [pytest.mark.django_db, pytest.mark.req("POS-1")]


def reads(monkeypatch):
    counted = []
    real = marks._read_mark

    def counting(store_pk):
        counted.append(store_pk)
        return real(store_pk)

    monkeypatch.setattr(marks, "_read_mark", counting)
    return counted


def test_a_request_reads_a_stores_mark_once(store, monkeypatch):
    counted = reads(monkeypatch)
    with marks.request_scope():
        first = marks.store_mark(store)
        caches[marks.MARKS].set(marks._key(store.pk), "moved by another process", timeout=None)
        assert marks.store_mark(store) == first  # as the request first read it
        assert counted == [store.pk]
        marks.store_changed(store)  # the request's own change
        assert marks.store_mark(store) != first
        assert counted == [store.pk, store.pk]
    counted.clear()
    marks.store_mark(store)
    marks.store_mark(store)
    assert counted == [store.pk, store.pk]  # outside a request: every time


def test_every_request_starts_afresh(client, store, monkeypatch):
    counted = reads(monkeypatch)
    kept = []
    with marks.request_scope():
        kept.append(marks.kept(store, "test", lambda: "one"))
    caches[marks.MARKS].set(marks._key(store.pk), "changed elsewhere", timeout=None)
    with marks.request_scope():
        kept.append(marks.kept(store, "test", lambda: "two"))
    assert kept == ["one", "two"] and len(counted) == 2
