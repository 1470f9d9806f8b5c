"""A store's change mark: what every bill reads of a store's set-up and what rarely changes (the
commission rules, the months closed for payroll, the running promotions), kept per server
process until the store's mark moves.

The mark is in the "marks" cache (a file per store in the data directory, as the person's mark
of ``core.home``), so every server process sees it move. Each service that writes such set-up
calls ``store_changed(store)``: the mark moves at once and again after the commit, so a process
that read the set-up meanwhile (the old values, the change not committed yet) reads it again.
What is kept is read only after the mark it is kept under: a change committed before a request
reads the mark is seen by that request in every process.

A missing mark (a new data directory, a cleared or culled cache) is a new mark: whatever was
kept under any earlier one is read again.

Within a request (``request_scope``, entered by ``RequestIdMiddleware``) a store's mark is read
once: what the request reads of the set-up is as of its first look at the mark, and a change the
request makes itself (``store_changed``) is looked at again. A checkout looked at the mark three
times (rules, closed months, promotions), a file read each.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

from django.core.cache import caches
from django.db import transaction

MARKS = "marks"
EVERY_STORE = "every"  # moved by a restore: every store's set-up may differ

T = TypeVar("T")

_kept: dict[tuple, tuple[tuple, object]] = {}
_kept_lock = threading.Lock()
_seen: ContextVar[dict | None] = ContextVar("anxin_store_marks_seen", default=None)


@contextmanager
def request_scope():
    """Each store's mark is read once in the block (a request)."""
    token = _seen.set({})
    try:
        yield
    finally:
        _seen.reset(token)


def _key(store_pk) -> str:
    return f"store-changed:{store_pk}"


def _move(*keys: str) -> None:
    caches[MARKS].set_many({key: uuid.uuid4().hex for key in keys}, timeout=None)


def store_changed(store) -> None:
    """The store's set-up changed (call it in the writing service, inside its transaction)."""
    store_pk = getattr(store, "pk", store)
    key = _key(store_pk)
    _move(key)
    seen = _seen.get()
    if seen is not None:
        seen.pop(store_pk, None)  # this request reads its own change
    transaction.on_commit(lambda: _move(key), robust=True)


def every_store_changed() -> None:
    """Every store's set-up may have changed (a restored database)."""
    _move(_key(EVERY_STORE))
    seen = _seen.get()
    if seen is not None:
        seen.clear()


def store_mark(store) -> tuple:
    """The store's mark now: ``(every stores' mark, this store's mark)`` (in a request: as
    the request first read it)."""
    store_pk = getattr(store, "pk", store)
    seen = _seen.get()
    if seen is not None and store_pk in seen:
        return seen[store_pk]
    mark = _read_mark(store_pk)
    if seen is not None and all(mark):
        seen[store_pk] = mark
    return mark


def _read_mark(store_pk) -> tuple:
    keys = [_key(EVERY_STORE), _key(store_pk)]
    cache = caches[MARKS]
    found = cache.get_many(keys)
    missing = [key for key in keys if key not in found]
    if missing:
        for key in missing:
            cache.add(key, uuid.uuid4().hex, timeout=None)
        found.update(cache.get_many(missing))
    return tuple(found.get(key, "") for key in keys)


def kept(store, name: str, read: Callable[[], T]) -> T:
    """``read()``, kept in this process under the store's mark and ``name`` until the mark moves.
    What it returns is shared by the process's threads: it must not be changed."""
    store_pk = getattr(store, "pk", store)
    mark = store_mark(store_pk)  # before reading: a change committed since moves it again
    if not all(mark):  # the cache did not keep a mark: nothing to keep it under
        return read()
    entry = _kept.get((store_pk, name))
    if entry is not None and entry[0] == mark:
        return entry[1]
    value = read()
    with _kept_lock:
        _kept[(store_pk, name)] = (mark, value)
    return value


def forget() -> None:
    """Drop what this process keeps (tests)."""
    with _kept_lock:
        _kept.clear()
