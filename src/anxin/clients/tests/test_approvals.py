"""SEC-5: a client's ID number and health file change only with a second person's approval."""

import pytest
from django.core.exceptions import PermissionDenied

from anxin.approvals.services import change_approve, change_propose
from anxin.audit.models import OperationLog
from anxin.clients import services
from anxin.clients.approval_kinds import CLIENT_ID, HEALTH_FILE
from anxin.clients.models import Client, HealthFile
from anxin.crypto.testing import assert_not_in_database_bytes

OLD_ID, NEW_ID = "110101199003071234", "110105198807154321"


@pytest.fixture
def registered(front_desk, store):
    return services.client_create(
        actor=front_desk,
        store=store,
        name="李四",
        id_number=OLD_ID,
        allergies="花粉过敏",
        consent=services.ConsentGiven(health=True, paper_location="A-1"),
    )


@pytest.mark.django_db
@pytest.mark.req("SEC-5")
def test_id_number_changes_only_when_someone_else_approves(registered, front_desk, manager, store):
    change = change_propose(
        actor=front_desk,
        store=store,
        kind=CLIENT_ID,
        target=registered,
        payload={"id_number": NEW_ID},
        reason="客户出示新身份证",
    )
    assert Client.objects.get(pk=registered.pk).id_number == OLD_ID
    with pytest.raises(PermissionDenied):
        change_approve(actor=front_desk, change=change)  # the proposer cannot
    assert Client.objects.get(pk=registered.pk).id_number == OLD_ID
    change_approve(actor=manager, change=change, note="已核对原件")
    assert Client.objects.get(pk=registered.pk).id_number == NEW_ID
    entry = OperationLog.objects.filter(action="approve", record_code=registered.code).get()
    assert entry.changes["id_number"] == {"changed": True}
    assert OLD_ID not in str(entry.changes) and NEW_ID not in str(entry.changes)


@pytest.mark.django_db
@pytest.mark.req("SEC-5", "SEC-3")
def test_health_file_changes_need_approval_and_a_practitioner_cannot_propose(
    registered, front_desk, practitioner, manager, store
):
    health = HealthFile.objects.get(client=registered)
    with pytest.raises(PermissionDenied):
        change_propose(
            actor=practitioner,
            store=store,
            kind=HEALTH_FILE,
            target=health,
            payload={"allergies": "无"},
            reason="x",
        )
    change = change_propose(
        actor=front_desk,
        store=store,
        kind=HEALTH_FILE,
        target=health,
        payload={"allergies": "花粉、青霉素过敏"},
        reason="客户补充",
    )
    assert HealthFile.objects.get(pk=health.pk).allergies == "花粉过敏"
    change_approve(actor=manager, change=change)
    assert HealthFile.objects.get(pk=health.pk).allergies == "花粉、青霉素过敏"


@pytest.mark.django_db(transaction=True)
@pytest.mark.req("SEC-5", "STO-3")
def test_a_pending_id_change_is_encrypted_at_rest(store, make_persona):
    desk = make_persona("desk", store, "front_desk")
    client = services.client_create(actor=desk, store=store, name="王五", id_number=OLD_ID)
    change_propose(
        actor=desk,
        store=store,
        kind=CLIENT_ID,
        target=client,
        payload={"id_number": NEW_ID},
        reason="更正",
    )
    assert_not_in_database_bytes(OLD_ID, NEW_ID)
