"""Issue 11: the monthly summary at a store's scale (60 people, thousands of clock records):
the same queries however many records, and the staff files' encrypted fields (pay, ID number,
bank card) are not read for it."""

import datetime as dt

import pytest

from anxin.attendance.models import ClockRecord
from anxin.attendance.tests.conftest import at
from anxin.core.testing import assert_constant_queries, captured

pytestmark = pytest.mark.django_db


@pytest.fixture
def october(member, member_b):
    """``add(n)``: n more worked days in October 2024 for both people."""
    days = []

    def add(n):
        for _ in range(n):
            day = dt.date(2024, 10, 1) + dt.timedelta(days=len(days))
            days.append(day)
            for m in (member, member_b):
                ClockRecord.objects.create(
                    member=m, store=m.store, clock_in=at(day, 9), clock_out=at(day, 18)
                )

    return add


@pytest.mark.req("STF-4")
def test_the_summary_takes_the_same_queries_however_many_clock_records(
    client, login, clerk, october
):
    login(client, clerk)
    page = "/attendance/summary/?month=2024-10"
    assert_constant_queries(lambda: client.get(page), october, rows=3)
    response, sql = captured(lambda: client.get(page))
    assert response.status_code == 200
    staff = [q for q in sql if 'FROM "staff_staffmember"' in q]
    assert staff and not [q for q in staff if '"bank_card"' in q or '"id_number"' in q]
    rows = {r["member"].pk: r for r in response.context["rows"]}
    assert {r["days_worked"] for r in rows.values()} == {9}
