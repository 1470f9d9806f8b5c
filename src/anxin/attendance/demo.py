"""Demo attendance: working hours for every staff file and, at store scale, three years of clock
records (the span of the demo's service history), leave and overtime, made in bulk (``bulk_create``) from the same calendar rules the
summary uses (holidays and make-up days from ``chinese_calendar``)."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal

from django.utils import timezone

from anxin.accounts.models import User
from anxin.staff.models import StaffKind

from .models import CalendarRule, ClockRecord, LeaveRequest, LeaveState, OvertimeRecord, WorkPattern
from .selectors import pattern_shift

DAYS = {"small": 60, "store": 36 * 30, "chain": 60}  # store: the 36 months of client history
# Practitioners work long shifts (the store is open 10:00-22:00); office staff office hours.
EARLY, LATE = ["10:00", "21:00"], ["11:00", "22:00"]
OFFICE = ["09:00", "18:00"]


def _pattern(rnd, member) -> WorkPattern:
    if member.kind == StaffKind.PRACTITIONER:
        hours = EARLY if rnd.random() < 0.5 else LATE
        rest = rnd.randrange(7)
        week = {str(d): hours for d in range(7) if d != rest}
        calendar = CalendarRule.ROSTER
    else:
        week = {str(d): OFFICE for d in range(5)}
        calendar = CalendarRule.PUBLIC
    return WorkPattern(member=member, calendar=calendar, week=week)


def _at(day, text, minutes=0):
    """An aware time in the current zone (Asia/Shanghai has no daylight saving: adding minutes
    after attaching the zone is exact)."""
    zone = timezone.get_current_timezone()
    aware = dt.datetime.combine(day, dt.time.fromisoformat(text), tzinfo=zone)
    return aware + dt.timedelta(minutes=minutes)


def demo_attendance(*, rnd, store, members, scale: str) -> dict:
    """Returns counts and the seconds it took."""
    started = time.perf_counter()
    manager = User.objects.filter(username="manager").first()
    patterns = WorkPattern.objects.bulk_create([_pattern(rnd, m) for m in members])
    by_member = {p.member_id: p for p in patterns}
    today = timezone.localdate()
    first_day = today - dt.timedelta(days=DAYS[scale])
    clocks, leaves, overtime = [], [], []
    now = timezone.now()
    for member in members:
        pattern = by_member[member.pk]
        start = max(first_day, member.hire_date)
        off: set[dt.date] = set()
        # Leave: a few approved requests a year, never overlapping; sick leave a day, annual
        # leave one to three days.
        span = (today - start).days
        for _n in range(max(1, span * 5 // 365)):
            day = start + dt.timedelta(days=rnd.randrange(max(span, 1)))
            length = 1 if rnd.random() < 0.6 else rnd.randrange(2, 4)
            days = {day + dt.timedelta(days=i) for i in range(length)}
            if days & off or max(days) >= today:
                continue
            off |= days
            leaves.append(
                LeaveRequest(
                    member=member,
                    store=store,
                    kind="sick" if length == 1 else "annual",
                    start=_at(min(days), "00:00"),
                    end=_at(max(days) + dt.timedelta(days=1), "00:00"),
                    reason="",
                    state=LeaveState.APPROVED,
                    decided_by=manager,
                    decided_at=_at(min(days), "08:00", -24 * 60),
                )
            )
        day = start
        while day < today:
            shift = pattern_shift(pattern, day)
            if shift is not None and day not in off and rnd.random() > 0.02:
                begin, end = shift[0].strftime("%H:%M"), shift[1].strftime("%H:%M")
                delay = rnd.gauss(-8, 5)
                if rnd.random() < 0.05:
                    delay = rnd.randrange(8, 40)  # late
                stay = rnd.gauss(6, 8)
                if rnd.random() < 0.03:
                    stay = -rnd.randrange(30, 120)  # left early
                clock_in = _at(day, begin, int(delay))
                clocks.append(
                    ClockRecord(
                        member=member,
                        store=store,
                        clock_in=clock_in,
                        clock_out=max(_at(day, end, int(stay)), clock_in + dt.timedelta(hours=1)),
                    )
                )
                if member.kind == StaffKind.STAFF and rnd.random() < 0.04:
                    overtime.append(
                        OvertimeRecord(
                            member=member,
                            store=store,
                            date=day,
                            hours=Decimal(rnd.choice(["1.00", "1.50", "2.00", "3.00"])),
                            reason=rnd.choice(["月末盘点", "年检资料整理", "活动布置"]),
                        )
                    )
            day += dt.timedelta(days=1)
    # A few requests waiting for a manager, in the coming weeks.
    for member in members[:3]:
        day = today + dt.timedelta(days=rnd.randrange(7, 21))
        leaves.append(
            LeaveRequest(
                member=member,
                store=store,
                kind="personal",
                start=_at(day, "10:00"),
                end=_at(day, "14:00"),
                reason="家中有事",
                state=LeaveState.PENDING,
                created_at=now,
            )
        )
    ClockRecord.objects.bulk_create(clocks, batch_size=2000)
    LeaveRequest.objects.bulk_create(leaves, batch_size=2000)
    OvertimeRecord.objects.bulk_create(overtime, batch_size=2000)
    return {
        "clock_records": len(clocks),
        "leave_requests": len(leaves),
        "overtime_records": len(overtime),
        "seconds": round(time.perf_counter() - started, 2),
    }


def demo_staff_and_attendance(*, rnd, store, scale: str) -> dict:
    """The one call the demo command makes: staff files, then their attendance."""
    from anxin.staff.demo import demo_staff

    started = time.perf_counter()
    members = demo_staff(rnd=rnd, store=store, scale=scale)
    staff_seconds = round(time.perf_counter() - started, 2)
    counts = demo_attendance(rnd=rnd, store=store, members=members, scale=scale)
    return {"staff_files": len(members), "staff_seconds": staff_seconds, **counts}
