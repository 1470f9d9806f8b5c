"""Issue 11: the leave list shows names; it does not read (decrypt) the staff files' encrypted
fields for each of up to 200 requests."""

import pytest

from anxin.attendance.models import LeaveRequest, LeaveState
from anxin.attendance.tests.conftest import at
from anxin.core.testing import captured

pytestmark = pytest.mark.django_db


@pytest.mark.req("STF-4")
def test_the_leave_list_reads_no_encrypted_staff_fields(client, login, manager, member, store):
    import datetime as dt

    LeaveRequest.objects.create(
        member=member, store=store, kind="annual", start=at(dt.date(2030, 6, 3), 9),
        end=at(dt.date(2030, 6, 3), 18), state=LeaveState.PENDING,
    )  # fmt: skip
    login(client, manager)
    response, sql = captured(lambda: client.get("/attendance/leave/"))
    assert response.status_code == 200
    assert member.name in response.content.decode()
    leaves = [q for q in sql if 'FROM "attendance_leaverequest"' in q]
    assert leaves and not [q for q in leaves if '"bank_card"' in q or '"id_number"' in q]
