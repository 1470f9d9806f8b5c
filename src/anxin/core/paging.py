"""Keyset pagination for long lists and the logs: next / previous / newest / oldest.

A page is "the ``size`` rows after (or before) this row" in the list's order, read through an
index on that order, so the last page costs what the first does. ``OFFSET 150000`` walks
150,000 rows to throw them away, and a page count needs a ``COUNT(*)`` of the whole list on
every page; neither is done here.

A list may be the merge of several parts (``[store = X, store IS NULL]``): each part is read
through its own index range and the pages are merged, which an ``OR`` of the two conditions
would not give (a sort of both sets, or a scan).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import models
from django.db.models import Q, QuerySet

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass
class KeysetPage:
    """One page: its rows, and cursors to the pages either side (``None``: there is none)."""

    object_list: list = field(default_factory=list)
    next_cursor: str | None = None
    previous_cursor: str | None = None
    is_first: bool = True

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None

    @property
    def has_previous(self) -> bool:
        return self.previous_cursor is not None

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)


def _encode(value) -> str:
    if isinstance(value, dt.datetime):
        delta = value - _EPOCH
        return str((delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds)
    return str(value)


def _decode(model, name: str, text: str):
    """A cursor's value back into the field's type; ``ValueError`` if it is not one."""
    number = int(text)
    if not -(2**63) <= number < 2**63:
        raise ValueError("cursor out of range")  # no database integer holds it
    target = model._meta.pk if name == "pk" else model._meta.get_field(name)
    if isinstance(target, models.DateTimeField):
        try:
            return _EPOCH + dt.timedelta(microseconds=number)
        except OverflowError:
            raise ValueError("cursor out of range") from None
    return number


def _key(obj, names: Sequence[str]) -> tuple:
    return tuple(getattr(obj, n) for n in names)


def _beyond(names: Sequence[str], values: Sequence, *, descending: bool) -> Q:
    """Rows strictly after ``values`` in the order: ``a <= x AND (a < x OR (b ...))``, written
    so the first key bounds the index range and the rest only breaks ties."""
    strict, loose = ("lt", "lte") if descending else ("gt", "gte")
    first, value = names[0], values[0]
    if len(names) == 1:
        return Q(**{f"{first}__{strict}": value})
    rest = _beyond(names[1:], values[1:], descending=descending)
    return Q(**{f"{first}__{loose}": value}) & (Q(**{f"{first}__{strict}": value}) | rest)


def keyset_page(
    parts: QuerySet | Sequence[QuerySet],
    *,
    order: Sequence[str],
    size: int,
    after: str | None = None,
    before: str | None = None,
    oldest: bool = False,
) -> KeysetPage:
    """The page after the cursor ``after``, before the cursor ``before``, the last page
    (``oldest``) or the first. ``order``: the key, all descending (``"-seq"``) or all
    ascending, unique as a whole (end with the primary key). A cursor that does not parse
    gives the first page."""
    parts = [parts] if isinstance(parts, QuerySet) else list(parts)
    model = parts[0].model
    descending = order[0].startswith("-")
    if any(o.startswith("-") != descending for o in order):
        raise ValueError("keyset order: every key in the same direction")
    names = [o.lstrip("-") for o in order]
    before = None if after else before
    try:
        cursor = after or before
        values = [_decode(model, n, v) for n, v in zip(names, cursor.split("."), strict=True)]
    except (AttributeError, ValueError):
        after = before = None
        values = None
    backwards = bool(before) or (oldest and not after)
    reverse = descending != backwards  # the direction this page reads in
    order_by = [f"-{n}" if reverse else n for n in names]
    rows = []
    for qs in parts:
        if values is not None:
            qs = qs.filter(_beyond(names, values, descending=reverse))
        rows += list(qs.order_by(*order_by)[: size + 1])
    rows.sort(key=lambda o: _key(o, names), reverse=reverse)
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()

    def cursor_of(obj) -> str:
        return ".".join(_encode(v) for v in _key(obj, names))

    page = KeysetPage(object_list=rows, is_first=not (after or before or oldest))
    if not rows:
        return page
    # Reading forwards, the rows before this page exist unless this is the first page; reading
    # backwards, the rows after it exist unless this is the last (oldest) page.
    forward_more, backward_more = (more, bool(after)) if not backwards else (bool(before), more)
    if forward_more:
        page.next_cursor = cursor_of(rows[-1])
    if backward_more:
        page.previous_cursor = cursor_of(rows[0])
    page.is_first = not page.has_previous
    return page


def keyset_page_for(request, parts, *, order: Sequence[str], size: int) -> KeysetPage:
    """``keyset_page`` with the cursor from the request's ``after`` / ``before`` / ``oldest``."""
    return keyset_page(
        parts,
        order=order,
        size=size,
        after=request.GET.get("after") or None,
        before=request.GET.get("before") or None,
        oldest=bool(request.GET.get("oldest")),
    )
