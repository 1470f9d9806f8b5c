"""Attendance (STF-4): clocking in and out, leave and its approval, overtime, working hours
with the national holiday calendar, the availability question bookings ask, the monthly
summary for payroll and its export, and a leaver's pending approvals."""

import datetime as dt
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone
from openpyxl import load_workbook

from anxin.attendance import hooks, selectors, services
from anxin.attendance.calendar import DayKind, day_kind
from anxin.attendance.models import ClockRecord, LeaveRequest, LeaveState, OvertimeRecord
from anxin.audit.models import OperationLog, UseLog
from anxin.staff.tests.factories import staff_file

from .conftest import OFFICE, at

pytestmark = pytest.mark.django_db


# -- clocking in and out -------------------------------------------------------------------


@pytest.mark.req("STF-4")
def test_clock_in_then_out(member, practitioner, store):
    record = services.clock_in(actor=practitioner, store=store)
    assert selectors.open_clock(member) == record
    done = services.clock_out(actor=practitioner, store=store)
    assert done.pk == record.pk and done.clock_out > done.clock_in
    assert selectors.open_clock(member) is None
    actions = set(
        OperationLog.objects.filter(record_type="attendance.clockrecord").values_list(
            "action", flat=True
        )
    )
    assert actions == {"clock_in", "clock_out"}


@pytest.mark.req("STF-4", "PLT-4")
def test_clocking_in_twice_is_refused(member, practitioner, store):
    first = services.clock_in(actor=practitioner, store=store)
    with pytest.raises(ValidationError) as exc:
        services.clock_in(actor=practitioner, store=store)
    assert "already" in exc.value.messages[0]
    assert list(ClockRecord.objects.all()) == [first]


@pytest.mark.req("STF-4", "PLT-4")
def test_clocking_out_without_clocking_in_is_refused(member, practitioner, store):
    with pytest.raises(ValidationError) as exc:
        services.clock_out(actor=practitioner, store=store)
    assert "not clocked in" in exc.value.messages[0]
    assert not ClockRecord.objects.exists()
    assert not OperationLog.objects.filter(record_type="attendance.clockrecord").exists()


@pytest.mark.req("STF-4", "PLT-4")
def test_hand_entry_with_clock_out_before_clock_in_is_refused(member, clerk, store):
    day = dt.date(2024, 5, 6)
    with pytest.raises(ValidationError) as exc:
        services.clock_record(
            actor=clerk, store=store, member=member, clock_in=at(day, 18), clock_out=at(day, 9),
            note="忘记打卡",
        )  # fmt: skip
    assert "clock_out" in exc.value.message_dict
    services.clock_record(
        actor=clerk, store=store, member=member, clock_in=at(day, 9), clock_out=at(day, 18),
        note="忘记打卡",
    )  # fmt: skip
    with pytest.raises(ValidationError):  # overlapping what is recorded
        services.clock_record(
            actor=clerk, store=store, member=member, clock_in=at(day, 12), clock_out=at(day, 20),
            note="重复",
        )  # fmt: skip
    assert ClockRecord.objects.count() == 1


@pytest.mark.req("STF-4", "PLT-4")
def test_an_unknown_person_is_a_clear_not_found_and_nothing_changes(clerk, store, practitioner):
    day = dt.date(2024, 5, 6)
    with pytest.raises(Http404) as exc:
        services.clock_record(
            actor=clerk, store=store, member=424242, clock_in=at(day, 9), clock_out=at(day, 18),
            note="x",
        )  # fmt: skip
    assert "No such person" in str(exc.value)
    # someone with an account but no staff file
    with pytest.raises(ValidationError) as exc2:
        services.clock_in(actor=practitioner, store=store)
    assert "no staff file" in exc2.value.messages[0]
    assert not ClockRecord.objects.exists()
    assert UseLog.objects.filter(user=clerk, outcome="denied", record_id="424242").exists()


@pytest.mark.req("STF-4", "SEC-3")
def test_a_practitioner_cannot_enter_time_for_someone_else(member, member_b, practitioner, store):
    day = dt.date(2024, 5, 6)
    with pytest.raises(PermissionDenied):
        services.clock_record(
            actor=practitioner, store=store, member=member_b, clock_in=at(day, 9),
            clock_out=at(day, 18), note="帮打卡",
        )  # fmt: skip
    with pytest.raises(Http404):
        services.clock_in(actor=practitioner, store=store, member=member_b)
    assert not ClockRecord.objects.exists()


