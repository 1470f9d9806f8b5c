"""Reads of attendance: scoped by the acting user (own or store), and the scheduling questions
other apps ask ("is P working and not on leave from T1 to T2?").
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.accounts.policy import Scope, scope_for
from anxin.audit.models import UseOutcome
from anxin.audit.services import use_log
from anxin.staff.models import StaffMember

from .calendar import DayKind, day_kind
from .models import (
    CalendarRule,
    ClockRecord,
    LeaveKind,
    LeaveRequest,
    LeaveState,
    OvertimeRecord,
    WorkPattern,
)

RECORD = "attendance.attendance"
Interval = tuple[dt.datetime, dt.datetime]


# -- scope --------------------------------------------------------------------------------


def scoped_members(*, actor, store, action: str = "view") -> QuerySet[StaffMember]:
    """Whose attendance this person may ``action`` here: everyone's (store) or their own."""
    scope = scope_for(actor, store, RECORD, action)
    if scope is None:
        return StaffMember.objects.none()
    qs = StaffMember.objects.filter(store=store)
    if scope == Scope.OWN:
        qs = qs.filter(user=actor)
    return qs


def deny(*, actor, store, action, record_id="*", request=None) -> None:
    use_log(
        actor=actor,
        action=action,
        record_type=RECORD,
        record_id=str(record_id)[:64],
        outcome=UseOutcome.DENIED,
        request=request,
        store=store,
    )


def require(*, actor, store, action: str, request=None) -> Scope:
    scope = scope_for(actor, store, RECORD, action)
    if scope is None:
        deny(actor=actor, store=store, action=action, request=request)
        raise PermissionDenied
    return scope


def member_get(*, actor, store, pk, action: str = "view", request=None) -> StaffMember:
    """A person whose attendance this actor may ``action``; unknown or out of scope: 404."""
    member = None
    if pk is not None and str(pk).isdigit():
        member = scoped_members(actor=actor, store=store, action=action).filter(pk=pk).first()
    if member is None:
        deny(actor=actor, store=store, action=action, record_id=pk, request=request)
        raise Http404(_("No such person was found in this store."))
    return member


def own_member(*, actor, store) -> StaffMember | None:
    if actor is None or not actor.is_authenticated:
        return None
    return StaffMember.objects.filter(store=store, user=actor, left_on__isnull=True).first()


def open_clock(member) -> ClockRecord | None:
    return ClockRecord.objects.filter(member=member, clock_out__isnull=True).first()


def last_clock(member) -> ClockRecord | None:
    return ClockRecord.objects.filter(member=member).order_by("-clock_in").first()


def recent_clocks(*, actor, store, member, days: int = 14) -> list[ClockRecord]:
    since = timezone.now() - dt.timedelta(days=days)
    return list(member.clock_records.filter(clock_in__gte=since).order_by("-clock_in")[:50])


LEAVE_ORDER = ("-start", "-pk")


def leave_list(*, actor, store, member=None) -> QuerySet[LeaveRequest]:
    members = scoped_members(actor=actor, store=store)
    qs = (
        LeaveRequest.objects.filter(store=store, member__in=members)
        .select_related("member", "approver")
        # A list of up to 200 requests shows names: the staff files' encrypted fields (pay,
        # ID number, bank card) stay undecrypted (read on access if a page needs them).
        .defer(*(f"member__{name}" for name in _encrypted_fields(StaffMember)))
    )
    if member is not None:
        qs = qs.filter(member=member)
    return qs.order_by(*LEAVE_ORDER)


def leave_to_decide(*, actor, store) -> QuerySet[LeaveRequest]:
    """Pending requests this person may decide: addressed to them, or to any manager."""
    if scope_for(actor, store, RECORD, "approve") is None:
        return LeaveRequest.objects.none()
    from django.db.models import Q

    return (
        LeaveRequest.objects.filter(store=store, state=LeaveState.PENDING)
        .filter(Q(approver=actor) | Q(approver__isnull=True))
        .exclude(member__user=actor)
        .select_related("member")
        .defer(*(f"member__{name}" for name in _encrypted_fields(StaffMember)))
        .order_by("start")
    )


