"""What only committed data shows: the stored bytes, and two approvers deciding at once."""

import secrets
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from anxin.accounts.models import RoleAssignment
from anxin.approvals.kinds import ROLE_GRANT
from anxin.approvals.models import ChangeRequest, ChangeState
from anxin.approvals.services import change_approve, change_propose
from anxin.audit.models import OperationLog
from anxin.crypto.testing import assert_not_in_database_bytes

from .conftest import DOSSIER_EDIT
from .models import Dossier

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.req("SEC-5")]


def id_number() -> str:
    """A number no other test writes anywhere, so finding it means this test stored it."""
    return "51" + "".join(secrets.choice("0123456789") for _ in range(16))


@pytest.mark.req("SEC-4")
def test_the_old_and_new_id_numbers_are_never_stored_in_clear(
    dossier_kind, store, front_desk, manager
):
    old, new = id_number(), id_number()
    dossier = Dossier.objects.create(store=store, name="李四", id_number=old)
    change = change_propose(
        actor=front_desk,
        store=store,
        kind=DOSSIER_EDIT,
        target=dossier,
        payload={"id_number": new},
        reason="换发身份证",
    )
    assert_not_in_database_bytes(old, new)  # the proposal and the before snapshot
    change_approve(actor=manager, change=change, note="已看原件")
    assert_not_in_database_bytes(old, new)  # the applied value and the operation log
    dossier.refresh_from_db()
    assert dossier.id_number == new
    assert ChangeRequest.objects.get().before == {"id_number": old}
    entries = OperationLog.objects.filter(action__in=["propose", "approve"]).order_by("seq")
    assert [(e.action, e.changes["id_number"]) for e in entries] == [
        ("propose", {"changed": True}),
        ("approve", {"changed": True}),
    ]


def test_two_approvers_at_once_apply_the_change_once(
    store, admin_user, front_desk, manager, make_persona
):
    second = make_persona("manager2", store, "store_manager")
    change = change_propose(
        actor=admin_user,
        store=store,
        kind=ROLE_GRANT,
        target=front_desk,
        payload={"role": "finance"},
        reason="兼任收银",
    )
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def approve(actor):
        try:
            start.wait()
            change_approve(actor=actor, change=ChangeRequest.objects.get(pk=change.pk))
            outcomes.append("approved")
        except ValidationError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(who,)) for who in (manager, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes) == ["approved", "decided"]
    assert ChangeRequest.objects.get().state == ChangeState.APPROVED
    assert OperationLog.objects.filter(action="approve").count() == 1
    assert RoleAssignment.objects.filter(user=front_desk, role__key="finance").count() == 1
