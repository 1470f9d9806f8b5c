"""Two-person review (SEC-5): the services, with the role grant and a test kind holding an ID."""

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from anxin.accounts.models import RoleAssignment
from anxin.accounts.services import role_assign
from anxin.approvals import registry
from anxin.approvals.kinds import ROLE_GRANT
from anxin.approvals.models import ChangeRequest, ChangeState
from anxin.approvals.services import (
    change_approve,
    change_propose,
    change_reject,
    change_withdraw,
)
from anxin.audit.models import OperationLog, UseLog, UseOutcome

from .conftest import DOSSIER_EDIT

pytestmark = [pytest.mark.django_db, pytest.mark.req("SEC-5")]

OLD_ID = "110101199003071234"
NEW_ID = "310104198512124321"


def roles(user, store):
    return sorted(
        RoleAssignment.objects.filter(user=user, store=store, active=True).values_list(
            "role__key", flat=True
        )
    )


def state(change):
    change.refresh_from_db()
    return (change.state, change.decider_id, change.decided_at, change.decision_note)


@pytest.fixture
def grant(admin_user, front_desk, store):
    """The administrator proposes making the front desk clerk a finance clerk too."""
    return change_propose(
        actor=admin_user,
        store=store,
        kind=ROLE_GRANT,
        target=front_desk,
        payload={"role": "finance"},
        reason="兼任收银",
    )


# -- propose and approve -----------------------------------------------------------------


def test_a_proposal_changes_nothing_until_someone_else_approves_it(
    grant, admin_user, manager, front_desk, store
):
    assert grant.state == ChangeState.PENDING
    assert grant.before == {"roles": ["front_desk"]}
    assert grant.payload == {"role": "finance"}
    assert roles(front_desk, store) == ["front_desk"]

    change_approve(actor=manager, change=grant, note="已核对排班")

    assert roles(front_desk, store) == ["finance", "front_desk"]
    change = ChangeRequest.objects.get(pk=grant.pk)
    assert change.state == ChangeState.APPROVED
    assert (change.proposer, change.decider) == (admin_user, manager)
    assert change.decided_at >= change.proposed_at
    assert change.decision_note == "已核对排班"
    # accounts logs the grant itself, in the approver's name; approvals logs who proposed it
    grant_entry = OperationLog.objects.filter(action="grant", record_id=str(front_desk.pk)).latest(
        "seq"
    )
    assert grant_entry.operator == manager
    approve_entry = OperationLog.objects.get(action="approve")
    assert approve_entry.changes["roles"] == {
        "before": ["front_desk"],
        "after": ["finance", "front_desk"],
    }
    assert approve_entry.changes["approval"]["proposer"] == "admin"


def test_the_proposer_cannot_approve_even_holding_the_permission(
    grant, admin_user, front_desk, store
):
    assert admin_user.has_store_perm("approvals.approve", store)
    with pytest.raises(PermissionDenied, match="someone else"):
        change_approve(actor=admin_user, change=grant)
    assert state(grant) == (ChangeState.PENDING, None, None, "")
    assert roles(front_desk, store) == ["front_desk"]
    denied = UseLog.objects.get(outcome=UseOutcome.DENIED)
    assert (denied.user, denied.action, denied.record_id) == (admin_user, "approve", str(grant.pk))
    with pytest.raises(PermissionDenied):
        change_reject(actor=admin_user, change=grant, note="我自己拒绝")
    assert state(grant) == (ChangeState.PENDING, None, None, "")


def test_the_database_refuses_a_change_decided_by_its_proposer(grant, admin_user):
    from django.db import IntegrityError, transaction
    from django.utils import timezone

    with pytest.raises(IntegrityError), transaction.atomic():
        ChangeRequest.objects.filter(pk=grant.pk).update(
            state=ChangeState.APPROVED, decider=admin_user, decided_at=timezone.now()
        )


@pytest.mark.parametrize("who", ["practitioner", "other_manager", "front_desk"])
def test_someone_without_the_permission_here_cannot_decide(request, grant, who, front_desk, store):
    """A practitioner, another store's manager, and the account the change is about."""
    person = request.getfixturevalue(who)
    for decide in (change_approve, lambda **kw: change_reject(note="不同意", **kw)):
        with pytest.raises(PermissionDenied):
            decide(actor=person, change=grant)
    assert state(grant) == (ChangeState.PENDING, None, None, "")
    assert roles(front_desk, store) == ["front_desk"]
    assert UseLog.objects.filter(user=person, outcome=UseOutcome.DENIED).count() == 2
    assert not OperationLog.objects.filter(action__in=["approve", "reject"]).exists()


def test_nobody_approves_a_grant_to_themselves(admin_user, manager, store):
    change = change_propose(
        actor=admin_user,
        store=store,
        kind=ROLE_GRANT,
        target=manager,
        payload={"role": "finance"},
        reason="店长兼管财务",
    )
    with pytest.raises(PermissionDenied, match="own account"):
        change_approve(actor=manager, change=change)
    assert roles(manager, store) == ["store_manager"]


