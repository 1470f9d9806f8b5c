"""Issue 11: the leave form lists who may decide leave with the same queries however many
people work in the store (it asked each person's roles, one query each: 80 at store scale)."""

import pytest

from anxin.attendance import services
from anxin.core.testing import assert_constant_queries

pytestmark = pytest.mark.django_db


@pytest.mark.req("STF-4")
def test_the_leave_form_takes_the_same_queries_however_many_staff(
    client, login, member, practitioner, manager, store, make_persona
):
    added = []

    def staff(n):
        for _ in range(n):
            added.append(make_persona(f"p{len(added)}", store, "practitioner"))

    login(client, practitioner)
    assert_constant_queries(lambda: client.get("/attendance/leave/new/"), staff, rows=2)
    approvers = services._approvers(store)
    assert manager in approvers and not set(added) & set(approvers)
