"""A read's use entry held for the change that follows it (``uses_with_change``): written in
the change's transaction when it commits, and on its own whenever it does not — never lost,
never twice (PRV-2, AUD-1; issue 15's checkout: one wait for SQLite's writer, not two)."""

import pytest
from django.db import transaction

from anxin.audit import chain
from anxin.audit.models import OperationLog, UseLog
from anxin.audit.services import (
    operation_log,
    operations_together,
    use_log,
    uses_with_change,
)

pytestmark = [pytest.mark.django_db, pytest.mark.req("PRV-2", "AUD-1")]


def _uses():
    return list(
        UseLog.objects.filter(record_type="clients.client")
        .order_by("seq")
        .values_list("record_id", "action")
    )


def _read(n="1"):
    use_log(actor=None, action="view", record_type="clients.client", record_id=n)


def _change():
    operation_log(actor=None, action="create", record_type="till.bill", record_id="9")


def test_a_held_read_is_written_in_the_transaction_of_the_change_that_follows():
    with uses_with_change():
        _read()
        assert _uses() == []  # held
        with transaction.atomic():
            _change()
            assert _uses() == [("1", "view")]  # written with the change, before it commits
    assert _uses() == [("1", "view")]  # once
    assert OperationLog.objects.filter(record_type="till.bill").count() == 1
    assert chain.verify(checkpoint=False).ok


def test_a_held_read_is_written_on_its_own_when_the_change_rolls_back():
    with uses_with_change():
        _read()
        with pytest.raises(RuntimeError), transaction.atomic():
            _change()
            raise RuntimeError("the payment failed")
        assert _uses() == []  # rolled back with the change; still held
    assert _uses() == [("1", "view")]
    assert not OperationLog.objects.filter(record_type="till.bill").exists()
    assert chain.verify(checkpoint=False).ok


def test_a_read_is_written_when_the_block_makes_no_change_or_fails():
    with uses_with_change():
        _read("1")
    assert _uses() == [("1", "view")]
    with pytest.raises(ValueError), uses_with_change():
        _read("2")
        raise ValueError("a page error after the read")
    assert _uses() == [("1", "view"), ("2", "view")]


def test_a_change_rolled_back_in_a_savepoint_leaves_the_read_to_the_block():
    """The change that took the entries is undone, a later one commits: written once, alone."""
    with uses_with_change():
        _read()
        with transaction.atomic():
            with pytest.raises(RuntimeError), transaction.atomic():
                _change()
                raise RuntimeError("the card refused")
            _change()
        assert _uses() == []
    assert _uses() == [("1", "view")]
    assert chain.verify(checkpoint=False).ok


def test_a_denied_read_and_a_read_inside_a_transaction_are_not_held():
    with uses_with_change():
        use_log(
            actor=None,
            action="view",
            record_type="clients.client",
            record_id="7",
            outcome="denied",
        )
        assert _uses() == [("7", "view")]
        with transaction.atomic():
            _read("8")
            assert ("8", "view") in _uses()
    assert sorted(_uses()) == [("7", "view"), ("8", "view")]


@pytest.mark.django_db(transaction=True)
def test_outside_any_transaction_the_commit_itself_says_the_entries_were_written():
    """As in a server (no test transaction around): a committed change's entries are not
    written again; a change rolled back in its savepoint leaves them to the block."""
    with uses_with_change():
        _read("1")
        with transaction.atomic():
            _change()
    with uses_with_change():
        _read("2")
        with transaction.atomic():
            with pytest.raises(RuntimeError), transaction.atomic():
                _change()
                raise RuntimeError("the card refused")
            _change()
        assert ("2", "view") not in _uses()
    assert _uses() == [("1", "view"), ("2", "view")]
    assert chain.verify(checkpoint=False).ok


def _bills():
    return list(
        OperationLog.objects.filter(record_type="till.bill")
        .order_by("seq")
        .values_list("record_id", "action")
    )


def _logged(n, action="create"):
    operation_log(actor=None, action=action, record_type="till.bill", record_id=n)


def test_changes_logged_together_are_appended_at_the_blocks_end_in_their_order():
    with uses_with_change():
        _read()
        with transaction.atomic():
            with operations_together():
                _logged("1", "cards.consumption")
                with operations_together():  # nested: the outer block appends
                    _logged("2")
                assert _bills() == [] and _uses() == []  # nothing appended yet
            assert _bills() == [("1", "cards.consumption"), ("2", "create")]
            assert _uses() == [("1", "view")]  # the held read, with them
    seqs = list(OperationLog.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
    assert chain.verify(checkpoint=False).ok


def test_changes_logged_together_are_not_written_when_the_block_fails():
    with pytest.raises(RuntimeError), transaction.atomic(), operations_together():
        _logged("1")
        raise RuntimeError("the card refused")
    assert _bills() == []
    assert chain.verify(checkpoint=False).ok
