"""Days as ranges of time, for filters an index can answer.

``served_at__date__gte=day`` reads well but becomes a function call on every row
(``django_datetime_cast_date`` on SQLite, a cast on PostgreSQL) that no index serves: a report
over one week reads every record ever written. A day is a half-open range of instants instead,
from its local midnight (Asia/Shanghai by default) to the next; filter with ``field__gte=start``
and ``field__lt=end``.
"""

import datetime as dt

from django.utils import timezone


def day_start(day: dt.date) -> dt.datetime:
    """The first instant of ``day`` in local time (aware)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def day_range(
    first: dt.date | None, last: dt.date | None
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """The instants of the days ``first`` to ``last`` inclusive: (start of ``first``, start of
    the day after ``last``); ``None`` stays ``None`` (an open end)."""
    start = day_start(first) if first is not None else None
    end = day_start(last + dt.timedelta(days=1)) if last is not None else None
    return start, end


def in_days(field: str, first: dt.date | None, last: dt.date | None) -> dict:
    """Filter keywords for ``field`` (a datetime) within the days ``first`` to ``last``
    inclusive, either end optional: ``qs.filter(**in_days("at", date_from, date_to))``."""
    start, end = day_range(first, last)
    lookups = {}
    if start is not None:
        lookups[f"{field}__gte"] = start
    if end is not None:
        lookups[f"{field}__lt"] = end
    return lookups
