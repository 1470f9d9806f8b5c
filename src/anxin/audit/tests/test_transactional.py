"""Tests that commit (each leaves an empty database behind: Django flushes after them).

They sit in a module of their own, after the rest, because a flush also removes the default
roles that the personas of later tests in the same process need.
"""

import json
import threading

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from anxin.audit import chain
from anxin.audit.models import OperationLog, UseLog
from anxin.audit.services import operation_log, use_log

from .helpers import raw


@pytest.mark.django_db(transaction=True)
@pytest.mark.req("AUD-2", "PLT-1")
def test_concurrent_writers_keep_one_unbroken_chain_per_log():
    """8 workers append to both logs at once, each write in its own transaction."""
    from anxin.accounts.services import store_create, user_create

    # No personas: an earlier transactional test may have flushed the default roles away.
    store = store_create(name="并发店", short_code="CC01")
    manager = user_create(username="writer", password=None)
    base = OperationLog.objects.count() + UseLog.objects.count()  # creating them was logged
    workers, per_worker = 8, 20
    errors: list[BaseException] = []
    start = threading.Barrier(workers)

    def work(n):
        try:
            start.wait()
            for i in range(per_worker):
                with transaction.atomic():
                    if (n + i) % 2:
                        use_log(actor=manager, action="view", record_type="x", record_id=f"{n}-{i}")
                    else:
                        operation_log(
                            actor=manager, action="update", record_type="x", record_id=f"{n}-{i}"
                        )
                        use_log(actor=None, action="report", record_type="x", store=store)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    total_ops = OperationLog.objects.count()
    total_uses = UseLog.objects.count()
    assert total_ops + total_uses - base == workers * per_worker * 3 // 2
    assert list(OperationLog.objects.order_by("seq").values_list("seq", flat=True)) == list(
        range(1, total_ops + 1)
    )
    assert list(UseLog.objects.order_by("seq").values_list("seq", flat=True)) == list(
        range(1, total_uses + 1)
    )
    report = chain.verify()
    assert report.ok, report.problems
    assert report.counts == {"operation": total_ops, "use": total_uses}


@pytest.mark.django_db(transaction=True)
@pytest.mark.req("AUD-2")
def test_flush_empties_the_logs_and_records_a_reset(checkpoint_file, capsys):
    """Erasing the database is an operator's act outside the application (and the test runner's)."""
    for i in range(3):
        use_log(actor=None, action="view", record_type="x", record_id=str(i))
    call_command("audit", "verify")
    call_command("flush", interactive=False, verbosity=0)
    assert not UseLog.objects.exists() and not OperationLog.objects.exists()
    assert json.loads(checkpoint_file.read_text().splitlines()[-1])["kind"] == "reset"
    use_log(actor=None, action="view", record_type="x", record_id="after")
    capsys.readouterr()
    call_command("audit", "verify")  # the old checkpoints no longer apply
    assert capsys.readouterr().out.strip() == "OK: operation log 0 entries, use log 1 entries"
    # and outside flush the guard is back up
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        raw("DELETE FROM audit_uselog")
