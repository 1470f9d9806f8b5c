"""The appointment calendar's grid: time rows (30 minutes) by columns (practitioners, rooms or
the days of a week), each booking in the cell of its start. Built in Python from one list of
bookings (see ``selectors.calendar_view``) so the page costs the same queries however full.

A cell holds the bookings that start in its half hour; a slot covered by a booking that
started earlier says so ("continues"); an empty slot offers a booking prefilled with the
column's practitioner and the slot's start, for those who may book.
"""

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone

from .models import Status
from .selectors import opening_hours

SLOT = dt.timedelta(minutes=30)
DEFAULT_HOURS = (dt.time(9, 0), dt.time(22, 0))
# Cancelled and no-show bookings hold no time: listed, but they do not fill a slot.
NOT_HOLDING = (Status.CANCELLED, Status.NO_SHOW)


@dataclass
class Column:
    key: object  # a practitioner's pk, a room's pk or a date
    label: str
    practitioner_pk: int | None = None
    room_pk: int | None = None
    day: dt.date | None = None
    bookings: list = field(default_factory=list)
    note: str = ""  # a week day's shift and leave, in words


@dataclass
class Cell:
    column: Column
    start: dt.datetime
    bookings: list = field(default_factory=list)
    continues: bool = False
    book_url: str = ""


@dataclass
class Row:
    start: dt.datetime
    end: dt.datetime
    cells: list[Cell]


def week_of(day: dt.date) -> list[dt.date]:
    monday = day - dt.timedelta(days=day.weekday())
    return [monday + dt.timedelta(days=i) for i in range(7)]


def _hours() -> tuple[dt.time, dt.time]:
    try:
        return opening_hours()
    except ValueError:
        return DEFAULT_HOURS


def _at(day: dt.date, time: dt.time) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, time))


def _book_url(base: str, column: Column, start: dt.datetime) -> str:
    query = {}
    if column.practitioner_pk is not None:
        query["practitioner"] = column.practitioner_pk
    if column.room_pk is not None:
        query["room"] = column.room_pk
    query["start"] = timezone.localtime(start).strftime("%Y-%m-%dT%H:%M")
    return f"{base}?{urlencode(query, safe=':')}"


def grid(
    *, columns: list[Column], bookings, days: list[dt.date], key, can_book: bool, now=None
) -> list[Row]:
    """Rows of 30 minutes from opening to closing (widened to show every booking), one cell
    per column. ``key(booking)`` names the column a booking belongs to. With several
    ``days`` (a week), each column is one day and rows are the times of day."""
    opens, closes = _hours()
    local = [(b, timezone.localtime(b.start), timezone.localtime(b.end)) for b in bookings]
    # What the page shows of each booking, once (a busy day shows each twice: grid and list).
    link = reverse("scheduling:detail", args=["CODE"])
    for b, s, e in local:
        b.calendar_url = link.replace("CODE", b.code)
        b.calendar_from, b.calendar_to = s.strftime("%H:%M"), e.strftime("%H:%M")
        b.calendar_from_iso, b.calendar_to_iso = s.isoformat(), e.isoformat()
    first_time = min([opens, *(s.time() for _b, s, _e in local)])
    ends = [e.time() if e.date() == s.date() else dt.time(23, 59) for _b, s, e in local]
    last_time = max([closes, *ends])
    first_time = first_time.replace(minute=0 if first_time.minute < 30 else 30, second=0)
    by_column: dict[object, list] = {c.key: [] for c in columns}
    for b, s, e in local:
        k = key(b, s)
        if k in by_column:
            by_column[k].append((b, s, e))
    for c in columns:
        c.bookings = [b for b, _s, _e in by_column[c.key]]
    base = reverse("scheduling:new")
    now = now or timezone.now()
    rows = []
    t = dt.datetime.combine(days[0], first_time)
    end_of_day = dt.datetime.combine(days[0], last_time)
    at: dict[dt.date, dt.datetime] = {}
    while t < end_of_day:
        cells = []
        at.clear()  # the slot's start per day, made aware once (not once per column)
        for c in columns:
            day = c.day or days[0]
            start = at.get(day)
            if start is None:
                start = at[day] = _at(day, t.time())
            end = start + SLOT
            here = [b for b, s, _e in by_column[c.key] if start <= s < end]
            held = any(
                s < start < e and b.status not in NOT_HOLDING for b, s, e in by_column[c.key]
            )
            cell = Cell(column=c, start=start, bookings=here, continues=held and not here)
            if can_book and not here and not held and start >= now:
                cell.book_url = _book_url(base, c, start)
            cells.append(cell)
        start = _at(days[0], t.time())
        rows.append(Row(start=start, end=start + SLOT, cells=cells))
        t += SLOT
    return rows
