"""The attendance pages: the clock page says the state in words and answers each press with
the time recorded; errors are messages, never a 500."""

import datetime as dt

import pytest

from anxin.attendance.models import ClockRecord, LeaveRequest
from anxin.audit.models import UseLog

pytestmark = pytest.mark.django_db


@pytest.mark.req("STF-4", "UX-1")
def test_clock_page_announces_state_and_time(client, login, member, practitioner):
    login(client, practitioner)
    page = client.get("/attendance/").content.decode()
    assert 'id="clock-in"' in page and 'id="clock-out"' in page
    response = client.post("/attendance/clock/", {"action": "in"}, follow=True)
    text = response.content.decode()
    record = ClockRecord.objects.get()
    from django.utils import timezone

    hhmm = timezone.localtime(record.clock_in).strftime("%H:%M")
    assert 'role="status"' in text and text.count(hhmm) >= 2  # the message and the state
    again = client.post("/attendance/clock/", {"action": "in"}, follow=True)
    assert again.status_code == 200 and ClockRecord.objects.count() == 1
    out = client.post("/attendance/clock/", {"action": "out"}, follow=True).content.decode()
    record.refresh_from_db()
    assert record.clock_out is not None
    assert timezone.localtime(record.clock_out).strftime("%H:%M") in out


@pytest.mark.req("STF-4", "PLT-4")
def test_leave_form_errors_are_on_the_field(client, login, member, practitioner):
    login(client, practitioner)
    response = client.post(
        "/attendance/leave/new/",
        {"kind": "annual", "start": "2030-06-03T18:00", "end": "2030-06-03T09:00"},
    )
    assert response.status_code == 400
    assert "end_error" in response.content.decode() or "id_end_error" in response.content.decode()
    assert not LeaveRequest.objects.exists()
    ok = client.post(
        "/attendance/leave/new/",
        {"kind": "annual", "start": "2030-06-03T09:00", "end": "2030-06-03T18:00"},
    )
    assert ok.status_code == 302 and LeaveRequest.objects.count() == 1


@pytest.mark.req("STF-4", "SEC-3")
def test_summary_and_export_are_refused_to_a_practitioner(client, login, member, practitioner):
    login(client, practitioner)
    assert client.get("/attendance/summary/").status_code == 403
    assert client.post("/attendance/summary/export/", {"month": "2024-10"}).status_code == 403
    assert client.get(f"/attendance/people/{member.pk}/").status_code == 200  # their own
    assert UseLog.objects.filter(user=practitioner, outcome="denied").count() == 2


@pytest.mark.req("STF-4")
def test_clerk_sees_the_summary_and_downloads_it(client, login, member, clerk):
    login(client, clerk)
    page = client.get("/attendance/summary/?month=2024-10")
    assert page.status_code == 200 and member.name in page.content.decode()
    bad = client.get("/attendance/summary/?month=2024-13")
    assert bad.status_code == 400
    response = client.post("/attendance/summary/export/", {"month": "2024-10"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


@pytest.mark.req("STF-4", "PLT-4")
def test_clerk_hand_entry_with_out_before_in_shows_the_error(client, login, member, clerk):
    login(client, clerk)
    response = client.post(
        f"/attendance/people/{member.pk}/",
        {
            "action": "entry",
            "entry-clock_in": "2024-10-14T18:00",
            "entry-clock_out": "2024-10-14T09:00",
            "entry-note": "忘记打卡",
        },
    )
    assert response.status_code == 400
    assert not ClockRecord.objects.exists()
    assert client.get("/attendance/people/999999/").status_code == 404


@pytest.mark.req("STF-4")
def test_manager_decides_leave_on_its_page(client, login, member, practitioner, manager, store):
    from django.utils import timezone

    from anxin.attendance.services import leave_request

    start = timezone.make_aware(dt.datetime(2030, 6, 3, 10))
    leave = leave_request(
        actor=practitioner,
        store=store,
        kind="annual",
        start=start,
        end=start + dt.timedelta(hours=4),
    )
    login(client, manager)
    assert leave.member.name in client.get("/attendance/leave/").content.decode()
    response = client.post(f"/attendance/leave/{leave.pk}/", {"decision": "approve", "note": ""})
    assert response.status_code == 302
    leave.refresh_from_db()
    assert leave.state == "approved"