def test_proposing_needs_the_kinds_permission(manager, front_desk, store):
    assert not manager.has_store_perm("accounts.manage", store)
    with pytest.raises(PermissionDenied):
        change_propose(
            actor=manager,
            store=store,
            kind=ROLE_GRANT,
            target=front_desk,
            payload={"role": "finance"},
            reason="兼任收银",
        )
    assert not ChangeRequest.objects.exists()
    assert UseLog.objects.filter(user=manager, action="propose", outcome=UseOutcome.DENIED)


@pytest.mark.parametrize(
    ("payload", "reason", "message"),
    [
        ({"role": "finance"}, "  ", "why"),
        ({"role": "front_desk"}, "再给一次", "already"),
        ({"role": "no_such_role"}, "新角色", "Unknown role"),
        ({"role": "finance", "superuser": True}, "顺便", "which role"),
        ({}, "空的", "what the change is"),
    ],
)
def test_invalid_proposals_are_refused(admin_user, front_desk, store, payload, reason, message):
    with pytest.raises(ValidationError, match=message):
        change_propose(
            actor=admin_user,
            store=store,
            kind=ROLE_GRANT,
            target=front_desk,
            payload=payload,
            reason=reason,
        )
    assert not ChangeRequest.objects.exists()


def test_an_account_of_another_store_cannot_be_the_target(admin_user, other_manager, store):
    with pytest.raises(ValidationError, match="No such record"):
        change_propose(
            actor=admin_user,
            store=store,
            kind=ROLE_GRANT,
            target=other_manager,
            payload={"role": "finance"},
            reason="跨店",
        )


def test_one_pending_change_per_record_and_kind(grant, admin_user, front_desk, store):
    with pytest.raises(ValidationError, match=f"no. {grant.pk}"):
        change_propose(
            actor=admin_user,
            store=store,
            kind=ROLE_GRANT,
            target=front_desk,
            payload={"role": "marketing"},
            reason="兼任市场",
        )


# -- reject, withdraw, decide once -------------------------------------------------------


def test_reject_records_the_note_and_applies_nothing(grant, manager, front_desk, store):
    with pytest.raises(ValidationError, match="why"):
        change_reject(actor=manager, change=grant, note="  ")
    assert state(grant)[0] == ChangeState.PENDING

    change_reject(actor=manager, change=grant, note="排班不允许兼任")

    state_, decider, decided_at, note = state(grant)
    assert (state_, decider, note) == (ChangeState.REJECTED, manager.pk, "排班不允许兼任")
    assert decided_at is not None
    assert roles(front_desk, store) == ["front_desk"]
    entry = OperationLog.objects.get(action="reject")
    assert (entry.operator, entry.record_type, entry.record_id) == (
        manager,
        "approvals.changerequest",
        str(grant.pk),
    )
    assert entry.reason == "排班不允许兼任"
    assert entry.changes["state"] == {"before": "pending", "after": "rejected"}
    assert entry.changes["approval"]["proposer"] == "admin"


def test_only_the_proposer_withdraws(grant, admin_user, manager, front_desk, store):
    with pytest.raises(PermissionDenied):
        change_withdraw(actor=manager, change=grant)
    assert state(grant)[0] == ChangeState.PENDING
    change_withdraw(actor=admin_user, change=grant)
    assert state(grant)[:2] == (ChangeState.WITHDRAWN, None)
    assert roles(front_desk, store) == ["front_desk"]
    assert OperationLog.objects.filter(action="withdraw", operator=admin_user).exists()


@pytest.mark.parametrize("first", ["approve", "reject", "withdraw"])
def test_a_decided_change_cannot_be_decided_again(
    grant, first, admin_user, manager, make_persona, front_desk, store
):
    second_manager = make_persona("manager2", store, "store_manager")
    if first == "approve":
        change_approve(actor=manager, change=grant)
    elif first == "reject":
        change_reject(actor=manager, change=grant, note="不同意")
    else:
        change_withdraw(actor=admin_user, change=grant)
    decided = state(grant)
    held = roles(front_desk, store)
    for again in (
        lambda: change_approve(actor=second_manager, change=grant),
        lambda: change_reject(actor=second_manager, change=grant, note="再拒"),
        lambda: change_withdraw(actor=admin_user, change=grant),
    ):
        with pytest.raises(ValidationError, match="cannot be decided again"):
            again()
    assert state(grant) == decided
    assert roles(front_desk, store) == held
    assert OperationLog.objects.filter(action__in=["approve", "reject", "withdraw"]).count() == 1


# -- staleness ---------------------------------------------------------------------------