# -- leave ----------------------------------------------------------------------------------

JUNE = dt.date(2030, 6, 3)  # in the future, so leave may be asked for


@pytest.mark.req("STF-4", "PLT-4")
def test_leave_ending_before_it_starts_is_refused(member, practitioner, store):
    with pytest.raises(ValidationError) as exc:
        services.leave_request(
            actor=practitioner, store=store, kind="personal", start=at(JUNE, 18), end=at(JUNE, 9)
        )
    assert "end" in exc.value.message_dict
    assert not LeaveRequest.objects.exists()


@pytest.mark.req("STF-4", "PLT-4")
def test_leave_overlapping_other_leave_is_refused(member, practitioner, store):
    services.leave_request(
        actor=practitioner, store=store, kind="annual", start=at(JUNE, 0),
        end=at(JUNE + dt.timedelta(days=3), 0),
    )  # fmt: skip
    with pytest.raises(ValidationError) as exc:
        services.leave_request(
            actor=practitioner, store=store, kind="sick", start=at(JUNE + dt.timedelta(days=2), 9),
            end=at(JUNE + dt.timedelta(days=4), 9),
        )  # fmt: skip
    assert "overlaps other leave" in exc.value.messages[0]
    assert LeaveRequest.objects.count() == 1


@pytest.mark.req("STF-4", "BIZ-3")
def test_leave_overlapping_bookings_lists_them(member, practitioner, store, manager):
    def lookup(*, member, start, end):
        return ["YY30060001 06-03 14:00"] if start < at(JUNE, 15) and end > at(JUNE, 14) else []

    hooks.register_booking_lookup(lookup)
    try:
        with pytest.raises(ValidationError) as exc:
            services.leave_request(
                actor=practitioner, store=store, kind="personal", start=at(JUNE, 10),
                end=at(JUNE, 18),
            )  # fmt: skip
        assert "YY30060001" in exc.value.messages[0]
        assert not LeaveRequest.objects.exists()
        leave = services.leave_request(
            actor=practitioner, store=store, kind="personal", start=at(JUNE, 16), end=at(JUNE, 18)
        )
    finally:
        hooks.unregister_booking_lookup(lookup)
    assert leave.state == LeaveState.PENDING


@pytest.mark.req("STF-4")
def test_manager_approves_leave_and_it_blocks_bookings(member, practitioner, store, manager):
    leave = services.leave_request(
        actor=practitioner, store=store, kind="sick", start=at(JUNE, 10), end=at(JUNE, 14),
        approver=manager,
    )  # fmt: skip
    # pending leave does not block bookings yet
    assert selectors.availability(practitioner, store, at(JUNE, 11), at(JUNE, 12))
    services.leave_decide(actor=manager, store=store, pk=leave.pk, approve=True)
    leave.refresh_from_db()
    assert leave.state == LeaveState.APPROVED and leave.decided_by == manager
    busy = selectors.availability(practitioner, store, at(JUNE, 11), at(JUNE, 12))
    assert not busy and "leave" in busy.reasons[0]
    assert selectors.availability(member, store, at(JUNE, 15), at(JUNE, 16))
    windows = selectors.working_windows(store=store, day=JUNE)
    assert windows[member.pk] == [(at(JUNE, 14), at(JUNE, 22))]


@pytest.mark.req("STF-4", "SEC-3")
def test_leave_is_not_decided_by_the_requester_or_a_practitioner(
    member, member_b, practitioner, practitioner_b, store
):
    leave = services.leave_request(
        actor=practitioner, store=store, kind="annual", start=at(JUNE, 10), end=at(JUNE, 14)
    )
    for who in (practitioner, practitioner_b):
        with pytest.raises(PermissionDenied):
            services.leave_decide(actor=who, store=store, pk=leave.pk, approve=True)
    leave.refresh_from_db()
    assert leave.state == LeaveState.PENDING
    assert UseLog.objects.filter(outcome="denied", action="approve").count() == 2


