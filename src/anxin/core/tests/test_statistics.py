"""Issue 11: the planner has statistics after demo data, an import and a restore, and an hourly
task keeps them current (without them SQLite plans a store's pages as if tables were empty)."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import connection


def analyzed_tables() -> set[str]:
    """Tables the planner has statistics for."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
            if cursor.fetchone() is None:
                return set()
            cursor.execute("SELECT DISTINCT tbl FROM sqlite_stat1")
        else:
            cursor.execute(
                "SELECT relname FROM pg_stat_user_tables "
                "WHERE last_analyze IS NOT NULL OR last_autoanalyze IS NOT NULL"
            )
        return {row[0] for row in cursor.fetchall()}


def forget_statistics() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
            if cursor.fetchone() is not None:
                cursor.execute("DELETE FROM sqlite_stat1")
        else:
            cursor.execute("SELECT pg_stat_reset()")


@pytest.mark.django_db(transaction=True)
@pytest.mark.req("PLT-2")
def test_demo_data_leaves_statistics_for_the_planner():
    forget_statistics()
    call_command("demo", scale="small", seed=3, stdout=io.StringIO())
    assert {"clients_client", "clients_servicerecord", "scheduling_appointment"} <= (
        analyzed_tables()
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.req("PLT-2")
def test_the_hourly_task_updates_the_statistics(front_desk):
    from anxin.core import tasks

    task = tasks.database_statistics.s()
    assert task.validate_datetime(dt.datetime(2026, 3, 3, 10, 23))
    assert not task.validate_datetime(dt.datetime(2026, 3, 3, 10, 24))
    forget_statistics()
    tasks.database_statistics.call_local()
    assert "accounts_user" in analyzed_tables()


@pytest.mark.django_db(transaction=True)
@pytest.mark.req("PLT-2", "UX-5")
def test_an_import_leaves_statistics_for_the_planner(client, login, front_desk, store):
    from anxin.imports.models import ImportJob
    from anxin.imports.tests.test_client_import import GOOD, upload, xlsx

    forget_statistics()
    login(client, front_desk)
    assert upload(client, xlsx(GOOD)).status_code == 302
    assert ImportJob.objects.get().status == "done"
    assert "clients_client" in analyzed_tables()
