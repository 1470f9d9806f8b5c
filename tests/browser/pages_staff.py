"""Browser pages of the staff and attendance apps: who, where, and the data each needs."""

import datetime as dt

import pytest

OFFICE_AND_WEEKEND = {str(d): ["09:00", "21:00"] for d in range(7)}


@pytest.fixture
def hr_user(store):
    from anxin.staff.tests.factories import hr_persona

    return hr_persona(store, username="hr_user")


@pytest.fixture
def clerk_user(store, make_persona):
    return make_persona("clerk_user", store, "attendance_clerk")


def practitioner_file(request):
    """Practitioner A's staff file with pay, a skill, agreements and working hours."""
    from anxin.accounts.models import Agreement
    from anxin.attendance.services import pattern_set
    from anxin.staff.models import StaffMember
    from anxin.staff.services import skill_record, staff_agreement_record
    from anxin.staff.tests.factories import staff_file

    store = request.getfixturevalue("store")
    user = request.getfixturevalue("practitioner")
    existing = StaffMember.objects.filter(user=user).first()
    if existing:
        return existing
    hr = request.getfixturevalue("hr_user")
    member = staff_file(
        actor=hr, store=store, user=user, post="按摩师", education="北京市盲人学校",
        work_history="2015-2023 某按摩院", commission="每钟 30 元", benefits="五险一金",
    )  # fmt: skip
    skill_record(
        actor=hr, store=store, pk=member.pk, technique="推拿", body_areas="腰背", level="expert"
    )
    staff_agreement_record(
        actor=hr, store=store, pk=member.pk, kind=Agreement.Kind.CONFIDENTIALITY,
        signed_on=dt.date(2023, 6, 12), document="人事档案柜A-12",
    )  # fmt: skip
    pattern_set(actor=hr, store=store, member=member, calendar="roster", week=OFFICE_AND_WEEKEND)
    staff_file(actor=hr, store=store, kind="staff", name="赵敏", post="前台接待")
    return member


def staff_detail(request):
    return f"/staff/{practitioner_file(request).pk}/"


def staff_edit(request):
    return f"/staff/{practitioner_file(request).pk}/edit/"


def staff_list(request):
    practitioner_file(request)
    return "/staff/"


def attendance_mine(request):
    from anxin.attendance.services import clock_in, clock_out

    practitioner_file(request)
    user, store = request.getfixturevalue("practitioner"), request.getfixturevalue("store")
    clock_in(actor=user, store=store)
    clock_out(actor=user, store=store)
    return "/attendance/"


def _leave(request):
    from django.utils import timezone

    from anxin.attendance.services import leave_request

    practitioner_file(request)
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=30)
    return leave_request(
        actor=request.getfixturevalue("practitioner"), store=request.getfixturevalue("store"),
        kind="annual", start=start, end=start + dt.timedelta(hours=8), reason="回老家",
    )  # fmt: skip


def leave_list(request):
    _leave(request)
    return "/attendance/leave/"


def leave_detail(request):
    return f"/attendance/leave/{_leave(request).pk}/"


def attendance_person(request):
    return f"/attendance/people/{practitioner_file(request).pk}/"


def attendance_summary(request):
    attendance_mine(request)
    return "/attendance/summary/"


def clock_in_by_button(page):
    with page.expect_navigation() as nav:
        page.locator("#clock-in").click()
    page.wait_for_selector("[role=status]")
    return nav.value


def submit_empty(page):
    with page.expect_navigation() as nav:
        page.locator("main form[method=post] button[type=submit]").first.click()
    page.wait_for_selector("#form-errors")
    return nav.value


def skill_proposal(request):
    """Practitioner A reports a new skill; it waits for the manager."""
    from anxin.staff.services import skill_propose

    member = practitioner_file(request)
    return skill_propose(
        actor=request.getfixturevalue("practitioner"), store=request.getfixturevalue("store"),
        pk=member.pk, technique="拔罐", body_areas="背部", level="qualified", reason="进修结业",
    )  # fmt: skip


def skill_proposal_page(request):
    return f"/approvals/{skill_proposal(request).pk}/"
