"""SQLite's writers wait in turn on a lock file beside the database (core/sqlite3/base.py):
each write transaction holds it from BEGIN to COMMIT or ROLLBACK, so that waiting writers
queue on it (with many waiters SQLite's busy handler made them sleep and retry); a wait longer
than the connection's timeout fails the transaction, writing nothing (issue 15's checkout throughput; PLT-1)."""

import fcntl
import os
import threading
import time

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


def _hand_over(name):
    """A first writer holds its transaction 0.4 s; a second one waits for it. Returns what the
    second saw of the first's row, the seconds between the first's commit and the second's
    start, and any errors."""
    holding, times, seen, errors = threading.Event(), {}, [], []

    def first():
        try:
            with transaction.atomic():
                _write(name)
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
                with connection.cursor() as cursor:
                    cursor.execute("SELECT count(*) FROM test_writers WHERE name = %s", [name])
                    seen.append(cursor.fetchone()[0])
                _write(f"{name}后")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return seen, times.get("second began", 0) - times.get("first committed", 0), errors


def _free(path) -> bool:
    """Whether another process or thread could take the writers' lock file now."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return True
    finally:
        os.close(fd)


@pytest.mark.django_db(transaction=True)
def test_a_write_transaction_holds_the_lock_file_from_begin_to_commit_or_rollback():
    path = f"{connection.settings_dict['NAME']}.writers"
    assert _free(path)
    with transaction.atomic():
        _write("提交")
        assert not _free(path)  # every other writer queues on it
    assert _free(path)
    with pytest.raises(RuntimeError), transaction.atomic():
        _write("回滚")
        assert not _free(path)
        raise RuntimeError("undone")
    assert _free(path)
    assert _written() == ["提交"]


@pytest.mark.django_db(transaction=True)
def test_a_second_writer_waits_for_the_first_to_commit():
    seen, waited, errors = _hand_over("先")
    assert not errors, errors
    assert seen == [1]  # it began after the first writer's commit, and saw its row
    assert waited < 1  # and not long after it
    assert sorted(_written()) == sorted(["先", "先后"])


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
