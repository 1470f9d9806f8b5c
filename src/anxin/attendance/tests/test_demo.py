"""The demo data: staff files with MS codes, linked to the demo accounts, and attendance the
monthly summary can read (STF-1, STF-4)."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from anxin.accounts.models import Store, User
from anxin.attendance.models import ClockRecord, LeaveRequest, WorkPattern
from anxin.attendance.selectors import summarise
from anxin.staff.models import StaffMember


@pytest.mark.django_db
@pytest.mark.req("STF-1", "STF-4")
def test_small_demo_has_staff_files_and_attendance(capsys):
    call_command("demo", scale="small", seed=3)
    assert StaffMember.objects.filter(kind="practitioner").count() == 5
    assert StaffMember.objects.filter(kind="staff").count() == 4
    demo_practitioner = StaffMember.objects.get(user=User.objects.get(username="practitioner"))
    assert demo_practitioner.code.startswith("MS") and demo_practitioner.skills.exists()
    assert demo_practitioner.user.agreements.count() == 2
    assert WorkPattern.objects.count() == 9
    assert ClockRecord.objects.filter(clock_out__isnull=True).count() == 0
    assert ClockRecord.objects.count() > 9 * 20
    assert LeaveRequest.objects.filter(state="pending").count() == 3
    last_month = timezone.localdate().replace(day=1) - timezone.timedelta(days=1)
    rows = summarise(store=Store.objects.first(), year=last_month.year, month=last_month.month)
    assert len(rows) == 9 and sum(r["days_worked"] for r in rows) > 0