def leave_get(*, actor, store, pk, request=None) -> LeaveRequest:
    """A leave request the actor may see: their own, or any in the store for a manager."""
    leave = None
    if str(pk).isdigit():
        leave = leave_list(actor=actor, store=store).filter(pk=pk).first()
        if leave is None and scope_for(actor, store, RECORD, "approve") is not None:
            leave = LeaveRequest.objects.filter(store=store, pk=pk).first()
    if leave is None:
        deny(actor=actor, store=store, action="view", record_id=pk, request=request)
        raise Http404
    use_log(actor=actor, action="view", instance=leave, request=request, store=store)
    return leave


# -- working hours, holidays and leave: the scheduling questions ---------------------------


def _parse_time(text: str) -> dt.time:
    return dt.time.fromisoformat(text)


def pattern_shift(pattern: WorkPattern | None, day: dt.date) -> tuple[dt.time, dt.time] | None:
    """The shift this pattern gives on ``day`` (times), honouring the national calendar."""
    if pattern is None:
        return None
    week = pattern.week or {}
    weekday = day.weekday()
    if pattern.calendar == CalendarRule.PUBLIC:
        kind = day_kind(day)
        if kind == DayKind.HOLIDAY:
            return None
        if kind == DayKind.MAKEUP:
            # A make-up working day (调休上班) is worked with the first weekday's hours.
            weekday = next((d for d in range(5) if week.get(str(d))), None)
            if weekday is None:
                return None
    hours = week.get(str(weekday))
    if not hours:
        return None
    return _parse_time(hours[0]), _parse_time(hours[1])


def _at(day: dt.date, time: dt.time) -> dt.datetime:
    return _aware(day, time, timezone.get_current_timezone_name())


@functools.lru_cache(maxsize=8192)
def _aware(day: dt.date, time: dt.time, zone: str) -> dt.datetime:
    # A month's summary asks this for every person and day: the same few shift times.
    return timezone.make_aware(dt.datetime.combine(day, time))


def shift_on(pattern, day: dt.date) -> Interval | None:
    times = pattern_shift(pattern, day)
    if times is None:
        return None
    return _at(day, times[0]), _at(day, times[1])


def _subtract(interval: Interval, cuts: list[Interval]) -> list[Interval]:
    pieces = [interval]
    for c_start, c_end in cuts:
        out = []
        for p_start, p_end in pieces:
            if c_end <= p_start or c_start >= p_end:
                out.append((p_start, p_end))
                continue
            if c_start > p_start:
                out.append((p_start, c_start))
            if c_end < p_end:
                out.append((c_end, p_end))
        pieces = out
    return pieces


def working_windows(*, store, day: dt.date, members=None) -> dict[int, list[Interval]]:
    """For every active staff file of the store (or ``members``): when they work on ``day``,
    approved leave taken out. One query for the patterns, one for the leave. Meant for the
    free-slot search of the appointments app."""
    qs = StaffMember.objects.filter(store=store, hire_date__lte=day).exclude(left_on__lt=day)
    if members is not None:
        qs = qs.filter(pk__in=[getattr(m, "pk", m) for m in members])
    patterns = {p.member_id: p for p in WorkPattern.objects.filter(member__in=qs)}
    shifts = {}
    for member_id in qs.values_list("pk", flat=True):
        shift = shift_on(patterns.get(member_id), day)
        if shift is not None:
            shifts[member_id] = shift
    if not shifts:
        return {}
    day_start = _at(day, dt.time(0, 0))
    day_end = day_start + dt.timedelta(days=1)
    leaves = defaultdict(list)
    for leave in LeaveRequest.objects.filter(
        member_id__in=shifts, state=LeaveState.APPROVED, start__lt=day_end, end__gt=day_start
    ).only("member_id", "start", "end"):
        leaves[leave.member_id].append((leave.start, leave.end))
    return {
        member_id: _subtract(shift, leaves.get(member_id, []))
        for member_id, shift in shifts.items()
    }


