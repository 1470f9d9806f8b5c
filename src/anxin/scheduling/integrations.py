"""How the appointment book meets attendance and on-site jobs (wired in ``AppConfig.ready``).

- Attendance: a practitioner with a staff file in the store is bookable only within their
  working hours, not on approved leave or a day off (public holidays and 调休 from the calendar
  rule of their pattern). Someone without a staff file there has no attendance kept: no limit.
- Leave overlapping bookings is refused by attendance with the bookings listed.
"""

import datetime as dt

from django.utils import timezone

from .models import HOLDING, Appointment


def attendance_check(*, practitioner, store, start, end) -> list[str]:
    from anxin.attendance.selectors import availability
    from anxin.staff.models import StaffMember

    member = StaffMember.objects.filter(store=store, user=practitioner).first()
    if member is None:
        return []
    return list(availability(member, store, start, end).reasons)


def attendance_windows(*, store, day: dt.date, people):
    """For the free-slot search: one lookup of everyone's working windows that day."""
    from anxin.accounts.names import staff_secrets
    from anxin.attendance.selectors import working_windows
    from anxin.staff.models import StaffMember

    # The working windows need the files' ids, not their encrypted fields (none decrypted).
    members = {
        m.user_id: m
        for m in StaffMember.objects.filter(store=store, user__in=[p.pk for p in people]).defer(
            *(name.split("__", 1)[1] for name in staff_secrets("file"))
        )
    }
    windows = working_windows(store=store, day=day, members=list(members.values()))
    predicates = {}
    for person in people:
        member = members.get(person.pk)
        if member is None:
            continue  # no attendance kept for them: no limit
        spans = windows.get(member.pk, [])
        predicates[person.pk] = lambda s, e, spans=spans: any(a <= s and e <= b for a, b in spans)
    return predicates


def bookings_of(*, member, start, end) -> list[str]:
    if member.user_id is None:
        return []
    return [
        f"{a.code} {timezone.localtime(a.start):%m-%d %H:%M}"
        for a in Appointment.objects.filter(
            practitioner_id=member.user_id, status__in=HOLDING, start__lt=end, end__gt=start
        ).order_by("start")
    ]


def week_attendance(*, actor, store, practitioner, days) -> dict | None:
    """For the calendar's week of one practitioner: per day, their shift (start, end) or None,
    and their approved or pending leave overlapping it. Only when ``actor`` may see that
    person's attendance (their own, or a manager's); otherwise None. A fixed number of
    queries for the week."""
    from anxin.attendance.models import LeaveRequest, LeaveState, WorkPattern
    from anxin.attendance.selectors import scoped_members, shift_on
    from anxin.core.dates import day_range

    member = scoped_members(actor=actor, store=store).filter(user=practitioner).first()
    if member is None:
        return None
    pattern = WorkPattern.objects.filter(member=member).first()
    first, last = day_range(days[0], days[-1])
    leaves = list(
        LeaveRequest.objects.filter(
            member=member,
            state__in=[LeaveState.APPROVED, LeaveState.PENDING],
            start__lt=last,
            end__gt=first,
        ).order_by("start")
    )
    week = {}
    for day in days:
        start, end = day_range(day, day)
        week[day] = {
            "shift": shift_on(pattern, day),
            "leave": [leave for leave in leaves if leave.start < end and leave.end > start],
        }
    return week
