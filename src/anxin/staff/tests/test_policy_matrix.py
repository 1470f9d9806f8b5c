"""SEC-2, SEC-3, STF-1: the staff-file policy, every default role × action × (their own file, a
colleague's, another store's). Allowed actions work; anything else is refused (a read as "not
found"), changes nothing and leaves a denied use-log entry."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from anxin.accounts.permissions import DEFAULT_ROLES
from anxin.accounts.policy import POLICY, Scope
from anxin.approvals.models import ChangeRequest
from anxin.audit.models import UseLog
from anxin.staff import selectors, services
from anxin.staff.models import StaffMember

from .factories import hr_persona, staff_file

RECORD = "staff.staff"
ACTIONS = ["view", "view_contact", "view_pay", "create", "change", "propose"]


def snapshot():
    return (
        list(StaffMember.objects.order_by("pk").values_list("pk", "name", "post", "user_id")),
        ChangeRequest.objects.count(),
    )


def perform(user, store, action, target):
    if action == "create":
        return services.staff_register(
            actor=user, store=target.store, kind="staff", name="新人", hire_date=dt.date(2024, 1, 2)
        )
    if action == "change":
        return services.staff_update(actor=user, store=store, pk=target.pk, post="主管")
    if action == "propose":
        return services.skill_propose(
            actor=user,
            store=store,
            pk=target.pk,
            technique="拔罐",
            level="qualified",
            reason="进修",
        )
    found = selectors.staff_get(actor=user, store=store, pk=target.pk)
    view = selectors.staff_view(actor=user, store=store, member=found)
    key = {"view": "member", "view_contact": "phone", "view_pay": "pay"}[action]
    if key not in view:
        selectors.staff_get(actor=user, store=store, pk=target.pk, action=action)
    return view[key]


CASES = [
    (role, action, where)
    for role in DEFAULT_ROLES
    for action in ACTIONS
    for where in ("own", "colleague", "other_store")
]


@pytest.mark.django_db
@pytest.mark.req("SEC-2", "SEC-3", "STF-1")
@pytest.mark.parametrize(("role", "action", "where"), CASES)
def test_staff_policy_matrix(store, other_store, make_persona, role, action, where):
    hr = hr_persona(store, username="hr_seed")
    user = make_persona(f"u_{role}", store, role)
    files = {
        "own": staff_file(actor=hr, store=store, user=user, name="本人"),
        "colleague": staff_file(actor=hr, store=store, name="同事"),
        "other_store": staff_file(
            actor=hr_persona(other_store, username="hr_other"), store=other_store, name="别店"
        ),
    }
    granted = POLICY.get(RECORD, {}).get(role, {}).get(action)
    allowed = where != "other_store" and (
        granted == Scope.STORE or (granted == Scope.OWN and where == "own")
    )
    before = snapshot()
    denied_before = UseLog.objects.filter(outcome="denied").count()
    if allowed:
        perform(user, store, action, files[where])
        assert UseLog.objects.filter(outcome="denied").count() == denied_before
        return
    with pytest.raises((Http404, PermissionDenied)):
        perform(user, store, action, files[where])
    assert snapshot() == before, "a refused action changed something"
    assert UseLog.objects.filter(outcome="denied", user=user).count() >= 1