@dataclass
class Availability:
    """Whether a person works the whole of ``[start, end)``; ``reasons`` say why not."""

    available: bool
    reasons: list[str] = field(default_factory=list)

    def __bool__(self):
        return self.available


def _member_of(practitioner, store) -> StaffMember | None:
    if isinstance(practitioner, StaffMember):
        return practitioner if practitioner.store_id == store.pk else None
    return StaffMember.objects.filter(store=store, user=practitioner).first()


def availability(practitioner, store, start: dt.datetime, end: dt.datetime) -> Availability:
    """Is ``practitioner`` (an account or a staff file) working and not on leave in this store
    for the whole of ``[start, end)``? Pending leave does not block; approved leave does."""
    if end <= start:
        return Availability(False, [_("The end must be after the start.")])
    member = _member_of(practitioner, store)
    if member is None:
        return Availability(False, [_("No such person works in this store.")])
    reasons = []
    start_local, end_local = timezone.localtime(start), timezone.localtime(end)
    if member.left_on is not None and end_local.date() > member.left_on:
        reasons.append(_("%(name)s has left.") % {"name": member.name})
    if start_local.date() < member.hire_date:
        reasons.append(_("%(name)s has not started work yet.") % {"name": member.name})
    day = start_local.date()
    windows = working_windows(store=store, day=day, members=[member]).get(member.pk, [])
    shift = shift_on(WorkPattern.objects.filter(member=member).first(), day)
    if shift is None or not (shift[0] <= start and end <= shift[1]):
        reasons.append(
            _("%(name)s is not working then (outside working hours, a rest day or a holiday).")
            % {"name": member.name}
        )
    elif not any(w_start <= start and end <= w_end for w_start, w_end in windows):
        reasons.append(_("%(name)s is on approved leave then.") % {"name": member.name})
    return Availability(not reasons, reasons)


def leave_overlapping(*, member, start, end, exclude=None) -> QuerySet[LeaveRequest]:
    """Pending or approved leave of this person overlapping ``[start, end)``."""
    qs = LeaveRequest.objects.filter(
        member=member,
        state__in=[LeaveState.PENDING, LeaveState.APPROVED],
        start__lt=end,
        end__gt=start,
    )
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs


# -- the monthly summary for payroll (STF-4) ------------------------------------------------


def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    first = dt.date(year, month, 1)
    following = dt.date(year + (month == 12), month % 12 + 1, 1)
    return first, following


def _grace() -> dt.timedelta:
    return dt.timedelta(minutes=getattr(settings, "ANXIN_ATTENDANCE_GRACE_MINUTES", 5))


def _hours(delta: dt.timedelta) -> Decimal:
    return (Decimal(delta.total_seconds()) / 3600).quantize(Decimal("0.01"))


def _overlap(a: Interval, b: Interval) -> dt.timedelta:
    start, end = max(a[0], b[0]), min(a[1], b[1])
    return max(end - start, dt.timedelta(0))


def summarise(*, store, year: int, month: int, members=None) -> list[dict]:
    """One row per person: scheduled days, days worked, hours, late arrivals, early
    departures, absences, leave days by kind, overtime hours, hours worked on public holidays.

    No access check here: callers are ``monthly_summary`` and ``summary_export``."""
    first, following = month_bounds(year, month)
    start, end = _at(first, dt.time(0)), _at(following, dt.time(0))
    qs = StaffMember.objects.filter(store=store, hire_date__lt=following).exclude(left_on__lt=first)
    if members is not None:
        qs = qs.filter(pk__in=[m.pk for m in members])
    # The summary shows code and name: the encrypted fields (pay, ID number…) stay unread.
    people = list(qs.defer(*_encrypted_fields(StaffMember)).order_by("kind", "code", "name"))
    ids = [m.pk for m in people]
    patterns = {p.member_id: p for p in WorkPattern.objects.filter(member_id__in=ids)}
    clocks = defaultdict(list)
    # Plain rows, not model instances: a store's month has thousands of clock records.
    for rec in ClockRecord.objects.filter(
        member_id__in=ids, clock_in__gte=start, clock_in__lt=end
    ).values_list("member_id", "clock_in", "clock_out", named=True):
        clocks[rec.member_id].append(rec)
    leaves = defaultdict(list)
    for leave in LeaveRequest.objects.filter(
        member_id__in=ids, state=LeaveState.APPROVED, start__lt=end, end__gt=start
    ).only("member_id", "kind", "start", "end"):
        leaves[leave.member_id].append(leave)
    overtime = defaultdict(Decimal)
    for rec in OvertimeRecord.objects.filter(
        member_id__in=ids, date__gte=first, date__lt=following
    ).only("member_id", "hours"):
        overtime[rec.member_id] += rec.hours
    days = [first + dt.timedelta(days=i) for i in range((following - first).days)]
    holidays = {d for d in days if day_kind(d) == DayKind.HOLIDAY}
    grace = _grace()
    # Read once, not per person and day (each is a look-up in the request's locals).
    zone, tz = timezone.get_current_timezone_name(), timezone.get_current_timezone()
    today = timezone.localdate()
    rows = []
    for member in people:
        pattern = patterns.get(member.pk)
        by_day = defaultdict(list)
        worked = dt.timedelta(0)
        holiday_work = dt.timedelta(0)
        for rec in clocks[member.pk]:
            day = rec.clock_in.astimezone(tz).date()
            by_day[day].append(rec)
            if rec.clock_out is not None:
                worked += rec.clock_out - rec.clock_in
                if day in holidays:
                    holiday_work += rec.clock_out - rec.clock_in
        scheduled = late = early = absent = 0
        leave_days = defaultdict(Decimal)
        for day in days:
            if day < member.hire_date or (member.left_on and day > member.left_on):
                continue
            times = pattern_shift(pattern, day)
            if times is None:
                continue
            shift = (_aware(day, times[0], zone), _aware(day, times[1], zone))
            scheduled += 1
            length = shift[1] - shift[0]
            on_leave = dt.timedelta(0)
            for leave in leaves[member.pk]:
                part = _overlap(shift, (leave.start, leave.end))
                if part:
                    on_leave += part
                    # Half days: a leave of up to half the shift counts 0.5.
                    leave_days[leave.kind] += Decimal("0.5") if part * 2 <= length else Decimal(1)
            records = by_day.get(day)
            if not records:
                if on_leave < length and day < today:
                    absent += 1
                continue
            first_in = min(r.clock_in for r in records)
            outs = [r.clock_out for r in records if r.clock_out is not None]
            if first_in > shift[0] + grace and not on_leave:
                late += 1
            if outs and max(outs) < shift[1] - grace and not on_leave:
                early += 1
        rows.append(
            {
                "member": member,
                "scheduled_days": scheduled,
                "days_worked": len(by_day),
                "hours": _hours(worked),
                "late": late,
                "early": early,
                "absent": absent,
                "leave": {kind: leave_days.get(kind, Decimal(0)) for kind in LeaveKind.values},
                "leave_total": sum(leave_days.values(), Decimal(0)),
                "leave_taken": [
                    (label, leave_days[kind])
                    for kind, label in LeaveKind.choices
                    if leave_days.get(kind)
                ],
                "overtime": overtime.get(member.pk, Decimal("0")).quantize(Decimal("0.01")),
                "holiday_hours": _hours(holiday_work),
            }
        )
    return rows


def _encrypted_fields(model) -> list[str]:
    from anxin.crypto.fields import EncryptedTextField

    return [f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]


def monthly_summary(*, actor, store, year: int, month: int, request=None) -> list[dict]:
    """The summary of everyone whose attendance this person may see; the read is logged."""
    members = list(scoped_members(actor=actor, store=store).only("pk"))
    if not members:
        require(actor=actor, store=store, action="view", request=request)
    rows = summarise(store=store, year=year, month=month, members=members)
    use_log(
        actor=actor,
        action="report",
        record_type=RECORD,
        record_id=f"{year:04d}-{month:02d}",
        count=len(rows),
        purpose="monthly summary",
        request=request,
        store=store,
    )
    return rows
