"""The approval pages: who may see and decide what, and that refusals change nothing."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from anxin.accounts.models import RoleAssignment
from anxin.accounts.services import role_assign
from anxin.approvals.kinds import ROLE_GRANT
from anxin.approvals.models import ChangeRequest, ChangeState
from anxin.approvals.services import change_propose
from anxin.audit.models import OperationLog, UseLog, UseOutcome

pytestmark = [pytest.mark.django_db, pytest.mark.req("SEC-5")]


def roles(user, store):
    return sorted(
        RoleAssignment.objects.filter(user=user, store=store, active=True).values_list(
            "role__key", flat=True
        )
    )


def snapshot(change):
    change.refresh_from_db()
    return (change.state, change.decider_id, change.decided_at, change.decision_note)


def propose(admin_user, target, store, role="finance", reason="兼任收银"):
    return change_propose(
        actor=admin_user,
        store=store,
        kind=ROLE_GRANT,
        target=target,
        payload={"role": role},
        reason=reason,
    )


@pytest.fixture
def grant(admin_user, front_desk, store):
    return propose(admin_user, front_desk, store)


def test_a_manager_sees_the_pending_change_and_approves_it(
    client, login, manager, grant, front_desk, store
):
    login(client, manager)
    inbox = client.get("/approvals/")
    assert inbox.status_code == 200
    text = inbox.content.decode()
    assert f"/approvals/{grant.pk}/" in text and "兼任收银" in text
    detail = client.get(f"/approvals/{grant.pk}/")
    assert detail.status_code == 200
    page = detail.content.decode()
    assert page.count("<h1>") == 1
    assert 'value="approve"' in page and 'value="reject"' in page
    response = client.post(f"/approvals/{grant.pk}/", {"action": "approve", "note": "同意"})
    assert response.status_code == 302
    assert snapshot(grant)[:2] == (ChangeState.APPROVED, manager.pk)
    assert roles(front_desk, store) == ["finance", "front_desk"]


def test_the_proposer_sees_their_change_as_waiting_and_cannot_approve_it(
    client, login, admin_user, grant, front_desk, store
):
    login(client, admin_user)
    page = client.get("/approvals/").content.decode()
    mine = page.split('id="mine-heading"')[1]
    to_decide = page.split('id="mine-heading"')[0]
    assert f"/approvals/{grant.pk}/" in mine
    assert f"/approvals/{grant.pk}/" not in to_decide
    detail = client.get(f"/approvals/{grant.pk}/").content.decode()
    assert 'value="approve"' not in detail and 'value="withdraw"' in detail
    before = snapshot(grant)
    response = client.post(f"/approvals/{grant.pk}/", {"action": "approve", "note": "自己批"})
    assert response.status_code == 403
    assert snapshot(grant) == before
    assert roles(front_desk, store) == ["front_desk"]
    assert UseLog.objects.filter(
        user=admin_user, action="approve", outcome=UseOutcome.DENIED
    ).exists()


def test_someone_without_the_permission_is_refused_and_logged(
    client, login, auditor, grant, front_desk, store
):
    # The auditor neither decides nor proposes any kind of change (practitioners propose
    # their own new skills, so they may open the inbox).
    login(client, auditor)
    assert client.get("/approvals/").status_code == 403
    assert client.get(f"/approvals/{grant.pk}/").status_code == 403
    before = snapshot(grant)
    response = client.post(f"/approvals/{grant.pk}/", {"action": "approve", "note": ""})
    assert response.status_code == 403
    assert snapshot(grant) == before
    assert roles(front_desk, store) == ["front_desk"]
    assert UseLog.objects.filter(user=auditor, outcome=UseOutcome.DENIED).count() == 3
    assert not OperationLog.objects.filter(action="approve").exists()


def test_another_stores_change_is_not_found(client, login, other_manager, grant, front_desk, store):
    login(client, other_manager)
    assert client.get("/approvals/").status_code == 200
    assert f"/approvals/{grant.pk}/" not in client.get("/approvals/").content.decode()
    assert client.get(f"/approvals/{grant.pk}/").status_code == 404
    before = snapshot(grant)
    for action in ("approve", "reject", "withdraw"):
        response = client.post(f"/approvals/{grant.pk}/", {"action": action, "note": "越权"})
        assert response.status_code == 404
    assert snapshot(grant) == before
    assert roles(front_desk, store) == ["front_desk"]
    assert client.get("/approvals/999999/").status_code == 404
    assert (
        UseLog.objects.filter(
            user=other_manager, record_id=str(grant.pk), outcome=UseOutcome.DENIED
        ).count()
        == 4
    )


def test_rejecting_needs_a_note(client, login, manager, grant, front_desk, store):
    login(client, manager)
    response = client.post(f"/approvals/{grant.pk}/", {"action": "reject", "note": " "})
    assert response.status_code == 400
    assert snapshot(grant)[0] == ChangeState.PENDING
    response = client.post(f"/approvals/{grant.pk}/", {"action": "reject", "note": "不同意兼任"})
    assert response.status_code == 302
    assert snapshot(grant)[::3] == (ChangeState.REJECTED, "不同意兼任")
    assert roles(front_desk, store) == ["front_desk"]


def test_a_stale_change_is_refused_with_a_clear_message(
    client, login, manager, grant, front_desk, store
):
    role_assign(user=front_desk, store=store, role_key="marketing")
    login(client, manager)
    response = client.post(
        f"/approvals/{grant.pk}/", {"action": "approve", "note": ""}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert "changed since this was proposed" in response.content.decode()
    assert snapshot(grant)[0] == ChangeState.PENDING
    assert roles(front_desk, store) == ["front_desk", "marketing"]


def test_an_unknown_action_is_a_bad_request(client, login, manager, grant):
    login(client, manager)
    response = client.post(f"/approvals/{grant.pk}/", {"action": "apply-now"})
    assert response.status_code == 400
    assert snapshot(grant)[0] == ChangeState.PENDING


def test_the_proposer_withdraws_from_the_page(client, login, admin_user, grant):
    login(client, admin_user)
    response = client.post(f"/approvals/{grant.pk}/", {"action": "withdraw", "note": ""})
    assert response.status_code == 302
    assert snapshot(grant)[0] == ChangeState.WITHDRAWN


# -- proposing a role grant ---------------------------------------------------------------


def test_an_account_manager_proposes_a_role_grant(client, login, admin_user, front_desk, store):
    login(client, admin_user)
    page = client.get("/approvals/role-grant/new/")
    assert page.status_code == 200
    assert page.content.decode().count("<h1>") == 1
    response = client.post(
        "/approvals/role-grant/new/",
        {"account": front_desk.pk, "role": "finance", "reason": "兼任收银"},
    )
    change = ChangeRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/approvals/{change.pk}/"
    assert (change.kind, change.target_id, change.proposer) == (
        ROLE_GRANT,
        str(front_desk.pk),
        admin_user,
    )
    assert change.payload == {"role": "finance"}
    assert roles(front_desk, store) == ["front_desk"]  # nothing yet: it waits for approval


def test_proposing_needs_a_reason_and_an_account_of_this_store(
    client, login, admin_user, front_desk, other_manager
):
    login(client, admin_user)
    for data in (
        {"account": front_desk.pk, "role": "finance", "reason": ""},
        {"account": other_manager.pk, "role": "finance", "reason": "跨店"},
        {"account": front_desk.pk, "role": "front_desk", "reason": "重复"},
    ):
        assert client.post("/approvals/role-grant/new/", data).status_code == 400
    assert not ChangeRequest.objects.exists()


def test_only_account_managers_may_propose_a_role_grant(client, login, manager, front_desk):
    login(client, manager)
    assert client.get("/approvals/role-grant/new/").status_code == 403
    response = client.post(
        "/approvals/role-grant/new/",
        {"account": front_desk.pk, "role": "system_admin", "reason": "提权"},
    )
    assert response.status_code == 403
    assert not ChangeRequest.objects.exists()
    assert UseLog.objects.filter(user=manager, outcome=UseOutcome.DENIED).count() == 2


def test_the_inbox_costs_the_same_number_of_queries_however_many_changes(
    client, login, manager, admin_user, store, make_persona
):
    people = [make_persona(f"staff{i}", store, "front_desk") for i in range(6)]
    propose(admin_user, people[0], store)
    login(client, manager)
    client.get("/approvals/")  # the first request also works out what is kept a minute
    with CaptureQueriesContext(connection) as one:
        assert client.get("/approvals/").status_code == 200
    for person in people[1:]:
        propose(admin_user, person, store)
    with CaptureQueriesContext(connection) as six:
        page = client.get("/approvals/")
    assert page.content.decode().count("staff") >= 6
    assert len(six) == len(one), "\n".join(q["sql"] for q in six.captured_queries)