@pytest.mark.req("STF-4", "PLT-4")
def test_rejecting_needs_a_reason_and_a_decided_request_stays_decided(
    member, practitioner, store, manager
):
    leave = services.leave_request(
        actor=practitioner, store=store, kind="annual", start=at(JUNE, 10), end=at(JUNE, 14)
    )
    with pytest.raises(ValidationError):
        services.leave_decide(actor=manager, store=store, pk=leave.pk, approve=False)
    services.leave_decide(actor=manager, store=store, pk=leave.pk, approve=False, note="旺季")
    with pytest.raises(ValidationError):
        services.leave_decide(actor=manager, store=store, pk=leave.pk, approve=True)
    leave.refresh_from_db()
    assert leave.state == LeaveState.REJECTED and leave.decision_note == "旺季"


# -- working hours, holidays, availability ---------------------------------------------------


@pytest.mark.req("STF-4")
def test_national_holidays_and_make_up_days_come_from_chinese_calendar():
    assert day_kind(dt.date(2024, 10, 1)) == DayKind.HOLIDAY  # National Day
    assert day_kind(dt.date(2024, 10, 7)) == DayKind.HOLIDAY  # a Monday off in lieu
    assert day_kind(dt.date(2024, 10, 12)) == DayKind.MAKEUP  # a Saturday worked (调休)
    assert day_kind(dt.date(2024, 10, 13)) == DayKind.WEEKEND
    assert day_kind(dt.date(2024, 10, 14)) == DayKind.WORKDAY


@pytest.mark.req("STF-4", "BIZ-3")
def test_availability_follows_working_hours_and_the_calendar(hr, store, practitioner_b):
    from anxin.attendance.services import pattern_set

    office = staff_file(actor=hr, store=store, user=practitioner_b, name="李强")
    pattern_set(actor=hr, store=store, member=office, calendar="public", week=OFFICE)
    monday, national_day, makeup = (
        dt.date(2024, 10, 14),
        dt.date(2024, 10, 1),
        dt.date(2024, 10, 12),
    )
    assert selectors.availability(practitioner_b, store, at(monday, 10), at(monday, 11))
    late = selectors.availability(practitioner_b, store, at(monday, 17, 30), at(monday, 18, 30))
    assert not late and "not working" in late.reasons[0]
    assert not selectors.availability(
        practitioner_b, store, at(national_day, 10), at(national_day, 11)
    )
    assert selectors.availability(practitioner_b, store, at(makeup, 10), at(makeup, 11))
    sunday = dt.date(2024, 10, 13)
    assert not selectors.availability(office, store, at(sunday, 10), at(sunday, 11))
    assert not selectors.availability(office, store, at(monday, 11), at(monday, 10))


@pytest.mark.req("STF-4", "PLT-4")
def test_availability_of_an_unknown_person_or_one_from_another_store(
    member, store, other_store, other_manager
):
    day = dt.date(2024, 10, 14)
    assert not selectors.availability(other_manager, store, at(day, 11), at(day, 12))
    answer = selectors.availability(member, other_store, at(day, 11), at(day, 12))
    assert not answer and "No such person" in answer.reasons[0]


@pytest.mark.req("STF-4", "PLT-4")
def test_bad_working_hours_are_refused(member, hr, store):
    from anxin.attendance.models import WorkPattern

    before = WorkPattern.objects.get(member=member).week
    with pytest.raises(ValidationError):
        services.pattern_set(
            actor=hr, store=store, member=member, calendar="roster", week={"0": ["18:00", "09:00"]}
        )
    with pytest.raises(ValidationError):
        services.pattern_set(actor=hr, store=store, member=member, calendar="moon", week={})
    assert WorkPattern.objects.get(member=member).week == before


# -- the monthly summary ---------------------------------------------------------------------


def _work(member, day, start, end):
    return ClockRecord.objects.create(
        member=member, store=member.store, clock_in=start, clock_out=end
    )


