"""SEC-2, SEC-3, PRV-2: the test matrix generated from the policy table.

Every default role × every action × (a record in scope, a record out of scope). An allowed action
on an in-scope record works; anything else is refused — as "not found" for reads of a record —
changes nothing, and leaves a use-log entry with outcome ``denied``.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from anxin.accounts.permissions import DEFAULT_ROLES
from anxin.accounts.policy import ACTIONS, POLICY, Scope
from anxin.audit.models import UseLog
from anxin.clients import selectors, services
from anxin.clients.models import Client, HealthFile, ServiceRecord

RECORD = "clients.client"
# Approvals are proven in their own app; pay and proposals are staff-file actions, feedback a
# service-record action (delivery).
MATRIX_ACTIONS = [a for a in ACTIONS if a not in {"approve", "view_pay", "propose", "feedback"}]


def snapshot():
    return (
        list(Client.objects.order_by("pk").values_list("pk", "code", "name", "occupation")),
        HealthFile.objects.count(),
        ServiceRecord.objects.count(),
    )


@pytest.fixture
def world(store, other_store, make_persona):
    from anxin.accounts.services import user_create

    nurse = user_create(username="servant", password=None)
    here = services.client_create(
        actor=make_persona("desk_seed", store, "front_desk"),
        store=store,
        name="李四",
        phone="13812345678",
        id_number="110101199003071234",
        allergies="花粉过敏",
        consent=services.ConsentGiven(health=True, paper_location="A-1"),
    )
    unserved = services.client_create(
        actor=make_persona("desk_seed2", store, "front_desk"),
        store=store,
        name="王五",
        phone="13912345678",
    )
    there = services.client_create(
        actor=make_persona("desk_seed3", other_store, "front_desk"),
        store=other_store,
        name="赵六",
        phone="13712345678",
    )
    return {"here": here, "unserved": unserved, "there": there, "nurse": nurse}


def serve(client, practitioner, store, days_ago=3):
    return ServiceRecord.objects.create(
        store=store,
        client=client,
        practitioner=practitioner,
        item_name="全身按摩",
        amount=Decimal("128.00"),
        served_at=timezone.now() - dt.timedelta(days=days_ago),
    )


def perform(user, store, action, client):
    """Carry out ``action`` on ``client`` through the selectors and services, as the UI does."""
    if action == "view":
        return selectors.client_get(actor=user, store=store, code=client.code)
    if action in {"view_contact", "view_id", "view_health", "view_spending"}:
        found = selectors.client_get(actor=user, store=store, code=client.code)
        view = selectors.client_view(actor=user, store=store, client=found)
        key = {
            "view_contact": "phone",
            "view_id": "id_number",
            "view_health": "health",
            "view_spending": "services",
        }[action]
        if action == "view_spending":
            if "view_spending" not in view["can"]:
                selectors.require(actor=user, store=store, action=action, record_id=client.code)
            return view[key]
        if key not in view:
            selectors.require(actor=user, store=store, action=action, record_id=client.code)
        return view[key]
    if action == "reveal":
        return selectors.client_reveal(
            actor=user, store=store, code=client.code, field="phone", purpose="matrix"
        )
    if action == "create":
        return services.client_create(actor=user, store=client.store, name="新客户")
    if action == "change":
        return services.client_update(actor=user, store=store, code=client.code, occupation="教师")
    if action == "delete":
        return services.client_delete(actor=user, store=store, code=client.code)
    if action == "export":
        if client.store != store:
            return services.client_export(actor=user, store=client.store, fields=["code", "name"])
        return services.client_export(actor=user, store=store, fields=["code", "name"])
    raise AssertionError(action)


CASES = [
    (role, action, where)
    for role in DEFAULT_ROLES
    for action in MATRIX_ACTIONS
    for where in ("in_scope", "out_of_scope")
]


@pytest.mark.django_db
@pytest.mark.req("SEC-2", "SEC-3", "PRV-2")
@pytest.mark.parametrize(("role", "action", "where"), CASES)
def test_policy_matrix(world, store, make_persona, role, action, where):
    user = make_persona(f"u_{role}", store, role)
    granted = POLICY.get(RECORD, {}).get(role, {}).get(action)
    if granted == Scope.SERVED:
        serve(world["here"], user, store)
    target = world["here"] if where == "in_scope" else world["there"]
    if where == "out_of_scope" and granted == Scope.SERVED:
        target = world["unserved"]  # same store, never served: out of a practitioner's scope
    allowed = granted is not None and where == "in_scope"
    if action == "create" and where == "out_of_scope":
        allowed = False  # creating in a store where one holds no role
    before = snapshot()
    denied_before = UseLog.objects.filter(outcome="denied").count()
    if allowed:
        perform(user, store, action, target)
        assert UseLog.objects.filter(outcome="denied").count() == denied_before
        return
    with pytest.raises((Http404, PermissionDenied)):
        perform(user, store, action, target)
    assert snapshot() == before, "a refused action changed something"
    denied = UseLog.objects.filter(outcome="denied", user=user)
    assert denied.count() == UseLog.objects.filter(outcome="denied").count() - denied_before >= 1


@pytest.mark.django_db
@pytest.mark.req("SEC-3")
def test_practitioner_scope_ends_after_the_window_and_shows_no_id_or_contact(
    world, store, practitioner
):
    serve(world["here"], practitioner, store, days_ago=200)
    with pytest.raises(Http404):
        selectors.client_get(actor=practitioner, store=store, code=world["here"].code)
    serve(world["here"], practitioner, store, days_ago=1)
    found = selectors.client_get(actor=practitioner, store=store, code=world["here"].code)
    view = selectors.client_view(actor=practitioner, store=store, client=found)
    assert view["health"].allergies == "花粉过敏"
    assert "phone" not in view and "id_number" not in view and "address" not in view
    assert all(s.practitioner == practitioner for s in view["services"])


@pytest.mark.django_db
@pytest.mark.req("SEC-3")
def test_finance_sees_no_health_data_and_the_auditor_no_client_records(
    world, store, finance, auditor
):
    found = selectors.client_get(actor=finance, store=store, code=world["here"].code)
    view = selectors.client_view(actor=finance, store=store, client=found)
    assert "health" not in view and "view_health" not in view["can"]
    with pytest.raises(Http404):
        selectors.client_get(actor=auditor, store=store, code=world["here"].code)
