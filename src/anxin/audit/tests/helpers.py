"""Audit test helpers: time travel and raw tampering."""

import datetime as dt
import zoneinfo
from contextlib import contextmanager
from unittest import mock

from django.conf import settings
from django.db import connection


def local(day: int, hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    """A time in the shop's own zone (TIME_ZONE, Asia/Shanghai by default), in March 2026."""
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    return dt.datetime(2026, 3, day, hour, minute, second, tzinfo=zone)


@contextmanager
def frozen(when: dt.datetime):
    """Make ``django.utils.timezone.now`` return ``when`` (the services read it)."""
    with mock.patch("django.utils.timezone.now", return_value=when):
        yield


def drop_guards():
    """What an intruder with database access does first: remove the append-only triggers."""
    with connection.cursor() as cursor:
        for table in ("audit_operationlog", "audit_uselog"):
            if connection.vendor == "sqlite":
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
            else:
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_change ON {table}")
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")


def raw(sql: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount
