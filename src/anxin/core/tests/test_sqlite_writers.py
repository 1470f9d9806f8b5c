"""SQLite's writers wait in turn on a lock file beside the database (core/sqlite3/base.py):
the one waiting goes as soon as the writer before it commits, not after SQLite's busy handler
has slept up to 100 ms at a time; a wait longer than the connection's timeout fails the
transaction, writing nothing (issue 15's checkout throughput; PLT-1)."""

import threading
import time
from pathlib import Path

import pytest
from django.db import OperationalError, connection, transaction

pytestmark = [pytest.mark.sqlite_only, pytest.mark.req("PLT-1")]


def _write(name, conn=connection):
    with conn.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS test_writers (name TEXT)")
        cursor.execute("INSERT INTO test_writers (name) VALUES (%s)", [name])


def _written():
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS test_writers (name TEXT)")
        cursor.execute("SELECT name FROM test_writers ORDER BY name")
        names = [row[0] for row in cursor.fetchall()]
        cursor.execute("DROP TABLE test_writers")
    return names


@pytest.mark.django_db(transaction=True)
def test_a_second_writer_waits_for_the_first_to_commit_then_goes_at_once():
    assert Path(f"{connection.settings_dict['NAME']}.writers").parent.is_dir()
    holding, times, errors = threading.Event(), {}, []

    def first():
        try:
            with transaction.atomic():
                _write("先")
                holding.set()
                time.sleep(0.4)
            times["first committed"] = time.monotonic()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    def second():
        try:
            holding.wait(5)
            with transaction.atomic():
                times["second began"] = time.monotonic()
                _write("后")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    waited = times["second began"] - times["first committed"]
    assert 0 <= waited < 0.05  # after the commit, and without sleeping through a busy handler
    assert sorted(_written()) == sorted(["先", "后"])


@pytest.mark.django_db(transaction=True)
def test_a_writer_waiting_past_its_timeout_fails_and_writes_nothing():
    from anxin.core.sqlite3.base import DatabaseWrapper

    settings = {**connection.settings_dict}
    settings["OPTIONS"] = {**settings["OPTIONS"], "timeout": 0.2}
    other = DatabaseWrapper(settings, "other")
    other.ensure_connection()
    try:
        with transaction.atomic():
            _write("持锁")
            started = time.monotonic()
            with pytest.raises(OperationalError):
                other._start_transaction_under_autocommit()
            assert 0.2 <= time.monotonic() - started < 2
        other._start_transaction_under_autocommit()  # free again once the first committed
        _write("其后", other)
        other.commit()
    finally:
        other.close()
    assert sorted(_written()) == sorted(["其后", "持锁"])