@pytest.mark.req("STF-4")
def test_monthly_summary_counts_days_hours_lateness_leave_overtime_and_holiday_work(
    hr, store, member, member_b, manager, clerk
):
    services.pattern_set(actor=hr, store=store, member=member_b, calendar="public", week=OFFICE)
    oct_ = dt.date(2024, 10, 1)
    # B (office hours): the 14th on time, the 15th late, the 16th leaves early, the 12th is a
    # make-up Saturday worked; a half day of annual leave on the 17th.
    _work(member_b, None, at(dt.date(2024, 10, 14), 8, 58), at(dt.date(2024, 10, 14), 18, 2))
    _work(member_b, None, at(dt.date(2024, 10, 15), 9, 20), at(dt.date(2024, 10, 15), 18, 0))
    _work(member_b, None, at(dt.date(2024, 10, 16), 9, 0), at(dt.date(2024, 10, 16), 16, 0))
    _work(member_b, None, at(dt.date(2024, 10, 12), 9, 0), at(dt.date(2024, 10, 12), 18, 0))
    LeaveRequest.objects.create(
        member=member_b, store=store, kind="annual", start=at(dt.date(2024, 10, 17), 9),
        end=at(dt.date(2024, 10, 17), 13), state=LeaveState.APPROVED,
        decided_at=timezone.now(),
    )  # fmt: skip
    OvertimeRecord.objects.create(
        member=member_b,
        store=store,
        date=dt.date(2024, 10, 16),
        hours=Decimal("1.5"),
        reason="盘点",
    )
    # A (shop roster): works National Day, 10:00-22:00
    _work(member, None, at(oct_, 10), at(oct_, 22))
    rows = {r["member"].pk: r for r in services.summarise(store=store, year=2024, month=10)}
    b = rows[member_b.pk]
    assert b["scheduled_days"] == 19  # 23 weekdays - 5 holiday weekdays + 1 make-up Saturday
    assert b["days_worked"] == 4
    assert b["hours"] == Decimal("33.73")  # 544 + 520 + 420 + 540 minutes
    assert (b["late"], b["early"]) == (1, 1)
    assert b["leave"]["annual"] == Decimal("0.5") and b["leave_total"] == Decimal("0.5")
    assert b["overtime"] == Decimal("1.50") and b["holiday_hours"] == 0
    assert b["absent"] == 15  # 19 scheduled - 4 worked; the half-leave day unclocked is absent
    a = rows[member.pk]
    assert a["scheduled_days"] == 31 and a["holiday_hours"] == Decimal("12.00")


@pytest.mark.req("STF-4", "SEC-9", "PRV-2")
def test_export_needs_the_permission_and_is_logged(member, practitioner, clerk, store):
    day = dt.date(2024, 10, 14)
    _work(member, None, at(day, 10), at(day, 22))
    with pytest.raises(PermissionDenied):
        services.summary_export(actor=practitioner, store=store, year=2024, month=10)
    assert UseLog.objects.filter(user=practitioner, outcome="denied", action="export").exists()
    content, count = services.summary_export(actor=clerk, store=store, year=2024, month=10)
    sheet = load_workbook(BytesIO(content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert count == 1 and rows[1][0] == member.code and rows[1][4] == 12.0
    entry = UseLog.objects.get(user=clerk, action="export")
    assert entry.count == 1 and entry.record_id == "2024-10"


# -- a leaver's open approvals ---------------------------------------------------------------


@pytest.mark.req("STF-4", "SEC-6")
def test_leave_waiting_for_a_leavers_approval_goes_to_the_successor_or_is_flagged(
    member, member_b, practitioner, practitioner_b, store, make_persona, admin_user
):
    from anxin.accounts.services import account_offboard

    boss = make_persona("boss", store, "store_manager")
    heir = make_persona("heir", store, "store_manager")
    first = services.leave_request(
        actor=practitioner, store=store, kind="annual", start=at(JUNE, 10), end=at(JUNE, 14),
        approver=boss,
    )  # fmt: skip
    account_offboard(actor=admin_user, user=boss, successor=heir)
    first.refresh_from_db()
    assert first.approver == heir and not first.needs_attention
    second = services.leave_request(
        actor=practitioner_b, store=store, kind="annual", start=at(JUNE, 10), end=at(JUNE, 14),
        approver=heir,
    )  # fmt: skip
    result = account_offboard(actor=admin_user, user=heir, successor=practitioner)
    second.refresh_from_db()
    first.refresh_from_db()
    # a practitioner cannot decide leave: back to any manager, flagged
    assert second.approver is None and second.needs_attention
    assert first.approver is None and first.needs_attention
    assert result["transferred"]["attendance.leave"] == 2
    # the leaver's own pending request is withdrawn
    mine = services.leave_request(
        actor=practitioner, store=store, kind="sick", start=at(JUNE + dt.timedelta(days=9), 10),
        end=at(JUNE + dt.timedelta(days=9), 14),
    )  # fmt: skip
    account_offboard(actor=admin_user, user=practitioner)
    mine.refresh_from_db()
    assert mine.state == LeaveState.WITHDRAWN
