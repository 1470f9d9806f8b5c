"""Issue 11: the leave list pages by keyset, 50 a page, newest first, through the (store,
start, id) index: the oldest page costs the queries of the first however long the history."""

import datetime as dt

import pytest

from anxin.attendance.models import LeaveRequest, LeaveState
from anxin.attendance.tests.conftest import at
from anxin.attendance.views import LEAVE_PAGE_SIZE
from anxin.core.testing import assert_constant_queries, assert_no_full_scans, captured

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(member, store):
    """``add(n)``: n more pending requests, one a day back from 2030-06-01 (two on each day)."""

    def add(n):
        done = LeaveRequest.objects.count()
        LeaveRequest.objects.bulk_create(
            LeaveRequest(
                member=member,
                store=store,
                kind="annual",
                start=at(dt.date(2030, 6, 1) - dt.timedelta(days=i // 2), 9),
                end=at(dt.date(2030, 6, 1) - dt.timedelta(days=i // 2), 18),
                state=LeaveState.PENDING,
            )
            for i in range(done, done + n)
        )

    return add


@pytest.mark.req("STF-4")
def test_the_leave_list_pages_by_keyset_to_the_oldest(client, login, manager, history):
    history(LEAVE_PAGE_SIZE + 7)
    login(client, manager)
    wanted = list(LeaveRequest.objects.order_by("-start", "-pk").values_list("pk", flat=True))
    first = client.get("/attendance/leave/", HTTP_ACCEPT_LANGUAGE="en")
    page = first.context["page_obj"]
    assert len(page.object_list) == LEAVE_PAGE_SIZE and "Next page" in first.content.decode()
    seen = [leave.pk for leave in page.object_list]
    rest = client.get("/attendance/leave/", {"after": page.next_cursor}).context["page_obj"]
    seen += [leave.pk for leave in rest.object_list]
    assert seen == wanted and not rest.has_next
    oldest = client.get("/attendance/leave/", {"oldest": "1"}).context["page_obj"]
    assert [leave.pk for leave in oldest.object_list] == wanted[-len(oldest.object_list) :]


@pytest.mark.req("STF-4")
def test_the_oldest_leave_page_takes_the_same_queries(client, login, manager, history):
    login(client, manager)
    assert_constant_queries(
        lambda: client.get("/attendance/leave/", {"oldest": "1"}), history, rows=LEAVE_PAGE_SIZE
    )


@pytest.mark.sqlite_only
@pytest.mark.req("STF-4")
def test_the_leave_list_reads_through_an_index(client, login, manager, history):
    history(LEAVE_PAGE_SIZE + 7)
    login(client, manager)
    first = client.get("/attendance/leave/").context["page_obj"]
    for params in ({}, {"after": first.next_cursor}, {"oldest": "1"}):
        response, sql = captured(lambda params=params: client.get("/attendance/leave/", params))
        assert response.status_code == 200
        assert_no_full_scans(sql, {"attendance_leaverequest"}, sorts=True)