def test_a_stale_role_grant_is_refused(grant, manager, front_desk, store):
    role_assign(user=front_desk, store=store, role_key="marketing")  # changed meanwhile
    with pytest.raises(ValidationError, match="changed since this was proposed") as caught:
        change_approve(actor=manager, change=grant)
    assert caught.value.code == "stale"
    assert "Roles in this store" in caught.value.messages[0]
    assert state(grant)[0] == ChangeState.PENDING
    assert roles(front_desk, store) == ["front_desk", "marketing"]


def test_a_stale_field_change_is_refused_naming_the_field(
    dossier, dossier_kind, front_desk, manager, store
):
    change = change_propose(
        actor=front_desk,
        store=store,
        kind=DOSSIER_EDIT,
        target=dossier,
        payload={"name": "张三丰"},
        reason="改名",
    )
    dossier.name = "张四"  # someone else's change, made directly
    dossier.save()
    with pytest.raises(ValidationError, match="name") as caught:
        change_approve(actor=manager, change=change)
    assert caught.value.code == "stale"
    dossier.refresh_from_db()
    assert dossier.name == "张四"
    assert state(change)[0] == ChangeState.PENDING


# -- the operation log, masking ----------------------------------------------------------


def test_the_log_names_both_people_times_and_masks_sensitive_values(
    dossier, dossier_kind, front_desk, manager, store
):
    change = change_propose(
        actor=front_desk,
        store=store,
        kind=DOSSIER_EDIT,
        target=dossier,
        payload={"id_number": NEW_ID, "note": "证件更换"},
        reason="客户换发身份证",
    )
    assert change.before == {"id_number": OLD_ID, "note": ""}
    change_approve(actor=manager, change=change, note="已看原件")

    dossier.refresh_from_db()
    assert (dossier.id_number, dossier.note) == (NEW_ID, "证件更换")
    proposed = OperationLog.objects.get(action="propose")
    approved = OperationLog.objects.get(action="approve")
    change.refresh_from_db()

    assert proposed.operator == front_desk
    assert (proposed.record_type, proposed.record_id) == ("approvals.changerequest", str(change.pk))
    assert proposed.reason == "客户换发身份证"
    assert proposed.changes["id_number"] == {"changed": True}
    assert proposed.changes["note"] == {"before": "", "after": "证件更换"}

    assert approved.operator == manager
    assert approved.store == store
    assert (approved.record_type, approved.record_id) == ("approvals.dossier", str(dossier.pk))
    assert approved.changes["id_number"] == {"changed": True}
    assert approved.changes["note"] == {"before": "", "after": "证件更换"}
    summary = approved.changes["approval"]
    assert summary["request"] == change.pk
    assert (summary["proposer"], summary["proposer_id"]) == ("frontdesk", front_desk.pk)
    assert (summary["approver"], summary["approver_id"]) == ("manager", manager.pk)
    assert summary["proposed_at"] == change.proposed_at.isoformat()
    assert summary["decided_at"] == change.decided_at.isoformat()
    assert summary["note"] == "已看原件"
    assert approved.at >= proposed.at

    for entry in OperationLog.objects.all():
        text = json.dumps(entry.changes, ensure_ascii=False) + entry.reason
        assert OLD_ID not in text and NEW_ID not in text
        assert "1234" not in text and "4321" not in text


def test_the_pages_rows_mask_sensitive_values(dossier, dossier_kind, front_desk, store):
    from anxin.approvals.selectors import change_rows

    change = change_propose(
        actor=front_desk,
        store=store,
        kind=DOSSIER_EDIT,
        target=dossier,
        payload={"id_number": NEW_ID},
        reason="换证",
    )
    target, rows = change_rows(change)
    assert target == dossier
    assert rows == [("ID number", "110***********1234", "310***********4321")]


def test_a_kind_is_declared_once_with_what_it_changes(dossier_kind):
    from django.core.exceptions import ImproperlyConfigured

    from .models import Dossier

    with pytest.raises(ImproperlyConfigured, match="already"):
        registry.register(
            DOSSIER_EDIT,
            label="again",
            target_model=Dossier,
            propose_permission="org.view",
            fields=("name",),
            apply=lambda **kw: None,
        )
    with pytest.raises(ImproperlyConfigured, match="unknown permission"):
        registry.register(
            "tests.other",
            label="x",
            target_model=Dossier,
            propose_permission="nobody.knows",
            fields=("name",),
            apply=lambda **kw: None,
        )
    assert "id_number" in dossier_kind.sensitive_fields  # encrypted fields are sensitive


def test_a_proposal_of_unchanged_or_unknown_fields_is_refused(
    dossier, dossier_kind, front_desk, store
):
    for payload, message in (
        ({"name": "张三"}, "nothing to change"),
        ({"store_id": 99}, "cannot be changed this way"),
    ):
        with pytest.raises(ValidationError, match=message):
            change_propose(
                actor=front_desk,
                store=store,
                kind=DOSSIER_EDIT,
                target=dossier,
                payload=payload,
                reason="试试",
            )
    assert not ChangeRequest.objects.exists()
